"""Synthetic French names drawn with realistic frequencies.

Demo data only: common surnames and first names combined at random, never a real, identifiable
person. The tables live in data/*.csv so that non-developers can review and adjust them.
"""

import csv
import itertools
import random
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DATA_DIR = Path(__file__).with_name("data")

# Birth cohorts of the first-name table (columns c1945…c2005), inclusive bounds.
COHORTS = ((1945, 1964), (1965, 1984), (1985, 2004), (2005, 2024))
# When no birth year is given (adult staff, for instance): rough share of each cohort among adults.
ADULT_COHORT_SHARES = (0.30, 0.35, 0.30, 0.05)

# A person whose surname has such an origin usually bears a first name of the same culture; the
# rest of the time (second generation, mixed families) any name of the general table.
FIRST_NAME_ORIGINS = {
    "iberian": ("iberian",),
    "north_african": ("arabic",),
    "comorian": ("comorian", "arabic"),
    "west_african": ("west_african", "arabic"),
    "turkish": ("turkish",),
    "vietnamese": ("vietnamese",),
    "eastern_european": ("eastern_european",),
}
HERITAGE_SHARE = 0.7

SEXES = ("F", "M")


@dataclass(frozen=True)
class WeightedNames:
    """Names with cumulative weights, ready for `random.choices` (a bisect per draw)."""

    names: tuple[str, ...]
    cum_weights: tuple[float, ...]

    @classmethod
    def from_pairs(cls, pairs) -> "WeightedNames":
        kept = [(name, weight) for name, weight in pairs if weight > 0]
        if not kept:
            raise ValueError("Aucun nom avec un poids positif.")
        names, weights = zip(*kept, strict=True)
        return cls(tuple(names), tuple(itertools.accumulate(weights)))

    @property
    def total(self) -> float:
        return self.cum_weights[-1]

    def draw(self, rng: random.Random, k: int = 1) -> list[str]:
        return rng.choices(self.names, cum_weights=self.cum_weights, k=k)

    def probabilities(self) -> dict[str, float]:
        previous = 0.0
        shares = {}
        for name, cumulative in zip(self.names, self.cum_weights, strict=True):
            shares[name] = shares.get(name, 0.0) + (cumulative - previous) / self.total
            previous = cumulative
        return shares


@dataclass(frozen=True)
class PersonName:
    first_name: str
    last_name: str
    sex: str


def _rows(filename: str) -> list[dict]:
    with (DATA_DIR / filename).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(line for line in handle if not line.startswith("#")))


@cache
def _surname_rows() -> tuple[tuple[str, float, str], ...]:
    return tuple((row["name"], float(row["weight"]), row["origin"]) for row in _rows("surnames.csv"))


@cache
def _first_name_rows() -> tuple[tuple[str, str, tuple[float, ...], str], ...]:
    columns = [f"c{start}" for start, _ in COHORTS]
    return tuple(
        (row["name"], row["sex"], tuple(float(row[c]) for c in columns), row["origin"])
        for row in _rows("first_names.csv")
    )


@cache
def surnames() -> WeightedNames:
    return WeightedNames.from_pairs((name, weight) for name, weight, _ in _surname_rows())


@cache
def surname_origins() -> dict[str, str]:
    return {name: origin for name, _, origin in _surname_rows()}


def cohort_index(birth_year: int) -> int:
    """The cohort column of a birth year; years outside the table fall in the nearest cohort."""
    for index, (_, end) in enumerate(COHORTS):
        if birth_year <= end:
            return index
    return len(COHORTS) - 1


def _cohort_shares(birth_year: int | None) -> tuple[float, ...]:
    if birth_year is None:
        return ADULT_COHORT_SHARES
    shares = [0.0] * len(COHORTS)
    shares[cohort_index(birth_year)] = 1.0
    return tuple(shares)


@cache
def first_names(sex: str, birth_year: int | None = None, origins: tuple[str, ...] = ()) -> WeightedNames:
    """First names of one sex, each cohort normalised then mixed (so "Marie" stays frequent in 1950)."""
    if sex not in SEXES:
        raise ValueError(f"Sexe inconnu : {sex!r} (F ou M).")
    rows = [r for r in _first_name_rows() if r[1] == sex and (not origins or r[3] in origins)]
    shares = _cohort_shares(birth_year)
    totals = [sum(r[2][c] for r in rows) for c in range(len(COHORTS))]
    pairs = []
    for name, _, weights, _ in rows:
        weight = sum(share * weights[c] / totals[c] for c, share in enumerate(shares) if share and totals[c])
        pairs.append((name, weight))
    return WeightedNames.from_pairs(pairs)


def surname(rng: random.Random) -> str:
    return surnames().draw(rng)[0]


def first_name(rng: random.Random, sex: str, birth_year: int | None = None) -> str:
    return first_names(sex, birth_year).draw(rng)[0]


def person_name(rng: random.Random, *, sex: str | None = None, birth_year: int | None = None) -> PersonName:
    """A surname, then a first name of the right sex and generation, usually of the surname's culture."""
    sex = sex or rng.choice(SEXES)
    last = surname(rng)
    table = first_names(sex, birth_year)
    heritage = FIRST_NAME_ORIGINS.get(surname_origins()[last])
    if heritage and rng.random() < HERITAGE_SHARE:
        try:
            table = first_names(sex, birth_year, heritage)
        except ValueError:  # no name of that culture for this sex and generation: keep the general table
            pass
    return PersonName(table.draw(rng)[0], last, sex)
