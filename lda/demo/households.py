"""Demo households: about 2 000 plausible pathways over the last three years (item 12).

Each household is first *planned* as plain values — the service calls that would have produced it
(referral, study, decision, situations, contacts, exit, return…), each with its date — then written
in bulk, with exactly the rows and domain events `services.py` and `commission.py` would have
written. A plan depends only on its own seed, so it can be drawn again identically (to size the
documented referent's caseload beforehand) and households are written chunk by chunk, in the order
their files were opened (bounded memory at 100 000 households).

Calibration (spec 1, "what the seeds measure"): of the households housed, about half come from the
street, 20 % from shelters, 30 % from family or friends (Amiens); mean delay from entering the list
to entering a home about 6 months (Aix: 6.2); most are housed in social housing, then IML.
"""

import json
import random
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from functools import cache

from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from lda.accounts.models import Membership
from lda.accounts.roles import Role
from lda.demo import catalogue
from lda.demo import names as demo_names
from lda.demo.identifiers import synthetic_address
from lda.households import codes
from lda.households.ethos import KINDS
from lda.households.models import (
    Commission,
    CommissionCase,
    Commitment,
    Episode,
    EventKind,
    Household,
    HouseholdEvent,
    LivingSituation,
    MergeRecord,
    Need,
    Orientation,
    Person,
    Referral,
    Resource,
)
from lda.households.normalise import name_key

try:  # PostgreSQL's JSON adapter; the demo also runs on SQLite, where psycopg may be absent
    from psycopg.types.json import Jsonb
except ImportError:  # pragma: no cover
    Jsonb = None

__all__ = ["BASE_HOUSEHOLDS", "build_households", "reset_households"]

# Households at scale 1, per territory key.
BASE_HOUSEHOLDS = {catalogue.MAIN.key: 2000, catalogue.AGGLO.key: 40}
HISTORY_DAYS = 3 * 365
CHUNK = 1000  # households written per round of bulk_create (bounded memory at scale 50)
DOCUMENTED_CASELOAD = 100  # the documented referent's active households (seed 004: ~100 per referent)
REVIEW_EVERY = 90  # days between two reviews of a household on the list
WRITER_ROLES = frozenset({Role.COORDINATOR, Role.REFERENT, Role.SOCIAL_WORKER, Role.LANDLORD, Role.PREVENTION_AGENT})

# --- vocabularies with their weights ---------------------------------------------------------------

# Families of the situation at the referral. Housing does not depend on it, so the shares of those
# housed follow these weights: street 50 %, shelters 20 %, family or friends 25–30 %.
FAMILY_WEIGHTS = {"street": 50, "shelter": 20, "family_friends": 25, "other": 5}
FAMILY_KINDS = {
    "street": {"street": 85, "camp": 15},
    "shelter": {
        "hotel_115": 30,
        "emergency_shelter": 18,
        "night_shelter": 5,
        "chrs": 28,
        "stabilisation": 5,
        "women_shelter": 4,
        "asylum_centre": 2,
        "refugee_centre": 3,
        "long_term_support": 5,
    },
    "family_friends": {"family_friends": 85, "squat": 15},
    "other": {
        "prison": 22,
        "child_welfare": 15,
        "hospital": 10,
        "psychiatry": 8,
        "eviction_threat": 25,
        "violence_threat": 7,
        "unfit_housing": 9,
        "overcrowding": 4,
    },
}
# Kinds a situation may move to within its family during the pathway (institutions: no move).
MOVES = {
    "street": ("street", "camp"),
    "camp": ("street", "camp"),
    "hotel_115": ("emergency_shelter", "chrs", "stabilisation"),
    "emergency_shelter": ("hotel_115", "chrs", "stabilisation"),
    "night_shelter": ("emergency_shelter", "hotel_115"),
    "chrs": ("long_term_support",),
    "stabilisation": ("chrs", "long_term_support"),
    "family_friends": ("family_friends", "squat"),
    "squat": ("family_friends",),
    "eviction_threat": ("overcrowding",),
    "unfit_housing": ("overcrowding",),
}

# Compositions: S single adult, C couple, P single parent, F couple with children, A two related adults.
COMPOSITIONS = {
    "street": {"S": 80, "C": 9, "P": 3, "F": 2, "A": 6},
    "shelter": {"S": 44, "C": 8, "P": 30, "F": 13, "A": 5},
    "family_friends": {"S": 55, "C": 8, "P": 24, "F": 8, "A": 5},
    "other": {"S": 68, "C": 6, "P": 16, "F": 6, "A": 4},
}
MALE_SHARE_SINGLE = {"street": 0.78, "shelter": 0.6, "family_friends": 0.55, "other": 0.6}

REFERRER_WEIGHTS = {
    "siao": 24,
    "association": 18,
    "outreach": 14,
    "ccas": 12,
    "hospital": 6,
    "ccapex": 6,
    "spip": 5,
    "ase": 4,
    "landlord": 4,
    "self": 7,
}
# Referrer kinds that the situation makes more likely.
REFERRER_BY_KIND = {
    "prison": "spip",
    "child_welfare": "ase",
    "hospital": "hospital",
    "psychiatry": "hospital",
    "eviction_threat": "ccapex",
    "camp": "outreach",
}

DECISIONS = {"oriented": 73, "commission": 7, "reoriented": 11, "closed": 9}
REORIENT_REASONS = {"other_service": 45, "out_of_territory": 20, "not_eligible": 35}
CLOSE_REASONS = {"declined": 30, "no_contact": 35, "duplicate": 10, "solved": 25}
MEASURES = {"vial": 28, "avdl": 18, "fnavdl": 14, "asell": 10, "iml": 16, "chez_soi": 8, "other": 6}
EXIT_REASONS = {"housed": 70, "lost_contact": 14, "moved_away": 8, "declined": 6, "deceased": 2}
# Mean days on the list before each kind of exit; the housing delay is calibrated on Aix (6.2 months).
EXIT_MEAN_DAYS = {"housed": 200, "lost_contact": 160, "moved_away": 130, "declined": 100, "deceased": 220}
STILL_WAITING_SHARE = 0.10  # households on the list without an exit in sight (the backlog)
HOUSED_IN = {"social": 55, "iml": 17, "private": 8, "pension_famille": 9, "plai_adapted": 6, "supported": 5}
RETURN_SHARE = 0.06  # of the households that left: "droit au recommencement"

ADMIN_STATUS = {
    "french": 58,
    "eu": 6,
    "residence_permit": 16,
    "refugee": 8,
    "asylum_seeker": 4,
    "undocumented": 3,
    "unknown": 5,
}
PRECISION = {"day": 85, "year": 8, "month": 4, "approximate": 3}
NEED_WEIGHTS = {
    "rights": 25,
    "administrative": 22,
    "budget": 15,
    "employment": 12,
    "health": 12,
    "mental_health": 10,
    "addictions": 8,
    "language": 6,
    "parenting": 8,
}
RESOURCES = {
    "street": {"none": 24, "rsa": 46, "aah": 10, "are": 5, "salary": 5, "ass": 5, "pension": 5},
    "default": {"none": 8, "rsa": 38, "aah": 10, "are": 10, "salary": 22, "ass": 5, "pension": 7},
}
AMOUNTS = {
    "rsa": (560, 650),
    "aah": (900, 1016),
    "are": (650, 1400),
    "ass": (480, 545),
    "salary": (450, 1750),
    "pension": (650, 1300),
    "family": (140, 620),
    "other": (100, 450),
}

COMMUNES = {
    catalogue.MAIN.key: (
        ("13055", 12),  # Marseille
        ("13001", 4),  # Aix-en-Provence
        ("13005", 2),  # Aubagne
        ("13056", 2),  # Martigues
        ("13103", 2),  # Salon-de-Provence
        ("13117", 2),  # Vitrolles
        ("13028", 1),  # La Ciotat
        ("13047", 1),  # Istres
        ("13054", 1),  # Marignane
        ("13041", 1),  # Gardanne
        ("13071", 1),  # Les Pennes-Mirabeau
        ("13002", 1),  # Allauch
        ("13106", 1),  # Septèmes-les-Vallons
        ("13063", 1),  # Miramas
        ("13077", 1),  # Port-de-Bouc
    ),
    catalogue.AGGLO.key: (
        ("84007", 5),  # Avignon
        ("84092", 1),  # Le Pontet
        ("84129", 1),  # Sorgues
        ("84031", 1),  # Carpentras
        ("84035", 1),  # Cavaillon
        ("84141", 1),  # Vedène
        ("84081", 1),  # Morières-lès-Avignon
        ("84043", 1),  # Entraigues-sur-la-Sorgue
    ),
}


@dataclass(frozen=True)
class Partners:
    """Which organisation (catalogue key) plays which part in a territory."""

    platform: str
    siao: str
    associations: tuple[tuple[str, int], ...]  # accompanying operators, weighted
    iml: str
    landlords: tuple[str, ...]
    referrers: dict  # referrer kind → organisation keys (missing: the SIAO records it)
    attendees: tuple[str, ...]  # of the complex-case commission
    place: str


PARTNERS = {
    catalogue.MAIN.key: Partners(
        platform="platform",
        siao="siao",
        # The documented social worker's association accompanies the largest share.
        associations=(("habitat_accompagnement", 40), ("horizon_logement", 25), ("passerelles", 20), ("ccas", 15)),
        iml="aivs",
        landlords=("hsm", "logis_provencal", "residences_littoral"),
        referrers={
            "siao": ("siao",),
            "association": ("habitat_accompagnement", "horizon_logement", "passerelles", "aivs"),
            "outreach": ("passerelles", "horizon_logement"),
            "ccas": ("ccas",),
            "hospital": ("empp",),
            "ccapex": ("departement", "ddets"),
            "spip": ("spip",),
            "ase": ("departement",),
            "landlord": ("hsm", "logis_provencal", "residences_littoral"),
            "self": ("siao",),
        },
        attendees=("platform", "siao", "departement", "habitat_accompagnement", "horizon_logement", "hsm", "empp"),
        place="Locaux de la plateforme Logement d'abord, Marseille",
    ),
    catalogue.AGGLO.key: Partners(
        platform="agglo_platform",
        siao="agglo_siao",
        associations=(("agglo_association", 1),),
        iml="agglo_association",
        landlords=("agglo_landlord",),
        referrers={
            "siao": ("agglo_siao",),
            "association": ("agglo_association",),
            "outreach": ("agglo_association",),
            "landlord": ("agglo_landlord",),
        },
        attendees=("agglo_platform", "agglo_siao", "agglo_association", "agglo_landlord"),
        place="Siège de la communauté d'agglomération, Avignon",
    ),
}

# --- free text: plausible, factual, never a judgement nor an identifier ------------------------------

SITUATION_PHRASES = {
    "street": "à la rue depuis {d}",
    "camp": "en campement depuis {d}",
    "night_shelter": "en halte de nuit depuis {d}",
    "hotel_115": "en nuitées hôtelières du 115 depuis {d}",
    "emergency_shelter": "en hébergement d'urgence depuis {d}",
    "chrs": "en CHRS depuis {d}",
    "stabilisation": "en centre de stabilisation depuis {d}",
    "women_shelter": "en hébergement spécialisé depuis {d}",
    "asylum_centre": "en CADA depuis {d}",
    "refugee_centre": "en CPH depuis {d}",
    "prison": "en fin de détention, sans solution de logement à la sortie",
    "child_welfare": "en fin de prise en charge par l'aide sociale à l'enfance",
    "hospital": "en fin d'hospitalisation, sans solution de logement à la sortie",
    "psychiatry": "en fin d'hospitalisation, sans solution de logement à la sortie",
    "long_term_support": "en hébergement accompagné depuis {d}",
    "family_friends": "chez des proches depuis {d}, solution qui arrive à son terme",
    "squat": "en occupation sans titre depuis {d}",
    "eviction_threat": "sous le coup d'une procédure d'expulsion locative",
    "violence_threat": "en situation de danger au domicile, départ à organiser",
    "unfit_housing": "dans un logement indigne signalé par le service d'hygiène",
    "overcrowding": "dans un logement très suroccupé",
}
REQUESTS = (
    "Demande d'accès direct à un logement avec un accompagnement adapté.",
    "Demande une orientation vers un accompagnement vers et dans le logement.",
    "Demande de logement social déposée ; accompagnement souhaité pour l'accès au logement.",
    "Ressources stables ; souhaite un logement autonome.",
    "Ouverture des droits en cours avec le CCAS ; demande un accompagnement global.",
    "La personne souhaite un logement à proximité de ses attaches dans le secteur.",
)
REQUESTS_WITH_CHILDREN = ("Souhaite rester dans le secteur pour la scolarité des enfants.",)
NOTES = (
    "Rendez-vous mensuel au local de l'association ; la personne préfère être appelée le matin.",
    "Demande de logement social renouvelée avec l'appui de l'opérateur.",
    "Domiciliation à jour ; justificatifs de ressources transmis au bailleur.",
    "Visite de logement prévue avec le bailleur ; la personne souhaite être accompagnée.",
    "Dossier FSL à constituer pour le dépôt de garantie et le premier mois de loyer.",
    "Point d'étape réalisé avec l'opérateur : démarches d'ouverture des droits engagées.",
    "La personne souhaite un logement proche des transports pour se rendre à son travail.",
    "Échanges réguliers par téléphone ; rendez-vous à fixer pour la signature du bail.",
)
NOTES_WITH_CHILDREN = ("Les enfants sont scolarisés dans le secteur ; le ménage souhaite rester à proximité.",)
DECISION_COMMENTS = {
    "oriented": (
        "Orientation validée en comité technique.",
        "Accompagnement à mettre en place dès l'attribution d'un logement.",
        "Accompagnement renforcé proposé, en lien avec le référent de parcours.",
    ),
    "reoriented": (
        "Orientation proposée vers le dispositif adapté, en lien avec le prescripteur.",
        "Le prescripteur a été informé de la réorientation.",
    ),
    "closed": ("Le prescripteur a été informé de la clôture.", "Saisine close après plusieurs tentatives de contact."),
    "commission": ("Situation présentée à la prochaine commission des parcours complexes.",),
}
QUESTIONS = (
    "Quelle réponse coordonnée pour un accès au logement avec un accompagnement renforcé ?",
    "Comment articuler le suivi de santé et l'accès au logement ?",
    "Quelle solution pour une famille nombreuse dans le secteur souhaité ?",
    "Comment préparer une sortie d'établissement sans rupture ?",
    "Quel logement adapté pour une personne à mobilité réduite ?",
    "Comment sécuriser l'accès au logement malgré une dette locative ancienne ?",
)
CONCLUSIONS = (
    "Orientation vers un logement en intermédiation locative avec un accompagnement renforcé.",
    "Chaque partenaire s'engage sur une action ; point d'étape à la prochaine commission.",
    "Proposition de logement à rechercher dans le contingent réservé, accompagnement maintenu.",
    "Orientation vers une pension de famille, visite à organiser.",
)
COMMITMENTS_BY_KIND = {
    "platform": ("Coordonner les partenaires et préparer le point d'étape",),
    "siao": ("Actualiser la demande et rechercher une place adaptée", "Organiser une rencontre avec le ménage"),
    "association": ("Mettre en place un accompagnement renforcé", "Accompagner le ménage à la visite du logement"),
    "social_landlord": ("Proposer un logement adapté du contingent réservé",),
    "departement": ("Instruire la demande d'aide du FSL", "Désigner un travailleur social de secteur"),
    "health": ("Organiser un rendez-vous avec l'équipe mobile psychiatrie-précarité",),
    "commune": ("Vérifier l'ouverture des droits",),
}
DETAILS = {
    "chrs": "CHRS du secteur (démo)",
    "hotel_115": "Hôtel conventionné 115 (démo)",
    "long_term_support": "Résidence sociale (démo)",
}


def _pick(rng: random.Random, weights: dict):
    return rng.choices(tuple(weights), weights=tuple(weights.values()))[0]


def _duration(days: int) -> str:
    if days < 45:
        return "quelques semaines"
    if days < 365:
        return f"{round(days / 30.44)} mois"
    if days < 730:
        return "plus d'un an"
    return f"{days // 365} ans"


def _composition_phrase(composition: str, head_sex: str, children: int) -> str:
    kids = f"{children} enfant{'s' if children > 1 else ''}"
    return {
        "S": "Homme seul" if head_sex == "M" else "Femme seule",
        "C": "Couple sans enfant",
        "P": f"{'Père' if head_sex == 'M' else 'Mère'} seul{'' if head_sex == 'M' else 'e'} avec {kids}",
        "F": f"Couple avec {kids}",
        "A": "Deux adultes apparentés",
    }[composition]


# --- the plan: plain values ------------------------------------------------------------------------


@dataclass(slots=True)
class PersonPlan:
    last_name: str
    first_name: str
    birth_date: date
    precision: str
    sex: str
    role: str
    administrative_status: str
    is_head: bool = False
    aliases: str = ""
    added_on: date | None = None  # born or arrived after the referral: PERSON_ADDED


@dataclass(slots=True)
class EpisodePlan:
    number: int
    opened_on: date
    entered_list_on: date | None = None
    left_on: date | None = None
    exit_reason: str = ""
    housed_in: str = ""


@dataclass(slots=True)
class ReferralPlan:
    episode: int
    kind: str
    organisation: str
    writer: int  # a draw, resolved to one of the organisation's staff
    received_on: date
    summary: str
    status: str


@dataclass(slots=True)
class OrientationPlan:
    referral: int | None  # index in plan.referrals
    decision: str
    measure: str
    housing_search: bool
    accompanying: str | None
    reason: str
    comment: str
    decided_on: date
    delay_days: int | None


@dataclass(slots=True)
class CasePlan:
    sitting: int  # index in the territory's sittings
    presented_by: str
    question: str
    conclusion: str
    commitments: list  # (organisation key, owner draw, action, due_on, status, done_on)


@dataclass(slots=True)
class Act:
    """One service call: the events it emits, recorded together on `day`."""

    day: date
    actor: str  # "referral:<i>", "coordinator", "referent", "worker"
    events: list  # (kind, occurred_on, payload, sensitive): the episode is the one current on `day`


@dataclass
class Plan:
    family: str = ""
    persons: list = field(default_factory=list)
    episodes: list = field(default_factory=list)
    referrals: list = field(default_factory=list)
    orientations: list = field(default_factory=list)
    situations: list = field(default_factory=list)  # [kind, started_on, ended_on, detail, recorded_on]
    resources: list = field(default_factory=list)  # (person index or None, kind, amount, requested, opened)
    needs: dict = field(default_factory=dict)  # kind → (status, updated_on)
    cases: list = field(default_factory=list)
    acts: list = field(default_factory=list)
    fields: dict = field(default_factory=dict)  # Household fields set by the plan
    status: str = codes.HouseholdStatus.REFERRED
    has_referent: bool = False
    worker_draw: int = 0
    coordinator_draw: int = 0

    @property
    def received_on(self) -> date:
        return self.referrals[0].received_on

    @property
    def active(self) -> bool:
        return self.status in codes.ACTIVE_STATUSES


# Payload values that are ids of rows written later.
@dataclass(frozen=True, slots=True)
class Ref:
    table: str  # "referral", "orientation", "sitting", "commitment", "organisation"
    key: object


class Planner:
    """Draws one household's history; `today` and the commission sittings are the territory's."""

    def __init__(self, territory_key: str, today: date, sittings: list[date]):
        self.key = territory_key
        self.partners = PARTNERS[territory_key]
        self.communes = COMMUNES[territory_key]
        self.today = today
        self.start = today - timedelta(days=HISTORY_DAYS)
        self.sittings = sittings
        self.spec = next(spec for spec in catalogue.TERRITORIES if spec.key == territory_key)
        self.departement = self.spec.departement_code

    def first_day(self, rng) -> date:
        """The day the file was opened: the plan's first draw (so it can be known without the plan)."""
        return self.start + timedelta(days=rng.randrange(HISTORY_DAYS - 3))

    def plan(self, seed: int) -> Plan:
        rng = random.Random(seed)
        received = self.first_day(rng)
        plan = Plan(worker_draw=rng.getrandbits(16), coordinator_draw=rng.getrandbits(16))
        family = _pick(rng, FAMILY_WEIGHTS)
        plan.family = family
        kind = _pick(rng, FAMILY_KINDS[family])
        self._persons(rng, plan, family, kind, received)
        self._first_fields(rng, plan, kind, received)
        episode_number, opened, returning = 1, received, False
        while True:
            end = self._episode(rng, plan, episode_number, opened, kind, returning)
            if end is None or rng.random() >= RETURN_SHARE:
                break
            back = end + timedelta(days=rng.randint(60, 540))
            if back > self.today - timedelta(days=7) or episode_number >= 3:
                break
            episode_number, opened, returning = episode_number + 1, back, True
            family = _pick(rng, {"street": 35, "shelter": 20, "family_friends": 30, "other": 15})
            kind = _pick(rng, FAMILY_KINDS[family])
        self._resources_and_needs(rng, plan)
        self._finish(rng, plan)
        plan.acts.sort(key=lambda act: act.day)  # stable: same-day calls keep their order
        return plan

    # persons -------------------------------------------------------------------------------------

    def _birth(self, rng, on: date, age_low: int, age_high: int, exact: bool = False) -> tuple[date, str]:
        age_days = rng.randint(age_low * 365, age_high * 365 + 364)
        born = on - timedelta(days=age_days)
        precision = "day" if exact else _pick(rng, PRECISION)
        if precision in ("year", "approximate"):
            born = date(born.year, 1, 1)
        elif precision == "month":
            born = born.replace(day=1)
        return born, precision

    def _first_name(self, rng, surname: str, sex: str, year: int) -> str:
        heritage = demo_names.FIRST_NAME_ORIGINS.get(demo_names.surname_origins()[surname])
        if heritage and rng.random() < demo_names.HERITAGE_SHARE:
            try:
                return demo_names.first_names(sex, year, heritage).draw(rng)[0]
            except ValueError:
                pass
        return demo_names.first_names(sex, year).draw(rng)[0]

    def _persons(self, rng, plan: Plan, family: str, kind: str, received: date) -> None:
        composition = _pick(rng, COMPOSITIONS[family])
        if kind in ("women_shelter", "violence_threat"):
            head_sex = "F"
        elif composition == "P":
            head_sex = "F" if rng.random() < 0.88 else "M"
        else:
            head_sex = "M" if rng.random() < MALE_SHARE_SINGLE[family] else "F"
        if kind == "child_welfare":
            low, high = 18, 20
        elif rng.random() < 0.1:
            low, high = 18, 24
        else:
            low, high = 25, 64 if composition in ("S", "C", "A") else 48
        born, precision = self._birth(rng, received, low, high)
        head = demo_names.person_name(rng, sex=head_sex, birth_year=born.year)
        status = _pick(rng, ADMIN_STATUS)
        if kind == "asylum_centre":
            status = "asylum_seeker"
        elif kind == "refugee_centre":
            status = "refugee"
        elif kind == "child_welfare" and status in ("undocumented", "asylum_seeker"):
            status = "residence_permit"
        aliases = demo_names.surname(rng) if rng.random() < 0.03 else ""
        plan.persons.append(
            PersonPlan(head.last_name, head.first_name, born, precision, head_sex, "adult", status, True, aliases)
        )
        head_age = (received - born).days // 365
        if composition in ("C", "F"):
            sex = "F" if head_sex == "M" else "M"
            partner_born, partner_precision = self._birth(rng, received, max(18, head_age - 6), head_age + 4)
            surname = head.last_name if rng.random() < 0.55 else demo_names.surname(rng)
            first = self._first_name(rng, surname, sex, partner_born.year)
            plan.persons.append(PersonPlan(surname, first, partner_born, partner_precision, sex, "adult", status))
        if composition == "A":
            sex = rng.choice("FM")
            other_born, other_precision = self._birth(rng, received, 18, 30)
            first = self._first_name(rng, head.last_name, sex, other_born.year)
            plan.persons.append(PersonPlan(head.last_name, first, other_born, other_precision, sex, "other", status))
        if composition in ("P", "F"):
            count = _pick(rng, {1: 40, 2: 35, 3: 17, 4: 8})
            oldest = max(0, min(17, head_age - 18))
            for _ in range(count):
                sex = rng.choice("FM")
                child_born, _ = self._birth(rng, received, 0, oldest, exact=True)
                first = self._first_name(rng, head.last_name, sex, child_born.year)
                child_status = status if status in ("french", "eu") else "unknown"
                plan.persons.append(PersonPlan(head.last_name, first, child_born, "day", sex, "child", child_status))
        plan.fields["composition"] = composition

    def _first_fields(self, rng, plan: Plan, kind: str, received: date) -> None:
        persons = plan.persons
        head = persons[0]
        publics = set()
        head_age = (received - head.birth_date).days // 365
        if head_age < 25:
            publics.add("under_25")
        extra = {
            "child_welfare": "leaving_ase",
            "prison": "leaving_prison",
            "women_shelter": "violence_victim",
            "violence_threat": "violence_victim",
            "eviction_threat": "evicted",
            "psychiatry": "mental_disability",
            "refugee_centre": "refugee",
        }
        if kind in extra:
            publics.add(extra[kind])
        if head.administrative_status == "refugee":
            publics.add("refugee")
        if plan.fields["composition"] == "P":
            publics.add("single_parent")
        if kind == "street" and rng.random() < 0.35:
            publics.add("long_street")
        if rng.random() < 0.06:
            publics.add("mental_disability")
        consent = rng.random() < 0.88
        kinds = ["association", "siao"]
        if rng.random() < 0.8:
            kinds.append("social_landlord")
        if rng.random() < 0.4:
            kinds.append("commune")
        if rng.random() < 0.25:
            kinds.append("health")
        plan.fields.update(
            priority_publics=sorted(publics),
            consent_given=consent,
            consent_on=received if consent else None,
            consent_kinds=sorted(kinds) if consent else [],
            protected=("violence_victim" in publics and rng.random() < 0.5) or rng.random() < 0.005,
        )

    # one episode -----------------------------------------------------------------------------------

    def _situations(self, rng, plan: Plan, kind: str, since: date, until: date, recorded: date, actors: tuple):
        """The situation given with the referral (since `since`), then 0–3 moves within its family until `until`."""
        self._record_situation(plan, kind, since, recorded, actors[0])
        moves = rng.choices((0, 1, 2, 3), weights=(50, 30, 14, 6))[0] if kind in MOVES else 0
        span = (until - recorded).days
        if span < 30:
            return
        current = kind
        for offset in sorted(rng.sample(range(1, span), min(moves, span - 1))):
            options = [k for k in MOVES.get(current, ()) if k != current]
            if not options:
                break
            current = rng.choice(options)
            day = recorded + timedelta(days=offset)
            self._record_situation(plan, current, day, day, actors[1] if day >= actors[2] else actors[0])

    def _record_situation(self, plan: Plan, kind: str, started: date, recorded: date, actor: str):
        if plan.situations:
            started = max(started, plan.situations[-1][1])  # record_situation refuses an earlier start
            plan.situations[-1][2] = started
        plan.situations.append([kind, started, None, DETAILS.get(kind, ""), recorded])
        situation = KINDS[kind]
        payload = {"kind": kind, "ethos": situation.ethos}
        plan.acts.append(
            Act(recorded, actor, [(EventKind.SITUATION_RECORDED, started, payload, situation.sensitive or "")])
        )

    def _summary(self, rng, plan: Plan, kind: str, since: date, received: date) -> str:
        head = plan.persons[0]
        children = sum(1 for p in plan.persons if p.role == "child")
        phrase = SITUATION_PHRASES[kind].format(d=_duration((received - since).days))
        requests = REQUESTS + (REQUESTS_WITH_CHILDREN if children else ())
        return f"{_composition_phrase(plan.fields['composition'], head.sex, children)} {phrase}. {rng.choice(requests)}"

    def _referral(self, rng, plan: Plan, number: int, received: date, kind: str, returning: bool):
        referrer = REFERRER_BY_KIND.get(kind) if rng.random() < 0.5 else None
        referrer = referrer or _pick(rng, REFERRER_WEIGHTS)
        organisation = rng.choice(self.partners.referrers.get(referrer) or (self.partners.siao,))
        if kind in ("prison", "child_welfare", "hospital", "psychiatry", "eviction_threat", "violence_threat"):
            since = received - timedelta(days=rng.randint(0, 60))
        else:
            since = received - timedelta(days=int(rng.expovariate(1 / 200)))
        index = len(plan.referrals)
        actor = f"referral:{index}"
        plan.referrals.append(
            ReferralPlan(
                number,
                referrer,
                organisation,
                rng.getrandbits(16),
                received,
                self._summary(rng, plan, kind, since, received),
                "received",
            )
        )
        events = []
        if returning:
            events.append((EventKind.LIST_RETURNED, received, {"episode": number, "previous": number - 1}, ""))
        else:
            events.append((EventKind.HOUSEHOLD_CREATED, received, {"persons": len(plan.persons)}, ""))
        events.append(
            (EventKind.REFERRAL_RECEIVED, received, {"referral": Ref("referral", index), "referrer_kind": referrer}, "")
        )
        plan.acts.append(Act(received, actor, events))
        return index, since, actor

    def _decide(self, rng, plan: Plan, number: int, referral: int | None, decision: str, on: date, received=None):
        measure, search, accompanying, reason = "", False, None, ""
        if decision == "oriented":
            measure = _pick(rng, MEASURES) if rng.random() < 0.85 else ""
            search = not measure or rng.random() < 0.9
            if measure == "iml":
                accompanying = self.partners.iml
            elif measure:
                accompanying = _pick(rng, dict(self.partners.associations))
        elif decision == "reoriented":
            reason = _pick(rng, REORIENT_REASONS)
        elif decision == "closed":
            reason = _pick(rng, CLOSE_REASONS)
        comment = rng.choice(DECISION_COMMENTS[decision]) if rng.random() < 0.35 else ""
        delay = (on - received).days if referral is not None else None
        index = len(plan.orientations)
        plan.orientations.append(
            OrientationPlan(referral, decision, measure, search, accompanying, reason, comment, on, delay)
        )
        events = [
            (
                EventKind.ORIENTATION_DECIDED,
                on,
                {
                    "orientation": Ref("orientation", index),
                    "decision": decision,
                    "measure": measure,
                    "housing_search": search,
                    "reason": reason,
                    "delay_days": delay,
                },
                "",
            )
        ]
        episode = plan.episodes[-1]
        if decision == "oriented":
            plan.status = codes.HouseholdStatus.ON_LIST
            if accompanying:
                plan.fields["accompanying"] = accompanying
            if plan.fields.get("entered_list_on") is None:
                plan.fields["entered_list_on"] = on
            if episode.entered_list_on is None:
                episode.entered_list_on = on
                events.append((EventKind.LIST_ENTERED, on, {"episode": number}, ""))
        elif decision == "commission":
            plan.status = codes.HouseholdStatus.COMMISSION
        else:
            plan.status = codes.HouseholdStatus.REORIENTED if decision == "reoriented" else codes.HouseholdStatus.CLOSED
            plan.fields["entered_list_on"] = None
            episode.left_on = on
        plan.acts.append(Act(on, "coordinator", events))

    def _update(self, plan: Plan, on: date, fields: list[str], actor="coordinator"):
        sensitive = codes.Sensitive.NOTES if "notes" in fields else ""
        plan.acts.append(Act(on, actor, [(EventKind.HOUSEHOLD_UPDATED, on, {"fields": sorted(fields)}, sensitive)]))

    def _wishes(self, rng, plan: Plan, on: date, number: int) -> None:
        """The study's update of the file: referent, wishes, social-housing demand, notes."""
        changed = []
        if not plan.has_referent:
            plan.has_referent = True
            changed += ["referent", "referent_organisation"]
        if rng.random() < 0.7:
            codes_ = [code for code, _ in self.communes]
            accepted = sorted(set(rng.choices(codes_, weights=[w for _, w in self.communes], k=rng.randint(1, 4))))
            refused = sorted(set(rng.sample(codes_, rng.randint(0, 2))) - set(accepted)) if rng.random() < 0.2 else []
            plan.fields.update(accepted_communes=accepted, refused_communes=refused)
            changed += ["accepted_communes"] + (["refused_communes"] if refused else [])
        children = any(p.role == "child" for p in plan.persons)
        home_types = {
            "social": 60,
            "iml": 15,
            "private": 8,
            "pension_famille": 7 if not children else 0,
            "plai_adapted": 10,
        }
        plan.fields["wished_home_types"] = sorted({_pick(rng, home_types) for _ in range(rng.randint(1, 2))})
        changed.append("wished_home_types")
        for name, share in (("has_pets", 0.1), ("needs_ground_floor", 0.08), ("needs_accessible", 0.03)):
            if rng.random() < share:
                plan.fields[name] = True
                changed.append(name)
        if not children and len(plan.persons) == 1:
            plan.fields["wants_to_live_alone"] = rng.random() < 0.85
            changed.append("wants_to_live_alone")
        if rng.random() < 0.75:
            filed = on - timedelta(days=rng.randint(0, 500))
            renewed = filed + timedelta(days=365) if filed + timedelta(days=365) <= on else None
            plan.fields.update(
                sne_number=f"{self.departement:0>3}{filed:%y%m}{rng.randint(0, 999999):06d}{rng.choice('ABCDEFGHJK')}",
                sne_filed_on=filed,
                sne_renewed_on=renewed,
                sne_active=True,
            )
            changed += ["sne_number", "sne_filed_on", "sne_active"] + (["sne_renewed_on"] if renewed else [])
        if rng.random() < 0.08:
            plan.fields.update(dalo_recognised=True, dalo_on=on - timedelta(days=rng.randint(0, 300)))
            changed += ["dalo_recognised", "dalo_on"]
        if rng.random() < 0.3:
            plan.fields["notes"] = rng.choice(NOTES + (NOTES_WITH_CHILDREN if children else ()))
            changed.append("notes")
        plan.fields["whereabouts"] = self._whereabouts(rng, plan.family)
        changed.append("whereabouts")
        plan.fields["next_review_on"] = on + timedelta(days=REVIEW_EVERY)
        changed.append("next_review_on")
        if plan.fields["protected"] and number == 1:
            changed.append("protected")
        self._update(plan, on, changed)

    def _whereabouts(self, rng, family: str) -> str:
        city = self.spec.cities
        if family == "family_friends":
            return f"Chez un proche, {synthetic_address(rng, city)}"
        if family == "street":
            return f"Domiciliation à l'accueil de jour (démo), {synthetic_address(rng, city)}"
        return synthetic_address(rng, city)

    def _episode(self, rng, plan: Plan, number: int, opened: date, kind: str, returning: bool):
        """One passage through the platform; returns the day it ended (None: still followed)."""
        floor = plan.episodes[-1].left_on + timedelta(days=1) if returning else None
        plan.episodes.append(EpisodePlan(number, opened))
        plan.status = codes.HouseholdStatus.REFERRED
        plan.fields["entered_list_on"] = None
        referral, since, referrer_actor = self._referral(rng, plan, number, opened, kind, returning)
        if floor:  # a return's situation starts after the previous exit (it is not the one housed from)
            since = max(since, floor)
        study = opened + timedelta(days=rng.randint(0, 6))
        decided = opened + timedelta(days=min(120, max(3, round(rng.lognormvariate(3.05, 0.45)))))
        decision = _pick(rng, DECISIONS)
        outcome = self._outcome(rng, plan, decided)
        if decided > self.today:
            until = self.today
        elif decision in ("reoriented", "closed"):
            until = decided
        else:
            until = min(outcome[1], self.today)
        self._situations(rng, plan, kind, since, until, opened, (referrer_actor, "referent", decided))
        if study > self.today:
            return None
        plan.referrals[referral].status = "study"
        plan.status = codes.HouseholdStatus.STUDY
        payload = {"referral": Ref("referral", referral)}
        plan.acts.append(Act(study, "coordinator", [(EventKind.STUDY_STARTED, study, payload, "")]))
        if decided > self.today:
            return None
        plan.referrals[referral].status = "decided"
        self._decide(rng, plan, number, referral, decision, decided, opened)
        if decision in ("reoriented", "closed"):
            return decided
        self._wishes(rng, plan, min(self.today, decided + timedelta(days=rng.randint(0, 10))), number)
        entered = decided
        if decision == "commission":
            entered = self._commission(rng, plan, decided)
            if entered is None:
                return None
        return self._on_list(rng, plan, number, entered, outcome)

    def _outcome(self, rng, plan: Plan, decided: date) -> tuple[str, date]:
        """How and when the stay on the list would end (drawn before, so situations can end there)."""
        if rng.random() < STILL_WAITING_SHARE:
            return "", date.max
        reason = _pick(rng, EXIT_REASONS)
        days = max(20, round(rng.gammavariate(3.0, EXIT_MEAN_DAYS[reason] / 3.0)))
        return reason, decided + timedelta(days=days)

    def _commission(self, rng, plan: Plan, decided: date) -> date | None:
        """Presented at the next sitting; oriented to the list after it (None: not yet)."""
        sitting = next((i for i, day in enumerate(self.sittings) if day >= decided + timedelta(days=5)), None)
        if sitting is None:
            return None
        held_on = self.sittings[sitting]
        held = held_on <= self.today
        case = CasePlan(
            sitting,
            self.partners.siao if rng.random() < 0.7 else plan.fields.get("accompanying", self.partners.siao),
            rng.choice(QUESTIONS),
            rng.choice(CONCLUSIONS) if held else "",
            [],
        )
        plan.cases.append(case)
        plan.acts.append(
            Act(
                decided,
                "coordinator",
                [(EventKind.COMMISSION_PRESENTED, held_on, {"commission": Ref("sitting", sitting)}, "")],
            )
        )
        if not held:
            return None
        attendees = list(self.partners.attendees)
        for organisation in rng.sample(attendees, rng.randint(1, 3)):
            due = held_on + timedelta(days=rng.randint(14, 60))
            status, done_on, closed_on = "open", None, None
            if due < self.today:
                status = _pick(rng, {"done": 70, "cancelled": 8, "open": 22})  # open: overdue
            elif rng.random() < 0.2:
                status = "done"
            if status == "done":
                done_on = min(self.today, held_on + timedelta(days=rng.randint(5, (due - held_on).days + 10)))
                closed_on = done_on
            elif status == "cancelled":
                closed_on = min(self.today, due + timedelta(days=rng.randint(0, 20)))
            index = sum(len(c.commitments) for c in plan.cases)
            case.commitments.append(
                (organisation, rng.getrandbits(16), self._action(rng, organisation), due, status, done_on)
            )
            plan.acts.append(
                Act(
                    held_on,
                    "coordinator",
                    [
                        (
                            EventKind.COMMITMENT_MADE,
                            held_on,
                            {"commitment": Ref("commitment", index), "organisation": Ref("organisation", organisation)},
                            "",
                        )
                    ],
                )
            )
            if closed_on:
                plan.acts.append(
                    Act(
                        closed_on,
                        "coordinator",
                        [
                            (
                                EventKind.COMMITMENT_CLOSED,
                                closed_on,
                                {"commitment": Ref("commitment", index), "status": status},
                                "",
                            )
                        ],
                    )
                )
        oriented = held_on + timedelta(days=rng.randint(0, 14))
        if oriented > self.today:
            return None
        self._decide(rng, plan, plan.episodes[-1].number, None, "oriented", oriented)
        return oriented

    def _action(self, rng, organisation: str) -> str:
        spec = next(o for t in catalogue.TERRITORIES for o in t.organisations if o.key == organisation)
        return rng.choice(COMMITMENTS_BY_KIND.get(spec.kind, COMMITMENTS_BY_KIND["siao"]))

    def _on_list(self, rng, plan: Plan, number: int, entered: date, outcome: tuple[str, date]):
        reason, leaves = outcome
        leaves = max(leaves, entered + timedelta(days=20)) if reason else leaves
        end = min(leaves, self.today)
        # Contacts every few weeks; some active households have had none for over 30 days.
        attention = leaves > self.today and rng.random() < 0.25
        last_contact = self.today - timedelta(days=rng.randint(31, 120)) if attention else end
        day, contacts = entered, []
        while True:
            day += timedelta(days=rng.randint(20, 75))
            if day > last_contact:
                break
            contacts.append(day)
        if leaves > self.today and not attention and (not contacts or contacts[-1] < self.today - timedelta(days=30)):
            recent = self.today - timedelta(days=rng.randint(0, 29))
            if recent > entered:
                contacts.append(recent)
        for contact in contacts:
            actor = "worker" if plan.fields.get("accompanying") and rng.random() < 0.5 else "referent"
            plan.acts.append(Act(contact, actor, [(EventKind.CONTACT_RECORDED, contact, {}, "")]))
        if contacts:
            plan.fields["last_contact_on"] = max(contacts[-1], plan.fields.get("last_contact_on") or contacts[-1])
        # Reviews every three months; some are late (the next review date is past).
        review = plan.fields["next_review_on"]
        while review < end and not (
            leaves > self.today and review > self.today - timedelta(days=45) and rng.random() < 0.35
        ):
            plan.fields["next_review_on"] = review + timedelta(days=REVIEW_EVERY)
            self._update(plan, review, ["next_review_on"], "referent")
            review = plan.fields["next_review_on"]
        # A baby born while waiting.
        children = [p for p in plan.persons if p.role == "child"]
        if children and (end - entered).days > 300 and rng.random() < 0.05:
            born = entered + timedelta(days=rng.randint(30, (end - entered).days - 30))
            sex = rng.choice("FM")
            first = self._first_name(rng, plan.persons[0].last_name, sex, born.year)
            added = born + timedelta(days=rng.randint(3, 25))
            if added <= self.today:
                plan.persons.append(
                    PersonPlan(
                        plan.persons[0].last_name,
                        first,
                        born,
                        "day",
                        sex,
                        "child",
                        children[0].administrative_status,
                        added_on=added,
                    )
                )
                plan.acts.append(Act(added, "referent", [(EventKind.PERSON_ADDED, added, {"role": "child"}, "")]))
        if leaves > self.today:
            return None
        housed_in = _pick(rng, HOUSED_IN) if reason == "housed" else ""
        if reason == "housed" and plan.orientations[-1].measure == "iml" and rng.random() < 0.6:
            housed_in = "iml"
        episode = plan.episodes[-1]
        episode.left_on, episode.exit_reason, episode.housed_in = leaves, reason, housed_in
        plan.status = codes.HouseholdStatus.LEFT
        plan.acts.append(
            Act(
                leaves,
                "referent",
                [(EventKind.LIST_LEFT, leaves, {"reason": reason, "housed_in": housed_in, "episode": number}, "")],
            )
        )
        return leaves

    # resources and needs ---------------------------------------------------------------------------

    def _resources_and_needs(self, rng, plan: Plan) -> None:
        first = plan.received_on
        table = RESOURCES["street"] if plan.family == "street" else RESOURCES["default"]
        recorded = min(self.today, first + timedelta(days=rng.randint(0, 20)))
        actor = "referent" if plan.has_referent else "referral:0"
        for index, person in enumerate(plan.persons):
            if person.role == "child" or person.added_on:
                continue
            kind = _pick(rng, table)
            if kind == "none":
                plan.resources.append((index, "none", Decimal("0"), None, None))
                plan.acts.append(Act(recorded, actor, [(EventKind.RESOURCE_RECORDED, recorded, {"kind": "none"}, "")]))
                continue
            low, high = AMOUNTS[kind]
            requested = first + timedelta(days=rng.randint(-400, 40))
            opened = requested + timedelta(days=round(rng.gammavariate(2.0, 25)))
            if opened > self.today:
                opened = None
            amount = Decimal(rng.randint(low * 100, high * 100)) / 100
            plan.resources.append((index, kind, amount, requested, opened))
            day = max(recorded, opened) if opened and opened > recorded else recorded
            plan.acts.append(Act(day, actor, [(EventKind.RESOURCE_RECORDED, opened or day, {"kind": kind}, "")]))
        if any(p.role == "child" for p in plan.persons):
            amount = Decimal(rng.randint(AMOUNTS["family"][0] * 100, AMOUNTS["family"][1] * 100)) / 100
            opened = first - timedelta(days=rng.randint(30, 900))
            plan.resources.append((None, "family", amount, opened - timedelta(days=30), opened))
            plan.acts.append(Act(recorded, actor, [(EventKind.RESOURCE_RECORDED, opened, {"kind": "family"}, "")]))
        weights = dict(NEED_WEIGHTS)
        if not any(p.role == "child" for p in plan.persons):
            weights.pop("parenting")
        needs = set(rng.choices(tuple(weights), weights=tuple(weights.values()), k=rng.choice((0, 1, 2, 2, 3, 4))))
        last = min(self.today, plan.episodes[-1].left_on or self.today)
        for kind in sorted(needs):
            identified = recorded
            plan.acts.append(
                Act(
                    identified,
                    actor,
                    [
                        (
                            EventKind.NEED_RECORDED,
                            identified,
                            {"kind": kind, "status": "identified"},
                            codes.NEED_SENSITIVE.get(kind, ""),
                        )
                    ],
                )
            )
            status, updated = "identified", identified
            span = (last - identified).days
            if span > 30 and rng.random() < 0.7:
                status = "met" if rng.random() < 0.45 else "in_progress"
                updated = identified + timedelta(days=rng.randint(15, span))
                plan.acts.append(
                    Act(
                        updated,
                        "referent" if plan.has_referent else actor,
                        [
                            (
                                EventKind.NEED_RECORDED,
                                updated,
                                {"kind": kind, "status": status},
                                codes.NEED_SENSITIVE.get(kind, ""),
                            )
                        ],
                    )
                )
            plan.needs[kind] = (status, updated)

    def _finish(self, rng, plan: Plan) -> None:
        plan.fields["current_ethos"] = KINDS[plan.situations[-1][0]].ethos
        if plan.fields.get("sne_active") and plan.status not in codes.ACTIVE_STATUSES:
            plan.fields["sne_active"] = plan.status == codes.HouseholdStatus.LEFT and rng.random() < 0.2


def sittings_of(today: date) -> list[date]:
    """Monthly sittings of the complex-case commission (second Thursday) over the history, and the next one."""
    days, month = [], date(today.year - 3, today.month, 1)
    while not days or days[-1] <= today:
        days.append(month + timedelta(days=(3 - month.weekday()) % 7 + 7))
        month = (month + timedelta(days=32)).replace(day=1)
    return days


# --- writing ---------------------------------------------------------------------------------------


class Table:
    """Fast inserts of plain tuples, RETURNING the ids when asked.

    Django's bulk_create compiles every value of every row in Python; at 100 000 households (millions
    of rows) that alone takes many minutes. Here values are adapted only for the types that need it;
    PostgreSQL gets COPY (no ids needed) or a pipelined executemany (ids in the order of the rows),
    SQLite multi-row INSERTs.
    """

    BATCH_PARAMETERS = 30000  # below SQLite's limit on parameters per statement

    def __init__(self, model, names: tuple[str, ...]):
        fields = [model._meta.get_field(name) for name in names]
        quote = connection.ops.quote_name
        self.table = quote(model._meta.db_table)
        self.columns = ", ".join(quote(f.column) for f in fields)
        self.row = "(" + ", ".join(["%s"] * len(fields)) + ")"
        self.pk = quote(model._meta.pk.column)
        types = [f.get_internal_type() for f in fields]
        self.json = [i for i, kind in enumerate(types) if kind == "JSONField"]
        self.datetimes = [i for i, kind in enumerate(types) if kind == "DateTimeField"]
        self.batch = max(1, self.BATCH_PARAMETERS // len(fields))

    def adapt(self, rows: list, db) -> list:
        """JSON as the driver wants it; aware datetimes as naive UTC text on SQLite (dates, decimals: as is)."""
        postgresql = db.vendor == "postgresql"
        to_json = Jsonb if postgresql else json.dumps
        adapted = []
        for row in rows:
            row = list(row)
            for i in self.json:
                row[i] = to_json(row[i])
            if not postgresql:
                for i in self.datetimes:
                    if row[i] is not None:
                        row[i] = db.ops.adapt_datetimefield_value(row[i])
            adapted.append(row)
        return adapted

    def insert(self, rows: list, returning: bool = False) -> list[int]:
        if not rows:
            return []
        db = connections[DEFAULT_DB_ALIAS]
        rows = self.adapt(rows, db)
        # Names come from the models' metadata; values are always parameters.
        sql = f"INSERT INTO {self.table} ({self.columns}) VALUES "  # noqa: S608
        with db.cursor() as cursor:
            if db.vendor == "postgresql":
                raw = cursor.cursor
                if not returning:
                    with raw.copy(f"COPY {self.table} ({self.columns}) FROM STDIN") as copy:
                        for row in rows:
                            copy.write_row(row)
                    return []
                raw.executemany(f"{sql}{self.row} RETURNING {self.pk}", rows, returning=True)
                ids = [raw.fetchone()[0]]
                while raw.nextset():
                    ids.append(raw.fetchone()[0])
                return ids
            ids = []
            for start in range(0, len(rows), self.batch):
                batch = rows[start : start + self.batch]
                statement = sql + ", ".join([self.row] * len(batch))
                params = [value for row in batch for value in row]
                if returning:
                    cursor.execute(f"{statement} RETURNING {self.pk}", params)
                    ids += [row[0] for row in cursor.fetchall()]  # in the order of VALUES
                else:
                    cursor.execute(statement, params)
            return ids


@cache
def _tables() -> dict[str, Table]:
    return {
        "household": Table(
            Household,
            (
                "territory",
                "reference",
                "status",
                "created_by_organisation",
                "referent_organisation",
                "referent",
                "accompanying_organisation",
                "current_ethos",
                "entered_list_on",
                "last_contact_on",
                "next_review_on",
                "priority_publics",
                "sne_number",
                "sne_filed_on",
                "sne_renewed_on",
                "sne_active",
                "dalo_recognised",
                "dalo_on",
                "accepted_communes",
                "refused_communes",
                "wished_home_types",
                "has_pets",
                "needs_ground_floor",
                "needs_accessible",
                "wants_to_live_alone",
                "consent_given",
                "consent_on",
                "consent_recorded_by",
                "consent_kinds",
                "protected",
                "whereabouts",
                "notes",
                "rights_blocks",
                "version",
                "created_at",
                "updated_at",
            ),
        ),
        "episode": Table(
            Episode,
            ("household", "number", "opened_on", "entered_list_on", "left_on", "exit_reason", "housed_in", "previous"),
        ),
        "person": Table(
            Person,
            (
                "household",
                "last_name",
                "first_name",
                "aliases",
                "birth_date",
                "birth_date_precision",
                "sex",
                "role",
                "administrative_status",
                "is_head",
                "name_key",
                "rights_restricted",
                "rights_opposed",
                "rights_reason",
                "created_at",
            ),
        ),
        "resource": Table(Resource, ("household", "person", "kind", "monthly_amount", "requested_on", "opened_on")),
        "need": Table(Need, ("household", "kind", "status", "updated_on")),
        "situation": Table(
            LivingSituation,
            ("household", "kind", "ethos", "started_on", "ended_on", "detail", "recorded_by", "recorded_at"),
        ),
        "referral": Table(
            Referral,
            (
                "territory",
                "household",
                "referring_organisation",
                "referrer_kind",
                "received_on",
                "summary",
                "status",
                "created_by",
                "created_at",
            ),
        ),
        "orientation": Table(
            Orientation,
            (
                "household",
                "referral",
                "decision",
                "measure",
                "housing_search",
                "accompanying_organisation",
                "reason",
                "comment",
                "decided_on",
                "decided_by",
                "delay_days",
                "created_at",
            ),
        ),
        "case": Table(CommissionCase, ("commission", "household", "order", "presented_by", "question", "conclusion")),
        "commitment": Table(Commitment, ("case", "organisation", "owner", "action", "due_on", "status", "done_on")),
        "event": Table(
            HouseholdEvent,
            (
                "territory",
                "household",
                "episode",
                "kind",
                "occurred_on",
                "recorded_at",
                "user",
                "organisation",
                "payload",
                "sensitive",
            ),
        ),
        "viewer": Table(Household.protected_viewers.through, ("household", "user")),
    }


@dataclass
class Staff:
    """The territory's organisations and who may write for each (resolved from the plan's draws)."""

    organisations: dict  # key → Organisation
    writers: dict  # organisation id → [user id]
    coordinators: list
    referents: list

    def writer(self, organisation_id: int, draw: int) -> int | None:
        users = self.writers.get(organisation_id)
        return users[draw % len(users)] if users else None


def _staff(ctx, spec) -> Staff:
    organisations = {o.key: ctx.result.organisations[o.key] for o in spec.organisations}
    writers = defaultdict(list)
    memberships = (
        Membership.objects.filter(organisation__in=organisations.values(), role__in=WRITER_ROLES)
        .order_by("user_id")
        .values_list("organisation_id", "user_id", "role")
    )
    coordinators, referents = [], []
    partners = PARTNERS[spec.key]
    for organisation_id, user_id, role in memberships:
        writers[organisation_id].append(user_id)
        if role == Role.COORDINATOR and organisation_id == organisations[partners.platform].pk:
            coordinators.append(user_id)
        if role == Role.REFERENT and organisation_id == organisations[partners.siao].pk:
            referents.append(user_id)
    return Staff(organisations, dict(writers), coordinators, referents)


class Writer:
    """Turns plans into rows, one chunk of households at a time."""

    def __init__(self, territory, partners: Partners, staff: Staff, sittings: list, counts: Counter, now):
        self.territory = territory
        self.partners = partners
        self.staff = staff
        self.sittings = sittings
        self.counts = counts
        self.org = {key: organisation.pk for key, organisation in staff.organisations.items()}
        self.siao = self.org[partners.siao]
        self.platform = self.org[partners.platform]
        self.agenda = Counter()  # cases already on each sitting's agenda
        self.tz = timezone.get_default_timezone()
        self.now = now
        self.tables = _tables()

    def at(self, day: date, minutes: int = 0) -> datetime:
        """When an act of `day` was typed: from 8:30 in the morning, never after the build itself."""
        return min(datetime.combine(day, time(8, 30), tzinfo=self.tz) + timedelta(minutes=minutes), self.now)

    def author(self, plan: Plan, actor: str, referent: int | None) -> tuple[int | None, int]:
        """(user id, organisation id) of who performed an act."""
        if actor.startswith("referral:"):
            referral = plan.referrals[int(actor.split(":")[1])]
            organisation = self.org[referral.organisation]
            return self.staff.writer(organisation, referral.writer), organisation
        if actor == "coordinator":
            users = self.staff.coordinators
            return (users[plan.coordinator_draw % len(users)] if users else None), self.platform
        if actor == "worker" and plan.fields.get("accompanying"):
            organisation = self.org[plan.fields["accompanying"]]
            return self.staff.writer(organisation, plan.worker_draw), organisation
        return referent, self.siao

    def household_row(self, plan: Plan, reference: str, referent: int | None) -> tuple:
        f = plan.fields
        first = plan.referrals[0]
        consent_by = self.staff.writer(self.org[first.organisation], first.writer) if f["consent_given"] else None
        # One version per service call that touched the file (touch()); commission calls do not touch it.
        untouched = (EventKind.HOUSEHOLD_CREATED, EventKind.COMMISSION_PRESENTED)
        untouched += (EventKind.COMMITMENT_MADE, EventKind.COMMITMENT_CLOSED)
        version = 1 + sum(1 for act in plan.acts if act.events[0][0] not in untouched)
        return (
            self.territory.pk,
            reference,
            plan.status,
            self.org[first.organisation],
            self.siao if plan.has_referent else None,
            referent if plan.has_referent else None,
            self.org[f["accompanying"]] if f.get("accompanying") else None,
            f["current_ethos"],
            f.get("entered_list_on"),
            f.get("last_contact_on"),
            f.get("next_review_on"),
            f["priority_publics"],
            f.get("sne_number", ""),
            f.get("sne_filed_on"),
            f.get("sne_renewed_on"),
            f.get("sne_active", False),
            f.get("dalo_recognised", False),
            f.get("dalo_on"),
            f.get("accepted_communes", []),
            f.get("refused_communes", []),
            f.get("wished_home_types", []),
            f.get("has_pets", False),
            f.get("needs_ground_floor", False),
            f.get("needs_accessible", False),
            f.get("wants_to_live_alone"),
            f["consent_given"],
            f["consent_on"],
            consent_by,
            f["consent_kinds"],
            self.protected(plan),
            f.get("whereabouts", ""),
            f.get("notes", ""),
            [],  # rights_blocks: no demo person has asked for a restriction or objected
            version,
            self.at(plan.received_on),
            self.at(plan.acts[-1].day, 9 * 60),
        )

    def protected(self, plan: Plan) -> bool:
        return bool(plan.fields["protected"] and plan.has_referent)

    def write(self, chunk: list[tuple[Plan, str, int | None]]) -> None:
        """`chunk`: (plan, reference, referent user id) of up to CHUNK households."""
        t = self.tables
        ids = t["household"].insert([self.household_row(p, ref, referent) for p, ref, referent in chunk], True)

        # Episodes level by level, so that a return points at the episode it follows.
        episodes: dict[tuple[int, int], int] = {}
        for level in range(max(len(plan.episodes) for plan, _, _ in chunk)):
            keys, rows = [], []
            for position, (plan, _, _) in enumerate(chunk):
                if level < len(plan.episodes):
                    e = plan.episodes[level]
                    previous = episodes.get((position, e.number - 1))
                    rows.append(
                        (
                            ids[position],
                            e.number,
                            e.opened_on,
                            e.entered_list_on,
                            e.left_on,
                            e.exit_reason,
                            e.housed_in,
                            previous,
                        )
                    )
                    keys.append((position, e.number))
            episodes.update(zip(keys, t["episode"].insert(rows, True), strict=True))
        latest = Episode.objects.filter(household=OuterRef("pk")).order_by("-number").values("pk")[:1]
        Household.objects.filter(pk__in=ids).update(current_episode=Subquery(latest))

        persons, referrals, cases = [], [], []
        for position, (plan, _, _) in enumerate(chunk):
            for p in plan.persons:
                persons.append(
                    (
                        ids[position],
                        p.last_name,
                        p.first_name,
                        p.aliases,
                        p.birth_date,
                        p.precision,
                        p.sex,
                        p.role,
                        p.administrative_status,
                        p.is_head,
                        name_key(p.last_name, p.first_name),
                        False,
                        False,
                        "",
                        self.at(p.added_on or plan.received_on, 1),
                    )
                )
            for r in plan.referrals:
                organisation = self.org[r.organisation]
                writer = self.staff.writer(organisation, r.writer)
                referrals.append(
                    (
                        self.territory.pk,
                        ids[position],
                        organisation,
                        r.kind,
                        r.received_on,
                        r.summary,
                        r.status,
                        writer,
                        self.at(r.received_on),
                    )
                )
            for c in plan.cases:
                commission = self.sittings[c.sitting].pk
                self.agenda[commission] += 1
                cases.append(
                    (
                        commission,
                        ids[position],
                        self.agenda[commission],
                        self.org[c.presented_by],
                        c.question,
                        c.conclusion,
                    )
                )
        person_ids = iter(t["person"].insert(persons, True))
        referral_ids = iter(t["referral"].insert(referrals, True))
        case_ids = iter(t["case"].insert(cases, True))

        resources, situations, needs, orientations, commitments = [], [], [], [], []
        per_household = []
        for position, (plan, _, referent) in enumerate(chunk):
            household = ids[position]
            own_persons = [next(person_ids) for _ in plan.persons]
            own_referrals = [next(referral_ids) for _ in plan.referrals]
            own_cases = [next(case_ids) for _ in plan.cases]
            for person, kind, amount, requested, opened in plan.resources:
                person_id = own_persons[person] if person is not None else None
                resources.append((household, person_id, kind, amount, requested, opened))
            for kind, started, ended, detail, recorded in plan.situations:
                situations.append(
                    (household, kind, KINDS[kind].ethos, started, ended, detail, referent, self.at(recorded, 2))
                )
            for kind, (status, updated) in plan.needs.items():
                needs.append((household, kind, status, updated))
            coordinator, _ = self.author(plan, "coordinator", referent)
            for o in plan.orientations:
                orientations.append(
                    (
                        household,
                        own_referrals[o.referral] if o.referral is not None else None,
                        o.decision,
                        o.measure,
                        o.housing_search,
                        self.org[o.accompanying] if o.accompanying else None,
                        o.reason,
                        o.comment,
                        o.decided_on,
                        coordinator,
                        o.delay_days,
                        self.at(o.decided_on, 60),
                    )
                )
            for case_plan, case in zip(plan.cases, own_cases, strict=True):
                for key, draw, action, due, status, done_on in case_plan.commitments:
                    organisation = self.org[key]
                    owner = self.staff.writer(organisation, draw)
                    commitments.append((case, organisation, owner, action, due, status, done_on))
            per_household.append(own_referrals)
        t["resource"].insert(resources)
        t["situation"].insert(situations)
        t["need"].insert(needs)
        orientation_ids = iter(t["orientation"].insert(orientations, True))
        commitment_ids = iter(t["commitment"].insert(commitments, True))

        events, viewers = [], []
        for position, (plan, _, referent) in enumerate(chunk):
            household = ids[position]
            tables = {
                "referral": per_household[position],
                "orientation": [next(orientation_ids) for _ in plan.orientations],
                "commitment": [next(commitment_ids) for c in plan.cases for _ in c.commitments],
            }
            minute, last_day = 0, None
            for act in plan.acts:
                user, organisation = self.author(plan, act.actor, referent)
                minute = minute + 7 if act.day == last_day else 0
                last_day = act.day
                # The episode current when the service ran: the last one opened on or before that day.
                number = max(e.number for e in plan.episodes if e.opened_on <= act.day)
                episode = episodes[(position, number)]
                for kind, occurred_on, payload, sensitive in act.events:
                    payload = {k: self.resolve(v, tables) for k, v in payload.items()}
                    at = self.at(act.day, minute)
                    events.append(
                        (
                            self.territory.pk,
                            household,
                            episode,
                            kind,
                            occurred_on,
                            at,
                            user,
                            organisation,
                            payload,
                            sensitive,
                        )
                    )
                    minute += 1
            if self.protected(plan):
                named = {referent, self.author(plan, "coordinator", referent)[0]} - {None}
                viewers += [(household, user) for user in sorted(named)]
        t["event"].insert(events)
        t["viewer"].insert(viewers)

        self.counts["ménages"] += len(ids)
        self.counts["personnes"] += len(persons)
        self.counts["saisines"] += len(referrals)
        self.counts["événements de parcours"] += len(events)

    def resolve(self, value, tables):
        if not isinstance(value, Ref):
            return value
        if value.table == "sitting":
            return self.sittings[value.key].pk
        if value.table == "organisation":
            return self.org[value.key]
        return tables[value.table][value.key]


def _sittings(rng, territory, staff: Staff, partners: Partners, days: list[date], today: date) -> list[Commission]:
    coordinator = staff.coordinators[0] if staff.coordinators else None
    rows = [
        Commission(territory=territory, held_on=day, place=partners.place, held=day <= today, created_by_id=coordinator)
        for day in days
    ]
    Commission.objects.bulk_create(rows)
    through = Commission.attendees.through
    attendees = []
    for commission in rows:
        present = [k for k in partners.attendees if k in (partners.platform, partners.siao) or rng.random() < 0.85]
        attendees += [through(commission_id=commission.pk, organisation_id=staff.organisations[k].pk) for k in present]
    through.objects.bulk_create(attendees)
    return rows


class Referents:
    """Shares the followed households among the SIAO's referents: the documented one gets ~100 active ones.

    Who is still followed is known only once a plan is drawn. Up to SAMPLE households (scale 1), every
    plan is drawn beforehand and the documented referent gets exactly DOCUMENTED_CASELOAD of the
    active ones; beyond, the share is estimated on the first SAMPLE plans (±10 % at 100 000).
    """

    SAMPLE = 2500

    def __init__(self, rng, staff: Staff, documented: int | None, planner: "Planner", seeds: list[int]):
        self.rng = rng
        self.documented = documented if documented in staff.referents else None
        self.others = [u for u in staff.referents if u != self.documented] or staff.referents
        sample = [planner.plan(seed) for seed in seeds[: self.SAMPLE]]
        active = [i for i, plan in enumerate(sample) if plan.has_referent and plan.active]
        expected = len(active) * len(seeds) / max(1, len(sample))
        self.share = min(0.4, DOCUMENTED_CASELOAD / expected) if expected else 0.0
        self.chosen = None
        if len(sample) == len(seeds):
            self.chosen = set(rng.sample(active, min(len(active), round(self.share * len(active)))))

    def draw(self, index: int, plan: Plan) -> int | None:
        """The referent of household `index` (in the order of the seeds); two draws each, whatever the answer."""
        documented, other = self.rng.random() < self.share, self.rng.choice(self.others) if self.others else None
        if not plan.has_referent:
            return None
        if self.chosen is not None and plan.active:
            documented = index in self.chosen
        return self.documented if documented and self.documented else other


def build_households(ctx) -> None:
    today = ctx.today
    days = sittings_of(today)
    counts = Counter()
    documented = dict(
        Membership.objects.filter(
            user__email__in=[a.email for a in catalogue.DEMO_ACCOUNTS], role=Role.REFERENT
        ).values_list("organisation_id", "user_id")
    )
    for spec in catalogue.TERRITORIES:
        rng = ctx.rng(f"households:{spec.key}")
        territory = ctx.result.territories[spec.key]
        staff = _staff(ctx, spec)
        partners = PARTNERS[spec.key]
        planner = Planner(spec.key, today, days)
        count = ctx.scaled(BASE_HOUSEHOLDS[spec.key])
        seeds = [rng.getrandbits(64) for _ in range(count)]
        # Written in the order the files were opened: references "AAAA-000123" numbered per year.
        first_days = [planner.first_day(random.Random(seed)) for seed in seeds]
        order = sorted(range(count), key=lambda i: (first_days[i], i))
        referents = Referents(rng, staff, documented.get(staff.organisations[partners.siao].pk), planner, seeds)
        sittings = _sittings(rng, territory, staff, partners, days, today)
        writer = Writer(territory, partners, staff, sittings, counts, ctx.now)
        numbers = Counter()
        for start in range(0, count, CHUNK):
            chunk = []
            for i in order[start : start + CHUNK]:
                plan = planner.plan(seeds[i])
                year = plan.received_on.year
                numbers[year] += 1
                chunk.append((plan, f"{year}-{numbers[year]:06d}", referents.draw(i, plan)))
            writer.write(chunk)
        counts["commissions"] += len(sittings)
    ctx.result.counts.update(counts)


def reset_households(territory_ids: list[int]) -> None:
    """Deletes the households of the given territories and all that hangs on them.

    Raw deletes, in dependency order: the ORM's delete would fetch and audit each of the hundreds of
    thousands of rows one by one, and events refuse the ORM's delete (append-only by design).
    """
    in_territory = Household.objects.filter(territory_id__in=territory_ids).values("pk")
    commissions = Commission.objects.filter(territory_id__in=territory_ids).values("pk")
    steps = [
        Commitment.objects.filter(case__commission__in=commissions),
        CommissionCase.objects.filter(commission__in=commissions),
        Commission.attendees.through.objects.filter(commission__in=commissions),
        HouseholdEvent.objects.filter(territory_id__in=territory_ids),
        Orientation.objects.filter(household__in=in_territory),
        Referral.objects.filter(household__in=in_territory),
        Resource.objects.filter(household__in=in_territory),
        Need.objects.filter(household__in=in_territory),
        LivingSituation.objects.filter(household__in=in_territory),
        Household.protected_viewers.through.objects.filter(household__in=in_territory),
        MergeRecord.objects.filter(territory_id__in=territory_ids),
    ]
    for qs in steps:
        qs._raw_delete(qs.db)
    Commission.objects.filter(pk__in=commissions)._raw_delete(Commission.objects.db)
    Household.objects.filter(territory_id__in=territory_ids).update(current_episode=None, merged_into=None)
    Person.objects.filter(household__in=in_territory).update(merged_into=None)
    for model in (Person, Episode):
        qs = model.objects.filter(household__in=in_territory)
        if model is Episode:
            qs.update(previous=None)
        qs._raw_delete(qs.db)
    Household.objects.filter(territory_id__in=territory_ids)._raw_delete(connection.alias)
