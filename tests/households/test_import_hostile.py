"""Hostile import files: a French refusal with its reason, never a 500 nor the reader's English (issue 18, items 2, 6 and 8)."""

import csv
import io
import re
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from lda.accounts.roles import Role
from lda.core.validators import NIR_MESSAGE
from lda.households import services
from lda.households.importer import FORMULA_MESSAGE, check
from lda.tasks import queue
from lda.tasks.models import Status, Task
from tests.conftest import sign_in
from tests.households.import_helpers import as_csv, as_xlsx, row

SHEET = "xl/worksheets/sheet1.xml"


def _tampered_xlsx(change) -> bytes:
    """A valid two-row workbook whose first sheet's XML went through `change`."""
    source = zipfile.ZipFile(io.BytesIO(as_xlsx([row(), row(Référence_ménage="M2")])))
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == SHEET:
                data = change(data.decode()).encode()
            target.writestr(item, data)
    return output.getvalue()


A2 = re.compile(r'<c r="A2"[^>]*>.*?</c>')


def _numeric_cell_holding_text(xml: str) -> str:
    return A2.sub('<c r="A2" t="n"><v>pas un nombre</v></c>', xml, count=1)


def _shared_string_out_of_range(xml: str) -> str:
    return A2.sub('<c r="A2" t="s"><v>99999</v></c>', xml, count=1)


MALFORMED = [_numeric_cell_holding_text, _shared_string_out_of_range]


@pytest.mark.parametrize("change", MALFORMED)
def test_a_workbook_with_a_malformed_cell_is_refused_in_french(change):
    content = _tampered_xlsx(change)
    assert content != as_xlsx([row(), row(Référence_ménage="M2")])
    report = check(content)
    assert report.refused
    assert [p.message for p in report.problems][0].startswith("Le fichier est illisible : une cellule")


@pytest.mark.django_db
@pytest.mark.parametrize("change", MALFORMED)
def test_the_upload_of_a_malformed_workbook_fails_its_dry_run_in_french_not_a_500(client, users, change):
    sign_in(client, users[Role.REFERENT])
    response = client.post(
        reverse("imports:upload"), {"fichier": SimpleUploadedFile("menages.xlsx", _tampered_xlsx(change))}
    )
    assert response.status_code == 302
    queue.run_pending()
    task = Task.objects.get()
    assert task.status == Status.FAILED and task.input_file is None
    assert "Le fichier est illisible" in client.get(reverse("imports:task", args=[task.pk])).content.decode()


ENGLISH = re.compile(r"field|limit|expected|unquoted|character|line contains", re.IGNORECASE)


@pytest.mark.parametrize(
    ("content", "line", "words"),
    [
        (as_csv([row()]) + b'M2;"' + b"x" * 140_000 + b'";Lea\r\n', 3, "une cellule dépasse 131\u202f072 caractères"),
    ],
)
def test_a_malformed_csv_is_refused_in_french_with_its_line(content, line, words):
    report = check(content)
    assert report.refused
    message = report.problems[0].message
    assert message.startswith(f"Le fichier csv est mal formé à la ligne {line} : ")
    assert words in message
    assert not ENGLISH.search(message), message


def test_a_csv_reason_the_module_words_in_a_new_way_is_still_french():
    from lda.households.importer import _csv_reason

    assert _csv_reason(csv.Error("some new English reason")) == (
        "la structure des lignes est invalide (guillemets ou séparateurs)"
    )


# --- item 6: the import obeys the field validation of the forms, on every column -------------------

NIR = "1 85 04 13 055 123 45"


def _errors(content):
    report = check(content)
    assert not report.refused, report.problems
    return [(p.line, p.column, p.message) for p in report.errors]


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("Nom", f"Martin {NIR}"),
        ("Prénom", f"Léa {NIR}"),
        ("Autres noms", NIR),
        ("Numéro unique", NIR),
        ("Situation de logement", f"rue {NIR}"),
    ],
)
def test_a_nir_like_number_in_any_column_is_refused_as_the_forms_do(column, value):
    errors = _errors(as_csv([row(**{column.replace(" ", "_"): value})]))
    assert (2, column, NIR_MESSAGE) in errors


def test_a_nul_character_is_refused_as_the_forms_do():
    rows = [row(Référence_ménage=f"M{n}") for n in range(60)] + [row(Référence_ménage="M99", Nom="Mar\x00tin")]
    content = as_csv(rows)
    assert b"\x00" not in content[:4096]
    errors = _errors(content)
    assert (62, "Nom", "Le caractère nul n’est pas autorisé.") in errors
    assert [e for e in errors if e[0] != 62] == []


def test_a_name_too_long_is_reported_once_not_also_as_missing():
    errors = _errors(as_csv([row(Nom="x" * 10_000)]))
    assert errors == [(2, "Nom", "Nom trop long (10000 caractères, 100 au plus).")]


def test_a_formula_without_a_stored_value_is_named_as_such():
    errors = _errors(as_xlsx([row(Nom="=B1&C1")]))
    assert errors == [(2, "Nom", FORMULA_MESSAGE)]


def test_a_formula_with_its_stored_value_is_read_as_that_value():
    def with_cached_value(xml: str) -> str:
        return re.sub(r'<c r="B2"[^>]*>.*?</c>', '<c r="B2" t="str"><f>UPPER("martin")</f><v>MARTIN</v></c>', xml)

    source = zipfile.ZipFile(io.BytesIO(as_xlsx([row()])))
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            target.writestr(item, with_cached_value(data.decode()).encode() if item.filename == SHEET else data)
    report = check(output.getvalue())
    assert report.errors == [] and report.households[0].persons[0].last_name == "MARTIN"


@pytest.mark.parametrize("text", ["", "Martin", "1985", "02/04/1985", f"a{NIR}"])
def test_the_services_text_rule_is_the_one_the_import_calls(text):
    assert services.text_problem(text) is None or NIR_MESSAGE == services.text_problem(text)
    assert services.text_problem(f"x{chr(0)}y") == "Le caractère nul n’est pas autorisé."
    assert services.text_problem(NIR) == NIR_MESSAGE


# --- item 4: a small file cannot keep a worker busy nor fill its memory --------------------------


def _under(seconds):
    """Fails the test (instead of hanging the run) when the body takes longer than `seconds`."""
    import signal

    def alarm(*_):
        raise TimeoutError(f"plus de {seconds} s")

    signal.signal(signal.SIGALRM, alarm)
    signal.alarm(seconds)
    return signal


def test_a_sheet_declaring_every_cell_with_one_on_the_last_row_is_refused_quickly():
    def huge_dimension(xml: str) -> str:
        xml = re.sub(r'<dimension ref="[^"]+"\s*/>', '<dimension ref="A1:XFD1048576"/>', xml)
        return xml.replace("</sheetData>", '<row r="1048576"><c r="XFD1048576" t="n"><v>1</v></c></row></sheetData>')

    content = _tampered_xlsx(huge_dimension)
    assert len(content) < 10_000
    signal = _under(30)
    try:
        report = check(content)
    finally:
        signal.alarm(0)
    assert report.refused
    assert report.problems[0].message.startswith("Le fichier dépasse 40 000 lignes, lignes vides comprises")


def test_a_workbook_that_unpacks_past_the_limit_is_refused_before_reading():
    def bomb(xml: str) -> str:
        return xml.replace("</sheetData>", "</sheetData>" + "<!--" + "x" * (61 * 1024 * 1024) + "-->")

    content = _tampered_xlsx(bomb)
    assert len(content) < 1024 * 1024
    signal = _under(30)
    try:
        report = check(content)
    finally:
        signal.alarm(0)
    assert report.refused
    assert report.problems[0].message.startswith("Le classeur décompressé dépasse 60 Mo")


def test_columns_past_the_bound_are_not_read():
    from lda.households import importer

    def far_cell(xml: str) -> str:
        return xml.replace('<c r="A2"', '<c r="ZZZ2" t="n"><v>7</v></c><c r="A2"', 1)

    table = importer.read_table(_tampered_xlsx(far_cell))
    assert all(len(cells) <= importer.MAX_COLUMNS for _, cells in table.rows)


# --- item 7 (first part): likely duplicate persons within the file are listed in the dry run -------


def test_three_identical_persons_in_one_file_are_warned_about_not_silently_kept():
    report = check(as_csv([row(), row(), row()]))
    warnings = [(p.line, p.column, p.message) for p in report.warnings]
    assert [(line, column) for line, column, _ in warnings] == [(3, "Nom"), (4, "Nom"), (4, "Nom")]
    assert "Personne probablement en double avec la ligne 2 (du même ménage)" in warnings[0][2]
    assert report.errors == []  # a warning: the user decides


def test_the_same_person_in_two_households_of_the_file_is_warned_about():
    report = check(as_csv([row(), row(Référence_ménage="M2", Nom="MARTIN", Prénom="lea")]))
    assert [(p.line, p.message) for p in report.warnings] == [
        (3, "Personne probablement en double avec la ligne 2 (du ménage « M1 ») : vérifiez avant d'importer.")
    ]


def test_different_persons_are_not_warned_about():
    report = check(
        as_csv([row(), row(Prénom="Tom", Date_de_naissance="2019"), row(Référence_ménage="M2", Nom="Durand")])
    )
    assert report.warnings == []
