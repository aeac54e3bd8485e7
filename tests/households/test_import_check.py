"""The dry run of the import: every rule fails when broken, with its line and column."""

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lda.households import importer
from lda.households.importer import CellError, check, parse_date
from tests.households.import_helpers import as_csv, as_xlsx, row

TODAY = date(2026, 11, 22)


def problems(rows, **kwargs):
    report = check(as_csv(rows, **kwargs), today=TODAY)
    return report, [(p.line, p.column, p.message) for p in report.errors]


def test_a_clean_file_has_no_problem_and_groups_persons_by_reference():
    report, errors = problems(
        [
            row(),
            row(Prénom="Tom", Date_de_naissance="2019", Place_dans_le_ménage="", Sexe="H"),
            row(Référence_ménage="M2", Nom="Durand", Prénom="Ali"),
        ]
    )
    assert errors == [] and report.clean
    assert report.summary() | {} == {
        "rows": 3,
        "households": 2,
        "persons": 3,
        "valid_rows": 3,
        "invalid_rows": 0,
        "valid_households": 2,
        "valid_persons": 3,
        "invalid_households": 0,
        "errors": 0,
        "warnings": 0,
    }
    first = report.households[0]
    tom = first.persons[1]
    assert (tom.role, tom.birth_date, tom.birth_date_precision, tom.sex) == ("child", date(2019, 1, 1), "year", "M")
    assert first.persons[0].is_head and not tom.is_head


# (changes to a valid row, column reported, words of the reason)
RULES = [
    ({"Nom": ""}, "Nom", "Nom manquant"),
    ({"Prénom": " "}, "Prénom", "Prénom manquant"),
    ({"Nom": "x" * 101}, "Nom", "trop long"),
    ({"Date de naissance": "12/12/2030"}, "Date de naissance", "dans le futur"),
    ({"Date de naissance": "31/02/1985"}, "Date de naissance", "n'existe pas"),
    ({"Date de naissance": "le 2 avril"}, "Date de naissance", "mal formée"),
    ({"Date de naissance": "1850"}, "Date de naissance", "invraisemblable"),
    ({"Sexe": "X"}, "Sexe", "inconnue"),
    ({"Place dans le ménage": "cousin"}, "Place dans le ménage", "inconnue"),
    ({"Situation administrative": "martien"}, "Situation administrative", "inconnue"),
    ({"Situation de logement": "14"}, "Situation de logement", "ETHOS inconnue"),
    ({"Situation de logement": "château"}, "Situation de logement", "inconnue"),
    ({"Situation de logement": ""}, "Situation de logement", "manquante"),
    ({"Depuis le": "2026"}, "Depuis le", "incomplète"),
    ({"Depuis le": "05/01/2026", "Fin de la situation": "04/01/2026"}, "Fin de la situation", "finir avant"),
    ({"Date de la saisine": "01/01/2027"}, "Date de la saisine", "dans le futur"),
    ({"Date de la saisine": ""}, "Date de la saisine", "manquante"),
    ({"Prescripteur": "voisin"}, "Prescripteur", "inconnue"),
    ({"Prescripteur": ""}, "Prescripteur", "manquant"),
    ({"Publics prioritaires": "moins de 25 ans; licorne"}, "Publics prioritaires", "« licorne »"),
    ({"Numéro unique": "9" * 31}, "Numéro unique", "trop long"),
    ({"DALO": "peut-être"}, "DALO", "oui ou non"),
    ({"Date DALO": "01/02/2026"}, "Date DALO", "DALO"),
    ({"Accord de partage": "oui"}, "Date de l'accord", "date"),
    ({"Partenaires autorisés": "SIAO"}, "Partenaires autorisés", "Accord de partage"),
    (
        {"Partenaires autorisés": "martiens", "Accord de partage": "oui", "Date de l'accord": "03/01/2026"},
        "Partenaires autorisés",
        "inconnue",
    ),
    ({"Date d'entrée sur la liste": "02/01/2026"}, "Date d'entrée sur la liste", "précéder la saisine"),
    ({"Mesure": "VIAL"}, "Mesure", "entrée sur la liste"),
    ({"Mesure": "magique", "Date d'entrée sur la liste": "04/01/2026"}, "Mesure", "inconnue"),
    ({"Date de sortie": "05/01/2026", "Motif de sortie": "décédé"}, "Date de sortie", "suppose une date d'entrée"),
    (
        {"Date d'entrée sur la liste": "05/01/2026", "Date de sortie": "04/01/2026", "Motif de sortie": "décédé"},
        "Date de sortie",
        "précéder l'entrée",
    ),
    ({"Date d'entrée sur la liste": "05/01/2026", "Date de sortie": "06/01/2026"}, "Motif de sortie", "manquant"),
    ({"Date d'entrée sur la liste": "05/01/2026", "Motif de sortie": "décédé"}, "Date de sortie", "manquante"),
    (
        {"Date d'entrée sur la liste": "05/01/2026", "Date de sortie": "06/01/2026", "Motif de sortie": "logé"},
        "Logement d'entrée",
        "type de logement",
    ),
    ({"Référence ménage": ""}, "Référence ménage", "manquante"),
    ({"Autres noms": "1 85 04 13 055 123 45"}, "Autres noms", "sécurité sociale"),
]


@pytest.mark.parametrize(("changes", "column", "words"), RULES, ids=[r[2] + "-" + r[1] for r in RULES])
def test_each_rule_reports_the_line_the_column_and_a_french_reason(changes, column, words):
    ok = row(Référence_ménage="OK")
    bad = {**row(Référence_ménage="KO"), **changes}
    report, errors = problems([ok, bad])
    assert (3, column) in {(line, col) for line, col, _ in errors}, errors
    assert any(words in message for line, col, message in errors if (line, col) == (3, column)), errors
    assert not report.clean
    # The valid household stays importable; the broken one is left out whole.
    assert [h.reference for h in report.valid_households] == ["OK"]


def test_the_same_cells_pass_when_the_rule_is_respected():
    report, errors = problems(
        [
            row(
                Situation_de_logement="ETHOS 3",
                Fin_de_la_situation="10/01/2026",
                Publics_prioritaires="Moins de 25 ans ; Famille monoparentale",
                DALO="oui",
                Date_DALO="01/02/2026",
                Accord_de_partage="oui",
                Date_de_l_accord="03/01/2026",
                Partenaires_autorisés="Association opératrice, bailleur social",
                Date_d_entrée_sur_la_liste="05/01/2026",
                Mesure="vial",
                Date_de_sortie="06/01/2026",
                Motif_de_sortie="Logé",
                Logement_d_entrée="HLM",
                Situation_administrative="Réfugiée",
            )
        ]
    )
    assert errors == []
    values = report.households[0].values
    assert values["situation"] == "chrs"
    assert values["priority_publics"] == ["single_parent", "under_25"]
    assert values["consent_kinds"] == ["association", "social_landlord"]
    assert (values["exit_reason"], values["housed_in"]) == ("housed", "social")
    assert report.households[0].persons[0].administrative_status == "refugee"


def test_household_rows_must_agree_and_a_later_blank_is_fine():
    report, errors = problems(
        [row(), row(Prénom="Tom", Situation_de_logement=""), row(Prénom="Zoé", Situation_de_logement="squat")]
    )
    assert [(line, col) for line, col, _ in errors] == [(4, "Situation de logement")]
    assert "ligne 2" in errors[0][2]
    assert report.excluded_lines == [2, 3, 4]


def test_an_invalid_row_excludes_its_whole_household():
    report, _ = problems([row(), row(Prénom=""), row(Référence_ménage="M2")])
    assert report.excluded_lines == [2, 3]
    assert report.summary()["invalid_rows"] == 1
    assert [h.reference for h in report.valid_households] == ["M2"]


def test_line_numbers_count_blank_lines_as_the_spreadsheet_does():
    content = as_csv([row(), row(Référence_ménage="M2", Nom="")]).replace(b"\r\nM2", b"\r\n;;;\r\nM2")
    report = check(content, today=TODAY)
    assert [(p.line, p.column) for p in report.errors] == [(4, "Nom")]


def test_unknown_and_nir_columns_are_warnings_not_errors():
    report, errors = problems([row(Couleur="bleu", NIR="185047512345678")])
    assert errors == []
    warnings = [(p.line, p.column, p.message) for p in report.warnings]
    assert warnings[0][:2] == (1, "Couleur") and "inconnue" in warnings[0][2]
    assert "sécurité sociale" in warnings[1][2]
    assert report.clean


def test_headers_are_recognised_whatever_the_case_and_accents():
    rows = [{k.upper().replace("É", "E"): v for k, v in row().items()}]
    report, errors = problems(rows)
    assert errors == [] and report.clean


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"", "vide"),
        (b"\n\n", "aucune ligne d'en-t"),
        (as_csv([row()]).split(b"\r\n")[0] + b"\r\n", "aucune ligne de données"),
        (b"Nom;Pr\xc3\xa9nom\r\nMartin;L\xc3\xa9a\r\n", "Colonnes obligatoires absentes"),
        (b"PK\x03\x04pas un classeur", "illisible"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 20, ".xls"),
        (b"x" * (importer.MAX_BYTES + 1), "dépasse 5 Mo"),
    ],
)
def test_file_level_errors_refuse_the_whole_file(content, words):
    report = check(content, today=TODAY)
    assert report.refused and not report.clean
    assert any(words in p.message for p in report.errors), report.problems


def test_a_duplicated_column_refuses_the_file():
    content = b"R\xc3\xa9f\xc3\xa9rence m\xc3\xa9nage;Nom;Nom;Pr\xc3\xa9nom\r\nM1;A;B;C\r\n"
    report = check(content, today=TODAY)
    assert report.refused and "deux fois" in report.errors[0].message


def test_too_many_rows_refuse_the_file(monkeypatch):
    monkeypatch.setattr(importer, "MAX_ROWS", 3)
    report = check(as_csv([row(Référence_ménage=f"M{i}") for i in range(4)]), today=TODAY)
    assert report.refused and "plus de 3 lignes" in report.errors[0].message


@pytest.mark.parametrize("separator", [";", ",", "\t"])
@pytest.mark.parametrize(("encoding", "bom"), [("utf-8", False), ("utf-8", True), ("cp1252", False)])
def test_csv_separators_and_encodings(separator, encoding, bom):
    rows = [row(Nom="Lefèvre", Prénom="Zoé", Publics_prioritaires="moins de 25 ans, famille monoparentale")]
    report = check(as_csv(rows, separator=separator, encoding=encoding, bom=bom), today=TODAY)
    assert report.clean, report.problems
    person = report.households[0].persons[0]
    assert (person.last_name, person.first_name) == ("Lefèvre", "Zoé")
    assert report.households[0].values["priority_publics"] == ["single_parent", "under_25"]


def test_xlsx_with_typed_cells():
    rows = [
        row(Date_de_naissance=date(1985, 4, 2), Depuis_le=date(2026, 1, 1), Date_de_la_saisine=date(2026, 1, 3)),
        row(Prénom="Tom", Date_de_naissance=2019),
        row(Référence_ménage="M2", Date_de_naissance="31/13/1990"),
        row(Référence_ménage="M3", Situation_de_logement=2),
    ]
    report = check(as_xlsx(rows), today=TODAY)
    assert [(p.line, p.column) for p in report.errors] == [(4, "Date de naissance")]
    first = report.households[0]
    assert first.persons[0].birth_date == date(1985, 4, 2)
    assert first.persons[1].birth_date_precision == "year"
    assert report.households[2].values["situation"] == "night_shelter"  # ETHOS 2 → its first kind


def test_the_template_is_read_back_as_an_empty_file_with_every_column():
    report = check(importer.template_workbook(), today=TODAY)
    assert report.refused and "aucune ligne de données" in report.errors[0].message
    import io

    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(importer.template_workbook()), read_only=True).worksheets[0]
    headers = next(sheet.iter_rows(values_only=True))
    assert list(headers) == [c.header for c in importer.COLUMNS]


# --- dates: properties ------------------------------------------------------------------------


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31)))
def test_any_day_written_dd_mm_yyyy_reads_back(day):
    assert parse_date(day.strftime("%d/%m/%Y")) == (day, "day")
    assert parse_date(day.isoformat()) == (day, "day")


@given(st.integers(min_value=1000, max_value=2999))
def test_a_year_alone_is_a_birth_year_but_never_another_date(year):
    assert parse_date(str(year), partial=True) == (date(year, 1, 1), "year")
    with pytest.raises(CellError):
        parse_date(str(year))


@given(st.integers(1, 31), st.integers(1, 12), st.integers(1900, 2100))
def test_impossible_days_are_refused_not_shifted(day, month, year):
    try:
        expected = date(year, month, day)
    except ValueError:
        with pytest.raises(CellError):
            parse_date(f"{day:02d}/{month:02d}/{year}")
    else:
        assert parse_date(f"{day}/{month}/{year}")[0] == expected


@given(st.dates(min_value=TODAY + timedelta(days=1), max_value=date(2100, 1, 1)))
def test_a_future_birth_date_is_always_refused(day):
    report = check(as_csv([row(Date_de_naissance=day.strftime("%d/%m/%Y"))]), today=TODAY)
    assert [p.column for p in report.errors] == ["Date de naissance"]
