"""The auction (decision 0020) as a solver of its own: on any sparse graph with any integer values
(zero and negative included) it returns the optimum of the textbook min-cost flow, certified,
within the capacities, deterministically; the engine falls back on OR-Tools when it is not."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lda.housing import auction, matching
from lda.housing.constraints import Thresholds
from lda.housing.data import Instance
from lda.housing.scoring import DEFAULT_GRID

from .test_flow_equivalence import plain_optimum


@st.composite
def graphs(draw):
    nh = draw(st.integers(1, 25))
    nu = draw(st.integers(1, 8))
    pairs = sorted(draw(st.sets(st.tuples(st.integers(0, nh - 1), st.integers(0, nu - 1)), max_size=80)))
    # few distinct values: many ties, the auction's hard case; a tier-like jump on some households
    values = [draw(st.sampled_from([-5, 0, 1, 2, 3, 30, 31, 1000, 1030])) for _ in pairs]
    ch = np.array([p[0] for p in pairs], dtype=np.int64)
    cu = np.array([p[1] for p in pairs], dtype=np.int64)
    return nh, nu, ch, cu, np.array(values, dtype=np.int64)


def check_assignment(nh, nu, ch, cu, value, solution, capacity=3):
    chosen = solution.chosen
    assert len(np.unique(ch[chosen])) == len(chosen), "un ménage sur deux logements"
    assert np.bincount(cu[chosen], minlength=nu).max(initial=0) <= capacity
    assert solution.certified
    return int(value[chosen].sum())


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(graphs())
def test_same_optimum_as_the_textbook_flow_on_any_graph(graph):
    nh, nu, ch, cu, value = graph
    solution = auction.solve(nh, nu, ch, cu, value, 3)
    assert check_assignment(nh, nu, ch, cu, value, solution) == plain_optimum(nh, nu, ch, cu, value)


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(graphs())
def test_same_result_for_the_same_pairs(graph):
    nh, nu, ch, cu, value = graph
    first = auction.solve(nh, nu, ch, cu, value, 3)
    again = auction.solve(nh, nu, ch.copy(), cu.copy(), value.copy(), 3)
    assert first.chosen.tolist() == again.chosen.tolist()


def test_pairs_worth_nothing_fill_free_places_and_negative_ones_never_do():
    # unit 0 has three places: one household worth 5, one worth 0, one worth −1
    ch, cu, value = np.array([0, 1, 2]), np.array([0, 0, 0]), np.array([5, 0, -1])
    solution = auction.solve(3, 1, ch, cu, value, 3)
    assert solution.chosen.tolist() == [0, 1]


def test_unsorted_pairs_are_refused():
    with pytest.raises(ValueError):
        auction.solve(2, 1, np.array([1, 0]), np.array([0, 0]), np.array([1, 1]), 3)


def test_the_engine_falls_back_on_the_min_cost_flow_when_not_certified(monkeypatch, caplog):
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench" / "matching"))
    from generator import territory

    inst = Instance.build(*territory(1500, 150, seed=5))
    certified = matching.engine(inst, Thresholds(), DEFAULT_GRID)
    assert certified.solver["method"] == "enchères" and certified.solver["certified"]

    real = auction.solve

    def uncertified(*args):
        s = real(*args)
        return auction.Solution(s.chosen[:-1], s.scale, s.scale, s.phases, s.bids, s.reverse_steps, s.seconds)

    monkeypatch.setattr(auction, "solve", uncertified)
    fallback = matching.engine(inst, Thresholds(), DEFAULT_GRID)
    assert fallback.solver["method"] == "flot de coût minimal"
    assert fallback.objective == certified.objective
    assert "not certified" in caplog.text


def test_a_wrong_price_is_caught_by_the_certificate():
    """The certificate is a real check: the gap of a suboptimal assignment is at least the scale."""
    ch, cu, value = np.array([0, 1]), np.array([0, 0]), np.array([10, 7])
    solution = auction.solve(2, 1, ch, cu, value, 1)
    assert solution.chosen.tolist() == [0] and solution.certified
    scale = solution.scale
    hptr = np.array([0, 1, 2])
    price = np.zeros(1, np.int64)  # price 0 on the only place, household 1 on it instead of 0
    arc = np.array([-1, 1])
    gap = auction._gap(hptr, cu.astype(np.int64), value * scale, 1, price, arc, np.array([0, 1]))
    assert gap >= scale


def test_values_too_large_for_exact_integers_are_not_certified():
    """The engine then solves them with OR-Tools rather than risk an overflow."""
    huge = np.array([2**60, 2**60 - 1], dtype=np.int64)
    solution = auction.solve(2, 1, np.array([0, 1]), np.array([0, 0]), huge, 3)
    assert not solution.certified
