"""The tests' clock: every test runs on an explicit date, never on the machine's.

The whole suite runs with the clock on `reference_today()` (a fixed date, or LDA_TEST_TODAY to try
the suite on another day, e.g. `LDA_TEST_TODAY=2028-02-29 make test`). Time still moves from there
(`tick=True`): durations, expiries and throttles behave as in real life.

SWEEP_DATES are the other reference dates the demo is drawn on (two years of them, month ends, a
leap day, the changes of summer time, the turn of the year), so that its calibration holds on any
day, not on the day it was written.
"""

import os
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

REFERENCE_TODAY = date(2026, 12, 7)  # the day a fresh clone's suite turned red on the wall clock

SWEEP_DATES = [
    date(2027, 1, 1),
    date(2027, 1, 31),
    date(2027, 2, 28),
    date(2027, 3, 1),
    date(2027, 3, 28),  # summer time begins
    date(2027, 4, 30),
    date(2027, 5, 15),
    date(2027, 6, 30),
    date(2027, 7, 14),
    date(2027, 8, 31),
    date(2027, 9, 30),
    date(2027, 10, 31),  # summer time ends
    date(2027, 11, 30),
    date(2027, 12, 31),
    date(2028, 1, 1),
    date(2028, 2, 28),
    date(2028, 2, 29),  # leap day
    date(2028, 3, 1),
    date(2028, 3, 26),  # summer time begins
    date(2028, 5, 31),
    date(2028, 7, 31),
    date(2028, 8, 15),
    date(2028, 10, 29),  # summer time ends
    date(2028, 12, 31),
]


def reference_today() -> date:
    value = os.environ.get("LDA_TEST_TODAY", "").strip()
    return date.fromisoformat(value) if value else REFERENCE_TODAY


def morning(day: date) -> datetime:
    """Ten in the morning in Paris: a working moment, far from midnight in any time zone used."""
    return datetime.combine(day, time(10, 0), tzinfo=ZoneInfo("Europe/Paris"))
