"""The engine's assignment (the auction, decision 0020) and its fallback (OR-Tools on costs relative
to each household's best pair, one source per household) both reach the optimum of the textbook
min-cost flow (one source, arcs costing −value), written here again."""

import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from ortools.graph.python import min_cost_flow

from lda.housing.constraints import Thresholds
from lda.housing.data import Instance
from lda.housing.matching import _solve_flow, engine, pair_values
from lda.housing.scoring import DEFAULT_GRID

from .strategies import territories

RULES = Thresholds()


def plain_optimum(nh: int, nu: int, ch: np.ndarray, cu: np.ndarray, value: np.ndarray) -> int:
    """The textbook formulation, written here again: source → household (1), household → unit
    (1, cost −value), unit → sink (3), source → sink (the households left out)."""
    source, sink = nh + nu, nh + nu + 1
    tails = np.concatenate([ch, np.full(nh, source), nh + np.arange(nu), [source]]).astype(np.int32)
    heads = np.concatenate([nh + cu, np.arange(nh), np.full(nu, sink), [sink]]).astype(np.int32)
    caps = np.concatenate([np.ones(len(ch) + nh), np.full(nu, 3), [nh]]).astype(np.int64)
    costs = np.concatenate([-value, np.zeros(nh + nu + 1)]).astype(np.int64)
    flow = min_cost_flow.SimpleMinCostFlow()
    flow.add_arcs_with_capacity_and_unit_cost(tails, heads, caps, costs)
    flow.set_node_supply(source, nh)
    flow.set_node_supply(sink, -nh)
    assert flow.solve() == flow.OPTIMAL
    return -flow.optimal_cost()


def check(inst: Instance, grid=DEFAULT_GRID) -> None:
    run = engine(inst, RULES, grid)
    c = run.candidates
    values = pair_values(inst, c, run.step)
    nh, nu = len(inst.households), len(inst.units)
    optimum = plain_optimum(nh, nu, c.h, c.u, values)
    assert run.solver.get("certified", True)  # no pair at all: nothing to certify
    assert run.objective == optimum
    assert int(values[_solve_flow(nh, nu, c.h, c.u, values)].sum()) == optimum


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(territories(max_households=30, max_units=8))
def test_same_optimum_as_the_plain_flow_on_random_territories(territory):
    check(Instance.build(*territory))


@pytest.mark.parametrize("seed", [11, 12, 13])
def test_same_optimum_as_the_plain_flow_on_synthetic_territories(seed):
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench" / "matching"))
    from generator import territory

    check(Instance.build(*territory(2500, 250, seed=seed)))
