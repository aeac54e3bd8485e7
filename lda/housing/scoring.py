"""The scoring grid (cotation): configurable, versioned criteria → points; pure and explainable.

A household's score is the sum of the points of the criteria it meets, plus points per month on
the list (capped). A proposal's score adds the wish term: points for the rank of the unit's
commune in the household's list of accepted communes. The same grid version always gives the same
score; `breakdown` gives it criterion by criterion.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lda.housing.data import Household, Instance


@dataclass(frozen=True)
class Criterion:
    code: str
    label: str
    points: int  # per month when `per_month`
    per_month: bool = False
    cap_months: int | None = None  # months counted at most, when `per_month`


@dataclass(frozen=True)
class Grid:
    version: str
    criteria: tuple[Criterion, ...]
    wish_points: tuple[int, ...] = (30, 20, 10)  # commune ranked 1st, 2nd, 3rd… in the wishes
    later_wish_points: int = 0  # commune ranked after those
    any_commune_points: int = 30  # household accepting any commune: every commune is its wish
    # Points a household loses per offer refused without a legitimate reason: a territory setting,
    # 0 (off) by default — a refusal is normal in Housing First.
    refusal_penalty: int = 0

    def wish_term(self, rank: int) -> int:
        """Points for a commune of wish rank `rank` (1-based; 0 = the household accepts any commune)."""
        if rank == 0:
            return self.any_commune_points
        if rank <= len(self.wish_points):
            return self.wish_points[rank - 1]
        return self.later_wish_points

    def wish_table(self, max_rank: int) -> np.ndarray:
        return np.array([self.wish_term(r) for r in range(max_rank + 1)], dtype=np.int64)

    @property
    def wish_range(self) -> int:
        values = [*self.wish_points, self.later_wish_points, self.any_commune_points]
        return max(values) - min(values)


# An example grid in the spirit of seed 001 fiche 3.1: situations of urgency weigh most; the time
# on the list counts but is capped; no criterion on the link with a commune (kept reasonable).
DEFAULT_GRID = Grid(
    version="exemple-2025-1",
    criteria=(
        Criterion("dalo", "Reconnu prioritaire et urgent (DALO)", 150),
        Criterion("sans_abri", "Sans abri ou en habitat de fortune", 100),
        Criterion("violences", "Victime de violences au sein du couple ou de la famille", 100),
        Criterion("hebergement", "Hébergé en structure d'hébergement ou en logement temporaire", 60),
        Criterion("expulsion", "Menacé d'expulsion sans relogement", 60),
        Criterion("sortie_institution", "Sortant d'institution (hôpital, prison, ASE)", 50),
        Criterion("handicap", "En situation de handicap ou avec une personne handicapée à charge", 40),
        Criterion("suroccupation", "Logement suroccupé ou indécent", 30),
        Criterion("anciennete", "Ancienneté de la demande (par mois)", 1, per_month=True, cap_months=60),
    ),
)


@dataclass(frozen=True)
class Term:
    code: str
    label: str
    met: bool
    value: int  # 1/0 for a criterion; months counted for a per-month criterion; wish rank
    points: int


def _criterion_points(c: Criterion, household: Household) -> tuple[bool, int, int]:
    if c.per_month:
        months = max(household.months_on_list, 0)
        if c.cap_months is not None:
            months = min(months, c.cap_months)
        return months > 0, months, months * c.points
    met = c.code in household.criteria
    return met, int(met), c.points if met else 0


def breakdown(household: Household, grid: Grid) -> list[Term]:
    """The household's score criterion by criterion, in the grid's order (then refusals, if counted)."""
    terms = []
    for c in grid.criteria:
        met, value, points = _criterion_points(c, household)
        terms.append(Term(c.code, c.label, met, value, points))
    if grid.refusal_penalty:
        n = max(household.refusals, 0)
        terms.append(Term("refus", "Refus sans motif légitime (par refus)", n > 0, n, -grid.refusal_penalty * n))
    return terms


def household_score(household: Household, grid: Grid) -> int:
    return sum(t.points for t in breakdown(household, grid))


def wish_rank(household: Household, commune: str) -> int:
    """1-based rank of the commune in the household's wishes; 0 when it accepts any commune."""
    if not household.accepted_communes:
        return 0
    return household.accepted_communes.index(commune) + 1


def wish_term(household: Household, commune: str, grid: Grid) -> Term:
    rank = wish_rank(household, commune)
    label = "Commune acceptée (toute commune)" if rank == 0 else f"Commune en vœu n° {rank}"
    return Term("voeu", label, True, rank, grid.wish_term(rank))


def pair_score(household: Household, commune: str, grid: Grid) -> int:
    return household_score(household, grid) + grid.wish_term(wish_rank(household, commune))


def household_scores(instance: Instance, grid: Grid) -> np.ndarray:
    """Vectorised `household_score` for every household of the instance (int64)."""
    score = np.zeros(len(instance.households), dtype=np.int64)
    index = {c: i for i, c in enumerate(instance.criteria)}
    for c in grid.criteria:
        if c.per_month:
            months = np.maximum(instance.h["months"].astype(np.int64), 0)
            if c.cap_months is not None:
                months = np.minimum(months, c.cap_months)
            score += months * c.points
        elif c.code in index:
            score += ((instance.h["criteria"] >> index[c.code]) & 1) * c.points
    if grid.refusal_penalty:
        score -= np.maximum(instance.h["refusals"].astype(np.int64), 0) * grid.refusal_penalty
    return score
