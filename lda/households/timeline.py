"""The household's timeline: its domain events in order, described in French from their codes.

An event of a sensitive category is shown to a viewer without the second gate as a masked line:
its date and its kind stay (the pathway is readable), its details do not.
"""

from dataclasses import dataclass
from datetime import date

from lda.households import codes
from lda.households.ethos import KINDS
from lda.households.models import EventKind

_LABELS = {
    "decision": dict(codes.Decision.choices),
    "measure": dict(codes.MeasureCode.choices),
    "reason": {**dict(codes.DecisionReason.choices), **dict(codes.ExitReason.choices)},
    "housed_in": dict(codes.HomeType.choices),
    "referrer_kind": dict(codes.ReferrerKind.choices),
    "role": dict(codes.PersonRole.choices),
    "need": dict(codes.NeedKind.choices),
    "need_status": dict(codes.NeedStatus.choices),
    "resource": dict(codes.ResourceKind.choices),
    "measure_end": dict(codes.MeasureEndReason.choices),
}


@dataclass(frozen=True)
class Entry:
    occurred_on: date
    title: str
    detail: str
    who: str
    masked: bool


def _detail(kind: str, p: dict) -> str:
    L = _LABELS
    if kind == EventKind.REFERRAL_RECEIVED:
        return f"Prescripteur : {L['referrer_kind'].get(p.get('referrer_kind'), '—')}"
    if kind == EventKind.ORIENTATION_DECIDED:
        parts = [L["decision"].get(p.get("decision"), "")]
        if p.get("measure"):
            parts.append(f"mesure {L['measure'].get(p['measure'], p['measure'])}")
        if p.get("housing_search"):
            parts.append("recherche de logement")
        if p.get("reason"):
            parts.append(f"motif : {L['reason'].get(p['reason'], p['reason'])}")
        if p.get("delay_days") is not None:
            parts.append(f"{p['delay_days']} jours après la saisine")
        return " — ".join(x for x in parts if x)
    if kind == EventKind.SITUATION_RECORDED:
        situation = KINDS.get(p.get("kind"))
        return f"{situation.label} (ETHOS {situation.ethos})" if situation else ""
    if kind == EventKind.LIST_LEFT:
        text = L["reason"].get(p.get("reason"), "")
        if p.get("housed_in"):
            text += f" — {L['housed_in'].get(p['housed_in'], '')}"
        return text
    if kind == EventKind.LIST_RETURNED:
        return f"Épisode {p.get('episode')} (suite de l'épisode {p.get('previous')})"
    if kind == EventKind.LIST_ENTERED:
        return f"Épisode {p.get('episode')}"
    if kind == EventKind.PERSON_ADDED:
        return L["role"].get(p.get("role"), "")
    if kind == EventKind.NEED_RECORDED:
        return f"{L['need'].get(p.get('kind'), '')} : {L['need_status'].get(p.get('status'), '')}"
    if kind == EventKind.RESOURCE_RECORDED:
        return L["resource"].get(p.get("kind"), "")
    if kind == EventKind.MEASURE_ACTIVATED:
        return L["measure"].get(p.get("measure"), p.get("measure", ""))
    if kind == EventKind.MEASURE_ENDED:
        measure = L["measure"].get(p.get("measure"), p.get("measure", ""))
        return f"{measure} — {L['measure_end'].get(p.get('reason'), '')}"
    if kind in (EventKind.HOUSEHOLD_UPDATED, EventKind.PERSON_UPDATED):
        return f"{len(p.get('fields', []))} rubrique(s) modifiée(s)"
    if kind == EventKind.RIGHTS_RECORDED:
        yes = {True: "oui", False: "non"}
        return f"limitation : {yes[bool(p.get('restricted'))]} — opposition : {yes[bool(p.get('opposed'))]}"
    return ""


def entries(events, sees_sensitive: bool, names: dict[int, str]) -> list[Entry]:
    """`events` in order (with `user_id`, `organisation_id`); `names` maps organisation ids to names."""
    result = []
    labels = dict(EventKind.choices)
    for event in events:
        masked = bool(event.sensitive) and not sees_sensitive
        result.append(
            Entry(
                occurred_on=event.occurred_on,
                title=labels.get(event.kind, event.kind),
                detail="Détail réservé aux travailleurs sociaux qui accompagnent le ménage."
                if masked
                else _detail(event.kind, event.payload),
                who=names.get(event.organisation_id, ""),
                masked=masked,
            )
        )
    return result
