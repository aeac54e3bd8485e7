"""Accompaniment measures (spec 2): types as versioned data, measures and their life cycle,
reviews, renewals and their approvals, meetings, staff, partners, outcomes, alerts, funding and
monthly statements.

Writes go through `services.py`, which asks the pure engines (`lifecycle.py`, `rules.py`) first,
checks the measure's version (no lost update) and appends to the measure's transition log.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from lda.access.querysets import AppendOnlyQuerySet, ScopedQuerySet
from lda.accounts.models import ApiToken, Organisation, Territory
from lda.households.codes import Sensitive
from lda.households.models import Household, Orientation
from lda.measures import codes
from lda.measures.rules import TypeRules


class MeasureType(models.Model):
    """A kind of measure a territory runs (VIAL, FNAVDL…). Its rules live in versions."""

    territory = models.ForeignKey(Territory, on_delete=models.PROTECT, related_name="measure_types")
    code = models.SlugField("code", max_length=30)
    name = models.CharField("nom", max_length=120)
    is_active = models.BooleanField("proposé aux orientations", default=True)
    # A type whose very name tells a sensitive category (Un chez-soi d'abord: severe psychiatric
    # disorders): its measures are seen through the household file only past the second gate.
    reveals = models.CharField(
        "le type révèle une catégorie sensible",
        max_length=20,
        choices=Sensitive.choices,
        blank=True,
        help_text="Une mesure de ce type n'est montrée qu'aux personnes qui voient cette catégorie du dossier.",
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "type de mesure"
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["territory", "code"], name="measure_type_code_unique")]

    def __str__(self):
        return self.name

    @property
    def current(self) -> "MeasureTypeVersion":
        return self.versions.order_by("-number").first()


class MeasureTypeVersion(models.Model):
    """The rules of a type from a version on. Never edited: a change makes a new version, and a
    running measure keeps the version it started with."""

    measure_type = models.ForeignKey(MeasureType, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField("version")
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    change_note = models.CharField("motif du changement", max_length=300, blank=True)

    target_public = models.TextField("public visé")
    orienting_by = models.TextField("qui oriente")
    standard_months = models.PositiveSmallIntegerField("durée standard (mois)", validators=[MinValueValidator(1)])
    max_months = models.PositiveSmallIntegerField("durée maximale absolue (mois)", validators=[MinValueValidator(1)])
    pre_housing_months = models.PositiveSmallIntegerField(
        "début possible avant l'entrée dans le logement (mois)", null=True, blank=True
    )
    pre_housing_reduces_sliding_lease = models.BooleanField("le bail glissant est réduit d'autant", default=False)
    review_months = models.JSONField("bilans (mois)", default=list, blank=True)
    informal_review_months = models.JSONField("bilans informels (mois)", default=list, blank=True)
    renewal_step_months = models.PositiveSmallIntegerField("durée d'un renouvellement (mois, au plus)", default=0)
    renewal_cap_months = models.PositiveSmallIntegerField("cumul des renouvellements (mois, au plus)", default=0)
    renewal_approvers = models.JSONField("accord d'un renouvellement", default=list, blank=True)
    derogation_months = models.PositiveSmallIntegerField("renouvellement dérogatoire (mois, au plus)", default=0)
    derogation_approvers = models.JSONField("accords d'une dérogation", default=list, blank=True)
    meetings_per_week = models.PositiveSmallIntegerField("rencontres par semaine (au moins)", default=0)
    home_visits_per_week = models.PositiveSmallIntegerField("visites à domicile par semaine (au moins)", default=0)
    availability = models.TextField("disponibilité de l'équipe", blank=True)
    unit_cost = models.DecimalField(
        "coût par ménage et par an (€)", max_digits=10, decimal_places=2, validators=[MinValueValidator(0)]
    )
    advance_share = models.DecimalField(
        "part versée en avance",
        max_digits=4,
        decimal_places=3,
        default=Decimal("0"),
        validators=[MinValueValidator(0), MaxValueValidator(1)],
    )
    indirect_cost_cap = models.DecimalField(
        "plafond des charges directes et indirectes, hors frais de personnel (part du montant versé)",
        max_digits=4,
        decimal_places=3,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(1)],
    )
    monthly_aid = models.DecimalField(
        "aide mensuelle au ménage (€)", max_digits=8, decimal_places=2, null=True, blank=True
    )
    monthly_count = models.BooleanField("comptage mensuel transmis à la coordination", default=True)
    re_entry = models.BooleanField("droit au recommencement (allers-retours possibles)", default=True)
    hand_over_required = models.BooleanField("la sortie nomme le relais de droit commun", default=False)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "version d'un type de mesure"
        ordering = ["measure_type", "-number"]
        constraints = [models.UniqueConstraint(fields=["measure_type", "number"], name="measure_type_version_unique")]

    def __str__(self):
        return f"{self.measure_type.name} — version {self.number}"

    def save(self, *args, **kwargs):
        if self.pk:
            raise TypeError("Une version de type de mesure ne se modifie pas : créez une nouvelle version.")
        super().save(*args, **kwargs)

    def rules(self) -> TypeRules:
        return TypeRules(
            standard_months=self.standard_months,
            max_months=self.max_months,
            pre_housing_months=self.pre_housing_months,
            pre_housing_reduces_sliding_lease=self.pre_housing_reduces_sliding_lease,
            review_months=tuple(self.review_months),
            informal_review_months=tuple(self.informal_review_months),
            renewal_step_months=self.renewal_step_months,
            renewal_cap_months=self.renewal_cap_months,
            renewal_approvers=tuple(self.renewal_approvers),
            derogation_months=self.derogation_months,
            derogation_approvers=tuple(self.derogation_approvers),
            meetings_per_week=self.meetings_per_week,
            home_visits_per_week=self.home_visits_per_week,
        )


class StaffMember(models.Model):
    """A member of an operator's multidisciplinary team (with or without an account)."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="staff")
    first_name = models.CharField("prénom", max_length=80)
    last_name = models.CharField("nom", max_length=80)
    profession = models.CharField("profession", max_length=30, choices=codes.Profession.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    is_active = models.BooleanField("dans l'équipe", default=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "membre de l'équipe"
        ordering = ["last_name", "first_name"]

    def __str__(self):
        return f"{self.first_name} {self.last_name} ({self.get_profession_display()})"


class Measure(models.Model):
    territory = models.ForeignKey(Territory, on_delete=models.PROTECT, related_name="measures")
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="measures")
    type_version = models.ForeignKey(
        MeasureTypeVersion, on_delete=models.PROTECT, related_name="measures", verbose_name="type de mesure"
    )
    operator = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="measures", verbose_name="opérateur"
    )
    referent = models.ForeignKey(
        StaffMember,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="measures",
        verbose_name="référent·e de la mesure",
    )
    orientation = models.ForeignKey(Orientation, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    # "Droit au recommencement": a measure started again after an end points to the previous one.
    previous = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    status = models.CharField(
        "état", max_length=20, choices=codes.MeasureStatus.choices, default=codes.MeasureStatus.ORIENTED
    )
    oriented_on = models.DateField("orientée le")
    contract_signed_on = models.DateField("contrat signé le", null=True, blank=True)
    sent_on = models.DateField("transmise le", null=True, blank=True)
    activated_on = models.DateField("activée le", null=True, blank=True)
    activated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    housing_entry_on = models.DateField("entrée dans le logement le", null=True, blank=True)
    sliding_lease = models.BooleanField("sous-location avec bail glissant", default=False)
    ended_on = models.DateField("terminée le", null=True, blank=True)
    end_reason = models.CharField("motif de fin", max_length=20, choices=codes.EndReason.choices, blank=True)
    follow_on = models.CharField("relais de droit commun", max_length=20, choices=codes.FollowOn.choices, blank=True)
    follow_on_name = models.CharField("service qui prend le relais", max_length=200, blank=True)
    # Computed by the rule engine at every write, so that lists and alerts need no engine call.
    planned_end_on = models.DateField("fin prévue le", null=True, blank=True)
    next_review_on = models.DateField("prochain bilan le", null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "mesure d'accompagnement"
        verbose_name_plural = "mesures d'accompagnement"
        ordering = ["-oriented_on", "-pk"]
        indexes = [
            models.Index(fields=["operator", "status"], name="measure_caseload_idx"),
            models.Index(fields=["territory", "status"], name="measure_territory_idx"),
        ]

    def __str__(self):
        return f"{self.type_version.measure_type.name} — {self.household.reference}"

    @property
    def rules(self) -> TypeRules:
        return self.type_version.rules()


class MeasureDocument(models.Model):
    """A document attached to a measure (the signed contract), kept in the database so that the
    backup holds it and access goes through the measure's policy."""

    class Kind(models.TextChoices):
        CONTRACT = "contract", "Contrat d'accompagnement signé"
        REVIEW = "review", "Bilan"
        OTHER = "other", "Autre document"

    measure = models.ForeignKey(Measure, on_delete=models.PROTECT, related_name="documents")
    kind = models.CharField("type de document", max_length=20, choices=Kind.choices)
    filename = models.CharField("nom du fichier", max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    content = models.BinaryField()
    uploaded_at = models.DateTimeField(default=timezone.now)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "document"
        ordering = ["-uploaded_at"]

    def __str__(self):
        return self.filename


class MeasureEventKind(models.TextChoices):
    ORIENTED = "oriented", "Orientée vers la mesure"
    CONTRACT_RECORDED = "contract_recorded", "Contrat signé enregistré"
    SENT = "sent", "Contrat transmis à la coordination"
    SENT_BACK = "sent_back", "Contrat renvoyé à l'opérateur"
    ACTIVATED = "activated", "Mesure activée"
    ENTRY_RECORDED = "entry_recorded", "Entrée dans le logement"
    REVIEW_RECORDED = "review_recorded", "Bilan enregistré"
    RENEWAL_REQUESTED = "renewal_requested", "Renouvellement demandé"
    RENEWAL_APPROVAL = "renewal_approval", "Avis sur un renouvellement"
    RENEWAL_DECIDED = "renewal_decided", "Renouvellement accordé ou refusé"
    REFERENT_CHANGED = "referent_changed", "Référent·e de la mesure modifié·e"
    ENDED = "ended", "Mesure terminée"
    ABANDONED = "abandoned", "Mesure abandonnée avant activation"


class MeasureEvent(models.Model):
    """The transition log of a measure: append-only, codes only in the payload."""

    APPEND_ONLY = "Le journal d'une mesure ne se modifie ni ne se supprime."

    measure = models.ForeignKey(Measure, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField("événement", max_length=30, choices=MeasureEventKind.choices)
    occurred_on = models.DateField("date")
    recorded_at = models.DateTimeField(default=timezone.now)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    organisation = models.ForeignKey(Organisation, on_delete=models.SET_NULL, null=True, related_name="+")
    payload = models.JSONField(default=dict, blank=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = "événement d'une mesure"
        ordering = ["occurred_on", "recorded_at", "pk"]

    def __str__(self):
        return self.get_kind_display()

    def save(self, *args, **kwargs):
        if self.pk:
            raise TypeError(self.APPEND_ONLY)
        super().save(*args, **kwargs)


class Review(models.Model):
    """A review (bilan): which scheduled one it is, what intensity is agreed for the next period."""

    measure = models.ForeignKey(Measure, on_delete=models.PROTECT, related_name="reviews")
    month = models.PositiveSmallIntegerField("bilan du mois")
    held_on = models.DateField("tenu le")
    informal = models.BooleanField("informel", default=False)
    meetings_per_week = models.PositiveSmallIntegerField("rencontres par semaine convenues")
    home_visits_per_week = models.PositiveSmallIntegerField("visites à domicile par semaine convenues")
    shared_with_coordinator = models.BooleanField("partagé avec la coordination", default=False)
    # Sensitive free text: behind the second gate, like the household's notes.
    obstacles = models.TextField("freins et éléments de compréhension", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "bilan"
        ordering = ["month"]
        constraints = [models.UniqueConstraint(fields=["measure", "month"], name="review_month_unique")]

    def __str__(self):
        return f"Bilan à {self.month} mois"


class RenewalRequest(models.Model):
    measure = models.ForeignKey(Measure, on_delete=models.PROTECT, related_name="renewals")
    requested_on = models.DateField("demandé le")
    months = models.PositiveSmallIntegerField("durée demandée (mois)")
    derogation = models.BooleanField("à titre dérogatoire", default=False)
    status = models.CharField(
        "état", max_length=20, choices=codes.RenewalStatus.choices, default=codes.RenewalStatus.REQUESTED
    )
    decided_on = models.DateField("décidé le", null=True, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "demande de renouvellement"
        ordering = ["requested_on", "pk"]
        constraints = [
            # One request waiting at a time per measure.
            models.UniqueConstraint(
                fields=["measure"], condition=models.Q(status="requested"), name="one_pending_renewal"
            )
        ]

    def __str__(self):
        kind = "dérogatoire" if self.derogation else "ordinaire"
        return f"Renouvellement {kind} de {self.months} mois"


class RenewalApproval(models.Model):
    """One approver's opinion on a renewal: who, for which authority, when, agreeing or not."""

    request = models.ForeignKey(RenewalRequest, on_delete=models.PROTECT, related_name="approvals")
    approver = models.CharField("au titre de", max_length=30, choices=codes.APPROVER_CHOICES)
    approved = models.BooleanField("accord")
    # A person, or an organisation's API token acting for it (then `user` is empty).
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    api_token = models.ForeignKey(ApiToken, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(default=timezone.now)
    comment = models.CharField("commentaire", max_length=500, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "avis sur un renouvellement"
        ordering = ["decided_at"]
        constraints = [models.UniqueConstraint(fields=["request", "approver"], name="one_approval_per_approver")]

    def __str__(self):
        return f"{self.get_approver_display()} : {'accord' if self.approved else 'refus'}"


class Meeting(models.Model):
    measure = models.ForeignKey(Measure, on_delete=models.PROTECT, related_name="meetings")
    held_on = models.DateField("date")
    kind = models.CharField("type de rencontre", max_length=20, choices=codes.MeetingKind.choices)
    duration_minutes = models.PositiveSmallIntegerField(
        "durée (minutes)", validators=[MinValueValidator(1), MaxValueValidator(720)]
    )
    staff = models.ForeignKey(
        StaffMember,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="meetings",
        verbose_name="intervenant·e",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "rencontre"
        ordering = ["-held_on", "-pk"]
        indexes = [models.Index(fields=["measure", "held_on"], name="meeting_week_idx")]

    def __str__(self):
        return f"{self.get_kind_display()} du {self.held_on:%d/%m/%Y}"


class PartnerMobilisation(models.Model):
    measure = models.ForeignKey(Measure, on_delete=models.PROTECT, related_name="partners")
    kind = models.CharField("partenaire", max_length=30, choices=codes.PartnerKind.choices)
    category = models.CharField("catégorie", max_length=20, choices=codes.PartnerCategory.choices)
    name = models.CharField("nom de la structure", max_length=200, blank=True)
    since = models.DateField("mobilisé depuis le")
    until = models.DateField("jusqu'au", null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "partenaire mobilisé"
        ordering = ["category", "kind"]

    def __str__(self):
        return self.name or self.get_kind_display()


class Outcome(models.Model):
    """A result recorded at a review or at the end (the VIAL evaluation indicators read these)."""

    measure = models.ForeignKey(Measure, on_delete=models.PROTECT, related_name="outcomes")
    review = models.ForeignKey(Review, on_delete=models.PROTECT, null=True, blank=True, related_name="outcomes")
    kind = models.CharField("résultat", max_length=20, choices=codes.OutcomeKind.choices)
    contract_type = models.CharField("type de contrat", max_length=20, choices=codes.ContractType.choices, blank=True)
    recorded_on = models.DateField("constaté le")
    at_end = models.BooleanField("constaté à la fin de la mesure", default=False)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "résultat"
        ordering = ["recorded_on", "pk"]

    def __str__(self):
        return self.get_kind_display()


class Alert(models.Model):
    """Something a person must act on. Raised once per (measure, kind, due date, audience) — the
    daily job may run any number of times — and e-mailed once."""

    class Audience(models.TextChoices):
        COORDINATOR = "coordinator", "Coordination"
        OPERATOR = "operator", "Opérateur"
        APPROVER = "approver", "Personne devant donner son accord"

    territory = models.ForeignKey(Territory, on_delete=models.PROTECT, related_name="+")
    measure = models.ForeignKey(Measure, on_delete=models.PROTECT, related_name="alerts")
    kind = models.CharField("alerte", max_length=30, choices=codes.AlertKind.choices)
    due_on = models.DateField("échéance")
    audience = models.CharField("destinataires", max_length=20, choices=Audience.choices)
    # For approvers: the approver code (e.g. chef_slisl); empty otherwise.
    approver = models.CharField(max_length=30, blank=True)
    raised_at = models.DateTimeField(default=timezone.now)
    emailed_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "alerte"
        ordering = ["closed_at", "due_on", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["measure", "kind", "due_on", "audience", "approver"], name="alert_once")
        ]
        indexes = [models.Index(fields=["territory", "audience", "closed_at"], name="alert_inbox_idx")]

    def __str__(self):
        return self.get_kind_display()


class FundingAgreement(models.Model):
    """The yearly agreement (convention) between the funder and an operator for one type."""

    territory = models.ForeignKey(Territory, on_delete=models.PROTECT, related_name="+")
    operator = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="funding_agreements")
    measure_type = models.ForeignKey(MeasureType, on_delete=models.PROTECT, related_name="funding_agreements")
    year = models.PositiveSmallIntegerField("année")
    signed_on = models.DateField("convention signée le", null=True, blank=True)
    households_funded = models.PositiveIntegerField("ménages financés sur l'année")
    advance_paid = models.DecimalField("avance versée (€)", max_digits=12, decimal_places=2, default=Decimal("0"))
    # Seed 003: "les charges directes et indirectes, plafonnées à hauteur de 25% maximum du montant
    # versé" — the ceiling covers both; personnel costs are the other heading (decision 0025).
    direct_costs = models.DecimalField(
        "charges directes déclarées, hors frais de personnel (€)",
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
    )
    indirect_costs = models.DecimalField(
        "charges indirectes déclarées (€)", max_digits=12, decimal_places=2, null=True, blank=True
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "convention de financement"
        ordering = ["-year", "operator__name"]
        constraints = [
            models.UniqueConstraint(fields=["operator", "measure_type", "year"], name="one_agreement_per_year")
        ]

    def __str__(self):
        return f"{self.measure_type.name} {self.year} — {self.operator.name}"


class MonthlyStatement(models.Model):
    """The month's count as the operator sent it to the coordinator (a snapshot of the figures
    computed from the records; sending again replaces it and says so)."""

    territory = models.ForeignKey(Territory, on_delete=models.PROTECT, related_name="+")
    operator = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="monthly_statements")
    year = models.PositiveSmallIntegerField("année")
    month = models.PositiveSmallIntegerField("mois", validators=[MinValueValidator(1), MaxValueValidator(12)])
    figures = models.JSONField("chiffres transmis")
    sent_at = models.DateTimeField("transmis le", default=timezone.now)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    revision = models.PositiveSmallIntegerField("envoi n°", default=1)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "relevé mensuel"
        ordering = ["-year", "-month"]
        constraints = [models.UniqueConstraint(fields=["operator", "year", "month"], name="one_statement_per_month")]

    def __str__(self):
        return f"Relevé {self.month:02d}/{self.year} — {self.operator.name}"
