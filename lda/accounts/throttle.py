"""Sign-in throttling as a pure function of the failure history (spec 6).

After `delay_after` consecutive failures each new attempt waits 1, 2, 4, 8… seconds after the
previous failure; at `lock_after` failures the account is locked for `lock_seconds`, then the
count starts again. Attempts refused by the throttle do not count: they never reach the password.
"""

from dataclasses import dataclass, replace
from datetime import datetime, timedelta


@dataclass(frozen=True)
class ThrottleRules:
    delay_after: int = 5
    lock_after: int = 10
    lock_seconds: int = 15 * 60
    max_delay_seconds: int = 60


@dataclass(frozen=True)
class ThrottleState:
    failures: int = 0
    last_failure: datetime | None = None
    locked_until: datetime | None = None


def delay_seconds(failures: int, rules: ThrottleRules) -> int:
    if failures < rules.delay_after:
        return 0
    return min(2 ** (failures - rules.delay_after), rules.max_delay_seconds)


def attempt_allowed(state: ThrottleState, now: datetime, rules: ThrottleRules) -> bool:
    if state.locked_until is not None and now < state.locked_until:
        return False
    wait = delay_seconds(state.failures, rules)
    if wait and state.last_failure is not None and now < state.last_failure + timedelta(seconds=wait):
        return False
    return True


def after_failure(state: ThrottleState, now: datetime, rules: ThrottleRules) -> ThrottleState:
    failures = state.failures + 1
    if failures >= rules.lock_after:
        return ThrottleState(failures=0, last_failure=now, locked_until=now + timedelta(seconds=rules.lock_seconds))
    return replace(state, failures=failures, last_failure=now)


def after_success() -> ThrottleState:
    return ThrottleState()
