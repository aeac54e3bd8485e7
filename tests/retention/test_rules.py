"""The pure retention engine: 24 months, warned at 23, 30 days' grace after the warning, legal hold."""

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lda.retention.rules import DEFAULT_RULES, RetentionRules, RulesError, State, add_months, decide, schedule

days = st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 12, 31))
offsets = st.integers(min_value=0, max_value=1500)


def test_the_default_schedule():
    plan = schedule(DEFAULT_RULES, date(2024, 7, 10))
    assert (plan.warn_on, plan.expires_on, plan.purge_on) == (date(2026, 6, 10), date(2026, 7, 10), date(2026, 7, 10))


def test_month_ends_and_leap_days():
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2024, 2, 29), 24) == date(2026, 2, 28)
    # 23 months + 30 days can fall short of two years: the two years win.
    plan = schedule(DEFAULT_RULES, date(2024, 3, 31))
    assert plan.warn_on == date(2026, 2, 28) and plan.purge_on == date(2026, 3, 31)


def test_the_states_in_order():
    last = date(2024, 7, 10)
    assert decide(DEFAULT_RULES, last, None, False, date(2026, 6, 9)).state == State.KEPT
    assert decide(DEFAULT_RULES, last, None, False, date(2026, 6, 10)).state == State.WARN
    assert decide(DEFAULT_RULES, last, date(2026, 6, 10), False, date(2026, 7, 9)).state == State.WARNED
    assert decide(DEFAULT_RULES, last, date(2026, 6, 10), False, date(2026, 7, 10)).state == State.PURGE
    # Warned late (the job was off): 30 days from the warning, not from the due date.
    late = decide(DEFAULT_RULES, last, date(2026, 12, 7), False, date(2027, 1, 5))
    assert late.state == State.WARNED and late.purge_on == date(2027, 1, 6)
    assert decide(DEFAULT_RULES, last, date(2026, 6, 10), True, date(2030, 1, 1)).state == State.HELD


def test_a_warning_for_an_older_contact_does_not_count():
    decision = decide(DEFAULT_RULES, date(2024, 9, 1), date(2024, 8, 1), False, date(2026, 9, 1))
    assert decision.state == State.WARN


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ((0, 0, 30), "au moins un mois"),
        ((24, 24, 30), "précéder"),
        ((24, 0, 30), "précéder"),
        ((24, 23, -1), "négatif"),
    ],
)
def test_rules_that_make_no_sense_are_refused_in_french(values, message):
    with pytest.raises(RulesError, match=message):
        RetentionRules(*values)


@given(last=days, warned_after=st.one_of(st.none(), offsets), held=st.booleans(), after=offsets)
def test_never_purged_early_and_never_while_held(last, warned_after, held, after):
    today = last + timedelta(days=after)
    warned_on = None if warned_after is None else min(last + timedelta(days=warned_after), today)
    decision = decide(DEFAULT_RULES, last, warned_on, held, today)
    if decision.state == State.PURGE:
        assert not held
        assert today >= add_months(last, 24)
        assert warned_on is not None and today >= warned_on + timedelta(days=30)
    if held:
        assert decision.state == State.HELD and decision.purge_on is None
    if today < add_months(last, 23):
        assert decision.state in (State.KEPT, State.HELD)


@given(last=days, warned=offsets, a=offsets, b=offsets)
def test_once_due_it_stays_due(last, warned, a, b):
    warned_on = add_months(last, 23) + timedelta(days=warned)
    first, second = sorted((warned_on + timedelta(days=a), warned_on + timedelta(days=a + b)))
    if decide(DEFAULT_RULES, last, warned_on, False, first).state == State.PURGE:
        assert decide(DEFAULT_RULES, last, warned_on, False, second).state == State.PURGE


@given(day=days, months=st.integers(min_value=0, max_value=400))
def test_add_months_keeps_the_day_or_the_months_end(day, months):
    moved = add_months(day, months)
    assert (moved.year * 12 + moved.month) - (day.year * 12 + day.month) == months
    assert moved.day == day.day or (moved.day < day.day and (moved + timedelta(days=1)).day == 1)
