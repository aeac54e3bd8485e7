"""The demo's clock: a territory drawn as it stands on a reference date.

The services take "today" from `timezone.localdate()`. The demo is built, and its past events are
replayed, with that date moved: the dates the services record (and the date checks they make) are
those of the reference date or of the replayed day. Only `timezone.localdate()` without argument is
moved; recording times stay real (capped at `BuildContext.now` by the steps).
"""

from contextlib import contextmanager
from datetime import date, datetime, time
from unittest import mock

from django.utils import timezone

__all__ = ["clock", "evening"]


@contextmanager
def clock(day: date):
    real = timezone.localdate

    def localdate(*args, **kwargs):
        return real(*args, **kwargs) if args or kwargs else day

    with mock.patch.object(timezone, "localdate", localdate):
        yield


def evening(day: date) -> datetime:
    """The end of a working day, in the territory's time zone: the latest moment a past reference
    date's demo records anything."""
    return datetime.combine(day, time(19, 0), tzinfo=timezone.get_default_timezone())
