"""Seeded synthetic territory for the matching benchmarks: households and available units.

Plausible French figures for a département of 120 communes around a metropolis (the central
city holds 6 % of the units):
demanders mostly alone (45 %) or small families; resources around the RSA / minimum wage with a
housing benefit estimate; social units T1–T5 (a few T6) with social rents per m²; kinds and
contingents in realistic shares; DALO ≈ 3 %, labelled priority publics ≈ 30 %; wishes: 0.5 % accept
any commune, the others list one to four neighbouring communes (the first drawn by weight).

`territory(n_households, n_units, seed)` returns `(households, units)` as `lda.housing.data`
records. Same arguments, same territory.
"""

from __future__ import annotations

import numpy as np

from lda.housing.data import Household, Unit

# A département of 120 communes with a metropolis (INSEE codes 69xxx); the first is the central city.
COMMUNES = [f"69{n:03d}" for n in range(123, 123 + 120)]
COMMUNE_WEIGHTS = np.array([10.0] + [3.0] * 15 + [1.0] * (len(COMMUNES) - 16))
COMMUNE_WEIGHTS /= COMMUNE_WEIGHTS.sum()

SIZES = np.array([1, 2, 3, 4, 5, 6, 7, 8])
SIZE_SHARES = np.array([0.45, 0.20, 0.15, 0.10, 0.06, 0.025, 0.01, 0.005])
TYPOLOGIES = np.array([1, 2, 3, 4, 5, 6])
TYPOLOGY_SHARES = np.array([0.14, 0.28, 0.32, 0.19, 0.06, 0.01])
SURFACE = {1: (22, 34), 2: (38, 54), 3: (56, 72), 4: (72, 90), 5: (88, 108), 6: (104, 125)}
KINDS = (
    ("logement_social", 0.68),
    ("plai", 0.12),
    ("plai_adapte", 0.03),
    ("iml", 0.08),
    ("pension_de_famille", 0.03),
    ("residence_accueil", 0.01),
    ("fjt", 0.03),
    ("residence_sociale", 0.02),
)
RENT_PER_M2 = {
    "logement_social": 7.4,
    "plai": 6.2,
    "plai_adapte": 5.0,
    "iml": 9.5,
    "pension_de_famille": 11.0,
    "residence_accueil": 11.0,
    "fjt": 14.0,
    "residence_sociale": 12.0,
}
ANY_COMMUNE = 0.005  # share of households accepting any commune
SINGLE_ROOM_KINDS = {"pension_de_famille", "residence_accueil", "fjt", "residence_sociale"}
CONTINGENTS = (
    ("prefecture", 0.25),
    ("action_logement", 0.20),
    ("commune", 0.20),
    ("epci", 0.05),
    ("departement", 0.05),
    ("bailleur", 0.25),
)
# Situations of the labelled priority publics (a DALO or priority household has one at least);
# the other households can only be overcrowded.
PRIORITY_SITUATIONS = (
    ("sans_abri", 0.20),
    ("hebergement", 0.35),
    ("violences", 0.10),
    ("expulsion", 0.12),
    ("sortie_institution", 0.08),
    ("handicap", 0.15),
)
OVERCROWDED = 0.15


def _pick(rng, pairs, n):
    names = [p for p, _ in pairs]
    weights = np.array([w for _, w in pairs])
    return np.array(names)[rng.choice(len(names), size=n, p=weights / weights.sum())]


def territory(n_households: int, n_units: int, seed: int = 1) -> tuple[list[Household], list[Unit]]:
    rng = np.random.default_rng(seed)
    units = _units(rng, n_units)
    households = _households(rng, n_households, [u.id for u in units])
    return households, units


def _units(rng, n):
    typology = rng.choice(TYPOLOGIES, size=n, p=TYPOLOGY_SHARES)
    kind = _pick(rng, KINDS, n)
    single = np.isin(kind, list(SINGLE_ROOM_KINDS))
    typology = np.where(single, 1, typology)
    low = np.array([SURFACE[t][0] for t in typology])
    high = np.array([SURFACE[t][1] for t in typology])
    surface = np.round(rng.uniform(low, high), 1)
    surface = np.where(single, np.round(rng.uniform(16, 28, n), 1), surface)
    commune = rng.choice(len(COMMUNES), size=n, p=COMMUNE_WEIGHTS)
    per_m2 = np.array([RENT_PER_M2[k] for k in kind]) * rng.uniform(0.85, 1.25, n)
    per_m2 *= np.where(commune == 0, 1.1, 1.0)
    rent = np.round(surface * per_m2, 2)
    charges = np.round(surface * rng.uniform(1.2, 2.2, n), 2)
    floor = rng.integers(0, 9, n)
    lift = (floor >= 3) & (rng.random(n) < 0.8) | (rng.random(n) < 0.2)
    wheelchair = ((floor == 0) | lift) & (rng.random(n) < 0.08)
    contingent = _pick(rng, CONTINGENTS, n)
    qpv = rng.random(n) < 0.25
    return [
        Unit(
            id=100_000_000 + i,
            commune=COMMUNES[commune[i]],
            kind=str(kind[i]),
            typology=int(typology[i]),
            surface=float(surface[i]),
            floor=int(floor[i]),
            lift=bool(lift[i]),
            wheelchair_accessible=bool(wheelchair[i]),
            rent=float(rent[i]),
            charges=float(charges[i]),
            contingent=str(contingent[i]),
            qpv=bool(qpv[i]),
        )
        for i in range(n)
    ]


def _households(rng, n, unit_ids):
    size = rng.choice(SIZES, size=n, p=SIZE_SHARES)
    couple = (size >= 2) & (rng.random(n) < np.where(size == 2, 0.45, 0.55))
    adults = np.where(couple, 2, 1)
    # some older children (14+) count as adults for the consumption units
    teens = np.minimum(rng.binomial(np.maximum(size - adults, 0), 0.25), np.maximum(size - adults, 0))
    adults = adults + teens
    children = size - adults
    family = np.where(
        size == 1, "isole", np.where(couple, np.where(size == adults, "couple", "couple_enfants"), "monoparentale")
    )
    family = np.where((size == adults) & (size > 2) & ~couple, "autre", family)
    uc = 1 + 0.5 * (adults - 1) + 0.3 * children
    resources = np.round(rng.lognormal(np.log(760 * uc**0.7), 0.45), 0)
    resources = np.where(rng.random(n) < 0.06, 0.0, resources)  # no resources at all
    benefit = np.round(np.clip(150 + 70 * (size - 1) - 0.2 * resources, 0, 500) * rng.uniform(0.7, 1.1, n), 0)
    tier = rng.choice(3, size=n, p=[0.03, 0.30, 0.67])
    months = np.minimum(rng.exponential(20, n).astype(int), 180)
    wheelchair = rng.random(n) < 0.02
    ground = wheelchair | (rng.random(n) < 0.06)
    any_commune = rng.random(n) < ANY_COMMUNE
    n_wishes = rng.choice([1, 2, 3, 4], size=n, p=[0.55, 0.3, 0.1, 0.05])
    refuse = any_commune & (rng.random(n) < 0.3)
    employee = rng.random(n) < 0.35
    isolated = size == 1
    long_exclusion = isolated & (rng.random(n) < 0.12)
    mental = isolated & (rng.random(n) < 0.04)
    young = (adults <= 2) & (children == 0) & (rng.random(n) < 0.18)
    active = (rng.random(n) < 0.03).astype(int)
    declines = rng.random(n) < 0.01
    sex = rng.choice(np.array(["F", "M", "X"]), size=n, p=[0.55, 0.43, 0.02])
    situation = _pick(rng, PRIORITY_SITUATIONS, n)
    second = _pick(rng, PRIORITY_SITUATIONS, n)
    has_second = (tier <= 1) & (rng.random(n) < 0.2)
    overcrowded = rng.random(n) < OVERCROWDED
    households = []
    for i in range(n):
        if any_commune[i]:
            accepted = ()
        else:
            first = int(rng.choice(len(COMMUNES), p=COMMUNE_WEIGHTS))
            near = [(first + d) % len(COMMUNES) for d in (1, -1, 2, -2, 3)]
            accepted = tuple(COMMUNES[c] for c in [first, *near[: n_wishes[i] - 1]])
        refused = (
            frozenset(COMMUNES[c] for c in rng.choice(len(COMMUNES), 2, replace=False)) if refuse[i] else frozenset()
        )
        criteria = {str(situation[i])} if tier[i] <= 1 else set()
        if has_second[i]:
            criteria.add(str(second[i]))
        if overcrowded[i]:
            criteria.add("suroccupation")
        if tier[i] == 0:
            criteria.add("dalo")
        publics = set()
        if long_exclusion[i]:
            publics.add("exclusion_longue")
        if mental[i]:
            publics.add("handicap_psychique")
        if young[i]:
            publics.add("jeune")
        households.append(
            Household(
                id=i + 1,
                adults=int(adults[i]),
                children=int(children[i]),
                resources=float(resources[i]),
                housing_benefit=float(benefit[i]),
                priority=("dalo", "prioritaire", "autre")[tier[i]],
                criteria=frozenset(criteria),
                months_on_list=int(months[i]),
                wheelchair=bool(wheelchair[i]),
                ground_or_lift=bool(ground[i]),
                accepted_communes=accepted,
                refused_communes=refused,
                contingents=frozenset({"action_logement"}) if employee[i] else frozenset(),
                publics=frozenset(publics),
                declined_units=frozenset({unit_ids[int(rng.integers(len(unit_ids)))]}) if declines[i] else frozenset(),
                active_proposals=int(active[i]),
                sex=str(sex[i]),
                family_type=str(family[i]),
            )
        )
    return households
