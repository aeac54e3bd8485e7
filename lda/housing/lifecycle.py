"""Life cycles of a unit and of a proposal (spec 3) as declared transitions, pure.

Unit:      prospect → available → proposed → allocated → occupied → (freed) available; withdrawn.
Proposal:  candidate → sent to landlord → committee: allocated rank 1/2/3 | refused | postponed
           allocated → offered to the household → accepted | refused by the household
           accepted → lease signed → entry (the household leaves the list as housed).
A candidate or sent proposal can be withdrawn by the coordinator; open proposals on a unit lapse
when another household enters it.
"""

from dataclasses import dataclass

from lda.core.french import de
from lda.housing.codes import ProposalStatus as P
from lda.housing.codes import UnitStatus as U


class TransitionRefused(Exception):
    pass


@dataclass(frozen=True)
class Transition:
    label: str
    sources: frozenset[str]
    targets: frozenset[str]  # one target, or the choices a decision may lead to


def _t(label, sources, *targets):
    return Transition(label, frozenset(sources), frozenset(targets))


UNIT_TRANSITIONS: dict[str, Transition] = {
    "make_available": _t("rendre le logement disponible", {U.PROSPECT, U.WITHDRAWN}, U.AVAILABLE),
    "propose": _t("proposer le logement", {U.AVAILABLE, U.PROPOSED}, U.PROPOSED),
    "allocate": _t("attribuer le logement", {U.PROPOSED, U.ALLOCATED}, U.ALLOCATED),
    # Every proposal on the unit fell through: it is offered again.
    "reopen": _t("remettre le logement à disposition", {U.PROPOSED, U.ALLOCATED}, U.AVAILABLE),
    # The allocated household fell through; the other candidates stay before the committee.
    "unallocate": _t("annuler l'attribution du logement", {U.ALLOCATED}, U.PROPOSED),
    "occupy": _t("enregistrer l'entrée dans le logement", {U.ALLOCATED}, U.OCCUPIED),
    "free": _t("enregistrer la libération du logement", {U.OCCUPIED}, U.AVAILABLE),
    "withdraw": _t("retirer le logement de l'offre", {U.PROSPECT, U.AVAILABLE}, U.WITHDRAWN),
}

PROPOSAL_TRANSITIONS: dict[str, Transition] = {
    "send": _t("transmettre la candidature au bailleur", {P.CANDIDATE}, P.SENT),
    "withdraw": _t("retirer la candidature", {P.CANDIDATE, P.SENT, P.POSTPONED}, P.WITHDRAWN),
    "decide": _t(
        "enregistrer la décision de la commission",
        {P.SENT, P.POSTPONED},
        P.ALLOCATED,
        P.COMMITTEE_REFUSED,
        P.POSTPONED,
    ),
    "offer": _t("proposer le logement au ménage", {P.ALLOCATED}, P.OFFERED),
    "answer": _t("enregistrer la réponse du ménage", {P.OFFERED}, P.ACCEPTED, P.HOUSEHOLD_REFUSED),
    "lease": _t("enregistrer la signature du bail", {P.ACCEPTED}, P.LEASED),
    "enter": _t("enregistrer l'entrée dans le logement", {P.LEASED}, P.ENTERED),
    "lapse": _t(
        "classer la candidature sans suite",
        {P.CANDIDATE, P.SENT, P.POSTPONED, P.ALLOCATED, P.OFFERED, P.ACCEPTED},
        P.LAPSED,
    ),
}


def _target(table, labels, kind: str, status: str, action: str, choice: str | None) -> str:
    transition = table.get(action)
    if transition is None:
        raise TransitionRefused(f"Action inconnue : {action}.")
    if status not in transition.sources:
        raise TransitionRefused(f"Impossible {de(transition.label)} : {kind} est « {labels.get(status, status)} ».")
    if choice is None:
        if len(transition.targets) != 1:
            raise TransitionRefused(f"Indiquez la décision pour {transition.label}.")
        return next(iter(transition.targets))
    if choice not in transition.targets:
        raise TransitionRefused(f"Décision impossible pour {transition.label} : {labels.get(choice, choice)}.")
    return choice


def unit_target(status: str, action: str) -> str:
    return _target(UNIT_TRANSITIONS, dict(U.choices), "le logement", status, action, None)


def proposal_target(status: str, action: str, choice: str | None = None) -> str:
    return _target(PROPOSAL_TRANSITIONS, dict(P.choices), "la candidature", status, action, choice)


def proposal_allowed(status: str, action: str) -> bool:
    transition = PROPOSAL_TRANSITIONS.get(action)
    return transition is not None and status in transition.sources


def unit_allowed(status: str, action: str) -> bool:
    transition = UNIT_TRANSITIONS.get(action)
    return transition is not None and status in transition.sources


def siao_due(freed: int, handed: int, share: float) -> bool:
    """Whether the next freed unit of a residence goes to the SIAO: it does while the units handed
    so far are fewer than `share` of the units freed, this one included (30 %: the 1st, 4th, 7th…)."""
    return handed < share * (freed + 1) - 1e-9 and handed < freed + 1
