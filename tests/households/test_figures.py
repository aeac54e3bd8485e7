"""The pure figures engine and its suppression: worked example of the spec, rules and properties."""

from datetime import UTC, date, datetime, timedelta
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from lda.households import codes, figures
from lda.households.figures import Breakdown, Delay, Event, FiguresTable, Line, compute, sections, suppress

T = 11
START, END = date(2020, 1, 1), date(2020, 12, 31)
_clock = iter(range(10**9))


def ev(household, kind, on, episode=1, at=None, **payload):
    """An event recorded at noon of its day unless told otherwise (unique seconds keep order stable)."""
    at = at or datetime.combine(on, datetime.min.time(), tzinfo=UTC) + timedelta(hours=12, seconds=next(_clock) % 3600)
    return Event(household, episode, kind, on, at, payload)


def housed_pathway(household, entered_on, days, home, situation_ethos, situation_on=None):
    return [
        ev(household, figures.REFERRAL_RECEIVED, entered_on - timedelta(days=5), referrer_kind="siao"),
        ev(
            household,
            figures.SITUATION_RECORDED,
            situation_on or entered_on - timedelta(days=5),
            ethos=situation_ethos,
        ),
        ev(household, figures.ORIENTATION_DECIDED, entered_on, decision="oriented", delay_days=5),
        ev(household, figures.LIST_ENTERED, entered_on, episode=1),
        ev(household, figures.LIST_LEFT, entered_on + timedelta(days=days), reason="housed", housed_in=home),
    ]


# Seed 004, Aix PFTA 2020: 26 households entered, 13 housed (8 social housing, 5 IML), 6.2 months.
AIX_DELAYS = [120, 150, 160, 170, 180, 185, 190, 195, 200, 205, 215, 230, 253]
AIX_HOMES = ["social"] * 8 + ["iml"] * 5
AIX_ETHOS = [1] * 6 + [3] * 3 + [8] * 4  # street, CHRS, with family or friends


def aix_events():
    events = []
    for n, (days, home, situation) in enumerate(zip(AIX_DELAYS, AIX_HOMES, AIX_ETHOS, strict=True)):
        events += housed_pathway(n + 1, date(2020, 1, 6) + timedelta(days=n), days, home, situation)
    for n in range(13, 26):  # entered in 2020, still waiting at the end of the year
        on = date(2020, 3, 1) + timedelta(days=12 * (n - 13))
        events += [
            ev(n + 1, figures.REFERRAL_RECEIVED, on - timedelta(days=5), referrer_kind="ccas"),
            ev(n + 1, figures.SITUATION_RECORDED, on - timedelta(days=5), ethos=8),
            ev(n + 1, figures.ORIENTATION_DECIDED, on, decision="oriented", delay_days=5),
            ev(n + 1, figures.LIST_ENTERED, on),
        ]
    return events


def test_event_kinds_are_those_of_the_model():
    from lda.households.models import EventKind

    assert set(figures.KINDS) <= set(EventKind.values)


def test_aix_2020_worked_example_gives_the_exact_table():
    table = compute(aix_events(), START, END)
    mean = sum(AIX_DELAYS) / 13
    home_lines = tuple(
        Line(code, label, {"social": 8, "iml": 5}.get(code, 0), {"social": 8, "iml": 5}.get(code, 0) / 13)
        for code, label in codes.HomeType.choices
    )
    previous = {"street": 6, "shelter": 3, "family_friends": 4, "other": 0}
    decision_counts = {"oriented": 26}
    exit_counts = {"housed": 13}
    assert table == FiguresTable(
        start=START,
        end=END,
        as_of=None,
        entered=26,
        housed=Breakdown(13, home_lines),
        housed_without_shelter=10,
        without_shelter_share=10 / 13,
        housing_delay=Delay(13, mean, 190.0, 120.0, 253.0),
        housed_by_previous=Breakdown(
            13, tuple(Line(c, label, previous[c], previous[c] / 13) for c, label in figures.FAMILY_LABELS.items())
        ),
        returns=0,
        referrals=26,
        decisions=Breakdown(
            26,
            tuple(
                Line(c, label, decision_counts.get(c, 0), decision_counts.get(c, 0) / 26)
                for c, label in figures.DECISION_LABELS.items()
            ),
        ),
        decision_delay=Delay(26, 5.0, 5.0, 5.0, 5.0),
        exits=Breakdown(
            13,
            tuple(
                Line(c, label, exit_counts.get(c, 0), exit_counts.get(c, 0) / 13)
                for c, label in figures.EXIT_LABELS.items()
            ),
        ),
    )
    assert round(table.housing_delay.mean_months, 1) == 6.2
    text = [(row.label, row.value) for section in sections(table) for row in section.rows]
    assert ("Ménages entrés sur la liste", "26") in text
    assert ("Logement social", "8") in text
    assert ("Intermédiation locative (IML)", "5") in text
    assert ("Délai moyen", "188,7 jours (6,2 mois)") in text


def test_events_outside_the_period_do_not_count_but_earlier_entries_give_the_delay():
    events = housed_pathway(1, date(2019, 6, 1), 240, "social", 1)
    table = compute(events, START, END)
    assert table.entered == 0
    assert table.housed.total == 1
    assert table.housing_delay.mean_days == 240.0
    assert compute(events, date(2021, 1, 1), date(2021, 12, 31)).housed.total == 0


def test_only_events_recorded_by_as_of_count_so_a_past_table_is_reproducible():
    events = housed_pathway(1, date(2020, 2, 1), 100, "iml", 1)
    exit_ = events[-1]
    late = ev(2, figures.LIST_ENTERED, date(2020, 3, 1), at=datetime(2021, 2, 1, tzinfo=UTC))  # entered late
    as_of = datetime(2020, 12, 31, 23, 0, tzinfo=UTC)
    assert compute([*events, late], START, END, as_of=as_of).entered == 1
    assert compute([*events, late], START, END).entered == 2
    before_exit = exit_.recorded_at - timedelta(seconds=1)
    assert compute(events, START, END, as_of=before_exit).housed.total == 0


def test_a_household_counts_once_by_its_last_exit_of_the_period():
    events = [
        ev(1, figures.LIST_ENTERED, date(2020, 1, 10)),
        ev(1, figures.LIST_LEFT, date(2020, 3, 1), reason="lost_contact", housed_in=""),
        ev(1, figures.LIST_RETURNED, date(2020, 5, 1), episode=2),
        ev(1, figures.LIST_ENTERED, date(2020, 6, 1), episode=2),
        ev(1, figures.LIST_LEFT, date(2020, 9, 1), episode=2, reason="housed", housed_in="social"),
    ]
    table = compute(events, START, END)
    assert table.exits.total == 1 and table.exits.count("housed") == 1 and table.exits.count("lost_contact") == 0
    assert table.returns == 1
    assert table.entered == 1
    assert table.housing_delay.mean_days == (date(2020, 9, 1) - date(2020, 6, 1)).days  # same episode's entry


def test_without_shelter_looks_at_the_whole_episode_up_to_the_home():
    def household(n, situations, returned_on=None):
        out = [ev(n, figures.SITUATION_RECORDED, on, ethos=e) for on, e in situations]
        episode = 2 if returned_on else 1
        if returned_on:
            out.append(ev(n, figures.LIST_RETURNED, returned_on, episode=2))
        out.append(ev(n, figures.LIST_ENTERED, date(2020, 2, 1), episode=episode))
        out.append(ev(n, figures.LIST_LEFT, date(2020, 10, 1), episode=episode, reason="housed", housed_in="social"))
        return out

    events = [
        *household(1, [(date(2020, 1, 1), 1)]),  # street → home: without shelter
        *household(2, [(date(2020, 1, 1), 1), (date(2020, 4, 1), 3)]),  # street, then CHRS while waiting
        *household(3, [(date(2018, 1, 1), 3), (date(2019, 1, 1), 8)], returned_on=date(2020, 1, 15)),
        *household(4, [(date(2019, 1, 1), 3)], returned_on=date(2020, 1, 15)),  # in CHRS when it came back
        *household(5, [(date(2020, 1, 1), 1), (date(2020, 11, 1), 2)]),  # shelter after the home: not counted
    ]
    table = compute(events, START, END)
    assert table.housed.total == 5
    assert table.housed_without_shelter == 3  # households 1, 3 and 5
    assert table.housed_by_previous.count("street") == 2  # 1 and 5 (the later shelter is after the exit)
    assert table.housed_by_previous.count("shelter") == 2
    assert table.housed_by_previous.count("family_friends") == 1


def test_unknown_codes_are_grouped_so_breakdowns_still_add_up():
    events = [
        ev(1, figures.LIST_LEFT, date(2020, 5, 1), reason="housed", housed_in=""),
        ev(2, figures.ORIENTATION_DECIDED, date(2020, 5, 1), decision="oriented", delay_days=None),
    ]
    table = compute(events, START, END)
    assert table.housed.count("unknown") == 1 and table.housed.total == 1
    assert table.housed_by_previous.count("unknown") == 1
    assert table.decision_delay == Delay(0, None, None, None, None)


# --- properties ---------------------------------------------------------------------------------

DAYS = st.dates(min_value=date(2019, 1, 1), max_value=date(2021, 12, 31))


@st.composite
def events_strategy(draw):
    events = []
    for household in range(draw(st.integers(0, 25))):
        for _ in range(draw(st.integers(0, 8))):
            kind = draw(st.sampled_from(figures.KINDS))
            payload = {}
            if kind == figures.LIST_LEFT:
                reason = draw(st.sampled_from([*codes.ExitReason.values, "bogus"]))
                home = draw(st.sampled_from([*codes.HomeType.values, ""])) if reason == "housed" else ""
                payload = {"reason": reason, "housed_in": home}
            elif kind == figures.SITUATION_RECORDED:
                payload = {"ethos": draw(st.integers(1, 13))}
            elif kind == figures.ORIENTATION_DECIDED:
                payload = {
                    "decision": draw(st.sampled_from(codes.Decision.values)),
                    "delay_days": draw(st.none() | st.integers(0, 400)),
                }
            on = draw(DAYS)
            recorded = datetime.combine(on, datetime.min.time(), tzinfo=UTC) + timedelta(
                days=draw(st.integers(0, 400)), microseconds=len(events)
            )
            events.append(Event(household, draw(st.integers(1, 3)), kind, on, recorded, payload))
    return events


def breakdowns(table):
    return [table.housed, table.housed_by_previous, table.decisions, table.exits]


@settings(max_examples=150, deadline=None)
@given(events_strategy())
def test_breakdowns_add_up_to_their_totals(events):
    table = compute(events, START, END)
    for b in breakdowns(table):
        assert sum(line.count for line in b.lines) == b.total
        assert all(line.share is None or 0 <= line.share <= 1 for line in b.lines)
    assert table.housed_by_previous.total == table.housed.total == table.exits.count("housed")
    assert 0 <= table.housed_without_shelter <= table.housed.total
    assert table.housing_delay.households <= table.housed.total


@settings(max_examples=150, deadline=None)
@given(events_strategy())
def test_mean_and_median_lie_between_min_and_max(events):
    table = compute(events, START, END)
    for d in (table.housing_delay, table.decision_delay):
        if d.households:
            assert d.min_days <= d.median_days <= d.max_days
            assert d.min_days - 1e-9 <= d.mean_days <= d.max_days + 1e-9
        else:
            assert d.mean_days is None and d.median_days is None


@settings(max_examples=150, deadline=None)
@given(events_strategy(), st.datetimes(min_value=datetime(2019, 1, 1), max_value=datetime(2022, 6, 1)), st.randoms())
def test_events_recorded_after_as_of_never_change_the_table(events, as_of, rnd):
    as_of = as_of.replace(tzinfo=UTC)
    known = [e for e in events if e.recorded_at <= as_of]
    assert compute(events, START, END, as_of) == compute(known, START, END, as_of)
    shuffled = list(events)
    rnd.shuffle(shuffled)
    assert compute(shuffled, START, END, as_of) == compute(events, START, END, as_of)


# --- suppression --------------------------------------------------------------------------------


@st.composite
def tables(draw):
    """Tables with arbitrary (often small) counts, consistent sums, as the engine would give."""
    small = st.integers(0, 30)

    def breakdown(labels, total=None):
        codes_ = list(labels)
        if total is None:
            counts = [draw(small) for _ in codes_]
        else:  # split a given total among the codes
            cuts = sorted(draw(st.integers(0, total)) for _ in codes_[1:])
            bounds = [0, *cuts, total]
            counts = [b - a for a, b in zip(bounds, bounds[1:], strict=False)]
        total = sum(counts)
        return Breakdown(
            total,
            tuple(Line(c, labels[c], n, n / total if total else None) for c, n in zip(codes_, counts, strict=True)),
        )

    housed = breakdown(figures.HOME_LABELS)
    previous = breakdown(figures.FAMILY_LABELS, housed.total)
    other_exits = {c: draw(small) for c in figures.EXIT_LABELS if c != "housed"}
    exit_counts = {c: housed.total if c == "housed" else other_exits[c] for c in figures.EXIT_LABELS}
    exit_total = sum(exit_counts.values())
    exits = Breakdown(
        exit_total,
        tuple(
            Line(c, figures.EXIT_LABELS[c], n, n / exit_total if exit_total else None) for c, n in exit_counts.items()
        ),
    )
    decisions = breakdown(figures.DECISION_LABELS)
    n_delay = draw(st.integers(0, housed.total))
    delay = Delay(n_delay, 100.0, 90.0, 10.0, 300.0) if n_delay else Delay(0, None, None, None, None)
    n_decision = draw(st.integers(0, decisions.total))
    decision_delay = Delay(n_decision, 12.0, 9.0, 0.0, 40.0) if n_decision else Delay(0, None, None, None, None)
    without = draw(st.integers(0, housed.total))
    return FiguresTable(
        START,
        END,
        None,
        draw(small),
        housed,
        without,
        without / housed.total if housed.total else None,
        delay,
        previous,
        draw(small),
        draw(small),
        decisions,
        decision_delay,
        exits,
    )


def visible_counts(table):
    counts = [table.entered, table.returns, table.referrals, table.housed_without_shelter]
    counts += [table.housing_delay.households, table.decision_delay.households]
    for b in breakdowns(table):
        counts += [b.total, *(line.count for line in b.lines)]
    return [c for c in counts if c is not None]


def rank(rows):
    """Rank of a matrix of Fractions (Gaussian elimination)."""
    rows = [list(r) for r in rows]
    r = 0
    for col in range(len(rows[0]) if rows else 0):
        pivot = next((i for i in range(r, len(rows)) if rows[i][col] != 0), None)
        if pivot is None:
            continue
        rows[r], rows[pivot] = rows[pivot], rows[r]
        for i in range(len(rows)):
            if i != r and rows[i][col] != 0:
                factor = rows[i][col] / rows[r][col]
                rows[i] = [a - factor * b for a, b in zip(rows[i], rows[r], strict=True)]
        r += 1
    return r


def recomputable(hidden, groups):
    """Hidden cells whose value follows from the visible ones through the additive groups."""
    unknowns = sorted(hidden)
    index = {name: i for i, name in enumerate(unknowns)}
    matrix = []
    for total, parts in groups:
        row = [Fraction(0)] * len(unknowns)
        if total in index:
            row[index[total]] -= 1
        for part in parts:
            if part in index:
                row[index[part]] += 1
        if any(row):
            matrix.append(row)
    base = rank(matrix) if matrix else 0
    found = set()
    for name in unknowns:
        unit = [Fraction(int(i == index[name])) for i in range(len(unknowns))]
        if rank([*matrix, unit]) == base:
            found.add(name)
    return found


@settings(max_examples=300, deadline=None)
@given(tables())
def test_after_suppression_no_small_count_is_visible_and_no_hidden_cell_is_recomputable(table):
    shown = suppress(table, T)
    assert shown.suppressed and shown.threshold == T
    assert not [c for c in visible_counts(shown) if 0 < c < T]
    cells, groups = figures.cells_and_groups(table)
    hidden = figures.hidden_cells(cells, groups, T)
    for total, parts in groups:  # each breakdown with a hidden cell has at least two
        assert sum(name in hidden for name in [total, *parts]) != 1
    assert not recomputable(hidden, groups)
    # What is visible is unchanged; what is hidden is None.
    shown_cells, _ = figures.cells_and_groups(shown)
    for name, value in cells.items():
        assert shown_cells[name] == (None if name in hidden else value)


@settings(max_examples=300, deadline=None)
@given(tables())
def test_shares_and_delays_resting_on_hidden_or_small_counts_are_hidden(table):
    shown = suppress(table, T)
    for b in breakdowns(shown):
        for line in b.lines:
            if line.share is not None:
                assert line.count is not None and b.total is not None and b.total >= T
    if shown.without_shelter_share is not None:
        assert shown.housed.total is not None and shown.housed.total >= T and shown.housed_without_shelter is not None
    for d, base in ((shown.housing_delay, shown.housed.total), (shown.decision_delay, shown.decisions.total)):
        if d.mean_days is not None:
            assert base is not None and base >= T and d.households >= T
        assert d.min_days is None and d.max_days is None


def test_suppression_hides_a_small_kind_of_home_and_a_second_one():
    table = compute(
        [
            *(ev(n, figures.LIST_LEFT, date(2020, 5, 1), reason="housed", housed_in="social") for n in range(20)),
            *(ev(100 + n, figures.LIST_LEFT, date(2020, 5, 1), reason="housed", housed_in="iml") for n in range(12)),
            ev(200, figures.LIST_LEFT, date(2020, 5, 1), reason="housed", housed_in="private"),
        ],
        START,
        END,
    )
    shown = suppress(table, T)
    assert shown.housed.total == 33
    assert shown.housed.count("private") is None
    assert shown.housed.count("iml") is None  # secondary: the smallest other non-zero kind
    assert shown.housed.count("social") == 20
    assert shown.housed.count("supported") == 0
    rows = [row for section in sections(shown) for row in section.rows]
    assert figures.HIDDEN in [row.value for row in rows]


def test_suppression_leaves_everything_when_no_count_is_small():
    shown = suppress(compute(aix_events(), START, END), 2)
    assert shown.entered == 26 and shown.housed.count("social") == 8 and shown.housing_delay.mean_days is not None


def test_french_numbers():
    assert figures.french_number(1234.56) == "1\u202f234,6"
    assert figures.french_number(None) == figures.HIDDEN
