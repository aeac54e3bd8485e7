"""The by-name list through the partners' API (spec 1 and 6): households, persons, situations,
referrals, orientations, exits and the timeline.

The same rules as the pages: a token reaches only the households `households/scopes.py` gives its
organisation (any other answers 404), sensitive sections only when `visibility.access(...)` says
so, whereabouts only to the people named on a protected file; every write goes through
`households/services.py`. The permission, and the household named in the path, are checked when the
token is authenticated, before the body is read: a token that may not act learns nothing from
validation errors.
"""

from datetime import date, datetime
from typing import Literal

from django.core.exceptions import ValidationError
from django.db.models import OuterRef, Q, Subquery
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError

from lda.access.policy import get_or_404
from lda.accounts.models import Organisation
from lda.accounts.roles import OrganisationKind
from lda.api.auth import OrganisationToken, api_permission
from lda.audit.log import record_read, record_refusal
from lda.core.validators import validate_commune_code
from lda.households import codes, services
from lda.households.codes import RightsEffect
from lda.households.composition import composition
from lda.households.ethos import KINDS, SITUATION_KINDS
from lda.households.models import Household, HouseholdEvent, LivingSituation, Referral
from lda.households.scopes import not_blocked, sensitive_filter
from lda.households.services import Author, DecisionData, PersonData, ReferralData
from lda.households.visibility import Access, FileFacts, access

router = Router(tags=["Liste nominative"])

MAX_PAGE = 200
# An offset past this answers 422: a larger one would overflow the database's 64-bit integer (a 500).
MAX_OFFSET = 1_000_000_000
SENSITIVE_KINDS = frozenset(kind.code for kind in SITUATION_KINDS if kind.sensitive)
CONFIDENTIAL = "Information réservée"


def one_of(choices, blank=False):
    """A Literal of a vocabulary's codes: the OpenAPI schema lists them, an unknown one is refused."""
    values = tuple(getattr(choices, "values", choices)) + (("",) if blank else ())
    return Literal[values]


# --- the token, its permission and the household of the path ------------------------------------


class TokenFor(OrganisationToken):
    """The organisation token, holding `permission`, and reaching `/menages/{household_id}`."""

    def __init__(self, permission: str):
        super().__init__()
        self.permission = permission

    def authenticate(self, request, token):
        found = super().authenticate(request, token)
        if found is None:
            return None
        if not request.actor.has(self.permission):
            record_refusal(request, object_type="permission", object_id=self.permission)
            raise HttpError(403, "Ce jeton n'a pas le droit d'effectuer cette opération.")
        household_id = str((request.resolver_match.kwargs if request.resolver_match else {}).get("household_id", ""))
        if household_id.isdigit():
            request.household = get_or_404(request.actor, _households(), pk=int(household_id))
        return found


# One security scheme in the OpenAPI document: it is the same bearer token as the rest of the API.
TokenFor.__name__ = OrganisationToken.__name__


def operation(method: str, path: str, permission: str, **options):
    """A ninja operation of this router, named after its function, that needs `permission`."""

    def decorate(function):
        guarded = api_permission(permission)(function)
        router.api_operation([method], path, auth=TokenFor(permission), url_name=function.__name__, **options)(guarded)
        return guarded

    return decorate


def _households():
    return Household.objects.select_related(
        "territory", "created_by_organisation", "referent_organisation", "accompanying_organisation", "current_episode"
    )


def _household(request, household_id: int) -> Household:
    found = getattr(request, "household", None)
    if found is not None and found.pk == household_id:
        return found
    return get_or_404(request.actor, _households(), pk=household_id)


def token_author(request) -> Author:
    return Author(user=None, organisation_id=request.api_token.organisation_id)


def token_kinds(request) -> dict[int, str]:
    token = request.api_token
    return {token.organisation_id: token.organisation.kind}


def _access(request, household: Household, with_viewers=False) -> Access:
    viewers = ()
    if with_viewers and household.protected:
        viewers = household.protected_viewers.values_list("pk", flat=True)
    return access(request.actor, FileFacts.of(household, viewers), token_kinds(request))


# --- schemas --------------------------------------------------------------------------------------


class ErrorOut(Schema):
    detail: str


class FieldErrorOut(Schema):
    champ: str = Field(description="Le champ en cause (ex. : persons.0.birth_date) ; vide pour l'ensemble.")
    message: str


class InvalidOut(Schema):
    detail: str
    erreurs: list[FieldErrorOut]


def errors(*statuses: int) -> dict:
    return {status: InvalidOut if status == 422 else ErrorOut for status in statuses}


class OrganisationRef(Schema):
    id: int
    name: str


class PersonOut(Schema):
    id: int
    last_name: str
    first_name: str
    aliases: str = Field(description="Autres noms ou graphies.")
    birth_date: date | None
    birth_date_precision: str
    age: int | None
    sex: str
    role: str
    is_head: bool
    administrative_status: str | None = Field(
        description="Catégorie sensible : null si le jeton ne voit pas les informations sensibles du dossier."
    )


class CompositionOut(Schema):
    adults: int
    children: int
    others: int
    children_ages: list[int]
    single_parent: bool


class ResourceOut(Schema):
    id: int
    person_id: int | None
    kind: str
    monthly_amount: float
    requested_on: date | None
    opened_on: date | None
    rights_open: bool


class SituationOut(Schema):
    id: int
    kind: str | None = Field(description="null si la situation relève d'une catégorie sensible non visible.")
    label: str
    ethos: int | None
    started_on: date
    ended_on: date | None
    detail: str | None = Field(description="Texte libre : null sans accès aux informations sensibles.")


class NeedOut(Schema):
    kind: str
    status: str
    updated_on: date


class WishesOut(Schema):
    accepted_communes: list[str]
    refused_communes: list[str]
    wished_home_types: list[str]
    has_pets: bool
    needs_ground_floor: bool
    needs_accessible: bool
    wants_to_live_alone: bool | None


class HousingDemandOut(Schema):
    sne_number: str
    sne_filed_on: date | None
    sne_renewed_on: date | None
    sne_active: bool
    dalo_recognised: bool
    dalo_on: date | None


class ConsentOut(Schema):
    consent_given: bool
    consent_on: date | None
    consent_kinds: list[str]


class ReferralOut(Schema):
    id: int
    household_id: int
    household_reference: str
    referring_organisation_id: int
    referrer_kind: str
    received_on: date
    status: str
    summary: str | None = Field(description="Texte libre : null sans accès aux informations sensibles.")


class OrientationOut(Schema):
    id: int
    referral_id: int | None
    decision: str
    measure: str
    housing_search: bool
    accompanying_organisation_id: int | None
    reason: str
    comment: str | None = Field(description="Texte libre : null sans accès aux informations sensibles.")
    decided_on: date
    delay_days: int | None


class HouseholdState(Schema):
    id: int
    reference: str
    status: str
    version: int


class HouseholdItem(HouseholdState):
    status_label: str
    ethos: int | None = Field(description="Catégorie ETHOS actuelle ; null si elle relève d'une catégorie sensible.")
    head_last_name: str
    head_first_name: str
    persons: int
    entered_list_on: date | None
    last_contact_on: date | None
    next_review_on: date | None
    referent_organisation_id: int | None
    accompanying_organisation_id: int | None
    updated_at: datetime


class HouseholdPage(Schema):
    count: int
    items: list[HouseholdItem]


class HouseholdDetail(HouseholdState):
    status_label: str
    protected: bool
    sensitive_visible: bool = Field(description="Le jeton voit-il les informations sensibles de ce dossier ?")
    created_by_organisation: OrganisationRef
    referent_organisation: OrganisationRef | None
    accompanying_organisation: OrganisationRef | None
    entered_list_on: date | None
    last_contact_on: date | None
    next_review_on: date | None
    updated_at: datetime
    persons: list[PersonOut]
    composition: CompositionOut
    resources: list[ResourceOut]
    current_situation: SituationOut | None
    situations: list[SituationOut]
    priority_publics: list[str]
    needs: list[NeedOut]
    wishes: WishesOut
    housing_demand: HousingDemandOut
    consent: ConsentOut
    referrals: list[ReferralOut]
    orientations: list[OrientationOut]
    notes: str | None = Field(description="Notes libres : null sans accès aux informations sensibles.")
    whereabouts: str | None = Field(description="Où joindre le ménage : null pour un dossier protégé non habilité.")


class ReferralReceipt(Schema):
    referral_id: int
    household_id: int
    household_reference: str
    household: HouseholdDetail | None = Field(description="Le dossier, si l'organisation du jeton peut le voir.")


class ReferralPage(Schema):
    count: int
    items: list[ReferralOut]


class EventOut(Schema):
    id: int
    kind: str
    label: str
    occurred_on: date
    organisation_id: int | None
    payload: dict
    sensitive: str


class PersonIn(Schema):
    last_name: str = Field(max_length=100)
    first_name: str = Field(max_length=100)
    aliases: str = Field("", max_length=300, description="Autres noms ou graphies (jamais le NIR).")
    birth_date: date | None = None
    birth_date_precision: one_of(codes.DatePrecision) = codes.DatePrecision.DAY.value
    sex: one_of(codes.Sex) = codes.Sex.UNKNOWN.value
    role: one_of(codes.PersonRole) = codes.PersonRole.ADULT.value
    administrative_status: one_of(codes.AdministrativeStatus) = codes.AdministrativeStatus.UNKNOWN.value
    is_head: bool = False

    def data(self) -> PersonData:
        return PersonData(**self.model_dump(exclude={"version"}))


class PersonAddIn(PersonIn):
    version: int | None = Field(None, description="Version du dossier lue ; refus (409) si elle a changé depuis.")


class ReferralIn(Schema):
    referrer_kind: one_of(codes.ReferrerKind)
    received_on: date
    summary: str = Field("", max_length=5000, description="Motif de la saisine (texte libre, sensible).")
    situation_kind: one_of(tuple(KINDS), blank=True) = Field("", description="Situation de logement actuelle (code).")
    situation_since: date | None = None
    priority_publics: list[one_of(codes.PriorityPublic)] = []
    consent_given: bool = False
    consent_on: date | None = None
    consent_kinds: list[one_of(OrganisationKind)] = Field(
        [], description="Catégories de partenaires avec lesquelles la personne accepte le partage."
    )

    def data(self, persons=()) -> ReferralData:
        return ReferralData(**self.model_dump(exclude={"persons"}), persons=list(persons))


class NewHouseholdIn(ReferralIn):
    persons: list[PersonIn] = []


class HouseholdPatch(Schema):
    """Only the fields sent are changed. A field left out keeps its value."""

    version: int = Field(description="Version du dossier lue ; refus (409) si elle a changé depuis.")
    accepted_communes: list[str] = Field(None, description="Codes INSEE des communes acceptées.")
    refused_communes: list[str] = Field(None, description="Codes INSEE des communes refusées.")
    wished_home_types: list[one_of(codes.HomeType)] = None
    has_pets: bool = None
    needs_ground_floor: bool = None
    needs_accessible: bool = None
    wants_to_live_alone: bool | None = None
    sne_number: str = Field(None, max_length=30)
    sne_filed_on: date | None = None
    sne_renewed_on: date | None = None
    sne_active: bool = None
    dalo_recognised: bool = None
    dalo_on: date | None = None
    next_review_on: date | None = None
    last_contact_on: date | None = None


class SituationIn(Schema):
    kind: one_of(tuple(KINDS)) = Field(description="Code de la situation ; chaque code relève d'une catégorie ETHOS.")
    started_on: date
    detail: str = Field("", max_length=200, description="Précision (texte libre, sensible).")
    version: int | None = None


class OrientationIn(Schema):
    decision: one_of(codes.Decision)
    decided_on: date
    measure: one_of(codes.MeasureCode, blank=True) = ""
    housing_search: bool = False
    accompanying_organisation_id: int | None = None
    reason: one_of(codes.DecisionReason, blank=True) = ""
    comment: str = Field("", max_length=5000)
    referral_id: int | None = Field(None, description="La saisine décidée ; par défaut, la saisine en cours.")
    version: int | None = None


class ExitIn(Schema):
    on: date
    reason: one_of(codes.ExitReason)
    housed_in: one_of(codes.HomeType, blank=True) = ""
    version: int | None = None


class HouseholdFilters(Schema):
    statut: one_of(codes.HouseholdStatus) | None = Field(None, description="Statut du dossier.")
    ethos: int | None = Field(None, ge=1, le=13, description="Catégorie ETHOS de la situation actuelle (1 à 13).")
    mis_a_jour_depuis: date | None = Field(None, description="Dossiers modifiés depuis cette date (incluse).")
    limit: int = Field(50, ge=1, le=MAX_PAGE)
    offset: int = Field(0, ge=0, le=MAX_OFFSET)


class ReferralFilters(Schema):
    statut: one_of(codes.ReferralStatus) | None = None
    limit: int = Field(50, ge=1, le=MAX_PAGE)
    offset: int = Field(0, ge=0, le=MAX_OFFSET)


# --- building answers (where sensitive fields are masked) -----------------------------------------


def _situation(situation: LivingSituation, sensitive: bool) -> dict:
    hidden = situation.sensitive and not sensitive
    return {
        "id": situation.pk,
        "kind": None if hidden else situation.kind,
        "label": CONFIDENTIAL if hidden else situation.get_kind_display(),
        "ethos": None if hidden else situation.ethos,
        "started_on": situation.started_on,
        "ended_on": situation.ended_on,
        "detail": situation.detail if sensitive else None,
    }


def _person(person, sensitive: bool, today: date) -> dict:
    return {
        "id": person.pk,
        "last_name": person.last_name,
        "first_name": person.first_name,
        "aliases": person.aliases,
        "birth_date": person.birth_date,
        "birth_date_precision": person.birth_date_precision,
        "age": person.age_on(today),
        "sex": person.sex,
        "role": person.role,
        "is_head": person.is_head,
        "administrative_status": person.administrative_status if sensitive else None,
    }


def _composition(persons, today: date) -> dict:
    found = composition(persons, today)
    return {
        "adults": found.adults,
        "children": found.children,
        "others": found.others,
        "children_ages": list(found.children_ages),
        "single_parent": found.single_parent,
    }


def _referral(referral: Referral, household: Household, sensitive: bool) -> dict:
    return {
        "id": referral.pk,
        "household_id": household.pk,
        "household_reference": household.reference,
        "referring_organisation_id": referral.referring_organisation_id,
        "referrer_kind": referral.referrer_kind,
        "received_on": referral.received_on,
        "status": referral.status,
        "summary": referral.summary if sensitive else None,
    }


def _orientation(orientation, sensitive: bool) -> dict:
    return {
        "id": orientation.pk,
        "referral_id": orientation.referral_id,
        "decision": orientation.decision,
        "measure": orientation.measure,
        "housing_search": orientation.housing_search,
        "accompanying_organisation_id": orientation.accompanying_organisation_id,
        "reason": orientation.reason,
        "comment": orientation.comment if sensitive else None,
        "decided_on": orientation.decided_on,
        "delay_days": orientation.delay_days,
    }


def _organisation(organisation) -> dict | None:
    return {"id": organisation.pk, "name": organisation.name} if organisation else None


def _visible_priorities(publics, sensitive: bool) -> list[str]:
    return [code for code in publics if sensitive or code not in codes.PRIORITY_SENSITIVE]


def _state(household: Household) -> dict:
    return {
        "id": household.pk,
        "reference": household.reference,
        "status": household.status,
        "version": household.version,
    }


def _detail(request, household: Household) -> dict:
    """The household as the token may see it; the read is logged (who, which file, never values)."""
    seen = _access(request, household, with_viewers=True)
    if seen.none:
        raise HttpError(404, "Introuvable.")
    sensitive = seen.sensitive
    today = timezone.localdate()
    persons = list(household.persons.all())
    history = list(household.situations.all())
    situations = [_situation(s, sensitive) for s in history]
    current = next((shown for shown, row in zip(situations, history, strict=True) if row.ended_on is None), None)
    record_read(request, household, protected=household.protected)
    return {
        **_state(household),
        "status_label": household.get_status_display(),
        "protected": household.protected,
        "sensitive_visible": sensitive,
        "created_by_organisation": _organisation(household.created_by_organisation),
        "referent_organisation": _organisation(household.referent_organisation),
        "accompanying_organisation": _organisation(household.accompanying_organisation),
        "entered_list_on": household.entered_list_on,
        "last_contact_on": household.last_contact_on,
        "next_review_on": household.next_review_on,
        "updated_at": household.updated_at,
        "persons": [_person(p, sensitive, today) for p in persons],
        "composition": _composition(persons, today),
        "resources": [
            {
                "id": r.pk,
                "person_id": r.person_id,
                "kind": r.kind,
                "monthly_amount": float(r.monthly_amount),
                "requested_on": r.requested_on,
                "opened_on": r.opened_on,
                "rights_open": r.rights_open,
            }
            for r in household.resources.all()
        ],
        "current_situation": current,
        "situations": situations,
        "priority_publics": _visible_priorities(household.priority_publics, sensitive),
        "needs": [
            {"kind": n.kind, "status": n.status, "updated_on": n.updated_on}
            for n in household.needs.all()
            if sensitive or not n.sensitive
        ],
        "wishes": {name: getattr(household, name) for name in WishesOut.model_fields},
        "housing_demand": {name: getattr(household, name) for name in HousingDemandOut.model_fields},
        "consent": {name: getattr(household, name) for name in ConsentOut.model_fields},
        "referrals": [_referral(r, household, sensitive) for r in household.referrals.all()],
        "orientations": [_orientation(o, sensitive) for o in household.orientations.all()],
        "notes": household.notes if sensitive else None,
        "whereabouts": household.whereabouts if seen.whereabouts else None,
    }


# --- operations -----------------------------------------------------------------------------------


@operation(
    "GET",
    "/menages",
    "households.view",
    response={200: HouseholdPage, **errors(401, 403, 422)},
    summary="Les ménages de la liste nominative visibles par l'organisation du jeton",
    description=(
        f"Paginé (`limit` ≤ {MAX_PAGE}, `offset`), trié par date de modification croissante : pour se "
        "synchroniser, relancer avec `mis_a_jour_depuis`. Seuls les dossiers que l'organisation du jeton "
        "peut voir (créés ou suivis par elle, accompagnés avec l'accord du ménage ; tout le territoire pour "
        "la coordination)."
    ),
)
def households(request, filters: Query[HouseholdFilters]):
    actor = request.actor
    current_kind = (
        LivingSituation.objects.filter(household=OuterRef("pk"), ended_on__isnull=True)
        .order_by("-started_on", "-pk")
        .values("kind")[:1]
    )
    # A bulk read: households whose persons restricted the processing stay out (spec 6).
    qs = (
        Household.objects.for_user(actor)
        .filter(not_blocked(RightsEffect.EXPORTS))
        .annotate(current_kind=Subquery(current_kind))
    )
    if filters.statut:
        qs = qs.filter(status=filters.statut)
    if filters.mis_a_jour_depuis:
        qs = qs.filter(updated_at__date__gte=filters.mis_a_jour_depuis)
    if filters.ethos:
        # A category met only by sensitive situations must not be found by who may not see them.
        qs = qs.filter(current_ethos=filters.ethos).filter(
            sensitive_filter(actor) | ~Q(current_kind__in=SENSITIVE_KINDS)
        )
    count = qs.count()
    page = list(
        qs.order_by("updated_at", "pk").prefetch_related("persons")[filters.offset : filters.offset + filters.limit]
    )
    kinds = token_kinds(request)
    items = []
    for household in page:
        sensitive = access(actor, FileFacts.of(household), kinds).sensitive
        persons = list(household.persons.all())
        head = next((p for p in persons if p.is_head), persons[0] if persons else None)
        hidden = household.current_kind in SENSITIVE_KINDS and not sensitive
        items.append(
            {
                **_state(household),
                "status_label": household.get_status_display(),
                "ethos": None if hidden else household.current_ethos,
                "head_last_name": head.last_name if head else "",
                "head_first_name": head.first_name if head else "",
                "persons": len(persons),
                "entered_list_on": household.entered_list_on,
                "last_contact_on": household.last_contact_on,
                "next_review_on": household.next_review_on,
                "referent_organisation_id": household.referent_organisation_id,
                "accompanying_organisation_id": household.accompanying_organisation_id,
                "updated_at": household.updated_at,
            }
        )
    return {"count": count, "items": items}


def _receipt(request, referral: Referral) -> dict:
    household = _households().get(pk=referral.household_id)
    visible = not _access(request, household).none
    return {
        "referral_id": referral.pk,
        "household_id": household.pk,
        "household_reference": household.reference,
        "household": _detail(request, household) if visible else None,
    }


@operation(
    "POST",
    "/menages",
    "referrals.create",
    response={201: ReferralReceipt, **errors(401, 403, 422)},
    summary="Saisir la plateforme pour un nouveau ménage (fiche saisine)",
    description=(
        "Crée le ménage, ses personnes et sa situation actuelle, et la saisine. Le dossier est renvoyé "
        "si l'organisation du jeton peut le voir ; sinon seulement sa référence."
    ),
)
def household_create(request, payload: NewHouseholdIn):
    persons = []
    for index, person in enumerate(payload.persons):
        data = person.data()
        try:
            services.check_person(data)
        except ValidationError as error:
            raise ValidationError({f"persons.{index}.{k}": v for k, v in error.message_dict.items()}) from None
        persons.append(data)
    territory = request.api_token.organisation.territory
    referral = services.receive_referral(territory, token_author(request), payload.data(persons))
    return Status(201, _receipt(request, referral))


@operation(
    "GET",
    "/menages/{household_id}",
    "households.view",
    response={200: HouseholdDetail, **errors(401, 403, 404, 422)},
    summary="Le dossier d'un ménage",
    description=(
        "Personnes, composition, ressources, situations (historique), publics prioritaires, besoins, "
        "souhaits, demande de logement social et DALO, organisations, accord de partage, saisines et "
        "orientations. Les catégories sensibles (santé, violences, situation administrative, textes "
        "libres) sont `null` ou absentes pour qui ne peut pas les voir. Chaque lecture est tracée."
    ),
)
def household(request, household_id: int):
    return _detail(request, _household(request, household_id))


def _check_communes(changes: dict):
    for name in ("accepted_communes", "refused_communes"):
        for code in changes.get(name, ()):
            try:
                validate_commune_code(code)
            except ValidationError as error:
                raise ValidationError({name: error.messages}) from None


@operation(
    "PATCH",
    "/menages/{household_id}",
    "households.edit",
    response={200: HouseholdState, **errors(401, 403, 404, 409, 422)},
    summary="Modifier les souhaits, la demande de logement social, le DALO et les dates de suivi",
    description=(
        "Seuls les champs envoyés changent. `version` est obligatoire : si le dossier a été modifié depuis "
        "qu'elle a été lue, la modification est refusée (409) et rien n'est enregistré."
    ),
)
def household_update(request, household_id: int, payload: HouseholdPatch):
    household = _household(request, household_id)
    changes = payload.model_dump(exclude_unset=True)
    version = changes.pop("version")
    _check_communes(changes)
    services.check_not_future(changes.get("last_contact_on"), "last_contact_on", "La date du dernier contact")
    services.update_household(household, token_author(request), version, **changes)
    return _state(household)


@operation(
    "GET",
    "/menages/{household_id}/personnes",
    "households.view",
    response={200: list[PersonOut], **errors(401, 403, 404, 422)},
    summary="Les personnes d'un ménage",
)
def household_persons(request, household_id: int):
    household = _household(request, household_id)
    sensitive = _access(request, household).sensitive
    record_read(request, household, section="personnes", protected=household.protected)
    today = timezone.localdate()
    return [_person(p, sensitive, today) for p in household.persons.all()]


@operation(
    "POST",
    "/menages/{household_id}/personnes",
    "households.edit",
    response={201: PersonOut, **errors(401, 403, 404, 409, 422)},
    summary="Ajouter une personne au ménage",
)
def household_person_add(request, household_id: int, payload: PersonAddIn):
    household = _household(request, household_id)
    person = services.add_person(household, token_author(request), payload.data(), expected_version=payload.version)
    return Status(201, _person(person, _access(request, household).sensitive, timezone.localdate()))


@operation(
    "GET",
    "/menages/{household_id}/situations",
    "households.view",
    response={200: list[SituationOut], **errors(401, 403, 404, 422)},
    summary="L'historique des situations de logement d'un ménage (catégories ETHOS)",
)
def household_situations(request, household_id: int):
    household = _household(request, household_id)
    sensitive = _access(request, household).sensitive
    record_read(request, household, section="situations", protected=household.protected)
    return [_situation(s, sensitive) for s in household.situations.all()]


@operation(
    "POST",
    "/menages/{household_id}/situations",
    "households.edit",
    response={201: SituationOut, **errors(401, 403, 404, 409, 422)},
    summary="Enregistrer une nouvelle situation de logement",
    description="La situation précédente se termine à la date de début de la nouvelle ; l'historique est conservé.",
)
def household_situation_add(request, household_id: int, payload: SituationIn):
    household = _household(request, household_id)
    situation = services.record_situation(
        household,
        token_author(request),
        payload.kind,
        payload.started_on,
        payload.detail,
        expected_version=payload.version,
    )
    return Status(201, _situation(situation, _access(request, household).sensitive))


@operation(
    "GET",
    "/saisines",
    "households.view",
    response={200: ReferralPage, **errors(401, 403, 422)},
    summary="Les saisines des ménages visibles par l'organisation du jeton",
    description=f"Paginé (`limit` ≤ {MAX_PAGE}, `offset`), les plus récentes d'abord.",
)
def referrals(request, filters: Query[ReferralFilters]):
    qs = Referral.objects.for_user(request.actor)
    if filters.statut:
        qs = qs.filter(status=filters.statut)
    count = qs.count()
    page = qs.select_related("household").order_by("-received_on", "-pk")[
        filters.offset : filters.offset + filters.limit
    ]
    kinds = token_kinds(request)
    items = [_referral(r, r.household, access(request.actor, FileFacts.of(r.household), kinds).sensitive) for r in page]
    return {"count": count, "items": items}


@operation(
    "POST",
    "/menages/{household_id}/saisines",
    "referrals.create",
    response={201: ReferralReceipt, **errors(401, 403, 404, 409, 422)},
    summary="Saisir la plateforme pour un ménage déjà connu",
    description="Pour un ménage sorti de la liste, la saisine ouvre un nouvel épisode (droit au recommencement).",
)
def household_referral_add(request, household_id: int, payload: ReferralIn):
    household = _household(request, household_id)
    referral = services.receive_referral(
        household.territory, token_author(request), payload.data(), household=household
    )
    return Status(201, _receipt(request, referral))


@operation(
    "POST",
    "/menages/{household_id}/orientations",
    "referrals.decide",
    response={201: OrientationOut, **errors(401, 403, 404, 409, 422)},
    summary="Décider de l'orientation d'un ménage",
    description="Décide la saisine en cours (ou celle nommée par `referral_id`). Une transition impossible répond 409.",
)
def household_orientation_add(request, household_id: int, payload: OrientationIn):
    household = _household(request, household_id)
    referrals_of = household.referrals.all()
    if payload.referral_id is not None:
        referral = referrals_of.filter(pk=payload.referral_id).first()
        if referral is None:
            raise ValidationError({"referral_id": "Cette saisine n'appartient pas à ce ménage."})
    else:
        referral = referrals_of.exclude(status=codes.ReferralStatus.DECIDED).order_by("-received_on", "-pk").first()
    organisation_id = payload.accompanying_organisation_id
    if (
        organisation_id is not None
        and not Organisation.objects.filter(
            pk=organisation_id, territory_id=household.territory_id, is_active=True
        ).exists()
    ):
        raise ValidationError(
            {"accompanying_organisation_id": "Aucune organisation active de ce numéro sur le territoire."}
        )
    data = DecisionData(**payload.model_dump(exclude={"referral_id", "version"}))
    orientation = services.decide(household, token_author(request), data, referral, expected_version=payload.version)
    return Status(201, _orientation(orientation, _access(request, household).sensitive))


@operation(
    "POST",
    "/menages/{household_id}/sortie",
    "households.exit",
    response={200: HouseholdState, **errors(401, 403, 404, 409, 422)},
    summary="Sortie de la liste (motif et date obligatoires)",
    description="« Logé » (`housed`) demande le type de logement (`housed_in`).",
)
def household_exit(request, household_id: int, payload: ExitIn):
    household = _household(request, household_id)
    services.leave_list(
        household,
        token_author(request),
        payload.on,
        payload.reason,
        payload.housed_in,
        expected_version=payload.version,
    )
    return _state(household)


@operation(
    "GET",
    "/menages/{household_id}/evenements",
    "households.view",
    response={200: list[EventOut], **errors(401, 403, 404, 422)},
    summary="Le fil chronologique du ménage (événements typés)",
    description="Les événements d'une catégorie sensible ne sont listés que pour qui peut la voir.",
)
def household_events(request, household_id: int):
    household = _household(request, household_id)
    sensitive = _access(request, household).sensitive
    record_read(request, household, section="evenements", protected=household.protected)
    events = HouseholdEvent.objects.filter(household=household)
    if not sensitive:
        events = events.filter(sensitive="")
    return [
        {
            "id": e.pk,
            "kind": e.kind,
            "label": e.get_kind_display(),
            "occurred_on": e.occurred_on,
            "organisation_id": e.organisation_id,
            "payload": e.payload,
            "sensitive": e.sensitive,
        }
        for e in events
    ]
