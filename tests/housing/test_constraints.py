import math

import pytest

from lda.housing.constraints import (
    REASONS,
    Thresholds,
    affordability,
    allowed_typologies,
    consumption_units,
    min_surface,
    why_not,
)
from lda.housing.data import Household, Unit

RULES = Thresholds()


def household(**kw):
    base = dict(id=1, adults=1, children=0, resources=1200.0, housing_benefit=200.0)
    return Household(**{**base, **kw})


def unit(**kw):
    base = dict(
        id=10,
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
    return Unit(**{**base, **kw})


@pytest.mark.parametrize(
    ("persons", "surface"), [(1, 9), (2, 16), (3, 25), (4, 34), (7, 61), (8, 70), (9, 70), (12, 70)]
)
def test_minimum_surface(persons, surface):
    assert min_surface(persons) == surface


def test_minimum_surface_needs_a_person():
    with pytest.raises(ValueError):
        min_surface(0)


@pytest.mark.parametrize(
    ("persons", "typologies"),
    [
        (1, {1, 2}),
        (2, {1, 2, 3}),
        (3, {2, 3, 4}),
        (4, {3, 4}),
        (5, {3, 4, 5}),
        (7, {4, 5, 6}),
        (8, {5, 6}),
        (11, {5, 6}),
    ],
)
def test_typologies_by_size(persons, typologies):
    assert allowed_typologies(persons, RULES) == typologies


@pytest.mark.parametrize(
    ("adults", "children", "uc"), [(1, 0, 1.0), (2, 0, 1.5), (1, 2, 1.6), (2, 2, 2.1), (3, 1, 2.3)]
)
def test_consumption_units_oecd_modified_scale(adults, children, uc):
    assert consumption_units(adults, children) == pytest.approx(uc)


def test_affordability_arithmetic():
    # couple with two children under 14: UC 2.1; rent + charges 600, benefit 250 → net 350
    h = household(adults=2, children=2, resources=1750.0, housing_benefit=250.0)
    a = affordability(h, unit(rent=520.0, charges=80.0, typology=3, surface=70.0), RULES)
    assert a.housing_cost == 600.0
    assert a.net_cost == 350.0
    assert a.effort_rate == pytest.approx(0.2)
    assert a.consumption_units == pytest.approx(2.1)
    assert a.daily_rest_per_uc == pytest.approx((1750 - 350) / 2.1 / 30)


def test_benefit_above_cost_means_no_net_cost():
    a = affordability(household(housing_benefit=500.0), unit(), RULES)
    assert a.net_cost == 0.0 and a.effort_rate == 0.0


def test_no_resources():
    h = household(resources=0.0, housing_benefit=0.0)
    assert math.isinf(affordability(h, unit(), RULES).effort_rate)
    assert why_not(h, unit(), RULES) == ["taux_effort", "reste_a_vivre"]


def test_effort_rate_threshold_is_inclusive():
    # net = 410 − 200 = 210 = 0.30 × 700
    assert "taux_effort" not in why_not(household(resources=700.0), unit(), RULES)
    assert "taux_effort" in why_not(household(resources=699.0), unit(), RULES)


def test_rest_threshold_with_consumption_units():
    # single parent with 2 children: UC 1.6 → 10 €/UC/day needs 480 € left per month
    h = household(adults=1, children=2, resources=900.0, housing_benefit=0.0)
    u = unit(typology=3, surface=60.0, rent=370.0, charges=50.0)  # net 420 → 480 left, effort 0.47
    assert why_not(h, u, RULES) == ["taux_effort"]
    lenient = Thresholds(max_effort_rate=0.5)
    assert why_not(h, u, lenient) == []
    assert why_not(h, unit(typology=3, surface=60.0, rent=371.0, charges=50.0), lenient) == ["reste_a_vivre"]


def test_feasible_pair_has_no_reason():
    assert why_not(household(), unit(), RULES) == []


CASES = {
    "typologie": (dict(adults=2, children=3), dict(typology=2, surface=80.0)),
    "surface": (dict(adults=2), dict(surface=15.0)),
    "taux_effort": (dict(resources=600.0, housing_benefit=0.0), dict(rent=180.0, charges=20.0)),
    "reste_a_vivre": (dict(resources=320.0, housing_benefit=300.0), dict(rent=300.0, charges=80.0)),
    "fauteuil": (dict(wheelchair=True), dict()),
    "etage": (dict(ground_or_lift=True), dict(floor=3, lift=False)),
    "commune_refusee": (dict(refused_communes=frozenset({"69123"})), dict()),
    "commune_non_souhaitee": (dict(accepted_communes=("69001", "69002")), dict()),
    "contingent": (dict(), dict(contingent="action_logement")),
    "public": (dict(adults=2), dict(kind="pension_de_famille")),
    "deja_decline": (dict(declined_units=frozenset({10})), dict()),
    "proposition_active": (dict(active_proposals=1), dict()),
}


def test_every_reason_has_a_case_and_a_label():
    assert set(CASES) == set(REASONS)
    assert all(REASONS[c] for c in REASONS)


@pytest.mark.parametrize("code", sorted(CASES))
def test_each_hard_constraint_alone(code):
    h_kw, u_kw = CASES[code]
    assert why_not(household(**h_kw), unit(**u_kw), RULES) == [code]


def test_kind_public_and_contingent_eligibility():
    pension = unit(kind="pension_de_famille", typology=1, surface=20.0)
    assert why_not(household(), pension, RULES) == ["public"]
    assert why_not(household(publics=frozenset({"exclusion_longue"})), pension, RULES) == []
    action = unit(contingent="action_logement")
    assert why_not(household(contingents=frozenset({"action_logement"})), action, RULES) == []


def test_accessibility_satisfied_by_lift_or_ground_floor():
    h = household(ground_or_lift=True)
    assert why_not(h, unit(floor=4, lift=True), RULES) == []
    assert why_not(h, unit(floor=0, lift=False), RULES) == []


def test_accepted_commune_and_refused_wins():
    h = household(accepted_communes=("69123",))
    assert why_not(h, unit(), RULES) == []
    assert why_not(household(refused_communes=frozenset({"69123"})), unit(), RULES) == ["commune_refusee"]


def test_several_reasons_listed_in_order():
    h = household(adults=2, children=3, wheelchair=True, active_proposals=1)
    assert why_not(h, unit(surface=20.0), RULES) == ["typologie", "surface", "fauteuil", "proposition_active"]


def test_thresholds_are_per_territory():
    strict = Thresholds(territory="autre", max_effort_rate=0.25, min_daily_rest_per_uc=12.0)
    h = household(resources=800.0)  # net 210: 26 % ; rest 590/30 = 19.7 €
    assert why_not(h, unit(), RULES) == []
    assert why_not(h, unit(), strict) == ["taux_effort"]
