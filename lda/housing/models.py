"""Housing supply and matching (spec 3): units and residences, private-housing capture and its
targets, contingents, the scoring grid and the territory's matching rules (both versioned),
matching runs, proposals and their life cycle, refusal reasons.

Writes go through `services.py`, which asks `lifecycle.py` first, locks the rows it changes,
checks versions (no lost update) and appends to the logs. The engine (`matching.py`, pure) reads
the inputs the adapter (`adapter.py`) builds from these models.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from lda.access.querysets import AppendOnlyQuerySet, ScopedQuerySet
from lda.accounts.models import Organisation, Territory
from lda.households.models import Household
from lda.housing import codes
from lda.housing.codes import ProposalStatus as P
from lda.tasks.models import Task

MONEY = {"max_digits": 9, "decimal_places": 2, "validators": [MinValueValidator(0)]}


class Residence(models.Model):
    """A supported-housing residence (pension de famille, résidence accueil, résidence sociale,
    FJT). It hands `siao_share` of its freed units to the SIAO (30 %, seed 002 action 7)."""

    territory = models.ForeignKey(Territory, on_delete=models.PROTECT, related_name="residences")
    name = models.CharField("nom", max_length=200)
    kind = models.CharField(
        "type", max_length=30, choices=[(k, codes.UnitKind(k).label) for k in sorted(codes.RESIDENCE_KINDS)]
    )
    manager = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="residences", verbose_name="gestionnaire"
    )
    commune_insee = models.CharField("commune (code INSEE)", max_length=5)
    commune_name = models.CharField("commune", max_length=100)
    places = models.PositiveSmallIntegerField("places", validators=[MinValueValidator(1)])
    siao_share = models.DecimalField(
        "part des logements libérés confiée au SIAO",
        max_digits=4,
        decimal_places=3,
        default=Decimal("0.300"),
        validators=[MinValueValidator(0), MaxValueValidator(1)],
    )
    opened_on = models.DateField("ouverte le", null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "résidence"
        ordering = ["name"]

    def __str__(self):
        return self.name


class ContingentQuota(models.Model):
    """A reservation holder's contingent in a territory and its yearly designation target
    (Marseille: at least 30 designations a year on the municipal contingent)."""

    territory = models.ForeignKey(Territory, on_delete=models.PROTECT, related_name="contingents")
    kind = models.CharField("contingent", max_length=20, choices=codes.Contingent.choices)
    holder = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="contingents", verbose_name="réservataire"
    )
    label = models.CharField("intitulé", max_length=200)
    yearly_target = models.PositiveIntegerField("désignations visées par an", null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "contingent"
        ordering = ["label"]
        constraints = [models.UniqueConstraint(fields=["territory", "kind", "holder"], name="contingent_unique")]

    def __str__(self):
        return self.label


class Unit(models.Model):
    """A housing unit with what matching needs (spec 3) and its dated status."""

    territory = models.ForeignKey(Territory, on_delete=models.PROTECT, related_name="units")
    reference = models.CharField("référence", max_length=30)
    landlord = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="units", verbose_name="bailleur ou gestionnaire"
    )
    landlord_kind = models.CharField("type de bailleur", max_length=20, choices=codes.LandlordKind.choices)
    residence = models.ForeignKey(
        Residence, on_delete=models.PROTECT, null=True, blank=True, related_name="units", verbose_name="résidence"
    )
    contingent = models.ForeignKey(
        ContingentQuota,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="units",
        verbose_name="contingent",
    )
    contingent_kind = models.CharField("contingent", max_length=20, choices=codes.Contingent.choices)
    address = models.CharField("adresse", max_length=300)
    commune_insee = models.CharField("commune (code INSEE)", max_length=5)
    commune_name = models.CharField("commune", max_length=100)
    qpv = models.BooleanField("en quartier prioritaire (QPV)", default=False)
    kind = models.CharField("type de logement", max_length=30, choices=codes.UnitKind.choices)
    typology = models.PositiveSmallIntegerField("typologie", choices=codes.Typology.choices)
    surface = models.DecimalField("surface (m²)", max_digits=6, decimal_places=1, validators=[MinValueValidator(1)])
    floor = models.SmallIntegerField("étage", default=0, validators=[MinValueValidator(-2), MaxValueValidator(60)])
    lift = models.BooleanField("ascenseur", default=False)
    wheelchair_accessible = models.BooleanField("accessible en fauteuil roulant", default=False)
    rent = models.DecimalField("loyer mensuel (€)", **MONEY)
    charges = models.DecimalField("charges mensuelles (€)", **MONEY)
    available_on = models.DateField("disponible le", null=True, blank=True)
    status = models.CharField(
        "état", max_length=20, choices=codes.UnitStatus.choices, default=codes.UnitStatus.AVAILABLE
    )
    status_since = models.DateField("état depuis le", default=timezone.localdate)
    capture_mode = models.CharField("mode de captation", max_length=20, choices=codes.CaptureMode.choices, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "logement"
        ordering = ["reference"]
        constraints = [models.UniqueConstraint(fields=["territory", "reference"], name="unit_reference_unique")]
        indexes = [models.Index(fields=["territory", "status"])]

    def __str__(self):
        return f"{self.reference} — {self.get_typology_display()} {self.commune_name}"

    @property
    def housing_cost(self) -> Decimal:
        return self.rent + self.charges


class UnitEvent(models.Model):
    """Every dated status change of a unit (append-only). `to_siao`: a freed residence unit handed
    to the SIAO (None when not a residence unit)."""

    APPEND_ONLY = "L'historique d'un logement ne se modifie ni ne se supprime."

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="events")
    action = models.CharField("action", max_length=20)
    status_from = models.CharField("de", max_length=20, choices=codes.UnitStatus.choices, blank=True)
    status_to = models.CharField("vers", max_length=20, choices=codes.UnitStatus.choices)
    occurred_on = models.DateField("date")
    to_siao = models.BooleanField("confié au SIAO", null=True, blank=True)
    note = models.CharField("précision", max_length=300, blank=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    organisation = models.ForeignKey(Organisation, on_delete=models.SET_NULL, null=True, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = "changement d'état d'un logement"
        ordering = ["occurred_on", "pk"]

    def __str__(self):
        return f"{self.unit_id} : {self.status_from or '—'} → {self.status_to} ({self.occurred_on:%d/%m/%Y})"

    def save(self, *args, **kwargs):
        if self.pk:
            raise TypeError(self.APPEND_ONLY)
        super().save(*args, **kwargs)


class CaptureTarget(models.Model):
    """A capture target of a territory, per mode or all modes (Grenoble: 285 units by end 2023,
    225 under mandate and 60 sublet, 210 reserved for Housing First households)."""

    territory = models.ForeignKey(Territory, on_delete=models.PROTECT, related_name="capture_targets")
    label = models.CharField("intitulé", max_length=200)
    mode = models.CharField("mode", max_length=20, choices=codes.CaptureMode.choices, blank=True)
    starts_on = models.DateField("à partir du")
    ends_on = models.DateField("échéance")
    units = models.PositiveIntegerField("logements visés", validators=[MinValueValidator(1)])
    reserved_for_housing_first = models.PositiveIntegerField("dont réservés au Logement d'abord", null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "objectif de captation"
        ordering = ["ends_on", "label"]

    def __str__(self):
        return self.label


class CaptureProspect(models.Model):
    """One private unit being captured: owner contacted → visit → agreement or refusal (reason) →
    mode → unit available. The owner is named only as much as the agency needs."""

    territory = models.ForeignKey(Territory, on_delete=models.PROTECT, related_name="prospects")
    operator = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="prospects", verbose_name="structure qui capte"
    )
    owner_label = models.CharField("propriétaire (nom ou intitulé)", max_length=200)
    address = models.CharField("adresse", max_length=300)
    commune_insee = models.CharField("commune (code INSEE)", max_length=5)
    commune_name = models.CharField("commune", max_length=100)
    typology = models.PositiveSmallIntegerField("typologie", choices=codes.Typology.choices)
    surface = models.DecimalField("surface (m²)", max_digits=6, decimal_places=1, validators=[MinValueValidator(1)])
    rent_asked = models.DecimalField("loyer demandé (€)", **MONEY)
    stage = models.CharField(
        "étape", max_length=20, choices=codes.CaptureStage.choices, default=codes.CaptureStage.CONTACTED
    )
    contacted_on = models.DateField("contacté le")
    visited_on = models.DateField("visité le", null=True, blank=True)
    decided_on = models.DateField("décision le", null=True, blank=True)
    refusal_reason = models.CharField("motif du refus", max_length=20, choices=codes.CaptureRefusal.choices, blank=True)
    mode = models.CharField("mode", max_length=20, choices=codes.CaptureMode.choices, blank=True)
    reserved_for_housing_first = models.BooleanField("réservé au Logement d'abord", default=True)
    unit = models.OneToOneField(Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="prospect")
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "captation"
        ordering = ["-contacted_on", "pk"]

    def __str__(self):
        return f"{self.get_typology_display()} {self.commune_name} ({self.get_stage_display()})"


class Incentive(models.Model):
    """An incentive paid to an owner (Alpes-de-Haute-Provence: 2 000 € per captured unit, again in
    sublease mode at each new family)."""

    prospect = models.ForeignKey(CaptureProspect, on_delete=models.PROTECT, related_name="incentives")
    reason = models.CharField("motif", max_length=20, choices=codes.IncentiveReason.choices)
    amount = models.DecimalField(
        "montant (€)", max_digits=9, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))]
    )
    paid_on = models.DateField("versée le")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "prime"
        ordering = ["paid_on", "pk"]

    def __str__(self):
        return f"{self.get_reason_display()} : {self.amount} €"


class ScoringGrid(models.Model):
    """One version of a territory's scoring grid (cotation). Never edited: a change is a new
    version, and every score names the version it was computed with."""

    territory = models.ForeignKey(Territory, on_delete=models.PROTECT, related_name="scoring_grids")
    number = models.PositiveIntegerField("version")
    # [{"code", "label", "points", "per_month", "cap_months"}]; the codes are those `adapter.CRITERIA` derives.
    criteria = models.JSONField("critères")
    wish_points = models.JSONField("points par rang de vœu de commune", default=list)
    later_wish_points = models.IntegerField("points d'une commune au-delà", default=0)
    any_commune_points = models.IntegerField("points quand toute commune convient", default=0)
    # Whether a household's refusal lowers its score, and by how many points (off by default).
    refusal_lowers_priority = models.BooleanField("un refus non légitime abaisse la cotation", default=False)
    refusal_penalty = models.PositiveIntegerField("points retirés par refus non légitime", default=0)
    note = models.CharField("motif du changement", max_length=300)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "grille de cotation"
        ordering = ["territory", "-number"]
        constraints = [models.UniqueConstraint(fields=["territory", "number"], name="scoring_grid_version_unique")]

    def __str__(self):
        return f"Grille de cotation v{self.number}"

    def save(self, *args, **kwargs):
        if self.pk:
            raise TypeError("Une version de grille ne se modifie pas : créez une nouvelle version.")
        super().save(*args, **kwargs)


class MatchingRules(models.Model):
    """One version of a territory's hard constraints (spec 3: all configurable per territory)."""

    territory = models.ForeignKey(Territory, on_delete=models.PROTECT, related_name="matching_rules")
    number = models.PositiveIntegerField("version")
    max_effort_rate = models.DecimalField(
        "taux d'effort maximal après aide au logement",
        max_digits=4,
        decimal_places=3,
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(1)],
    )
    min_daily_rest_per_uc = models.DecimalField(
        "reste à vivre minimal par unité de consommation et par jour (€)",
        max_digits=6,
        decimal_places=2,
        validators=[MinValueValidator(0)],
    )
    max_active_proposals = models.PositiveSmallIntegerField(
        "propositions en cours par ménage, au plus", default=1, validators=[MinValueValidator(1), MaxValueValidator(3)]
    )
    # {"1": [1, 2], …, "8": [5, 6]}: household size → typologies (the last key: that size and more).
    typologies_by_size = models.JSONField("typologies selon la taille du ménage")
    # {"pension_de_famille": {"max_persons": 1, "publics": ["exclusion_longue"]}, …}
    kind_rules = models.JSONField("publics des logements spécifiques")
    open_contingents = models.JSONField("contingents ouverts à tous")
    note = models.CharField("motif du changement", max_length=300)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "règles de rapprochement"
        ordering = ["territory", "-number"]
        constraints = [models.UniqueConstraint(fields=["territory", "number"], name="matching_rules_version_unique")]

    def __str__(self):
        return f"Règles de rapprochement v{self.number}"

    def save(self, *args, **kwargs):
        if self.pk:
            raise TypeError("Une version des règles ne se modifie pas : créez une nouvelle version.")
        super().save(*args, **kwargs)


class DemandProfile(models.Model):
    """What matching needs beyond the household file: contingents it is eligible to (Action
    Logement for employees), the publics of specific units it belongs to, and the housing benefit
    estimated for the size it asks."""

    household = models.OneToOneField(Household, on_delete=models.CASCADE, related_name="demand_profile")
    contingents = models.JSONField("contingents réservés auxquels le ménage est éligible", default=list, blank=True)
    publics = models.JSONField("publics des logements spécifiques", default=list, blank=True)
    housing_benefit = models.DecimalField("aide au logement estimée (€ par mois)", default=Decimal("0"), **MONEY)
    typologies = models.JSONField("typologies souhaitées", default=list, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "profil de demande"

    def __str__(self):
        return f"Profil de demande du ménage {self.household_id}"


class MatchingRun(models.Model):
    """One run of the engine over the territory's available units, in the background."""

    territory = models.ForeignKey(Territory, on_delete=models.PROTECT, related_name="matching_runs")
    status = models.CharField("état", max_length=10, choices=codes.RunStatus.choices, default=codes.RunStatus.QUEUED)
    # The background task that runs it: its page shows the progress.
    task = models.OneToOneField(Task, on_delete=models.SET_NULL, null=True, blank=True, related_name="matching_run")
    grid = models.ForeignKey(ScoringGrid, on_delete=models.PROTECT, related_name="runs")
    rules = models.ForeignKey(MatchingRules, on_delete=models.PROTECT, related_name="runs")
    method = models.CharField("méthode", max_length=20, default="moteur")
    launched_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    launched_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Counts and timings, the fairness report (codes and counts only: no names), the error if any.
    stats = models.JSONField(default=dict, blank=True)
    fairness = models.JSONField(default=dict, blank=True)
    error = models.CharField(max_length=500, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "rapprochement"
        ordering = ["-launched_at", "-pk"]

    def __str__(self):
        return f"Rapprochement du {timezone.localtime(self.launched_at):%d/%m/%Y %H:%M}"

    @property
    def state(self) -> str:
        """Done once its proposals are written; before, as its task stands (a failed task rolled
        the run's writes back)."""
        if self.status == codes.RunStatus.DONE or self.task is None:
            return self.status
        return {"queued": codes.RunStatus.QUEUED, "running": codes.RunStatus.RUNNING}.get(
            self.task.status, codes.RunStatus.FAILED
        )


class RefusalReason(models.Model):
    """The maintained taxonomy of refusals: who refuses (household, landlord, holder) and whether
    the reason is legitimate. Shipped reasons are installed per territory; the administrator adds."""

    territory = models.ForeignKey(Territory, on_delete=models.PROTECT, related_name="refusal_reasons")
    code = models.SlugField("code", max_length=40)
    label = models.CharField("motif", max_length=200)
    side = models.CharField("refus du fait de", max_length=10, choices=codes.RefusalSide.choices)
    legitimate = models.BooleanField("motif légitime")
    is_active = models.BooleanField("proposé", default=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "motif de refus"
        ordering = ["side", "label"]
        constraints = [models.UniqueConstraint(fields=["territory", "code"], name="refusal_reason_unique")]

    def __str__(self):
        return self.label


class Proposal(models.Model):
    """A household proposed for a unit, from candidate to entry (spec 3). `explanation` is the
    engine's explanation at the time (codes and figures, no names), so it stays readable as it was."""

    territory = models.ForeignKey(Territory, on_delete=models.PROTECT, related_name="proposals")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="proposals")
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="proposals")
    run = models.ForeignKey(MatchingRun, on_delete=models.PROTECT, null=True, blank=True, related_name="proposals")
    rank = models.PositiveSmallIntegerField(
        "rang dans la liste", validators=[MinValueValidator(1), MaxValueValidator(3)]
    )
    status = models.CharField("état", max_length=20, choices=codes.ProposalStatus.choices, default=P.CANDIDATE)
    score = models.IntegerField("points", default=0)
    priority = models.CharField("priorité", max_length=12, default="autre")
    grid = models.ForeignKey(ScoringGrid, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    explanation = models.JSONField("explication", default=dict, blank=True)
    committee_rank = models.PositiveSmallIntegerField(
        "rang donné par la commission", null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(3)]
    )
    committee_on = models.DateField("commission du", null=True, blank=True)
    refusal_reason = models.ForeignKey(RefusalReason, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    sent_on = models.DateField("transmise le", null=True, blank=True)
    offered_on = models.DateField("proposée au ménage le", null=True, blank=True)
    answered_on = models.DateField("réponse du ménage le", null=True, blank=True)
    lease_signed_on = models.DateField("bail signé le", null=True, blank=True)
    entered_on = models.DateField("entrée le", null=True, blank=True)
    closed_on = models.DateField("close le", null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    version = models.PositiveIntegerField(default=1)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "proposition de logement"
        ordering = ["unit", "rank", "pk"]
        indexes = [models.Index(fields=["territory", "status"]), models.Index(fields=["household", "status"])]
        constraints = [
            # A unit is allocated to one household at a time: the committee's rank 1 (or the
            # candidate moved up after it), held by the database whatever two coordinators do.
            models.UniqueConstraint(
                fields=["unit"],
                condition=Q(status__in=[P.OFFERED, P.ACCEPTED, P.LEASED]) | Q(status=P.ALLOCATED, committee_rank=1),
                name="proposal_one_holder_per_unit",
            ),
            # One household appears once among a unit's open proposals.
            models.UniqueConstraint(
                fields=["unit", "household"],
                condition=Q(status__in=sorted(codes.ACTIVE_PROPOSAL)),
                name="proposal_household_once_per_unit",
            ),
        ]

    def __str__(self):
        return f"Proposition {self.unit.reference} — {self.household.reference}"

    @property
    def is_active(self) -> bool:
        return self.status in codes.ACTIVE_PROPOSAL


class ProposalEvent(models.Model):
    """The proposal's transition log (append-only; codes only)."""

    APPEND_ONLY = "Le journal d'une proposition ne se modifie ni ne se supprime."

    proposal = models.ForeignKey(Proposal, on_delete=models.PROTECT, related_name="events")
    action = models.CharField("action", max_length=20)
    status_from = models.CharField("de", max_length=20, choices=codes.ProposalStatus.choices, blank=True)
    status_to = models.CharField("vers", max_length=20, choices=codes.ProposalStatus.choices)
    occurred_on = models.DateField("date")
    payload = models.JSONField(default=dict, blank=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    organisation = models.ForeignKey(Organisation, on_delete=models.SET_NULL, null=True, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = "événement d'une proposition"
        ordering = ["recorded_at", "pk"]

    def __str__(self):
        return f"{self.action} : {self.status_from or '—'} → {self.status_to}"

    def save(self, *args, **kwargs):
        if self.pk:
            raise TypeError(self.APPEND_ONLY)
        super().save(*args, **kwargs)
