"""Loads the events the figures need and hands them to the pure engine (`figures.py`).

Only what can change the table is read, with `values_list` and the payload keys extracted by the
database (no model instances, no whole JSON documents for the bulk of the rows):
- the period's referrals, decisions, list entries, exits and returns;
- for the households housed in the period: the list entries and returns of their episodes (any
  date: the delay and the episode's opening) and their situations up to the end of the period.
Merged households: events of a household merged into another count for the kept one.
"""

from datetime import date, datetime

from django.db.models import Q

from lda.households import figures
from lda.households.figures import Event
from lda.households.models import Household, HouseholdEvent


def kept_households(territory_id: int) -> dict[int, int]:
    """Merged household id → the household finally kept (following chains of merges)."""
    parent = dict(
        Household.objects.filter(territory_id=territory_id, merged_into__isnull=False).values_list(
            "pk", "merged_into_id"
        )
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
    events = HouseholdEvent.objects.filter(territory_id=territory_id)
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

    columns = ("household_id", "episode_id", "kind", "occurred_on", "recorded_at")
    loaded = list(period.values_list(*columns, "payload"))
    earlier = events.filter(
        kind__in=[figures.LIST_ENTERED, figures.LIST_RETURNED],
        episode_id__in=housed_exits.values("episode_id"),
        occurred_on__lt=start,
    )
    for row in earlier.values_list(*columns):
        loaded.append((*row, {}))
    situations = events.filter(kind=figures.SITUATION_RECORDED, occurred_on__lte=end).filter(
        Q(household_id__in=housed_exits.values("household_id")) | Q(household_id__in=sorted(merged_groups))
    )
    for *row, ethos in situations.values_list(*columns, "payload__ethos"):
        loaded.append((*row, {"ethos": ethos}))
    return [
        Event(kept.get(household, household), episode, kind, occurred_on, recorded_at, payload)
        for household, episode, kind, occurred_on, recorded_at, payload in loaded
    ]


def figures_for_territory(territory_id: int, start: date, end: date, as_of: datetime | None = None):
    """The figures table of a territory for [start, end], as recorded at `as_of` (now if None)."""
    return figures.compute(load_events(territory_id, start, end, as_of), start, end, as_of)
