"""E-mails of alerts: a background task sends every alert not yet e-mailed to the people it is for.

`schedule()` runs after the commit of any transaction that raised an alert (see `alerts.py` and
`alert_job.py`): it queues the task `measures.send_alert_emails` unless one is already waiting, so
an exit reaches the coordinator as soon as the worker takes the task, not the next morning.

Who receives what (`recipients`):
- coordinator audience: active users with the coordinator role in the alert's territory;
- operator audience: active social workers of the organisation running the measure;
- approver audience: active users matching `codes.APPROVERS[alert.approver]` (role, and
  organisation kind when the approver names one) in the territory.

One e-mail per person, grouping their new alerts. The e-mail carries none of the pieces
`visibility.py` guards (`visibility.IN_EMAIL`: no name, no document, no comment, no note, whoever
the recipient): the household reference, the measure type, the kind of alert, its date and a link
to the measure page (`settings.SITE_URL`), where the rule decides what the reader sees. An alert is marked e-mailed only once every recipient's
e-mail went out; a failed sending is tried again by the next task (at the latest the next day's
alert job, which schedules one when unsent alerts remain).
"""

import logging
from collections import defaultdict

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import connection, transaction
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from lda.accounts.models import Membership
from lda.accounts.roles import Role
from lda.measures import codes
from lda.measures.models import Alert
from lda.tasks import queue
from lda.tasks.models import Status, Task

logger = logging.getLogger(__name__)

SEND = "measures.send_alert_emails"
# The order alerts are listed in, in e-mails and in the app: what happened first, then what waits.
KIND_ORDER = [
    codes.AlertKind.EXIT,
    codes.AlertKind.RENEWAL_WAITING,
    codes.AlertKind.CONTRACT_WAITING,
    codes.AlertKind.REVIEW_OVERDUE,
    codes.AlertKind.PRE_HOUSING_EXCEEDED,
    codes.AlertKind.END_APPROACHING,
    codes.AlertKind.REVIEW_DUE,
]


# What the date of an alert is, by kind (a deadline unless said otherwise).
DATE_LABELS = {
    codes.AlertKind.EXIT: "le",
    codes.AlertKind.RENEWAL_WAITING: "demandé le",
    codes.AlertKind.CONTRACT_WAITING: "transmis le",
}


def schedule() -> Task | None:
    """Queues the sending of alerts not yet e-mailed (at most one such task waiting at a time)."""
    if Task.objects.filter(kind=SEND, status=Status.QUEUED).exists():
        return None
    return queue.enqueue(SEND)


def measure_path(measure_id: int) -> str:
    """The measure page's path (the page belongs to the measure pages; a plain path until then)."""
    try:
        return reverse("measures:detail", kwargs={"pk": measure_id})
    except NoReverseMatch:
        return f"/mesures/{measure_id}/"


def absolute(path: str) -> str:
    base = (getattr(settings, "SITE_URL", "") or "").rstrip("/")
    return f"{base}{path}"


# --- recipients ----------------------------------------------------------------------------------


def recipients(alerts: list[Alert]) -> tuple[dict[int, set[int]], dict[int, str]]:
    """(alert pk → the user ids it goes to, user id → e-mail address), from one query."""
    territories = {a.territory_id for a in alerts}
    roles = set()
    if any(a.audience == Alert.Audience.COORDINATOR for a in alerts):
        roles.add(Role.COORDINATOR)
    if any(a.audience == Alert.Audience.OPERATOR for a in alerts):
        roles.add(Role.SOCIAL_WORKER)
    for a in alerts:
        if a.audience == Alert.Audience.APPROVER and a.approver in codes.APPROVERS:
            roles.add(codes.APPROVERS[a.approver].role)
    if not roles:
        return {a.pk: set() for a in alerts}, {}
    rows = Membership.objects.filter(
        is_active=True,
        organisation__is_active=True,
        user__is_active=True,
        role__in=roles,
        organisation__territory_id__in=territories,
    ).values_list(
        "user_id", "user__email", "role", "organisation_id", "organisation__territory_id", "organisation__kind"
    )
    emails = {}
    by_territory_role = defaultdict(set)  # (territory, role) → users
    by_organisation_role = defaultdict(set)  # (organisation, role) → users
    by_territory_role_kind = defaultdict(set)  # (territory, role, organisation kind) → users
    for user_id, email, role, organisation_id, territory_id, kind in rows:
        emails[user_id] = email
        by_territory_role[(territory_id, role)].add(user_id)
        by_organisation_role[(organisation_id, role)].add(user_id)
        by_territory_role_kind[(territory_id, role, kind)].add(user_id)
    result = {}
    for a in alerts:
        users: set[int] = set()
        if a.audience == Alert.Audience.COORDINATOR:
            users = by_territory_role[(a.territory_id, Role.COORDINATOR)]
        elif a.audience == Alert.Audience.OPERATOR:
            users = by_organisation_role[(a.measure.operator_id, Role.SOCIAL_WORKER)]
        elif a.audience == Alert.Audience.APPROVER and a.approver in codes.APPROVERS:
            approver = codes.APPROVERS[a.approver]
            if approver.organisation_kinds:
                users = set().union(
                    *(by_territory_role_kind[(a.territory_id, approver.role, k)] for k in approver.organisation_kinds)
                )
            else:
                users = by_territory_role[(a.territory_id, approver.role)]
        result[a.pk] = set(users)
    return result, emails


# --- the e-mail ----------------------------------------------------------------------------------


def _entries(alerts: list[Alert]) -> list[dict]:
    """What the e-mail says of each alert: no name, no free text."""
    order = {kind: i for i, kind in enumerate(KIND_ORDER)}
    rows = sorted(alerts, key=lambda a: (order.get(a.kind, len(order)), a.due_on, a.pk))
    return [
        {
            "kind": a.get_kind_display(),
            "is_exit": a.kind == codes.AlertKind.EXIT,
            "reference": a.measure.household.reference,
            "measure_type": a.measure.type_version.measure_type.name,
            "due_on": a.due_on,
            "date_label": DATE_LABELS.get(a.kind, "échéance"),
            "approver": codes.APPROVERS[a.approver].label if a.approver in codes.APPROVERS else "",
            "link": absolute(measure_path(a.measure_id)),
        }
        for a in rows
    ]


def message_for(email: str, alerts: list[Alert]) -> EmailMessage:
    entries = _entries(alerts)
    exits = sum(1 for e in entries if e["is_exit"])
    context = {
        "entries": entries,
        "count": len(entries),
        "exits": exits,
        "others": len(entries) - exits,
        "inbox": absolute(reverse("alerts:list")),
    }
    subject = " ".join(render_to_string("measures/email/alerts_subject.txt", context).split())
    body = render_to_string("measures/email/alerts.txt", context)
    return EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [email])


SMTP_TIMEOUT = 30  # seconds: a mail server that hangs must not hang the worker
SENDER_LOCK = 4_000_417  # PostgreSQL advisory lock taken by the sending task


def _one_sender_at_a_time():
    """Two sending tasks (two workers) run one after the other, so none sends what the other is
    sending; the alert rows themselves are not locked, so the services closing them never wait
    for the mail server. (SQLite has one writer at a time anyway.)"""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [SENDER_LOCK])


def send_pending(progress=None) -> dict:
    """E-mails every open alert not yet e-mailed; marks each once all its recipients got it."""
    failed_users = 0
    with transaction.atomic():
        _one_sender_at_a_time()
        pending = (
            Alert.objects.filter(emailed_at__isnull=True, closed_at__isnull=True)
            .select_related("measure__household", "measure__type_version__measure_type")
            .order_by("due_on", "pk")
        )
        alerts = list(pending)
        if not alerts:
            return {"alerts": 0, "emails": 0, "failed": 0, "without_recipient": 0}
        to, emails = recipients(alerts)
        per_user: dict[int, list[Alert]] = defaultdict(list)
        for alert in alerts:
            for user_id in to[alert.pk]:
                per_user[user_id].append(alert)
        sent_to: set[int] = set()
        total = len(per_user)
        mail = get_connection(timeout=getattr(settings, "EMAIL_TIMEOUT", None) or SMTP_TIMEOUT)
        try:
            mail.open()
        except Exception:
            logger.exception("Serveur d'e-mail injoignable : %s e-mail(s) d'alerte en attente", total)
            failed_users, per_user = total, {}
        try:
            for done, (user_id, mine) in enumerate(sorted(per_user.items()), 1):
                try:
                    message = message_for(emails[user_id], mine)
                    message.connection = mail
                    message.send()
                except Exception:
                    failed_users += 1
                    logger.exception("Envoi des alertes à l'utilisateur %s impossible", user_id)
                else:
                    sent_to.add(user_id)
                if progress:
                    progress(done, total, "Envoi des alertes par e-mail")
        finally:
            mail.close()
        done_ids = [a.pk for a in alerts if to[a.pk] <= sent_to]
        Alert.objects.filter(pk__in=done_ids).update(emailed_at=timezone.now())
    return {
        "alerts": len(done_ids),
        "emails": len(sent_to),
        "failed": failed_users,
        "without_recipient": sum(1 for a in alerts if not to[a.pk]),
    }
