"""Retention records: the rules of a territory, legal holds, the warnings given, the anonymisations done.

None of these rows holds a person's data: a household is named by its id (its reference once
anonymised is `ANON-<id>`), a hold's reason is blanked when its household is anonymised.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone

from lda.access.querysets import ScopedQuerySet
from lda.accounts.models import Territory
from lda.households.models import Household
from lda.retention import rules


class RetentionRules(models.Model):
    """A territory's durations; without a row the defaults of `rules.DEFAULT_RULES` apply."""

    territory = models.OneToOneField(Territory, on_delete=models.CASCADE, related_name="retention_rules")
    months = models.PositiveSmallIntegerField("durée de conservation (mois)", default=rules.DEFAULT_RULES.months)
    warning_months = models.PositiveSmallIntegerField(
        "avertissement après (mois)", default=rules.DEFAULT_RULES.warning_months
    )
    grace_days = models.PositiveSmallIntegerField("délai de grâce (jours)", default=rules.DEFAULT_RULES.grace_days)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "règles de conservation"

    def __str__(self):
        return f"Conservation : {self.months} mois"

    def as_rules(self) -> rules.RetentionRules:
        return rules.RetentionRules(self.months, self.warning_months, self.grace_days)


class LegalHold(models.Model):
    """A documented legal hold (litigation, request of a court…): suspends the anonymisation."""

    territory = models.ForeignKey(Territory, on_delete=models.PROTECT, related_name="+")
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="legal_holds")
    reason = models.TextField("motif")
    placed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    placed_at = models.DateTimeField("posé le", default=timezone.now)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    lifted_at = models.DateTimeField("levé le", null=True, blank=True)
    lift_reason = models.TextField("motif de la levée", blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "gel juridique"
        ordering = ["-placed_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["household"], condition=models.Q(lifted_at__isnull=True), name="legal_hold_one_active"
            )
        ]

    def __str__(self):
        return f"Gel juridique du ménage {self.household_id}"

    @property
    def active(self) -> bool:
        return self.lifted_at is None


class RetentionNotice(models.Model):
    """The warning given for one last contact: shown in the app, e-mailed to the referent once."""

    territory = models.ForeignKey(Territory, on_delete=models.PROTECT, related_name="+")
    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="retention_notices")
    last_contact_on = models.DateField("dernier contact")
    warned_on = models.DateField("averti le")
    purge_on = models.DateField("anonymisation prévue le")
    emailed_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "avertissement de fin de conservation"
        ordering = ["purge_on", "pk"]
        constraints = [models.UniqueConstraint(fields=["household", "last_contact_on"], name="retention_notice_once")]

    def __str__(self):
        return f"Avertissement du {self.warned_on:%d/%m/%Y}"


class Anonymisation(models.Model):
    """That a household was anonymised, and when (its last contact kept to the month only)."""

    territory = models.ForeignKey(Territory, on_delete=models.PROTECT, related_name="+")
    household = models.OneToOneField(Household, on_delete=models.PROTECT, related_name="anonymisation")
    last_contact_month = models.DateField("mois du dernier contact")
    performed_on = models.DateField("anonymisé le")
    performed_at = models.DateTimeField(default=timezone.now)
    rows = models.JSONField("lignes traitées par table", default=dict)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "anonymisation"
        ordering = ["-performed_at", "-pk"]

    def __str__(self):
        return f"Anonymisation du {self.performed_on:%d/%m/%Y}"
