"""Money compared exactly (issue 20 point 1, decision 0026): a pair exactly on a cap is feasible,
one cent over is not, in `why_not` and in the engine's vectorised candidates alike."""

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from lda.housing.constraints import Thresholds, cents, why_not
from lda.housing.data import Household, Instance, Unit
from lda.housing.matching import engine, generate_candidates
from lda.housing.scoring import DEFAULT_GRID

RULES = Thresholds()


def household(**kw):
    base = dict(id=1, adults=2, children=2, resources=3141.00, housing_benefit=42.31)
    return Household(**{**base, **kw})


def unit(**kw):
    base = dict(
        id=10,
        commune="69123",
        kind="logement_social",
        typology=4,
        surface=80.0,
        floor=0,
        lift=False,
        wheelchair_accessible=False,
        rent=834.61,
        charges=150.00,
        contingent="bailleur",
    )
    return Unit(**{**base, **kw})


def engine_feasible(h: Household, u: Unit, thresholds: Thresholds = RULES) -> bool:
    return len(generate_candidates(Instance.build([h], [u]), thresholds, DEFAULT_GRID)) == 1


def test_the_reported_pair_exactly_at_30_percent_is_feasible_and_proposed():
    # Net cost 984,61 − 42,31 = 942,30 € = 30 % of 3 141,00 € exactly: "at most 30 %" admits it.
    h, u = household(), unit()
    assert why_not(h, u, RULES) == []
    assert engine_feasible(h, u)
    run = engine(Instance.build([h], [u]), RULES, DEFAULT_GRID)
    assert run.shortlists[10] == (1,)
    over = unit(rent=834.62)
    assert why_not(h, over, RULES) == ["taux_effort"] and not engine_feasible(h, over)


def test_decimal_and_float_amounts_give_the_same_answer():
    h, u = household(), unit()
    hd = household(resources=Decimal("3141.00"), housing_benefit=Decimal("42.31"))
    ud = unit(rent=Decimal("834.61"), charges=Decimal("150.00"))
    assert why_not(h, u, RULES) == why_not(hd, ud, RULES) == []
    rules = Thresholds(max_effort_rate=Decimal("0.300"), min_daily_rest_per_uc=Decimal("10.00"))
    assert why_not(hd, ud, rules) == [] and engine_feasible(hd, ud, rules)


amounts = st.integers(0, 600_000)  # cents


@settings(max_examples=150, deadline=None)
@given(
    resources=st.integers(30_000, 900_000),
    benefit=st.integers(0, 80_000),
    rate=st.sampled_from([Decimal("0.25"), Decimal("0.30"), Decimal("0.333"), Decimal("0.35")]),
    charges=st.integers(0, 30_000),
    delta=st.sampled_from([-1, 0, 1]),
)
def test_effort_cap_at_one_cent_under_and_one_cent_over(resources, benefit, rate, charges, delta):
    # The highest net cost at the cap, in cents: ⌊rate × R⌋; the rest floor is set out of the way.
    rules = Thresholds(max_effort_rate=rate, min_daily_rest_per_uc=Decimal("0"))
    cap = benefit + int(rate * resources // 1)
    rent = cap + delta - charges
    if rent < 0:
        return
    h = household(resources=Decimal(resources) / 100, housing_benefit=Decimal(benefit) / 100)
    u = unit(rent=Decimal(rent) / 100, charges=Decimal(charges) / 100)
    expected = delta <= 0
    assert ("taux_effort" not in why_not(h, u, rules)) is expected
    assert engine_feasible(h, u, rules) is expected
    # The same amounts as floats (how older callers pass them) give the same answer.
    hf = household(resources=resources / 100, housing_benefit=benefit / 100)
    uf = unit(rent=rent / 100, charges=charges / 100)
    assert ("taux_effort" not in why_not(hf, uf, rules)) is expected
    assert engine_feasible(hf, uf, rules) is expected


@settings(max_examples=150, deadline=None)
@given(
    adults=st.integers(1, 3),
    children=st.integers(0, 3),
    resources=st.integers(60_000, 900_000),
    benefit=st.integers(0, 80_000),
    per_day=st.sampled_from([Decimal("10"), Decimal("7.5"), Decimal("12.34")]),
    delta=st.sampled_from([-1, 0, 1]),
)
def test_rest_floor_at_one_cent_under_and_one_cent_over(adults, children, resources, benefit, per_day, delta):
    # Reste à vivre = R − net ≥ per day × 30 × UC, the floor rounded up to the cent.
    rules = Thresholds(max_effort_rate=Decimal("1"), min_daily_rest_per_uc=per_day)
    uc = Decimal(10 + 5 * (adults - 1) + 3 * children) / 10
    floor = per_day * 30 * uc * 100
    floor_cents = int(floor) if floor == int(floor) else int(floor) + 1
    net = resources - floor_cents + delta  # delta = +1: one cent more net cost than the floor allows
    cost = net + benefit
    if net <= 0 or cost < 0:
        return
    h = household(
        adults=adults, children=children, resources=Decimal(resources) / 100, housing_benefit=Decimal(benefit) / 100
    )
    size = adults + children
    u = unit(rent=Decimal(cost) / 100, charges=Decimal(0), typology=min(max(size - 1, 1), 5), surface=90.0)
    reasons = why_not(h, u, rules)
    expected = delta <= 0
    assert ("reste_a_vivre" not in reasons) is expected
    if "typologie" not in reasons:
        assert engine_feasible(h, u, rules) is expected


def test_cents_reads_floats_through_their_decimal_form():
    assert cents(834.61) == 83461 and cents(0.1 + 0.2) == 30 and cents(Decimal("942.305")) == 94231
