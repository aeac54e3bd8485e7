"""Housing supply and matching through the partners' API (spec 3): units and their status, the
capture of private housing (prospects, incentives, targets), proposals from candidate to entry,
matching runs, and the territory's refusal reasons, grid and rules.

The same rules as the pages: a token reaches only the rows `housing/scopes.py` gives its
organisation (any other answers 404); a unit's write also needs the unit to be the token's
organisation's (its landlord or manager) unless the token is the territory's coordinator; every
write goes through `housing/services.py`, `proposals.py` or `runs.py`. The permission, and the row
named in the path, are checked when the token is authenticated, before the body is read.

What a proposal shows depends on who reads it: who may open the household's file reads the
explanation (score terms, the best alternative, the head's name), without the criteria revealing a
sensitive category unless it also sees the file's sensitive sections; a landlord or holder reads
the allocation data only (no names, no score, no alternative).
"""

from datetime import date, datetime
from decimal import Decimal
from functools import wraps
from typing import Literal

from django.core.exceptions import ValidationError
from django.http import Http404
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError

from lda.access.policy import get_or_404, scope
from lda.accounts.models import Organisation
from lda.api.auth import api_permission
from lda.api.households import MAX_OFFSET, MAX_PAGE, TokenFor, errors, one_of, token_author, token_kinds
from lda.api.measures import _Renaming
from lda.audit.log import record_read, record_refusal
from lda.households.models import Household
from lda.households.scopes import coordinator_territories
from lda.households.visibility import FileFacts, access
from lda.housing import adapter, codes, lifecycle, matching, proposals, runs, services
from lda.housing.models import (
    CaptureProspect,
    CaptureTarget,
    ContingentQuota,
    MatchingRules,
    MatchingRun,
    Proposal,
    ProposalEvent,
    RefusalReason,
    Residence,
    ScoringGrid,
    Unit,
)
from lda.housing.services import Stale

router = Router(tags=["Offre de logement et rapprochement"])

# The state refuses well-formed data (a transition, a stale version, a unit already allocated):
# 409 with the service's French message, nothing saved.
REFUSED = (lifecycle.TransitionRefused, Stale, proposals.UnitTaken, runs.RunUnderWay)
P = codes.ProposalStatus


# --- the token, its permission and the row of the path --------------------------------------------


def _units():
    return Unit.objects.select_related("landlord", "residence", "contingent")


def _proposals():
    return Proposal.objects.select_related("unit", "household", "refusal_reason", "grid")


def _manages(actor, unit: Unit) -> bool:
    """A unit's write: the territory's coordinator, or the unit's landlord or manager."""
    return unit.territory_id in coordinator_territories(actor) or unit.landlord_id in actor.organisations(
        "housing.units.manage"
    )


class HousingToken(TokenFor):
    """The organisation token, holding `permission`, reaching the unit, proposal, prospect or run of
    the path (and managing the unit, or the proposal's unit, when `manage`: the committee's decision,
    the lease and the entry are the landlord's, not a reservation holder's)."""

    LOOKUPS = {
        "unit_id": ("unit", _units),
        "proposal_id": ("proposal", _proposals),
        "prospect_id": ("prospect", lambda: CaptureProspect.objects.select_related("operator", "unit")),
        "run_id": ("run", lambda: MatchingRun.objects.select_related("task", "grid", "rules")),
    }

    def __init__(self, permission: str, manage: bool = False):
        super().__init__(permission)
        self.manage = manage

    def authenticate(self, request, token):
        found = super().authenticate(request, token)
        if found is None:
            return None
        kwargs = request.resolver_match.kwargs if request.resolver_match else {}
        for key, (attribute, queryset) in self.LOOKUPS.items():
            value = str(kwargs.get(key, ""))
            if value.isdigit():
                setattr(request, f"housing_{attribute}", get_or_404(request.actor, queryset(), pk=int(value)))
        proposal = getattr(request, "housing_proposal", None)
        unit = getattr(request, "housing_unit", None) or (proposal.unit if proposal is not None else None)
        if self.manage and unit is not None and not _manages(request.actor, unit):
            record_refusal(request, object_type="unit", object_id=str(unit.pk))
            raise Http404
        return found


# One security scheme in the OpenAPI document: it is the same bearer token as the rest of the API.
HousingToken.__name__ = TokenFor.__name__


def operation(method: str, path: str, permission: str, manage: bool = False, **options):
    """A ninja operation of this router, named after its function, that needs `permission`."""

    def decorate(function):
        @wraps(function)
        def refusing(request, *args, **kwargs):
            try:
                return function(request, *args, **kwargs)
            except REFUSED as exc:
                raise HttpError(409, str(exc)) from None

        guarded = api_permission(permission)(refusing)
        auth = HousingToken(permission, manage=manage)
        router.api_operation([method], path, auth=auth, url_name=function.__name__, **options)(guarded)
        return guarded

    return decorate


def _row(request, attribute: str):
    """The row the token's authentication found for the path (it 404s before the body is read)."""
    found = getattr(request, f"housing_{attribute}", None)
    if found is None:
        raise Http404
    return found


def _territory(request):
    return request.api_token.organisation.territory


# --- schemas --------------------------------------------------------------------------------------


class Page(Schema):
    count: int


class Versioned(Schema):
    version: int = Field(description="Version lue ; refus (409) si elle a changé depuis.")


class UnitState(Schema):
    id: int
    reference: str
    status: str
    status_label: str
    status_since: date
    version: int = Field(description="À renvoyer avec la prochaine écriture ; refus (409) si elle a changé depuis.")


class UnitItem(UnitState):
    landlord_id: int
    landlord_kind: str
    residence_id: int | None
    contingent_id: int | None
    contingent_kind: str
    address: str
    commune_insee: str
    commune_name: str
    qpv: bool
    kind: str
    kind_label: str
    typology: int
    surface: float
    floor: int
    lift: bool
    wheelchair_accessible: bool
    rent: float
    charges: float
    available_on: date | None
    capture_mode: str


class UnitPage(Page):
    items: list[UnitItem]


class UnitEventOut(Schema):
    action: str
    status_from: str
    status_to: str
    occurred_on: date
    to_siao: bool | None = Field(description="Logement d'une résidence libéré : confié au SIAO ou non.")
    note: str


class ResidenceShareOut(Schema):
    freed: int
    handed: int = Field(description="Logements libérés confiés au SIAO.")
    share: float | None
    target: float = Field(description="Part à confier au SIAO (0,3 pour 30 %).")
    next_due_to_siao: bool


class NamedRef(Schema):
    id: int
    name: str


class UnitDetail(UnitItem):
    landlord: NamedRef
    residence: NamedRef | None
    contingent: NamedRef | None
    history: list[UnitEventOut] = Field(description="Chaque changement d'état daté, du plus ancien au plus récent.")
    residence_share: ResidenceShareOut | None = Field(description="Pour un logement de résidence : la part SIAO.")


class UnitFields(Schema):
    landlord_kind: one_of(codes.LandlordKind) = None
    residence_id: int | None = None
    contingent_id: int | None = None
    contingent_kind: one_of(codes.Contingent) = None
    address: str = Field(None, max_length=300)
    commune_insee: str = Field(None, max_length=5, description="Code INSEE de la commune.")
    commune_name: str = Field(None, max_length=100)
    qpv: bool = None
    kind: one_of(codes.UnitKind) = None
    typology: one_of(codes.Typology) = Field(None, description="1 à 6 (T1 à T6 et plus).")
    surface: Decimal = Field(None, description="m²")
    floor: int = None
    lift: bool = None
    wheelchair_accessible: bool = None
    rent: Decimal = Field(None, description="Loyer mensuel (€).")
    charges: Decimal = Field(None, description="Charges mensuelles (€).")
    available_on: date | None = None
    capture_mode: one_of(codes.CaptureMode, blank=True) = None


class UnitIn(Schema):
    reference: str = Field(max_length=30)
    landlord_id: int | None = Field(
        None,
        description="Le bailleur ou gestionnaire ; par défaut l'organisation du jeton (obligatoire pour la coordination).",
    )
    landlord_kind: one_of(codes.LandlordKind)
    residence_id: int | None = None
    contingent_id: int | None = None
    contingent_kind: one_of(codes.Contingent)
    address: str = Field(max_length=300)
    commune_insee: str = Field(max_length=5, description="Code INSEE de la commune.")
    commune_name: str = Field(max_length=100)
    qpv: bool = False
    kind: one_of(codes.UnitKind)
    typology: one_of(codes.Typology) = Field(description="1 à 6 (T1 à T6 et plus).")
    surface: Decimal = Field(description="m²")
    floor: int = 0
    lift: bool = False
    wheelchair_accessible: bool = False
    rent: Decimal = Field(description="Loyer mensuel (€).")
    charges: Decimal = Field(description="Charges mensuelles (€).")
    available_on: date | None = None
    capture_mode: one_of(codes.CaptureMode, blank=True) = ""
    status: Literal["available", "prospect"] = Field("available", description="Entrée dans l'offre.")
    on: date | None = Field(None, description="Date de l'état ; aujourd'hui par défaut.")


class UnitPatch(UnitFields):
    """Only the fields sent are changed. A field left out keeps its value."""

    version: int = Field(description="Version du logement lue ; refus (409) si elle a changé depuis.")
    reference: str = Field(None, max_length=30)
    landlord_id: int = Field(None, description="Le bailleur (coordination seulement).")


class MakeAvailableIn(Versioned):
    on: date | None = None


class WithdrawUnitIn(Versioned):
    note: str = Field(max_length=300, description="Pourquoi le logement est retiré de l'offre.")
    on: date | None = None


class FreeUnitIn(Versioned):
    on: date
    to_siao: bool | None = Field(None, description="Logement de résidence : confié au SIAO ? (obligatoire).")


class UnitFilters(Schema):
    statut: one_of(codes.UnitStatus) | None = Field(None, description="État du logement.")
    type: one_of(codes.UnitKind) | None = Field(None, description="Type de logement.")
    typologie: int | None = Field(None, ge=1, le=6, description="1 à 6 (T1 à T6 et plus).")
    commune: str | None = Field(None, max_length=5, description="Code INSEE de la commune.")
    limit: int = Field(50, ge=1, le=MAX_PAGE)
    offset: int = Field(0, ge=0, le=MAX_OFFSET)


class ProspectState(Schema):
    id: int
    stage: str
    stage_label: str
    version: int


class ProspectItem(ProspectState):
    operator_id: int
    owner_label: str
    address: str
    commune_insee: str
    commune_name: str
    typology: int
    surface: float
    rent_asked: float
    contacted_on: date
    visited_on: date | None
    decided_on: date | None
    refusal_reason: str
    mode: str
    reserved_for_housing_first: bool
    unit_id: int | None


class ProspectPage(Page):
    items: list[ProspectItem]


class IncentiveOut(Schema):
    id: int
    prospect_id: int
    reason: str
    reason_label: str
    amount: float
    paid_on: date


class ProspectDetail(ProspectItem):
    operator: NamedRef
    incentives: list[IncentiveOut]


class ProspectIn(Schema):
    operator_id: int | None = Field(
        None,
        description="La structure qui capte ; par défaut l'organisation du jeton (obligatoire pour la coordination).",
    )
    owner_label: str = Field(max_length=200, description="Propriétaire (nom ou intitulé), sans plus.")
    address: str = Field(max_length=300)
    commune_insee: str = Field(max_length=5)
    commune_name: str = Field(max_length=100)
    typology: one_of(codes.Typology)
    surface: Decimal
    rent_asked: Decimal
    contacted_on: date
    reserved_for_housing_first: bool = True


class VisitIn(Versioned):
    visited_on: date


class AgreementIn(Versioned):
    decided_on: date
    mode: one_of(codes.CaptureMode)


class CaptureRefusalIn(Versioned):
    decided_on: date
    refusal_reason: one_of(codes.CaptureRefusal)


class OpenUnitIn(Versioned):
    on: date = Field(description="Date de mise à disposition.")
    reference: str = Field(max_length=30)
    contingent_kind: one_of(codes.Contingent)
    charges: Decimal = Field(description="Charges mensuelles (€).")
    rent: Decimal | None = Field(None, description="Loyer ; par défaut le loyer demandé.")
    floor: int = 0
    lift: bool = False
    wheelchair_accessible: bool = False
    qpv: bool = False


class IncentiveIn(Schema):
    reason: one_of(codes.IncentiveReason)
    amount: Decimal
    paid_on: date


class ProspectFilters(Schema):
    etape: one_of(codes.CaptureStage) | None = Field(None, description="Étape de la captation.")
    limit: int = Field(50, ge=1, le=MAX_PAGE)
    offset: int = Field(0, ge=0, le=MAX_OFFSET)


class ProgressOut(Schema):
    captured: int
    reserved: int
    rate: float
    expected_by_now: int
    late: bool


class TargetOut(Schema):
    id: int
    label: str
    mode: str
    starts_on: date
    ends_on: date
    units: int
    reserved_for_housing_first: int | None
    progress: ProgressOut


class TermOut(Schema):
    code: str
    label: str
    met: bool
    value: int | float
    points: int


class AffordabilityOut(Schema):
    housing_cost: float | None
    net_cost: float | None
    effort_rate: float | None
    daily_rest_per_uc: float | None
    consumption_units: float | None


class AlternativeOut(Schema):
    unit: str | None = Field(description="Référence du meilleur autre logement possible.")
    reason: str
    pair_score: int | None
    text: str | None
    exchange_delta: int | None


class ExplanationOut(Schema):
    manual: bool = Field(description="Candidature ajoutée à la main (sans calcul du moteur).")
    tier: str | None
    tier_label: str | None
    method: str | None
    grid_version: str | None
    thresholds_version: str | None
    constraints_met: list[str]
    affordability: AffordabilityOut | None
    terms: list[TermOut] | None = Field(
        description="Points critère par critère : null pour un bailleur ; sans les critères d'une catégorie "
        "sensible pour qui ne voit pas les informations sensibles du dossier."
    )
    household_score: int | None
    pair_score: int | None
    alternative: AlternativeOut | None
    overridden: list[str] = Field(description="Souhaits du ménage dépassés (codes), toujours justifiés.")
    justification: str | None


class ProposalState(Schema):
    id: int
    status: str
    status_label: str
    version: int


class ProposalItem(ProposalState):
    unit_id: int
    unit_reference: str
    household_id: int
    household_reference: str
    run_id: int | None
    rank: int
    priority: str
    score: int | None = Field(description="null pour qui ne voit pas le détail de la cotation.")
    committee_rank: int | None
    committee_on: date | None
    refusal_reason_id: int | None
    sent_on: date | None
    offered_on: date | None
    answered_on: date | None
    lease_signed_on: date | None
    entered_on: date | None
    closed_on: date | None


class ProposalPage(Page):
    items: list[ProposalItem]


class ReasonOut(Schema):
    id: int
    code: str
    label: str
    side: str
    legitimate: bool
    is_active: bool


class CompositionOut(Schema):
    adults: int
    children: int


class ProposalEventOut(Schema):
    action: str
    status_from: str
    status_to: str
    occurred_on: date


class ProposalDetail(ProposalItem):
    view: Literal["file", "allocation"] = Field(
        description="`file` : le jeton voit le dossier du ménage ; `allocation` : les données d'attribution seules."
    )
    household_name: str | None = Field(description="Nom de la personne de référence : null pour un bailleur.")
    composition: CompositionOut
    refusal_reason: ReasonOut | None
    explanation: ExplanationOut
    history: list[ProposalEventOut]


class CandidateIn(Schema):
    household_id: int
    justification: str = Field(
        "", max_length=500, description="Obligatoire pour proposer un logement hors des communes souhaitées."
    )


class ShortlistIn(Schema):
    sent_on: date | None = None


class ShortlistOut(Schema):
    sent: int
    unit: UnitState


class DecisionIn(Versioned):
    decision: Literal["allocated", "committee_refused", "postponed"]
    committee_on: date | None = None
    committee_rank: int | None = Field(None, description="Rang donné par la commission (1, 2 ou 3).")
    refusal_reason_id: int | None = Field(None, description="Motif du refus (côté bailleur ou réservataire).")


class OfferIn(Versioned):
    offered_on: date | None = None


class AnswerIn(Versioned):
    answer: Literal["accepted", "refused"]
    answered_on: date | None = None
    refusal_reason_id: int | None = Field(None, description="Motif du refus (côté ménage).")


class LeaseIn(Versioned):
    lease_signed_on: date | None = None


class EntryIn(Versioned):
    entered_on: date | None = None


class ProposalFilters(Schema):
    statut: one_of(codes.ProposalStatus) | None = Field(None, description="État de la proposition.")
    logement: int | None = Field(None, description="Numéro (id) du logement.")
    menage: int | None = Field(None, description="Numéro (id) du ménage.")
    limit: int = Field(50, ge=1, le=MAX_PAGE)
    offset: int = Field(0, ge=0, le=MAX_OFFSET)


class RunIn(Schema):
    method: Literal[tuple(matching.METHODS)] = Field("moteur", description="« moteur » : la répartition optimale.")


class RunProgressOut(Schema):
    percent: int
    done: int
    total: int
    label: str


class RunOut(Schema):
    id: int
    state: str
    state_label: str
    method: str
    grid_version: int
    rules_version: int
    task_id: int | None
    launched_at: datetime
    finished_at: datetime | None
    progress: RunProgressOut | None
    stats: dict
    fairness: dict = Field(description="Ménages placés par palier, sexe, type de famille ; paires bloquantes.")
    error: str


class CriterionOut(Schema):
    code: str
    label: str
    points: int
    per_month: bool
    cap_months: int | None
    sensitive: bool = Field(description="Critère révélant une catégorie sensible (masqué à qui ne la voit pas).")


class GridOut(Schema):
    number: int
    criteria: list[CriterionOut]
    wish_points: list[int]
    later_wish_points: int
    any_commune_points: int
    refusal_lowers_priority: bool
    refusal_penalty: int
    note: str
    created_at: datetime


class RulesOut(Schema):
    number: int
    max_effort_rate: float
    min_daily_rest_per_uc: float
    max_active_proposals: int
    typologies_by_size: dict[str, list[int]]
    kind_rules: dict
    open_contingents: list[str]
    note: str
    created_at: datetime


# --- building answers -------------------------------------------------------------------------------


def _unit_state(unit: Unit) -> dict:
    return {
        "id": unit.pk,
        "reference": unit.reference,
        "status": unit.status,
        "status_label": codes.UnitStatus(unit.status).label,
        "status_since": unit.status_since,
        "version": unit.version,
    }


def _unit_item(unit: Unit) -> dict:
    names = ("landlord_id", "landlord_kind", "residence_id", "contingent_id", "contingent_kind", "address")
    names += ("commune_insee", "commune_name", "qpv", "kind", "typology", "floor", "lift", "wheelchair_accessible")
    return {
        **_unit_state(unit),
        **{name: getattr(unit, name) for name in names},
        "kind_label": unit.get_kind_display(),
        "surface": float(unit.surface),
        "rent": float(unit.rent),
        "charges": float(unit.charges),
        "available_on": unit.available_on,
        "capture_mode": unit.capture_mode,
    }


def _unit_detail(request, unit: Unit) -> dict:
    unit = _units().get(pk=unit.pk)
    history = scope(request.actor, unit.events.all()).order_by("occurred_on", "pk")
    return {
        **_unit_item(unit),
        "landlord": {"id": unit.landlord_id, "name": unit.landlord.name},
        "residence": {"id": unit.residence_id, "name": unit.residence.name} if unit.residence else None,
        "contingent": {"id": unit.contingent_id, "name": unit.contingent.label} if unit.contingent else None,
        "history": list(history.values(*UnitEventOut.model_fields)),
        "residence_share": services.residence_share(unit.residence) if unit.residence else None,
    }


def _in_territory(model, territory, pk, field_name: str, message: str):
    if pk is None:
        return None
    found = model.objects.filter(territory=territory, pk=pk).first()
    if found is None:
        raise ValidationError({field_name: message})
    return found


def _unit_links(territory, data: dict) -> dict:
    """`*_id` of the body as the service's related rows (a row of another territory: 422)."""
    links = {}
    if "residence_id" in data:
        links["residence"] = _in_territory(
            Residence,
            territory,
            data.pop("residence_id"),
            "residence_id",
            "Aucune résidence de ce numéro sur le territoire.",
        )
    if "contingent_id" in data:
        links["contingent"] = _in_territory(
            ContingentQuota,
            territory,
            data.pop("contingent_id"),
            "contingent_id",
            "Aucun contingent de ce numéro sur le territoire.",
        )
    return links


def _organisation(request, territory, pk, field_name: str, what: str) -> Organisation:
    """The token's own organisation, or the one a coordinator names (required then)."""
    own = request.api_token.organisation
    coordinator = territory.pk in coordinator_territories(request.actor)
    if pk is None or pk == own.pk:
        if coordinator and pk is None:
            raise ValidationError({field_name: f"Indiquez {what}."})
        return own
    if not coordinator:
        raise ValidationError(
            {field_name: f"Seule la coordination enregistre pour une autre organisation que la sienne ({what})."}
        )
    found = Organisation.objects.filter(territory=territory, pk=pk, is_active=True).first()
    if found is None:
        raise ValidationError({field_name: "Aucune organisation active de ce numéro sur le territoire."})
    return found


UNIT_NAMES = {"landlord": "landlord_id", "residence": "residence_id", "contingent": "contingent_id"}


def _prospect_item(prospect: CaptureProspect) -> dict:
    names = ("operator_id", "owner_label", "address", "commune_insee", "commune_name", "typology", "contacted_on")
    names += ("visited_on", "decided_on", "refusal_reason", "mode", "reserved_for_housing_first", "unit_id", "version")
    return {
        **{name: getattr(prospect, name) for name in names},
        "id": prospect.pk,
        "stage": prospect.stage,
        "stage_label": codes.CaptureStage(prospect.stage).label,
        "surface": float(prospect.surface),
        "rent_asked": float(prospect.rent_asked),
    }


def _incentive(incentive) -> dict:
    return {
        "id": incentive.pk,
        "prospect_id": incentive.prospect_id,
        "reason": incentive.reason,
        "reason_label": incentive.get_reason_display(),
        "amount": float(incentive.amount),
        "paid_on": incentive.paid_on,
    }


def _prospect_detail(request, prospect: CaptureProspect) -> dict:
    prospect = CaptureProspect.objects.select_related("operator").get(pk=prospect.pk)
    incentives = scope(request.actor, prospect.incentives.all())
    return {
        **_prospect_item(prospect),
        "operator": {"id": prospect.operator_id, "name": prospect.operator.name},
        "incentives": [_incentive(i) for i in incentives],
    }


def _file_access(request, household: Household):
    return access(request.actor, FileFacts.of(household), token_kinds(request))


def _proposal_state(proposal: Proposal) -> dict:
    return {
        "id": proposal.pk,
        "status": proposal.status,
        "status_label": P(proposal.status).label,
        "version": proposal.version,
    }


def _proposal_item(proposal: Proposal, seen) -> dict:
    names = ("unit_id", "household_id", "run_id", "rank", "priority", "committee_rank", "committee_on")
    names += ("refusal_reason_id", "sent_on", "offered_on", "answered_on", "lease_signed_on", "entered_on", "closed_on")
    return {
        **_proposal_state(proposal),
        **{name: getattr(proposal, name) for name in names},
        "unit_reference": proposal.unit.reference,
        "household_reference": proposal.household.reference,
        # The total reveals the points of criteria the viewer may not see.
        "score": proposal.score if seen.sensitive else None,
    }


def _reason(reason: RefusalReason) -> dict:
    return {name: getattr(reason, name) for name in ReasonOut.model_fields}


def _explanation(stored: dict, seen) -> dict:
    """The stored explanation as the viewer may read it: a landlord (no file access) the allocation
    data only; without the sensitive sections, no criterion revealing one and no total."""
    file, sensitive = seen.file, seen.sensitive
    hidden = adapter.sensitive_criteria_hidden(lambda category: sensitive)
    affordability = stored.get("affordability")
    alternative = stored.get("alternative")
    out = {
        "manual": bool(stored.get("manual")),
        **{name: stored.get(name) for name in ("tier", "tier_label", "method", "grid_version", "thresholds_version")},
        "constraints_met": stored.get("constraints_met", []),
        "affordability": affordability,
        "terms": None,
        "household_score": None,
        "pair_score": None,
        "alternative": None,
        "overridden": stored.get("overridden", []),
        "justification": stored.get("justification") if sensitive else None,  # free text
    }
    if not file:
        return out
    out["terms"] = [t for t in stored.get("terms", []) if t.get("code") not in hidden]
    if sensitive:
        out["household_score"], out["pair_score"] = stored.get("household_score"), stored.get("pair_score")
    if alternative:
        out["alternative"] = {
            "unit": alternative.get("unit"),
            "reason": alternative.get("reason", ""),
            # Its points and words give the household's score away.
            **{name: alternative.get(name) if sensitive else None for name in ("pair_score", "text", "exchange_delta")},
        }
    return out


def _proposal_detail(request, proposal: Proposal) -> dict:
    proposal = _proposals().get(pk=proposal.pk)
    household = proposal.household
    seen = _file_access(request, household)
    persons = list(
        household.persons.filter(merged_into__isnull=True).only("role", "is_head", "last_name", "first_name")
    )
    head = next((p for p in persons if p.is_head), persons[0] if persons else None)
    children = sum(1 for p in persons if p.role == "child")
    history = scope(request.actor, ProposalEvent.objects.filter(proposal=proposal)).order_by("recorded_at", "pk")
    record_read(request, proposal, protected=household.protected)
    return {
        **_proposal_item(proposal, seen),
        "view": "file" if seen.file else "allocation",
        "household_name": f"{head.last_name} {head.first_name}" if seen.file and head else None,
        "composition": {"adults": max(len(persons) - children, 1 if persons else 0), "children": children},
        "refusal_reason": _reason(proposal.refusal_reason) if proposal.refusal_reason else None,
        "explanation": _explanation(proposal.explanation or {}, seen),
        "history": list(history.values(*ProposalEventOut.model_fields)),
    }


def _run(run: MatchingRun) -> dict:
    task = run.task
    state = run.state
    return {
        "id": run.pk,
        "state": state,
        "state_label": codes.RunStatus(state).label,
        "method": run.method,
        "grid_version": run.grid.number,
        "rules_version": run.rules.number,
        "task_id": run.task_id,
        "launched_at": run.launched_at,
        "finished_at": run.finished_at,
        "progress": (
            {
                "percent": task.percent,
                "done": task.progress_done,
                "total": task.progress_total,
                "label": task.progress_label,
            }
            if task
            else None
        ),
        "stats": run.stats,
        "fairness": run.fairness,
        "error": run.error or (task.error if task and state == codes.RunStatus.FAILED else ""),
    }


# --- units ----------------------------------------------------------------------------------------


@operation(
    "GET",
    "/logements",
    "housing.units.view",
    response={200: UnitPage, **errors(401, 403, 422)},
    summary="Les logements de l'offre visibles par l'organisation du jeton",
    description=(
        f"Paginé (`limit` ≤ {MAX_PAGE}, `offset`), par référence. La coordination voit l'offre du territoire ; un "
        "bailleur ses logements et ceux des contingents qu'il détient ; une association ceux qu'elle gère."
    ),
)
def units(request, filters: Query[UnitFilters]):
    qs = scope(request.actor, Unit.objects.all())
    for name, field in (
        ("statut", "status"),
        ("type", "kind"),
        ("typologie", "typology"),
        ("commune", "commune_insee"),
    ):
        value = getattr(filters, name)
        if value is not None:
            qs = qs.filter(**{field: value})
    count = qs.count()
    page = qs.order_by("reference", "pk")[filters.offset : filters.offset + filters.limit]
    return {"count": count, "items": [_unit_item(u) for u in page]}


@operation(
    "GET",
    "/logements/{unit_id}",
    "housing.units.view",
    response={200: UnitDetail, **errors(401, 403, 404, 422)},
    summary="Un logement et l'historique daté de ses états",
)
def unit(request, unit_id: int):
    return _unit_detail(request, _row(request, "unit"))


@operation(
    "POST",
    "/logements",
    "housing.units.manage",
    response={201: UnitDetail, **errors(401, 403, 422)},
    summary="Ajouter un logement à l'offre (disponible ou en captation)",
    description="Le bailleur est l'organisation du jeton ; la coordination le nomme (`landlord_id`).",
)
def unit_create(request, payload: UnitIn):
    territory = _territory(request)
    data = payload.model_dump(exclude={"landlord_id", "status", "on"})
    landlord = _organisation(request, territory, payload.landlord_id, "landlord_id", "le bailleur")
    with _Renaming(UNIT_NAMES):
        links = _unit_links(territory, data)
        created = services.create_unit(
            territory, token_author(request), status=payload.status, on=payload.on, landlord=landlord, **data, **links
        )
    return Status(201, _unit_detail(request, created))


@operation(
    "PATCH",
    "/logements/{unit_id}",
    "housing.units.manage",
    manage=True,
    response={200: UnitState, **errors(401, 403, 404, 409, 422)},
    summary="Modifier un logement (bailleur du logement ou coordination)",
    description="Seuls les champs envoyés changent. `version` est obligatoire (409 si le logement a changé depuis).",
)
def unit_update(request, unit_id: int, payload: UnitPatch):
    found = _row(request, "unit")
    changes = payload.model_dump(exclude_unset=True)
    version = changes.pop("version")
    if "landlord_id" in changes:
        changes["landlord"] = _organisation(
            request, found.territory, changes.pop("landlord_id"), "landlord_id", "le bailleur"
        )
    with _Renaming(UNIT_NAMES):
        changes.update(_unit_links(found.territory, changes))
        updated = services.update_unit(found, token_author(request), version, **changes)
    return _unit_state(updated)


@operation(
    "POST",
    "/logements/{unit_id}/mise-a-disposition",
    "housing.units.manage",
    manage=True,
    response={200: UnitState, **errors(401, 403, 404, 409, 422)},
    summary="Rendre disponible un logement en captation ou retiré",
)
def unit_make_available(request, unit_id: int, payload: MakeAvailableIn):
    unit = services.make_available(_row(request, "unit"), token_author(request), payload.on, payload.version)
    return _unit_state(unit)


@operation(
    "POST",
    "/logements/{unit_id}/retrait",
    "housing.units.manage",
    manage=True,
    response={200: UnitState, **errors(401, 403, 404, 409, 422)},
    summary="Retirer un logement de l'offre (motif obligatoire)",
)
def unit_withdraw(request, unit_id: int, payload: WithdrawUnitIn):
    unit = services.withdraw_unit(
        _row(request, "unit"), token_author(request), payload.note, payload.on, payload.version
    )
    return _unit_state(unit)


@operation(
    "POST",
    "/logements/{unit_id}/liberation",
    "housing.units.manage",
    manage=True,
    response={200: UnitState, **errors(401, 403, 404, 409, 422)},
    summary="Enregistrer la libération d'un logement occupé : il redevient disponible",
    description="Pour un logement de résidence, `to_siao` dit s'il est confié au SIAO (30 % des libérés).",
)
def unit_free(request, unit_id: int, payload: FreeUnitIn):
    unit = services.free_unit(
        _row(request, "unit"), token_author(request), payload.on, payload.to_siao, payload.version
    )
    return _unit_state(unit)


# --- capture of private housing -------------------------------------------------------------------


@operation(
    "GET",
    "/captations",
    "housing.capture.view",
    response={200: ProspectPage, **errors(401, 403, 422)},
    summary="Les logements privés en captation (les siens ; tout le territoire pour la coordination)",
    description=f"Paginé (`limit` ≤ {MAX_PAGE}, `offset`), les plus récemment contactés d'abord.",
)
def prospects(request, filters: Query[ProspectFilters]):
    qs = scope(request.actor, CaptureProspect.objects.all())
    if filters.etape:
        qs = qs.filter(stage=filters.etape)
    count = qs.count()
    page = qs.order_by("-contacted_on", "-pk")[filters.offset : filters.offset + filters.limit]
    return {"count": count, "items": [_prospect_item(p) for p in page]}


@operation(
    "GET",
    "/captations/{prospect_id}",
    "housing.capture.view",
    response={200: ProspectDetail, **errors(401, 403, 404, 422)},
    summary="Une captation, ses étapes et ses primes",
)
def prospect(request, prospect_id: int):
    return _prospect_detail(request, _row(request, "prospect"))


@operation(
    "POST",
    "/captations",
    "housing.capture.manage",
    response={201: ProspectDetail, **errors(401, 403, 422)},
    summary="Enregistrer le premier contact avec un propriétaire",
    description="La structure qui capte est l'organisation du jeton ; la coordination la nomme (`operator_id`).",
)
def prospect_create(request, payload: ProspectIn):
    territory = _territory(request)
    operator = _organisation(request, territory, payload.operator_id, "operator_id", "la structure qui capte")
    with _Renaming({"operator": "operator_id"}):
        created = services.create_prospect(
            territory, token_author(request), operator=operator, **payload.model_dump(exclude={"operator_id"})
        )
    return Status(201, _prospect_detail(request, created))


@operation(
    "POST",
    "/captations/{prospect_id}/visite",
    "housing.capture.manage",
    response={200: ProspectState, **errors(401, 403, 404, 409, 422)},
    summary="Enregistrer la visite du logement",
)
def prospect_visit(request, prospect_id: int, payload: VisitIn):
    found = services.record_visit(_row(request, "prospect"), token_author(request), payload.visited_on, payload.version)
    return _prospect_item(found)


@operation(
    "POST",
    "/captations/{prospect_id}/accord",
    "housing.capture.manage",
    response={200: ProspectState, **errors(401, 403, 404, 409, 422)},
    summary="Enregistrer l'accord du propriétaire et le mode (mandat, sous-location, bail glissant)",
)
def prospect_agreement(request, prospect_id: int, payload: AgreementIn):
    found = services.record_agreement(
        _row(request, "prospect"), token_author(request), payload.decided_on, payload.mode, payload.version
    )
    return _prospect_item(found)


@operation(
    "POST",
    "/captations/{prospect_id}/refus",
    "housing.capture.manage",
    response={200: ProspectState, **errors(401, 403, 404, 409, 422)},
    summary="Enregistrer le refus du propriétaire et son motif",
)
def prospect_refusal(request, prospect_id: int, payload: CaptureRefusalIn):
    found = services.record_refusal(
        _row(request, "prospect"), token_author(request), payload.decided_on, payload.refusal_reason, payload.version
    )
    return _prospect_item(found)


@operation(
    "POST",
    "/captations/{prospect_id}/ouverture",
    "housing.capture.manage",
    response={201: UnitDetail, **errors(401, 403, 404, 409, 422)},
    summary="Mettre à disposition le logement capté : il entre dans l'offre (IML, propriétaire privé)",
)
def prospect_open(request, prospect_id: int, payload: OpenUnitIn):
    fields = payload.model_dump(exclude={"version", "on"}, exclude_none=True)
    created = services.open_captured_unit(
        _row(request, "prospect"), token_author(request), payload.on, payload.version, **fields
    )
    return Status(201, _unit_detail(request, created))


@operation(
    "GET",
    "/captations/{prospect_id}/primes",
    "housing.capture.view",
    response={200: list[IncentiveOut], **errors(401, 403, 404, 422)},
    summary="Les primes versées au propriétaire",
)
def prospect_incentives(request, prospect_id: int):
    return [_incentive(i) for i in scope(request.actor, _row(request, "prospect").incentives.all())]


@operation(
    "POST",
    "/captations/{prospect_id}/primes",
    "housing.capture.manage",
    response={201: IncentiveOut, **errors(401, 403, 404, 422)},
    summary="Enregistrer une prime versée (captation ; en sous-location, à chaque nouvelle famille)",
)
def prospect_incentive_add(request, prospect_id: int, payload: IncentiveIn):
    created = services.pay_incentive(
        _row(request, "prospect"), token_author(request), payload.reason, payload.amount, payload.paid_on
    )
    return Status(201, _incentive(created))


@operation(
    "GET",
    "/objectifs-captation",
    "housing.capture.view",
    response={200: list[TargetOut], **errors(401, 403, 422)},
    summary="Les objectifs de captation du territoire et leur avancement",
    description="Logements captés (accord ou disponibles) dans la période et le mode de l'objectif, à ce jour.",
)
def capture_targets(request):
    targets = scope(request.actor, CaptureTarget.objects.all()).order_by("ends_on", "label", "pk")
    return [
        {
            **{name: getattr(t, name) for name in TargetOut.model_fields if name != "progress"},
            "progress": services.target_progress(t),
        }
        for t in targets
    ]


# --- proposals --------------------------------------------------------------------------------------


@operation(
    "GET",
    "/propositions",
    "housing.proposals.view",
    response={200: ProposalPage, **errors(401, 403, 422)},
    summary="Les propositions de logement visibles par l'organisation du jeton",
    description=(
        f"Paginé (`limit` ≤ {MAX_PAGE}, `offset`), par logement et rang. La coordination voit celles du "
        "territoire ; un référent celles des ménages qu'il suit ; un bailleur celles qui lui ont été transmises."
    ),
)
def proposals_list(request, filters: Query[ProposalFilters]):
    qs = scope(request.actor, Proposal.objects.all())
    if filters.statut:
        qs = qs.filter(status=filters.statut)
    if filters.logement is not None:
        qs = qs.filter(unit_id=filters.logement)
    if filters.menage is not None:
        qs = qs.filter(household_id=filters.menage)
    count = qs.count()
    page = qs.select_related("unit", "household").order_by("unit_id", "rank", "pk")[
        filters.offset : filters.offset + filters.limit
    ]
    kinds = token_kinds(request)
    return {
        "count": count,
        "items": [_proposal_item(p, access(request.actor, FileFacts.of(p.household), kinds)) for p in page],
    }


@operation(
    "GET",
    "/propositions/{proposal_id}",
    "housing.proposals.view",
    response={200: ProposalDetail, **errors(401, 403, 404, 422)},
    summary="Une proposition et son explication",
    description=(
        "Contraintes remplies, chiffres de solvabilité, points critère par critère et version de la grille, "
        "meilleure alternative du ménage. Un bailleur ne lit que les données d'attribution (ni nom, ni points, "
        "ni alternative) ; les critères d'une catégorie sensible, et les totaux qui les trahiraient, ne sont "
        "rendus qu'à qui voit les informations sensibles du dossier. Chaque lecture est tracée."
    ),
)
def proposal(request, proposal_id: int):
    return _proposal_detail(request, _row(request, "proposal"))


@operation(
    "POST",
    "/logements/{unit_id}/candidats",
    "housing.proposals.manage",
    response={201: ProposalDetail, **errors(401, 403, 404, 409, 422)},
    summary="Ajouter un ménage à la liste des candidats d'un logement (coordination)",
    description=(
        "Les contraintes strictes s'appliquent ; un logement hors des communes souhaitées demande une "
        "justification (`justification`), tracée. Trois candidats au plus par logement."
    ),
)
def proposal_add(request, unit_id: int, payload: CandidateIn):
    unit = _row(request, "unit")
    household = (
        scope(request.actor, Household.objects.filter(territory_id=unit.territory_id))
        .filter(pk=payload.household_id)
        .first()
    )
    if household is None:
        raise ValidationError({"household_id": "Aucun ménage de ce numéro sur le territoire."})
    with _Renaming({"household": "household_id"}):
        created = proposals.add_candidate(unit, household, token_author(request), payload.justification)
    return Status(201, _proposal_detail(request, created))


@operation(
    "POST",
    "/logements/{unit_id}/transmission",
    "housing.proposals.manage",
    response={200: ShortlistOut, **errors(401, 403, 404, 409, 422)},
    summary="Transmettre au bailleur la liste des candidats d'un logement (coordination)",
)
def unit_send_shortlist(request, unit_id: int, payload: ShortlistIn):
    unit = _row(request, "unit")
    sent = proposals.send_shortlist(unit, token_author(request), payload.sent_on)
    return {"sent": sent, "unit": _unit_state(Unit.objects.get(pk=unit.pk))}


@operation(
    "POST",
    "/propositions/{proposal_id}/retrait",
    "housing.proposals.manage",
    response={200: ProposalState, **errors(401, 403, 404, 409, 422)},
    summary="Retirer une candidature (coordination)",
)
def proposal_withdraw(request, proposal_id: int, payload: Versioned):
    return _proposal_state(proposals.withdraw(_row(request, "proposal"), token_author(request), payload.version))


@operation(
    "POST",
    "/propositions/{proposal_id}/decision",
    "housing.proposals.decide",
    manage=True,
    response={200: ProposalState, **errors(401, 403, 404, 409, 422)},
    summary="Enregistrer la décision de la commission d'attribution",
    description=(
        "`allocated` avec le rang (1, 2 ou 3), `committee_refused` avec le motif (`refusal_reason_id`, côté "
        "bailleur ou réservataire), `postponed`. Un logement déjà attribué à un autre ménage répond 409."
    ),
)
def proposal_decide(request, proposal_id: int, payload: DecisionIn):
    with _Renaming({"refusal_reason": "refusal_reason_id"}):
        decided = proposals.decide(
            _row(request, "proposal"),
            token_author(request),
            payload.decision,
            payload.committee_on,
            committee_rank=payload.committee_rank,
            refusal_reason=payload.refusal_reason_id,
            expected_version=payload.version,
        )
    return _proposal_state(decided)


@operation(
    "POST",
    "/propositions/{proposal_id}/offre",
    "housing.proposals.answer",
    response={200: ProposalState, **errors(401, 403, 404, 409, 422)},
    summary="Proposer le logement au ménage (après l'attribution par la commission)",
)
def proposal_offer(request, proposal_id: int, payload: OfferIn):
    offered = proposals.offer(_row(request, "proposal"), token_author(request), payload.offered_on, payload.version)
    return _proposal_state(offered)


@operation(
    "POST",
    "/propositions/{proposal_id}/reponse",
    "housing.proposals.answer",
    response={200: ProposalState, **errors(401, 403, 404, 409, 422)},
    summary="Enregistrer la réponse du ménage (un refus porte son motif)",
)
def proposal_answer(request, proposal_id: int, payload: AnswerIn):
    with _Renaming({"refusal_reason": "refusal_reason_id"}):
        answered = proposals.answer(
            _row(request, "proposal"),
            token_author(request),
            payload.answer == "accepted",
            payload.answered_on,
            refusal_reason=payload.refusal_reason_id,
            expected_version=payload.version,
        )
    return _proposal_state(answered)


@operation(
    "POST",
    "/propositions/{proposal_id}/bail",
    "housing.proposals.lease",
    manage=True,
    response={200: ProposalState, **errors(401, 403, 404, 409, 422)},
    summary="Enregistrer la signature du bail",
)
def proposal_lease(request, proposal_id: int, payload: LeaseIn):
    signed = proposals.sign_lease(
        _row(request, "proposal"), token_author(request), payload.lease_signed_on, payload.version
    )
    return _proposal_state(signed)


@operation(
    "POST",
    "/propositions/{proposal_id}/entree",
    "housing.proposals.lease",
    manage=True,
    response={200: ProposalState, **errors(401, 403, 404, 409, 422)},
    summary="Enregistrer l'entrée dans le logement : le ménage sort de la liste, logé",
)
def proposal_enter(request, proposal_id: int, payload: EntryIn):
    entered = proposals.enter(_row(request, "proposal"), token_author(request), payload.entered_on, payload.version)
    return _proposal_state(entered)


# --- matching runs ---------------------------------------------------------------------------------


@operation(
    "POST",
    "/rapprochements",
    "housing.matching.run",
    response={202: RunOut, **errors(401, 403, 409, 422)},
    summary="Lancer un rapprochement de l'offre et de la demande (en arrière-plan)",
    description=(
        "Suivre son avancement avec `GET /rapprochements/{run_id}` ; un seul à la fois par territoire "
        "(409 tant qu'un autre est en file ou en cours)."
    ),
)
def run_launch(request, payload: RunIn):
    launched = runs.launch(_territory(request), token_author(request), payload.method)
    return Status(202, _run(MatchingRun.objects.select_related("task", "grid", "rules").get(pk=launched.pk)))


@operation(
    "GET",
    "/rapprochements/{run_id}",
    "housing.matching.run",
    response={200: RunOut, **errors(401, 403, 404, 422)},
    summary="L'état d'un rapprochement : avancement, chiffres, équité",
)
def run(request, run_id: int):
    return _run(_row(request, "run"))


# --- the territory's rules -----------------------------------------------------------------------


@operation(
    "GET",
    "/motifs-refus",
    "housing.rules.view",
    response={200: list[ReasonOut], **errors(401, 403, 422)},
    summary="La liste des motifs de refus (ménage, bailleur, réservataire ; légitime ou non)",
)
def refusal_reasons(request):
    return [_reason(r) for r in scope(request.actor, RefusalReason.objects.all()).order_by("side", "label", "pk")]


def _current(request, model):
    found = scope(request.actor, model.objects.filter(territory_id=request.api_token.organisation.territory_id))
    found = found.order_by("-number").first()
    if found is None:
        raise Http404
    return found


@operation(
    "GET",
    "/grille-cotation",
    "housing.rules.view",
    response={200: GridOut, **errors(401, 403, 404, 422)},
    summary="La grille de cotation en vigueur sur le territoire",
)
def scoring_grid(request):
    grid = _current(request, ScoringGrid)
    return {
        **{name: getattr(grid, name) for name in GridOut.model_fields if name != "criteria"},
        "criteria": [
            {
                "code": c["code"],
                "label": c["label"],
                "points": c["points"],
                "per_month": bool(c.get("per_month")),
                "cap_months": c.get("cap_months"),
                "sensitive": c["code"] in adapter.SENSITIVE_CRITERIA,
            }
            for c in grid.criteria
        ],
    }


@operation(
    "GET",
    "/regles-rapprochement",
    "housing.rules.view",
    response={200: RulesOut, **errors(401, 403, 404, 422)},
    summary="Les règles de rapprochement en vigueur (contraintes strictes et seuils)",
)
def matching_rules(request):
    rules = _current(request, MatchingRules)
    return {name: getattr(rules, name) for name in RulesOut.model_fields}
