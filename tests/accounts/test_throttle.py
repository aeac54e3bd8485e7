"""Sign-in throttling rules (spec 6), as properties over any sequence of attempts."""

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from lda.accounts import throttle

RULES = throttle.ThrottleRules(delay_after=5, lock_after=10, lock_seconds=15 * 60)
T0 = datetime(2026, 1, 1, tzinfo=UTC)


def test_five_failures_bring_a_delay_before_the_sixth_attempt():
    state = throttle.ThrottleState()
    for i in range(4):
        state = throttle.after_failure(state, T0 + timedelta(seconds=i), RULES)
        assert throttle.attempt_allowed(state, T0 + timedelta(seconds=i), RULES)
    state = throttle.after_failure(state, T0 + timedelta(seconds=10), RULES)
    assert not throttle.attempt_allowed(state, T0 + timedelta(seconds=10), RULES)
    assert throttle.attempt_allowed(state, T0 + timedelta(seconds=11), RULES)


def test_delays_grow():
    assert [throttle.delay_seconds(n, RULES) for n in range(4, 10)] == [0, 1, 2, 4, 8, 16]


def test_ten_failures_lock_for_fifteen_minutes():
    state, now = throttle.ThrottleState(), T0
    for _ in range(10):
        now += timedelta(minutes=1)
        assert throttle.attempt_allowed(state, now, RULES)
        state = throttle.after_failure(state, now, RULES)
    assert not throttle.attempt_allowed(state, now + timedelta(minutes=14, seconds=59), RULES)
    assert throttle.attempt_allowed(state, now + timedelta(minutes=15), RULES)


def test_success_resets():
    assert throttle.after_success() == throttle.ThrottleState()


@settings(max_examples=300)
@given(st.lists(st.tuples(st.integers(min_value=0, max_value=400), st.booleans()), max_size=60))
def test_no_sequence_gets_more_than_ten_password_checks_in_fifteen_minutes(events):
    """Whatever the timing, an attacker gets at most 10 failed checks in any 15-minute window."""
    state, now, checked = throttle.ThrottleState(), T0, []
    for gap, succeeds in events:
        now += timedelta(seconds=gap)
        if not throttle.attempt_allowed(state, now, RULES):
            continue
        if succeeds:
            state = throttle.after_success()
            checked = []
            continue
        checked.append(now)
        state = throttle.after_failure(state, now, RULES)
        window = [t for t in checked if now - t < timedelta(minutes=15)]
        assert len(window) <= RULES.lock_after


@given(st.integers(min_value=0, max_value=30), st.integers(min_value=0, max_value=10_000))
def test_refused_attempts_change_nothing(failures, seconds):
    state = throttle.ThrottleState(failures=failures % 10, last_failure=T0, locked_until=None)
    now = T0 + timedelta(seconds=seconds)
    allowed = throttle.attempt_allowed(state, now, RULES)
    assert allowed == (seconds >= throttle.delay_seconds(state.failures, RULES))
