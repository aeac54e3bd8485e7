"""Properties of `rules.alerts_due` (the pure engine the daily job asks), on VIAL and on random
types: never an alert on a measure not active, an overdue review only when its date passed and
it was not held, never an informal review overdue, notices only inside their windows."""

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lda.measures import rules
from lda.measures.rules import MeasureFacts, Renewal, TypeRules
from tests.measures.test_rules import VIAL


@st.composite
def type_rules(draw):
    standard = draw(st.integers(1, 24))
    reviews = draw(st.lists(st.integers(1, standard), unique=True, max_size=4))
    informal = draw(st.lists(st.sampled_from(reviews), unique=True)) if reviews else []
    step = draw(st.integers(0, 6))
    cap = draw(st.integers(step, 12)) if step else 0
    derogation = draw(st.integers(0, 6))
    return TypeRules(
        standard_months=standard,
        max_months=standard + cap + derogation,
        pre_housing_months=draw(st.none() | st.integers(0, 6)),
        review_months=tuple(sorted(reviews)),
        informal_review_months=tuple(informal),
        renewal_step_months=step,
        renewal_cap_months=cap,
        renewal_approvers=("coordinator",) if cap else (),
        derogation_months=derogation,
        derogation_approvers=("coordinator", "chef_slisl") if derogation else (),
    )


days = st.dates(min_value=date(2023, 1, 1), max_value=date(2027, 12, 31))


@st.composite
def situations(draw, fixed_rules=None):
    type_ = fixed_rules or draw(type_rules())
    activated = draw(st.none() | days)
    renewals = tuple(Renewal(m, d) for m, d in draw(st.lists(st.tuples(st.integers(1, 6), st.booleans()), max_size=3)))
    months = sorted(set(type_.review_months) | {type_.standard_months + sum(r.months for r in renewals)})
    held = tuple(draw(st.lists(st.sampled_from(months), unique=True)))
    entry = draw(st.none() | days)
    ended = draw(st.none() | days) if activated else None
    facts = MeasureFacts(activated, entry, renewals, held, ended)
    return type_, facts, draw(days)


def _schedule(type_, facts):
    return {r.due_on: r for r in rules.review_schedule(type_, facts)}


def _check(type_, facts, today):
    due = rules.alerts_due(type_, facts, today)
    if facts.activated_on is None or facts.ended_on is not None:
        assert due == []
        return
    assert len({(a.kind, a.due_on) for a in due}) == len(due)
    schedule = _schedule(type_, facts)
    for alert in due:
        if alert.kind == "review_overdue":
            review = schedule[alert.due_on]
            assert alert.due_on < today
            assert not review.held
            assert not review.informal
        elif alert.kind == "review_due":
            review = schedule[alert.due_on]
            assert today <= alert.due_on <= today + timedelta(days=rules.REVIEW_NOTICE_DAYS)
            assert not review.held
        elif alert.kind == "end_approaching":
            assert alert.due_on == rules.end_on(type_, facts)
            assert today <= alert.due_on <= today + timedelta(days=rules.END_NOTICE_DAYS)
        elif alert.kind == "pre_housing_exceeded":
            assert type_.pre_housing_months is not None
            assert facts.housing_entry_on is None
            assert alert.due_on == rules.add_months(facts.activated_on, type_.pre_housing_months)
            assert alert.due_on < today
        else:
            pytest.fail(f"Alerte inattendue : {alert.kind}")
    # At most one review alert: the next review not held.
    assert sum(1 for a in due if a.kind.startswith("review_")) <= 1


@settings(max_examples=300, deadline=None)
@given(situations())
def test_alerts_due_on_random_types(situation):
    _check(*situation)


@settings(max_examples=300, deadline=None)
@given(situations(fixed_rules=VIAL))
def test_alerts_due_on_vial(situation):
    _check(*situation)


@settings(max_examples=200, deadline=None)
@given(situations(fixed_rules=VIAL))
def test_an_informal_review_is_never_overdue(situation):
    type_, facts, today = situation
    informal = {r.due_on for r in rules.review_schedule(type_, facts) if r.informal}
    assert not any(a.kind == "review_overdue" and a.due_on in informal for a in rules.alerts_due(*situation))


@settings(max_examples=200, deadline=None)
@given(situations(fixed_rules=VIAL))
def test_the_next_formal_review_past_its_date_is_announced_overdue(situation):
    """When the next review not held is formal and its date passed, the engine says so."""
    type_, facts, today = situation
    if facts.activated_on is None or facts.ended_on is not None:
        return
    review = rules.next_review(type_, facts)
    if review is None or review.informal or review.due_on >= today:
        return
    assert rules.alerts_due(type_, facts, today)[0] == rules.AlertDue("review_overdue", review.due_on)


def test_a_formal_review_after_an_unrecorded_informal_one_is_still_announced():
    activated = date(2025, 1, 15)
    facts = MeasureFacts(activated, housing_entry_on=activated)
    six = rules.add_months(activated, 6)
    assert rules.AlertDue("review_overdue", six) in rules.alerts_due(VIAL, facts, six + timedelta(days=1))


def test_a_measure_not_active_never_has_an_alert():
    facts = MeasureFacts(None)
    assert rules.alerts_due(VIAL, facts, date(2025, 6, 1)) == []
    ended = MeasureFacts(date(2025, 1, 15), ended_on=date(2025, 3, 1))
    assert rules.alerts_due(VIAL, ended, date(2026, 1, 10)) == []


def test_the_fifteen_and_thirty_day_windows():
    activated = date(2025, 1, 15)
    facts = MeasureFacts(activated, housing_entry_on=activated, reviews_held=(3,))
    six = rules.add_months(activated, 6)
    assert rules.alerts_due(VIAL, facts, six - timedelta(days=16)) == []
    assert rules.alerts_due(VIAL, facts, six - timedelta(days=15)) == [rules.AlertDue("review_due", six)]
    assert rules.alerts_due(VIAL, facts, six + timedelta(days=1)) == [rules.AlertDue("review_overdue", six)]
    end = rules.end_on(VIAL, MeasureFacts(activated))
    held = MeasureFacts(activated, housing_entry_on=activated, reviews_held=(3, 6, 12))
    assert rules.alerts_due(VIAL, held, end - timedelta(days=31)) == []
    assert rules.alerts_due(VIAL, held, end - timedelta(days=30)) == [rules.AlertDue("end_approaching", end)]
