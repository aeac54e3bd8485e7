"""Audited small-count suppression (spec 6, issue 20 point 2, decision 0026): one engine for every
table shown to roles that see no names (the by-name list's figures today; measures, housing,
steering and observatory tables to come).

A table is published counts by name (`cells`), the additive groups that bind them (`groups`:
total = sum of parts, a total or a part may be shared by several groups, e.g. the households
housed are the total of the kinds of home and a part of the exits by reason) and optional
inequalities (`bounds`: part ≤ whole, either a cell's name or a published number). Primary suppression hides every count from 1 to
threshold − 1; zeros are published.

**The audit.** Whoever reads the table knows the published counts, the groups, that no count is
negative, and — since zeros are published — that every masked count is at least 1. For each
masked cell, `intervals` computes exactly (integer programme, OR-Tools CP-SAT) the smallest and
largest values consistent with all that. A masked cell is protected when its interval holds more
than `threshold` values (high − low ≥ threshold), or has no upper bound. While a masked cell is not
protected, one more cell is masked: the smallest non-zero visible count of a group the cell
belongs to (a part before a total, then by name), else of any group of the table; then the audit
runs again. Suppression only grows, so it ends; if nothing is left to mask, the table is shown
fully masked in its non-zero cells.

Pure: no Django, no ORM.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

# A masked cell no group bounds from above reaches this: read as "no upper bound".
UNBOUNDED = 10**9

Group = tuple[str, Sequence[str]]


def _model(
    cells: Mapping[str, int],
    groups: Sequence[Group],
    bounds: Sequence[tuple[str, str]],
    hidden: set[str],
    low: int,
):
    from ortools.sat.python import cp_model

    model = cp_model.CpModel()
    variables = {name: model.NewIntVar(low, UNBOUNDED, name) for name in sorted(hidden)}

    def term(name):
        if isinstance(name, int):
            return name
        return variables[name] if name in variables else cells[name]

    for total, parts in groups:
        names = [total, *parts]
        if not any(n in variables for n in names):
            continue
        model.Add(term(total) == sum(term(p) for p in parts))
    for part, whole in bounds:
        if part in variables or whole in variables:
            model.Add(term(part) <= term(whole))
    return model, variables


def intervals(
    cells: Mapping[str, int],
    groups: Sequence[Group],
    hidden: Iterable[str],
    bounds: Sequence[tuple[str, str]] = (),
    low: int = 1,
) -> dict[str, tuple[int, int | None]]:
    """For each masked cell, (lowest, highest) value a reader can deduce; highest None: unbounded."""
    from ortools.sat.python import cp_model

    hidden = set(hidden)
    if not hidden:
        return {}
    model, variables = _model(cells, groups, bounds, hidden, low)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_time_in_seconds = 10
    result = {}
    for name in sorted(hidden):
        x = variables[name]
        model.Minimize(x)
        if solver.Solve(model) not in (cp_model.OPTIMAL,):
            raise RuntimeError(f"audit du secret statistique : pas de solution pour {name}")
        lowest = int(solver.Value(x))
        model.Maximize(x)
        if solver.Solve(model) not in (cp_model.OPTIMAL,):
            raise RuntimeError(f"audit du secret statistique : pas de solution pour {name}")
        highest = int(solver.Value(x))
        result[name] = (lowest, None if highest >= UNBOUNDED else highest)
    model.ClearObjective()
    return result


def exposed(
    cells: Mapping[str, int],
    groups: Sequence[Group],
    hidden: Iterable[str],
    threshold: int,
    bounds: Sequence[tuple[str, str]] = (),
) -> dict[str, tuple[int, int | None]]:
    """The masked cells a reader can pin down too closely: interval holding `threshold` values or fewer."""
    found = intervals(cells, groups, hidden, bounds)
    return {n: (lo, hi) for n, (lo, hi) in found.items() if hi is not None and hi - lo < threshold}


def protect(
    cells: Mapping[str, int],
    groups: Sequence[Group],
    threshold: int,
    bounds: Sequence[tuple[str, str]] = (),
) -> set[str]:
    """The cells to mask: primary suppression, then more until the audit finds no exposed cell."""
    hidden = {name for name, value in cells.items() if 0 < value < threshold}
    order = {name: i for i, name in enumerate(cells)}
    while hidden:
        weak = exposed(cells, groups, hidden, threshold, bounds)
        if not weak:
            break
        target = min(weak, key=lambda n: order[n])
        choice = _next_to_mask(cells, groups, hidden, target, order)
        if choice is None:
            break
        hidden.add(choice)
    return hidden


def _next_to_mask(cells, groups, hidden, target, order) -> str | None:
    def candidates(selected):
        parts, totals = [], []
        for total, group_parts in selected:
            parts += [p for p in group_parts if p not in hidden and cells[p] > 0]
            if total not in hidden and cells[total] > 0:
                totals.append(total)
        return parts, totals

    def smallest(names):
        return min(names, key=lambda n: (cells[n], order[n])) if names else None

    own = [g for g in groups if target == g[0] or target in g[1]]
    for selected in (own, groups):
        parts, totals = candidates(selected)
        choice = smallest(parts) or smallest(totals)
        if choice is not None:
            return choice
    return None
