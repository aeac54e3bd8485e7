"""Pages of the monthly statement: who sees which operator, the figures, the xlsx, sending to the
coordinator (and sending again), the statements received with their differences, the bounded
number of queries."""

import io
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from lda.audit.models import AccessLog, Action
from lda.households.models import Household, Person
from lda.measures import codes, services
from lda.measures.models import Measure, Meeting, MonthlyStatement, Outcome, PartnerMobilisation
from lda.measures.services import EndData
from tests.conftest import sign_in
from tests.factories import user_with_role
from tests.households.helpers import author_of, organisation_of, verified
from tests.measures.test_statements_data import YEAR, Plan, build, staff_of

pytestmark = pytest.mark.django_db
URL = reverse("measure_reports:statement")
XLSX = reverse("measure_reports:statement_xlsx")
SEND = reverse("measure_reports:statement_send")
RECEIVED = reverse("measure_reports:statements_received")
MARCH = f"{YEAR}-03"


@pytest.fixture
def coordinator(users):
    return verified(users["coordinator"])


@pytest.fixture
def worker(users):
    return users["social_worker"]


@pytest.fixture
def operator(worker):
    return organisation_of(worker)


@pytest.fixture
def march(coordinator, worker):
    """Two measures of the operator in March of last year: one starts on the 16th, one breaks off on the 10th."""
    starting = build(coordinator, worker, Plan(date(YEAR, 3, 16)))
    broken = build(coordinator, worker, Plan(date(YEAR - 1, 11, 1), date(YEAR, 3, 10), "rupture"))
    return starting, broken


def test_the_operator_sees_its_months_figures_per_type(client, worker, operator, march):
    response = sign_in(client, worker).get(URL, {"mois": MARCH})
    assert response.status_code == 200
    item = response.context["statement"]
    assert item.total.active == 2 and item.total.starts == 1 and item.total.ends == 1 and item.total.ruptures == 1
    content = response.content.decode()
    assert operator.name in content and f"mars {YEAR}" in content
    assert "0,84" in content  # (16 + 10) / 31 household-months
    assert "<caption" in content and 'scope="col"' in content and 'scope="row"' in content
    assert "Pas encore transmis." in content and "Transmettre à la coordination" in content
    assert "Zorglub" not in content  # only counts


def test_the_default_month_is_the_previous_one(client, worker):
    response = sign_in(client, worker).get(URL)
    assert response.status_code == 200
    assert response.context["form"].is_valid()
    assert response.context["statement"] is not None


@pytest.mark.parametrize(
    "month, message", [("2024-13", "AAAA-MM"), ("mars", "AAAA-MM"), ("2999-01", "pas encore commencé")]
)
def test_a_bad_month_gets_a_french_error(client, worker, month, message):
    response = sign_in(client, worker).get(URL, {"mois": month})
    assert response.status_code == 200 and response.context["statement"] is None
    assert message in response.content.decode()


def test_the_running_month_is_provisional_and_cannot_be_sent(client, worker):
    from django.utils import timezone

    today = timezone.localdate()
    response = sign_in(client, worker).get(URL, {"mois": f"{today:%Y-%m}"})
    content = response.content.decode()
    assert "chiffres provisoires" in content and "une fois le mois terminé" in content
    response = client.post(SEND, {"mois": f"{today:%Y-%m}"})
    assert response.status_code == 302
    assert not MonthlyStatement.objects.exists()


def test_an_operator_never_sees_another_operators_statement(client, territory, other_territory, worker):
    other = organisation_of(user_with_role("social_worker", territory))
    elsewhere = organisation_of(user_with_role("social_worker", other_territory))
    client = sign_in(client, worker)
    for organisation in (other, elsewhere):
        assert client.get(URL, {"mois": MARCH, "operateur": organisation.pk}).status_code == 404
        assert client.get(XLSX, {"mois": MARCH, "operateur": organisation.pk}).status_code == 404
        assert client.post(SEND, {"mois": MARCH, "operateur": organisation.pk}).status_code == 404
    assert AccessLog.objects.filter(action=Action.DENIED, object_type="organisation").count() == 6


def test_the_coordinator_picks_any_operator_of_the_territory_but_not_elsewhere(
    client, users, other_territory, operator, march
):
    client = sign_in(client, users["coordinator"])
    response = client.get(URL, {"mois": MARCH, "operateur": operator.pk})
    assert response.status_code == 200 and response.context["statement"].total.active == 2
    assert 'name="operateur"' in response.content.decode()
    assert "Transmettre à la coordination" not in response.content.decode()
    elsewhere = organisation_of(user_with_role("social_worker", other_territory))
    assert client.get(URL, {"mois": MARCH, "operateur": elsewhere.pk}).status_code == 404


def test_the_xlsx_is_opened_back_with_the_same_figures_and_is_logged(client, worker, operator, march):
    operator.name = '=HYPERLINK("http://x")'
    operator.save()
    response = sign_in(client, worker).get(XLSX, {"mois": MARCH})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [tuple(row) for row in sheet.iter_rows(values_only=True)]
    assert rows[1][:2] == ("Opérateur", '\'=HYPERLINK("http://x")')
    assert sheet.cell(row=2, column=2).data_type == "s"
    header = rows.index(next(r for r in rows if r[0] == "Type de mesure"))
    vial_row = rows[header + 1]
    assert vial_row[0].startswith("VIAL") and vial_row[1:7] == (2, 1, 0.84, 1, 1, 1)
    assert rows[header + 2][0] == "Total"
    reasons = {r[0]: r for r in rows if r and r[0] == "Rupture de l'accompagnement"}
    assert reasons["Rupture de l'accompagnement"][1] == 1
    assert not any("Zorglub" in str(v) for row in rows for v in row if v)
    assert AccessLog.objects.filter(action=Action.EXPORT, object_type="measure_statement_xlsx").exists()


def test_sending_stores_the_snapshot_and_sending_again_counts_the_revision(client, worker, operator, march):
    client = sign_in(client, worker)
    response = client.post(SEND, {"mois": MARCH, "operateur": operator.pk})
    assert response.status_code == 302
    sent = MonthlyStatement.objects.get(operator=operator, year=YEAR, month=3)
    assert sent.revision == 1 and sent.sent_by == worker
    assert sent.figures["total"]["active"] == 2 and sent.figures["total"]["household_months"] == "0.84"
    page = client.get(URL, {"mois": MARCH}).content.decode()
    assert "envoi n°1" in page and "identiques à ceux transmis" in page and "Transmettre à nouveau" in page
    client.post(SEND, {"mois": MARCH})
    sent.refresh_from_db()
    assert sent.revision == 2
    assert MonthlyStatement.objects.count() == 1


def test_only_the_operator_sends_its_statement(client, users, operator):
    response = sign_in(client, users["coordinator"]).post(SEND, {"mois": MARCH, "operateur": operator.pk})
    assert response.status_code == 403
    assert client.get(SEND).status_code == 405
    assert not MonthlyStatement.objects.exists()


def test_the_coordinator_sees_the_statements_received_and_what_changed_since(
    client, users, coordinator, worker, operator, march
):
    sign_in(client, worker).post(SEND, {"mois": MARCH, "operateur": operator.pk})
    silent = organisation_of(user_with_role("social_worker", operator.territory))
    build(coordinator, silent.memberships.get().user, Plan(date(YEAR, 3, 1)))
    client = sign_in(client, users["coordinator"])
    response = client.get(RECEIVED, {"mois": MARCH})
    assert response.status_code == 200
    rows = {row.operator.pk: row for row in response.context["rows"]}
    assert rows[operator.pk].sent.revision == 1 and rows[operator.pk].differences == []
    assert rows[silent.pk].sent is None
    content = response.content.decode()
    assert "Aucun écart" in content and "Non transmis" in content
    # The operator records, after sending, that the March measure broke off on the 20th.
    starting, _ = march
    starting.refresh_from_db()
    services.end(starting, EndData(date(YEAR, 3, 20), "non_adhesion"), author_of(worker), starting.version)
    response = client.get(RECEIVED, {"mois": MARCH})
    differences = {row.operator.pk: row for row in response.context["rows"]}[operator.pk].differences
    assert any("ruptures : 1 transmis, 2 aujourd'hui" in line for line in differences)
    assert "Chiffres modifiés depuis l'envoi" in response.content.decode()


def test_statements_received_are_the_coordinators_page(client, worker):
    assert sign_in(client, worker).get(RECEIVED).status_code == 403


# --- query counts --------------------------------------------------------------------------------


def multiply(measure, count: int, staff):
    """`count` more measures like `measure`, each with its household, a person, an outcome, a
    collective meeting and a partner (bulk-created: only the number of rows matters here)."""
    template = Household.objects.get(pk=measure.household_id)
    households = []
    offset = Household.objects.count()
    for index in range(offset, offset + count):
        copy = Household.objects.get(pk=template.pk)
        copy.pk = None
        copy.reference = f"Q{measure.pk}-{index}"
        copy.current_episode = None
        households.append(copy)
    households = Household.objects.bulk_create(households)
    Person.objects.bulk_create(
        Person(
            household=h,
            last_name="Zorglub",
            first_name="Q",
            sex="M",
            birth_date=date(1990, 1, 1),
            role="adult",
            name_key="zorglub q",
        )
        for h in households
    )
    measures = Measure.objects.bulk_create(
        Measure(
            territory_id=measure.territory_id,
            household=h,
            type_version_id=measure.type_version_id,
            operator_id=measure.operator_id,
            status=codes.MeasureStatus.ACTIVE,
            oriented_on=measure.oriented_on,
            activated_on=measure.activated_on,
        )
        for h in households
    )
    on = date(YEAR, 3, 20)
    Outcome.objects.bulk_create(Outcome(measure=m, kind="housed", recorded_on=on) for m in measures)
    Meeting.objects.bulk_create(
        Meeting(measure=m, held_on=on, kind="collective", duration_minutes=60, staff=staff) for m in measures
    )
    PartnerMobilisation.objects.bulk_create(
        PartnerMobilisation(measure=m, kind="cmp", category="health", since=on) for m in measures
    )


def _count(client, url, params) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(queries)


def test_statement_pages_issue_a_fixed_number_of_queries_whatever_the_number_of_measures(
    client, users, coordinator, worker, operator, django_assert_max_num_queries
):
    measure = build(coordinator, worker, Plan(date(YEAR, 2, 1)))
    staff = staff_of(worker)
    multiply(measure, 4, staff)
    worker_client = sign_in(client, worker)
    pages = [
        (URL, {"mois": MARCH}),
        (XLSX, {"mois": MARCH}),
        (reverse("measure_reports:annual"), {"annee": YEAR}),
        (reverse("measure_reports:funding"), {"annee": YEAR}),
    ]
    small = [_count(worker_client, url, params) for url, params in pages]
    coordinator_client = sign_in(client.__class__(), users["coordinator"])
    coordinator_pages = [(URL, {"mois": MARCH, "operateur": operator.pk}), (RECEIVED, {"mois": MARCH})]
    small_coordinator = [_count(coordinator_client, url, params) for url, params in coordinator_pages]
    multiply(measure, 45, staff)
    assert Measure.objects.filter(operator=operator).count() == 50
    large = [_count(worker_client, url, params) for url, params in pages]
    large_coordinator = [_count(coordinator_client, url, params) for url, params in coordinator_pages]
    assert large == small, f"5 mesures : {small}, 50 mesures : {large}"
    assert large_coordinator == small_coordinator
    with django_assert_max_num_queries(25):
        worker_client.get(URL, {"mois": MARCH})
    with django_assert_max_num_queries(25):
        response = worker_client.get(reverse("measure_reports:annual"), {"annee": YEAR})
    assert response.context["report"].measures == 50
