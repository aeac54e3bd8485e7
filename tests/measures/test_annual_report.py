"""The annual activity report's rules (pure `lda/measures/annual_report.py`), and the bar
"statements and reports reconcile": built through the services, the report's totals equal the sum
of the twelve monthly statements computed separately."""

from datetime import date
from decimal import Decimal

import pytest

from lda.measures import annual_report as ar
from lda.measures import codes
from lda.measures import statements_data as data
from lda.measures.statements import Span
from tests.households.helpers import organisation_of
from tests.measures.test_statements_data import YEAR, Plan, build, staff_of

C = Decimal("7000")


def span(pk, activated, ended=None, reason="", household=None):
    return Span(pk, "vial", C, activated, ended, reason, household or pk, "VIAL")


def report(spans, persons=(), outcomes=(), meetings=(), partners=(), year=2025, today=date(2026, 3, 1)):
    return ar.build(ar.Facts(list(spans), list(persons), list(outcomes), list(meetings), list(partners)), year, today)


# --- people accompanied by age and sex ----------------------------------------------------------


def test_people_of_households_with_a_measure_active_during_the_year_by_age_band_and_sex():
    spans = [
        span(1, date(2024, 5, 1)),
        span(2, date(2025, 2, 1), date(2025, 6, 30), "rupture"),
        span(3, date(2023, 1, 1), date(2024, 12, 31), "goals_met"),
    ]
    persons = [
        ar.PersonFact(1, "F", date(1990, 12, 31)),  # 35 on 31/12/2025
        ar.PersonFact(1, "M", date(2008, 1, 1)),  # 17 on 31/12/2025
        ar.PersonFact(2, "M", date(2007, 7, 1)),  # 17 on 30/06/2025, the end of the household's measure
        ar.PersonFact(2, "U", None),
        ar.PersonFact(3, "F", date(1970, 1, 1)),  # measure ended in 2024: not accompanied in 2025
    ]
    result = report(spans, persons)
    assert result.households == 2 and result.measures == 2 and result.people_total == 4
    assert result.people[("35 à 44 ans", "F")] == 1
    assert result.people[("Moins de 18 ans", "M")] == 2
    assert result.people[(ar.UNKNOWN_AGE, "U")] == 1


def test_a_person_born_after_the_year_is_not_counted_and_bands_are_bounded():
    result = report([span(1, date(2025, 1, 1))], [ar.PersonFact(1, "F", date(2026, 2, 1))])
    assert result.people_total == 0
    assert ar.age_band(17) == "Moins de 18 ans" and ar.age_band(18) == "18 à 24 ans"
    assert (
        ar.age_band(64) == "55 à 64 ans" and ar.age_band(65) == "65 ans et plus" and ar.age_band(None) == ar.UNKNOWN_AGE
    )
    assert ar.age_on(date(2000, 2, 29), date(2025, 2, 28)) == 24


# --- results -------------------------------------------------------------------------------------


def test_results_count_households_once_per_indicator_in_the_year():
    spans = [
        span(1, date(2025, 1, 1)),
        span(2, date(2025, 1, 1)),
        span(3, date(2024, 1, 1), date(2024, 12, 1), "rupture"),
    ]
    persons = [
        ar.PersonFact(1, "F", date(1980, 1, 1)),
        ar.PersonFact(1, "M", date(2015, 1, 1)),
        ar.PersonFact(2, "F", None),
    ]
    Out = ar.OutcomeFact
    outcomes = [
        Out(1, "housed", date(2025, 3, 1)),
        Out(1, "housed", date(2025, 12, 1)),  # noted again at the end: still one household
        Out(2, "housed", date(2024, 12, 31)),  # the year before
        Out(3, "housed", date(2025, 1, 5)),  # a measure not active this year
        Out(1, "sublease", date(2025, 2, 1)),
        Out(1, "training", date(2025, 2, 1)),
        Out(1, "employment", date(2025, 5, 1), "cdi"),
        Out(1, "employment", date(2025, 6, 1), "cdd"),
        Out(2, "employment", date(2025, 6, 1), "cdi"),
        Out(2, "health", date(2025, 6, 1)),
        Out(2, "mental_health", date(2025, 6, 1)),
        Out(2, "budget", date(2025, 6, 1)),
        Out(2, "budget", date(2025, 7, 1)),
    ]
    result = report(spans, persons, outcomes)
    assert result.rehoused_households == 1 and result.rehoused_people == 2
    assert result.subleases == 1 and result.training == 1
    assert result.employment == {"cdi": 2, "cdd": 1} and result.employment_households == 2
    assert (result.health, result.mental_health, result.budget) == (1, 1, 1)


def test_results_after_the_cut_off_day_are_not_counted():
    result = report(
        [span(1, date(2025, 1, 1))], outcomes=[ar.OutcomeFact(1, "housed", date(2025, 5, 2))], today=date(2025, 5, 1)
    )
    assert result.cut_off == date(2025, 5, 1) and result.rehoused_households == 0


# --- partners and collective actions -------------------------------------------------------------


def test_partners_mobilised_during_the_year_by_number_and_category():
    spans = [span(1, date(2025, 1, 1)), span(2, date(2025, 1, 1))]
    P = ar.PartnerFact
    partners = [
        P(1, "cmp", "health", date(2024, 6, 1), None, "cmp nord"),
        P(2, "cmp", "health", date(2025, 3, 1), None, "cmp nord"),  # same structure, other household
        P(2, "csapa", "health", date(2025, 3, 1), None, ""),
        P(1, "france_travail", "employment", date(2025, 3, 1), date(2025, 4, 1), ""),
        P(1, "caf", "rights", date(2023, 1, 1), date(2024, 12, 31), ""),  # ended before the year
        P(2, "landlord", "housing", date(2026, 1, 2), None, ""),  # after the year
    ]
    result = report(spans, partners=partners)
    by_category = {r.category: r for r in result.partner_categories}
    assert result.partner_mobilisations == 4
    assert (
        by_category["health"].mobilisations,
        by_category["health"].structures,
        by_category["health"].households,
    ) == (3, 2, 2)
    assert by_category["employment"].mobilisations == 1 and by_category["rights"].mobilisations == 0
    assert ("Santé", "CMP", 2) in result.partner_kinds
    assert result.partner_structures == 3


def test_a_collective_action_is_one_date_and_staff_member_and_participants_are_distinct_households():
    spans = [span(1, date(2025, 1, 1)), span(2, date(2025, 1, 1)), span(3, date(2025, 1, 1))]
    M = ar.MeetingFact
    meetings = [
        M(1, date(2025, 3, 4), staff_id=7),
        M(2, date(2025, 3, 4), staff_id=7),  # the same action, a second household
        M(3, date(2025, 3, 4), staff_id=8),  # another staff member: another action
        M(1, date(2025, 5, 6), staff_id=7),
        M(1, date(2025, 5, 6), kind=codes.MeetingKind.HOME_VISIT, staff_id=7),  # not collective
        M(2, date(2024, 12, 6), staff_id=7),  # the year before
    ]
    result = report(spans, meetings=meetings)
    assert result.collective_actions == 3 and result.collective_households == 3


# --- ends and the monthly totals -----------------------------------------------------------------


def test_ends_by_reason_and_the_monthly_totals():
    spans = [
        span(1, date(2024, 7, 1), date(2025, 2, 14), "rupture"),
        span(2, date(2025, 3, 1), date(2025, 9, 30), "non_adhesion"),
        span(3, date(2025, 1, 1), date(2025, 12, 31), "handed_over"),
        span(4, date(2025, 11, 1)),
    ]
    result = report(spans)
    assert result.ends.ends == 3 and result.ends.ruptures == 2
    assert result.monthly_total.starts == 3 and result.monthly_total.ends == 3 and result.monthly_total.ruptures == 2
    assert result.monthly_total.household_months == result.ends.household_months
    assert result.monthly_total.household_months == 1 + 14 / 28 + 7 + 12 + 2


def test_the_sections_are_the_ten_indicators_then_ends_and_monthly_counts():
    sections = ar.sections(report([span(1, date(2025, 1, 1))], [ar.PersonFact(1, "F", date(1980, 1, 1))]))
    assert [s.title for s in sections[:10]] == list(ar.INDICATORS)
    assert [s.number for s in sections[:10]] == list(range(1, 11))
    assert sections[10].title == ar.ENDS_TITLE and sections[11].title == ar.MONTHLY_TITLE
    monthly = sections[11].tables[0]
    assert len(monthly.rows) == 12 and monthly.total[0] == "Total de l'année"
    people = sections[0].tables[0]
    assert people.total == ["Total", 1, 0, 0, 1]


# --- the reconciliation bar ----------------------------------------------------------------------


@pytest.mark.django_db
def test_the_annual_reports_totals_equal_the_sum_of_the_twelve_monthly_statements(users, territory):
    from tests.households.helpers import verified

    coordinator, worker = verified(users["coordinator"]), users["social_worker"]
    member = staff_of(worker)
    plans = [
        Plan(date(YEAR - 1, 9, 15)),  # running all year
        Plan(date(YEAR - 1, 12, 1), date(YEAR, 1, 31), "rupture"),  # ends in January
        Plan(date(YEAR, 2, 16), date(YEAR, 7, 15), "non_adhesion", collective=[(date(YEAR, 5, 5), member)]),
        Plan(
            date(YEAR, 4, 1),
            date(YEAR, 12, 31),
            "handed_over",
            outcomes=[("housed", "", date(YEAR, 6, 1)), ("employment", "cdi", date(YEAR, 9, 1))],
            collective=[(date(YEAR, 5, 5), member)],
        ),
        Plan(date(YEAR, 6, 30), date(YEAR, 6, 30), "moved"),  # one day
        Plan(date(YEAR, 11, 20), persons=[("M", date(1999, 1, 1)), ("F", date(2020, 5, 5))]),
        Plan(date(YEAR - 1, 1, 10), date(YEAR - 1, 12, 20), "rupture"),  # the year before: not counted
    ]
    for plan in plans:
        build(coordinator, worker, plan)
    operator = organisation_of(worker)
    result = data.annual(worker, operator, YEAR)
    months = [data.monthly_statement(worker, operator, YEAR, month) for month in range(1, 13)]
    assert result.monthly_total.household_months == sum(m.total.household_months for m in months)
    assert result.monthly_total.starts == sum(m.total.starts for m in months) == 4
    assert result.monthly_total.ends == sum(m.total.ends for m in months) == 4
    assert result.monthly_total.ruptures == sum(m.total.ruptures for m in months) == 2
    # And the year computed as one period agrees with its months.
    assert result.ends.household_months == result.monthly_total.household_months
    assert (result.ends.starts, result.ends.ends, result.ends.ruptures) == (4, 4, 2)
    assert result.ends.ends_by_reason == {"rupture": 1, "non_adhesion": 1, "handed_over": 1, "moved": 1}
    assert result.measures == 6 and result.households == 6 and result.people_total == 7
    assert result.rehoused_households == 1 and result.employment == {"cdi": 1}
    assert result.collective_actions == 1 and result.collective_households == 2
    for report_month, separate in zip(result.months, months, strict=True):
        assert report_month.total.household_months == separate.total.household_months
        assert report_month.total.active == separate.total.active
