"""The life cycle of one measure as declared transitions (spec 2), pure.

    oriented → contract signed (household + operator) → sent to the coordinator → ACTIVE
    ACTIVE → ended (goals met, handed over, rupture, non-adhesion, moved, deceased)
    before activation → abandoned (non-adhesion, moved, deceased)

A measure is active only on the coordinator's activation. Other actions (reviews, renewals,
meetings…) name the statuses they need; anything else is refused with a French message.
"""

from dataclasses import dataclass

from lda.core.french import de
from lda.measures.codes import MeasureStatus as S


class TransitionRefused(Exception):
    pass


@dataclass(frozen=True)
class Transition:
    label: str
    sources: frozenset[str]
    target: str | None  # None: the action does not change the status


_BEFORE_ACTIVATION = frozenset({S.ORIENTED, S.SIGNED, S.SENT})

TRANSITIONS: dict[str, Transition] = {
    "record_contract": Transition("enregistrer le contrat", frozenset({S.ORIENTED}), S.SIGNED),
    "send": Transition("transmettre le contrat à la coordination", frozenset({S.SIGNED}), S.SENT),
    # The coordinator sends an incomplete contract back to the operator.
    "send_back": Transition("renvoyer le contrat à l'opérateur", frozenset({S.SENT}), S.SIGNED),
    "activate": Transition("activer la mesure", frozenset({S.SENT}), S.ACTIVE),
    "end": Transition("terminer la mesure", frozenset({S.ACTIVE}), S.ENDED),
    "abandon": Transition("abandonner la mesure", _BEFORE_ACTIVATION, S.ABANDONED),
    # Actions within a status.
    "record_review": Transition("enregistrer un bilan", frozenset({S.ACTIVE}), None),
    "request_renewal": Transition("demander un renouvellement", frozenset({S.ACTIVE}), None),
    "decide_renewal": Transition("se prononcer sur un renouvellement", frozenset({S.ACTIVE}), None),
    "record_entry": Transition("enregistrer l'entrée dans le logement", frozenset({S.SENT, S.ACTIVE}), None),
    "record_meeting": Transition("enregistrer une rencontre", _BEFORE_ACTIVATION | {S.ACTIVE}, None),
    "record_outcome": Transition("enregistrer un résultat", frozenset({S.ACTIVE, S.ENDED}), None),
    "mobilise_partner": Transition("mobiliser un partenaire", _BEFORE_ACTIVATION | {S.ACTIVE}, None),
    "change_referent": Transition("changer de référent·e", _BEFORE_ACTIVATION | {S.ACTIVE}, None),
}


def target(status: str, action: str) -> str:
    """The status after `action` (the same one for actions within a status), or `TransitionRefused`."""
    transition = TRANSITIONS.get(action)
    if transition is None:
        raise TransitionRefused(f"Action inconnue : {action}.")
    if status not in transition.sources:
        label = dict(S.choices).get(status, status)
        raise TransitionRefused(f"Impossible {de(transition.label)} : la mesure est « {label} ».")
    return transition.target or status


def allowed(status: str, action: str) -> bool:
    transition = TRANSITIONS.get(action)
    return transition is not None and status in transition.sources
