import itertools
import sys
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from lda.housing.constraints import REASONS, Thresholds, why_not
from lda.housing.data import Household, Instance, Unit
from lda.housing.matching import (
    engine,
    explain,
    fairness,
    generate_candidates,
    greedy,
    match,
    offer_driven,
    pair_values,
)
from lda.housing.scoring import DEFAULT_GRID

from . import verifier
from .strategies import territories

RULES = Thresholds()
GRID = DEFAULT_GRID
PROPERTY = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def verify(run):
    """The independent verifier on every proposal of a run: zero violations expected."""
    households = {h.id: h for h in run.instance.households}
    units = {u.id: u for u in run.instance.units}
    return verifier.violations(households, units, run.shortlists, run.thresholds)


def brute_force(inst, cand, values):
    """Best Σ value over every assignment (household → one of its candidate units or none)."""
    options = []
    for i in range(len(inst.households)):
        s = cand.of_household(i)
        options.append([None, *range(s.start, s.stop)])
    best = 0
    for choice in itertools.product(*options):
        pairs = [p for p in choice if p is not None]
        load = {}
        for p in pairs:
            load[int(cand.u[p])] = load.get(int(cand.u[p]), 0) + 1
        if all(n <= 3 for n in load.values()):
            best = max(best, sum(int(values[p]) for p in pairs))
    return best


@PROPERTY
@given(territories())
def test_candidates_are_exactly_the_pairs_without_a_reason(territory):
    hs, us = territory
    inst = Instance.build(hs, us)
    cand = generate_candidates(inst, RULES, GRID)
    got = {(inst.households[i].id, inst.units[j].id) for i, j in zip(cand.h.tolist(), cand.u.tolist(), strict=True)}
    expected = {(h.id, u.id) for h in hs for u in us if not why_not(h, u, RULES)}
    assert got == expected
    also = {(h.id, u.id) for h in hs for u in us if not verifier.pair_violations(h, u, RULES)}
    assert got == also


@PROPERTY
@given(territories())
def test_every_method_passes_the_verifier(territory):
    inst = Instance.build(*territory)
    for method in (engine, greedy, offer_driven):
        run = method(inst, RULES, GRID)
        assert verify(run) == []
        assert all(len(v) <= 3 for v in run.shortlists.values())
        placed = [h for v in run.shortlists.values() for h in v]
        assert len(placed) == len(set(placed))


@PROPERTY
@given(territories())
def test_same_input_same_output(territory):
    hs, us = territory
    first = engine(Instance.build(hs, us), RULES, GRID)
    again = engine(Instance.build(list(reversed(hs)), list(reversed(us))), RULES, GRID)
    assert first.shortlists == again.shortlists
    assert list(first.shortlists) == list(again.shortlists)


@PROPERTY
@given(territories())
def test_no_household_left_out_for_a_less_urgent_one(territory):
    inst = Instance.build(*territory)
    run = engine(inst, RULES, GRID)
    households = {h.id: h for h in inst.households}
    units = {u.id: u for u in inst.units}
    blocking = verifier.blocking_pairs(households, units, run.shortlists, RULES, lambda h: h.tier)
    assert blocking == []
    assert fairness(run).blocking_pairs == 0


@PROPERTY
@given(territories())
def test_engine_at_least_as_good_as_the_baselines(territory):
    inst = Instance.build(*territory)
    best = engine(inst, RULES, GRID)
    for baseline in (greedy, offer_driven):
        other = baseline(inst, RULES, GRID)
        assert best.objective >= other.objective


@settings(max_examples=25, deadline=None)
@given(territories(max_households=6, max_units=3))
def test_engine_reaches_the_brute_force_optimum_with_tiers(territory):
    inst = Instance.build(*territory)
    run = engine(inst, RULES, GRID)
    values = pair_values(inst, run.candidates, run.step)
    assert run.objective == brute_force(inst, run.candidates, values)


def test_single_unit_tiers_before_score():
    unit = Unit(1, "69001", "logement_social", 2, 40.0, 0, True, True, 300.0, 50.0, "bailleur")
    people = [
        Household(1, 1, 0, 1200.0, priority="autre", criteria=frozenset({"sans_abri", "violences"}), months_on_list=60),
        Household(2, 1, 0, 1200.0, priority="autre", criteria=frozenset({"hebergement"})),
        Household(3, 1, 0, 1200.0, priority="prioritaire"),
        Household(4, 1, 0, 1200.0, priority="dalo"),
        Household(5, 1, 0, 1200.0, priority="autre"),
    ]
    run = engine(Instance.build(people, [unit]), RULES, GRID)
    assert run.shortlists == {1: (4, 3, 1)}
    report = fairness(run)
    assert report.blocking_pairs == 0
    assert [(g.households, g.eligible, g.placed) for g in report.by_tier] == [(1, 1, 1), (1, 1, 1), (3, 3, 1)]


def test_global_assignment_beats_unit_by_unit():
    # unit 1 comes first; household 1 fits both units, households 2–4 only unit 1.
    u1 = Unit(1, "69001", "logement_social", 2, 40.0, 0, True, True, 300.0, 50.0, "bailleur")
    u2 = Unit(2, "69002", "logement_social", 2, 40.0, 0, True, True, 300.0, 50.0, "bailleur")
    hs = [Household(1, 1, 0, 1200.0, months_on_list=50)] + [
        Household(i, 1, 0, 1200.0, months_on_list=10, accepted_communes=("69001",)) for i in (2, 3, 4)
    ]
    inst = Instance.build(hs, [u1, u2])
    assert offer_driven(inst, RULES, GRID).shortlists == {1: (1, 2, 3)}
    best = engine(inst, RULES, GRID)
    assert best.shortlists == {1: (2, 3, 4), 2: (1,)}
    explanation = explain(best, 1)
    assert explanation.alternative.reason in {"moins_bon", "aucune"}


def test_explanation_contents():
    u1 = Unit(1, "69001", "logement_social", 2, 40.0, 0, True, True, 330.0, 50.0, "bailleur")
    u2 = Unit(2, "69002", "logement_social", 2, 40.0, 0, True, True, 300.0, 50.0, "bailleur")
    hs = [
        Household(1, 1, 0, 1200.0, 100.0, "autre", frozenset({"hebergement"}), 12, accepted_communes=("69002", "69001"))
    ] + [
        Household(i, 1, 0, 1200.0, priority="dalo", accepted_communes=("69002",), criteria=frozenset({"dalo"}))
        for i in (2, 3, 4)
    ]
    run = engine(Instance.build(hs, [u1, u2]), RULES, GRID)
    assert run.shortlists == {1: (1,), 2: (2, 3, 4)}
    e = explain(run, 1)
    assert (e.unit_id, e.rank, e.tier, e.grid_version) == (1, 1, "autre", GRID.version)
    assert [c for c, _ in e.constraints_met] == list(REASONS)
    assert {t.code: t.points for t in e.terms}["hebergement"] == 60
    assert {t.code: t.points for t in e.terms}["anciennete"] == 12
    assert e.terms[-1].code == "voeu" and e.terms[-1].value == 2 and e.terms[-1].points == 20
    assert e.household_score == 72 and e.pair_score == 92
    assert e.affordability.net_cost == 280.0
    assert e.affordability.effort_rate == pytest.approx(280 / 1200)
    assert e.affordability.daily_rest_per_uc == pytest.approx(920 / 30)
    alt = e.alternative
    assert (alt.unit_id, alt.pair_score, alt.reason) == (2, 102, "plus_prioritaire")
    assert "palier plus prioritaire" in alt.text
    assert explain(run, 2).alternative.reason == "aucune"
    with pytest.raises(KeyError):
        explain(run, 99)


def test_exchange_explained_with_its_cost():
    u1 = Unit(1, "69001", "logement_social", 2, 40.0, 0, True, True, 330.0, 50.0, "bailleur")
    u2 = Unit(2, "69002", "logement_social", 2, 40.0, 0, True, True, 300.0, 50.0, "bailleur")
    # household 1 prefers unit 2 (wish 1) but units 2's candidates only fit unit 2 and score more
    hs = [Household(1, 1, 0, 1200.0, 100.0, accepted_communes=("69002", "69001"))] + [
        Household(i, 1, 0, 1200.0, months_on_list=40, accepted_communes=("69002",)) for i in (2, 3, 4)
    ]
    run = engine(Instance.build(hs, [u1, u2]), RULES, GRID)
    alt = explain(run, 1).alternative
    assert alt.reason == "echange_perdant" and alt.exchange_delta < 0
    assert f"perdre {-alt.exchange_delta} points" in alt.text


def test_synthetic_territory_every_method_verified_and_fast_explanations():
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench" / "matching"))
    from generator import territory

    inst = Instance.build(*territory(4000, 400, seed=3))
    runs = {m: match(inst, RULES, GRID, m) for m in ("offre par offre", "glouton global", "moteur")}
    for run in runs.values():
        assert verify(run) == []
    best = runs["moteur"]
    assert best.objective >= max(r.objective for r in runs.values())
    assert fairness(best).blocking_pairs == 0
    assert fairness(best).idle_places == 0
    for household_id in [h for v in list(best.shortlists.values())[:50] for h in v]:
        t = time.perf_counter()
        e = explain(best, household_id)
        assert time.perf_counter() - t < 0.05
        assert e.alternative.reason != "echange_gagnant"
