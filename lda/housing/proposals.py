"""The proposal life cycle (spec 3), from candidate to entry. Every write locks the unit first, so
two people deciding on the same unit are served one after the other; the database's unique
constraints hold the same rule should a lock be missing (SQLite has none). Errors are French:
`ValidationError` per field, `TransitionRefused`, `Stale`, `UnitTaken`.
"""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from lda.households import codes as hcodes
from lda.households import services as household_services
from lda.households.models import Household
from lda.households.services import Author, check_not_future
from lda.housing import adapter, codes, constraints, lifecycle, scoring
from lda.housing.models import Proposal, ProposalEvent, RefusalReason, Unit
from lda.housing.services import Stale, _check_text, lock_unit, move_unit

P = codes.ProposalStatus
U = codes.UnitStatus
SHORTLIST = 3
# Wishes a coordinator may go past, never silently: a justification is required and logged.
WISH_REASONS = frozenset({"commune_non_souhaitee", "commune_refusee"})
PROPOSALS_BLOCKED = (
    "Une personne de ce ménage a demandé la limitation du traitement de ses données ou s'y est opposée : "
    "le ménage ne peut pas être proposé à un bailleur tant que sa demande tient."
)
# Proposals that hold the unit for one household (the database holds it too).
HOLDING = frozenset({P.OFFERED, P.ACCEPTED, P.LEASED})


class UnitTaken(Exception):
    pass


def _taken_message(holder: Proposal) -> str:
    return (
        f"Ce logement est déjà attribué au ménage {holder.household.reference} "
        f"({holder.get_status_display().lower()}). Votre décision n'a pas été enregistrée : "
        "rechargez la page pour voir la situation à jour."
    )


def _holder(unit: Unit, exclude: int | None = None) -> Proposal | None:
    holding = Proposal.objects.filter(unit=unit).select_related("household")
    holding = holding.filter(status__in=HOLDING) | holding.filter(status=P.ALLOCATED, committee_rank=1)
    return holding.exclude(pk=exclude).first()


def _lock(proposal: Proposal, expected_version: int | None) -> tuple[Proposal, Unit]:
    unit = lock_unit(proposal.unit)
    fresh = Proposal.objects.select_for_update(of=("self",)).select_related("household", "unit").get(pk=proposal.pk)
    if expected_version is not None and fresh.version != expected_version:
        raise Stale(
            "Cette proposition a été modifiée par quelqu'un d'autre depuis que vous l'avez ouverte : rechargez la page."
        )
    return fresh, unit


def _move(proposal: Proposal, action: str, author: Author | None, on: date, choice=None, payload=None, **fields):
    before = proposal.status
    proposal.status = lifecycle.proposal_target(before, action, choice)
    for name, value in fields.items():
        setattr(proposal, name, value)
    if proposal.status in codes.CLOSED_PROPOSAL and proposal.status != P.ENTERED:
        proposal.closed_on = on
        fields["closed_on"] = on
    try:
        with transaction.atomic():
            Proposal.objects.filter(pk=proposal.pk).update(version=F("version") + 1, status=proposal.status, **fields)
    except IntegrityError as exc:
        holder = _holder(proposal.unit, exclude=proposal.pk)
        raise UnitTaken(
            _taken_message(holder) if holder else "Ce logement vient d'être attribué : rechargez la page."
        ) from exc
    proposal.version += 1
    ProposalEvent.objects.create(
        proposal=proposal,
        action=action,
        status_from=before,
        status_to=proposal.status,
        occurred_on=on,
        payload=payload or {},
        user_id=author.user_id if author else None,
        organisation_id=author.organisation_id if author else None,
    )
    return proposal


def _date(on: date | None, floor: date | None, field_name: str, label: str) -> date:
    on = on or timezone.localdate()
    check_not_future(on, field_name, label)
    if floor and on < floor:
        raise ValidationError({field_name: f"{label} ne peut pas précéder le {floor:%d/%m/%Y}."})
    return on


def _reopen_if_empty(unit: Unit, author: Author | None, on: date) -> None:
    """A unit with no proposal under way past the candidates is offered again."""
    open_ = Proposal.objects.filter(unit=unit, status__in=codes.ACTIVE_PROPOSAL).exclude(status=P.CANDIDATE)
    if unit.status in (U.PROPOSED, U.ALLOCATED) and not open_.exists():
        move_unit(unit, "reopen", author, on)
    elif unit.status == U.ALLOCATED and _holder(unit) is None:
        # The allocated household fell through; the others stay ranked, the unit is proposed again.
        move_unit(unit, "unallocate", author, on)


def why_not(household: Household, unit: Unit, rules=None) -> list[str]:
    """Reason codes of the hard constraints the pair fails today, with the territory's rules."""
    rules = rules or adapter.current_rules(unit.territory_id)
    record = adapter.engine_households(unit.territory_id, timezone.localdate(), [household.pk])[0]
    return constraints.why_not(record, adapter.engine_unit(unit), adapter.engine_thresholds(rules))


# --- the coordinator's shortlist --------------------------------------------------------------


def _manual_score(record, unit: Unit, grid) -> int:
    """The pair's score; a commune outside the household's wishes earns no wish points."""
    if grid is None:
        return 0
    engine_grid = adapter.engine_grid(grid)
    score = scoring.household_score(record, engine_grid)
    if not record.accepted_communes or unit.commune_insee in record.accepted_communes:
        score += engine_grid.wish_term(scoring.wish_rank(record, unit.commune_insee))
    return score


@transaction.atomic
def add_candidate(unit: Unit, household: Household, author: Author, justification: str = "") -> Proposal:
    """Adds a household to a unit's shortlist by hand. Hard constraints hold; a household's
    communes may be gone past only with a justification, which is logged."""
    unit = lock_unit(unit)
    if unit.status not in (U.AVAILABLE, U.PROPOSED):
        raise lifecycle.TransitionRefused(
            f"Impossible d'ajouter un candidat : le logement est « {unit.get_status_display()} »."
        )
    if household.territory_id != unit.territory_id or household.status != hcodes.HouseholdStatus.ON_LIST:
        raise ValidationError({"household": "Seul un ménage sur la liste du territoire peut être proposé."})
    if hcodes.RightsEffect.PROPOSALS in (household.rights_blocks or []):
        raise ValidationError({"household": PROPOSALS_BLOCKED})
    taken = Proposal.objects.filter(unit=unit, status__in=codes.ACTIVE_PROPOSAL)
    if taken.filter(household=household).exists():
        raise ValidationError({"household": "Ce ménage est déjà candidat sur ce logement."})
    if taken.count() >= SHORTLIST:
        raise ValidationError({"household": f"Ce logement a déjà {SHORTLIST} candidats : retirez-en un d'abord."})
    rules = adapter.current_rules(unit.territory_id)
    reasons = why_not(household, unit, rules)
    blocking = [r for r in reasons if r not in WISH_REASONS]
    if blocking:
        raise ValidationError(
            {
                "household": "Ce ménage ne peut pas être proposé : "
                + " ; ".join(constraints.REASONS[r] for r in blocking)
                + "."
            }
        )
    justification = (justification or "").strip()
    overridden = [r for r in reasons if r in WISH_REASONS]
    if overridden and not justification:
        raise ValidationError(
            {
                "justification": "Ce logement est hors des souhaits du ménage ("
                + " ; ".join(constraints.REASONS[r].lower() for r in overridden)
                + ") : indiquez pourquoi vous le proposez quand même (le ménage en sera informé)."
            }
        )
    _check_text(justification=justification)
    rank = (max(taken.values_list("rank", flat=True), default=0) or 0) + 1
    record = adapter.engine_households(unit.territory_id, timezone.localdate(), [household.pk])[0]
    grid = adapter.current_grid(unit.territory_id)
    proposal = Proposal.objects.create(
        territory_id=unit.territory_id,
        unit=unit,
        household=household,
        rank=min(rank, SHORTLIST),
        score=_manual_score(record, unit, grid),
        priority=record.priority,
        grid=grid,
        explanation={"manual": True, "overridden": overridden, "justification": justification},
        created_by=author.user,
    )
    ProposalEvent.objects.create(
        proposal=proposal,
        action="add",
        status_to=P.CANDIDATE,
        occurred_on=timezone.localdate(),
        payload={"overridden": overridden},
        user_id=author.user_id,
        organisation_id=author.organisation_id,
    )
    return proposal


@transaction.atomic
def withdraw(proposal: Proposal, author: Author, expected_version=None) -> Proposal:
    proposal, unit = _lock(proposal, expected_version)
    today = timezone.localdate()
    _move(proposal, "withdraw", author, today)
    _reopen_if_empty(unit, author, today)
    return proposal


@transaction.atomic
def move_up(proposal: Proposal, author: Author) -> None:
    """Swaps a candidate with the one ranked just before it on the same unit."""
    proposal, unit = _lock(proposal, None)
    if proposal.status != P.CANDIDATE:
        raise lifecycle.TransitionRefused("Seul l'ordre des candidatures non transmises se modifie.")
    before = Proposal.objects.filter(unit=unit, status=P.CANDIDATE, rank__lt=proposal.rank).order_by("-rank").first()
    if before is None:
        return
    Proposal.objects.filter(pk=before.pk).update(rank=proposal.rank, version=F("version") + 1)
    Proposal.objects.filter(pk=proposal.pk).update(rank=before.rank, version=F("version") + 1)


@transaction.atomic
def send_shortlist(unit: Unit, author: Author, on: date | None = None) -> int:
    """Sends the unit's candidates to the landlord; the unit becomes proposed."""
    unit = lock_unit(unit)
    on = _date(on, None, "sent_on", "La date d'envoi")
    candidates = list(Proposal.objects.select_for_update().filter(unit=unit, status=P.CANDIDATE).order_by("rank"))
    if not candidates:
        raise lifecycle.TransitionRefused("Aucune candidature à transmettre pour ce logement.")
    blocked = list(
        Household.objects.filter(
            pk__in=[p.household_id for p in candidates],
            rights_blocks__icontains=hcodes.blocks_filter_value(hcodes.RightsEffect.PROPOSALS),
        ).values_list("reference", flat=True)
    )
    if blocked:
        raise ValidationError(
            {"unit": f"{PROPOSALS_BLOCKED} Retirez d'abord la candidature : {', '.join(sorted(blocked))}."}
        )
    for proposal in candidates:
        proposal.unit = unit
        _move(proposal, "send", author, on, sent_on=on)
    if unit.status == U.AVAILABLE:
        move_unit(unit, "propose", author, on)
    return len(candidates)


# --- the committee, the household, the lease, the entry --------------------------------------


def _reason(territory_id: int, reason_id, sides: set[str], field_name: str = "refusal_reason") -> RefusalReason:
    reason = RefusalReason.objects.filter(territory_id=territory_id, pk=reason_id, is_active=True).first()
    if reason is None or reason.side not in sides:
        raise ValidationError({field_name: "Choisissez le motif du refus dans la liste."})
    return reason


@transaction.atomic
def decide(
    proposal: Proposal,
    author: Author,
    decision: str,
    on: date | None = None,
    committee_rank: int | None = None,
    refusal_reason=None,
    expected_version=None,
) -> Proposal:
    """The allocation committee's decision: allocated at rank 1/2/3, refused (reason), postponed."""
    proposal, unit = _lock(proposal, expected_version)
    on = _date(on, proposal.sent_on, "committee_on", "La date de la commission")
    fields = {"committee_on": on}
    if decision == P.ALLOCATED:
        if committee_rank not in (1, 2, 3):
            raise ValidationError({"committee_rank": "Indiquez le rang donné par la commission (1, 2 ou 3)."})
        if (
            Proposal.objects.filter(unit=unit, status=P.ALLOCATED, committee_rank=committee_rank)
            .exclude(pk=proposal.pk)
            .exists()
        ):
            holder = _holder(unit, exclude=proposal.pk) if committee_rank == 1 else None
            raise UnitTaken(
                _taken_message(holder)
                if holder
                else f"Le rang {committee_rank} est déjà donné à un autre candidat de ce logement."
            )
        if committee_rank == 1 and (holder := _holder(unit, exclude=proposal.pk)) is not None:
            raise UnitTaken(_taken_message(holder))
        fields["committee_rank"] = committee_rank
    elif decision == P.COMMITTEE_REFUSED:
        fields["refusal_reason"] = _reason(unit.territory_id, refusal_reason, {"landlord", "holder"})
    elif decision != P.POSTPONED:
        raise ValidationError({"decision": "Choisissez la décision de la commission."})
    payload = {"decision": decision, "rank": committee_rank}
    if decision == P.COMMITTEE_REFUSED:
        payload["reason"] = fields["refusal_reason"].code
    _move(proposal, "decide", author, on, decision, payload, **fields)
    if decision == P.ALLOCATED and committee_rank == 1 and unit.status == U.PROPOSED:
        move_unit(unit, "allocate", author, on)
    if decision == P.COMMITTEE_REFUSED:
        _reopen_if_empty(unit, author, on)
    return proposal


@transaction.atomic
def offer(proposal: Proposal, author: Author, on: date | None = None, expected_version=None) -> Proposal:
    """The unit is offered to the household: the rank-1 candidate, or the next one once those
    ranked before it fell through."""
    proposal, unit = _lock(proposal, expected_version)
    on = _date(on, proposal.committee_on, "offered_on", "La date de la proposition au ménage")
    ahead = Proposal.objects.filter(
        unit=unit, status__in=[P.ALLOCATED, *HOLDING], committee_rank__lt=proposal.committee_rank or 1
    ).exclude(pk=proposal.pk)
    if proposal.status == P.ALLOCATED and ahead.exists():
        raise lifecycle.TransitionRefused(
            "Impossible de proposer le logement à ce ménage : un candidat mieux classé par la commission n'a pas encore répondu."
        )
    holder = _holder(unit, exclude=proposal.pk)
    if holder is not None and proposal.status == P.ALLOCATED:
        raise UnitTaken(_taken_message(holder))
    _move(proposal, "offer", author, on, offered_on=on)
    if unit.status == U.PROPOSED:
        move_unit(unit, "allocate", author, on)
    return proposal


@transaction.atomic
def answer(
    proposal: Proposal,
    author: Author,
    accepted: bool,
    on: date | None = None,
    refusal_reason=None,
    expected_version=None,
) -> Proposal:
    """The household's answer. A refusal is normal in Housing First and recorded with its reason."""
    proposal, unit = _lock(proposal, expected_version)
    on = _date(on, proposal.offered_on, "answered_on", "La date de la réponse")
    if accepted:
        return _move(proposal, "answer", author, on, P.ACCEPTED, {"accepted": True}, answered_on=on)
    reason = _reason(unit.territory_id, refusal_reason, {"household"})
    _move(
        proposal,
        "answer",
        author,
        on,
        P.HOUSEHOLD_REFUSED,
        {"accepted": False, "reason": reason.code, "legitimate": reason.legitimate},
        answered_on=on,
        refusal_reason=reason,
    )
    _reopen_if_empty(unit, author, on)
    return proposal


@transaction.atomic
def sign_lease(proposal: Proposal, author: Author, on: date | None = None, expected_version=None) -> Proposal:
    proposal, unit = _lock(proposal, expected_version)
    on = _date(on, proposal.answered_on, "lease_signed_on", "La date de signature du bail")
    return _move(proposal, "lease", author, on, lease_signed_on=on)


@transaction.atomic
def enter(proposal: Proposal, author: Author, on: date | None = None, expected_version=None) -> Proposal:
    """Entry: the unit is occupied, the other proposals on it and of the household lapse, and the
    household leaves the list as housed (through the households' own service)."""
    proposal, unit = _lock(proposal, expected_version)
    on = _date(on, proposal.lease_signed_on, "entered_on", "La date d'entrée")
    _move(proposal, "enter", author, on, entered_on=on)
    move_unit(unit, "occupy", author, on)
    others = Proposal.objects.select_for_update().filter(status__in=codes.ACTIVE_PROPOSAL).exclude(pk=proposal.pk)
    for other in others.filter(unit=unit) | others.filter(household_id=proposal.household_id):
        if lifecycle.proposal_allowed(other.status, "lapse"):
            _move(other, "lapse", author, on, payload={"because": proposal.pk})
    household = Household.objects.get(pk=proposal.household_id)
    if household.status == hcodes.HouseholdStatus.ON_LIST:
        household_services.leave_list(
            household, author, on, hcodes.ExitReason.HOUSED, housed_in=codes.HOME_TYPE_OF_KIND[unit.kind]
        )
    return proposal
