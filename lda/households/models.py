"""The by-name list (spec 1): households, their persons, situations, referrals, orientations,
episodes on the list, the complex-case commission, and the append-only domain events.

Writes go through `services.py`, which validates, bumps the household's version (no lost update)
and appends the typed events that feed the timeline and the figures.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from lda.access.querysets import AppendOnlyQuerySet, ScopedQuerySet
from lda.accounts.models import Organisation, Territory
from lda.households import codes
from lda.households.composition import age_on
from lda.households.ethos import ETHOS_CATEGORIES, KIND_CHOICES, KINDS


class Household(models.Model):
    territory = models.ForeignKey(Territory, on_delete=models.PROTECT, related_name="households")
    reference = models.CharField("référence", max_length=20)
    status = models.CharField(
        "statut", max_length=20, choices=codes.HouseholdStatus.choices, default=codes.HouseholdStatus.REFERRED
    )
    created_by_organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", verbose_name="organisation à l'origine du dossier"
    )
    referent_organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="referred_households",
        verbose_name="organisation référente du parcours",
    )
    referent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="caseload",
        verbose_name="référent·e de parcours",
    )
    accompanying_organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="accompanied_households",
        verbose_name="organisation qui accompagne",
    )
    current_episode = models.ForeignKey(
        "Episode", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="épisode en cours"
    )
    # Denormalised from the situation history, for the list's filter and sort.
    current_ethos = models.PositiveSmallIntegerField("catégorie ETHOS actuelle", null=True, blank=True)
    entered_list_on = models.DateField("entrée sur la liste", null=True, blank=True)
    last_contact_on = models.DateField("dernier contact", null=True, blank=True)
    next_review_on = models.DateField("prochain point de situation", null=True, blank=True)

    priority_publics = models.JSONField("publics prioritaires", default=list, blank=True)
    # Social-housing demand (SNE) and DALO.
    sne_number = models.CharField("numéro unique de demande", max_length=30, blank=True)
    sne_filed_on = models.DateField("date de dépôt de la demande", null=True, blank=True)
    sne_renewed_on = models.DateField("date de renouvellement", null=True, blank=True)
    sne_active = models.BooleanField("demande active", default=False)
    dalo_recognised = models.BooleanField("reconnu prioritaire DALO", default=False)
    dalo_on = models.DateField("date de la décision DALO", null=True, blank=True)
    # Wishes: the person decides (Housing First); they constrain matching.
    accepted_communes = models.JSONField("communes acceptées (codes INSEE)", default=list, blank=True)
    refused_communes = models.JSONField("communes refusées (codes INSEE)", default=list, blank=True)
    wished_home_types = models.JSONField("types de logement souhaités", default=list, blank=True)
    has_pets = models.BooleanField("animaux de compagnie", default=False)
    needs_ground_floor = models.BooleanField("rez-de-chaussée ou ascenseur nécessaire", default=False)
    needs_accessible = models.BooleanField("logement accessible (fauteuil)", default=False)
    wants_to_live_alone = models.BooleanField("souhaite vivre seul·e", null=True, blank=True)
    # Consent (spec 6): without it, only the organisations already holding the file see it.
    consent_given = models.BooleanField("accord pour le partage", default=False)
    consent_on = models.DateField("date de l'information et de l'accord", null=True, blank=True)
    consent_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    consent_kinds = models.JSONField("catégories de partenaires autorisées", default=list, blank=True)
    # Protected file: address and whereabouts hidden from everyone but named people.
    protected = models.BooleanField("dossier protégé", default=False)
    protected_viewers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="+", verbose_name="personnes habilitées"
    )
    whereabouts = models.CharField("adresse ou lieu où joindre le ménage", max_length=300, blank=True)
    notes = models.TextField("notes", blank=True)

    # Denormalised from the persons' rights flags (codes.RIGHTS_EFFECTS): the uses stopped for the
    # whole household, so that scopes, matching and exports filter in SQL.
    rights_blocks = models.JSONField("usages suspendus (droits des personnes)", default=list, blank=True)

    merged_into = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="merged", verbose_name="fusionné dans"
    )
    version = models.PositiveIntegerField("version", default=1)
    created_at = models.DateTimeField("créé le", default=timezone.now)
    updated_at = models.DateTimeField("modifié le", default=timezone.now)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "ménage"
        ordering = ["-created_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["territory", "reference"], name="household_reference_unique")]
        indexes = [
            models.Index(fields=["territory", "status", "entered_list_on"], name="household_list_idx"),
            models.Index(fields=["referent_organisation", "status"], name="household_referent_org_idx"),
            models.Index(fields=["accompanying_organisation", "status"], name="household_accomp_org_idx"),
            models.Index(fields=["created_by_organisation"], name="household_creator_idx"),
            models.Index(fields=["referent", "status"], name="household_referent_idx"),
            # The list of followed households, in its two main orders (bench/households_list.py).
            models.Index(
                fields=["territory", "-created_at", "-id"],
                condition=models.Q(status__in=sorted(codes.ACTIVE_STATUSES)),
                name="household_active_recent_idx",
            ),
            models.Index(
                fields=["territory", "entered_list_on", "id"],
                condition=models.Q(status__in=sorted(codes.ACTIVE_STATUSES)),
                name="household_active_wait_idx",
            ),
        ]

    def __str__(self):
        return self.reference


class Person(models.Model):
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="persons")
    last_name = models.CharField("nom", max_length=100)
    first_name = models.CharField("prénom", max_length=100)
    aliases = models.CharField("autres noms ou graphies", max_length=300, blank=True)
    birth_date = models.DateField("date de naissance", null=True, blank=True)
    birth_date_precision = models.CharField(
        "précision de la date", max_length=12, choices=codes.DatePrecision.choices, default=codes.DatePrecision.DAY
    )
    sex = models.CharField("sexe", max_length=1, choices=codes.Sex.choices, default=codes.Sex.UNKNOWN)
    role = models.CharField("place dans le ménage", max_length=10, choices=codes.PersonRole.choices)
    administrative_status = models.CharField(
        "situation administrative",
        max_length=20,
        choices=codes.AdministrativeStatus.choices,
        default=codes.AdministrativeStatus.UNKNOWN,
    )
    is_head = models.BooleanField("personne de référence", default=False)
    name_key = models.CharField("clé de recherche", max_length=250, db_index=True, editable=False)
    # Rights of the person (spec 6): restriction (RGPD art. 18) and opposition (art. 21); what
    # each stops is data (codes.RIGHTS_EFFECTS), denormalised on the household (`rights_blocks`).
    rights_restricted = models.BooleanField("limitation du traitement", default=False)
    rights_restricted_on = models.DateField("limitation demandée le", null=True, blank=True)
    rights_opposed = models.BooleanField("opposition", default=False)
    rights_opposed_on = models.DateField("opposition exprimée le", null=True, blank=True)
    rights_reason = models.CharField("motif de la demande", max_length=300, blank=True)
    rights_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    merged_into = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="merged", verbose_name="fusionnée dans"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "personne"
        ordering = ["-is_head", "role", "birth_date", "pk"]
        # Duplicate detection looks up persons by birth date (lda/households/linkage.py).
        indexes = [models.Index(fields=["birth_date"], name="person_birth_idx")]

    def __str__(self):
        return f"{self.first_name} {self.last_name}"

    def clean(self):
        if self.birth_date and self.birth_date > timezone.localdate():
            raise ValidationError({"birth_date": "La date de naissance ne peut pas être dans le futur."})

    def age_on(self, day) -> int | None:
        return age_on(self.birth_date, day)

    @property
    def rights_flags(self) -> list[str]:
        flags = []
        if self.rights_restricted:
            flags.append(codes.RightsFlag.RESTRICTED)
        if self.rights_opposed:
            flags.append(codes.RightsFlag.OPPOSED)
        return flags


class Resource(models.Model):
    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="resources")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="resources", null=True, blank=True)
    kind = models.CharField("type de ressource", max_length=20, choices=codes.ResourceKind.choices)
    monthly_amount = models.DecimalField("montant mensuel (€)", max_digits=8, decimal_places=2, default=0)
    requested_on = models.DateField("droit demandé le", null=True, blank=True)
    opened_on = models.DateField("droit ouvert le", null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "ressource"
        ordering = ["pk"]

    def __str__(self):
        return self.get_kind_display()

    @property
    def rights_open(self) -> bool:
        return self.opened_on is not None

    def clean(self):
        if self.monthly_amount is not None and self.monthly_amount < 0:
            raise ValidationError({"monthly_amount": "Le montant ne peut pas être négatif."})
        if self.requested_on and self.opened_on and self.opened_on < self.requested_on:
            raise ValidationError({"opened_on": "Le droit ne peut pas être ouvert avant d'avoir été demandé."})


class Need(models.Model):
    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="needs")
    kind = models.CharField("besoin", max_length=20, choices=codes.NeedKind.choices)
    status = models.CharField("état", max_length=20, choices=codes.NeedStatus.choices, default="identified")
    updated_on = models.DateField("mis à jour le", default=timezone.localdate)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "besoin"
        ordering = ["kind"]
        constraints = [models.UniqueConstraint(fields=["household", "kind"], name="need_unique_kind")]

    def __str__(self):
        return self.get_kind_display()

    @property
    def sensitive(self) -> str | None:
        return codes.NEED_SENSITIVE.get(self.kind)


class LivingSituation(models.Model):
    """One entry of the history: never overwritten, the next one closes it (spec 1)."""

    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="situations")
    kind = models.CharField("situation", max_length=30, choices=KIND_CHOICES)
    ethos = models.PositiveSmallIntegerField(
        "catégorie ETHOS", choices=sorted(ETHOS_CATEGORIES.items()), editable=False
    )
    started_on = models.DateField("depuis le")
    ended_on = models.DateField("jusqu'au", null=True, blank=True)
    detail = models.CharField("précision", max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "situation de logement"
        ordering = ["-started_on", "-pk"]
        indexes = [
            models.Index(fields=["household", "started_on"], name="situation_history_idx"),
            models.Index(fields=["household"], condition=models.Q(ended_on__isnull=True), name="situation_current_idx"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} depuis le {self.started_on:%d/%m/%Y}"

    @property
    def sensitive(self) -> str | None:
        return KINDS[self.kind].sensitive if self.kind in KINDS else None

    def clean(self):
        if self.ended_on and self.started_on and self.ended_on < self.started_on:
            raise ValidationError({"ended_on": "Une situation ne peut pas finir avant d'avoir commencé."})


class Episode(models.Model):
    """One passage of a household through the platform; a return opens a new one linked to the old."""

    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="episodes")
    number = models.PositiveSmallIntegerField("numéro")
    opened_on = models.DateField("ouvert le")
    entered_list_on = models.DateField("entrée sur la liste", null=True, blank=True)
    left_on = models.DateField("sortie le", null=True, blank=True)
    exit_reason = models.CharField("motif de sortie", max_length=20, choices=codes.ExitReason.choices, blank=True)
    housed_in = models.CharField("type de logement", max_length=20, choices=codes.HomeType.choices, blank=True)
    previous = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="next", verbose_name="épisode précédent"
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "épisode"
        ordering = ["household", "number"]
        constraints = [models.UniqueConstraint(fields=["household", "number"], name="episode_number_unique")]

    def __str__(self):
        return f"Épisode {self.number}"


class Referral(models.Model):
    """A fiche saisine: a partner refers a new or an existing household to the platform."""

    territory = models.ForeignKey(Territory, on_delete=models.PROTECT, related_name="referrals")
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="referrals")
    referring_organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="referrals_sent", verbose_name="organisation qui oriente"
    )
    referrer_kind = models.CharField("type de prescripteur", max_length=20, choices=codes.ReferrerKind.choices)
    received_on = models.DateField("reçue le")
    summary = models.TextField("motif de la saisine", blank=True)
    status = models.CharField(
        "état", max_length=20, choices=codes.ReferralStatus.choices, default=codes.ReferralStatus.RECEIVED
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "saisine"
        ordering = ["-received_on", "-pk"]
        indexes = [models.Index(fields=["territory", "status"], name="referral_queue_idx")]

    def __str__(self):
        return f"Saisine du {self.received_on:%d/%m/%Y}"


class Orientation(models.Model):
    """The study's decision (spec 1): what is mobilised, or why not, and how long it took."""

    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="orientations")
    referral = models.ForeignKey(Referral, on_delete=models.PROTECT, null=True, blank=True, related_name="orientations")
    decision = models.CharField("décision", max_length=20, choices=codes.Decision.choices)
    measure = models.CharField("mesure mobilisée", max_length=20, choices=codes.MeasureCode.choices, blank=True)
    housing_search = models.BooleanField("recherche de logement", default=False)
    accompanying_organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="opérateur"
    )
    reason = models.CharField("motif", max_length=20, choices=codes.DecisionReason.choices, blank=True)
    comment = models.TextField("commentaire", blank=True)
    decided_on = models.DateField("décidée le")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    delay_days = models.PositiveIntegerField("délai depuis la saisine (jours)", null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "orientation"
        ordering = ["-decided_on", "-pk"]

    def __str__(self):
        return self.get_decision_display()


class Commission(models.Model):
    """A sitting of the complex-case commission (PFTA)."""

    territory = models.ForeignKey(Territory, on_delete=models.PROTECT, related_name="commissions")
    held_on = models.DateField("date")
    place = models.CharField("lieu", max_length=200, blank=True)
    attendees = models.ManyToManyField(
        Organisation, blank=True, related_name="commissions", verbose_name="organisations présentes"
    )
    held = models.BooleanField("tenue", default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "commission des parcours complexes"
        ordering = ["-held_on", "-pk"]

    def __str__(self):
        return f"Commission du {self.held_on:%d/%m/%Y}"


class CommissionCase(models.Model):
    commission = models.ForeignKey(Commission, on_delete=models.CASCADE, related_name="cases")
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="commission_cases")
    order = models.PositiveSmallIntegerField("ordre de passage", default=1)
    presented_by = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", verbose_name="présenté par"
    )
    question = models.TextField("question posée à la commission", blank=True)
    conclusion = models.TextField("conclusion", blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "situation présentée"
        ordering = ["order", "pk"]
        constraints = [models.UniqueConstraint(fields=["commission", "household"], name="commission_case_unique")]

    def __str__(self):
        return f"Situation {self.order}"


class Commitment(models.Model):
    """What one partner commits to do for a case ("each contributes part of the answer")."""

    case = models.ForeignKey(CommissionCase, on_delete=models.CASCADE, related_name="commitments")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="commitments", verbose_name="partenaire"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="commitments",
        verbose_name="personne chargée",
    )
    action = models.CharField("engagement", max_length=300)
    due_on = models.DateField("échéance")
    status = models.CharField(
        "état", max_length=20, choices=codes.CommitmentStatus.choices, default=codes.CommitmentStatus.OPEN
    )
    done_on = models.DateField("réalisé le", null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "engagement"
        ordering = ["due_on", "pk"]

    def __str__(self):
        return self.action

    def clean(self):
        if self.done_on and self.status != codes.CommitmentStatus.DONE:
            raise ValidationError({"done_on": "Une date de réalisation n'a de sens que pour un engagement réalisé."})


class MergeRecord(models.Model):
    """A merge of two households or two persons, with what moved, so that it can be undone."""

    territory = models.ForeignKey(Territory, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField("objet", max_length=10, choices=[("household", "Ménages"), ("person", "Personnes")])
    kept_id = models.BigIntegerField("conservé")
    merged_id = models.BigIntegerField("fusionné")
    moved = models.JSONField("éléments déplacés", default=dict)
    performed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    performed_at = models.DateTimeField(default=timezone.now)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    undone_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "fusion"
        ordering = ["-performed_at"]

    def __str__(self):
        return f"Fusion {self.kept_id} ← {self.merged_id}"


class EventKind(models.TextChoices):
    HOUSEHOLD_CREATED = "household_created", "Dossier créé"
    REFERRAL_RECEIVED = "referral_received", "Saisine reçue"
    STUDY_STARTED = "study_started", "Saisine mise à l'étude"
    ORIENTATION_DECIDED = "orientation_decided", "Décision d'orientation"
    LIST_ENTERED = "list_entered", "Entrée sur la liste"
    SITUATION_RECORDED = "situation_recorded", "Nouvelle situation de logement"
    PERSON_ADDED = "person_added", "Personne ajoutée au ménage"
    HOUSEHOLD_UPDATED = "household_updated", "Dossier mis à jour"
    NEED_RECORDED = "need_recorded", "Besoin mis à jour"
    RESOURCE_RECORDED = "resource_recorded", "Ressource mise à jour"
    CONSENT_RECORDED = "consent_recorded", "Accord de partage enregistré"
    PROTECTION_CHANGED = "protection_changed", "Mode dossier protégé modifié"
    REFERENT_CHANGED = "referent_changed", "Référent·e modifié·e"
    CONTACT_RECORDED = "contact_recorded", "Contact avec le ménage"
    COMMISSION_PRESENTED = "commission_presented", "Présenté en commission"
    COMMITMENT_MADE = "commitment_made", "Engagement d'un partenaire"
    COMMITMENT_CLOSED = "commitment_closed", "Engagement clos"
    LIST_LEFT = "list_left", "Sortie de la liste"
    LIST_RETURNED = "list_returned", "Retour sur la liste"
    MERGED = "merged", "Fusion de dossiers"
    MERGE_UNDONE = "merge_undone", "Fusion annulée"
    MEASURE_ACTIVATED = "measure_activated", "Mesure d'accompagnement activée"
    MEASURE_ENDED = "measure_ended", "Fin d'une mesure d'accompagnement"
    PERSON_UPDATED = "person_updated", "Personne modifiée"
    RIGHTS_RECORDED = "rights_recorded", "Demande de limitation ou d'opposition enregistrée"


class HouseholdEvent(models.Model):
    """A typed domain event: append-only; the timeline and the figures read only these."""

    APPEND_ONLY = "Les événements d'un ménage ne se modifient ni ne se suppriment."

    territory = models.ForeignKey(Territory, on_delete=models.PROTECT, related_name="+")
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="events")
    episode = models.ForeignKey(Episode, on_delete=models.PROTECT, null=True, blank=True, related_name="events")
    kind = models.CharField("événement", max_length=30, choices=EventKind.choices)
    occurred_on = models.DateField("date")
    recorded_at = models.DateTimeField("enregistré le", default=timezone.now)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    organisation = models.ForeignKey(Organisation, on_delete=models.SET_NULL, null=True, related_name="+")
    # Codes only, never free text: the payload is safe to show to whoever sees the event.
    payload = models.JSONField(default=dict, blank=True)
    sensitive = models.CharField("catégorie sensible", max_length=20, choices=codes.Sensitive.choices, blank=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = "événement"
        ordering = ["occurred_on", "recorded_at", "pk"]
        indexes = [
            models.Index(fields=["household", "occurred_on"], name="event_timeline_idx"),
            models.Index(fields=["territory", "kind", "occurred_on"], name="event_figures_idx"),
        ]

    def __str__(self):
        return self.get_kind_display()

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise TypeError(self.APPEND_ONLY)
        super().save(*args, **kwargs)


class FieldChange(models.Model):
    """One field of a household or a person changed (the rectification history, spec 6): which
    field, who, when; the old and new values only for the person's own data (`values_kept`), as
    the French text shown then. Written once by the services; it holds personal values, so the
    retention purge removes it with the household."""

    WRITTEN_ONCE = "Une ligne de l'historique des modifications ne se modifie pas."

    territory = models.ForeignKey(Territory, on_delete=models.PROTECT, related_name="+")
    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="field_changes")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, null=True, blank=True, related_name="field_changes")
    model = models.CharField("objet", max_length=20, choices=[("household", "Dossier"), ("person", "Personne")])
    field = models.CharField("champ", max_length=50)
    label = models.CharField("rubrique", max_length=120)
    section = models.CharField("catégorie", max_length=20, blank=True)  # "", a Sensitive code, or "whereabouts"
    values_kept = models.BooleanField("valeurs conservées", default=True)
    old_value = models.TextField("ancienne valeur", blank=True)
    new_value = models.TextField("nouvelle valeur", blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    organisation = models.ForeignKey(Organisation, on_delete=models.SET_NULL, null=True, related_name="+")
    at = models.DateTimeField("modifié le", default=timezone.now)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "modification d'un champ"
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["household", "at"], name="fieldchange_history_idx")]

    def __str__(self):
        return self.label

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise TypeError(self.WRITTEN_ONCE)
        super().save(*args, **kwargs)
