"""Figures of the by-name list (spec 1, "what the seeds measure"), computed only from events.

A pure engine: it takes plain `Event` values of one territory and returns a `FiguresTable` for a
period [start, end] (both days included, by the date the event happened) as it could be seen at
`as_of` (only events *recorded* at or before it count, so a past table can be reproduced exactly).
`suppress` then hides small counts for the roles that may not see names (spec 6). The adapter that
loads the events is `figures_data.py`; nothing here touches the database.

Definitions (a "household" is the kept household once merged duplicates are mapped to it):

- **entered**: households with a `list_entered` event in the period.
- **left / exits by reason**: households with a `list_left` event in the period, each counted once,
  by the reason of its last exit in the period. **housed** is the exits whose reason is "housed",
  broken down by the kind of home (`payload["housed_in"]`); so `exits["housed"] == housed.total`.
- **housing delay**: for each housed household, days from the `list_entered` event of the same
  episode to the exit (the entry into the home); households whose episode has no list entry are
  counted as housed but not in the delay. Months = days / 30.44.
- **previous situation**: the ETHOS family (`ethos.family_of`) of the household's last
  `situation_recorded` dated on or before the exit (ties: the last recorded); none recorded counts
  as "unknown".
- **housed without going through shelter** (seed 001 fiche 3.2): housed households none of whose
  situations lived during the episode, up to the entry into the home, is in `ethos.SHELTER`
  (emergency shelter, CHRS, women's or migrants' shelter, long-term supported accommodation).
  The situations of the episode are the one in force when the episode opened (for a return, the
  last situation dated before the `list_returned` event; the first episode opens with the file)
  and every situation dated from the opening to the exit.
- **returns**: households with a `list_returned` event in the period.
- **referrals**: `referral_received` events in the period (referrals, not households).
- **decisions**: `orientation_decided` events in the period, by decision code, and the mean delay
  from referral to decision over the decisions that answer a referral (`payload["delay_days"]`).

Anonymised households (decision 0022): their event dates are blurred to the first of the month, so
a housed exit carries in `payload["retained"]` the delay, previous family and shelter path computed
from the exact dates before the purge; the engine uses them as they are. Figures of whole months
are therefore unchanged by a purge.
"""

import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime
from operator import attrgetter

from lda.core import disclosure
from lda.households import codes, ethos

# The event kinds read here (values of models.EventKind; tests check they match).
LIST_ENTERED = "list_entered"
LIST_LEFT = "list_left"
LIST_RETURNED = "list_returned"
SITUATION_RECORDED = "situation_recorded"
REFERRAL_RECEIVED = "referral_received"
ORIENTATION_DECIDED = "orientation_decided"
KINDS = (LIST_ENTERED, LIST_LEFT, LIST_RETURNED, SITUATION_RECORDED, REFERRAL_RECEIVED, ORIENTATION_DECIDED)

DAYS_PER_MONTH = 30.44
UNKNOWN = "unknown"
UNKNOWN_LABEL = "Non renseigné"
HOUSED = codes.ExitReason.HOUSED.value


@dataclass(frozen=True, slots=True)
class Event:
    """One household event: the episode is any key identifying the episode (the adapter uses its id)."""

    household: int
    episode: int | None
    kind: str
    occurred_on: date
    recorded_at: datetime
    payload: dict


@dataclass(frozen=True)
class Line:
    code: str
    label: str
    count: int | None  # None: hidden
    share: float | None = None  # of the breakdown's total, 0..1; None: hidden or no total


@dataclass(frozen=True)
class Breakdown:
    total: int | None
    lines: tuple[Line, ...]

    def count(self, code: str) -> int | None:
        return next((line.count for line in self.lines if line.code == code), 0)


@dataclass(frozen=True)
class Delay:
    households: int | None  # how many delays are averaged
    mean_days: float | None
    median_days: float | None
    min_days: float | None
    max_days: float | None

    @property
    def mean_months(self) -> float | None:
        return None if self.mean_days is None else self.mean_days / DAYS_PER_MONTH

    @property
    def median_months(self) -> float | None:
        return None if self.median_days is None else self.median_days / DAYS_PER_MONTH


@dataclass(frozen=True)
class FiguresTable:
    start: date
    end: date
    as_of: datetime | None
    entered: int | None
    housed: Breakdown  # by kind of home
    housed_without_shelter: int | None
    without_shelter_share: float | None
    housing_delay: Delay
    housed_by_previous: Breakdown  # by ETHOS family
    returns: int | None
    referrals: int | None
    decisions: Breakdown  # by decision code
    decision_delay: Delay
    exits: Breakdown  # by reason
    suppressed: bool = False
    threshold: int | None = None


# --- computing ----------------------------------------------------------------------------------


def _share(count, total):
    return count / total if total else None


def _breakdown(counts: Counter, labels: dict[str, str]) -> Breakdown:
    """Every known code (zero included), then unknown codes grouped, shown only when present."""
    total = sum(counts.values())
    lines = [
        Line(code, label, counts.get(code, 0), _share(counts.get(code, 0), total)) for code, label in labels.items()
    ]
    unknown = sum(n for code, n in counts.items() if code not in labels)
    if unknown:
        lines.append(Line(UNKNOWN, UNKNOWN_LABEL, unknown, _share(unknown, total)))
    return Breakdown(total, tuple(lines))


def _delay(days: list[float]) -> Delay:
    if not days:
        return Delay(0, None, None, None, None)
    return Delay(len(days), statistics.fmean(days), float(statistics.median(days)), min(days), max(days))


def compute(events: Iterable[Event], start: date, end: date, as_of: datetime | None = None) -> FiguresTable:
    """The table for [start, end] from the events recorded at or before `as_of` (all if None)."""
    seen = [e for e in events if as_of is None or e.recorded_at <= as_of]
    seen.sort(key=attrgetter("occurred_on", "recorded_at"))

    entries: dict[tuple, date] = {}  # (household, episode) → first list entry
    openings: dict[tuple, date] = {}  # (household, episode) → the return that opened it
    situations: dict[int, list[Event]] = defaultdict(list)
    entered, returned, decisions, referrals = set(), set(), [], 0
    last_exit: dict[int, Event] = {}
    for e in seen:
        kind = e.kind
        if kind == SITUATION_RECORDED:
            situations[e.household].append(e)
            continue
        in_period = start <= e.occurred_on <= end
        if kind == LIST_ENTERED:
            entries.setdefault((e.household, e.episode), e.occurred_on)
            if in_period:
                entered.add(e.household)
        elif kind == LIST_RETURNED:
            openings.setdefault((e.household, e.episode), e.occurred_on)
            if in_period:
                returned.add(e.household)
        elif not in_period:
            continue
        elif kind == LIST_LEFT:
            last_exit[e.household] = e  # in date order: the last one wins
        elif kind == ORIENTATION_DECIDED:
            decisions.append(e)
        elif kind == REFERRAL_RECEIVED:
            referrals += 1
    housed = {h: e for h, e in last_exit.items() if e.payload.get("reason") == HOUSED}

    delays, previous, without_shelter = [], Counter(), 0
    for household, exit_ in housed.items():
        retained = exit_.payload.get("retained")
        if retained:  # an anonymised household: its facts were computed before its dates were blurred
            if retained.get("delay_days") is not None:
                delays.append(float(retained["delay_days"]))
            previous[retained.get("previous") or UNKNOWN] += 1
            without_shelter += bool(retained.get("without_shelter"))
            continue
        entry = entries.get((household, exit_.episode))
        if entry is not None and entry <= exit_.occurred_on:
            delays.append(float((exit_.occurred_on - entry).days))
        lived = [s for s in situations.get(household, ()) if s.occurred_on <= exit_.occurred_on]
        previous[ethos.family_of(lived[-1].payload.get("ethos")) if lived else UNKNOWN] += 1
        opening = openings.get((household, exit_.episode))
        if opening is not None:
            before = [s for s in lived if s.occurred_on < opening]
            lived = before[-1:] + [s for s in lived if s.occurred_on >= opening]
        if not any(s.payload.get("ethos") in ethos.SHELTER for s in lived):
            without_shelter += 1

    decision_delays = [float(e.payload["delay_days"]) for e in decisions if e.payload.get("delay_days") is not None]
    return FiguresTable(
        start=start,
        end=end,
        as_of=as_of,
        entered=len(entered),
        housed=_breakdown(Counter(e.payload.get("housed_in") or UNKNOWN for e in housed.values()), HOME_LABELS),
        housed_without_shelter=without_shelter,
        without_shelter_share=_share(without_shelter, len(housed)),
        housing_delay=_delay(delays),
        housed_by_previous=_breakdown(previous, FAMILY_LABELS),
        returns=len(returned),
        referrals=referrals,
        decisions=_breakdown(Counter(e.payload.get("decision") for e in decisions), DECISION_LABELS),
        decision_delay=_delay(decision_delays),
        exits=_breakdown(Counter(e.payload.get("reason") for e in last_exit.values()), EXIT_LABELS),
    )


HOME_LABELS = dict(codes.HomeType.choices)
FAMILY_LABELS = dict(ethos.FAMILY_LABELS)
DECISION_LABELS = {
    codes.Decision.ORIENTED.value: "Orientés vers une mesure et/ou une recherche de logement",
    codes.Decision.COMMISSION.value: "Présentés en commission des parcours complexes",
    codes.Decision.REORIENTED.value: "Réorientés ailleurs",
    codes.Decision.CLOSED.value: "Clos sans suite",
}
EXIT_LABELS = dict(codes.ExitReason.choices)


# --- statistical disclosure control (spec 6) --------------------------------------------------


def cells_and_groups(table: FiguresTable) -> tuple[dict[str, int], list[tuple[str, list[str]]]]:
    """The published counts by name, and the additive groups (total = sum of parts) that bind them.

    The housed total is one cell shared by three groups: the kinds of home, the previous
    situations, and the exits by reason (where it is the "housed" part).
    """
    cells = {"entered": table.entered, "returns": table.returns, "referrals": table.referrals}
    cells["without_shelter"] = table.housed_without_shelter
    cells["housed"] = table.housed.total
    cells["decisions"] = table.decisions.total
    cells["exits"] = table.exits.total

    def parts(prefix, breakdown, alias=None):
        names = []
        for line in breakdown.lines:
            name = (alias or {}).get(line.code, f"{prefix}:{line.code}")
            cells[name] = line.count
            names.append(name)
        return names

    groups = [
        ("housed", parts("home", table.housed)),
        ("housed", parts("previous", table.housed_by_previous)),
        ("decisions", parts("decision", table.decisions)),
        ("exits", parts("exit", table.exits, alias={HOUSED: "housed"})),
    ]
    return cells, groups


# Inequalities a reader also knows: the households housed without shelter are among the housed.
BOUNDS = (("without_shelter", "housed"),)


def hidden_cells(
    cells: dict[str, int], groups: list[tuple[str, list[str]]], threshold: int, bounds: tuple = ()
) -> set[str]:
    """Primary suppression (1..threshold-1), then the audited secondary suppression of
    `lda.core.disclosure` (decision 0026): more cells are masked until no masked count can be
    narrowed, from the published totals, zeros and non-negativity, to `threshold` values or fewer."""
    return disclosure.protect(cells, groups, threshold, (*BOUNDS, *bounds))


def delay_bounds(table: FiguresTable, threshold: int) -> tuple:
    """The delays' household counts a reader may see (at least `threshold`): lower bounds of their base."""
    bounds = []
    for delay, base in ((table.housing_delay, "housed"), (table.decision_delay, "decisions")):
        if delay.households and delay.households >= threshold:
            bounds.append((delay.households, base))
    return tuple(bounds)


def suppress(table: FiguresTable, threshold: int) -> FiguresTable:
    """The table as shown to a role that may not see names: no count from 1 to threshold-1, no
    hidden count recomputable from a total or its breakdown, and no share or delay resting on a
    hidden count or on fewer than `threshold` households. Minimum and maximum delays describe one
    household each: always hidden."""
    cells, _groups = cells_and_groups(table)
    hidden = hidden_cells(cells, _groups, threshold, delay_bounds(table, threshold))

    def show(name):
        return None if name in hidden else cells[name]

    def base_ok(name):
        return name not in hidden and cells[name] >= threshold

    def breakdown(prefix, b: Breakdown, total_name, alias=None):
        lines = []
        for line in b.lines:
            name = (alias or {}).get(line.code, f"{prefix}:{line.code}")
            visible = name not in hidden and base_ok(total_name)
            lines.append(replace(line, count=show(name), share=line.share if visible else None))
        return Breakdown(show(total_name), tuple(lines))

    def delay(d: Delay, base_name):
        if d.households == 0:
            return d
        if not base_ok(base_name) or d.households < threshold:
            return Delay(None, None, None, None, None)
        return Delay(d.households, d.mean_days, d.median_days, None, None)

    share_ok = base_ok("housed") and "without_shelter" not in hidden
    return replace(
        table,
        entered=show("entered"),
        housed=breakdown("home", table.housed, "housed"),
        housed_without_shelter=show("without_shelter"),
        without_shelter_share=table.without_shelter_share if share_ok else None,
        housing_delay=delay(table.housing_delay, "housed"),
        housed_by_previous=breakdown("previous", table.housed_by_previous, "housed"),
        returns=show("returns"),
        referrals=show("referrals"),
        decisions=breakdown("decision", table.decisions, "decisions"),
        decision_delay=delay(table.decision_delay, "decisions"),
        exits=breakdown("exit", table.exits, "exits", alias={HOUSED: "housed"}),
        suppressed=True,
        threshold=threshold,
    )


# --- presentation (French, shared by the page and the exports) ----------------------------------

HIDDEN = "masqué"


@dataclass(frozen=True)
class Row:
    label: str
    value: str
    share: str = ""
    detail: bool = False  # a line of a breakdown, under its total


@dataclass(frozen=True)
class Section:
    title: str
    rows: tuple[Row, ...]


def french_number(value: float | None, digits: int = 1) -> str:
    if value is None:
        return HIDDEN
    return f"{value:,.{digits}f}".replace(",", "\u202f").replace(".", ",")


def _count(value: int | None) -> str:
    return HIDDEN if value is None else f"{value:,}".replace(",", "\u202f")


def _percent(share: float | None, total: int | None, suppressed: bool) -> str:
    """A share; none over an empty total, "masqué" when suppression removed it."""
    if share is None:
        return HIDDEN if suppressed and total != 0 else ""
    return f"{french_number(share * 100)} %"


def _breakdown_rows(b: Breakdown, total_label: str, suppressed: bool) -> list[Row]:
    rows = [Row(total_label, _count(b.total))]
    for line in b.lines:
        rows.append(Row(line.label, _count(line.count), _percent(line.share, b.total, suppressed), True))
    return rows


def _delay_rows(d: Delay, counted: str, mean_label: str, median_label: str) -> list[Row]:
    if d.mean_days is None and d.households == 0:
        return [Row(counted, "0"), Row(mean_label, "—"), Row(median_label, "—")]
    return [
        Row(counted, _count(d.households)),
        Row(mean_label, _days_and_months(d.mean_days)),
        Row(median_label, _days_and_months(d.median_days)),
    ]


def _days_and_months(days: float | None) -> str:
    if days is None:
        return HIDDEN
    return f"{french_number(days)} jours ({french_number(days / DAYS_PER_MONTH)} mois)"


def sections(table: FiguresTable) -> list[Section]:
    """The table as labelled French rows, in reading order."""
    hide = table.suppressed
    return [
        Section(
            "Entrées, retours et saisines",
            (
                Row("Ménages entrés sur la liste", _count(table.entered)),
                Row("Ménages revenus sur la liste (retours)", _count(table.returns)),
                Row("Saisines reçues", _count(table.referrals)),
            ),
        ),
        Section(
            "Ménages logés, par type de logement",
            (
                *_breakdown_rows(table.housed, "Ménages logés (bail ou convention d'occupation)", hide),
                Row(
                    "dont orientés vers le logement sans passer par l'hébergement",
                    _count(table.housed_without_shelter),
                    _percent(table.without_shelter_share, table.housed.total, hide),
                ),
            ),
        ),
        Section(
            "Délai entre l'entrée sur la liste et l'entrée dans le logement",
            tuple(
                _delay_rows(
                    table.housing_delay,
                    "Ménages logés dont l'entrée sur la liste est connue",
                    "Délai moyen",
                    "Délai médian",
                )
            ),
        ),
        Section(
            "Ménages logés selon leur situation avant le logement",
            tuple(_breakdown_rows(table.housed_by_previous, "Ménages logés", hide)),
        ),
        Section(
            "Décisions d'orientation",
            (
                *_breakdown_rows(table.decisions, "Décisions prises", hide),
                *_delay_rows(
                    table.decision_delay,
                    "Décisions répondant à une saisine",
                    "Délai moyen de la saisine à la décision",
                    "Délai médian de la saisine à la décision",
                ),
            ),
        ),
        Section(
            "Sorties de la liste, par motif", tuple(_breakdown_rows(table.exits, "Ménages sortis de la liste", hide))
        ),
    ]
