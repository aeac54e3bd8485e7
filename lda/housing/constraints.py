"""Hard constraints of a proposal (spec 3, issue 5 point 5): rules as data, checks as pure functions.

`why_not(household, unit, thresholds)` lists the reason codes of every failed constraint, so "why
was this household not proposed for this unit?" always has an answer. The vectorised twin used by
the engine (`lda/housing/matching.py`) computes the same comparisons with the same arithmetic
(`max_housing_cost`, `min_surface`), so both agree to the last bit.

**Money is integer cents** (decision 0026): amounts are turned into cents once (`cents`, exact for
the decimal values the records hold, floats read through their shortest decimal form), rates into
exact fractions (`rate_fraction`), consumption units into tenths (`uc_tenths`), and every cap is
compared in integers, rounded in the household's favour only where the rule's bound is not a whole
cent: "at most 30 %" admits net ≤ ⌊30 % × resources⌋ cents, "at least 10 € per UC per day" demands
resources − net ≥ ⌈10 € × 30 × UC⌉ cents. A pair exactly on a cap is feasible.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

import numpy as np

from lda.housing.data import Household, Unit, cents

# Reason codes, in the order they are checked and listed. Labels are shown to coordinators.
REASONS: dict[str, str] = {
    "typologie": "Typologie non adaptée à la taille du ménage",
    "surface": "Surface inférieure au minimum légal pour la taille du ménage",
    "taux_effort": "Taux d'effort après aide au logement au-dessus du plafond",
    "reste_a_vivre": "Reste à vivre par unité de consommation et par jour sous le seuil",
    "fauteuil": "Logement non accessible en fauteuil roulant",
    "etage": "Étage sans ascenseur alors que le ménage a besoin d'un rez-de-chaussée ou d'un ascenseur",
    "commune_refusee": "Commune refusée par le ménage",
    "commune_non_souhaitee": "Commune hors des communes acceptées par le ménage",
    "contingent": "Ménage non éligible au contingent du logement",
    "public": "Ménage hors du public de ce type de logement",
    "deja_decline": "Logement déjà décliné pour ce ménage",
    "proposition_active": "Le ménage a déjà le nombre maximal de propositions en cours",
}

# Household size → typologies allowed (spec 3: T1 1–2 persons, T2 1–3, T3 2–5, T4 3–7, T5 5+;
# T6+ for 6 and more). The key 8 stands for 8 persons and more.
TYPOLOGIES_BY_SIZE: dict[int, frozenset[int]] = {
    1: frozenset({1, 2}),
    2: frozenset({1, 2, 3}),
    3: frozenset({2, 3, 4}),
    4: frozenset({3, 4}),
    5: frozenset({3, 4, 5}),
    6: frozenset({4, 5, 6}),
    7: frozenset({4, 5, 6}),
    8: frozenset({5, 6}),
}


@dataclass(frozen=True)
class KindRule:
    """Who a kind of unit is for: at most `max_persons`, and (if `publics`) one of these publics."""

    max_persons: int | None = None
    publics: frozenset[str] = frozenset()


KIND_RULES: dict[str, KindRule] = {
    # Pensions de famille: isolated people with a long exclusion history (spec 3).
    "pension_de_famille": KindRule(max_persons=1, publics=frozenset({"exclusion_longue"})),
    # Résidences accueil: pensions de famille for people with a mental disability.
    "residence_accueil": KindRule(max_persons=1, publics=frozenset({"handicap_psychique"})),
    # Foyers de jeunes travailleurs: young people (16–30), alone or as a couple.
    "fjt": KindRule(max_persons=2, publics=frozenset({"jeune"})),
}

# Contingents every household is eligible to; the others (e.g. Action Logement, for employees)
# need the household to be listed as eligible (`Household.contingents`).
OPEN_CONTINGENTS: frozenset[str] = frozenset(
    {"prefecture", "sous_prefecture", "commune", "epci", "departement", "bailleur"}
)


@dataclass(frozen=True)
class Thresholds:
    """A territory's hard constraints. Versioned like the scoring grid."""

    territory: str = "exemple"
    version: str = "2025-1"
    max_effort_rate: float | Decimal = 0.30  # taux d'effort after housing benefit, at most
    min_daily_rest_per_uc: float | Decimal = 10.0  # reste à vivre per consumption unit per day, at least (€)
    days_per_month: int = 30
    max_active_proposals: int = 1  # a household is on at most this many proposals at once
    typologies_by_size: dict[int, frozenset[int]] = field(default_factory=lambda: dict(TYPOLOGIES_BY_SIZE))
    kind_rules: dict[str, KindRule] = field(default_factory=lambda: dict(KIND_RULES))
    open_contingents: frozenset[str] = OPEN_CONTINGENTS


def min_surface(persons: int) -> int:
    """Legal minimum surface (m²): 9 for one person, 16 for two, +9 per extra person, 70 from eight."""
    if persons < 1:
        raise ValueError("un ménage compte au moins une personne")
    if persons == 1:
        return 9
    return min(16 + 9 * (persons - 2), 70)


def min_surface_array(persons: np.ndarray) -> np.ndarray:
    p = persons.astype(np.int64)
    return np.where(p <= 1, 9, np.minimum(16 + 9 * (p - 2), 70)).astype(np.float64)


def allowed_typologies(persons: int, thresholds: Thresholds) -> frozenset[int]:
    table = thresholds.typologies_by_size
    return table[min(persons, max(table))]


def typology_matrix(thresholds: Thresholds) -> np.ndarray:
    """allowed[size, typology] for size 0..max key (size ≥ max key uses the max key's row)."""
    table = thresholds.typologies_by_size
    top = max(table)
    allowed = np.zeros((top + 1, 8), dtype=np.bool_)
    for size, typologies in table.items():
        for t in typologies:
            allowed[size, t] = True
    return allowed


def cents_array(amounts) -> np.ndarray:
    return np.fromiter((cents(a) for a in amounts), dtype=np.int64)


def rate_fraction(rate) -> Fraction:
    """A rate (0.30, Decimal("0.300")) as an exact fraction (3/10)."""
    return Fraction(rate if isinstance(rate, Decimal) else Decimal(str(rate)))


def consumption_units(adults: int, children: int) -> float:
    """OECD modified scale: 1 for the first adult, 0.5 per other person aged 14+, 0.3 per child under 14."""
    if adults < 1:
        raise ValueError("un ménage compte au moins une personne de 14 ans ou plus")
    return uc_tenths(adults, children) / 10


def uc_tenths(adults, children):
    """Consumption units in tenths, exactly (10 + 5 per other person aged 14+ + 3 per child under 14)."""
    return 10 + 5 * (adults - 1) + 3 * children


def consumption_units_array(adults: np.ndarray, children: np.ndarray) -> np.ndarray:
    """Consumption units in tenths (int64), the engine's exact unit."""
    return uc_tenths(adults.astype(np.int64), children.astype(np.int64))


@dataclass(frozen=True)
class Affordability:
    housing_cost: float  # rent + charges (€, for display: computed from exact cents)
    net_cost: float  # rent + charges − housing benefit (never below 0)
    effort_rate: float  # net cost ÷ resources
    daily_rest_per_uc: float  # (resources − net cost) ÷ UC ÷ days per month
    consumption_units: float


def affordability(household: Household, unit: Unit, thresholds: Thresholds) -> Affordability:
    """The figures shown to coordinators, computed from cents (the checks do not use these floats)."""
    cost = cents(unit.rent) + cents(unit.charges)
    net = max(cost - cents(household.housing_benefit), 0)
    r = cents(household.resources)
    rate = net / r if r > 0 else (0.0 if net == 0 else float("inf"))
    uc10 = uc_tenths(household.adults, household.children)
    consumption_units(household.adults, household.children)  # refuses a household without an adult
    rest = (r - net) * 10 / uc10 / thresholds.days_per_month / 100
    return Affordability(cost / 100, net / 100, rate, rest, uc10 / 10)


def effort_cap(resources, benefit, thresholds: Thresholds):
    """Highest rent + charges (cents) keeping the taux d'effort at or under the threshold:
    net ≤ rate × R ⇔ cost − benefit ≤ ⌊rate × R⌋ (cost in whole cents). Ints or int64 arrays."""
    rate = rate_fraction(thresholds.max_effort_rate)
    return benefit + (resources * rate.numerator) // rate.denominator


def rest_floor(uc10, thresholds: Thresholds):
    """The monthly reste à vivre demanded (cents), rounded up: ⌈rest per day × days × UC⌉."""
    per_day = cents(thresholds.min_daily_rest_per_uc)
    return -((-per_day * thresholds.days_per_month * uc10) // 10)


def rest_cap(resources, benefit, uc10, thresholds: Thresholds):
    """Highest rent + charges (cents) keeping the reste à vivre at or above the threshold (< benefit: never)."""
    return benefit + resources - rest_floor(uc10, thresholds)


def max_housing_cost(resources, benefit, uc10, thresholds: Thresholds):
    """Highest affordable rent + charges in cents, or −1 when no unit is (resources below the rest floor).

    net ≤ rate × R ⇔ cost ≤ benefit + ⌊rate × R⌋; and R − net ≥ F (F the rest floor) ⇔ R ≥ F and
    cost ≤ benefit + R − F. Works on ints and on int64 numpy arrays (resources, benefit in cents,
    consumption units in tenths).
    """
    floor = rest_floor(uc10, thresholds)
    cap = np.minimum(effort_cap(resources, benefit, thresholds), rest_cap(resources, benefit, uc10, thresholds))
    return np.where(resources >= floor, cap, -1)


def why_not(household: Household, unit: Unit, thresholds: Thresholds, *, proposals_in_run: int = 0) -> list[str]:
    """Reason codes of every hard constraint the pair fails, in `REASONS` order; [] when feasible."""
    reasons: list[str] = []
    size = household.size
    if unit.typology not in allowed_typologies(size, thresholds):
        reasons.append("typologie")
    if unit.surface < min_surface(size):
        reasons.append("surface")
    cost = cents(unit.rent) + cents(unit.charges)
    resources, benefit = cents(household.resources), cents(household.housing_benefit)
    consumption_units(household.adults, household.children)  # refuses a household without an adult
    uc10 = uc_tenths(household.adults, household.children)
    if not cost <= effort_cap(resources, benefit, thresholds):
        reasons.append("taux_effort")
    if resources < rest_floor(uc10, thresholds) or not cost <= rest_cap(resources, benefit, uc10, thresholds):
        reasons.append("reste_a_vivre")
    if household.wheelchair and not unit.wheelchair_accessible:
        reasons.append("fauteuil")
    if household.ground_or_lift and not (unit.floor <= 0 or unit.lift):
        reasons.append("etage")
    if unit.commune in household.refused_communes:
        reasons.append("commune_refusee")
    elif household.accepted_communes and unit.commune not in household.accepted_communes:
        reasons.append("commune_non_souhaitee")
    if unit.contingent not in thresholds.open_contingents and unit.contingent not in household.contingents:
        reasons.append("contingent")
    rule = thresholds.kind_rules.get(unit.kind)
    if rule is not None and (
        (rule.max_persons is not None and size > rule.max_persons)
        or (rule.publics and not (rule.publics & household.publics))
    ):
        reasons.append("public")
    if unit.id in household.declined_units:
        reasons.append("deja_decline")
    if household.active_proposals + proposals_in_run >= thresholds.max_active_proposals:
        reasons.append("proposition_active")
    return reasons


def explain_reasons(codes: list[str]) -> list[tuple[str, str]]:
    return [(c, REASONS[c]) for c in codes]
