"""Property: for any grid version the simulator may pick and any household, the breakdown the
settings pages show (`services.score_breakdown`, through the adapter) sums to the household's
score (`scoring.household_score`) and equals the engine's vectorised `scoring.household_scores`."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lda.housing import adapter, scoring, services
from lda.housing.data import Household, Instance
from lda.housing.models import ScoringGrid
from lda.housing.settings_views import simulate
from tests.housing.strategies import households, units

CODES = list(adapter.CRITERIA)


@st.composite
def grids(draw):
    """An unsaved grid version as the settings form would make it (codes from `adapter.CRITERIA`)."""
    chosen = draw(st.lists(st.sampled_from(CODES), min_size=1, unique=True))
    criteria = []
    for code in chosen:
        per_month = code == "anciennete"
        criteria.append(
            {
                "code": code,
                "label": adapter.CRITERIA[code],
                "points": draw(st.integers(-1000, 1000)),
                "per_month": per_month,
                "cap_months": draw(st.one_of(st.none(), st.integers(1, 240))) if per_month else None,
            }
        )
    fields = {
        "criteria": criteria,
        "wish_points": draw(st.lists(st.integers(0, 1000), max_size=10)),
        "later_wish_points": draw(st.integers(0, 1000)),
        "any_commune_points": draw(st.integers(0, 1000)),
    }
    services.check_grid(fields)  # what the form lets through is a valid grid
    return ScoringGrid(number=draw(st.integers(1, 50)), note="propriété", **fields)


@settings(max_examples=150, deadline=None)
@given(grid=grids(), people=households(8), homes=units(1))
def test_the_breakdown_sums_to_the_score_and_matches_the_vectorised_scores(grid, people, homes):
    engine = adapter.engine_grid(grid)
    vectorised = scoring.household_scores(Instance.build(people, homes), engine)
    rows = simulate(grid, [(str(h.id), h) for h in people])
    for i, (household, row) in enumerate(zip(sorted(people, key=lambda h: h.id), rows, strict=True)):
        terms = services.score_breakdown(household, grid)
        assert [t.code for t in terms] == [c["code"] for c in grid.criteria]
        total = sum(t.points for t in terms)
        assert total == scoring.household_score(household, engine) == int(vectorised[i]) == row["total"]
        assert row["total"] == sum(t.points for t in row["terms"])  # unmet terms are worth 0


@pytest.mark.django_db
def test_an_old_version_scores_the_same_after_a_new_one(territory):
    services.install_defaults(territory)
    household = Household(id=1, adults=1, children=0, resources=0, criteria=frozenset({"dalo"}), months_on_list=70)
    v1 = adapter.current_grid(territory.pk)
    before = services.score_breakdown(household, v1)
    changed = {**adapter.default_grid_fields(), "criteria": [{"code": "dalo", "label": "DALO", "points": 10}]}
    services.new_grid_version(territory, services.Author(None, 0), changed, "Nouvelle délibération")
    v1 = ScoringGrid.objects.get(territory=territory, number=1)
    assert services.score_breakdown(household, v1) == before
    assert sum(t.points for t in before) == 150 + 60  # DALO + 60 months at most
    assert sum(t.points for t in services.score_breakdown(household, adapter.current_grid(territory.pk))) == 10
