"""The complex-case commission (PFTA, spec 1): sittings, their agenda, and the partners' commitments.

Every write is one transaction, validated with French errors per field, and appends codes-only
domain events to the household's timeline. The commitment life cycle is declared as data below.

Closing a commitment is final: there is no "reopen". A commitment closed by mistake, or done only
in part, is answered by a new commitment at the next sitting, so the minutes stay truthful and an
engagement is never counted as closed twice in the figures (a reopen would also need its own event
kind, which the timeline does not have).
"""

from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from lda.access.policy import Actor
from lda.accounts.models import Membership, Organisation, Territory
from lda.core.french import de
from lda.households import codes
from lda.households.models import Commission, CommissionCase, Commitment, EventKind, Household
from lda.households.pathway import Transition, TransitionRefused
from lda.households.services import Author, emit

CS = codes.CommitmentStatus

# The life cycle of a commitment: each action names the statuses it may start from.
COMMITMENT_TRANSITIONS: dict[str, Transition] = {
    "done": Transition("marquer l'engagement réalisé", frozenset({CS.OPEN}), CS.DONE),
    "cancel": Transition("abandonner l'engagement", frozenset({CS.OPEN}), CS.CANCELLED),
}
CLOSING_ACTIONS = {CS.DONE: "done", CS.CANCELLED: "cancel"}


def commitment_target(status: str, action: str) -> str:
    """Pure: the next status, or `TransitionRefused` with a French message."""
    transition = COMMITMENT_TRANSITIONS.get(action)
    if transition is None:
        raise TransitionRefused(f"Action inconnue : {action}.")
    if status not in transition.sources:
        label = dict(CS.choices).get(status, status)
        raise TransitionRefused(f"Impossible {de(transition.label)} : il est « {label} ».")
    return transition.target


# --- checks --------------------------------------------------------------------------------------


def _territory_organisations(territory_id: int, ids) -> dict[int, Organisation]:
    return {o.pk: o for o in Organisation.objects.filter(territory_id=territory_id, is_active=True, pk__in=ids)}


def check_organisation(territory_id: int, organisation_id, field_name: str, label: str) -> None:
    if not organisation_id:
        raise ValidationError({field_name: f"Indiquez {label}."})
    if not _territory_organisations(territory_id, [organisation_id]):
        raise ValidationError({field_name: "Cette organisation n'est pas une organisation active du territoire."})


def check_due_on(due_on: date | None, held_on: date) -> None:
    if due_on is None:
        raise ValidationError({"due_on": "Indiquez l'échéance de l'engagement."})
    if due_on < held_on:
        raise ValidationError({"due_on": f"L'échéance ne peut pas précéder la commission (le {held_on:%d/%m/%Y})."})


def check_done_on(done_on: date | None, held_on: date, today: date | None = None) -> None:
    if done_on is None:
        raise ValidationError({"done_on": "Indiquez la date à laquelle l'engagement a été réalisé."})
    if done_on > (today or timezone.localdate()):
        raise ValidationError({"done_on": "La date de réalisation ne peut pas être dans le futur."})
    if done_on < held_on:
        raise ValidationError(
            {"done_on": f"La date de réalisation ne peut pas précéder la commission (le {held_on:%d/%m/%Y})."}
        )


def _check_open_agenda(commission: Commission) -> None:
    if commission.held:
        raise ValidationError("Cette commission est tenue : son ordre du jour ne change plus.")


# --- who may do what (the object part; the permission part is in the view decorators) ----------


def manages(actor: Actor, commission: Commission) -> bool:
    return commission.territory_id in actor.territories("commissions.manage")


def may_close(actor: Actor, commitment: Commitment, territory_id: int) -> bool:
    """The coordinator of the territory, or a member of the committed organisation."""
    if territory_id in actor.territories("commissions.manage"):
        return True
    return commitment.organisation_id in actor.organisations("commitments.update")


# --- commissions ---------------------------------------------------------------------------------


@dataclass
class CommissionData:
    held_on: date | None
    place: str = ""
    attendees: list[int] = field(default_factory=list)


def _check_commission(territory_id: int, data: CommissionData) -> None:
    if data.held_on is None:
        raise ValidationError({"held_on": "Indiquez la date de la commission."})
    ids = set(data.attendees)
    if ids and len(_territory_organisations(territory_id, ids)) != len(ids):
        raise ValidationError(
            {"attendees": "Les organisations présentes doivent être des organisations du territoire."}
        )


@transaction.atomic
def create_commission(territory: Territory, author: Author, data: CommissionData) -> Commission:
    _check_commission(territory.pk, data)
    commission = Commission.objects.create(
        territory=territory, held_on=data.held_on, place=data.place.strip(), created_by=author.user
    )
    commission.attendees.set(set(data.attendees))
    return commission


@transaction.atomic
def update_commission(commission: Commission, author: Author, data: CommissionData) -> Commission:
    commission = Commission.objects.select_for_update().get(pk=commission.pk)
    _check_commission(commission.territory_id, data)
    if data.held_on != commission.held_on:
        if commission.held:
            raise ValidationError({"held_on": "La commission est tenue : sa date ne change plus."})
        earliest = (
            Commitment.objects.filter(case__commission=commission).order_by("due_on").values_list("due_on", flat=True)
        ).first()
        if earliest and data.held_on > earliest:
            raise ValidationError(
                {
                    "held_on": f"Un engagement de cette commission arrive à échéance le {earliest:%d/%m/%Y} : "
                    "la commission ne peut pas être plus tardive."
                }
            )
    commission.held_on = data.held_on
    commission.place = data.place.strip()
    commission.save(update_fields=["held_on", "place"])
    commission.attendees.set(set(data.attendees))
    return commission


@transaction.atomic
def mark_held(commission: Commission, author: Author, today: date | None = None) -> Commission:
    commission = Commission.objects.select_for_update().get(pk=commission.pk)
    if commission.held:
        raise ValidationError("Cette commission est déjà marquée comme tenue.")
    if commission.held_on > (today or timezone.localdate()):
        raise ValidationError(
            {
                "held_on": f"La commission est prévue le {commission.held_on:%d/%m/%Y} : elle ne peut pas être déjà tenue."
            }
        )
    commission.held = True
    commission.save(update_fields=["held"])
    return commission


# --- the agenda ----------------------------------------------------------------------------------


@dataclass
class CaseData:
    presented_by: int | None
    question: str = ""
    order: int | None = None


@transaction.atomic
def add_case(commission: Commission, author: Author, household: Household, data: CaseData) -> CommissionCase:
    """Puts a household on the agenda. The question is free text (sensitive: notes), never in the event."""
    commission = Commission.objects.select_for_update().get(pk=commission.pk)
    _check_open_agenda(commission)
    if household.territory_id != commission.territory_id:
        raise ValidationError({"household": "Ce ménage n'est pas suivi sur le territoire de la commission."})
    if author.user is not None and not Household.objects.for_user(author.user).filter(pk=household.pk).exists():
        raise ValidationError({"household": "Vous ne pouvez pas présenter un dossier auquel vous n'avez pas accès."})
    if household.status == codes.HouseholdStatus.MERGED:
        raise ValidationError({"household": "Ce dossier a été fusionné dans un autre : présentez l'autre dossier."})
    check_organisation(commission.territory_id, data.presented_by, "presented_by", "l'organisation qui présente")
    if data.order is not None and data.order < 1:
        raise ValidationError({"order": "L'ordre de passage commence à 1."})
    if commission.cases.filter(household=household).exists():
        raise ValidationError({"household": "Ce ménage est déjà à l'ordre du jour de cette commission."})
    order = data.order or (commission.cases.aggregate(last=Max("order"))["last"] or 0) + 1
    try:
        with transaction.atomic():
            case = CommissionCase.objects.create(
                commission=commission,
                household=household,
                order=order,
                presented_by_id=data.presented_by,
                question=data.question.strip(),
            )
    except IntegrityError:
        raise ValidationError({"household": "Ce ménage est déjà à l'ordre du jour de cette commission."})
    emit(household, EventKind.COMMISSION_PRESENTED, commission.held_on, author, {"commission": commission.pk})
    return case


@transaction.atomic
def record_conclusion(case: CommissionCase, author: Author, conclusion: str) -> CommissionCase:
    """The commission's answer for a case (free text, sensitive: notes); no event, it is not a code."""
    case.conclusion = conclusion.strip()
    case.save(update_fields=["conclusion"])
    return case


# --- commitments ---------------------------------------------------------------------------------


@dataclass
class CommitmentData:
    organisation: int | None
    action: str
    due_on: date | None
    owner: int | None = None


@transaction.atomic
def add_commitment(case: CommissionCase, author: Author, data: CommitmentData) -> Commitment:
    commission = case.commission
    check_organisation(commission.territory_id, data.organisation, "organisation", "le partenaire qui s'engage")
    action = data.action.strip()
    if not action:
        raise ValidationError({"action": "Décrivez l'engagement pris."})
    if len(action) > Commitment._meta.get_field("action").max_length:
        raise ValidationError({"action": "L'engagement tient en 300 caractères au plus."})
    check_due_on(data.due_on, commission.held_on)
    if data.owner is not None:
        member = Membership.objects.filter(
            user_id=data.owner, user__is_active=True, organisation_id=data.organisation, is_active=True
        ).exists()
        if not member:
            raise ValidationError({"owner": "La personne chargée doit être membre de l'organisation qui s'engage."})
    commitment = Commitment.objects.create(
        case=case, organisation_id=data.organisation, owner_id=data.owner, action=action, due_on=data.due_on
    )
    emit(
        case.household,
        EventKind.COMMITMENT_MADE,
        commission.held_on,
        author,
        {"commitment": commitment.pk, "organisation": data.organisation},
    )
    return commitment


@transaction.atomic
def close_commitment(
    commitment: Commitment, author: Author, status: str, done_on: date | None = None, today: date | None = None
) -> Commitment:
    """Done (with its date) or cancelled; the row is locked so two partners cannot close it twice."""
    commitment = Commitment.objects.select_for_update().select_related("case__commission").get(pk=commitment.pk)
    if status not in CLOSING_ACTIONS:
        raise ValidationError({"status": "Indiquez si l'engagement est réalisé ou abandonné."})
    new_status = commitment_target(commitment.status, CLOSING_ACTIONS[status])
    today = today or timezone.localdate()
    if new_status == CS.DONE:
        check_done_on(done_on, commitment.case.commission.held_on, today)
    else:
        done_on = None
    commitment.status, commitment.done_on = new_status, done_on
    commitment.full_clean(validate_unique=False, validate_constraints=False)
    commitment.save(update_fields=["status", "done_on"])
    household = Household.objects.get(pk=commitment.case.household_id)
    emit(
        household,
        EventKind.COMMITMENT_CLOSED,
        done_on or today,
        author,
        {"commitment": commitment.pk, "status": new_status},
    )
    return commitment
