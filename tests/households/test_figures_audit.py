"""Audited suppression (issue 20 point 2, decision 0026): after suppression, no masked count can be
recomputed — nor narrowed to `threshold` values or fewer — from the published totals, the published
zeros and non-negativity. The reader's attack is written here again (its own integer programme),
not taken from `lda.core.disclosure`."""

from datetime import date

from hypothesis import HealthCheck, given, settings
from ortools.sat.python import cp_model

from lda.core import disclosure
from lda.households import figures
from lda.households.figures import compute, suppress

from .test_figures import END, START, ev, tables

T = 5


def attack(cells, groups, hidden, bounds=()):
    """What a reader deduces of each masked cell: its lowest and highest possible values (None: no
    upper bound found below 10⁶). Masked cells are at least 1, since zeros are published."""
    out = {}
    for name in hidden:
        found = []
        for sense in (1, -1):
            model = cp_model.CpModel()
            x = {n: model.NewIntVar(1, 10**6, n) for n in hidden}

            def value(n):
                return n if isinstance(n, int) else x.get(n, cells[n])

            for total, parts in groups:
                model.Add(value(total) == sum(value(p) for p in parts))
            for part, whole in bounds:
                model.Add(value(part) <= value(whole))
            model.Minimize(sense * x[name])
            solver = cp_model.CpSolver()
            solver.parameters.num_workers = 1
            assert solver.Solve(model) == cp_model.OPTIMAL
            found.append(solver.Value(x[name]))
        out[name] = (found[0], None if found[1] >= 10**6 else found[1])
    return out


def hidden_of(shown):
    cells, _ = figures.cells_and_groups(shown)
    return {name for name, value in cells.items() if value is None}


def test_the_reported_table_no_longer_gives_four_masked_exits_away():
    # Exits 17, housed 13: four other reasons masked, the others published as 0 — each masked one
    # was then exactly 1. The old rule left it so (no group had a single masked cell).
    reasons = ["lost_contact", "moved_away", "deceased", "declined"]
    events = [ev(n, figures.LIST_LEFT, date(2020, 5, 1), reason="housed", housed_in="social") for n in range(13)]
    events += [ev(100 + n, figures.LIST_LEFT, date(2020, 5, 1), reason=r) for n, r in enumerate(reasons)]
    table = compute(events, START, END)
    assert table.exits.total == 17 and table.housed.total == 13
    shown = suppress(table, T)
    cells, groups = figures.cells_and_groups(table)
    hidden = hidden_of(shown)
    assert {f"exit:{r}" for r in reasons} <= hidden
    for name, (low, high) in attack(cells, groups, hidden, figures.BOUNDS).items():
        assert high is None or high - low >= T, (name, low, high)


def test_the_audit_sees_what_the_single_cell_rule_missed():
    cells = {"total": 17, "a": 13, "b": 1, "c": 1, "d": 1, "e": 1, "f": 0}
    groups = [("total", ["a", "b", "c", "d", "e", "f"])]
    assert disclosure.exposed(cells, groups, {"b", "c", "d", "e"}, T) == {n: (1, 1) for n in "bcde"}
    hidden = disclosure.protect(cells, groups, T)
    assert "a" in hidden or "total" in hidden
    assert not disclosure.exposed(cells, groups, hidden, T)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables())
def test_no_masked_cell_can_be_narrowed_below_the_threshold(table):
    shown = suppress(table, T)
    cells, groups = figures.cells_and_groups(table)
    hidden = hidden_of(shown)
    assert not [n for n, v in cells.items() if 0 < v < T and n not in hidden]  # primary
    assert all(cells[n] > 0 for n in hidden)  # zeros stay published
    bounds = (*figures.BOUNDS, *figures.delay_bounds(table, T))
    for name, (low, high) in attack(cells, groups, hidden, bounds).items():
        assert high is None or high - low >= T, (name, low, high, cells[name])
