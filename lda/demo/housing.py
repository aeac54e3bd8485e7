"""Demo housing supply (issue 5, point 9): contingents, residences, units of every kind, the
private-housing capture pipeline with its incentives and targets, demand profiles; then the
history of proposals (`housing_history.py`) and one finished matching run.

Everything goes through `lda/housing/services.py` (and `proposals.py`, `runs.py`), dated as it
happened, so every rule the services enforce holds; the one bulk write (demand profiles, which no
service writes) is explained where it happens. Only the main territory gets a supply; both get the
shipped grid, rules and refusal reasons.

Calibration, checked by `tests/demo/test_demo_housing.py` (scale 1):
- about 440 units: ordinary social housing the most frequent, PLAI and PLAI adapté, temporary
  housing, private IML units opened by the capture pipeline (≈ 65), and ≈ 150 places in five
  supported-housing residences (pensions de famille, résidence accueil, résidence sociale, FJT)
  whose freed units go to the SIAO one time in three (seed 002 action 7: 30 %);
- surfaces above the legal minimum of the typology's usual size, rents by €/m² and kind (PLAI
  adapté the cheapest, IML the dearest), ≈ 7 % wheelchair accessible, ≈ 35 % in a QPV;
- capture: ≈ 140 owners contacted over 20 months, a quarter refusing (rent asked first), modes
  as in Grenoble (mandate ≈ 65 %, sublease ≈ 25 %, sliding lease), 2 000 € per captured unit and
  again per new family in sublease (Alpes-de-Haute-Provence); the Grenoble and AMP targets as
  demo targets, labelled with their origin.
"""

import random
import time
from collections import Counter
from datetime import date, timedelta
from decimal import Decimal

from lda.accounts.models import Membership
from lda.accounts.roles import Role
from lda.demo import catalogue
from lda.demo.clock import clock
from lda.demo.households import COMMUNES
from lda.demo.identifiers import synthetic_address
from lda.households.models import Household, HouseholdEvent, Person, Resource
from lda.households.services import Author
from lda.housing import codes, lifecycle, services
from lda.housing.models import (
    CaptureProspect,
    CaptureTarget,
    ContingentQuota,
    DemandProfile,
    Incentive,
    MatchingRules,
    MatchingRun,
    Proposal,
    ProposalEvent,
    RefusalReason,
    Residence,
    ScoringGrid,
    Unit,
    UnitEvent,
)

__all__ = ["build_housing", "reset_housing"]

K = codes.UnitKind
C = codes.Contingent
U = codes.UnitStatus

HISTORY_DAYS = 600  # the supply enters over the last 20 months; proposals span the last 18
COMMUNE_NAMES = {
    "13055": ("Marseille", ("13001", "13003", "13004", "13005", "13010", "13013", "13014", "13015")),
    "13001": ("Aix-en-Provence", ("13090", "13100")),
    "13005": ("Aubagne", ("13400",)),
    "13056": ("Martigues", ("13500",)),
    "13103": ("Salon-de-Provence", ("13300",)),
    "13117": ("Vitrolles", ("13127",)),
    "13028": ("La Ciotat", ("13600",)),
    "13047": ("Istres", ("13800",)),
    "13054": ("Marignane", ("13700",)),
    "13041": ("Gardanne", ("13120",)),
    "13071": ("Les Pennes-Mirabeau", ("13170",)),
    "13002": ("Allauch", ("13190",)),
    "13106": ("Septèmes-les-Vallons", ("13240",)),
    "13063": ("Miramas", ("13140",)),
    "13077": ("Port-de-Bouc", ("13110",)),
}
# Communes of the sous-préfectures' districts (Aix-en-Provence, Istres): their own contingent.
SUB_PREFECTURE_COMMUNES = frozenset({"13001", "13103", "13047", "13056", "13063", "13117", "13041"})

# (kind, holder organisation key, label, yearly designations targeted). The municipal contingent:
# at least 30 designations a year, as Marseille (seed 002 action 5).
CONTINGENTS = (
    (C.PREFECTURE, "prefecture", "Contingent préfectoral (publics prioritaires et DALO)", 120),
    (C.SUB_PREFECTURE, "prefecture", "Contingent de la sous-préfecture d'Aix-en-Provence", 25),
    (C.ACTION_LOGEMENT, "action_logement", "Contingent Action Logement (salariés)", 60),
    (C.COMMUNE, "ville", "Contingent municipal — Ville démo", 30),
    (C.EPCI, "metropole", "Contingent de la Métropole", 40),
    (C.DEPARTEMENT, "departement", "Contingent du Département", 20),
    (C.LANDLORD, "hsm", "Contingent propre — Habitat Social Méditerranée", 30),
    (C.LANDLORD, "logis_provencal", "Contingent propre — Logis Provençal", 20),
    (C.LANDLORD, "residences_littoral", "Contingent propre — Résidences du Littoral", 10),
)
SOCIAL_LANDLORDS = {"hsm": 50, "logis_provencal": 35, "residences_littoral": 15}
CONTINGENT_WEIGHTS = {
    C.PREFECTURE: 26,
    C.ACTION_LOGEMENT: 18,
    C.COMMUNE: 14,
    C.EPCI: 8,
    C.DEPARTEMENT: 7,
    C.SUB_PREFECTURE: 5,
    C.LANDLORD: 22,
}

# Residences: (name, kind, manager key, commune, places at scale 1, share of units turning over a month).
RESIDENCES = (
    ("Pension de famille Les Tilleuls (démo)", K.FAMILY_HOUSE, "habitat_accompagnement", "13055", 25, 0.025),
    ("Maison relais du Vieux-Port (démo)", K.FAMILY_HOUSE, "horizon_logement", "13055", 18, 0.025),
    ("Résidence accueil Les Oliviers (démo)", K.RESIDENCE_ACCUEIL, "passerelles", "13001", 20, 0.025),
    ("Résidence sociale Saint-Charles (démo)", K.SOCIAL_RESIDENCE, "logis_provencal", "13055", 50, 0.05),
    ("Foyer de jeunes travailleurs Le Phare (démo)", K.YOUNG_WORKERS, "horizon_logement", "13005", 35, 0.08),
)
SIAO_SHARE = Decimal("0.300")

# Ordinary units at scale 1 (IML units come from the capture pipeline).
UNITS = {K.SOCIAL: 150, K.PLAI: 45, K.PLAI_ADAPTED: 15, K.TEMPORARY: 12}
TYPOLOGIES = {
    K.SOCIAL: {1: 12, 2: 28, 3: 33, 4: 18, 5: 6, 6: 3},
    K.PLAI: {1: 15, 2: 35, 3: 30, 4: 15, 5: 5},
    K.PLAI_ADAPTED: {1: 30, 2: 35, 3: 20, 4: 10, 5: 5},
    K.TEMPORARY: {1: 50, 2: 35, 3: 15},
    K.IML: {1: 25, 2: 40, 3: 25, 4: 10},
    K.SOCIAL_RESIDENCE: {1: 80, 2: 20},
    K.YOUNG_WORKERS: {1: 90, 2: 10},
    K.FAMILY_HOUSE: {1: 100},
    K.RESIDENCE_ACCUEIL: {1: 100},
}
# Surfaces (m²) by typology: always above the legal minimum of the largest household the
# typology usually takes (T1 2 persons: 16; T3 5: 43; T4 7: 61; T5 and more 8+: 70).
SURFACES = {1: (18, 32), 2: (38, 52), 3: (55, 72), 4: (72, 88), 5: (86, 105), 6: (100, 125)}
# Monthly rent per m² and charges per m² (€), by kind; residences charge a fee (redevance) per place.
RENT_PER_M2 = {
    K.SOCIAL: (6.2, 7.4),
    K.PLAI: (5.4, 6.2),
    K.PLAI_ADAPTED: (4.8, 5.5),
    K.TEMPORARY: (5.0, 6.0),
    K.IML: (7.0, 9.0),
}
CHARGES_PER_M2 = (1.2, 2.0)
RESIDENCE_FEES = {  # (rent, charges) ranges per place
    K.FAMILY_HOUSE: ((290, 350), (60, 90)),
    K.RESIDENCE_ACCUEIL: ((290, 350), (60, 90)),
    K.SOCIAL_RESIDENCE: ((300, 380), (50, 80)),
    K.YOUNG_WORKERS: ((320, 420), (40, 70)),
}
WHEELCHAIR_SHARE = 0.07
QPV_SHARE = {"13055": 0.5, "other": 0.25, K.IML: 0.1}
WITHDRAWN = 4  # units withdrawn from the supply (works, sale) at scale 1
PROSPECT_UNITS = 5  # units registered while their capture is under way

# Capture pipeline at scale 1.
PROSPECTS = 140
CAPTURE_OPERATORS = {"aivs": 75, "habitat_accompagnement": 25}
CAPTURE_OUTCOMES = {"opened": 58, "agreed": 6, "refused": 24, "visited": 6, "contacted": 6}
CAPTURE_MODES = {codes.CaptureMode.MANDATE: 65, codes.CaptureMode.SUBLEASE: 25, codes.CaptureMode.SLIDING_LEASE: 10}
CAPTURE_REFUSALS = {"loyer": 35, "travaux": 15, "garanties": 15, "public": 20, "vente": 8, "autre": 7}
RESERVED_FOR_HOUSING_FIRST = 0.74  # Grenoble: 210 of 285
CAPTURE_INCENTIVE = Decimal("2000")  # Alpes-de-Haute-Provence, per captured unit and per new family in sublease
OWNER_KINDS = ("Propriétaire particulier", "SCI familiale", "Propriétaire bailleur (succession)")

# Demand profiles: the share of households on the list that have one, and APL estimates (€/month).
PROFILE_SHARE = 0.9
BENEFIT = {1: (220, 280), 2: (270, 330), 3: (320, 390), 4: (370, 440), 5: (410, 480)}


def _pick(rng: random.Random, weights: dict):
    keys = list(weights)
    return rng.choices(keys, weights=[weights[k] for k in keys])[0]


def _money(rng: random.Random, low: float, high: float) -> Decimal:
    return Decimal(str(round(rng.uniform(low, high), 2)))


class Supply:
    """What the housing step builds for the main territory, handed to the history."""

    def __init__(self, ctx, territory, rng: random.Random, today: date):
        self.ctx, self.territory, self.rng, self.today = ctx, territory, rng, today
        self.organisations = {
            key: org for key, org in ctx.result.organisations.items() if org.territory_id == territory.pk
        }
        self.authors = self._authors()
        self.coordinator = self.authors["platform"]
        self.contingents: dict[tuple[str, str], ContingentQuota] = {}
        self.units: list[Unit] = []  # ordinary and IML units, in the order they entered the supply
        self.residence_units: list[Unit] = []
        self.prospects: list[CaptureProspect] = []
        self.counts = Counter()
        self.refs = Counter()
        communes = COMMUNES[catalogue.MAIN.key]
        self.communes = {code: weight for code, weight in communes}

    def _authors(self) -> dict[str, Author]:
        """An author per organisation: its documented or first member able to write housing records."""
        authors = {}
        documented = {a.email for a in catalogue.DEMO_ACCOUNTS}
        memberships = Membership.objects.filter(organisation__territory=self.territory, is_active=True).select_related(
            "user", "organisation"
        )
        memberships = sorted(memberships, key=lambda m: (m.user.email not in documented, m.role != Role.LANDLORD, m.pk))
        keys = {org.pk: key for key, org in self.organisations.items()}
        for m in memberships:
            key = keys.get(m.organisation_id)
            if key and key not in authors and m.role in (Role.COORDINATOR, Role.LANDLORD, Role.SOCIAL_WORKER):
                authors[key] = Author(m.user, m.organisation_id)
        return authors

    def author(self, key: str) -> Author:
        return self.authors.get(key) or Author(self.coordinator.user, self.organisations[key].pk)

    def day(self, low_days_ago: int, high_days_ago: int) -> date:
        return self.today - timedelta(days=self.rng.randint(high_days_ago, low_days_ago))

    def reference(self, prefix: str) -> str:
        self.refs[prefix] += 1
        return f"{prefix}-{self.refs[prefix]:04d}"

    def place(self, commune: str | None = None) -> dict:
        rng = self.rng
        code = commune or _pick(rng, self.communes)
        name, postcodes = COMMUNE_NAMES[code]
        address = synthetic_address(rng, ((rng.choice(postcodes), name, 1),))
        return {"commune_insee": code, "commune_name": name, "address": address}

    def shape(self, kind: str, typology: int, floor_max: int = 8) -> dict:
        """Surface, rent, charges, floor, lift, accessibility of a unit of this kind and typology."""
        rng = self.rng
        surface = Decimal(
            str(round(rng.uniform(*SURFACES[typology]) if kind not in RESIDENCE_FEES else rng.uniform(18, 26), 1))
        )
        if kind in RESIDENCE_FEES:
            rents, charges = RESIDENCE_FEES[kind]
            rent, charge = _money(rng, *rents), _money(rng, *charges)
            if typology == 2:
                rent += Decimal("80.00")
                surface += Decimal("12.0")
        else:
            rent = (surface * _money(rng, *RENT_PER_M2[kind])).quantize(Decimal("0.01"))
            charge = (surface * _money(rng, *CHARGES_PER_M2)).quantize(Decimal("0.01"))
        floor = rng.choices(range(floor_max + 1), weights=[18, 18, 16, 14, 11, 9, 6, 5, 3][: floor_max + 1])[0]
        lift = rng.random() < (0.95 if floor >= 4 else 0.45 if floor >= 1 else 0.3)
        accessible = (floor == 0 or lift) and rng.random() < WHEELCHAIR_SHARE / 0.6
        return {
            "typology": typology,
            "surface": surface,
            "rent": rent,
            "charges": charge,
            "floor": floor,
            "lift": lift,
            "wheelchair_accessible": accessible,
        }

    def qpv(self, commune: str, kind: str) -> bool:
        share = QPV_SHARE.get(kind) or QPV_SHARE["13055" if commune == "13055" else "other"]
        return self.rng.random() < share

    # --- contingents and residences --------------------------------------------------------------

    def build_contingents(self):
        for kind, holder, label, target in CONTINGENTS:
            quota = services.create_contingent(
                self.territory,
                self.coordinator,
                kind=kind,
                holder=self.organisations[holder],
                label=label,
                yearly_target=target,
            )
            self.contingents[(kind, holder)] = quota
        self.counts["contingents"] = len(self.contingents)

    def contingent_for(self, kind: str, landlord_key: str, commune: str) -> dict:
        if kind in (K.IML, K.TEMPORARY):  # State-funded (IML, ALT): designated on the préfecture's contingent
            chosen = C.PREFECTURE
        else:
            chosen = _pick(self.rng, CONTINGENT_WEIGHTS)
            if chosen == C.SUB_PREFECTURE and commune not in SUB_PREFECTURE_COMMUNES:
                chosen = C.PREFECTURE
        if chosen == C.LANDLORD:
            quota = self.contingents.get((C.LANDLORD, landlord_key))
        else:
            quota = next(q for (k, _), q in self.contingents.items() if k == chosen)
        return {"contingent": quota, "contingent_kind": chosen}

    def build_residences(self):
        """Residences with their places occupied at the start of the history; turnover since, each
        freed unit handed to the SIAO while the residence's share is behind 30 % (`siao_due`)."""
        rng = self.rng
        start = self.today - timedelta(days=HISTORY_DAYS)
        for name, kind, manager_key, commune, places, turnover in RESIDENCES:
            places = max(1, self.ctx.scaled(places))
            residence = services.create_residence(
                self.territory,
                self.coordinator,
                name=name,
                kind=kind,
                manager=self.organisations[manager_key],
                commune_insee=commune,
                commune_name=COMMUNE_NAMES[commune][0],
                places=places,
                siao_share=SIAO_SHARE,
                opened_on=date(rng.randint(2008, 2019), rng.choice((1, 3, 6, 9)), 1),
            )
            building = self.place(commune)
            qpv = self.qpv(commune, kind)
            manager = self.author(manager_key)
            freed = handed = 0
            for n in range(places):
                shape = self.shape(kind, _pick(rng, TYPOLOGIES[kind]), floor_max=4)
                shape["lift"] = True  # collective residences have a lift
                with clock(start):
                    unit = services.create_unit(
                        self.territory,
                        manager,
                        on=start,
                        reference=self.reference("RES"),
                        landlord=self.organisations[manager_key],
                        landlord_kind=codes.LandlordKind.RESIDENCE,
                        residence=residence,
                        contingent_kind=C.LANDLORD,
                        address=f"{building['address']} — logement {n + 1}",
                        commune_insee=commune,
                        commune_name=building["commune_name"],
                        qpv=qpv,
                        kind=kind,
                        available_on=start,
                        **shape,
                    )
                # The residence's own admissions (outside the SIAO's proposals): in place at the start.
                self._occupy(unit, manager, start)
                day = start
                while True:
                    day += timedelta(days=max(30, int(rng.expovariate(turnover) * 30)))
                    if day > self.today - timedelta(days=7):
                        break
                    to_siao = lifecycle.siao_due(freed, handed, float(SIAO_SHARE))
                    with clock(day):
                        unit = services.free_unit(unit, manager, on=day, to_siao=to_siao)
                    freed, handed = freed + 1, handed + to_siao
                    if to_siao:  # offered to the SIAO's households from now on (the history)
                        self.residence_units.append(unit)
                        break
                    day += timedelta(days=rng.randint(10, 45))
                    if day > self.today:
                        break
                    self._occupy(unit, manager, day)
            self.counts["résidences"] += 1
            self.counts["logements libérés en résidence"] += freed
            self.counts["dont confiés au SIAO"] += handed

    def _occupy(self, unit: Unit, author: Author, on: date):
        with clock(on):
            unit = services.lock_unit(unit)
            for action in ("propose", "allocate", "occupy"):
                services.move_unit(unit, action, author, on, note="Admission par la résidence")

    # --- ordinary units ----------------------------------------------------------------------------

    def build_units(self):
        rng = self.rng
        plans = []
        for kind, base in UNITS.items():
            for _ in range(self.ctx.scaled(base)):
                plans.append((self.today - timedelta(days=rng.randint(10, HISTORY_DAYS - 40)), kind))
        plans.sort()
        for on, kind in plans:
            if kind == K.TEMPORARY:
                landlord_key, landlord_kind = "habitat_accompagnement", codes.LandlordKind.RESIDENCE
            else:
                landlord_key, landlord_kind = _pick(rng, SOCIAL_LANDLORDS), codes.LandlordKind.SOCIAL
            place = self.place()
            fields = {
                "reference": self.reference({K.TEMPORARY: "TEMP"}.get(kind, "LS")),
                "landlord": self.organisations[landlord_key],
                "landlord_kind": landlord_kind,
                "qpv": self.qpv(place["commune_insee"], kind),
                "kind": kind,
                "available_on": on,
                **place,
                **self.contingent_for(kind, landlord_key, place["commune_insee"]),
                **self.shape(kind, _pick(rng, TYPOLOGIES[kind])),
            }
            with clock(on):
                self.units.append(services.create_unit(self.territory, self.author(landlord_key), on=on, **fields))
        # A few units leave the supply (heavy works, sale) and a few new ones are still being captured.
        for unit in rng.sample(self.units[: len(self.units) // 2], min(WITHDRAWN, len(self.units) // 2)):
            on = unit.status_since + timedelta(days=rng.randint(5, 30))
            with clock(on):
                services.withdraw_unit(
                    unit,
                    self.coordinator,
                    rng.choice(("Travaux de réhabilitation lourds", "Logement mis en vente")),
                    on,
                )
            self.units.remove(unit)
        for _ in range(self.ctx.scaled(PROSPECT_UNITS)):
            on = self.day(40, 5)
            place = self.place()
            with clock(on):
                services.create_unit(
                    self.territory,
                    self.author("aivs"),
                    status=U.PROSPECT,
                    on=on,
                    reference=self.reference("IML"),
                    landlord=self.organisations["aivs"],
                    landlord_kind=codes.LandlordKind.PRIVATE,
                    kind=K.IML,
                    qpv=self.qpv(place["commune_insee"], K.IML),
                    **place,
                    **self.contingent_for(K.IML, "aivs", place["commune_insee"]),
                    **self.shape(K.IML, _pick(rng, TYPOLOGIES[K.IML])),
                )

    # --- capture -------------------------------------------------------------------------------------

    def build_capture(self):
        rng = self.rng
        contacts = sorted(self.day(HISTORY_DAYS, 3) for _ in range(self.ctx.scaled(PROSPECTS)))
        opened = []
        for n, contacted in enumerate(contacts, start=1):
            operator_key = _pick(rng, CAPTURE_OPERATORS)
            author = self.author(operator_key)
            place = self.place()
            typology = _pick(rng, TYPOLOGIES[K.IML])
            shape = self.shape(K.IML, typology)
            outcome = _pick(rng, CAPTURE_OUTCOMES)
            with clock(contacted):
                prospect = services.create_prospect(
                    self.territory,
                    author,
                    operator=self.organisations[operator_key],
                    owner_label=f"{rng.choice(OWNER_KINDS)} — dossier {n:04d}",
                    address=place["address"],
                    commune_insee=place["commune_insee"],
                    commune_name=place["commune_name"],
                    typology=typology,
                    surface=shape["surface"],
                    rent_asked=shape["rent"],
                    contacted_on=contacted,
                    reserved_for_housing_first=rng.random() < RESERVED_FOR_HOUSING_FIRST,
                )
            self.prospects.append(prospect)
            if outcome == "contacted":
                continue
            if outcome == "refused" and rng.random() < 0.2:  # refused on the phone, before any visit
                self._step(prospect, contacted + timedelta(days=rng.randint(2, 15)), "refuse", rng)
                continue
            visited = contacted + timedelta(days=rng.randint(5, 25))
            if not self._step(prospect, visited, "visit", rng) or outcome == "visited":
                continue
            decided = visited + timedelta(days=rng.randint(3, 20))
            if outcome == "refused":
                self._step(prospect, decided, "refuse", rng)
                continue
            if not self._step(prospect, decided, "agree", rng):
                continue
            paid = decided + timedelta(days=rng.randint(0, 20))
            if paid <= self.today:
                with clock(paid):
                    services.pay_incentive(prospect, author, codes.IncentiveReason.CAPTURE, CAPTURE_INCENTIVE, paid)
                self.counts["primes"] += 1
            opens = decided + timedelta(days=rng.randint(10, 45))
            if outcome == "agreed" or opens > self.today:
                continue
            opened.append((opens, prospect, author, shape, place))
        # Opened in date order, so the units enter the supply (and the history) as they did.
        for opens, prospect, author, shape, place in sorted(opened, key=lambda row: (row[0], row[1].pk)):
            with clock(opens):
                unit = services.open_captured_unit(
                    prospect,
                    author,
                    opens,
                    reference=self.reference("IML"),
                    charges=shape["charges"],
                    floor=shape["floor"],
                    lift=shape["lift"],
                    wheelchair_accessible=shape["wheelchair_accessible"],
                    qpv=self.qpv(place["commune_insee"], K.IML),
                    **self.contingent_for(K.IML, "aivs", place["commune_insee"]),
                )
            self.units.append(unit)
        self.units.sort(key=lambda u: (u.status_since, u.pk))
        self.counts["captations"] = len(self.prospects)

    def _step(self, prospect: CaptureProspect, on: date, step: str, rng) -> bool:
        if on > self.today:
            return False
        author = self.author("aivs")
        with clock(on):
            if step == "visit":
                fresh = services.record_visit(prospect, author, on)
            elif step == "refuse":
                fresh = services.record_refusal(prospect, author, on, _pick(rng, CAPTURE_REFUSALS))
            else:
                fresh = services.record_agreement(prospect, author, on, _pick(rng, CAPTURE_MODES))
        prospect.__dict__.update(
            {k: getattr(fresh, k) for k in ("stage", "version", "visited_on", "decided_on", "mode")}
        )
        return True

    def build_targets(self):
        """The spec's targets as demo targets, labelled with their origin (over a window of the demo's timeline)."""
        year = self.today.year
        grenoble = (date(year - 1, 1, 1), date(year + 1, 12, 31))
        rows = (
            ("Captation tous modes — repère : Grenoble, 285 logements d'ici fin 2023", "", *grenoble, 285, 210),
            (
                "Captation en mandat de gestion — repère : Grenoble, 225 logements",
                codes.CaptureMode.MANDATE,
                *grenoble,
                225,
                None,
            ),
            (
                "Captation en sous-location — repère : Grenoble, 60 logements",
                codes.CaptureMode.SUBLEASE,
                *grenoble,
                60,
                None,
            ),
            (
                "Places d'IML supplémentaires dans l'année — repère : Aix-Marseille-Provence, 1 100 places en 2022",
                "",
                date(year, 1, 1),
                date(year, 12, 31),
                1100,
                None,
            ),
        )
        for label, mode, starts, ends, units, reserved in rows:
            services.create_target(
                self.territory,
                self.coordinator,
                label=label,
                mode=mode,
                starts_on=starts,
                ends_on=ends,
                units=units,
                reserved_for_housing_first=reserved,
            )
        self.counts["objectifs de captation"] = len(rows)


# --- demand profiles -------------------------------------------------------------------------------


def build_profiles(territory, rng: random.Random, today: date, now) -> int:
    """Demand profiles of the households on the list: Action Logement for employees (salary
    resources), the publics of pensions de famille, résidences accueil and FJT, the housing
    benefit estimated for the size asked.

    No service writes a demand profile (the household's housing demand form is another part of
    the application); written in bulk like the households step, each row validated field by field,
    with only what the household file already says."""
    households = list(Household.objects.filter(territory=territory, status="on_list").order_by("pk"))
    ids = [h.pk for h in households]
    salaried = set(Resource.objects.filter(household_id__in=ids, kind="salary").values_list("household_id", flat=True))
    persons = Counter(
        Person.objects.filter(household_id__in=ids, merged_into__isnull=True).values_list("household_id", flat=True)
    )
    heads = dict(Person.objects.filter(household_id__in=ids, is_head=True).values_list("household_id", "birth_date"))
    profiles = []
    for household in households:
        if rng.random() >= PROFILE_SHARE:
            continue
        size = max(persons[household.pk], 1)
        publics_ = set(household.priority_publics or [])
        born = heads.get(household.pk)
        age = (today - born).days // 365 if born else 40
        publics = []
        if size == 1 and ("long_street" in publics_ or household.current_ethos in (1, 2, 3) and rng.random() < 0.35):
            publics.append(codes.Public.LONG_EXCLUSION)
        if size == 1 and "mental_disability" in publics_:
            publics.append(codes.Public.MENTAL_DISABILITY)
        if size <= 2 and (age <= 30 or "under_25" in publics_):
            publics.append(codes.Public.YOUNG)
        low, high = BENEFIT[min(size, 5)]
        benefit = Decimal(str(rng.randint(low, high)))
        if household.pk in salaried:
            benefit = (benefit * Decimal("0.6")).quantize(Decimal("1"))  # lower with a salary
        allowed = services.adapter.DEFAULT_TYPOLOGIES[str(min(size, 8))]
        profile = DemandProfile(
            household=household,
            contingents=[C.ACTION_LOGEMENT] if household.pk in salaried else [],
            publics=publics,
            housing_benefit=benefit,
            typologies=allowed,
            updated_at=now,
        )
        profile.clean_fields(exclude=["household"])
        profiles.append(profile)
    DemandProfile.objects.bulk_create(profiles)
    return len(profiles)


# --- the step ----------------------------------------------------------------------------------------


def build_housing(ctx) -> None:
    from lda.demo.housing_history import build_history

    started, cpu = time.monotonic(), time.process_time()
    today = ctx.today
    events_before = HouseholdEvent.objects.count()
    coordinator = Membership.objects.filter(role=Role.COORDINATOR, user__email="coordination@demo.lda.fr").first()
    for spec in catalogue.TERRITORIES:
        territory = ctx.result.territories[spec.key]
        services.install_defaults(territory, coordinator.user if coordinator else None)
    territory = ctx.result.territories[catalogue.MAIN.key]
    rng = ctx.rng("housing")
    supply = Supply(ctx, territory, rng, today)
    supply.build_contingents()
    supply.build_residences()
    supply.build_units()
    supply.build_capture()
    supply.build_targets()
    supply.counts["profils de demande"] = build_profiles(territory, ctx.rng("housing:profiles"), today, ctx.now)
    history = build_history(supply, ctx.rng("housing:history"), today)
    counts = supply.counts + history
    counts["logements"] = Unit.objects.filter(territory__in=ctx.result.territories.values()).count()
    # The entries took households off the list through the households' service: their events count.
    counts["événements de parcours"] = HouseholdEvent.objects.count() - events_before
    counts["secondes (étape logement)"] = round(time.monotonic() - started, 1)
    counts["secondes de calcul (étape logement)"] = round(time.process_time() - cpu, 1)
    ctx.result.counts.update(counts)


def reset_housing(territory_ids: list[int]) -> None:
    """Raw deletes in dependency order: logs are append-only by design (the ORM's delete refuses)."""
    from lda.tasks.models import Task

    runs = MatchingRun.objects.filter(territory_id__in=territory_ids)
    task_ids = list(runs.exclude(task=None).values_list("task_id", flat=True))
    steps = [
        ProposalEvent.objects.filter(proposal__territory_id__in=territory_ids),
        Proposal.objects.filter(territory_id__in=territory_ids),
        runs,
        Task.objects.filter(pk__in=task_ids),
        DemandProfile.objects.filter(household__territory_id__in=territory_ids),
        Incentive.objects.filter(prospect__territory_id__in=territory_ids),
        CaptureProspect.objects.filter(territory_id__in=territory_ids),
        CaptureTarget.objects.filter(territory_id__in=territory_ids),
        UnitEvent.objects.filter(unit__territory_id__in=territory_ids),
        Unit.objects.filter(territory_id__in=territory_ids),
        Residence.objects.filter(territory_id__in=territory_ids),
        ContingentQuota.objects.filter(territory_id__in=territory_ids),
        RefusalReason.objects.filter(territory_id__in=territory_ids),
        MatchingRules.objects.filter(territory_id__in=territory_ids),
        ScoringGrid.objects.filter(territory_id__in=territory_ids),
    ]
    for qs in steps:
        qs._raw_delete(qs.db)
