"""The figures engine on an anonymised household: the exit's retained facts stand for the exact
dates that were blurred, so a whole month's table is the same before and after."""

from datetime import UTC, date, datetime

from lda.households import figures
from lda.households.figures import Event
from lda.retention.purge import blur

AT = datetime(2024, 1, 1, tzinfo=UTC)


def events(blurred: bool):
    def on(day):
        return blur(day) if blurred else day

    exit_payload = {"reason": "housed", "housed_in": "social"}
    if blurred:
        exit_payload["retained"] = {"delay_days": 40.0, "previous": "shelter", "without_shelter": False}
    return [
        Event(1, 10, figures.SITUATION_RECORDED, on(date(2024, 1, 10)), AT, {"ethos": 3}),
        Event(1, 10, figures.LIST_ENTERED, on(date(2024, 1, 20)), AT, {}),
        Event(1, 10, figures.LIST_LEFT, on(date(2024, 2, 29)), AT, exit_payload),
    ]


def test_retained_facts_give_the_same_months():
    for start, end in [(date(2024, 1, 1), date(2024, 1, 31)), (date(2024, 2, 1), date(2024, 2, 29))]:
        exact = figures.compute(events(False), start, end)
        blurred = figures.compute(events(True), start, end)
        assert exact == blurred
    february = figures.compute(events(True), date(2024, 2, 1), date(2024, 2, 29))
    assert february.housing_delay.mean_days == 40.0 and february.housed.total == 1


def test_blur_keeps_the_month():
    assert blur(date(2024, 2, 29)) == date(2024, 2, 1)
    assert blur(None) is None
