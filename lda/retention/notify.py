"""E-mails of retention warnings: one per warning not yet e-mailed, to the household's referent (or,
without one, to the active referents of its referent organisation). The e-mail says the household's
reference, its last contact and the anonymisation date, and links to the retention page: no name,
no detail of the file."""

import logging

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from lda.accounts.models import Membership, User
from lda.accounts.roles import Role
from lda.retention.models import RetentionNotice

logger = logging.getLogger(__name__)


def recipients(notice: RetentionNotice) -> list[str]:
    household = notice.household
    referent = household.referent
    if referent is not None and referent.is_active and referent.email:
        return [referent.email]
    if household.referent_organisation_id is None:
        return []
    users = User.objects.filter(
        pk__in=Membership.objects.filter(
            organisation_id=household.referent_organisation_id, role=Role.REFERENT, is_active=True
        ).values("user_id"),
        is_active=True,
    )
    return sorted(users.values_list("email", flat=True))


def send_pending() -> int:
    """E-mails the warnings not yet e-mailed; returns how many were sent (failures are retried the next day)."""
    sent = 0
    with transaction.atomic():
        pending = list(
            RetentionNotice.objects.select_for_update(of=("self",))
            .filter(emailed_at__isnull=True)
            .select_related("household__referent")
            .order_by("pk")
        )
        if not pending:
            return 0
        base = (getattr(settings, "SITE_URL", "") or "").rstrip("/")
        link = base + reverse("retention:due")
        mail = get_connection()
        for notice in pending:
            to = recipients(notice)
            if not to:
                continue
            body = render_to_string("retention/warning_email.txt", {"notice": notice, "link": link})
            subject = f"Fin de conservation prochaine du dossier {notice.household.reference}"
            try:
                EmailMessage(subject, body, to=to, connection=mail).send()
            except Exception:
                logger.exception("Envoi de l'avertissement de conservation %s impossible", notice.pk)
                continue
            RetentionNotice.objects.filter(pk=notice.pk).update(emailed_at=timezone.now())
            sent += 1
    return sent
