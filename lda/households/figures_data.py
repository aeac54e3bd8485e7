"""Loads the events the figures need and hands them to the pure engine (`figures.py`).

Only what can change the table is read, with `values_list` and the payload keys extracted as text by
the database (no model instances, no JSON documents decoded):
- the period's referrals, decisions, list entries, exits and returns;
- for the households housed in the period: the list entries and returns of their episodes (any
  date: the delay and the episode's opening) and their situations up to the end of the period.
Merged households: events of a household merged into another count for the kept one.
"""

import json
from datetime import UTC, date, datetime

from django.db.models import CharField, Q
from django.db.models.fields.json import KT
from django.db.models.functions import Cast

from lda.households import figures
from lda.households.figures import Event
from lda.households.models import Household, HouseholdEvent

COLUMNS = ("household_id", "episode_id", "kind", "occurred_on", "at")
# Instants read as ISO text and parsed by `datetime.fromisoformat` (in C): three times faster than
# the driver's timestamp decoding on hundreds of thousands of rows.
_AT = Cast("recorded_at", CharField())


def _instant(text: str) -> datetime:
    value = datetime.fromisoformat(text)
    return value if value.tzinfo else value.replace(tzinfo=UTC)  # SQLite stores UTC without offset


def kept_households(territory_id: int) -> dict[int, int]:
    """Merged household id → the household finally kept (following chains of merges)."""
    parent = dict(
        Household.objects.filter(territory_id=territory_id, merged_into__isnull=False)
        .order_by()
        .values_list("pk", "merged_into_id")
    )
    kept = {}
    for household in parent:
        seen, target = {household}, parent[household]
        while target in parent and target not in seen:  # a cycle would be a bug: stop rather than loop
            seen.add(target)
            target = parent[target]
        kept[household] = target
    return kept


def load_events(territory_id: int, start: date, end: date, as_of: datetime | None = None) -> list[Event]:
    events = HouseholdEvent.objects.filter(territory_id=territory_id).order_by()  # the engine sorts
    if as_of is not None:
        events = events.filter(recorded_at__lte=as_of)
    period = events.filter(
        kind__in=[
            figures.REFERRAL_RECEIVED,
            figures.ORIENTATION_DECIDED,
            figures.LIST_ENTERED,
            figures.LIST_LEFT,
            figures.LIST_RETURNED,
        ],
        occurred_on__range=(start, end),
    )
    housed_exits = period.filter(kind=figures.LIST_LEFT, payload__reason=figures.HOUSED)
    kept = kept_households(territory_id)
    housed_households = set(housed_exits.values_list("household_id", flat=True))
    housed_households = {kept.get(h, h) for h in housed_households}
    # Every member of a merged group that was housed brings its situations along.
    merged_groups = {m for m, k in kept.items() if k in housed_households}
    merged_groups |= {kept[m] for m in merged_groups}

    loaded = []
    for household, episode, kind, on, at, reason, home, decision, delay, retained in period.annotate(
        at=_AT,
        reason=KT("payload__reason"),
        home=KT("payload__housed_in"),
        decision=KT("payload__decision"),
        delay=KT("payload__delay_days"),
        retained=KT("payload__retained"),
    ).values_list(*COLUMNS, "reason", "home", "decision", "delay", "retained"):
        if kind == figures.LIST_LEFT:
            payload = {"reason": reason, "housed_in": home}
            if retained not in (None, "null"):  # an anonymised household's exit (decision 0022)
                payload["retained"] = json.loads(retained)
        elif kind == figures.ORIENTATION_DECIDED:
            # A JSON null reads as NULL on PostgreSQL but as the text 'null' on SQLite.
            payload = {"decision": decision, "delay_days": None if delay in (None, "null") else int(delay)}
        else:
            payload = {}
        loaded.append(Event(kept.get(household, household), episode, kind, on, _instant(at), payload))
    earlier = events.filter(
        kind__in=[figures.LIST_ENTERED, figures.LIST_RETURNED],
        episode_id__in=housed_exits.values("episode_id"),
        occurred_on__lt=start,
    )
    for household, episode, kind, on, at in earlier.annotate(at=_AT).values_list(*COLUMNS):
        loaded.append(Event(kept.get(household, household), episode, kind, on, _instant(at), {}))
    situations = events.filter(kind=figures.SITUATION_RECORDED, occurred_on__lte=end).filter(
        Q(household_id__in=housed_exits.values("household_id")) | Q(household_id__in=sorted(merged_groups))
    )
    for household, episode, kind, on, at, category in situations.annotate(
        at=_AT, category=KT("payload__ethos")
    ).values_list(*COLUMNS, "category"):
        payload = {"ethos": None if category is None else int(category)}
        loaded.append(Event(kept.get(household, household), episode, kind, on, _instant(at), payload))
    return loaded


def figures_for_territory(territory_id: int, start: date, end: date, as_of: datetime | None = None):
    """The figures table of a territory for [start, end], as recorded at `as_of` (now if None)."""
    return figures.compute(load_events(territory_id, start, end, as_of), start, end, as_of)
