"""The adapter of statements (`lda/measures/statements_data.py`): who reaches which operator, the
statement of the operator's measures built through the services, the snapshot sent (revisions),
and the builders the other statement, funding and report tests share."""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from fractions import Fraction

import pytest

from lda.households.services import PersonData
from lda.measures import codes, services, statements
from lda.measures import statements_data as data
from lda.measures.models import MonthlyStatement
from lda.measures.services import EndData, MeetingData, OutcomeData, StaffData
from tests.clock import reference_today
from tests.factories import user_with_role
from tests.households.helpers import author_of, make_household, organisation_of, verified
from tests.measures.helpers import active_measure, vial

pytestmark = pytest.mark.django_db
TODAY = reference_today()
YEAR = TODAY.year - 1  # a finished year


# --- builders shared with the funding and annual-report tests ------------------------------------


def staff_of(operator_user, first_name="Jeanne"):
    return services.add_staff(organisation_of(operator_user), StaffData(first_name, "Equipe", "social_worker"))


@dataclass
class Plan:
    """One measure to build through the services."""

    activated_on: date
    ended_on: date | None = None
    reason: str = ""
    persons: list = field(default_factory=list)  # (sex, birth date)
    outcomes: list = field(default_factory=list)  # (kind, contract type, recorded on)
    collective: list = field(default_factory=list)  # (held on, staff member or None)
    partners: list = field(default_factory=list)  # (kind, since, name)
    code: str = "vial"


def build(coordinator, operator_user, plan: Plan):
    """A measure walked through the real services: contract, sending, activation, activity, end."""
    persons = [
        PersonData("Zorglub", f"Personne{i}", birth_date=birth, sex=sex, is_head=i == 0)
        for i, (sex, birth) in enumerate(plan.persons or [("F", date(1985, 4, 2))])
    ]
    household = make_household(coordinator, persons=persons, consent_kinds=("association",))
    measure = active_measure(
        coordinator, operator_user, activated_on=plan.activated_on, household=household, code=plan.code
    )
    operator = author_of(operator_user)
    for held_on, member in plan.collective:
        services.record_meeting(
            measure, MeetingData(held_on, codes.MeetingKind.COLLECTIVE, 90, member.pk if member else None), operator
        )
    for kind, since, name in plan.partners:
        services.mobilise_partner(measure, kind, since, operator, name=name)
    for kind, contract, recorded_on in plan.outcomes:
        services.record_outcome(measure, OutcomeData(kind, contract), recorded_on, operator)
    if plan.ended_on:
        measure.refresh_from_db()
        follow_on = "departement" if plan.reason in ("handed_over", "goals_met") else ""
        measure = services.end(
            measure,
            EndData(plan.ended_on, plan.reason, follow_on=follow_on, follow_on_name="Service social du secteur"),
            operator,
            measure.version,
        )
    return measure


@pytest.fixture
def coordinator(users):
    return verified(users["coordinator"])


@pytest.fixture
def operator_user(users):
    return users["social_worker"]


# --- reach ---------------------------------------------------------------------------------------


def test_the_coordinator_reaches_every_operator_of_the_territory_and_an_operator_its_own(
    users, territory, other_territory, coordinator, operator_user
):
    vial(territory)
    elsewhere = user_with_role("social_worker", other_territory)
    mine = organisation_of(operator_user)
    coordinator_sees = data.operators_for(coordinator, "measures.statements")
    assert mine in coordinator_sees
    assert organisation_of(elsewhere) not in coordinator_sees
    assert data.operators_for(operator_user, "measures.statements") == [mine]
    assert data.operators_for(users["state_agent"], "measures.statements") == []
    # The State's agent reads funding for the whole territory.
    assert mine in data.operators_for(users["state_agent"], "measures.funding")
    assert data.is_operator_of(operator_user, mine) and not data.is_operator_of(coordinator, mine)


# --- the statement from the records --------------------------------------------------------------


def test_the_statement_counts_the_operators_measures_built_through_the_services(territory, coordinator, operator_user):
    build(coordinator, operator_user, Plan(date(YEAR, 3, 16)))
    build(coordinator, operator_user, Plan(date(YEAR - 1, 11, 1), date(YEAR, 3, 10), "rupture"))
    other_operator = user_with_role("social_worker", territory)
    build(coordinator, other_operator, Plan(date(YEAR, 3, 1)))
    operator = organisation_of(operator_user)
    item = data.monthly_statement(operator_user, operator, YEAR, 3)
    assert item.total.active == 2 and item.total.starts == 1 and item.total.ends == 1 and item.total.ruptures == 1
    assert item.total.household_months == Fraction(16 + 10, 31)
    # The coordinator computes the same figures for this operator.
    assert statements.to_json(data.monthly_statement(coordinator, operator, YEAR, 3)) == statements.to_json(item)


def test_an_abandoned_measure_is_not_counted(territory, coordinator, operator_user):
    from tests.measures.helpers import open_measure

    measure = open_measure(coordinator, operator_user, oriented_on=date(YEAR, 2, 1))
    services.abandon(measure, date(YEAR, 3, 5), "non_adhesion", author_of(operator_user), measure.version)
    item = data.monthly_statement(operator_user, organisation_of(operator_user), YEAR, 3)
    assert item.total.active == 0 and item.total.ends == 0


def test_sending_again_replaces_the_snapshot_and_counts_the_revision(territory, coordinator, operator_user):
    operator = organisation_of(operator_user)
    first = data.send_statement(operator, YEAR, 3, {"total": {"active": 1}}, operator_user)
    assert first.revision == 1 and first.sent_by == operator_user and first.territory_id == territory.pk
    second = data.send_statement(operator, YEAR, 3, {"total": {"active": 2}}, operator_user)
    assert second.pk == first.pk and second.revision == 2 and second.figures == {"total": {"active": 2}}
    assert MonthlyStatement.objects.filter(operator=operator).count() == 1


def test_the_version_in_force_for_a_year(territory):
    measure_type = vial(territory)
    first = measure_type.current
    values = {name: getattr(first, name) for name in services.VERSION_FIELDS}
    values["unit_cost"] = Decimal("8400")
    second = services.new_version(measure_type, values, None, "Coût revalorisé", expected_number=1)
    versions = list(measure_type.versions.all())
    assert data.version_in_force(versions, TODAY.year) == second
    # A type younger than the year: its first version.
    assert data.version_in_force(versions, TODAY.year - 3) == first


def test_the_year_of_statements_adds_up_to_the_period(territory, coordinator, operator_user):
    build(coordinator, operator_user, Plan(date(YEAR, 2, 10), date(YEAR, 8, 20), "non_adhesion"))
    build(coordinator, operator_user, Plan(date(YEAR - 1, 12, 20)))
    operator = organisation_of(operator_user)
    months = data.statements_of_year(operator_user, operator, YEAR)
    total = statements.sum_flows(months)
    spans = data.spans_of(data.operator_measures(operator_user, operator, date(YEAR, 1, 1), date(YEAR, 12, 31)))
    direct = statements.period_figures(spans, date(YEAR, 1, 1), date(YEAR, 12, 31))
    assert total.household_months == direct.household_months
    assert (total.starts, total.ends, total.ruptures) == (1, 1, 1)
    assert months[0].total.active == 1 and months[1].total.active == 2 and months[8].total.active == 1
    # Months of accompaniment (decision 0025): the measure of 20/12 counts 19/31 + 12/31 in January,
    # 19/31 (to 19/02) + 9/28 (from 20/02) in February; the one of 10/02 counts 19/28 in February.
    assert months[0].total.household_months == 1
    assert months[1].total.household_months == Fraction(19, 31) + Fraction(9, 28) + Fraction(19, 28)
