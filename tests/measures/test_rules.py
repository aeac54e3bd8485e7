"""The rules of spec 2 (VIAL, seed 003), one test each, on the pure engine with VIAL's rules."""

import calendar
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lda.measures import rules
from lda.measures.catalogue import DEFAULT_TYPES
from lda.measures.rules import MeasureFacts, Renewal, RuleRefused, TypeRules

FIELDS = set(TypeRules.__dataclass_fields__)
VIAL = TypeRules(
    **{
        k: tuple(v) if isinstance(v, list) else v
        for k, v in next(t for t in DEFAULT_TYPES if t["code"] == "vial").items()
        if k in FIELDS
    }
)
START = date(2025, 1, 15)


def facts(*renewals, entry=None, held=(), ended=None, activated=START):
    return MeasureFacts(activated, entry, tuple(renewals), tuple(held), ended)


# --- standard duration and end -------------------------------------------------------------------


def test_standard_duration_is_twelve_months():
    assert rules.end_on(VIAL, facts()) == date(2026, 1, 14)


def test_no_end_date_before_activation():
    assert rules.end_on(VIAL, facts(activated=None)) is None
    assert rules.review_schedule(VIAL, facts(activated=None)) == []


def test_absolute_maximum_is_thirty_months():
    assert rules.latest_end_on(VIAL, START) == date(2027, 7, 14)


def test_month_arithmetic_clamps_to_the_end_of_month():
    assert rules.add_months(date(2025, 1, 31), 1) == date(2025, 2, 28)
    assert rules.add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert rules.add_months(date(2025, 11, 30), 3) == date(2026, 2, 28)


def test_month_rule_ends_on_the_day_before_the_same_day_or_on_the_last_day():
    # Issue 20 point 3, decision 0025.
    assert rules.end_on(VIAL, facts(activated=date(2024, 2, 29))) == date(2025, 2, 28)
    assert rules.month_end(date(2025, 8, 31), 18) == date(2027, 2, 28)
    assert rules.latest_end_on(VIAL, date(2025, 8, 31)) == date(2028, 2, 29)
    assert rules.month_end(date(2025, 3, 1), 12) == date(2026, 2, 28)
    assert rules.month_end(date(2025, 1, 31), 1) == date(2025, 2, 28)
    assert rules.month_start(date(2025, 1, 31), 1) == date(2025, 3, 1)


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 1, 1)), st.integers(1, 120))
def test_month_rule_months_follow_one_another_without_gap(day, months):
    end = rules.month_end(day, months)
    target = (day.month - 1 + months) % 12 + 1
    last = calendar.monthrange(end.year, target)[1] if end.month == target else None
    if last is not None and day.day > last:
        assert end == date(end.year, target, last)  # the month has no such day: its last day
    else:
        assert end + timedelta(days=1) == date(end.year + (end.month == 12 and target == 1), target, day.day)
    # Months follow one another: month k+1 starts the day after month k ends, and lasts 28 to 31 days.
    assert rules.month_start(day, months) == end + timedelta(days=1)
    length = (rules.month_end(day, months) - rules.month_start(day, months - 1)).days + 1
    assert 28 <= length <= 31


# --- reviews -------------------------------------------------------------------------------------


def test_reviews_at_three_informal_six_and_twelve_months():
    schedule = rules.review_schedule(VIAL, facts())
    assert [(r.month, r.due_on, r.informal) for r in schedule] == [
        (3, date(2025, 4, 15), True),
        (6, date(2025, 7, 15), False),
        (12, date(2026, 1, 14), False),  # the last day of the measure
    ]


def test_a_renewal_adds_a_review_at_its_end():
    schedule = rules.review_schedule(VIAL, facts(Renewal(6)))
    assert [r.month for r in schedule] == [3, 6, 12, 18]


def test_the_next_review_is_the_first_not_held():
    assert rules.next_review(VIAL, facts(held=(3,))).month == 6
    assert rules.next_review(VIAL, facts(held=(3, 6, 12))) is None


# --- renewals ------------------------------------------------------------------------------------


def test_renewal_by_periods_of_at_most_six_months():
    rules.check_renewal(VIAL, facts(), 6, False)
    with pytest.raises(RuleRefused, match="6 mois au plus"):
        rules.check_renewal(VIAL, facts(), 7, False)


def test_renewals_up_to_twelve_months_in_all():
    rules.check_renewal(VIAL, facts(Renewal(6)), 6, False)
    with pytest.raises(RuleRefused, match="épuisés"):
        rules.check_renewal(VIAL, facts(Renewal(6), Renewal(6)), 1, False)
    with pytest.raises(RuleRefused, match="4 mois au plus"):
        rules.check_renewal(VIAL, facts(Renewal(6), Renewal(2)), 6, False)


def test_ordinary_renewal_needs_the_coordinators_opinion_only():
    assert rules.required_approvers(VIAL, derogation=False) == ("coordinator",)
    assert rules.renewal_decision(VIAL, False, {"coordinator": True}) == "approved"
    assert rules.renewal_decision(VIAL, False, {}) == "requested"
    assert rules.renewal_decision(VIAL, False, {"coordinator": False}) == "refused"


def test_derogation_only_once_the_ordinary_room_is_used():
    with pytest.raises(RuleRefused, match="renouvellement ordinaire"):
        rules.check_renewal(VIAL, facts(Renewal(6)), 6, True)
    rules.check_renewal(VIAL, facts(Renewal(6), Renewal(6)), 6, True)


def test_derogation_of_at_most_six_months_once():
    with pytest.raises(RuleRefused, match="6 mois au plus"):
        rules.check_renewal(VIAL, facts(Renewal(6), Renewal(6)), 7, True)
    with pytest.raises(RuleRefused, match="une fois"):
        rules.check_renewal(VIAL, facts(Renewal(6), Renewal(6), Renewal(3, True)), 3, True)


def test_derogation_needs_the_coordinator_and_the_chef_slisl():
    assert set(rules.required_approvers(VIAL, derogation=True)) == {"coordinator", "chef_slisl"}
    assert rules.renewal_decision(VIAL, True, {"coordinator": True}) == "requested"
    assert rules.renewal_decision(VIAL, True, {"chef_slisl": True}) == "requested"
    assert rules.renewal_decision(VIAL, True, {"coordinator": True, "chef_slisl": True}) == "approved"
    assert rules.renewal_decision(VIAL, True, {"coordinator": True, "chef_slisl": False}) == "refused"
    assert rules.missing_approvers(VIAL, True, {"coordinator": True}) == ["chef_slisl"]


def test_an_approval_nobody_asked_for_counts_for_nothing():
    assert rules.renewal_decision(VIAL, False, {"chef_slisl": True}) == "requested"


def test_thirty_months_with_every_renewal_and_the_derogation():
    full = facts(Renewal(6), Renewal(6), Renewal(6, True))
    assert rules.total_months(VIAL, full) == 30
    assert rules.end_on(VIAL, full) == rules.latest_end_on(VIAL, START)
    assert rules.renewal_room(VIAL, full) == rules.RenewalRoom(0, 0, 0)


def test_only_an_active_measure_is_renewed():
    with pytest.raises(RuleRefused, match="active"):
        rules.check_renewal(VIAL, facts(activated=None), 6, False)
    with pytest.raises(RuleRefused, match="active"):
        rules.check_renewal(VIAL, facts(ended=date(2025, 6, 1)), 6, False)


# --- pre-housing period --------------------------------------------------------------------------


def test_start_up_to_three_months_before_entry_reduces_the_sliding_lease():
    period = rules.pre_housing(VIAL, facts(entry=date(2025, 3, 15)), date(2025, 6, 1))
    assert period.entry_deadline == date(2025, 4, 15)
    assert not period.exceeded
    assert period.sliding_lease_reduction_days == (date(2025, 3, 15) - START).days


def test_a_late_entry_reduces_the_sliding_lease_by_all_the_time_accompanied_before_it():
    # Issue 20 point 6, decision 0025: "le bail glissant sera réduit d'autant" — by every day of
    # accompaniment before the entry, not capped at the 3 allowed months (about 90 days).
    period = rules.pre_housing(VIAL, facts(entry=date(2025, 6, 15)), date(2025, 7, 1))
    assert period.exceeded
    assert period.sliding_lease_reduction_days == (date(2025, 6, 15) - START).days == 151
    # A measure that ended before the entry reduces the lease by the days it ran.
    ended = rules.pre_housing(VIAL, facts(entry=date(2025, 6, 15), ended=date(2025, 5, 14)), date(2025, 7, 1))
    assert ended.sliding_lease_reduction_days == (date(2025, 5, 15) - START).days


def test_entry_later_than_three_months_exceeds_the_period():
    assert rules.pre_housing(VIAL, facts(entry=date(2025, 4, 16)), date(2025, 6, 1)).exceeded
    assert not rules.pre_housing(VIAL, facts(entry=date(2025, 4, 15)), date(2025, 6, 1)).exceeded


def test_still_not_housed_after_three_months_is_exceeded():
    assert not rules.pre_housing(VIAL, facts(), date(2025, 4, 15)).exceeded
    assert rules.pre_housing(VIAL, facts(), date(2025, 4, 16)).exceeded


def test_entry_before_activation_means_no_pre_housing_period():
    period = rules.pre_housing(VIAL, facts(entry=date(2024, 12, 1)), date(2025, 6, 1))
    assert not period.exceeded and period.sliding_lease_reduction_days == 0


def test_a_type_without_pre_housing_limit_never_exceeds():
    no_limit = TypeRules(standard_months=6, max_months=6)
    assert not rules.pre_housing(no_limit, facts(), date(2030, 1, 1)).applies


# --- alerts --------------------------------------------------------------------------------------


def kinds(today, f=None):
    return {a.kind for a in rules.alerts_due(VIAL, f or facts(), today)}


def test_review_due_within_fifteen_days():
    assert "review_due" in kinds(date(2025, 3, 31))  # informal review of 15 April, 15 days ahead
    assert "review_due" not in kinds(date(2025, 3, 30))


def test_an_informal_review_is_never_overdue_a_formal_one_is():
    assert "review_overdue" not in kinds(date(2025, 4, 20))
    late = facts(entry=date(2025, 2, 1), held=(3,))
    assert "review_overdue" in kinds(date(2025, 7, 16), late)
    assert "review_overdue" not in kinds(date(2025, 7, 15), late)


def test_end_approaching_within_thirty_days():
    housed = facts(entry=date(2025, 2, 1), held=(3, 6, 12))
    assert "end_approaching" in kinds(date(2025, 12, 15), housed)
    assert "end_approaching" not in kinds(date(2025, 12, 14), housed)


def test_pre_housing_exceeded_is_an_alert_until_entry():
    assert "pre_housing_exceeded" in kinds(date(2025, 5, 1))
    assert "pre_housing_exceeded" not in kinds(date(2025, 5, 1), facts(entry=date(2025, 4, 20)))


def test_no_alert_for_a_measure_not_active():
    assert rules.alerts_due(VIAL, facts(activated=None), date(2025, 5, 1)) == []
    assert rules.alerts_due(VIAL, facts(ended=date(2025, 4, 1)), date(2025, 5, 1)) == []


# --- a type's consistency ------------------------------------------------------------------------


def test_every_shipped_type_is_consistent():
    for spec in DEFAULT_TYPES:
        typed = {k: tuple(v) if isinstance(v, list) else v for k, v in spec.items() if k in FIELDS}
        assert TypeRules(**typed).problems() == {}, spec["code"]


def test_inconsistent_types_are_explained_per_field():
    problems = TypeRules(
        standard_months=12,
        max_months=20,
        review_months=(3, 14),
        informal_review_months=(4,),
        renewal_step_months=6,
        renewal_cap_months=12,
        derogation_months=6,
    ).problems()
    assert set(problems) >= {
        "max_months",
        "review_months",
        "informal_review_months",
        "renewal_approvers",
        "derogation_approvers",
    }


# --- properties ----------------------------------------------------------------------------------

activations = st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31))


@given(activations, st.lists(st.tuples(st.integers(-3, 14), st.booleans()), max_size=8))
def test_granting_only_what_check_renewal_accepts_never_passes_the_maximum(activated, requests):
    granted: list[Renewal] = []
    for months, derogation in requests:
        current = facts(*granted, activated=activated)
        try:
            rules.check_renewal(VIAL, current, months, derogation)
        except RuleRefused:
            continue
        granted.append(Renewal(months, derogation))
    final = facts(*granted, activated=activated)
    assert rules.total_months(VIAL, final) <= VIAL.max_months
    assert rules.end_on(VIAL, final) <= rules.latest_end_on(VIAL, activated)
    assert sum(r.months for r in granted if not r.derogation) <= VIAL.renewal_cap_months
    assert all(r.months <= VIAL.renewal_step_months for r in granted if not r.derogation)
    assert sum(r.derogation for r in granted) <= 1


@given(activations, st.integers(0, 400))
def test_reviews_fall_on_their_month_from_activation(activated, offset):
    for review in rules.review_schedule(VIAL, facts(activated=activated)):
        assert review.due_on == min(
            rules.month_start(activated, review.month), rules.end_on(VIAL, facts(activated=activated))
        )
        assert activated < review.due_on <= rules.end_on(VIAL, facts(activated=activated))


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 1, 1)), st.integers(0, 120))
def test_add_months_moves_by_whole_months(day, months):
    moved = rules.add_months(day, months)
    assert (moved.year - day.year) * 12 + moved.month - day.month == months
    assert moved.day <= day.day


@given(activations, st.one_of(st.none(), st.integers(-60, 200)), st.integers(0, 400))
def test_pre_housing_is_exceeded_exactly_when_entry_comes_after_three_months(activated, entry_offset, today_offset):
    entry = activated + timedelta(days=entry_offset) if entry_offset is not None else None
    today = activated + timedelta(days=today_offset)
    period = rules.pre_housing(VIAL, facts(entry=entry, activated=activated), today)
    deadline = rules.month_start(activated, 3)
    waited = entry if entry is not None else today
    assert period.exceeded == (waited > deadline and not (entry is not None and entry <= activated))
    # The sliding lease is reduced by every day accompanied before the entry, late entry included.
    expected = (entry - activated).days if entry is not None and entry > activated else 0
    assert period.sliding_lease_reduction_days == expected
