"""The pathway of a household (spec 1) as declared transitions: each names its source statuses.

Pure: `target(status, action)` returns the next status or raises `TransitionRefused` with a French
message. Services call it before any write, so an impossible move never half-happens.
"""

from dataclasses import dataclass

from lda.core.french import de
from lda.households.codes import HouseholdStatus as S
from lda.households.codes import ReferralStatus as RS


class TransitionRefused(Exception):
    pass


@dataclass(frozen=True)
class Transition:
    label: str
    sources: frozenset[str]
    target: str


_PRE_LIST = frozenset({S.REFERRED, S.STUDY, S.COMMISSION})
_OUTSIDE = frozenset({S.LEFT, S.REORIENTED, S.CLOSED})

HOUSEHOLD_TRANSITIONS: dict[str, Transition] = {
    "start_study": Transition("mettre à l'étude", frozenset({S.REFERRED}), S.STUDY),
    # Orienting again a household already on the list changes what is mobilised.
    "orient": Transition("orienter", _PRE_LIST | {S.ON_LIST}, S.ON_LIST),
    "send_to_commission": Transition(
        "présenter en commission", frozenset({S.REFERRED, S.STUDY, S.ON_LIST}), S.COMMISSION
    ),
    "reorient": Transition("réorienter ailleurs", _PRE_LIST, S.REORIENTED),
    "close": Transition("clore sans suite", _PRE_LIST, S.CLOSED),
    "leave": Transition("sortir de la liste", frozenset({S.ON_LIST, S.COMMISSION}), S.LEFT),
    # "Droit au recommencement": a household that left comes back in a new episode.
    "return": Transition("revenir sur la liste", _OUTSIDE, S.REFERRED),
    "merge": Transition("fusionner", _PRE_LIST | {S.ON_LIST} | _OUTSIDE, S.MERGED),
}

# A decision of the study maps to one transition.
DECISION_ACTIONS = {
    "oriented": "orient",
    "commission": "send_to_commission",
    "reoriented": "reorient",
    "closed": "close",
}

REFERRAL_TRANSITIONS: dict[str, Transition] = {
    "start_study": Transition("mettre à l'étude", frozenset({RS.RECEIVED}), RS.STUDY),
    "decide": Transition("décider", frozenset({RS.RECEIVED, RS.STUDY}), RS.DECIDED),
}


def _target(table: dict[str, Transition], status: str, action: str, labels) -> str:
    transition = table.get(action)
    if transition is None:
        raise TransitionRefused(f"Action inconnue : {action}.")
    if status not in transition.sources:
        raise TransitionRefused(f"Impossible {de(transition.label)} : le dossier est « {labels.get(status, status)} ».")
    return transition.target


def target(status: str, action: str) -> str:
    return _target(HOUSEHOLD_TRANSITIONS, status, action, dict(S.choices))


def referral_target(status: str, action: str) -> str:
    return _target(REFERRAL_TRANSITIONS, status, action, dict(RS.choices))


def allowed_actions(status: str) -> list[str]:
    return [name for name, t in HOUSEHOLD_TRANSITIONS.items() if status in t.sources]
