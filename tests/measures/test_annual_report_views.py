"""The annual activity report's page and files: the operator's own only, the coordinator's choice,
the xlsx opened back, the PDF readable (header, indicator titles, page numbers), no names, exports
logged."""

import base64
import io
import re
import zlib
from datetime import date

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from lda.audit.models import AccessLog, Action
from lda.measures import annual_report
from tests.conftest import sign_in
from tests.factories import user_with_role
from tests.households.helpers import organisation_of, verified
from tests.measures.test_statements_data import YEAR, Plan, build, staff_of

pytestmark = pytest.mark.django_db
URL = reverse("measure_reports:annual")
XLSX = reverse("measure_reports:annual_xlsx")
PDF = reverse("measure_reports:annual_pdf")


def pdf_text(content: bytes) -> str:
    """The strings a PDF shows (reportlab's streams: ASCII85 then Flate; Helvetica in cp1252)."""
    chunks = []
    for match in re.finditer(rb"<<(.*?)>>\s*stream\r?\n(.*?)endstream", content, re.S):
        head, body = match.group(1), match.group(2)
        if b"ASCII85Decode" in head:
            body = base64.a85decode(body.strip().removesuffix(b"~>"))
        if b"FlateDecode" in head:
            body = zlib.decompress(body)
        chunks.append(body)
    texts = []
    for shown in re.finditer(rb"\(((?:\\.|[^\\)])*)\)\s*Tj", b"\n".join(chunks)):
        literal = re.sub(rb"\\([0-7]{1,3})", lambda m: bytes([int(m.group(1), 8)]), shown.group(1))
        literal = re.sub(rb"\\(.)", lambda m: m.group(1), literal)
        texts.append(literal.decode("cp1252"))
    return "\n".join(texts)


@pytest.fixture
def worker(users):
    return users["social_worker"]


@pytest.fixture
def operator(worker):
    return organisation_of(worker)


@pytest.fixture
def year_of_work(users, worker):
    coordinator = verified(users["coordinator"])
    member = staff_of(worker)
    build(
        coordinator,
        worker,
        Plan(
            date(YEAR - 1, 10, 1),
            date(YEAR, 6, 30),
            "rupture",
            persons=[("F", date(1980, 5, 1)), ("M", date(2012, 1, 1))],
            outcomes=[("housed", "", date(YEAR, 2, 1)), ("mental_health", "", date(YEAR, 3, 1))],
            collective=[(date(YEAR, 4, 2), member)],
            partners=[("cmp", date(YEAR, 1, 10), "CMP Nord")],
        ),
    )
    build(
        coordinator,
        worker,
        Plan(
            date(YEAR, 3, 1),
            outcomes=[("employment", "cdd", date(YEAR, 9, 1))],
            collective=[(date(YEAR, 4, 2), member)],
        ),
    )


def test_the_operator_sees_its_report_with_the_ten_indicators(client, worker, operator, year_of_work):
    response = sign_in(client, worker).get(URL, {"annee": YEAR})
    assert response.status_code == 200
    report = response.context["report"]
    assert report.measures == 2 and report.people_total == 3 and report.rehoused_households == 1
    assert report.collective_actions == 1 and report.collective_households == 2
    content = response.content.decode().replace("&#x27;", "'")
    for title in annual_report.INDICATORS:
        assert title in content
    assert annual_report.ENDS_TITLE in content and annual_report.MONTHLY_TITLE in content
    assert "Zorglub" not in content and "CMP Nord" not in content
    assert "<caption" in content and 'scope="row"' in content


def test_an_operator_never_sees_another_operators_report(client, territory, other_territory, worker):
    client = sign_in(client, worker)
    for organisation in (
        organisation_of(user_with_role("social_worker", territory)),
        organisation_of(user_with_role("social_worker", other_territory)),
    ):
        for url in (URL, XLSX, PDF):
            assert client.get(url, {"annee": YEAR, "operateur": organisation.pk}).status_code == 404


def test_the_coordinator_chooses_the_operator_and_the_type(client, users, territory, operator, year_of_work):
    from lda.measures.models import MeasureType

    client = sign_in(client, users["coordinator"])
    vial = MeasureType.objects.get(territory=territory, code="vial")
    response = client.get(URL, {"annee": YEAR, "operateur": operator.pk, "type": vial.pk})
    assert response.status_code == 200 and response.context["report"].measures == 2
    fnavdl = MeasureType.objects.get(territory=territory, code="fnavdl")
    assert client.get(URL, {"annee": YEAR, "operateur": operator.pk, "type": fnavdl.pk}).context["report"].measures == 0


@pytest.mark.parametrize("role", ["state_agent", "observer", "referent", "landlord"])
def test_other_roles_get_no_report(client, users, role):
    assert sign_in(client, users[role]).get(URL).status_code == 403


def test_a_bad_year_gets_a_french_error(client, worker):
    response = sign_in(client, worker).get(URL, {"annee": "1850"})
    assert response.context["report"] is None
    assert "L&#x27;année doit être comprise entre 2000" in response.content.decode()
    assert sign_in(client, worker).get(PDF, {"annee": "1850"}).status_code == 404


def test_the_xlsx_is_opened_back_with_every_section(client, worker, year_of_work):
    response = sign_in(client, worker).get(XLSX, {"annee": YEAR})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [tuple(row) for row in sheet.iter_rows(values_only=True)]
    firsts = [row[0] for row in rows if row and row[0]]
    assert firsts[0] == f"Rapport d'activité annuel {YEAR}"
    for number, title in enumerate(annual_report.INDICATORS, start=1):
        assert f"{number}. {title}" in firsts
    people_total = next(r for r in rows if r[0] == "Total" and len([v for v in r if v is not None]) == 5)
    assert people_total[1:5] == (2, 1, 0, 3)
    monthly_total = next(r for r in rows if r[0] == "Total de l'année")
    assert monthly_total[1] == 2 and monthly_total[3] == 1 and monthly_total[4] == 1 and monthly_total[5] == 1
    assert not any("Zorglub" in str(v) or "CMP Nord" in str(v) for row in rows for v in row if v)
    assert AccessLog.objects.filter(action=Action.EXPORT, object_type="measure_annual_report_xlsx").exists()


def test_the_pdf_is_readable_with_titles_and_page_numbers(client, worker, operator, year_of_work):
    response = sign_in(client, worker).get(PDF, {"annee": YEAR})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert len(response.content) > 3000
    text = pdf_text(response.content)
    assert f"Rapport d'activité annuel {YEAR}" in text
    assert operator.name in text
    for number, title in enumerate(annual_report.INDICATORS, start=1):
        assert f"{number}. {title}" in text, title
    assert "Fins de mesure et ruptures, par motif" in text
    assert re.search(r"Page 1 sur \d+", text)
    assert "Zorglub" not in text and "CMP Nord" not in text
    assert AccessLog.objects.filter(action=Action.EXPORT, object_type="measure_annual_report_pdf").exists()
