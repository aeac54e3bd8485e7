"""Demo accompaniment measures (issue 4): measures of every type, at every stage, in both territories.

Like the households step, each measure is first *planned* as plain values — the service calls that
would have produced it (`lda/measures/services.py`: orient, record_contract, send, activate,
record_entry, record_review, request_renewal, decide_renewal, end, abandon…), each with its date —
then written in bulk, with the rows and log entries those services write (the measure's version
counts its saves). The dates obey the rule engine (`rules.py`): every renewal passes `check_renewal`
when it is requested and again when it is granted, with the approvals the type names; the stored
planned end and next review are `rules.end_on` / `rules.next_review` of the measure's facts (what
`services._save` stores and the daily job keeps up to date); the alerts are those the services and
the daily job would have raised, the ones due today open — the step ends by running the daily job
(`alert_job.raise_due`), which finds nothing to raise or close.

Where the measures come from: a share of the households step's orientations that name a type the
territory runs (VIAL, FNAVDL, ASELL, Un chez-soi d'abord) with their accompanying association, plus
measures of the types the households step does not name: ENVAUL (a person aged 18–25 in the
household), the eviction-prevention mobile team (households threatened with eviction) and
employment coaching (households recently housed). A measure follows its household's pathway: it is
activated shortly before (VIAL: at most 3 months, a few exceed it) or after the entry into a home,
abandoned or ended when the household leaves the list without a home (non-adhesion, rupture, moved,
deceased). A few measures of the main territory are placed to show each rule at work (`scenarios`):
a derogation granted by the coordinator and the chef SLISL, one waiting for the chef SLISL, an
ordinary renewal waiting for the coordinator, pre-housing periods exceeded.

Calibration (spec 2, seed 003), checked by `tests/demo/test_demo_measures.py`:
- main territory: about 300 measures at scale 1 (about half active), VIAL the most frequent; the
  second territory about a dozen;
- VIAL: 12 months, renewals by 6 up to 24, one derogation to 30 (coordinator and chef SLISL);
  reviews at 3 (informal, sometimes never recorded), 6 and 12 months, each agreeing the next
  period's intensity (mostly 3 meetings and 1 home visit a week); the team meets most households 2–4
  times a week with a home visit, some weeks below (absence, hospital stay, holidays); face-to-face
  meetings last 30–120 minutes, phone calls 10–30;
- health partners mobilised for most VIAL households; outcomes at reviews and ends at plausible
  rates (housed, sublease, training, employment by contract type, health and mental-health
  follow-ups, budget goals, collective actions); Un chez-soi d'abord: few ruptures (85 % stay housed).
"""

import bisect
import itertools
import random
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import Q
from django.utils import timezone

from lda.accounts.models import Membership, User
from lda.accounts.roles import Role
from lda.demo import catalogue
from lda.demo.households import Table
from lda.demo.names import person_name
from lda.households.models import Episode, EventKind, Household, HouseholdEvent, LivingSituation, Orientation, Person
from lda.measures import alerts as measure_alerts
from lda.measures import catalogue as measure_catalogue
from lda.measures import codes, rules, statements
from lda.measures.codes import RUPTURE_REASONS
from lda.measures.models import (
    Alert,
    FundingAgreement,
    Measure,
    MeasureDocument,
    MeasureEvent,
    MeasureEventKind,
    MeasureType,
    MeasureTypeVersion,
    Meeting,
    MonthlyStatement,
    Outcome,
    PartnerMobilisation,
    RenewalApproval,
    RenewalRequest,
    Review,
    StaffMember,
)

__all__ = ["MEASURE_EVENT_KEYS", "build_measures", "reset_measures"]

S = codes.MeasureStatus
R = codes.EndReason
P = codes.Profession
MK = codes.MeetingKind

# Payload keys of the household events the measure services emit (activate, end, abandon).
MEASURE_EVENT_KEYS = {EventKind.MEASURE_ACTIVATED: {"measure"}, EventKind.MEASURE_ENDED: {"measure", "reason"}}

# --- what each territory runs --------------------------------------------------------------------

# Orientations of the households step naming these codes become measures, each with this chance
# (the main territory's 2 000 households carry about 840 such orientations over three years).
KEEP = {
    catalogue.MAIN.key: {"vial": 0.65, "fnavdl": 0.32, "asell": 0.3, "chez_soi": 0.32},
    catalogue.AGGLO.key: {"vial": 1.0, "fnavdl": 1.0, "asell": 1.0, "chez_soi": 1.0},
}
# Households that left the list without a home: their orientations become measures less often
# (many would have been given up before any contract).
LEFT_FACTOR = 0.5
# Un chez-soi d'abord keeps its tenants (spec 02: 85 % stay housed): at most this share of its
# activated measures ends in a rupture, whatever the reference date. The ceiling is kept as the
# measures are drawn (a rupture that would pass it is not drawn), so a small sample cannot exceed it.
RUPTURE_CEILING = {"chez_soi": 0.12}
# A household still waiting for a home, oriented more than OLD_DAYS ago: a measure started long
# ago and still waiting (pre-housing period exceeded) — only a few of them.
OLD_DAYS = 150
OLD_KEEP = 0.06
OLD_LIMIT_DAYS = 330
HISTORY_MONTHS = 31  # orientations older than this are not turned into measures

# Measures of the types the households step never names, at scale 1: (count, operators by weight).
TOP_UPS = {
    catalogue.MAIN.key: {
        "envaul": (18, (("passerelles", 60), ("horizon_logement", 40))),
        "prevention_mobile": (16, (("habitat_accompagnement", 50), ("ccas", 50))),
        "coaching_ips": (14, (("horizon_logement", 100),)),
    },
    catalogue.AGGLO.key: {
        "envaul": (1, (("agglo_association", 1),)),
        "prevention_mobile": (1, (("agglo_association", 1),)),
        "coaching_ips": (1, (("agglo_association", 1),)),
    },
}

# The operators' teams (people at scale 1); an operator not listed gets DEFAULT_TEAM.
TEAMS = {
    "habitat_accompagnement": 12,
    "horizon_logement": 10,
    "passerelles": 8,
    "ccas": 6,
    "aivs": 5,
    "agglo_association": 7,
}
DEFAULT_TEAM = 6
CORE = (P.MANAGER, P.PSYCHOLOGIST, P.PSYCHIATRIC_NURSE, P.PEER_WORKER, P.HOUSING_ADVISER)
REFERENT_PROFESSIONS = frozenset({P.SOCIAL_WORKER, P.EDUCATOR, P.HOUSING_ADVISER})
COACHING_OPERATORS = frozenset({"horizon_logement", "agglo_association"})
DOCUMENTED_OPERATOR = "operateur@demo.lda.fr"
DOCUMENTED_COORDINATOR = "coordination@demo.lda.fr"
CHEF_SLISL = "slisl@demo.lda.fr"
DOCUMENTED_CASELOAD = 18  # active measures of the documented social worker


@dataclass(frozen=True)
class Profile:
    """How measures of one type run in the demo (durations, intensity, partners, results)."""

    lengths: dict  # planned length in months → weight (reached by renewals as the rules allow)
    early: dict  # end reason → chance of ending before the planned length
    # Activation relative to the entry into the home: days before (low, high); share starting
    # after the entry instead; share starting too early (the pre-housing period exceeded).
    lead: tuple = (5, 85)
    after_entry: float = 0.15
    exceeded: float = 0.0
    sliding_lease: float = 0.0
    intensity: dict = field(default_factory=dict)  # (meetings, home visits) a week → weight
    phone: dict = field(default_factory=lambda: {0: 50, 1: 40, 2: 10})
    partners: dict = field(default_factory=dict)  # partner kind → chance
    outcomes: dict = field(default_factory=dict)  # outcome kind → chance over the measure
    collective: float = 0.1  # chance the household joins collective actions


HEALTH_VIAL = {
    "cmp": 0.45,
    "csapa": 0.3,
    "caarud": 0.15,
    "empp": 0.2,
    "gp": 0.55,
    "pass": 0.08,
    "psychiatry": 0.12,
    "samsah": 0.06,
    "savs": 0.06,
    "ssiad": 0.04,
    "hospital": 0.1,
}
PROFILES = {
    "vial": Profile(
        lengths={12: 40, 18: 33, 24: 27},
        early={R.RUPTURE: 0.07, R.NON_ADHESION: 0.05, R.MOVED: 0.015, R.DECEASED: 0.012},
        exceeded=0.04,
        sliding_lease=0.45,
        intensity={(3, 1): 55, (2, 1): 18, (4, 1): 15, (4, 2): 8, (3, 2): 4},
        phone={0: 25, 1: 40, 2: 25, 3: 10},
        partners={
            **HEALTH_VIAL,
            "landlord": 0.55,
            "fsl": 0.3,
            "iml_agency": 0.1,
            "caf": 0.45,
            "cpam": 0.35,
            "ccas": 0.2,
            "domiciliation": 0.15,
            "france_travail": 0.15,
            "siae": 0.06,
            "legal": 0.05,
        },
        outcomes={"health": 0.5, "mental_health": 0.4, "budget": 0.3, "training": 0.07, "employment": 0.1},
        collective=0.3,
    ),
    "fnavdl": Profile(
        lengths={6: 45, 12: 40, 18: 15},
        early={R.RUPTURE: 0.07, R.NON_ADHESION: 0.05, R.MOVED: 0.03, R.DECEASED: 0.005},
        exceeded=0.02,
        sliding_lease=0.2,
        intensity={(1, 0): 55, (1, 1): 30, (2, 1): 15},
        partners={
            "landlord": 0.7,
            "fsl": 0.4,
            "caf": 0.5,
            "cpam": 0.2,
            "ccas": 0.25,
            "adil": 0.1,
            "france_travail": 0.15,
            "gp": 0.2,
            "cmp": 0.08,
        },
        outcomes={"budget": 0.45, "health": 0.2, "mental_health": 0.1, "employment": 0.15, "training": 0.05},
        collective=0.08,
    ),
    "asell": Profile(
        lengths={6: 60, 12: 40},
        early={R.RUPTURE: 0.06, R.NON_ADHESION: 0.06, R.MOVED: 0.03},
        lead=(-60, 30),
        after_entry=0.0,
        sliding_lease=0.1,
        intensity={(1, 0): 60, (1, 1): 30, (2, 1): 10},
        partners={"landlord": 0.6, "fsl": 0.5, "caf": 0.5, "ccas": 0.3, "adil": 0.15, "cpam": 0.15, "gp": 0.15},
        outcomes={"budget": 0.5, "health": 0.15, "employment": 0.12},
        collective=0.05,
    ),
    "envaul": Profile(
        lengths={12: 60, 18: 40},
        early={R.RUPTURE: 0.12, R.NON_ADHESION: 0.05, R.MOVED: 0.04},
        exceeded=0.03,
        sliding_lease=0.9,
        intensity={(2, 1): 60, (3, 1): 30, (2, 2): 10},
        phone={0: 30, 1: 45, 2: 25},
        partners={
            "mission_locale": 0.8,
            "training": 0.3,
            "landlord": 0.5,
            "fsl": 0.3,
            "caf": 0.5,
            "cpam": 0.3,
            "gp": 0.3,
            "cmp": 0.1,
            "siae": 0.15,
        },
        outcomes={
            "budget": 0.4,
            "training": 0.35,
            "employment": 0.3,
            "health": 0.25,
            "mental_health": 0.15,
        },
        collective=0.3,
    ),
    "chez_soi": Profile(
        lengths={24: 25, 36: 40, 48: 35},
        early={R.RUPTURE: 0.12, R.DECEASED: 0.03, R.MOVED: 0.02},
        lead=(0, 20),
        after_entry=0.1,
        sliding_lease=0.6,
        intensity={(1, 1): 45, (2, 1): 40, (3, 2): 15},
        phone={0: 35, 1: 45, 2: 20},
        partners={
            "cmp": 0.5,
            "psychiatry": 0.35,
            "csapa": 0.35,
            "caarud": 0.2,
            "gp": 0.6,
            "samsah": 0.15,
            "hospital": 0.15,
            "landlord": 0.7,
            "caf": 0.4,
            "cpam": 0.4,
        },
        outcomes={"health": 0.6, "mental_health": 0.7, "budget": 0.25, "employment": 0.05},
        collective=0.35,
    ),
    "prevention_mobile": Profile(
        lengths={3: 65, 6: 35},
        early={R.NON_ADHESION: 0.1, R.MOVED: 0.04},
        intensity={(1, 1): 70, (2, 1): 30},
        partners={"landlord": 0.9, "fsl": 0.5, "caf": 0.6, "adil": 0.4, "legal": 0.35, "ccas": 0.3},
        outcomes={"budget": 0.55, "health": 0.1},
        collective=0.0,
    ),
    "coaching_ips": Profile(
        lengths={12: 55, 18: 45},
        early={R.RUPTURE: 0.15, R.MOVED: 0.03},
        intensity={(1, 0): 50, (2, 0): 25, (1, 1): 25},
        partners={
            "france_travail": 0.8,
            "siae": 0.35,
            "training": 0.35,
            "mission_locale": 0.1,
            "cmp": 0.15,
            "gp": 0.15,
        },
        outcomes={"employment": 0.5, "training": 0.35, "budget": 0.15},
        collective=0.15,
    ),
}
PRE_HOUSING_TYPES = frozenset({"vial", "fnavdl", "envaul"})
# Of the measures a waiting household would have had activated more than 75 days ago, those kept.
WAITING_KEEP = 0.15
# Informal reviews (VIAL at 3 months) that pass without being recorded.
INFORMAL_LET_GO = 0.12
# Measures given up before their activation although the household stayed (declined, moved, died).
ABANDON_SHARE = 0.04
ABANDON_WEIGHTS = {R.NON_ADHESION: 70, R.MOVED: 20, R.DECEASED: 10}
# A week's face-to-face meetings against the intensity agreed: one fewer, as agreed, one more.
DELTA_WEIGHTS = {-1: 12, 0: 64, 1: 24}
CONTRACT_TYPES = {"cddi": 30, "cdd": 25, "interim": 20, "cdi": 12, "apprenticeship": 8, "other": 5}
FOLLOW_ONS = {
    "departement": 35,
    "ccas": 15,
    "mental_health": 15,
    "asell": 10,
    "savs": 8,
    "avdl": 7,
    "mjpm": 5,
    "other": 5,
}
FOLLOW_ON_NAMES = {
    "departement": "Maison départementale de la solidarité du secteur (démo)",
    "ccas": "CCAS de la ville démo",
    "asell": "Accompagnement ASELL du FSL (démo)",
    "avdl": "Service AVDL de l'association (démo)",
    "mental_health": "CMP du secteur (démo)",
    "savs": "SAVS du secteur (démo)",
    "mjpm": "Service mandataire judiciaire à la protection des majeurs (démo)",
    "other": "Service d'accompagnement de proximité (démo)",
}
PARTNER_NAMES = {
    "caarud": "CAARUD du centre-ville (démo)",
    "csapa": "CSAPA du secteur (démo)",
    "ssiad": "SSIAD précarité (démo)",
    "pass": "PASS du centre hospitalier démo",
    "empp": "Équipe mobile psychiatrie-précarité (démo)",
    "cmp": "CMP du secteur (démo)",
    "hospital": "Centre hospitalier démo",
    "psychiatry": "Pôle de psychiatrie du centre hospitalier démo",
    "samsah": "SAMSAH (démo)",
    "savs": "SAVS (démo)",
    "iml_agency": "Agence immobilière sociale Solidarité Habitat (démo)",
    "fsl": "FSL du Département (démo)",
    "adil": "ADIL (démo)",
    "france_travail": "France Travail — agence de proximité (démo)",
    "mission_locale": "Mission locale (démo)",
    "siae": "Atelier et chantier d'insertion (démo)",
    "training": "Organisme de formation (démo)",
    "caf": "CAF (démo)",
    "cpam": "CPAM (démo)",
    "ccas": "CCAS de la ville démo",
    "legal": "Point-justice (démo)",
    "domiciliation": "Accueil de jour — domiciliation (démo)",
}
# Short, neutral, factual: never a name, never an identifier (services refuse NIR-like text).
OBSTACLES = (
    "Rendez-vous médicaux difficiles à tenir sans accompagnement physique.",
    "Dette locative ancienne : plan d'apurement en cours avec le bailleur.",
    "Ouverture des droits à l'allocation logement en attente de pièces.",
    "Isolement important ; la personne accepte de participer à un atelier collectif.",
    "Renouvellement du titre d'identité en cours, ce qui retarde les démarches.",
    "Gestion du budget encore fragile en fin de mois.",
    "Appropriation du logement progressive ; équipement à compléter.",
    "Suivi de soins engagé mais irrégulier.",
    "Relations de voisinage à apaiser ; médiation proposée avec le bailleur.",
    "Difficultés de mobilité pour se rendre aux rendez-vous extérieurs.",
    "Démarches d'insertion professionnelle reportées à la demande de la personne.",
    "Consommations en baisse ; le suivi en addictologie est maintenu.",
    "La personne souhaite espacer les visites à domicile ; rencontres à l'extérieur privilégiées.",
    "Entretien du logement à soutenir ; intervention d'une aide à domicile envisagée.",
)
CONTRACT_PDF = b"%PDF-1.4\n% Contrat d'accompagnement signe (demonstration)\n%%EOF\n"
CONTRACT_NAME = "contrat-accompagnement-signe.pdf"


class Weighted:
    """Keys with weights, drawn with one `random()` and a bisection (meetings draw tens of thousands)."""

    def __init__(self, weights: dict):
        self.keys = [k for k, w in weights.items() if w > 0]
        self.cum = list(itertools.accumulate(weights[k] for k in self.keys))

    def draw(self, rng: random.Random):
        return self.keys[bisect.bisect_right(self.cum, rng.random() * self.cum[-1])]


def _pick(rng: random.Random, weights: dict):
    return Weighted(weights).draw(rng)


DELTA = Weighted(DELTA_WEIGHTS)


def _days(rng: random.Random, low: int, high: int) -> timedelta:
    return timedelta(days=rng.randint(low, high))


# --- plans ---------------------------------------------------------------------------------------


@dataclass
class Candidate:
    household_id: int
    code: str
    operator: str  # organisation key
    oriented_on: date
    orientation_id: int | None = None
    created_by: int | None = None
    housed_on: date | None = None  # the household entered a home that day (its episode's exit)
    left_on: date | None = None  # …or left the list without a home that day
    left_reason: str = ""  # the measure's end reason it implies
    activated_on: date | None = None  # fixed by a scenario
    scenario: str = ""


@dataclass
class MemberPlan:
    pk: int
    profession: str
    user_id: int | None


@dataclass
class Team:
    organisation_id: int
    members: list
    writers: list  # user ids of the organisation's social workers (they type what the team does)
    load: Counter = field(default_factory=Counter)

    def referents(self, code: str) -> list:
        kinds = REFERENT_PROFESSIONS | ({P.JOB_COACH} if code == "coaching_ips" else set())
        if code == "coaching_ips" and any(m.profession == P.JOB_COACH for m in self.members):
            kinds = {P.JOB_COACH}
        return [m for m in self.members if m.profession in kinds]

    def writer(self, draw: int, member: MemberPlan | None = None) -> int | None:
        if member is not None and member.user_id:
            return member.user_id
        return self.writers[draw % len(self.writers)] if self.writers else None


@dataclass
class RenewalPlan:
    requested_on: date
    months: int
    derogation: bool
    status: str
    decided_on: date | None
    approvals: list  # (approver code, approved, user id, organisation id, day)


@dataclass
class ReviewPlan:
    month: int
    due_on: date
    held_on: date
    informal: bool
    meetings: int
    visits: int
    shared: bool
    obstacles: str
    outcomes: list = field(default_factory=list)  # (kind, contract type)


@dataclass
class MeasurePlan:
    candidate: Candidate
    version: MeasureTypeVersion
    status: str = S.ORIENTED
    signed_on: date | None = None
    sent_on: date | None = None
    activated_on: date | None = None
    entry_on: date | None = None
    ended_on: date | None = None
    end_reason: str = ""
    follow_on: str = ""
    follow_on_name: str = ""
    sliding_lease: bool = False
    renewals: list = field(default_factory=list)
    reviews: list = field(default_factory=list)
    end_outcomes: list = field(default_factory=list)
    referent: MemberPlan | None = None
    activated_by: int | None = None
    previous: int | None = None  # index of the measure this one starts again after
    collective: bool = False
    draw: int = 0
    pk: int | None = None

    @property
    def code(self) -> str:
        return self.candidate.code

    @property
    def type_rules(self) -> rules.TypeRules:
        return self.version.rules()

    def facts(self) -> rules.MeasureFacts:
        """What `services.facts_of` reads back from the rows written for this plan."""
        granted = sorted(
            (r for r in self.renewals if r.status == codes.RenewalStatus.APPROVED), key=lambda r: r.decided_on
        )
        return rules.MeasureFacts(
            activated_on=self.activated_on,
            housing_entry_on=self.entry_on,
            renewals=tuple(rules.Renewal(r.months, r.derogation) for r in granted),
            reviews_held=tuple(r.month for r in self.reviews),
            ended_on=self.ended_on,
        )

    def planned_end(self) -> date | None:
        return rules.end_on(self.type_rules, self.facts())

    def next_review(self, today: date) -> date | None:
        """What `services._save` stores and the daily job keeps up to date (informal reviews whose
        day has passed are not waited for)."""
        if self.status != S.ACTIVE:
            return None
        review = rules.next_review(self.type_rules, self.facts(), today)
        return review.due_on if review else None

    def last_day(self, today: date) -> date:
        return self.ended_on or today


class Planner:
    """Draws the measures of one territory from its households' pathways."""

    def __init__(self, rng, versions, people, today):
        self.rng = rng
        self.versions = versions  # code → MeasureTypeVersion
        self.people = people  # dict of user ids: coordinators, chef_slisl, platform, departement
        self.today = today
        self.activated = Counter()  # activated measures drawn so far, by type code
        self.broken = Counter()  # of which ended in a rupture (RUPTURE_REASONS)

    def _rupture_allowed(self, code: str) -> bool:
        ceiling = RUPTURE_CEILING.get(code)
        # Counted on at least ten measures: one rupture may come first, before the tenth activation.
        return ceiling is None or self.broken[code] + 1 <= ceiling * max(self.activated[code], 10)

    # timeline ----------------------------------------------------------------------------------

    def plan(self, c: Candidate, scenario_months: int | None = None) -> MeasurePlan | None:
        rng, today = self.rng, self.today
        version = self.versions[c.code]
        profile = PROFILES[c.code]
        plan = MeasurePlan(c, version, draw=rng.getrandbits(16))
        plan.sliding_lease = rng.random() < profile.sliding_lease
        o = c.oriented_on
        if c.activated_on is not None:
            a = c.activated_on
        elif c.housed_on is not None:
            h = c.housed_on
            draw = rng.random()
            if c.code in PRE_HOUSING_TYPES and draw < profile.exceeded:
                a = h - _days(rng, 95, 130)
            elif draw < profile.exceeded + profile.after_entry:
                a = h + _days(rng, 0, 25)
            else:
                a = h - _days(rng, *sorted(profile.lead))
            if a < o + timedelta(days=7):
                a = o + _days(rng, 7, 25)
        elif c.code in PRE_HOUSING_TYPES and c.left_on is None and (today - o).days > OLD_DAYS:
            a = o + _days(rng, 20, 60)
        else:
            a = o + _days(rng, 5, 30) + _days(rng, 1, 8) + _days(rng, 1, 10)
            # Still waiting for a home: the coordinator activates close to the entry, so a measure
            # activated long ago for a household still waiting is rare (the pre-housing period exceeded).
            waiting = c.left_on is None and c.code in PRE_HOUSING_TYPES
            if waiting and a < today - timedelta(days=75) and rng.random() >= WAITING_KEEP:
                return None
        sent = a - _days(rng, 0, 4)
        signed = sent - _days(rng, 1, 10)
        if signed < o:
            signed = o + timedelta(days=min((a - o).days, 1))
            sent = max(sent, signed)
        # Before activation: still on the way, or abandoned (the household left, declined…).
        if c.left_on is not None and c.left_on < a:
            if c.left_on < o:
                return None
            return self._abandon(plan, c.left_on, c.left_reason or R.NON_ADHESION, signed, sent)
        if not c.scenario and rng.random() < ABANDON_SHARE:
            on = o + _days(rng, 7, 45)
            if on < a and on <= today:
                return self._abandon(plan, on, _pick(rng, ABANDON_WEIGHTS), signed, sent)
        if signed > today:
            return plan
        plan.status, plan.signed_on = S.SIGNED, signed
        if sent > today:
            return plan
        plan.status, plan.sent_on = S.SENT, sent
        if c.housed_on and o <= c.housed_on <= today:
            plan.entry_on = c.housed_on
        if a > today:
            return plan
        plan.status, plan.activated_on = S.ACTIVE, a
        plan.activated_by = self._coordinator()
        self._run(plan, profile, scenario_months)
        return plan

    def _abandon(self, plan, on, reason, signed, sent):
        if reason not in codes.ABANDON_REASONS:
            reason = R.NON_ADHESION
        plan.status, plan.ended_on, plan.end_reason = S.ABANDONED, on, reason
        if signed <= on:
            plan.signed_on = signed
            if sent <= on:
                plan.sent_on = sent
        return plan

    def _coordinator(self) -> int | None:
        coordinators = self.people["coordinators"]
        if not coordinators:
            return None
        return coordinators[0] if self.rng.random() < 0.7 else self.rng.choice(coordinators)

    def _run(self, plan: MeasurePlan, profile: Profile, scenario_months: int | None):
        """From the activation: the natural end, renewals as the rules allow, reviews, the end."""
        rng, today, c = self.rng, self.today, plan.candidate
        type_rules = plan.type_rules
        a = plan.activated_on
        months = scenario_months or _pick(rng, profile.lengths)
        months = min(months, type_rules.max_months)
        stop = rules.add_months(a, months) - timedelta(days=1)
        reason = ""
        code = c.code
        self.activated[code] += 1
        if scenario_months is None:
            for early_reason, chance in profile.early.items():
                if rng.random() < chance:
                    if early_reason in RUPTURE_REASONS and not self._rupture_allowed(code):
                        break
                    span = max(31, (stop - a).days - 10)
                    stop, reason = a + _days(rng, 30, span), early_reason
                    break
            if c.left_on is not None and c.left_on <= stop:
                stop, reason = max(c.left_on, a), c.left_reason or R.RUPTURE
        derogation = scenario_months is not None and months > type_rules.standard_months + type_rules.renewal_cap_months
        self._renew(plan, stop, derogation)
        planned = plan.planned_end()
        if stop >= planned:
            stop, reason = planned, ""
        if plan.entry_on and plan.entry_on > stop:
            plan.entry_on = None
        if stop <= today:
            plan.status, plan.ended_on = S.ENDED, stop
            if reason:
                plan.end_reason = reason
                self.broken[code] += reason in RUPTURE_REASONS
            else:
                self._natural_end(plan)
            # Renewals asked after the end never existed; one pending at the end is refused by `end`.
            plan.renewals = [r for r in plan.renewals if r.requested_on <= stop]
        self._reviews(plan, profile, natural=not reason)

    def _natural_end(self, plan: MeasurePlan):
        rng = self.rng
        hand_over = rng.random() < 0.45
        plan.end_reason = R.HANDED_OVER if hand_over else R.GOALS_MET
        if hand_over or plan.version.hand_over_required or rng.random() < 0.5:
            plan.follow_on = _pick(rng, FOLLOW_ONS)
            plan.follow_on_name = FOLLOW_ON_NAMES[plan.follow_on] if rng.random() < 0.8 else ""

    def _renew(self, plan: MeasurePlan, stop: date, derogation: bool):
        """Renewals until the measure covers `stop`, each checked by the engine when asked and granted."""
        rng, today = self.rng, self.today
        type_rules = plan.type_rules
        while True:
            facts = plan.facts()
            planned = rules.end_on(type_rules, facts)
            if stop <= planned:
                return
            room = rules.renewal_room(type_rules, facts)
            if room.ordinary_months:
                months, by_derogation = min(type_rules.renewal_step_months, room.ordinary_months), False
            elif room.derogation_months and derogation:
                months, by_derogation = room.derogation_months, True
            else:
                return
            requested = max(plan.activated_on, planned - _days(rng, 12, 40))
            if requested > today:
                return
            approvers = rules.required_approvers(type_rules, by_derogation)
            if not all(self._approver(code) for code in approvers):
                return
            rules.check_renewal(type_rules, facts, months, by_derogation)
            renewal = RenewalPlan(requested, months, by_derogation, codes.RenewalStatus.REQUESTED, None, [])
            day = requested
            for code in approvers:
                day = min(day + _days(rng, 1, 7), planned, today)
                user, organisation = self._approver(code)
                renewal.approvals.append((code, True, user, organisation, day))
            given = {code: approved for code, approved, *_ in renewal.approvals}
            assert rules.renewal_decision(type_rules, by_derogation, given) == codes.RenewalStatus.APPROVED
            rules.check_renewal(type_rules, facts, months, by_derogation)  # again at the decision
            renewal.status, renewal.decided_on = codes.RenewalStatus.APPROVED, day
            plan.renewals.append(renewal)

    def _approver(self, code: str):
        if code == "coordinator":
            user = self._coordinator()
            return (user, self.people["platform"]) if user else None
        if code == "chef_slisl" and self.people.get("chef_slisl"):
            return self.people["chef_slisl"], self.people["departement"]
        return None

    def pending(self, plan: MeasurePlan, derogation: bool, requested_on: date, decided: tuple = ()):
        """A renewal request still waiting: `decided` approvers already agreed."""
        type_rules = plan.type_rules
        months = rules.renewal_room(type_rules, plan.facts())
        months = months.derogation_months if derogation else min(type_rules.renewal_step_months, months.ordinary_months)
        rules.check_renewal(type_rules, plan.facts(), months, derogation)
        renewal = RenewalPlan(requested_on, months, derogation, codes.RenewalStatus.REQUESTED, None, [])
        for i, code in enumerate(decided):
            user, organisation = self._approver(code)
            renewal.approvals.append(
                (code, True, user, organisation, min(requested_on + timedelta(days=2 + i), self.today))
            )
        given = {code: approved for code, approved, *_ in renewal.approvals}
        assert rules.renewal_decision(type_rules, derogation, given) == codes.RenewalStatus.REQUESTED
        plan.renewals.append(renewal)

    def _reviews(self, plan: MeasurePlan, profile: Profile, natural: bool):
        rng, today = self.rng, self.today
        type_rules = plan.type_rules
        schedule = rules.review_schedule(type_rules, plan.facts())
        last = plan.last_day(today)
        floor = plan.activated_on
        past_due = [r for r in schedule if r.due_on < today]
        skip_latest = plan.status == S.ACTIVE and rng.random() < 0.08
        for review in schedule:
            if plan.status == S.ENDED:
                if review.due_on > last + timedelta(days=1) or (not natural and review.due_on > last):
                    break
                if review.informal and review.due_on < last and rng.random() < INFORMAL_LET_GO:
                    continue
                held = review.due_on + _days(rng, -7, 12)
                if natural and review.due_on >= last - timedelta(days=20):
                    held = min(review.due_on, last) - _days(rng, 0, 10)
            else:
                if review.due_on > today + timedelta(days=10):
                    break
                if review.informal and review.due_on < today and rng.random() < INFORMAL_LET_GO:
                    continue  # an informal review nobody recorded: the engine no longer waits for it
                if skip_latest and past_due and review is past_due[-1] and not review.informal:
                    break
                held = review.due_on + _days(rng, -10, 14)
                if held > today:
                    break
            held = min(max(held, floor), last)
            meetings, visits = _pick(rng, profile.intensity)
            if review.month >= 12 and rng.random() < 0.3:
                meetings = max(1, meetings - 1)
                visits = min(visits, meetings)
            sentences = rng.sample(OBSTACLES, rng.choice((0, 1, 1, 2)))
            plan.reviews.append(
                ReviewPlan(
                    review.month,
                    review.due_on,
                    held,
                    review.informal,
                    meetings,
                    visits,
                    not review.informal and rng.random() < 0.9,
                    " ".join(sentences),
                )
            )
            floor = held


# --- the step ------------------------------------------------------------------------------------


class Builder:
    def __init__(self, ctx, spec, today):
        self.ctx = ctx
        self.spec = spec
        self.today = today
        self.now = ctx.now
        self.tz = timezone.get_default_timezone()
        self.rng = ctx.rng(f"measures:{spec.key}")
        self.territory = ctx.result.territories[spec.key]
        self.orgs = {o.key: ctx.result.organisations[o.key] for o in spec.organisations}
        self.org_ids = {key: org.pk for key, org in self.orgs.items()}
        self.counts = Counter()
        self._moments = {}

    def at(self, day: date, minutes: int = 0) -> datetime:
        """When an act of `day` was typed: from 9:00 plus `minutes`, never after the build itself."""
        key = (day, minutes)
        moment = self._moments.get(key)
        if moment is None:
            moment = datetime.combine(day, time(9, 0), tzinfo=self.tz) + timedelta(minutes=minutes)
            moment = self._moments[key] = min(moment, self.now)
        return moment

    # people ------------------------------------------------------------------------------------

    def people(self):
        platform = next(o for o in self.spec.organisations if o.kind == "platform")
        departement = next((o for o in self.spec.organisations if o.kind == "departement"), None)
        coordinators = list(
            Membership.objects.filter(organisation=self.orgs[platform.key], role=Role.COORDINATOR)
            .order_by("user_id")
            .values_list("user__email", "user_id")
        )
        coordinators.sort(key=lambda pair: (pair[0] != DOCUMENTED_COORDINATOR, pair[1]))
        chef = None
        if departement is not None:
            workers = list(
                Membership.objects.filter(organisation=self.orgs[departement.key], role=Role.SOCIAL_WORKER)
                .order_by("user_id")
                .values_list("user__email", "user_id")
            )
            chef = next((u for e, u in workers if e == CHEF_SLISL), workers[0][1] if workers else None)
        return {
            "coordinators": [u for _, u in coordinators],
            "platform": self.org_ids[platform.key],
            "chef_slisl": chef,
            "departement": self.org_ids[departement.key] if departement else None,
        }

    def make_teams(self, operator_keys) -> dict:
        """Each operator's multidisciplinary team; its social workers' accounts are team members."""
        rng = self.ctx.rng(f"measures:teams:{self.spec.key}")
        members, plans = [], {}
        for key in sorted(operator_keys, key=lambda k: [o.key for o in self.spec.organisations].index(k)):
            organisation = self.orgs[key]
            accounts = list(
                User.objects.filter(memberships__organisation=organisation, memberships__role=Role.SOCIAL_WORKER)
                .order_by("pk")
                .values_list("pk", "email", "first_name", "last_name")
            )
            accounts.sort(key=lambda row: (row[1] != DOCUMENTED_OPERATOR, row[0]))
            size = max(5, round(TEAMS.get(key, DEFAULT_TEAM) * max(1.0, self.ctx.scale)))
            professions = list(CORE)
            if key in COACHING_OPERATORS:
                professions.append(P.JOB_COACH)
            fill = itertools.cycle((P.SOCIAL_WORKER, P.EDUCATOR))
            while len(professions) < max(size, len(accounts) + len(CORE) - 1):
                professions.append(next(fill))
            # Accounts first on referent posts (social worker, educator, CESF), then the manager's.
            slots = [i for i, p in enumerate(professions) if p in REFERENT_PROFESSIONS]
            slots.sort(key=lambda i: (professions[i] != P.SOCIAL_WORKER, i))
            slots += [i for i, p in enumerate(professions) if p == P.MANAGER]
            linked = dict(zip(slots, accounts, strict=False))
            for i, profession in enumerate(professions):
                if i in linked:
                    pk, _, first, last = linked[i]
                    members.append(
                        StaffMember(
                            organisation=organisation,
                            first_name=first,
                            last_name=last,
                            profession=profession,
                            user_id=pk,
                        )
                    )
                else:
                    sex = "F" if rng.random() < 0.7 else "M"
                    person = person_name(rng, sex=sex, birth_year=rng.randint(1963, 2001))
                    members.append(
                        StaffMember(
                            organisation=organisation,
                            first_name=person.first_name,
                            last_name=person.last_name,
                            profession=profession,
                        )
                    )
            plans[key] = Team(organisation.pk, [], [pk for pk, *_ in accounts])
        StaffMember.objects.bulk_create(members)
        for member in members:
            key = next(k for k, org in self.orgs.items() if org.pk == member.organisation_id)
            plans[key].members.append(MemberPlan(member.pk, member.profession, member.user_id))
        self.counts["membres d'équipe"] += len(members)
        return plans

    # candidates ---------------------------------------------------------------------------------

    def households(self):
        """What the measures need to know of the territory's households (in bulk)."""
        households = {
            row[0]: row
            for row in Household.objects.filter(territory=self.territory).values_list(
                "pk", "accompanying_organisation_id", "status", "version", "updated_at", "reference"
            )
        }
        episodes = defaultdict(list)
        for row in (
            Episode.objects.filter(household__territory=self.territory)
            .order_by("household_id", "number")
            .values_list("household_id", "pk", "number", "opened_on", "entered_list_on", "left_on", "exit_reason")
        ):
            episodes[row[0]].append(row[1:])
        births = defaultdict(list)
        for household_id, birth in Person.objects.filter(
            household__territory=self.territory, merged_into__isnull=True, birth_date__isnull=False
        ).values_list("household_id", "birth_date"):
            births[household_id].append(birth)
        first_kind = {}
        for household_id, kind in (
            LivingSituation.objects.filter(household__territory=self.territory)
            .order_by("household_id", "started_on", "pk")
            .values_list("household_id", "kind")
        ):
            first_kind.setdefault(household_id, kind)
        return households, episodes, births, first_kind

    def pathway(self, episodes, household_id, on: date):
        """(housed_on, left_on, left_reason) of the episode current on `on`; None if none was."""
        current = None
        for _, _, opened, _, left, reason in episodes.get(household_id, ()):
            if opened <= on:
                current = (left, reason)
        if current is None or (current[0] is not None and current[0] < on):
            return None
        left, reason = current
        if left is None:
            return None, None, ""
        if reason == "housed":
            return left, None, ""
        mapped = {
            "lost_contact": R.RUPTURE,
            "declined": R.NON_ADHESION,
            "moved_away": R.MOVED,
            "deceased": R.DECEASED,
        }.get(reason, R.NON_ADHESION)
        return None, left, mapped

    def candidates(self, info) -> list:
        households, episodes, births, first_kind = info
        rng, today = self.rng, self.today
        keep = KEEP[self.spec.key]
        by_org = {org.pk: key for key, org in self.orgs.items()}
        orientations = (
            Orientation.objects.filter(
                household__territory=self.territory,
                decision="oriented",
                measure__in=list(keep),
                accompanying_organisation__isnull=False,
                decided_on__gte=rules.add_months(today, -HISTORY_MONTHS),
            )
            .order_by("decided_on", "pk")
            .values_list("pk", "household_id", "measure", "accompanying_organisation_id", "decided_on", "decided_by_id")
        )
        found = []
        for pk, household_id, code, operator_id, decided_on, decided_by in orientations:
            draw = rng.random()
            operator = by_org.get(operator_id)
            if operator is None or self.orgs[operator].kind not in ("association", "commune"):
                continue
            path = self.pathway(episodes, household_id, decided_on)
            if path is None:
                continue
            housed_on, left_on, reason = path
            waiting = housed_on is None and left_on is None
            chance = keep[code] * (LEFT_FACTOR if left_on is not None else 1.0)
            if code in RUPTURE_CEILING and reason in RUPTURE_REASONS:
                chance = 0.0  # its ruptures are drawn under the ceiling, not inherited from the list
            if waiting and (today - decided_on).days > OLD_DAYS:
                if (today - decided_on).days > OLD_LIMIT_DAYS or code not in PRE_HOUSING_TYPES:
                    continue
                chance = OLD_KEEP if self.spec.key == catalogue.MAIN.key else 0.5
            if draw >= chance:
                continue
            found.append(
                Candidate(household_id, code, operator, decided_on, pk, decided_by, housed_on, left_on, reason)
            )
        found += self.top_ups(households, episodes, births, first_kind, {c.household_id for c in found})
        return found

    def top_ups(self, households, episodes, births, first_kind, taken) -> list:
        rng, today = self.rng, self.today
        coordinators = self.people_["coordinators"]
        created_by = coordinators[0] if coordinators else None
        found = []
        for code, (base, operators) in TOP_UPS[self.spec.key].items():
            count = max(1, self.ctx.scaled(base))
            pool = []
            for household_id in sorted(households):
                if household_id in taken:
                    continue
                status = households[household_id][2]
                if status == "merged":
                    continue
                chain = episodes.get(household_id)
                if not chain:
                    continue
                _, _, opened, entered, left, reason = chain[-1]
                if code == "envaul":
                    on = (entered or opened) + _days(rng, 3, 20)
                    if on < rules.add_months(today, -HISTORY_MONTHS) or on > today - timedelta(days=5):
                        continue
                    if not any(18 <= (on - birth).days / 365.25 < 26 for birth in births[household_id]):
                        continue
                    if left is not None and reason != "housed":
                        continue
                    pool.append((household_id, on))
                elif code == "prevention_mobile":
                    if first_kind.get(household_id) not in ("eviction_threat", "unfit_housing", "overcrowding"):
                        continue
                    if opened < rules.add_months(today, -HISTORY_MONTHS) or opened > today - timedelta(days=10):
                        continue
                    pool.append((household_id, opened + _days(rng, 0, 10)))
                elif code == "coaching_ips":
                    if reason != "housed" or left is None:
                        continue
                    on = left + _days(rng, 30, 240)
                    if on > today - timedelta(days=5) or on < rules.add_months(today, -HISTORY_MONTHS):
                        continue
                    pool.append((household_id, on))
            # A third of them recent (running now), the others spread over the history.
            recent = [pair for pair in pool if pair[1] >= today - timedelta(days=270)]
            chosen = rng.sample(recent, min(len(recent), count // 3))
            picked = {household_id for household_id, _ in chosen}
            rest = [pair for pair in pool if pair[0] not in picked]
            chosen += rng.sample(rest, min(count - len(chosen), len(rest)))
            for household_id, on in sorted(chosen, key=lambda pair: (pair[1], pair[0])):
                taken.add(household_id)
                accompanying = households[household_id][1]
                operator = next((k for k, o in self.orgs.items() if o.pk == accompanying), None)
                if operator not in self.teams_keys:
                    operator = _pick(rng, dict(operators))
                housed_on, left_on, reason = None, None, ""
                if code == "envaul":
                    path = self.pathway(episodes, household_id, on)
                    if path is None:
                        continue
                    housed_on, left_on, reason = path
                found.append(
                    Candidate(
                        household_id, code, operator, min(on, today), None, created_by, housed_on, left_on, reason
                    )
                )
        return found

    # scenarios ----------------------------------------------------------------------------------

    def scenarios(self, candidates: list) -> dict:
        """The main territory's measures that show each rule at work (fixed activation dates)."""
        if self.spec.key != catalogue.MAIN.key:
            return {}
        today = self.today
        documented = "habitat_accompagnement"
        wanted = [
            # A derogation granted by the coordinator and the chef SLISL: 30 months, ends in ~4 months.
            ("derogation_done", rules.add_months(today, -26) - timedelta(days=10), None, 30),
            # A derogation the chef SLISL has still to agree to (the coordinator has).
            ("derogation_waiting", rules.add_months(today, -24) + timedelta(days=12), None, 24),
            # An ordinary renewal waiting for the coordinator, in the documented operator's caseload.
            ("renewal_waiting", rules.add_months(today, -12) + timedelta(days=15), documented, 12),
            # Activated while the household still waits for a home: pre-housing period exceeded.
            ("pre_housing", today - timedelta(days=118), documented, 12),
            ("pre_housing", today - timedelta(days=104), None, 12),
        ]
        chosen = {}
        used = set()
        for name, activated_on, operator, months in wanted:
            best = None
            for index, c in enumerate(candidates):
                if index in used or c.code != "vial" or c.activated_on is not None:
                    continue
                if operator and c.operator != operator:
                    continue
                if c.oriented_on > activated_on - timedelta(days=10) or c.left_on is not None:
                    continue
                if name == "pre_housing":
                    if c.housed_on is not None:
                        continue
                    score = 0
                else:
                    # Housed around the activation: from a month before to a few months after.
                    if c.housed_on is None or not -30 <= (c.housed_on - activated_on).days <= 200:
                        continue
                    score = abs((c.housed_on - activated_on).days - 40)
                if best is None or score < best[0]:
                    best = (score, index)
            if best is None:
                continue
            used.add(best[1])
            c = candidates[best[1]]
            c.scenario, c.activated_on = name, activated_on
            chosen[best[1]] = months
        return chosen

    # build --------------------------------------------------------------------------------------

    def build(self):
        measure_catalogue.install_defaults(self.territory)
        versions = {
            t.code: t.versions.order_by("-number").first() for t in MeasureType.objects.filter(territory=self.territory)
        }
        self.people_ = self.people()
        info = self.households()
        # Which operators run measures: every association of the territory and whoever the orientations name.
        operator_keys = {o.key for o in self.spec.organisations if o.kind == "association"}
        for _, (_, operators) in TOP_UPS[self.spec.key].items():
            operator_keys |= {key for key, _ in operators}
        oriented_to = set(
            Orientation.objects.filter(household__territory=self.territory, decision="oriented")
            .exclude(measure="")
            .values_list("accompanying_organisation_id", flat=True)
        )
        operator_keys |= {
            key for key, org in self.orgs.items() if org.pk in oriented_to and org.kind in ("association", "commune")
        }
        self.teams_keys = operator_keys
        candidates = self.candidates(info)
        scenario_months = self.scenarios(candidates)
        teams = self.make_teams(operator_keys)
        planner = Planner(self.rng, versions, self.people_, self.today)
        plans = []
        open_by_type = {}
        order = sorted(range(len(candidates)), key=lambda i: (candidates[i].oriented_on, i))
        for index in order:
            c = candidates[index]
            key = (c.household_id, c.code)
            before = open_by_type.get(key)
            if before is not None:
                previous = plans[before]
                if previous.status not in (S.ENDED, S.ABANDONED) or previous.ended_on >= c.oriented_on:
                    continue
            plan = planner.plan(c, scenario_months.get(index))
            if plan is None:
                continue
            if before is not None:
                plan.previous = before
            if c.scenario == "derogation_waiting" and plan.status == S.ACTIVE:
                planner.pending(plan, True, self.today - timedelta(days=6), ("coordinator",))
            elif c.scenario == "renewal_waiting" and plan.status == S.ACTIVE:
                planner.pending(plan, False, self.today - timedelta(days=5))
            open_by_type[key] = len(plans)
            plans.append(plan)
        self.ensure_stages(plans, planner)
        self.assign_referents(plans, teams)
        activity = Activity(self, plans, teams, info)
        activity.draw()
        Writer(self, plans, teams, activity, info).write()
        self.counts["mesures d'accompagnement"] += len(plans)
        return plans, teams

    def ensure_stages(self, plans, planner):
        """Every stage before activation shows in the main territory, whatever the draw: a few of
        the measures activated in the last days are taken back to the stage they were at a week
        before (oriented, contract signed, or waiting for the coordinator's activation)."""
        if self.spec.key != catalogue.MAIN.key:
            return
        recent = [
            p
            for p in plans
            if p.status == S.ACTIVE
            and not p.candidate.scenario
            and p.activated_on >= self.today - timedelta(days=20)
            and not p.reviews
            and not p.renewals
        ]
        recent.sort(key=lambda p: (-p.activated_on.toordinal(), p.draw))
        for status, wanted in ((S.SENT, 4), (S.SIGNED, 2), (S.ORIENTED, 2)):
            missing = wanted - sum(1 for p in plans if p.status == status)
            while missing > 0 and recent:
                plan = recent.pop(0)
                plan.status, plan.activated_on, plan.activated_by = status, None, None
                if status != S.SENT:
                    plan.sent_on, plan.entry_on = None, None
                if status == S.ORIENTED:
                    plan.signed_on = None
                missing -= 1

    def assign_referents(self, plans, teams):
        """Each measure gets a referent of its operator; the documented worker a caseload with things to do."""
        documented_user = User.objects.filter(email=DOCUMENTED_OPERATOR).values_list("pk", flat=True).first()
        documented = None
        if documented_user and "habitat_accompagnement" in teams:
            documented = next(
                (m for m in teams["habitat_accompagnement"].members if m.user_id == documented_user), None
            )
        for plan in plans:
            team = teams[plan.candidate.operator]
            if plan.signed_on is None:
                continue  # the referent is named with the contract (`record_contract`)
            pool = team.referents(plan.code)
            pool = [m for m in pool if m is not documented] or pool
            plan.referent = min(pool, key=lambda m: (team.load[m.pk], self.rng.random()))
            team.load[plan.referent.pk] += 1
        if documented is None:
            return
        # The documented social worker: the scenario measures of her association, then the active
        # measures needing attention, then others, up to DOCUMENTED_CASELOAD active ones.
        ours = [p for p in plans if p.candidate.operator == "habitat_accompagnement" and p.signed_on is not None]
        today = self.today

        def attention(plan):
            if plan.status != S.ACTIVE:
                return 0
            due = rules.alerts_due(plan.type_rules, plan.facts(), today)
            return len(due) + 2 * bool(plan.candidate.scenario)

        active = sorted((p for p in ours if p.status == S.ACTIVE), key=lambda p: (-attention(p), p.draw))
        chosen = active[:DOCUMENTED_CASELOAD]
        others = [p for p in ours if p.status != S.ACTIVE]
        chosen += others[:: max(1, len(others) // 12 or 1)][:12]
        team = teams["habitat_accompagnement"]
        for plan in chosen:
            team.load[plan.referent.pk] -= 1
            plan.referent = documented
            team.load[documented.pk] += 1


# --- activity: meetings, partners, outcomes ------------------------------------------------------


class Activity:
    """Draws what the team did for each measure: meetings week by week, partners, outcomes."""

    def __init__(self, builder: Builder, plans, teams, info):
        self.builder = builder
        self.rng = builder.ctx.rng(f"measures:activity:{builder.spec.key}")
        self.today = builder.today
        self.plans = plans
        self.teams = teams
        self.meetings = []  # (plan index, day, kind, minutes, member)
        self.partners = []  # (plan index, kind, name, since, until)
        landlords = [o.name for o in builder.spec.organisations if o.kind == "social_landlord"]
        self.partner_names = dict(PARTNER_NAMES)
        self.landlords = landlords

    def draw(self):
        for index, plan in enumerate(self.plans):
            profile = PROFILES[plan.code]
            plan.collective = self.rng.random() < profile.collective
            self.outcomes(plan, profile)
            self.partner_rows(index, plan, profile)
            self.meeting_rows(index, plan, profile)

    def outcomes(self, plan: MeasurePlan, profile: Profile):
        if plan.activated_on is None:
            return
        rng = self.rng
        early = plan.status == S.ENDED and plan.end_reason not in (R.GOALS_MET, R.HANDED_OVER)
        moments = list(plan.reviews)  # seen at a review, or at the end
        at_end = plan.status == S.ENDED

        def place(kind, contract=""):
            if at_end and (not moments or rng.random() < 0.35):
                plan.end_outcomes.append((kind, contract))
            elif moments:
                rng.choice(moments).outcomes.append((kind, contract))

        if plan.entry_on and plan.entry_on >= plan.candidate.oriented_on:
            housed_options = [r for r in moments if r.held_on >= plan.entry_on]
            if housed_options:
                housed_options[0].outcomes.append(("housed", ""))
                if plan.sliding_lease:
                    housed_options[0].outcomes.append(("sublease", ""))
            elif at_end:
                plan.end_outcomes.append(("housed", ""))
                if plan.sliding_lease:
                    plan.end_outcomes.append(("sublease", ""))
        for kind, chance in profile.outcomes.items():
            if rng.random() < chance * (0.4 if early else 1.0):
                contract = _pick(rng, CONTRACT_TYPES) if kind == "employment" else ""
                place(kind, contract)
        if plan.collective and rng.random() < 0.7:
            place("collective")

    def partner_rows(self, index: int, plan: MeasurePlan, profile: Profile):
        rng, today = self.rng, self.today
        if plan.status == S.ORIENTED and rng.random() < 0.7:
            return
        start = plan.candidate.oriented_on
        last = plan.last_day(today)
        for kind, chance in profile.partners.items():
            if rng.random() >= chance:
                continue
            since = min(start + _days(rng, 0, 75), last, today)
            if kind == "landlord":
                name = rng.choice(self.landlords) if self.landlords else ""
            elif kind == "gp":
                name = ""
            else:
                name = self.partner_names.get(kind, "") if rng.random() < 0.75 else ""
            until = None
            if plan.status in (S.ENDED, S.ABANDONED) and rng.random() < 0.5:
                until = plan.ended_on
            self.partners.append((index, kind, name, since, until))

    def meeting_rows(self, index: int, plan: MeasurePlan, profile: Profile):
        rng, today = self.rng, self.today
        team = self.teams[plan.candidate.operator]
        referent = plan.referent
        others = [m for m in team.members if m.profession != P.MANAGER and m is not referent] or team.members
        if plan.signed_on:
            self.meetings.append((index, plan.signed_on, MK.OUTSIDE, rng.choice((45, 60, 60, 75)), referent))
        if plan.activated_on is None:
            return
        a = plan.activated_on
        last = plan.last_day(today)
        default = (plan.version.meetings_per_week, plan.version.home_visits_per_week)
        agreed_from = [(a, default)] + [(r.held_on, (r.meetings, r.visits)) for r in plan.reviews]
        fading = plan.status == S.ENDED and plan.end_reason in (R.RUPTURE, R.NON_ADHESION)
        pre_housing = plan.code in PRE_HOUSING_TYPES
        others_kinds = Weighted({MK.OUTSIDE: 55, MK.ESCORT: 30, MK.COLLECTIVE: 15 if plan.collective else 0})
        phone = Weighted(profile.phone)
        monday = a - timedelta(days=a.weekday())
        while monday <= last:
            sunday = monday + timedelta(days=6)
            agreed = default
            for since, value in agreed_from:
                if since <= sunday:
                    agreed = value
            meetings, visits = agreed
            draw = rng.random()
            if draw < 0.03:
                face = 0  # holidays, hospital stay
            else:
                face = max(0, meetings + DELTA.draw(rng))
            if fading and (plan.ended_on - monday).days < 42:
                face = min(face, rng.choice((0, 0, 1)))
            home = min(face, visits if rng.random() > 0.06 else max(0, visits - 1))
            if home == 0 and face and visits == 0 and rng.random() < 0.15:
                home = 1
            housed = not pre_housing or (plan.entry_on is not None and plan.entry_on <= sunday)
            if not housed and plan.entry_on is None and rng.random() < 0.5:
                home = 0  # no home yet: met outside
            kinds = [MK.HOME_VISIT] * home
            for _ in range(face - home):
                kinds.append(others_kinds.draw(rng))
            kinds += [MK.PHONE] * (0 if face == 0 and draw < 0.03 else phone.draw(rng))
            days = [monday + timedelta(days=d) for d in range(6) if a <= monday + timedelta(days=d) <= last]
            if not days:
                monday += timedelta(days=7)
                continue
            cum = list(itertools.accumulate(5 if d.weekday() == 5 else 20 for d in days))
            for kind in kinds:
                day = days[bisect.bisect_right(cum, rng.random() * cum[-1])]
                member = referent if (referent is not None and rng.random() < 0.7) else rng.choice(others)
                self.meetings.append((index, day, kind, self.minutes(kind), member))
            monday += timedelta(days=7)

    def minutes(self, kind: str) -> int:
        rng = self.rng
        if kind == MK.PHONE:
            return rng.choice((10, 15, 15, 20, 20, 30))
        if kind == MK.HOME_VISIT:
            return rng.choice((45, 60, 60, 60, 75, 90))
        if kind == MK.ESCORT:
            return rng.choice((60, 90, 90, 120))
        if kind == MK.COLLECTIVE:
            return rng.choice((90, 120))
        return rng.choice((30, 45, 45, 60, 60, 75))


# --- writing -------------------------------------------------------------------------------------


class FastTable(Table):
    """`households.Table`, adapting each distinct datetime once on SQLite (meetings repeat them)."""

    def adapt(self, rows: list, db) -> list:
        if db.vendor == "postgresql" or not self.datetimes:
            return super().adapt(rows, db)
        datetimes, self.datetimes = self.datetimes, []
        try:
            rows = super().adapt(rows, db)
        finally:
            self.datetimes = datetimes
        cache = {None: None}
        for row in rows:
            for i in datetimes:
                value = row[i]
                adapted = cache.get(value)
                if adapted is None and value is not None:
                    adapted = cache[value] = db.ops.adapt_datetimefield_value(value)
                row[i] = adapted
        return rows


def _tables():
    return {
        "measure": FastTable(
            Measure,
            (
                "territory",
                "household",
                "type_version",
                "operator",
                "referent",
                "orientation",
                "status",
                "oriented_on",
                "contract_signed_on",
                "sent_on",
                "activated_on",
                "activated_by",
                "housing_entry_on",
                "sliding_lease",
                "ended_on",
                "end_reason",
                "follow_on",
                "follow_on_name",
                "planned_end_on",
                "next_review_on",
                "version",
                "created_at",
                "created_by",
            ),
        ),
        "document": FastTable(
            MeasureDocument,
            ("measure", "kind", "filename", "content_type", "size", "content", "uploaded_at", "uploaded_by"),
        ),
        "event": FastTable(
            MeasureEvent, ("measure", "kind", "occurred_on", "recorded_at", "user", "organisation", "payload")
        ),
        "review": FastTable(
            Review,
            (
                "measure",
                "month",
                "held_on",
                "informal",
                "meetings_per_week",
                "home_visits_per_week",
                "shared_with_coordinator",
                "obstacles",
                "created_by",
                "created_at",
            ),
        ),
        "outcome": FastTable(Outcome, ("measure", "review", "kind", "contract_type", "recorded_on", "at_end")),
        "renewal": FastTable(
            RenewalRequest, ("measure", "requested_on", "months", "derogation", "status", "decided_on", "requested_by")
        ),
        "approval": FastTable(
            RenewalApproval, ("request", "approver", "approved", "user", "organisation", "decided_at", "comment")
        ),
        "meeting": FastTable(
            Meeting, ("measure", "held_on", "kind", "duration_minutes", "staff", "created_by", "created_at")
        ),
        "partner": FastTable(PartnerMobilisation, ("measure", "kind", "category", "name", "since", "until")),
        "alert": FastTable(
            Alert,
            (
                "territory",
                "measure",
                "kind",
                "due_on",
                "audience",
                "approver",
                "raised_at",
                "emailed_at",
                "closed_at",
            ),
        ),
        "household_event": FastTable(
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
    }


class Writer:
    def __init__(self, builder: Builder, plans, teams, activity: Activity, info):
        self.b = builder
        self.plans = plans
        self.teams = teams
        self.activity = activity
        self.households, self.episodes, _, _ = info
        self.t = _tables()
        self.today = builder.today
        self.people = builder.people_
        self.org = builder.org_ids

    def operator_author(self, plan: MeasurePlan) -> tuple:
        team = self.teams[plan.candidate.operator]
        return team.writer(plan.draw, plan.referent), team.organisation_id

    def coordinator_author(self, plan: MeasurePlan) -> tuple:
        user = plan.candidate.created_by or (self.people["coordinators"] or [None])[0]
        return user, self.people["platform"]

    def write(self):
        b, t = self.b, self.t
        rows = []
        for plan in self.plans:
            c = plan.candidate
            versions = 1 + sum(
                (
                    plan.signed_on is not None,
                    plan.sent_on is not None,
                    plan.activated_on is not None,
                    plan.entry_on is not None,
                    len(plan.reviews),
                    len(plan.renewals),
                    sum(len(r.approvals) for r in plan.renewals),
                    plan.status in (S.ENDED, S.ABANDONED),
                )
            )
            rows.append(
                (
                    b.territory.pk,
                    c.household_id,
                    plan.version.pk,
                    self.org[c.operator],
                    plan.referent.pk if plan.referent else None,
                    c.orientation_id,
                    plan.status,
                    c.oriented_on,
                    plan.signed_on,
                    plan.sent_on,
                    plan.activated_on,
                    plan.activated_by,
                    plan.entry_on,
                    plan.sliding_lease and plan.signed_on is not None,  # stated in the contract
                    plan.ended_on,
                    plan.end_reason,
                    plan.follow_on,
                    plan.follow_on_name,
                    plan.planned_end(),
                    plan.next_review(self.today),
                    versions,
                    b.at(c.oriented_on, 60),
                    c.created_by,
                )
            )
        ids = t["measure"].insert(rows, True)
        for plan, pk in zip(self.plans, ids, strict=True):
            plan.pk = pk
        for plan in self.plans:
            if plan.previous is not None:
                Measure.objects.filter(pk=plan.pk).update(previous=self.plans[plan.previous].pk)
        documents, events, reviews, renewals, household_events = [], [], [], [], []
        for plan in self.plans:
            self.plan_rows(plan, documents, events, reviews, renewals, household_events)
        t["document"].insert(documents)
        t["event"].insert(events)
        review_ids = iter(t["review"].insert([row for _, row in reviews], True))
        outcomes = []
        for ((plan, review_plan), _), pk in zip(reviews, review_ids, strict=True):
            outcomes += [
                (plan.pk, pk, kind, contract, review_plan.held_on, False) for kind, contract in review_plan.outcomes
            ]
        for plan in self.plans:
            outcomes += [(plan.pk, None, kind, contract, plan.ended_on, True) for kind, contract in plan.end_outcomes]
        t["outcome"].insert(outcomes)
        renewal_ids = t["renewal"].insert([row for _, _, row in renewals], True)
        approvals = []
        for (_, renewal, _), pk in zip(renewals, renewal_ids, strict=True):
            for code, approved, user, organisation, day in renewal.approvals:
                approvals.append((pk, code, approved, user, organisation, b.at(day, 240), ""))
        t["approval"].insert(approvals)
        meetings = []
        for index, day, kind, minutes, member in self.activity.meetings:
            plan = self.plans[index]
            team = self.teams[plan.candidate.operator]
            user = member.user_id if member and member.user_id else team.writer(plan.draw, plan.referent)
            meetings.append(
                (plan.pk, day, kind, minutes, member.pk if member else None, user, b.at(day, 8 * 60 + minutes))
            )
        t["meeting"].insert(meetings)
        partners = [
            (self.plans[index].pk, kind, codes.PARTNER_CATEGORY[kind], name, since, until)
            for index, kind, name, since, until in self.activity.partners
        ]
        t["partner"].insert(partners)
        t["alert"].insert(self.alerts())
        t["household_event"].insert(household_events)
        self.touch_households()
        b.counts["rencontres"] += len(meetings)
        b.counts["bilans"] += len(reviews)
        # The household events join the households step's count of pathway events.
        b.counts["événements de parcours"] += len(household_events)

    def plan_rows(self, plan, documents, events, reviews, renewals, household_events):
        b, c = self.b, plan.candidate
        code = plan.code
        coordinator, platform = self.coordinator_author(plan)
        worker, operator = self.operator_author(plan)
        pk = plan.pk

        def event(kind, day, user, organisation, minutes=0, **payload):
            events.append((pk, kind, day, b.at(day, minutes), user, organisation, payload))

        event(
            MeasureEventKind.ORIENTED, c.oriented_on, coordinator, platform, 60, type=code, version=plan.version.number
        )
        if plan.signed_on:
            documents.append(
                (
                    pk,
                    "contract",
                    CONTRACT_NAME,
                    "application/pdf",
                    len(CONTRACT_PDF),
                    CONTRACT_PDF,
                    b.at(plan.signed_on, 120),
                    worker,
                )
            )
            event(MeasureEventKind.CONTRACT_RECORDED, plan.signed_on, worker, operator, 120)
        if plan.sent_on:
            event(MeasureEventKind.SENT, plan.sent_on, worker, operator, 150)
        if plan.activated_on:
            event(MeasureEventKind.ACTIVATED, plan.activated_on, plan.activated_by, platform, 180)
            household_events.append(
                self.household_event(
                    plan,
                    EventKind.MEASURE_ACTIVATED,
                    plan.activated_on,
                    plan.activated_by,
                    platform,
                    {"measure": code},
                    180,
                )
            )
        if plan.entry_on:
            recorded = max(plan.entry_on, plan.sent_on)
            events.append(
                (pk, MeasureEventKind.ENTRY_RECORDED, plan.entry_on, b.at(recorded, 200), worker, operator, {})
            )
        for review in plan.reviews:
            row = (
                pk,
                review.month,
                review.held_on,
                review.informal,
                review.meetings,
                review.visits,
                review.shared,
                review.obstacles,
                worker,
                b.at(review.held_on, 300),
            )
            reviews.append(((plan, review), row))
            event(MeasureEventKind.REVIEW_RECORDED, review.held_on, worker, operator, 300, month=review.month)
        for renewal in plan.renewals:
            renewals.append(
                (
                    plan,
                    renewal,
                    (
                        pk,
                        renewal.requested_on,
                        renewal.months,
                        renewal.derogation,
                        renewal.status,
                        renewal.decided_on,
                        worker,
                    ),
                )
            )
            event(
                MeasureEventKind.RENEWAL_REQUESTED,
                renewal.requested_on,
                worker,
                operator,
                320,
                months=renewal.months,
                derogation=renewal.derogation,
            )
            for approver, approved, user, organisation, day in renewal.approvals:
                event(
                    MeasureEventKind.RENEWAL_APPROVAL,
                    day,
                    user,
                    organisation,
                    240,
                    approver=approver,
                    approved=approved,
                )
            if renewal.status != codes.RenewalStatus.REQUESTED:
                _, _, user, organisation, day = renewal.approvals[-1]
                event(
                    MeasureEventKind.RENEWAL_DECIDED, renewal.decided_on, user, organisation, 241, status=renewal.status
                )
        if plan.status == S.ENDED:
            event(
                MeasureEventKind.ENDED,
                plan.ended_on,
                worker,
                operator,
                400,
                reason=plan.end_reason,
                follow_on=plan.follow_on,
            )
        elif plan.status == S.ABANDONED:
            event(MeasureEventKind.ABANDONED, plan.ended_on, worker, operator, 400, reason=plan.end_reason)
        if plan.status in (S.ENDED, S.ABANDONED):
            household_events.append(
                self.household_event(
                    plan,
                    EventKind.MEASURE_ENDED,
                    plan.ended_on,
                    worker,
                    operator,
                    {"measure": code, "reason": plan.end_reason},
                    400,
                )
            )

    def household_event(self, plan, kind, day, user, organisation, payload, minutes):
        household = plan.candidate.household_id
        episode = None
        for pk, _, opened, _, _, _ in self.episodes.get(household, ()):
            if opened <= day or episode is None:
                episode = pk
        return (
            self.b.territory.pk,
            household,
            episode,
            kind,
            day,
            self.b.at(day, minutes),
            user,
            organisation,
            payload,
            plan.version.measure_type.reveals,  # as the services emit it
        )

    def alerts(self) -> list:
        """The alerts the services raised and the daily job (`alert_job.raise_due`) would have raised
        day after day, each closed when what it asked for was done; those due today stay open."""
        b, today = self.b, self.today
        rows = {}
        audiences = measure_alerts.AUDIENCES
        now = b.now

        def add(plan, kind, due_on, audience, raised: date, closed: datetime | None, approver=""):
            key = (plan.pk, kind, due_on, audience, approver)
            if key in rows:  # the first wins: today's open alerts are added first
                return
            raised_at = b.at(max(raised, plan.candidate.oriented_on), -150)
            if closed is not None:
                closed = max(min(closed, now), raised_at)
            rows[key] = (b.territory.pk, plan.pk, kind, due_on, audience, approver, raised_at, raised_at, closed)

        for plan in self.plans:
            closed_all = b.at(plan.ended_on, 400) if plan.ended_on else None
            facts = plan.facts()
            if plan.status == S.ACTIVE:
                for due in rules.alerts_due(plan.type_rules, facts, today):
                    raised = {
                        "review_due": due.due_on - timedelta(days=rules.REVIEW_NOTICE_DAYS),
                        "review_overdue": due.due_on + timedelta(days=1),
                        "end_approaching": due.due_on - timedelta(days=rules.END_NOTICE_DAYS),
                        "pre_housing_exceeded": due.due_on + timedelta(days=1),
                    }[due.kind]
                    for audience in audiences[due.kind]:
                        add(plan, due.kind, due.due_on, audience, min(max(raised, plan.activated_on), today), None)
            if plan.sent_on:
                done = plan.activated_on or plan.ended_on
                closed = b.at(done, 180) if done else None
                add(plan, "contract_waiting", plan.sent_on, "coordinator", plan.sent_on, closed)
            for renewal in plan.renewals:
                decided = {code: day for code, _, _, _, day in renewal.approvals}
                for code in rules.required_approvers(plan.type_rules, renewal.derogation):
                    closed = b.at(decided[code], 240) if code in decided else closed_all
                    add(plan, "renewal_waiting", renewal.requested_on, "approver", renewal.requested_on, closed, code)
            if plan.activated_on is None:
                if plan.status == S.ABANDONED:
                    self.exit_alert(plan, add)
                continue
            self.review_alerts(plan, facts, add, closed_all)
            self.end_alerts(plan, add, closed_all)
            period = rules.pre_housing(plan.type_rules, facts, plan.last_day(today))
            if period.exceeded and period.entry_deadline < plan.last_day(today):
                entered = b.at(plan.entry_on, 200) if plan.entry_on else closed_all
                if entered is not None:
                    for audience in audiences["pre_housing_exceeded"]:
                        add(
                            plan,
                            "pre_housing_exceeded",
                            period.entry_deadline,
                            audience,
                            period.entry_deadline + timedelta(days=1),
                            entered,
                        )
            if plan.status == S.ENDED:
                self.exit_alert(plan, add)
        self.b.counts["alertes"] += len(rows)
        return list(rows.values())

    def review_alerts(self, plan, facts, add, closed_all):
        """Each review was announced 15 days before its day (once the one before was held), then
        overdue the day after unless held (informal ones are let go instead)."""
        b, today = self.b, self.today
        horizon = plan.ended_on or today  # the last day the job saw the measure active
        held = {r.month: r.held_on for r in plan.reviews}
        previous = plan.activated_on
        for review in rules.review_schedule(plan.type_rules, facts):
            notice = review.due_on - timedelta(days=rules.REVIEW_NOTICE_DAYS)
            on = held.get(review.month)
            if notice > horizon:
                break
            if on is not None and on < max(notice, previous):
                previous = on
                continue  # held before it was announced
            if on is not None and on <= review.due_on:
                closed = b.at(on, 300)
            elif review.due_on < horizon:
                closed = b.at(review.due_on + timedelta(days=1), -150)  # overdue, or an informal one let go
            else:
                closed = closed_all  # still announced today (open, added first), or ended before its day
            add(plan, "review_due", review.due_on, "operator", max(notice, previous), closed)
            if not review.informal and review.due_on < horizon and (on is None or on > review.due_on):
                closed = b.at(on, 300) if on is not None else closed_all
                for audience in measure_alerts.AUDIENCES["review_overdue"]:
                    add(plan, "review_overdue", review.due_on, audience, review.due_on + timedelta(days=1), closed)
            if on is None and not review.informal:
                break  # the next reviews wait for this one
            if on is None:
                previous = max(previous, review.due_on + timedelta(days=1))  # let go: the next one comes
            else:
                previous = on

    def end_alerts(self, plan, add, closed_all):
        """The end was announced 30 days before each planned end: a renewal granted moved it (the job
        then closes the alert), the final end closed it."""
        b = self.b
        granted = sorted(
            (r for r in plan.renewals if r.status == codes.RenewalStatus.APPROVED), key=lambda r: r.decided_on
        )
        months = plan.type_rules.standard_months
        horizon = plan.ended_on or self.today
        for renewal in [*granted, None]:
            planned = rules.add_months(plan.activated_on, months) - timedelta(days=1)
            notice = planned - timedelta(days=rules.END_NOTICE_DAYS)
            moved = renewal.decided_on if renewal else None
            if notice <= horizon and (moved is None or moved >= notice):
                closed = b.at(moved, 241) if moved else closed_all
                for audience in measure_alerts.AUDIENCES["end_approaching"]:
                    add(plan, "end_approaching", planned, audience, max(notice, plan.activated_on), closed)
            if renewal:
                months += renewal.months

    def exit_alert(self, plan, add):
        """Every exit reaches the coordinator at once; the recent ones are still to be read."""
        recent = plan.ended_on >= self.today - timedelta(days=14)
        closed = None if recent else self.b.at(plan.ended_on + timedelta(days=1 + plan.draw % 5), 30)
        add(plan, "exit", plan.ended_on, "coordinator", plan.ended_on, closed)

    def touch_households(self):
        """`services.activate` makes the operator the household's accompanying organisation."""
        current = {pk: row[1] for pk, row in self.households.items()}
        changed = {}
        for plan in sorted((p for p in self.plans if p.activated_on), key=lambda p: (p.activated_on, p.pk)):
            household = plan.candidate.household_id
            operator = self.org[plan.candidate.operator]
            if current.get(household) != operator:
                current[household] = operator
                version, moment = changed.get(household, (0, None))
                changed[household] = (version + 1, self.b.at(plan.activated_on, 180))
        for household, (bumps, moment) in changed.items():
            _, _, _, version, updated_at, _ = self.households[household]
            Household.objects.filter(pk=household).update(
                accompanying_organisation_id=current[household],
                version=version + bumps,
                updated_at=max(updated_at, moment),
            )
        self.b.counts["ménages confiés à un opérateur par une mesure"] += len(changed)


# --- funding and monthly statements -------------------------------------------------------------


def _spans(plans: list) -> list:
    """The activated measures as the statements count them (`lda.measures.statements`)."""
    return [
        statements.Span(
            measure_id=plan.pk,
            type_code=plan.code,
            unit_cost=plan.version.unit_cost,
            activated_on=plan.activated_on,
            ended_on=plan.ended_on,
            end_reason=plan.end_reason,
            household_id=plan.candidate.household_id,
            type_name=plan.version.measure_type.name,
        )
        for plan in plans
        if plan.activated_on is not None
    ]


def build_funding(builder: Builder, plans: list, teams: dict):
    """A yearly agreement per operator and type, last year's and this year's, sized on the measures
    run (households funded ≈ 1.1 × the average number of active measures, advance = the type's
    advance share, last year's indirect costs 16–24 % of the amount due — one operator above the
    cap, for the check to show); and this year's monthly statements of the VIAL operators, sent
    early in the following month with the figures `statements.month_statement` computes."""
    today = builder.today
    rng = builder.ctx.rng(f"measures:funding:{builder.spec.key}")
    by_operator = defaultdict(list)
    for plan in plans:
        by_operator[plan.candidate.operator].append(plan)
    agreements, sent = [], []
    types = {t.code: t for t in MeasureType.objects.filter(territory=builder.territory)}
    versions = {plan.code: plan.version for plan in plans}
    over_cap = builder.spec.key == catalogue.MAIN.key
    for key in sorted(by_operator):
        organisation = builder.orgs[key]
        own = by_operator[key]
        spans = _spans(own)
        for code in sorted({p.code for p in own}):
            version = versions[code]
            of_type = [span for span in spans if span.type_code == code]
            for year in (today.year - 1, today.year):
                start, end = date(year, 1, 1), min(date(year, 12, 31), today)
                months = sum(statements.period_household_months(span, start, end, today) for span in of_type)
                elapsed = 12 if year < today.year else today.month
                average = float(months) / elapsed
                if not average:
                    continue
                funded = max(2, -int(-average * 1.1 // 1))
                if funded >= 10:
                    funded = -(-funded // 5) * 5
                advance = statements.to_cent(version.unit_cost * funded * version.advance_share)
                indirect = None
                if year < today.year and version.indirect_cost_cap is not None:
                    due = statements.to_cent(
                        version.unit_cost * Decimal(months.numerator) / Decimal(months.denominator) / 12
                    )
                    share = Decimal(rng.randint(16, 24)) / 100
                    if over_cap and code == "vial" and key != "habitat_accompagnement":
                        share, over_cap = version.indirect_cost_cap + Decimal("0.02"), False
                    indirect = statements.to_cent(due * share)
                signed = date(year, 1, 1) + timedelta(days=rng.randint(20, 75))
                agreements.append(
                    FundingAgreement(
                        territory=builder.territory,
                        operator=organisation,
                        measure_type=types[code],
                        year=year,
                        signed_on=min(signed, today),
                        households_funded=funded,
                        advance_paid=advance,
                        indirect_costs=indirect,
                    )
                )
        if not any(p.code == "vial" for p in own):
            continue
        team = teams[key]
        sender = next((m.user_id for m in team.members if m.profession == P.MANAGER and m.user_id), None)
        sender = sender or (team.writers[0] if team.writers else None)
        for month in range(1, today.month):
            sent_on = date(today.year, month + 1, 1) + timedelta(days=rng.randint(2, 8))
            if sent_on > today:
                continue
            figures = statements.to_json(statements.month_statement(spans, today.year, month, sent_on))
            sent.append(
                MonthlyStatement(
                    territory=builder.territory,
                    operator=organisation,
                    year=today.year,
                    month=month,
                    figures=figures,
                    sent_at=builder.at(sent_on, 60),
                    sent_by_id=sender,
                )
            )
    FundingAgreement.objects.bulk_create(agreements)
    MonthlyStatement.objects.bulk_create(sent)
    builder.counts["conventions de financement"] += len(agreements)
    builder.counts["relevés mensuels"] += len(sent)


# --- entry points --------------------------------------------------------------------------------


def build_measures(ctx) -> None:
    today = ctx.today
    counts = Counter()
    for spec in catalogue.TERRITORIES:
        builder = Builder(ctx, spec, today)
        plans, teams = builder.build()
        build_funding(builder, plans, teams)
        _raise_due(builder.territory, today)
        counts.update(builder.counts)
    ctx.result.counts.update(counts)


def _raise_due(territory, today: date) -> dict | None:
    """The daily alert job, run once: it finds the demo's alerts already raised (nothing to do) —
    a check that the demo raised exactly what the rules call for."""
    try:
        from lda.measures import alert_job
    except ImportError:  # pragma: no cover - the job ships with the measures app
        return None
    return alert_job.raise_due(territory=territory, today=today)


def reset_measures(territory_ids: list[int]) -> None:
    """Deletes every measure row of the given territories (raw deletes: the log refuses the ORM's)."""
    measures = Measure.objects.filter(territory_id__in=territory_ids).values("pk")
    requests = RenewalRequest.objects.filter(measure__in=measures).values("pk")
    types = MeasureType.objects.filter(territory_id__in=territory_ids).values("pk")
    steps = [
        Alert.objects.filter(Q(territory_id__in=territory_ids) | Q(measure__in=measures)),
        MonthlyStatement.objects.filter(territory_id__in=territory_ids),
        FundingAgreement.objects.filter(territory_id__in=territory_ids),
        Outcome.objects.filter(measure__in=measures),
        PartnerMobilisation.objects.filter(measure__in=measures),
        Meeting.objects.filter(measure__in=measures),
        RenewalApproval.objects.filter(request__in=requests),
        RenewalRequest.objects.filter(measure__in=measures),
        Review.objects.filter(measure__in=measures),
        MeasureEvent.objects.filter(measure__in=measures),
        MeasureDocument.objects.filter(measure__in=measures),
    ]
    for qs in steps:
        qs._raw_delete(qs.db)
    Measure.objects.filter(territory_id__in=territory_ids).update(previous=None)
    qs = Measure.objects.filter(territory_id__in=territory_ids)
    qs._raw_delete(qs.db)
    qs = StaffMember.objects.filter(organisation__territory_id__in=territory_ids)
    qs._raw_delete(qs.db)
    qs = MeasureTypeVersion.objects.filter(measure_type__in=types)
    qs._raw_delete(qs.db)
    qs = MeasureType.objects.filter(territory_id__in=territory_ids)
    qs._raw_delete(qs.db)
