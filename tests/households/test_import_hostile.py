"""Hostile import files: a French refusal with its reason, never a 500 nor the reader's English (issue 18, items 2 and 8)."""

import csv
import io
import re
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from lda.accounts.roles import Role
from lda.households.importer import check
from lda.tasks.models import Task
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
def test_the_upload_of_a_malformed_workbook_answers_the_form_not_a_500(client, users, change):
    sign_in(client, users[Role.REFERENT])
    response = client.post(
        reverse("imports:upload"), {"fichier": SimpleUploadedFile("menages.xlsx", _tampered_xlsx(change))}
    )
    assert response.status_code == 200
    assert "Le fichier est illisible" in response.content.decode()
    assert not Task.objects.exists()


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
