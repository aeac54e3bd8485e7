"""Alerts on measures: raised once, closed when what they ask for is done.

An alert is identified by (measure, kind, due date, audience, approver): raising it again is a
no-op, so the daily job and the services may raise the same alert any number of times. E-mails
are sent after the transaction commits, by a background task (see `notify.py`).
"""

from datetime import date

from django.db import IntegrityError, transaction
from django.utils import timezone

from lda.measures.models import Alert

COORDINATOR = Alert.Audience.COORDINATOR
OPERATOR = Alert.Audience.OPERATOR
APPROVER = Alert.Audience.APPROVER

# Who hears of what the daily job finds (the services raise exits and contracts themselves).
AUDIENCES: dict[str, tuple[str, ...]] = {
    "review_due": (OPERATOR,),
    "review_overdue": (OPERATOR, COORDINATOR),
    "end_approaching": (OPERATOR, COORDINATOR),
    "pre_housing_exceeded": (OPERATOR, COORDINATOR),
    "renewal_waiting": (APPROVER,),
    "contract_waiting": (COORDINATOR,),
    "exit": (COORDINATOR,),
}


def raise_alert(measure, kind: str, due_on: date, audience: str, approver: str = "") -> Alert | None:
    """Creates the alert unless it exists; returns it only when new (so it is e-mailed once)."""
    try:
        with transaction.atomic():
            alert = Alert.objects.create(
                territory_id=measure.territory_id,
                measure=measure,
                kind=kind,
                due_on=due_on,
                audience=audience,
                approver=approver,
            )
    except IntegrityError:
        return None
    _notify_after_commit()
    return alert


def close(measure, kind: str, due_on: date | None = None, approver: str | None = None) -> int:
    qs = Alert.objects.filter(measure=measure, kind=kind, closed_at__isnull=True)
    if due_on is not None:
        qs = qs.filter(due_on=due_on)
    if approver is not None:
        qs = qs.filter(approver=approver)
    return qs.update(closed_at=timezone.now())


def close_all(measure) -> int:
    """Everything still open on a measure that ends (its exit alert is raised afterwards)."""
    return Alert.objects.filter(measure=measure, closed_at__isnull=True).update(closed_at=timezone.now())


def _notify_after_commit():
    from lda.measures import notify

    transaction.on_commit(notify.schedule)
