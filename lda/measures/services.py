"""Every write to measures: validated, versioned, one transaction, logged.

Views, the API and the demo call these functions, so a rule holds whoever writes. The life cycle
(`lifecycle.py`) and the type's rules (`rules.py`) are asked before anything is written. Errors are
`ValidationError` (French, per field), `TransitionRefused`, `RuleRefused` or `StaleMeasure`.
"""

from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from lda.accounts.models import Organisation
from lda.accounts.roles import ROLE_RULES, Role
from lda.core.validators import NIR_MESSAGE, contains_nir_like
from lda.households import services as household_services
from lda.households.codes import Sensitive
from lda.households.models import EventKind
from lda.households.services import Author, check_not_future
from lda.measures import alerts, codes, lifecycle, rules
from lda.measures.models import (
    Measure,
    MeasureDocument,
    MeasureEvent,
    MeasureEventKind,
    MeasureType,
    MeasureTypeVersion,
    Meeting,
    Outcome,
    PartnerMobilisation,
    RenewalApproval,
    RenewalRequest,
    Review,
    StaffMember,
)
from lda.measures.scopes import approver_codes_by_territory

S = codes.MeasureStatus
STALE_MESSAGE = (
    "Cette mesure a été modifiée par quelqu'un d'autre depuis que vous l'avez ouverte. "
    "Vos modifications n'ont pas été enregistrées : rechargez la page pour voir la version à jour, puis recommencez."
)
DOCUMENT_TYPES = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}
DOCUMENT_MAX_BYTES = 5 * 1024 * 1024


class StaleMeasure(Exception):
    def __init__(self, message=STALE_MESSAGE):
        super().__init__(message)


# --- facts, version and log --------------------------------------------------------------------


def facts_of(measure: Measure) -> rules.MeasureFacts:
    """The engine's view of a measure (granted renewals and held reviews, from the database)."""
    granted = measure.renewals.filter(status=codes.RenewalStatus.APPROVED).order_by("decided_on", "pk")
    return rules.MeasureFacts(
        activated_on=measure.activated_on,
        housing_entry_on=measure.housing_entry_on,
        renewals=tuple(rules.Renewal(r.months, r.derogation) for r in granted),
        reviews_held=tuple(measure.reviews.values_list("month", flat=True)),
        ended_on=measure.ended_on,
    )


def _lock(measure: Measure, expected_version: int | None) -> Measure:
    """Re-reads the measure under a row lock and checks nobody saved in between."""
    fresh = Measure.objects.select_for_update().select_related("type_version").get(pk=measure.pk)
    if expected_version is not None and fresh.version != expected_version:
        raise StaleMeasure()
    return fresh


def _save(measure: Measure, *fields: str) -> None:
    """Saves `fields`, recomputes the engine's dates, bumps the version."""
    facts = facts_of(measure)
    measure.planned_end_on = rules.end_on(measure.rules, facts)
    review = rules.next_review(measure.rules, facts, timezone.localdate()) if measure.status == S.ACTIVE else None
    measure.next_review_on = review.due_on if review else None
    Measure.objects.filter(pk=measure.pk).update(
        version=F("version") + 1,
        planned_end_on=measure.planned_end_on,
        next_review_on=measure.next_review_on,
        **{name: getattr(measure, name) for name in fields},
    )
    measure.version += 1


def _log(measure: Measure, kind: str, occurred_on: date, author: Author | None, **payload) -> MeasureEvent:
    return MeasureEvent.objects.create(
        measure=measure,
        kind=kind,
        occurred_on=occurred_on,
        user_id=author.user_id if author else None,
        organisation_id=author.organisation_id if author else None,
        payload=payload,
    )


def _check_text(**fields):
    errors = {name: NIR_MESSAGE for name, text in fields.items() if contains_nir_like(text or "")}
    if errors:
        raise ValidationError(errors)


def _not_before(value: date, floor: date | None, field_name: str, message: str):
    if floor and value < floor:
        raise ValidationError({field_name: message})


# --- orientation and contract --------------------------------------------------------------------


def operators(territory) -> list[Organisation]:
    """Organisations that may run a measure: active ones of the territory whose kind has social workers."""
    kinds = ROLE_RULES[Role.SOCIAL_WORKER].organisation_kinds
    return list(Organisation.objects.filter(territory=territory, is_active=True, kind__in=kinds).order_by("name"))


@transaction.atomic
def orient(
    household,
    measure_type: MeasureType,
    operator: Organisation,
    oriented_on: date,
    author: Author,
    orientation=None,
) -> Measure:
    """Opens a measure for a household on the type's current version (status: oriented)."""
    errors = {}
    if measure_type.territory_id != household.territory_id or not measure_type.is_active:
        errors["measure_type"] = "Ce type de mesure n'est pas proposé sur ce territoire."
    if operator.territory_id != household.territory_id or operator not in operators(household.territory):
        errors["operator"] = "Cette organisation ne peut pas porter de mesure d'accompagnement sur ce territoire."
    if errors:
        raise ValidationError(errors)
    check_not_future(oriented_on, "oriented_on", "La date d'orientation")
    same_type = Measure.objects.filter(household=household, type_version__measure_type=measure_type)
    if same_type.filter(status__in=codes.OPEN_STATUSES).exists():
        raise ValidationError({"measure_type": "Ce ménage a déjà une mesure de ce type en cours."})
    version = measure_type.current
    previous = same_type.filter(status__in=[S.ENDED, S.ABANDONED]).order_by("-pk").first()
    if previous and not version.re_entry:
        raise ValidationError({"measure_type": "Ce type de mesure ne prévoit pas de nouvelle entrée après une fin."})
    measure = Measure.objects.create(
        territory_id=household.territory_id,
        household=household,
        type_version=version,
        operator=operator,
        orientation=orientation,
        previous=previous,
        oriented_on=oriented_on,
        created_by=author.user,
    )
    _log(measure, MeasureEventKind.ORIENTED, oriented_on, author, type=measure_type.code, version=version.number)
    return measure


@dataclass
class Document:
    filename: str
    content_type: str
    content: bytes


def check_document(document: Document | None, field_name="document", required=True):
    if document is None:
        if required:
            raise ValidationError({field_name: "Joignez le contrat signé (PDF, JPEG ou PNG)."})
        return
    if document.content_type not in DOCUMENT_TYPES:
        raise ValidationError({field_name: "Le document doit être un PDF, une image JPEG ou PNG."})
    if not document.content:
        raise ValidationError({field_name: "Le document est vide."})
    if len(document.content) > DOCUMENT_MAX_BYTES:
        raise ValidationError(
            {field_name: "Le document dépasse 5 Mo : réduisez-le (PDF compressé, photo moins lourde)."}
        )
    magic = {b"%PDF": "application/pdf", b"\xff\xd8\xff": "image/jpeg", b"\x89PNG": "image/png"}
    if not any(document.content.startswith(m) and t == document.content_type for m, t in magic.items()):
        raise ValidationError({field_name: "Le contenu du document ne correspond pas à son type déclaré."})


@transaction.atomic
def record_contract(
    measure: Measure,
    signed_on: date,
    document: Document,
    author: Author,
    expected_version: int | None,
    referent: StaffMember | None = None,
    sliding_lease: bool = False,
) -> Measure:
    """The contract signed by the household and the operator, with the signed document."""
    measure = _lock(measure, expected_version)
    status = lifecycle.target(measure.status, "record_contract")
    check_not_future(signed_on, "contract_signed_on", "La date de signature")
    _not_before(signed_on, measure.oriented_on, "contract_signed_on", "Le contrat ne peut pas précéder l'orientation.")
    check_document(document)
    if referent is not None and (referent.organisation_id != measure.operator_id or not referent.is_active):
        raise ValidationError({"referent": "Choisissez un membre de l'équipe de l'opérateur."})
    MeasureDocument.objects.create(
        measure=measure,
        kind=MeasureDocument.Kind.CONTRACT,
        filename=document.filename[:200],
        content_type=document.content_type,
        size=len(document.content),
        content=document.content,
        uploaded_by=author.user,
    )
    measure.status, measure.contract_signed_on = status, signed_on
    measure.referent, measure.sliding_lease = referent, sliding_lease
    _save(measure, "status", "contract_signed_on", "referent", "sliding_lease")
    _log(measure, MeasureEventKind.CONTRACT_RECORDED, signed_on, author)
    return measure


@transaction.atomic
def send(measure: Measure, sent_on: date, author: Author, expected_version: int | None) -> Measure:
    measure = _lock(measure, expected_version)
    measure.status = lifecycle.target(measure.status, "send")
    check_not_future(sent_on, "sent_on", "La date de transmission")
    _not_before(sent_on, measure.contract_signed_on, "sent_on", "La transmission ne peut pas précéder la signature.")
    measure.sent_on = sent_on
    _save(measure, "status", "sent_on")
    _log(measure, MeasureEventKind.SENT, sent_on, author)
    alerts.raise_alert(measure, codes.AlertKind.CONTRACT_WAITING, sent_on, alerts.COORDINATOR)
    return measure


@transaction.atomic
def send_back(measure: Measure, on: date, author: Author, expected_version: int | None) -> Measure:
    """The coordinator returns a contract that cannot be activated as it is."""
    measure = _lock(measure, expected_version)
    measure.status = lifecycle.target(measure.status, "send_back")
    measure.sent_on = None
    _save(measure, "status", "sent_on")
    _log(measure, MeasureEventKind.SENT_BACK, on, author)
    alerts.close(measure, codes.AlertKind.CONTRACT_WAITING)
    return measure


@transaction.atomic
def activate(measure: Measure, activated_on: date, author: Author, expected_version: int | None) -> Measure:
    """Only the coordinator activates, on receipt of the signed contract (checked by the views)."""
    measure = _lock(measure, expected_version)
    measure.status = lifecycle.target(measure.status, "activate")
    check_not_future(activated_on, "activated_on", "La date d'activation")
    _not_before(
        activated_on, measure.contract_signed_on, "activated_on", "L'activation ne peut pas précéder la signature."
    )
    if not measure.documents.filter(kind=MeasureDocument.Kind.CONTRACT).exists():
        raise ValidationError({"activated_on": "Aucun contrat signé n'est joint : la mesure ne peut pas être activée."})
    measure.activated_on, measure.activated_by = activated_on, author.user
    _save(measure, "status", "activated_on", "activated_by")
    _log(measure, MeasureEventKind.ACTIVATED, activated_on, author)
    alerts.close(measure, codes.AlertKind.CONTRACT_WAITING)
    household = measure.household
    measure_type = measure.type_version.measure_type
    household_services.emit(
        household,
        EventKind.MEASURE_ACTIVATED,
        activated_on,
        author,
        {"measure": measure_type.code},
        sensitive=measure_type.reveals,
    )
    if household.accompanying_organisation_id != measure.operator_id:
        household_services.touch(household, None, accompanying_organisation_id=measure.operator_id)
    return measure


@transaction.atomic
def record_entry(measure: Measure, entry_on: date, author: Author, expected_version: int | None) -> Measure:
    """The household entered its home: ends the pre-housing period."""
    measure = _lock(measure, expected_version)
    lifecycle.target(measure.status, "record_entry")
    check_not_future(entry_on, "housing_entry_on", "La date d'entrée")
    _not_before(entry_on, measure.oriented_on, "housing_entry_on", "L'entrée ne peut pas précéder l'orientation.")
    measure.housing_entry_on = entry_on
    _save(measure, "housing_entry_on")
    _log(measure, MeasureEventKind.ENTRY_RECORDED, entry_on, author)
    alerts.close(measure, codes.AlertKind.PRE_HOUSING_EXCEEDED)
    return measure


@transaction.atomic
def change_referent(measure: Measure, referent: StaffMember | None, author: Author, expected_version: int | None):
    measure = _lock(measure, expected_version)
    lifecycle.target(measure.status, "change_referent")
    if referent is not None and (referent.organisation_id != measure.operator_id or not referent.is_active):
        raise ValidationError({"referent": "Choisissez un membre de l'équipe de l'opérateur."})
    measure.referent = referent
    _save(measure, "referent")
    _log(measure, MeasureEventKind.REFERENT_CHANGED, timezone.localdate(), author)
    return measure


# --- reviews and outcomes ------------------------------------------------------------------------


@dataclass
class OutcomeData:
    kind: str
    contract_type: str = ""


def check_outcomes(outcomes: list[OutcomeData]):
    for outcome in outcomes:
        if outcome.kind not in codes.OutcomeKind.values:
            raise ValidationError({"outcomes": f"Résultat inconnu : « {outcome.kind} »."})
        if outcome.kind == codes.OutcomeKind.EMPLOYMENT:
            if outcome.contract_type not in codes.ContractType.values:
                raise ValidationError({"contract_type": "Pour un accès à l'emploi, précisez le type de contrat."})
        elif outcome.contract_type:
            raise ValidationError({"contract_type": "Le type de contrat ne concerne que l'accès à l'emploi."})


def _record_outcomes(measure, outcomes: list[OutcomeData], on: date, review=None, at_end=False):
    Outcome.objects.bulk_create(
        Outcome(
            measure=measure,
            review=review,
            kind=o.kind,
            contract_type=o.contract_type,
            recorded_on=on,
            at_end=at_end,
        )
        for o in outcomes
    )


@dataclass
class ReviewData:
    month: int
    held_on: date
    meetings_per_week: int
    home_visits_per_week: int
    shared_with_coordinator: bool = False
    obstacles: str = ""
    outcomes: list[OutcomeData] = field(default_factory=list)


@transaction.atomic
def record_review(measure: Measure, data: ReviewData, author: Author, expected_version: int | None) -> Review:
    """A scheduled review; it states the intensity agreed for the next period."""
    measure = _lock(measure, expected_version)
    lifecycle.target(measure.status, "record_review")
    schedule = {r.month: r for r in rules.review_schedule(measure.rules, facts_of(measure))}
    due = schedule.get(data.month)
    if due is None:
        months = ", ".join(f"{m} mois" for m in schedule) or "aucun"
        raise ValidationError({"month": f"Ce bilan n'est pas prévu pour cette mesure (bilans prévus : {months})."})
    if due.held:
        raise ValidationError({"month": f"Le bilan à {data.month} mois est déjà enregistré."})
    check_not_future(data.held_on, "held_on", "La date du bilan")
    _not_before(data.held_on, measure.activated_on, "held_on", "Le bilan ne peut pas précéder l'activation.")
    if data.meetings_per_week < 0 or data.home_visits_per_week < 0 or data.meetings_per_week > 21:
        raise ValidationError({"meetings_per_week": "Indiquez un nombre de rencontres par semaine entre 0 et 21."})
    if data.home_visits_per_week > data.meetings_per_week:
        raise ValidationError(
            {"home_visits_per_week": "Les visites à domicile font partie des rencontres : pas plus que celles-ci."}
        )
    _check_text(obstacles=data.obstacles)
    check_outcomes(data.outcomes)
    review = Review.objects.create(
        measure=measure,
        month=data.month,
        held_on=data.held_on,
        informal=due.informal,
        meetings_per_week=data.meetings_per_week,
        home_visits_per_week=data.home_visits_per_week,
        shared_with_coordinator=data.shared_with_coordinator,
        obstacles=data.obstacles.strip(),
        created_by=author.user,
    )
    _record_outcomes(measure, data.outcomes, data.held_on, review=review)
    _save(measure)
    _log(measure, MeasureEventKind.REVIEW_RECORDED, data.held_on, author, month=data.month)
    alerts.close(measure, codes.AlertKind.REVIEW_DUE, due.due_on)
    alerts.close(measure, codes.AlertKind.REVIEW_OVERDUE, due.due_on)
    return review


@transaction.atomic
def record_outcome(measure: Measure, outcome: OutcomeData, recorded_on: date, author: Author) -> Outcome:
    lifecycle.target(measure.status, "record_outcome")
    check_outcomes([outcome])
    check_not_future(recorded_on, "recorded_on", "La date")
    _not_before(recorded_on, measure.oriented_on, "recorded_on", "Le résultat ne peut pas précéder l'orientation.")
    return Outcome.objects.create(
        measure=measure, kind=outcome.kind, contract_type=outcome.contract_type, recorded_on=recorded_on
    )


# --- renewals ------------------------------------------------------------------------------------


@transaction.atomic
def request_renewal(
    measure: Measure, months: int, derogation: bool, requested_on: date, author: Author, expected_version: int | None
) -> RenewalRequest:
    measure = _lock(measure, expected_version)
    lifecycle.target(measure.status, "request_renewal")
    check_not_future(requested_on, "requested_on", "La date de la demande")
    if measure.renewals.filter(status=codes.RenewalStatus.REQUESTED).exists():
        raise rules.RuleRefused("Une demande de renouvellement attend déjà une réponse.")
    rules.check_renewal(measure.rules, facts_of(measure), months, derogation)
    request = RenewalRequest.objects.create(
        measure=measure, requested_on=requested_on, months=months, derogation=derogation, requested_by=author.user
    )
    _save(measure)
    _log(measure, MeasureEventKind.RENEWAL_REQUESTED, requested_on, author, months=months, derogation=derogation)
    for approver in rules.required_approvers(measure.rules, derogation):
        alerts.raise_alert(measure, codes.AlertKind.RENEWAL_WAITING, requested_on, alerts.APPROVER, approver)
    return request


def approver_codes(actor, measure: Measure) -> list[str]:
    """The approvals this actor may give on the measure (by role and organisation kind)."""
    pairs = approver_codes_by_territory(actor)
    return list(dict.fromkeys(code for territory_id, code in pairs if territory_id == measure.territory_id))


@transaction.atomic
def decide_renewal(
    request: RenewalRequest, approver: str, approved: bool, author: Author, actor, comment: str = ""
) -> RenewalRequest:
    """One approver's opinion; the request is granted once every approver the type names agreed."""
    request = RenewalRequest.objects.select_for_update().get(pk=request.pk)
    measure = _lock(request.measure, None)
    lifecycle.target(measure.status, "decide_renewal")
    if request.status != codes.RenewalStatus.REQUESTED:
        raise rules.RuleRefused("Cette demande de renouvellement a déjà reçu sa réponse.")
    required = rules.required_approvers(measure.rules, request.derogation)
    if approver not in required:
        raise rules.RuleRefused("Ce type de mesure ne demande pas cet accord pour ce renouvellement.")
    if approver not in approver_codes(actor, measure):
        raise rules.RuleRefused(f"Vous ne pouvez pas donner l'accord au titre de : {codes.APPROVERS[approver].label}.")
    if request.approvals.filter(approver=approver).exists():
        raise rules.RuleRefused("Cet accord a déjà été donné ou refusé.")
    _check_text(comment=comment)
    RenewalApproval.objects.create(
        request=request,
        approver=approver,
        approved=approved,
        user=author.user,
        api_token_id=getattr(actor, "token_id", None),
        organisation_id=author.organisation_id,
        comment=comment.strip()[:500],
    )
    _log(measure, MeasureEventKind.RENEWAL_APPROVAL, timezone.localdate(), author, approver=approver, approved=approved)
    alerts.close(measure, codes.AlertKind.RENEWAL_WAITING, request.requested_on, approver=approver)
    given = dict(request.approvals.values_list("approver", "approved"))
    decision = rules.renewal_decision(measure.rules, request.derogation, given)
    if decision == codes.RenewalStatus.APPROVED:
        # The rules are checked again: the measure may have changed since the request.
        rules.check_renewal(measure.rules, facts_of(measure), request.months, request.derogation)
    if decision != codes.RenewalStatus.REQUESTED:
        request.status, request.decided_on = decision, timezone.localdate()
        request.save(update_fields=["status", "decided_on"])
        _log(measure, MeasureEventKind.RENEWAL_DECIDED, request.decided_on, author, status=decision)
        if decision == codes.RenewalStatus.REFUSED:
            alerts.close(measure, codes.AlertKind.RENEWAL_WAITING, request.requested_on)
    _save(measure)
    return request


# --- end -----------------------------------------------------------------------------------------


@dataclass
class EndData:
    ended_on: date
    reason: str
    follow_on: str = ""
    follow_on_name: str = ""
    outcomes: list[OutcomeData] = field(default_factory=list)


@transaction.atomic
def end(measure: Measure, data: EndData, author: Author, expected_version: int | None) -> Measure:
    """Ends an active measure; the coordinator is told at once (seed 003)."""
    measure = _lock(measure, expected_version)
    measure.status = lifecycle.target(measure.status, "end")
    if data.reason not in codes.EndReason.values:
        raise ValidationError({"reason": "Choisissez le motif de fin."})
    check_not_future(data.ended_on, "ended_on", "La date de fin")
    _not_before(data.ended_on, measure.activated_on, "ended_on", "La fin ne peut pas précéder l'activation.")
    latest = rules.latest_end_on(measure.rules, measure.activated_on)
    if data.ended_on > latest:
        raise ValidationError({"ended_on": f"La mesure ne peut pas durer au-delà du {latest:%d/%m/%Y}."})
    hand_over = data.reason == codes.EndReason.HANDED_OVER or (
        measure.type_version.hand_over_required and data.reason == codes.EndReason.GOALS_MET
    )
    if data.follow_on and data.follow_on not in codes.FollowOn.values:
        raise ValidationError({"follow_on": "Relais inconnu."})
    if hand_over and not data.follow_on:
        raise ValidationError({"follow_on": "Nommez l'accompagnement de droit commun qui prend le relais."})
    if hand_over and not data.follow_on_name.strip():
        raise ValidationError({"follow_on_name": "Nommez le service ou la personne qui prend le relais."})
    _check_text(follow_on_name=data.follow_on_name)
    check_outcomes(data.outcomes)
    measure.ended_on, measure.end_reason = data.ended_on, data.reason
    measure.follow_on, measure.follow_on_name = data.follow_on, data.follow_on_name.strip()[:200]
    _record_outcomes(measure, data.outcomes, data.ended_on, at_end=True)
    measure.renewals.filter(status=codes.RenewalStatus.REQUESTED).update(
        status=codes.RenewalStatus.REFUSED, decided_on=data.ended_on
    )
    _save(measure, "status", "ended_on", "end_reason", "follow_on", "follow_on_name")
    _log(measure, MeasureEventKind.ENDED, data.ended_on, author, reason=data.reason, follow_on=data.follow_on)
    _announce_exit(measure, data.ended_on, data.reason, author)
    return measure


@transaction.atomic
def abandon(measure: Measure, on: date, reason: str, author: Author, expected_version: int | None) -> Measure:
    """A measure that never started (the household declined, moved or died before activation)."""
    measure = _lock(measure, expected_version)
    measure.status = lifecycle.target(measure.status, "abandon")
    if reason not in codes.ABANDON_REASONS:
        raise ValidationError({"reason": "Choisissez le motif : non-adhésion, déménagement ou décès."})
    check_not_future(on, "ended_on", "La date")
    _not_before(on, measure.oriented_on, "ended_on", "La date ne peut pas précéder l'orientation.")
    measure.ended_on, measure.end_reason = on, reason
    _save(measure, "status", "ended_on", "end_reason")
    _log(measure, MeasureEventKind.ABANDONED, on, author, reason=reason)
    alerts.close(measure, codes.AlertKind.CONTRACT_WAITING)
    _announce_exit(measure, on, reason, author)
    return measure


def _announce_exit(measure: Measure, on: date, reason: str, author: Author):
    alerts.close_all(measure)
    alerts.raise_alert(measure, codes.AlertKind.EXIT, on, alerts.COORDINATOR)
    measure_type = measure.type_version.measure_type
    household_services.emit(
        measure.household,
        EventKind.MEASURE_ENDED,
        on,
        author,
        {"measure": measure_type.code, "reason": reason},
        sensitive=measure_type.reveals,
    )


# --- meetings, partners, staff -------------------------------------------------------------------


@dataclass
class MeetingData:
    held_on: date
    kind: str
    duration_minutes: int
    staff_id: int | None = None


@transaction.atomic
def record_meeting(measure: Measure, data: MeetingData, author: Author) -> Meeting:
    lifecycle.target(measure.status, "record_meeting")
    errors = {}
    if data.kind not in codes.MeetingKind.values:
        errors["kind"] = "Choisissez le type de rencontre."
    if not 1 <= (data.duration_minutes or 0) <= 720:
        errors["duration_minutes"] = "La durée est comprise entre 1 minute et 12 heures."
    staff = None
    if data.staff_id is not None:
        staff = StaffMember.objects.filter(
            pk=data.staff_id, organisation_id=measure.operator_id, is_active=True
        ).first()
        if staff is None:
            errors["staff"] = "Choisissez un membre de l'équipe de l'opérateur."
    if errors:
        raise ValidationError(errors)
    check_not_future(data.held_on, "held_on", "La date de la rencontre")
    _not_before(data.held_on, measure.oriented_on, "held_on", "La rencontre ne peut pas précéder l'orientation.")
    return Meeting.objects.create(
        measure=measure,
        held_on=data.held_on,
        kind=data.kind,
        duration_minutes=data.duration_minutes,
        staff=staff,
        created_by=author.user,
    )


@transaction.atomic
def mobilise_partner(measure: Measure, kind: str, since: date, author: Author, name: str = "") -> PartnerMobilisation:
    lifecycle.target(measure.status, "mobilise_partner")
    if kind not in codes.PartnerKind.values:
        raise ValidationError({"kind": "Choisissez le partenaire."})
    check_not_future(since, "since", "La date")
    _check_text(name=name)
    return PartnerMobilisation.objects.create(
        measure=measure, kind=kind, category=codes.PARTNER_CATEGORY[kind], name=name.strip()[:200], since=since
    )


@dataclass
class StaffData:
    first_name: str
    last_name: str
    profession: str
    user_id: int | None = None


def check_staff(data: StaffData):
    errors = {}
    if not data.first_name.strip():
        errors["first_name"] = "Le prénom est obligatoire."
    if not data.last_name.strip():
        errors["last_name"] = "Le nom est obligatoire."
    if data.profession not in codes.Profession.values:
        errors["profession"] = "Choisissez la profession."
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def add_staff(organisation: Organisation, data: StaffData) -> StaffMember:
    check_staff(data)
    return StaffMember.objects.create(
        organisation=organisation,
        first_name=data.first_name.strip(),
        last_name=data.last_name.strip(),
        profession=data.profession,
        user_id=data.user_id,
    )


@transaction.atomic
def set_staff_active(member: StaffMember, active: bool) -> StaffMember:
    member.is_active = active
    member.save(update_fields=["is_active"])
    return member


# --- measure types -------------------------------------------------------------------------------

VERSION_FIELDS = (
    "target_public",
    "orienting_by",
    "standard_months",
    "max_months",
    "pre_housing_months",
    "pre_housing_reduces_sliding_lease",
    "review_months",
    "informal_review_months",
    "renewal_step_months",
    "renewal_cap_months",
    "renewal_approvers",
    "derogation_months",
    "derogation_approvers",
    "meetings_per_week",
    "home_visits_per_week",
    "availability",
    "unit_cost",
    "advance_share",
    "indirect_cost_cap",
    "monthly_aid",
    "monthly_count",
    "re_entry",
    "hand_over_required",
)


def check_version_fields(values: dict):
    errors = {}
    for name in ("renewal_approvers", "derogation_approvers"):
        unknown = [code for code in values.get(name, []) if code not in codes.APPROVERS]
        if unknown:
            errors[name] = f"Approbateur inconnu : {', '.join(unknown)}."
    if errors:
        raise ValidationError(errors)
    rules_only = {k: values[k] for k in values if k in rules.TypeRules.__dataclass_fields__}
    for name in ("review_months", "informal_review_months", "renewal_approvers", "derogation_approvers"):
        rules_only[name] = tuple(rules_only.get(name) or ())
    problems = rules.TypeRules(**rules_only).problems()
    if problems:
        raise ValidationError(problems)
    _check_text(target_public=values.get("target_public"), orienting_by=values.get("orienting_by"))


@transaction.atomic
def create_type(territory, code: str, name: str, values: dict, user, note: str = "", reveals: str = "") -> MeasureType:
    if MeasureType.objects.filter(territory=territory, code=code).exists():
        raise ValidationError({"code": "Ce code est déjà utilisé par un autre type de mesure du territoire."})
    if not name.strip():
        raise ValidationError({"name": "Le nom est obligatoire."})
    if reveals and reveals not in Sensitive.values:
        raise ValidationError({"reveals": "Catégorie sensible inconnue."})
    check_version_fields(values)
    measure_type = MeasureType.objects.create(territory=territory, code=code, name=name.strip(), reveals=reveals)
    MeasureTypeVersion.objects.create(
        measure_type=measure_type, number=1, created_by=user, change_note=note, **_version_values(values)
    )
    return measure_type


@transaction.atomic
def new_version(measure_type: MeasureType, values: dict, user, note: str, expected_number: int) -> MeasureTypeVersion:
    """A change of rules: a new version for the measures opened from now on. Running measures
    keep theirs. Refused if someone made a version since the form was opened."""
    MeasureType.objects.select_for_update().filter(pk=measure_type.pk).first()
    current = measure_type.current
    if current.number != expected_number:
        raise StaleMeasure(
            "Une autre version de ce type a été enregistrée depuis que vous avez ouvert le formulaire : "
            "rechargez la page et recommencez."
        )
    check_version_fields(values)
    if not note.strip():
        raise ValidationError({"change_note": "Indiquez le motif du changement (il reste dans l'historique)."})
    return MeasureTypeVersion.objects.create(
        measure_type=measure_type,
        number=current.number + 1,
        created_by=user,
        change_note=note.strip()[:300],
        **_version_values(values),
    )


@transaction.atomic
def set_type_active(measure_type: MeasureType, active: bool) -> MeasureType:
    """Stops (or resumes) new orientations to a type; running measures go on with their rules."""
    measure_type = MeasureType.objects.select_for_update().get(pk=measure_type.pk)
    if measure_type.is_active != active:
        measure_type.is_active = active
        measure_type.save(update_fields=["is_active"])
    return measure_type


@transaction.atomic
def rename_type(measure_type: MeasureType, name: str) -> MeasureType:
    """The name is not a rule: renaming makes no new version."""
    if not name.strip():
        raise ValidationError({"name": "Le nom est obligatoire."})
    measure_type.name = name.strip()[:120]
    measure_type.save(update_fields=["name"])
    return measure_type


def _version_values(values: dict) -> dict:
    return {name: values[name] for name in VERSION_FIELDS if name in values}
