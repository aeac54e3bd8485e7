"""Plain inputs of the matching engine: a household's demand, an available unit, and their arrays.

Pure: no Django, no ORM. The adapter (a later session) builds `Household` and `Unit` records from
the models; `Instance.build` turns them into numpy arrays once, sorted by id so that the engine's
output does not depend on the order the records came in.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

import numpy as np

# Priority tiers, most urgent first (spec 3: DALO before labelled priorities before the others).
TIERS: tuple[str, ...] = ("dalo", "prioritaire", "autre")
TIER_LABELS: dict[str, str] = {
    "dalo": "Reconnu prioritaire DALO",
    "prioritaire": "Public prioritaire (article L441-1 CCH)",
    "autre": "Autre demandeur",
}

# Typologies are numbered: 1 = T1 … 6 = T6 (T6 stands for "T6 and more").
TYPOLOGY_NAMES: dict[int, str] = {1: "T1", 2: "T2", 3: "T3", 4: "T4", 5: "T5", 6: "T6+"}


@dataclass(frozen=True)
class Household:
    """A pending demand, as the engine sees it. Money is monthly, in euros (Decimal or float; the
    engine turns it into whole cents once, `constraints.cents`)."""

    id: int
    adults: int  # persons aged 14 or more, the reference person included (≥ 1)
    children: int  # persons under 14
    resources: float | Decimal
    housing_benefit: float | Decimal = 0.0  # estimated APL / AL for a unit of the size asked
    priority: str = "autre"  # one of TIERS
    criteria: frozenset[str] = frozenset()  # scoring-grid criteria the household meets
    months_on_list: int = 0
    wheelchair: bool = False
    ground_or_lift: bool = False  # needs a ground floor or a lift
    accepted_communes: tuple[str, ...] = ()  # INSEE codes, in the household's order of wish; () = any
    refused_communes: frozenset[str] = frozenset()
    contingents: frozenset[str] = frozenset()  # restricted contingents it is eligible to
    publics: frozenset[str] = frozenset()  # kind-specific publics it belongs to
    declined_units: frozenset[int] = frozenset()  # units already declined (by it or for it)
    active_proposals: int = 0  # proposals already under way outside this run
    refusals: int = 0  # offers it refused without a legitimate reason (counted only if the grid says so)
    sex: str = "X"  # of the reference person: F, M, X (unknown)
    family_type: str = "isole"  # isole, couple, monoparentale, couple_enfants, autre

    @property
    def size(self) -> int:
        return self.adults + self.children

    @property
    def tier(self) -> int:
        return TIERS.index(self.priority)


@dataclass(frozen=True)
class Unit:
    """An available housing unit. Rent and charges are monthly, in euros."""

    id: int
    commune: str  # INSEE code
    kind: str  # logement_social, plai, plai_adapte, iml, pension_de_famille, residence_accueil, …
    typology: int  # 1 = T1 … 6 = T6+
    surface: float  # m²
    floor: int
    lift: bool
    wheelchair_accessible: bool
    rent: float | Decimal
    charges: float | Decimal
    contingent: str  # prefecture, action_logement, commune, epci, departement, bailleur, …
    qpv: bool = False


def cents(amount) -> int:
    """Euros as whole cents, rounded half up (floats read through their shortest decimal form)."""
    value = amount if isinstance(amount, Decimal) else Decimal(str(amount))
    return int((value * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _vocabulary(values) -> list[str]:
    return sorted(set(values))


def _csr(rows: list[list[int]]) -> tuple[np.ndarray, np.ndarray]:
    lengths = np.fromiter((len(r) for r in rows), dtype=np.int64, count=len(rows))
    ptr = np.zeros(len(rows) + 1, dtype=np.int64)
    np.cumsum(lengths, out=ptr[1:])
    flat = np.fromiter((v for r in rows for v in r), dtype=np.int32, count=int(ptr[-1]))
    return ptr, flat


def _mask(codes, index: dict[str, int]) -> int:
    m = 0
    for c in codes:
        if c in index:
            m |= 1 << index[c]
    return m


@dataclass
class Instance:
    """Households and units as sorted records plus column arrays (index i = i-th record by id)."""

    households: list[Household]
    units: list[Unit]
    communes: list[str]
    contingents: list[str]
    publics: list[str]
    kinds: list[str]
    criteria: list[str]
    sexes: list[str]
    family_types: list[str]
    h: dict[str, np.ndarray] = field(repr=False)
    u: dict[str, np.ndarray] = field(repr=False)
    declined: np.ndarray = field(repr=False)  # keys h_index * n_units + u_index, sorted

    @classmethod
    def build(cls, households, units) -> Instance:
        households = sorted(households, key=lambda x: x.id)
        units = sorted(units, key=lambda x: x.id)
        if len({x.id for x in households}) != len(households) or len({x.id for x in units}) != len(units):
            raise ValueError("identifiants en double")
        communes = _vocabulary(
            [u.commune for u in units]
            + [c for x in households for c in x.accepted_communes]
            + [c for x in households for c in x.refused_communes]
        )
        contingents = _vocabulary([u.contingent for u in units] + [c for x in households for c in x.contingents])
        publics = _vocabulary(p for x in households for p in x.publics)
        kinds = _vocabulary(u.kind for u in units)
        criteria = _vocabulary(c for x in households for c in x.criteria)
        sexes = _vocabulary(x.sex for x in households)
        family_types = _vocabulary(x.family_type for x in households)
        if len(contingents) > 62 or len(publics) > 62 or len(criteria) > 62:
            raise ValueError("plus de 62 contingents, publics ou critères")
        ci = {c: i for i, c in enumerate(communes)}
        ki = {c: i for i, c in enumerate(contingents)}
        pi = {c: i for i, c in enumerate(publics)}
        kdi = {c: i for i, c in enumerate(kinds)}
        cri = {c: i for i, c in enumerate(criteria)}
        si = {c: i for i, c in enumerate(sexes)}
        fi = {c: i for i, c in enumerate(family_types)}
        n = len(households)
        acc_ptr, acc = _csr([[ci[c] for c in x.accepted_communes] for x in households])
        ref_ptr, ref = _csr([sorted(ci[c] for c in x.refused_communes) for x in households])

        def col(getter, dtype):
            return np.fromiter((getter(x) for x in households), dtype=dtype, count=n)

        h = {
            "id": col(lambda x: x.id, np.int64),
            "adults": col(lambda x: x.adults, np.int16),
            "children": col(lambda x: x.children, np.int16),
            # Money in integer cents (decision 0026): caps are compared exactly.
            "resources": col(lambda x: cents(x.resources), np.int64),
            "benefit": col(lambda x: cents(x.housing_benefit), np.int64),
            "tier": col(lambda x: TIERS.index(x.priority), np.int8),
            "criteria": col(lambda x: _mask(x.criteria, cri), np.int64),
            "months": col(lambda x: x.months_on_list, np.int32),
            "wheelchair": col(lambda x: x.wheelchair, np.bool_),
            "ground": col(lambda x: x.ground_or_lift, np.bool_),
            "contingents": col(lambda x: _mask(x.contingents, ki), np.int64),
            "publics": col(lambda x: _mask(x.publics, pi), np.int64),
            "active": col(lambda x: x.active_proposals, np.int16),
            "refusals": col(lambda x: x.refusals, np.int32),
            "sex": col(lambda x: si[x.sex], np.int8),
            "family": col(lambda x: fi[x.family_type], np.int8),
            "acc_ptr": acc_ptr,
            "acc": acc,
            "ref_ptr": ref_ptr,
            "ref": ref,
        }
        h["size"] = (h["adults"] + h["children"]).astype(np.int16)
        m = len(units)

        def ucol(getter, dtype):
            return np.fromiter((getter(x) for x in units), dtype=dtype, count=m)

        u = {
            "id": ucol(lambda x: x.id, np.int64),
            "commune": ucol(lambda x: ci[x.commune], np.int32),
            "kind": ucol(lambda x: kdi[x.kind], np.int16),
            "typology": ucol(lambda x: x.typology, np.int8),
            "surface": ucol(lambda x: x.surface, np.float64),
            "floor": ucol(lambda x: x.floor, np.int16),
            "lift": ucol(lambda x: x.lift, np.bool_),
            "wheelchair": ucol(lambda x: x.wheelchair_accessible, np.bool_),
            "cost": ucol(lambda x: cents(x.rent) + cents(x.charges), np.int64),  # cents
            "contingent": ucol(lambda x: ki[x.contingent], np.int16),
        }
        uidx = {x.id: i for i, x in enumerate(units)}
        declined = np.array(
            sorted(i * m + uidx[d] for i, x in enumerate(households) for d in x.declined_units if d in uidx),
            dtype=np.int64,
        )
        return cls(
            households, units, communes, contingents, publics, kinds, criteria, sexes, family_types, h, u, declined
        )

    def household_index(self, household_id: int) -> int:
        i = int(np.searchsorted(self.h["id"], household_id))
        if i >= len(self.households) or self.h["id"][i] != household_id:
            raise KeyError(household_id)
        return i

    def unit_index(self, unit_id: int) -> int:
        i = int(np.searchsorted(self.u["id"], unit_id))
        if i >= len(self.units) or self.u["id"][i] != unit_id:
            raise KeyError(unit_id)
        return i
