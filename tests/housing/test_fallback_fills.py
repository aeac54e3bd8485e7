"""The fallback solver fills the places the auction fills (issue 20 point 5, decision 0020): with
the fallback forced, the engine gives the same shortlists as with the auction."""

import dataclasses

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lda.housing import auction
from lda.housing.constraints import Thresholds
from lda.housing.data import Household, Instance, Unit
from lda.housing.matching import SHORTLIST, _assign, engine
from lda.housing.scoring import Grid

RULES = Thresholds()


@pytest.fixture
def forced_fallback(monkeypatch):
    """The auction's answer declared uncertified: the engine must use OR-Tools' min-cost flow."""
    real = auction.solve

    def uncertified(*args, **kwargs):
        solution = real(*args, **kwargs)
        return dataclasses.replace(solution, gap=solution.scale)

    def use():
        monkeypatch.setattr(auction, "solve", uncertified)

    return use


def assign(nh, nu, ch, cu, value):
    stats = {}
    chosen = _assign(nh, nu, np.array(ch, np.int64), np.array(cu, np.int64), np.array(value, np.int64), stats)
    return sorted(chosen.tolist()), stats.get("method")


def test_a_household_worth_0_takes_the_free_place_with_the_fallback_too(forced_fallback):
    # Household 1's only pair is worth 0: the total is the same with or without it, the place is free.
    pairs = (2, 1, [0, 1], [0, 0], [5, 0])
    assert assign(*pairs) == ([0, 1], "enchères")
    forced_fallback()
    assert assign(*pairs) == ([0, 1], "flot de coût minimal")
    many = (4, 2, [0, 1, 2, 3], [0, 0, 1, 1], [7, 0, 0, 3])
    assert assign(*many)[0] == [0, 1, 2, 3]


def unit(uid, **kw):
    base = dict(
        commune="69123",
        kind="logement_social",
        typology=2,
        surface=45.0,
        floor=0,
        lift=False,
        wheelchair_accessible=False,
        rent=350.0,
        charges=60.0,
        contingent="bailleur",
    )
    return Unit(id=uid, **{**base, **kw})


def test_the_engine_gives_the_same_shortlists_with_the_fallback_forced(forced_fallback):
    # A grid giving no point to anyone: every pair is worth 0 for "autre" households; the DALO one
    # (the only positive pairs: a unique positive optimum) accepts only the second unit's commune.
    flat = Grid(version="plat", criteria=(), wish_points=(0,), later_wish_points=0, any_commune_points=0)
    households = [Household(id=i, adults=1, children=0, resources=1200.0, housing_benefit=200.0) for i in range(1, 6)]
    households.append(
        Household(
            id=9,
            adults=1,
            children=0,
            resources=1200.0,
            housing_benefit=200.0,
            priority="dalo",
            accepted_communes=("69266",),
        )
    )
    instance = Instance.build(households, [unit(10), unit(11, commune="69266")])
    with_auction = engine(instance, RULES, flat)
    assert sum(map(len, with_auction.shortlists.values())) == 2 * SHORTLIST
    forced_fallback()
    with_flow = engine(instance, RULES, flat)
    assert with_flow.solver["method"] == "flot de coût minimal"
    assert with_flow.shortlists == with_auction.shortlists
    assert with_flow.objective == with_auction.objective


@st.composite
def graphs(draw):
    """Pairs whose positive values are distinct powers of two (a unique positive optimum), plus
    pairs worth 0."""
    nh, nu = draw(st.integers(1, 12)), draw(st.integers(1, 4))
    ch, cu, value = [], [], []
    power = 0
    for i in range(nh):
        for j in sorted(draw(st.sets(st.integers(0, nu - 1), max_size=nu))):
            ch.append(i)
            cu.append(j)
            if draw(st.booleans()):
                value.append(0)
            else:
                value.append(1 << power)
                power += 1
    return nh, nu, ch, cu, value


@settings(max_examples=150, deadline=None)
@given(graphs())
def test_both_paths_choose_the_same_pairs_and_leave_no_free_place_a_household_could_take(graph):
    nh, nu, ch, cu, value = graph
    with_auction, _ = assign(*graph)
    real = auction.solve
    try:
        auction.solve = lambda *a, **k: dataclasses.replace(real(*a, **k), gap=real(*a, **k).scale)
        with_flow, method = assign(*graph)
    finally:
        auction.solve = real
    assert method == ("flot de coût minimal" if ch else None)
    assert with_flow == with_auction
    served = {ch[k] for k in with_flow}
    room = {j: SHORTLIST - sum(1 for k in with_flow if cu[k] == j) for j in range(nu)}
    for k in range(len(ch)):
        assert not (value[k] == 0 and ch[k] not in served and room[cu[k]] > 0)
