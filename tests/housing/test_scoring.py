from hypothesis import given, settings

from lda.housing.data import Household, Instance, Unit
from lda.housing.scoring import DEFAULT_GRID, Criterion, Grid, breakdown, household_score, household_scores, pair_score

from .strategies import territories

GRID = Grid(
    version="test-1",
    criteria=(
        Criterion("dalo", "DALO", 150),
        Criterion("sans_abri", "Sans abri", 100),
        Criterion("hebergement", "Hébergé", 60),
        Criterion("anciennete", "Ancienneté", 2, per_month=True, cap_months=24),
    ),
    wish_points=(30, 20),
    later_wish_points=5,
    any_commune_points=25,
)


def hh(**kw):
    return Household(**{"id": 1, "adults": 1, "children": 0, "resources": 900.0, **kw})


def test_score_is_the_sum_of_the_criteria_met():
    h = hh(criteria=frozenset({"dalo", "hebergement", "inconnu"}), months_on_list=10)
    assert household_score(h, GRID) == 150 + 60 + 20


def test_months_are_capped():
    assert household_score(hh(months_on_list=100), GRID) == 48
    assert household_score(hh(months_on_list=-3), GRID) == 0


def test_breakdown_criterion_by_criterion():
    terms = breakdown(hh(criteria=frozenset({"sans_abri"}), months_on_list=30), GRID)
    assert [(t.code, t.met, t.value, t.points) for t in terms] == [
        ("dalo", False, 0, 0),
        ("sans_abri", True, 1, 100),
        ("hebergement", False, 0, 0),
        ("anciennete", True, 24, 48),
    ]


def test_wish_term_by_rank():
    h = hh(accepted_communes=("A", "B", "C"))
    assert [pair_score(h, c, GRID) for c in "ABC"] == [30, 20, 5]
    assert pair_score(hh(), "A", GRID) == 25


def test_another_grid_version_gives_another_reproducible_score():
    h = hh(criteria=frozenset({"dalo"}), months_on_list=12)
    v2 = Grid(version="test-2", criteria=(Criterion("dalo", "DALO", 200),))
    assert household_score(h, GRID) == 174 and household_score(h, GRID) == 174
    assert household_score(h, v2) == 200


@settings(max_examples=30, deadline=None)
@given(territories())
def test_vectorised_scores_equal_the_scalar_ones(territory):
    hs, us = territory
    inst = Instance.build(hs, us or [Unit(1, "69001", "logement_social", 1, 20, 0, False, False, 1, 1, "bailleur")])
    for grid in (GRID, DEFAULT_GRID):
        assert household_scores(inst, grid).tolist() == [household_score(h, grid) for h in inst.households]
