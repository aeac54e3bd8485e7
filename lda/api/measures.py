"""Accompaniment measures through the partners' API (spec 2): measures and their life cycle,
reviews, renewals and their approvals, meetings, outcomes and partners mobilised.

The same rules as the pages: a token reaches only the measures `measures/scopes.py` gives its
organisation (any other answers 404); an operator's write also needs the measure to be run by the
token's organisation (else 404); every write goes through `measures/services.py`. The permission,
and the measure (or renewal) named in the path, are checked when the token is authenticated,
before the body is read: a token that may not act learns nothing from validation errors.

Who sees which piece of a measure is `measures/visibility.py`, the rule the pages ask too: the
signed documents, the obstacles written at a review and the comments of renewal opinions reach the
measure's team only (the coordinator and the operator's organisation; an approver reads the comment
its own token wrote); health partners and health outcomes also the organisations that see the
household's sensitive sections. No answer carries a person's name.
"""

import base64
import binascii
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import Http404
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError

from lda.access.policy import get_or_404
from lda.accounts.models import Organisation
from lda.api.auth import api_permission
from lda.api.households import (
    MAX_OFFSET,
    MAX_PAGE,
    OrganisationRef,
    TokenFor,
    errors,
    one_of,
    token_author,
    token_kinds,
)
from lda.audit.log import record_read, record_refusal
from lda.households.models import Household
from lda.measures import codes, lifecycle, rules, services, visibility
from lda.measures.models import (
    Measure,
    MeasureDocument,
    MeasureType,
    Meeting,
    Outcome,
    PartnerMobilisation,
    RenewalApproval,
    RenewalRequest,
    Review,
)

router = Router(tags=["Mesures d'accompagnement"])

# Base64 of a document of at most `services.DOCUMENT_MAX_BYTES` (4 characters for 3 bytes).
DOCUMENT_MAX_CHARS = (services.DOCUMENT_MAX_BYTES + 2) // 3 * 4
HEALTH_OUTCOMES = frozenset({codes.OutcomeKind.HEALTH, codes.OutcomeKind.MENTAL_HEALTH})


# --- the token, its permission and the measure (or renewal) of the path ---------------------------


def _measures():
    return Measure.objects.select_related(
        "type_version__measure_type", "household", "operator", "referent", "territory"
    )


class MeasureToken(TokenFor):
    """The organisation token, holding `permission`, reaching `/mesures/{measure_id}` (run by the
    token's organisation when `operate`) or `/renouvellements/{renewal_id}` (for an approver when
    `approve`)."""

    def __init__(self, permission: str, operate: bool = False, approve: bool = False):
        super().__init__(permission)
        self.operate = operate
        self.approve = approve

    def authenticate(self, request, token):
        found = super().authenticate(request, token)
        if found is None:
            return None
        kwargs = request.resolver_match.kwargs if request.resolver_match else {}
        measure_id = str(kwargs.get("measure_id", ""))
        if measure_id.isdigit():
            request.measure = get_or_404(request.actor, _measures(), pk=int(measure_id))
            if self.operate:
                _check_operator(request, request.measure)
        renewal_id = str(kwargs.get("renewal_id", ""))
        if renewal_id.isdigit():
            renewal = get_or_404(
                request.actor,
                RenewalRequest.objects.select_related("measure__type_version__measure_type", "measure__territory"),
                pk=int(renewal_id),
            )
            if self.approve and not services.approver_codes(request.actor, renewal.measure):
                record_refusal(request, object_type="renewalrequest", object_id=str(renewal.pk))
                raise HttpError(403, "Ce jeton ne peut donner aucun des avis que ce type de mesure demande.")
            request.renewal = renewal
        return found


# One security scheme in the OpenAPI document: it is the same bearer token as the rest of the API.
MeasureToken.__name__ = TokenFor.__name__


def _check_operator(request, measure: Measure):
    """An operator's write needs the measure to be run by the token's organisation."""
    if not visibility.operates(request.actor, measure):
        record_refusal(request, object_type="measure", object_id=str(measure.pk))
        raise Http404


def operation(method: str, path: str, permission: str, operate: bool = False, approve: bool = False, **options):
    """A ninja operation of this router, named after its function, that needs `permission`."""

    def decorate(function):
        guarded = api_permission(permission)(function)
        auth = MeasureToken(permission, operate=operate, approve=approve)
        router.api_operation([method], path, auth=auth, url_name=function.__name__, **options)(guarded)
        return guarded

    return decorate


def _measure(request, measure_id: int, operate: bool = False) -> Measure:
    found = getattr(request, "measure", None)
    if found is not None and found.pk == measure_id:
        return found
    measure = get_or_404(request.actor, _measures(), pk=measure_id)
    if operate:
        _check_operator(request, measure)
    return measure


def _renamed(error: ValidationError, names: dict[str, str], prefix: str = "") -> ValidationError:
    """The service's error with its fields named as in the API's body."""
    if not hasattr(error, "error_dict"):
        return error
    return ValidationError({prefix + names.get(k, k): v for k, v in error.message_dict.items()})


class _Renaming:
    """`with _Renaming({"operator": "operator_id"}):` — a service's ValidationError, fields renamed."""

    def __init__(self, names: dict[str, str]):
        self.names = names

    def __enter__(self):
        return self

    def __exit__(self, kind, error, traceback):
        if isinstance(error, ValidationError):
            raise _renamed(error, self.names) from None
        return False


# --- who sees what ----------------------------------------------------------------------------------


def _pieces(request, measure: Measure) -> visibility.MeasureAccess:
    """What the token sees of the measure (`visibility.access`), the token's organisation kind given."""
    return visibility.of(request.actor, measure, token_kinds(request))


def _sensitive_visible(request, measure: Measure) -> bool:
    """Health partners and outcomes: the team, and who sees the household's sensitive sections."""
    return _pieces(request, measure).sensitive


# --- schemas --------------------------------------------------------------------------------------


class MeasureState(Schema):
    id: int
    status: str
    status_label: str
    version: int = Field(description="À renvoyer avec la prochaine écriture ; refus (409) si elle a changé depuis.")
    planned_end_on: date | None = Field(description="Fin prévue (calculée par les règles du type).")
    next_review_on: date | None = Field(description="Prochain bilan prévu.")


class MeasureItem(MeasureState):
    measure_type: str = Field(description="Code du type de mesure (ex. : vial).")
    measure_type_name: str
    type_version: int = Field(description="Version des règles du type que suit la mesure.")
    household_id: int
    household_reference: str
    operator_id: int
    referent_id: int | None = Field(description="Membre de l'équipe de l'opérateur, référent·e de la mesure.")
    oriented_on: date
    contract_signed_on: date | None
    sent_on: date | None
    activated_on: date | None
    housing_entry_on: date | None
    sliding_lease: bool
    ended_on: date | None
    end_reason: str
    follow_on: str


class MeasurePage(Schema):
    count: int
    items: list[MeasureItem]


class StaffRef(Schema):
    id: int
    first_name: str
    last_name: str
    profession: str


class ReviewDueOut(Schema):
    month: int
    due_on: date
    informal: bool
    held: bool


class RenewalRoomOut(Schema):
    ordinary_months: int = Field(description="Mois encore possibles par renouvellement ordinaire.")
    derogation_months: int = Field(description="Mois possibles par dérogation (0 tant qu'il reste du renouvellement).")
    months_to_maximum: int = Field(description="Mois avant la durée maximale absolue.")


class PreHousingOut(Schema):
    applies: bool = Field(description="Le type limite-t-il la durée avant l'entrée dans le logement ?")
    entry_deadline: date | None
    exceeded: bool
    sliding_lease_reduction_days: int


class ComputedOut(Schema):
    """What the type's rules say of this measure today."""

    planned_end_on: date | None
    latest_end_on: date | None = Field(description="Fin au plus tard (durée maximale absolue).")
    next_review: ReviewDueOut | None
    reviews: list[ReviewDueOut]
    renewal_room: RenewalRoomOut
    pre_housing: PreHousingOut
    meetings_per_week: int = Field(description="Rencontres par semaine prévues par le type (au moins).")
    home_visits_per_week: int


class DocumentOut(Schema):
    id: int
    kind: str
    filename: str
    content_type: str
    size: int
    uploaded_at: datetime


class ApprovalOut(Schema):
    approver: str
    approver_label: str
    approved: bool
    organisation_id: int
    decided_at: datetime
    comment: str | None = Field(
        description="Texte libre : null sauf pour la coordination, l'opérateur de la mesure et l'auteur de l'avis."
    )


class RenewalOut(Schema):
    id: int
    measure_id: int
    requested_on: date
    months: int
    derogation: bool
    status: str
    decided_on: date | None
    required_approvers: list[str]
    missing_approvers: list[str]
    approvals: list[ApprovalOut]
    my_approvers: list[str] = Field(description="Les avis encore attendus que l'organisation du jeton peut donner.")
    measure_version: int


class MeasureDetail(MeasureItem):
    operator: OrganisationRef
    referent: StaffRef | None
    follow_on_name: str
    computed: ComputedOut
    allowed_actions: list[str] = Field(description="Les actions que l'état de la mesure permet (cycle de vie).")
    documents: list[DocumentOut] = Field(
        description="Documents signés (sans leur contenu) : vide sauf pour la coordination et l'opérateur."
    )
    renewals: list[RenewalOut]
    sensitive_visible: bool = Field(description="Le jeton voit-il partenaires et résultats de santé, commentaires ?")
    obstacles_visible: bool = Field(description="Le jeton voit-il les freins notés aux bilans ?")


class OutcomeOut(Schema):
    id: int
    review_id: int | None
    kind: str
    kind_label: str
    contract_type: str
    recorded_on: date
    at_end: bool


class ReviewOut(Schema):
    id: int
    month: int
    held_on: date
    informal: bool
    meetings_per_week: int
    home_visits_per_week: int
    shared_with_coordinator: bool
    obstacles: str | None = Field(
        description="Freins et éléments de compréhension : null sauf pour la coordination et l'opérateur."
    )
    outcomes: list[OutcomeOut]
    measure_version: int


class MeetingOut(Schema):
    id: int
    held_on: date
    kind: str
    kind_label: str
    duration_minutes: int
    staff_id: int | None


class WeekOut(Schema):
    monday: date
    meetings: int = Field(description="Rencontres en face à face de la semaine (hors téléphone).")
    home_visits: int
    agreed_meetings: int = Field(description="Intensité convenue au dernier bilan (ou celle du type).")
    agreed_home_visits: int
    below: bool = Field(description="Semaine en dessous de l'intensité convenue.")


class MeetingsOut(Schema):
    items: list[MeetingOut]
    weeks: list[WeekOut]


class PartnerOut(Schema):
    id: int
    kind: str
    kind_label: str
    category: str
    name: str
    since: date
    until: date | None


class MeasureFilters(Schema):
    statut: one_of(codes.MeasureStatus) | None = Field(None, description="État de la mesure.")
    type: str | None = Field(None, max_length=30, description="Code du type de mesure (ex. : vial).")
    menage: int | None = Field(None, description="Numéro (id) du ménage.")
    limit: int = Field(50, ge=1, le=MAX_PAGE)
    offset: int = Field(0, ge=0, le=MAX_OFFSET)


class Versioned(Schema):
    version: int = Field(description="Version de la mesure lue ; refus (409) si elle a changé depuis.")


class OrientIn(Schema):
    measure_type: str = Field(max_length=30, description="Code du type de mesure (ex. : vial).")
    operator_id: int = Field(description="L'organisation qui porte la mesure.")
    oriented_on: date


class DocumentIn(Schema):
    filename: str = Field(max_length=200)
    content_type: str = Field(max_length=100, description="application/pdf, image/jpeg ou image/png.")
    content_base64: str = Field(description="Le fichier encodé en base64 (5 Mo au plus).")


class ContractIn(Versioned):
    contract_signed_on: date
    document: DocumentIn = Field(description="Le contrat signé par le ménage et l'opérateur.")
    referent_id: int | None = Field(None, description="Membre de l'équipe de l'opérateur, référent·e.")
    sliding_lease: bool = Field(False, description="Sous-location avec bail glissant.")


class SendIn(Versioned):
    sent_on: date


class SendBackIn(Versioned):
    on: date


class ActivateIn(Versioned):
    activated_on: date


class EntryIn(Versioned):
    housing_entry_on: date


class OutcomeItemIn(Schema):
    kind: one_of(codes.OutcomeKind)
    contract_type: one_of(codes.ContractType, blank=True) = Field("", description="Pour l'accès à l'emploi.")


class EndIn(Versioned):
    ended_on: date
    reason: one_of(codes.EndReason)
    follow_on: one_of(codes.FollowOn, blank=True) = Field("", description="Le relais de droit commun.")
    follow_on_name: str = Field("", max_length=200, description="Le service qui prend le relais.")
    outcomes: list[OutcomeItemIn] = []


class AbandonIn(Versioned):
    ended_on: date
    reason: one_of(sorted(codes.ABANDON_REASONS))


class ReviewIn(Versioned):
    month: int = Field(description="Le bilan prévu (mois depuis l'activation : 3, 6, 12…).")
    held_on: date
    meetings_per_week: int = Field(description="Rencontres par semaine convenues pour la période suivante.")
    home_visits_per_week: int
    shared_with_coordinator: bool = False
    obstacles: str = Field("", max_length=5000, description="Freins (texte libre, sensible ; jamais le NIR).")
    outcomes: list[OutcomeItemIn] = []


class RenewalIn(Versioned):
    months: int
    derogation: bool = False
    requested_on: date


class OpinionIn(Schema):
    approved: bool
    approver: one_of(tuple(codes.APPROVERS), blank=True) = Field(
        "", description="Au titre de quoi l'avis est donné ; par défaut, le seul que le jeton peut donner."
    )
    comment: str = Field("", max_length=500)


class MeetingIn(Schema):
    held_on: date
    kind: one_of(codes.MeetingKind)
    duration_minutes: int
    staff_id: int | None = Field(None, description="Membre de l'équipe de l'opérateur.")


class OutcomeIn(OutcomeItemIn):
    recorded_on: date


class PartnerIn(Schema):
    kind: one_of(codes.PartnerKind)
    since: date
    name: str = Field("", max_length=200, description="Nom de la structure.")


# --- building answers -------------------------------------------------------------------------------


def _state(measure: Measure) -> dict:
    return {
        "id": measure.pk,
        "status": measure.status,
        "status_label": codes.MeasureStatus(measure.status).label,
        "version": measure.version,
        "planned_end_on": measure.planned_end_on,
        "next_review_on": measure.next_review_on,
    }


def _item(measure: Measure) -> dict:
    return {
        **_state(measure),
        "measure_type": measure.type_version.measure_type.code,
        "measure_type_name": measure.type_version.measure_type.name,
        "type_version": measure.type_version.number,
        "household_id": measure.household_id,
        "household_reference": measure.household.reference,
        "operator_id": measure.operator_id,
        "referent_id": measure.referent_id,
        "oriented_on": measure.oriented_on,
        "contract_signed_on": measure.contract_signed_on,
        "sent_on": measure.sent_on,
        "activated_on": measure.activated_on,
        "housing_entry_on": measure.housing_entry_on,
        "sliding_lease": measure.sliding_lease,
        "ended_on": measure.ended_on,
        "end_reason": measure.end_reason,
        "follow_on": measure.follow_on,
    }


def _due(review) -> dict | None:
    if review is None:
        return None
    return {"month": review.month, "due_on": review.due_on, "informal": review.informal, "held": review.held}


def _outcome(outcome: Outcome) -> dict:
    return {
        "id": outcome.pk,
        "review_id": outcome.review_id,
        "kind": outcome.kind,
        "kind_label": outcome.get_kind_display(),
        "contract_type": outcome.contract_type,
        "recorded_on": outcome.recorded_on,
        "at_end": outcome.at_end,
    }


def _renewal(
    renewal: RenewalRequest, measure: Measure, actor, pieces: visibility.MeasureAccess, mine: list[str]
) -> dict:
    approvals = list(renewal.approvals.all())
    given = {a.approver: a.approved for a in approvals}
    required = list(rules.required_approvers(measure.rules, renewal.derogation))
    missing = rules.missing_approvers(measure.rules, renewal.derogation, given)
    pending = renewal.status == codes.RenewalStatus.REQUESTED
    return {
        "id": renewal.pk,
        "measure_id": measure.pk,
        "requested_on": renewal.requested_on,
        "months": renewal.months,
        "derogation": renewal.derogation,
        "status": renewal.status,
        "decided_on": renewal.decided_on,
        "required_approvers": required,
        "missing_approvers": missing if pending else [],
        "approvals": [
            {
                "approver": a.approver,
                "approver_label": a.get_approver_display(),
                "approved": a.approved,
                "organisation_id": a.organisation_id,
                "decided_at": a.decided_at,
                "comment": a.comment if visibility.comment_visible(actor, pieces, a) else None,
            }
            for a in approvals
        ],
        "my_approvers": [code for code in missing if code in mine] if pending else [],
        "measure_version": measure.version,
    }


def _renewals(measure: Measure):
    return measure.renewals.prefetch_related(
        Prefetch("approvals", queryset=RenewalApproval.objects.order_by("decided_at", "pk"))
    )


def _detail(request, measure: Measure) -> dict:
    """The measure as the token may see it, with the engine's dates; the read is logged."""
    actor = request.actor
    today = timezone.localdate()
    facts = services.facts_of(measure)
    summary = rules.summarise(measure.rules, facts, today)
    pieces = _pieces(request, measure)
    mine = services.approver_codes(actor, measure)
    version = measure.type_version
    record_read(request, measure, protected=measure.household.protected)
    documents = (
        MeasureDocument.objects.filter(measure=measure).defer("content").order_by("uploaded_at", "pk")
        if pieces.documents
        else []
    )
    return {
        **_item(measure),
        "operator": {"id": measure.operator.pk, "name": measure.operator.name},
        "referent": (
            {
                "id": measure.referent.pk,
                "first_name": measure.referent.first_name,
                "last_name": measure.referent.last_name,
                "profession": measure.referent.profession,
            }
            if measure.referent
            else None
        ),
        "follow_on_name": measure.follow_on_name,
        "computed": {
            "planned_end_on": summary.end_on,
            "latest_end_on": summary.latest_end_on,
            "next_review": _due(summary.next_review),
            "reviews": [_due(r) for r in rules.review_schedule(measure.rules, facts)],
            "renewal_room": {
                "ordinary_months": summary.room.ordinary_months,
                "derogation_months": summary.room.derogation_months,
                "months_to_maximum": summary.room.months_to_maximum,
            },
            "pre_housing": {
                "applies": summary.pre_housing.applies,
                "entry_deadline": summary.pre_housing.entry_deadline,
                "exceeded": summary.pre_housing.exceeded,
                "sliding_lease_reduction_days": summary.pre_housing.sliding_lease_reduction_days,
            },
            "meetings_per_week": version.meetings_per_week,
            "home_visits_per_week": version.home_visits_per_week,
        },
        "allowed_actions": [name for name in lifecycle.TRANSITIONS if lifecycle.allowed(measure.status, name)],
        "documents": [
            {
                "id": d.pk,
                "kind": d.kind,
                "filename": d.filename,
                "content_type": d.content_type,
                "size": d.size,
                "uploaded_at": d.uploaded_at,
            }
            for d in documents
        ],
        "renewals": [_renewal(r, measure, actor, pieces, mine) for r in _renewals(measure)],
        "sensitive_visible": pieces.sensitive,
        "obstacles_visible": pieces.working_notes,
    }


def _review(review: Review, outcomes: list[Outcome], obstacles: bool, measure: Measure) -> dict:
    return {
        "id": review.pk,
        "month": review.month,
        "held_on": review.held_on,
        "informal": review.informal,
        "meetings_per_week": review.meetings_per_week,
        "home_visits_per_week": review.home_visits_per_week,
        "shared_with_coordinator": review.shared_with_coordinator,
        "obstacles": review.obstacles if obstacles else None,
        "outcomes": [_outcome(o) for o in outcomes],
        "measure_version": measure.version,
    }


def _visible_outcomes(outcomes, sensitive: bool) -> list[Outcome]:
    return [o for o in outcomes if sensitive or o.kind not in HEALTH_OUTCOMES]


def _meeting(meeting: Meeting) -> dict:
    return {
        "id": meeting.pk,
        "held_on": meeting.held_on,
        "kind": meeting.kind,
        "kind_label": meeting.get_kind_display(),
        "duration_minutes": meeting.duration_minutes,
        "staff_id": meeting.staff_id,
    }


def _partner(partner: PartnerMobilisation) -> dict:
    return {
        "id": partner.pk,
        "kind": partner.kind,
        "kind_label": partner.get_kind_display(),
        "category": partner.category,
        "name": partner.name,
        "since": partner.since,
        "until": partner.until,
    }


def _outcome_data(items: list[OutcomeItemIn]) -> list[services.OutcomeData]:
    """The outcomes sent, each checked by the service's rule; an error names the item (outcomes.1.contract_type)."""
    data = []
    for index, item in enumerate(items):
        outcome = services.OutcomeData(kind=item.kind, contract_type=item.contract_type)
        try:
            services.check_outcomes([outcome])
        except ValidationError as error:
            raise _renamed(error, {"outcomes": "kind"}, prefix=f"outcomes.{index}.") from None
        data.append(outcome)
    return data


def _document(payload: DocumentIn) -> services.Document:
    text = "".join(payload.content_base64.split())
    if len(text) > DOCUMENT_MAX_CHARS:
        raise ValidationError(
            {"document": "Le document dépasse 5 Mo : réduisez-le (PDF compressé, photo moins lourde)."}
        )
    try:
        content = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise ValidationError(
            {"document.content_base64": "Le contenu du document doit être encodé en base64."}
        ) from None
    return services.Document(filename=payload.filename.strip(), content_type=payload.content_type, content=content)


# --- measures -------------------------------------------------------------------------------------


@operation(
    "GET",
    "/mesures",
    "measures.view",
    response={200: MeasurePage, **errors(401, 403, 422)},
    summary="Les mesures d'accompagnement visibles par l'organisation du jeton",
    description=(
        f"Paginé (`limit` ≤ {MAX_PAGE}, `offset`), les plus anciennes d'abord. L'opérateur voit les mesures "
        "qu'il porte, la coordination celles du territoire, les autres organisations celles des ménages "
        "qu'elles suivent. Filtres : `statut`, `type` (code), `menage` (id)."
    ),
)
def measures(request, filters: Query[MeasureFilters]):
    qs = Measure.objects.for_user(request.actor)
    if filters.statut:
        qs = qs.filter(status=filters.statut)
    if filters.type:
        qs = qs.filter(type_version__measure_type__code=filters.type)
    if filters.menage is not None:
        qs = qs.filter(household_id=filters.menage)
    count = qs.count()
    page = qs.select_related("type_version__measure_type", "household").order_by("pk")[
        filters.offset : filters.offset + filters.limit
    ]
    return {"count": count, "items": [_item(m) for m in page]}


@operation(
    "GET",
    "/mesures/{measure_id}",
    "measures.view",
    response={200: MeasureDetail, **errors(401, 403, 404, 422)},
    summary="Une mesure, avec les échéances calculées par les règles de son type",
    description=(
        "Fin prévue, fin au plus tard, bilans prévus et prochain bilan, marge de renouvellement, période avant "
        "l'entrée dans le logement ; documents (sans leur contenu), renouvellements et avis. Chaque lecture est "
        "tracée."
    ),
)
def measure(request, measure_id: int):
    return _detail(request, _measure(request, measure_id))


@operation(
    "POST",
    "/menages/{household_id}/mesures",
    "measures.orient",
    response={201: MeasureItem, **errors(401, 403, 404, 409, 422)},
    summary="Orienter un ménage vers une mesure (coordination)",
    description="Ouvre la mesure sur la version en vigueur du type ; l'opérateur la voit aussitôt.",
)
def measure_orient(request, household_id: int, payload: OrientIn):
    household = getattr(request, "household", None)
    if household is None or household.pk != household_id:
        household = get_or_404(request.actor, Household.objects.select_related("territory"), pk=household_id)
    errors = {}
    measure_type = MeasureType.objects.filter(territory_id=household.territory_id, code=payload.measure_type).first()
    if measure_type is None:
        errors["measure_type"] = "Aucun type de mesure de ce code sur le territoire."
    operator = Organisation.objects.filter(pk=payload.operator_id, territory_id=household.territory_id).first()
    if operator is None:
        errors["operator_id"] = "Aucune organisation de ce numéro sur le territoire."
    if errors:
        raise ValidationError(errors)
    with _Renaming({"operator": "operator_id"}):
        created = services.orient(household, measure_type, operator, payload.oriented_on, token_author(request))
    return Status(201, _item(_measures().get(pk=created.pk)))


@operation(
    "POST",
    "/mesures/{measure_id}/contrat",
    "measures.operate",
    operate=True,
    response={200: MeasureState, **errors(401, 403, 404, 409, 422)},
    summary="Enregistrer le contrat signé par le ménage et l'opérateur (opérateur)",
    description="Le document (PDF, JPEG ou PNG, 5 Mo au plus) est envoyé en base64. La mesure n'est pas encore active.",
)
def measure_contract(request, measure_id: int, payload: ContractIn):
    measure = _measure(request, measure_id, operate=True)
    document = _document(payload.document)
    referent = None
    if payload.referent_id is not None:
        referent = measure.operator.staff.filter(pk=payload.referent_id, is_active=True).first()
        if referent is None:
            raise ValidationError({"referent_id": "Choisissez un membre de l'équipe de l'opérateur."})
    with _Renaming({"referent": "referent_id"}):
        measure = services.record_contract(
            measure,
            payload.contract_signed_on,
            document,
            token_author(request),
            payload.version,
            referent=referent,
            sliding_lease=payload.sliding_lease,
        )
    return _state(measure)


@operation(
    "POST",
    "/mesures/{measure_id}/transmission",
    "measures.operate",
    operate=True,
    response={200: MeasureState, **errors(401, 403, 404, 409, 422)},
    summary="Transmettre le contrat signé à la coordination (opérateur)",
)
def measure_send(request, measure_id: int, payload: SendIn):
    measure = _measure(request, measure_id, operate=True)
    return _state(services.send(measure, payload.sent_on, token_author(request), payload.version))


@operation(
    "POST",
    "/mesures/{measure_id}/renvoi",
    "measures.activate",
    response={200: MeasureState, **errors(401, 403, 404, 409, 422)},
    summary="Renvoyer à l'opérateur un contrat qui ne peut pas être activé en l'état (coordination)",
)
def measure_send_back(request, measure_id: int, payload: SendBackIn):
    measure = _measure(request, measure_id)
    return _state(services.send_back(measure, payload.on, token_author(request), payload.version))


@operation(
    "POST",
    "/mesures/{measure_id}/activation",
    "measures.activate",
    response={200: MeasureState, **errors(401, 403, 404, 409, 422)},
    summary="Activer la mesure à réception du contrat signé (coordination)",
    description="Seule la coordination active une mesure ; les durées et bilans comptent à partir de cette date.",
)
def measure_activate(request, measure_id: int, payload: ActivateIn):
    measure = _measure(request, measure_id)
    return _state(services.activate(measure, payload.activated_on, token_author(request), payload.version))


@operation(
    "POST",
    "/mesures/{measure_id}/entree-logement",
    "measures.operate",
    operate=True,
    response={200: MeasureState, **errors(401, 403, 404, 409, 422)},
    summary="Enregistrer l'entrée du ménage dans son logement (opérateur)",
)
def measure_entry(request, measure_id: int, payload: EntryIn):
    measure = _measure(request, measure_id, operate=True)
    return _state(services.record_entry(measure, payload.housing_entry_on, token_author(request), payload.version))


@operation(
    "POST",
    "/mesures/{measure_id}/fin",
    "measures.operate",
    operate=True,
    response={200: MeasureState, **errors(401, 403, 404, 409, 422)},
    summary="Terminer la mesure : motif, relais de droit commun, résultats (opérateur)",
    description="Toute fin (rupture, non-adhésion, sortie…) est signalée aussitôt à la coordination.",
)
def measure_end(request, measure_id: int, payload: EndIn):
    measure = _measure(request, measure_id, operate=True)
    data = services.EndData(
        ended_on=payload.ended_on,
        reason=payload.reason,
        follow_on=payload.follow_on,
        follow_on_name=payload.follow_on_name,
        outcomes=_outcome_data(payload.outcomes),
    )
    return _state(services.end(measure, data, token_author(request), payload.version))


@operation(
    "POST",
    "/mesures/{measure_id}/abandon",
    "measures.operate",
    operate=True,
    response={200: MeasureState, **errors(401, 403, 404, 409, 422)},
    summary="Abandonner une mesure avant son activation (opérateur)",
    description="Motifs : non-adhésion, déménagement, décès. La coordination en est avertie aussitôt.",
)
def measure_abandon(request, measure_id: int, payload: AbandonIn):
    measure = _measure(request, measure_id, operate=True)
    return _state(services.abandon(measure, payload.ended_on, payload.reason, token_author(request), payload.version))


# --- reviews and renewals -------------------------------------------------------------------------


@operation(
    "GET",
    "/mesures/{measure_id}/bilans",
    "measures.view",
    response={200: list[ReviewOut], **errors(401, 403, 404, 422)},
    summary="Les bilans d'une mesure et leurs résultats",
    description="Les freins (`obstacles`) ne sont rendus qu'à la coordination et à l'opérateur de la mesure.",
)
def measure_reviews(request, measure_id: int):
    measure = _measure(request, measure_id)
    pieces = _pieces(request, measure)
    obstacles, sensitive = pieces.working_notes, pieces.sensitive
    record_read(request, measure, section="bilans", protected=measure.household.protected)
    reviews = measure.reviews.prefetch_related(Prefetch("outcomes", queryset=Outcome.objects.order_by("pk")))
    return [_review(r, _visible_outcomes(r.outcomes.all(), sensitive), obstacles, measure) for r in reviews]


@operation(
    "POST",
    "/mesures/{measure_id}/bilans",
    "measures.operate",
    operate=True,
    response={201: ReviewOut, **errors(401, 403, 404, 409, 422)},
    summary="Enregistrer un bilan prévu, l'intensité convenue pour la suite et les résultats (opérateur)",
)
def measure_review_add(request, measure_id: int, payload: ReviewIn):
    measure = _measure(request, measure_id, operate=True)
    data = services.ReviewData(
        month=payload.month,
        held_on=payload.held_on,
        meetings_per_week=payload.meetings_per_week,
        home_visits_per_week=payload.home_visits_per_week,
        shared_with_coordinator=payload.shared_with_coordinator,
        obstacles=payload.obstacles,
        outcomes=_outcome_data(payload.outcomes),
    )
    review = services.record_review(measure, data, token_author(request), payload.version)
    measure.refresh_from_db(fields=["version"])
    return Status(201, _review(review, list(review.outcomes.order_by("pk")), True, measure))


@operation(
    "GET",
    "/mesures/{measure_id}/renouvellements",
    "measures.view",
    response={200: list[RenewalOut], **errors(401, 403, 404, 422)},
    summary="Les demandes de renouvellement d'une mesure et les avis donnés",
)
def measure_renewals(request, measure_id: int):
    measure = _measure(request, measure_id)
    pieces = _pieces(request, measure)
    mine = services.approver_codes(request.actor, measure)
    return [_renewal(r, measure, request.actor, pieces, mine) for r in _renewals(measure)]


@operation(
    "POST",
    "/mesures/{measure_id}/renouvellements",
    "measures.operate",
    operate=True,
    response={201: RenewalOut, **errors(401, 403, 404, 409, 422)},
    summary="Demander un renouvellement (opérateur)",
    description=(
        "Refus (409) au-delà de ce que le type permet (durée d'un renouvellement, cumul, dérogation, durée "
        "maximale absolue), avec le message du refus. Les personnes dont l'avis est requis sont alertées."
    ),
)
def measure_renewal_request(request, measure_id: int, payload: RenewalIn):
    measure = _measure(request, measure_id, operate=True)
    renewal = services.request_renewal(
        measure, payload.months, payload.derogation, payload.requested_on, token_author(request), payload.version
    )
    measure.refresh_from_db(fields=["version"])
    pieces = _pieces(request, measure)
    return Status(
        201, _renewal(renewal, measure, request.actor, pieces, services.approver_codes(request.actor, measure))
    )


@operation(
    "POST",
    "/renouvellements/{renewal_id}/avis",
    "measures.approve",
    approve=True,
    response={200: RenewalOut, **errors(401, 403, 404, 409, 422)},
    summary="Donner son avis sur un renouvellement, au titre de ce que le jeton représente",
    description=(
        "Un jeton agit pour son organisation et son rôle : la coordination (`coordinator`), le service local "
        "du Département (`chef_slisl`)… Le renouvellement est accordé quand tous les avis requis par le type "
        "sont favorables, refusé dès qu'un avis est défavorable."
    ),
)
def measure_renewal_opinion(request, renewal_id: int, payload: OpinionIn):
    renewal = getattr(request, "renewal", None)
    if renewal is None or renewal.pk != renewal_id:
        renewal = get_or_404(request.actor, RenewalRequest.objects.select_related("measure"), pk=renewal_id)
    measure = renewal.measure
    approver = payload.approver
    if not approver:
        given = set(renewal.approvals.values_list("approver", flat=True))
        missing = [c for c in rules.required_approvers(measure.rules, renewal.derogation) if c not in given]
        mine = [code for code in services.approver_codes(request.actor, measure) if code in missing]
        if len(mine) > 1:
            raise ValidationError({"approver": "Précisez au titre de quoi vous donnez cet avis."})
        approver = mine[0] if mine else next(iter(services.approver_codes(request.actor, measure)), "")
    renewal = services.decide_renewal(
        renewal, approver, payload.approved, token_author(request), request.actor, comment=payload.comment
    )
    measure = _measures().get(pk=measure.pk)
    fresh = _renewals(measure).get(pk=renewal.pk)
    pieces = _pieces(request, measure)
    return _renewal(fresh, measure, request.actor, pieces, services.approver_codes(request.actor, measure))


# --- meetings, outcomes, partners -----------------------------------------------------------------


def _weeks(measure: Measure, meetings: list[Meeting]) -> list[dict]:
    if measure.activated_on is None:
        return []
    today = timezone.localdate()
    version = measure.type_version
    agreed = [rules.Agreed(measure.activated_on, version.meetings_per_week, version.home_visits_per_week)]
    agreed += [
        rules.Agreed(held_on, per_week, visits)
        for held_on, per_week, visits in measure.reviews.values_list(
            "held_on", "meetings_per_week", "home_visits_per_week"
        )
    ]
    end = min(measure.ended_on or today, today)
    done = [(m.held_on, m.kind in codes.FACE_TO_FACE, m.kind == codes.MeetingKind.HOME_VISIT) for m in meetings]
    return [
        {
            "monday": w.monday,
            "meetings": w.meetings,
            "home_visits": w.home_visits,
            "agreed_meetings": w.agreed_meetings,
            "agreed_home_visits": w.agreed_home_visits,
            "below": w.below,
        }
        for w in rules.weekly_intensity(done, agreed, measure.activated_on, end)
    ]


@operation(
    "GET",
    "/mesures/{measure_id}/rencontres",
    "measures.view",
    response={200: MeetingsOut, **errors(401, 403, 404, 422)},
    summary="Le journal des rencontres et l'intensité semaine par semaine",
    description="Chaque semaine depuis l'activation, comparée à l'intensité convenue au dernier bilan (`below`).",
)
def measure_meetings(request, measure_id: int):
    measure = _measure(request, measure_id)
    record_read(request, measure, section="rencontres", protected=measure.household.protected)
    meetings = list(measure.meetings.all())
    return {"items": [_meeting(m) for m in meetings], "weeks": _weeks(measure, meetings)}


@operation(
    "POST",
    "/mesures/{measure_id}/rencontres",
    "measures.operate",
    operate=True,
    response={201: MeetingOut, **errors(401, 403, 404, 409, 422)},
    summary="Enregistrer une rencontre (opérateur)",
)
def measure_meeting_add(request, measure_id: int, payload: MeetingIn):
    measure = _measure(request, measure_id, operate=True)
    data = services.MeetingData(
        held_on=payload.held_on,
        kind=payload.kind,
        duration_minutes=payload.duration_minutes,
        staff_id=payload.staff_id,
    )
    with _Renaming({"staff": "staff_id"}):
        meeting = services.record_meeting(measure, data, token_author(request))
    return Status(201, _meeting(meeting))


@operation(
    "GET",
    "/mesures/{measure_id}/resultats",
    "measures.view",
    response={200: list[OutcomeOut], **errors(401, 403, 404, 422)},
    summary="Les résultats constatés (aux bilans, en cours de mesure, à la fin)",
    description="Les suivis de santé ne sont rendus qu'à qui voit les informations sensibles du ménage.",
)
def measure_outcomes(request, measure_id: int):
    measure = _measure(request, measure_id)
    sensitive = _sensitive_visible(request, measure)
    record_read(request, measure, section="resultats", protected=measure.household.protected)
    return [_outcome(o) for o in _visible_outcomes(measure.outcomes.all(), sensitive)]


@operation(
    "POST",
    "/mesures/{measure_id}/resultats",
    "measures.operate",
    operate=True,
    response={201: OutcomeOut, **errors(401, 403, 404, 409, 422)},
    summary="Enregistrer un résultat constaté en cours de mesure (opérateur)",
)
def measure_outcome_add(request, measure_id: int, payload: OutcomeIn):
    measure = _measure(request, measure_id, operate=True)
    outcome = services.OutcomeData(kind=payload.kind, contract_type=payload.contract_type)
    with _Renaming({"outcomes": "kind"}):
        created = services.record_outcome(measure, outcome, payload.recorded_on, token_author(request))
    return Status(201, _outcome(created))


@operation(
    "GET",
    "/mesures/{measure_id}/partenaires",
    "measures.view",
    response={200: list[PartnerOut], **errors(401, 403, 404, 422)},
    summary="Les partenaires mobilisés pour le ménage, par catégorie",
    description="Les partenaires de santé ne sont rendus qu'à qui voit les informations sensibles du ménage.",
)
def measure_partners(request, measure_id: int):
    measure = _measure(request, measure_id)
    sensitive = _sensitive_visible(request, measure)
    record_read(request, measure, section="partenaires", protected=measure.household.protected)
    partners = measure.partners.all()
    if not sensitive:
        partners = partners.exclude(category=codes.PartnerCategory.HEALTH)
    return [_partner(p) for p in partners]


@operation(
    "POST",
    "/mesures/{measure_id}/partenaires",
    "measures.operate",
    operate=True,
    response={201: PartnerOut, **errors(401, 403, 404, 409, 422)},
    summary="Mobiliser un partenaire pour le ménage (opérateur)",
)
def measure_partner_add(request, measure_id: int, payload: PartnerIn):
    measure = _measure(request, measure_id, operate=True)
    partner = services.mobilise_partner(measure, payload.kind, payload.since, token_author(request), name=payload.name)
    return Status(201, _partner(partner))
