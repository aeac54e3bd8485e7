"""Writing the access log. Callers name the object and the section, never its values."""

import logging
from datetime import timedelta

from django.conf import settings
from django.core.signals import request_finished
from django.db import OperationalError
from django.utils import timezone

from lda.audit.models import AccessLog, Action
from lda.core.middleware import current_request, current_request_id

logger = logging.getLogger("lda.audit")

# Reads and refusals whose row could not be written because the database was busy ("database is
# locked" on SQLite while an import writes): the read is served, the row is kept here with its own
# time and written with the next row or at the end of the request (issue 18, item 11). Writes and
# exports keep failing loudly: they run inside the transaction of what they record.
DEFERRABLE = {Action.READ, Action.DENIED}
_pending: list[dict] = []


def _write(fields: dict) -> AccessLog:
    # No savepoint around it: pages' bounded query counts include this one INSERT and no more.
    return AccessLog.objects.create(**fields)


def flush_pending(**_) -> int:
    """Writes the rows kept while the database was busy; those still refused stay for the next try."""
    written = 0
    while _pending:
        fields = _pending.pop(0)
        try:
            _write(fields)
        except OperationalError:
            _pending.insert(0, fields)
            break
        written += 1
    return written


request_finished.connect(flush_pending, dispatch_uid="lda.audit.flush_pending")


def client_ip(request) -> str | None:
    if request is None:
        return None
    if settings.SECURE_PROXY_SSL_HEADER:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            # The proxy appends the address it saw: the last entry is the one we can trust.
            return forwarded.split(",")[-1].strip() or None
    return request.META.get("REMOTE_ADDR") or None


def _who(subject):
    """(user_id, token_id, organisation_id, territory_id) of a request, user or actor."""
    from lda.access.policy import Actor, actor_for

    request = None
    if hasattr(subject, "META"):
        request = subject
        token = getattr(request, "api_token", None)
        if token is not None:
            return None, token.pk, token.organisation_id, token.organisation.territory_id
        subject = getattr(request, "user", None)
    if isinstance(subject, Actor):
        return subject.user_id, subject.token_id, subject.organisation_id, subject.territory_id
    if subject is not None and getattr(subject, "is_authenticated", False):
        actor = actor_for(subject)
        if not actor.grants:
            first = subject.memberships.select_related("organisation").first()
            org = first.organisation if first else None
            return subject.pk, None, org.pk if org else None, org.territory_id if org else None
        return subject.pk, None, actor.organisation_id, actor.territory_id
    return None, None, None, None


def record(
    action: str,
    *,
    subject=None,
    object_type: str = "",
    object_id="",
    section: str = "",
    protected: bool = False,
    user_id: int | None = None,
) -> AccessLog:
    """Appends one event. `subject` is the request, user or actor acting (default: current request)."""
    request = subject if hasattr(subject, "META") else current_request()
    if subject is None:
        subject = request
    who_user, token_id, organisation_id, territory_id = _who(subject)
    now = timezone.now()
    days = settings.LDA_AUDIT_PROTECTED_RETENTION_DAYS if protected else settings.LDA_AUDIT_RETENTION_DAYS
    route = ""
    if request is not None and getattr(request, "resolver_match", None):
        route = request.resolver_match.view_name or ""
    fields = dict(
        at=now,
        user_id=user_id if user_id is not None else who_user,
        token_id=token_id,
        organisation_id=organisation_id,
        territory_id=territory_id,
        action=action,
        object_type=object_type,
        object_id=str(object_id)[:64],
        section=section,
        route=route[:100],
        ip=client_ip(request),
        request_id=current_request_id() if request is not None else "",
        keep_until=now + timedelta(days=days),
    )
    if _pending:
        flush_pending()
    try:
        return _write(fields)
    except OperationalError:
        if action not in DEFERRABLE:
            raise
        _pending.append(fields)
        # Names the kind of event and the object's type only: never who or what was read.
        logger.warning("Journal des accès occupé : un événement « %s » (%s) est mis en attente.", action, object_type)
        return AccessLog(**fields)


def record_read(subject, obj, section: str = "", protected: bool = False) -> AccessLog:
    return record(
        Action.READ,
        subject=subject,
        object_type=obj._meta.model_name,
        object_id=obj.pk,
        section=section,
        protected=protected,
    )


def record_export(subject, what: str, count: int | None = None) -> AccessLog:
    return record(Action.EXPORT, subject=subject, object_type=what, object_id="" if count is None else count)


def record_refusal(subject, object_type: str = "", object_id: str = "") -> AccessLog:
    return record(Action.DENIED, subject=subject, object_type=object_type, object_id=object_id)
