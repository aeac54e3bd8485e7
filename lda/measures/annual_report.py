"""The operator's annual activity report (spec 2, seed 003): the ten VIAL evaluation indicators,
the ends by reason and the totals of the twelve monthly statements. Pure: plain facts in, counts
out; `statements_data.py` loads the facts, `report_files.py` writes the xlsx and the PDF, the page
shows the same sections. Only counts: no name, no free text (the reviews' obstacles stay in the
files, behind the second gate).

Who and what is counted, for an operator, a year (and optionally one type):

- the **measures** are those active at least one day of the year (up to the cut-off day while the
  year runs); their **households** are the households accompanied;
- **people accompanied**: every person of those households (merged duplicates excluded), by sex and
  by age band, the age taken on the last day the household was accompanied in the year (31
  December, the end of its last measure, or the cut-off day); a person born after that day is not
  counted;
- **results** (rehoused, sublease, training, employment, health, mental health, budget) are the
  outcomes recorded in the year on those measures. An outcome is recorded for a measure, not for a
  person, and the same result may be noted at a review and again at the end: each indicator counts
  **households** having the result at least once in the year (employment: per contract type, and
  in all). People rehoused also counts the persons of the rehoused households, since a home houses
  the whole household;
- **partners mobilised**: mobilisations for those measures overlapping the year, by category;
  "structures" counts distinct partners (kind and name);
- **collective actions**: a collective action is logged once per participating household (one
  `Meeting` of kind collective on each measure). One action is one (date, staff member) pair: an
  operator's staff member does not run two collective actions the same day, while the duration
  typed by each recorder may differ for the same action, so it is not part of the key. Meetings
  without a staff member count as one action per date. Participants are the distinct households
  with at least one collective meeting in the year;
- **ends by reason** and the **monthly totals** come from `statements.py`: the report's totals are
  the sum of the twelve monthly statements (household-months, starts, ends, ruptures).
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from fractions import Fraction

from lda.measures import codes, statements
from lda.measures.statements import Span

SEXES = (("F", "Femmes"), ("M", "Hommes"), ("U", "Sexe non renseigné"))
AGE_BANDS: tuple[tuple[int, int | None, str], ...] = (
    (0, 17, "Moins de 18 ans"),
    (18, 24, "18 à 24 ans"),
    (25, 34, "25 à 34 ans"),
    (35, 44, "35 à 44 ans"),
    (45, 54, "45 à 54 ans"),
    (55, 64, "55 à 64 ans"),
    (65, None, "65 ans et plus"),
)
UNKNOWN_AGE = "Âge non renseigné"

# The ten VIAL evaluation indicators, in the order of the call for projects (seed 003).
INDICATORS = (
    "Personnes accompagnées par âge et sexe",
    "Personnes relogées",
    "Sous-locations mises en place",
    "Partenaires mobilisés, par nombre et catégorie",
    "Actions collectives et participants",
    "Entrées en formation",
    "Accès à l'emploi par type de contrat",
    "Suivis en santé (hors santé mentale)",
    "Suivis en santé mentale",
    "Objectifs de gestion budgétaire atteints",
)
ENDS_TITLE = "Fins de mesure et ruptures, par motif"
MONTHLY_TITLE = "Comptage mensuel : totaux des douze relevés"


@dataclass(frozen=True)
class PersonFact:
    household_id: int
    sex: str
    birth_date: date | None


@dataclass(frozen=True)
class OutcomeFact:
    measure_id: int
    kind: str
    recorded_on: date
    contract_type: str = ""


@dataclass(frozen=True)
class MeetingFact:
    measure_id: int
    held_on: date
    kind: str = codes.MeetingKind.COLLECTIVE
    staff_id: int | None = None


@dataclass(frozen=True)
class PartnerFact:
    measure_id: int
    kind: str
    category: str
    since: date
    until: date | None = None
    name_key: str = ""  # normalised structure name, to count distinct structures; never shown


@dataclass
class Facts:
    spans: list[Span]
    persons: list[PersonFact] = field(default_factory=list)
    outcomes: list[OutcomeFact] = field(default_factory=list)
    meetings: list[MeetingFact] = field(default_factory=list)
    partners: list[PartnerFact] = field(default_factory=list)


@dataclass
class PartnerCategoryRow:
    category: str
    label: str
    mobilisations: int = 0
    households: int = 0
    structures: int = 0


@dataclass
class AnnualReport:
    year: int
    cut_off: date | None
    measures: int
    households: int
    people: Counter  # (age band label, sex code) -> persons
    rehoused_households: int
    rehoused_people: int
    subleases: int
    partner_categories: list[PartnerCategoryRow]
    partner_kinds: list[tuple[str, str, int]]  # (category label, kind label, households)
    partner_mobilisations: int
    partner_structures: int
    collective_actions: int
    collective_households: int
    collective_outcome_households: int
    training: int
    employment: Counter  # contract type -> households
    employment_households: int
    health: int
    mental_health: int
    budget: int
    ends: statements.Figures  # of the year, computed on the year
    months: list[statements.Statement]  # the twelve monthly statements
    monthly_total: statements.Figures  # their sum

    @property
    def people_total(self) -> int:
        return sum(self.people.values())


def age_on(birth: date, day: date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def age_band(age: int | None) -> str:
    if age is None:
        return UNKNOWN_AGE
    for low, high, label in AGE_BANDS:
        if age >= low and (high is None or age <= high):
            return label
    return AGE_BANDS[0][2]


def _in_year(day: date | None, start: date, end: date) -> bool:
    return day is not None and start <= day <= end


def build(facts: Facts, year: int, today: date | None = None) -> AnnualReport:
    """The report of `year` from the facts of one operator (counted up to `today` during the year)."""
    start, end = date(year, 1, 1), date(year, 12, 31)
    until = today if today is not None and today <= end else None
    last = end if until is None else until
    spans = [s for s in facts.spans if statements.active_days(s, start, end, until)]
    measure_ids = {s.measure_id for s in spans}
    household_of = {s.measure_id: s.household_id for s in spans}
    households = {s.household_id for s in spans}

    # People accompanied, by age band and sex.
    last_day: dict[int, date] = {}
    for span in spans:
        day = statements.last_active_day(span, last) or last  # its end, or the year's last counted day
        last_day[span.household_id] = max(last_day.get(span.household_id, day), day)
    people: Counter = Counter()
    persons_by_household: Counter = Counter()
    for person in facts.persons:
        if person.household_id not in households:
            continue
        reference = last_day[person.household_id]
        if person.birth_date and person.birth_date > reference:
            continue  # not yet born that year
        sex = person.sex if person.sex in dict(SEXES) else "U"
        age = age_on(person.birth_date, reference) if person.birth_date else None
        people[(age_band(age), sex)] += 1
        persons_by_household[person.household_id] += 1

    # Results recorded in the year: households having each result at least once.
    with_result: dict[str, set[int]] = {}
    employment: dict[str, set[int]] = {}
    for outcome in facts.outcomes:
        if outcome.measure_id not in measure_ids or not _in_year(outcome.recorded_on, start, last):
            continue
        household = household_of[outcome.measure_id]
        with_result.setdefault(outcome.kind, set()).add(household)
        if outcome.kind == codes.OutcomeKind.EMPLOYMENT:
            employment.setdefault(outcome.contract_type or codes.ContractType.OTHER, set()).add(household)

    def count(kind) -> int:
        return len(with_result.get(kind, ()))

    rehoused = with_result.get(codes.OutcomeKind.HOUSED, set())

    # Partners mobilised during the year.
    categories = {c.value: PartnerCategoryRow(c.value, c.label) for c in codes.PartnerCategory}
    category_households: dict[str, set[int]] = {}
    category_structures: dict[str, set[tuple[str, str]]] = {}
    kind_households: dict[str, set[int]] = {}
    mobilisations = 0
    for partner in facts.partners:
        if partner.measure_id not in measure_ids:
            continue
        if partner.since > last or (partner.until is not None and partner.until < start):
            continue
        mobilisations += 1
        category = partner.category if partner.category in categories else codes.PartnerCategory.RIGHTS
        categories[category].mobilisations += 1
        category_households.setdefault(category, set()).add(household_of[partner.measure_id])
        category_structures.setdefault(category, set()).add((partner.kind, partner.name_key))
        kind_households.setdefault(partner.kind, set()).add(household_of[partner.measure_id])
    for code, row in categories.items():
        row.households = len(category_households.get(code, ()))
        row.structures = len(category_structures.get(code, ()))
    kind_rows = []
    for kind in codes.PartnerKind:
        if kind.value in kind_households:
            category = codes.PARTNER_CATEGORY.get(kind.value, codes.PartnerCategory.RIGHTS)
            kind_rows.append((codes.PartnerCategory(category).label, kind.label, len(kind_households[kind.value])))

    # Collective actions: one per (date, staff member); participants are distinct households.
    actions = set()
    participants = set()
    for meeting in facts.meetings:
        if meeting.kind != codes.MeetingKind.COLLECTIVE or meeting.measure_id not in measure_ids:
            continue
        if not _in_year(meeting.held_on, start, last):
            continue
        actions.add((meeting.held_on, meeting.staff_id))
        participants.add(household_of[meeting.measure_id])

    months = statements.year_of_months(facts.spans, year, today)
    return AnnualReport(
        year=year,
        cut_off=until,
        measures=len(spans),
        households=len(households),
        people=people,
        rehoused_households=len(rehoused),
        rehoused_people=sum(persons_by_household[h] for h in rehoused),
        subleases=count(codes.OutcomeKind.SUBLEASE),
        partner_categories=list(categories.values()),
        partner_kinds=kind_rows,
        partner_mobilisations=mobilisations,
        partner_structures=sum(r.structures for r in categories.values()),
        collective_actions=len(actions),
        collective_households=len(participants),
        collective_outcome_households=count(codes.OutcomeKind.COLLECTIVE),
        training=count(codes.OutcomeKind.TRAINING),
        employment=Counter({k: len(v) for k, v in employment.items()}),
        employment_households=count(codes.OutcomeKind.EMPLOYMENT),
        health=count(codes.OutcomeKind.HEALTH),
        mental_health=count(codes.OutcomeKind.MENTAL_HEALTH),
        budget=count(codes.OutcomeKind.BUDGET),
        ends=statements.period_figures(facts.spans, start, end, until),
        months=months,
        monthly_total=statements.sum_flows(months),
    )


# --- the report as titled tables: the page, the xlsx and the PDF show these ----------------------


@dataclass
class Table:
    caption: str
    columns: list[str]
    rows: list[list]  # first cell: the row's heading; others: int, Decimal or text
    total: list | None = None


@dataclass
class Section:
    number: int | None
    title: str
    tables: list[Table]
    notes: list[str] = field(default_factory=list)

    @property
    def heading(self) -> str:
        return f"{self.number}. {self.title}" if self.number else self.title


def display(value) -> str:
    """A cell as shown on the page and in the PDF: counts as they are, decimals in French."""
    if isinstance(value, Decimal):
        return statements.french_decimal(value)
    if isinstance(value, Fraction):
        return statements.french_decimal(statements.round_fraction(value))
    return "" if value is None else str(value)


def _count_table(caption: str, label: str, value: int, unit: str = "Ménages") -> Table:
    return Table(caption, ["Indicateur", unit], [[label, value]])


def sections(report: AnnualReport) -> list[Section]:
    titles = INDICATORS
    year = report.year
    people_rows = []
    for _low, _high, band in (*AGE_BANDS, (0, 0, UNKNOWN_AGE)):
        counts = [report.people.get((band, sex), 0) for sex, _ in SEXES]
        if band == UNKNOWN_AGE and not any(counts):
            continue
        people_rows.append([band, *counts, sum(counts)])
    sex_totals = [sum(report.people.get((band, sex), 0) for band, _ in _bands()) for sex, _ in SEXES]
    people = Section(
        1,
        titles[0],
        [
            Table(
                f"Personnes accompagnées en {year}, par tranche d'âge et sexe",
                ["Tranche d'âge", *[label for _, label in SEXES], "Total"],
                people_rows,
                ["Total", *sex_totals, report.people_total],
            )
        ],
        [
            f"{report.households} ménage{'s' if report.households > 1 else ''} accompagné{'s' if report.households > 1 else ''} "
            f"par {report.measures} mesure{'s' if report.measures > 1 else ''} active{'s' if report.measures > 1 else ''} dans l'année.",
            "Âge au dernier jour d'accompagnement de l'année.",
        ],
    )
    rehoused = Section(
        2,
        titles[1],
        [
            Table(
                "Relogements constatés dans l'année",
                ["Indicateur", "Nombre"],
                [["Ménages relogés", report.rehoused_households], ["Personnes relogées", report.rehoused_people]],
            )
        ],
    )
    sublease = Section(
        3, titles[2], [_count_table("Sous-locations", "Sous-locations mises en place", report.subleases)]
    )
    partners = Section(
        4,
        titles[3],
        [
            Table(
                "Partenaires mobilisés par catégorie",
                ["Catégorie", "Mobilisations", "Structures", "Ménages concernés"],
                [[r.label, r.mobilisations, r.structures, r.households] for r in report.partner_categories],
                ["Total", report.partner_mobilisations, report.partner_structures, ""],
            ),
            Table(
                "Partenaires mobilisés par type de partenaire",
                ["Partenaire", "Catégorie", "Ménages concernés"],
                [[kind, category, households] for category, kind, households in report.partner_kinds],
            ),
        ],
        ["Structures : partenaires distincts (type et nom de la structure)."],
    )
    collective = Section(
        5,
        titles[4],
        [
            Table(
                "Actions collectives de l'année",
                ["Indicateur", "Nombre"],
                [
                    ["Actions collectives menées", report.collective_actions],
                    ["Ménages ayant participé (rencontres enregistrées)", report.collective_households],
                    ["Ménages ayant participé (résultat noté au bilan)", report.collective_outcome_households],
                ],
            )
        ],
        ["Une action collective = une date et un membre de l'équipe ; un ménage participant compte une fois."],
    )
    training = Section(6, titles[5], [_count_table("Formation", "Entrées en formation", report.training)])
    employment_rows = [[c.label, report.employment.get(c.value, 0)] for c in codes.ContractType]
    employment = Section(
        7,
        titles[6],
        [
            Table(
                "Accès à l'emploi par type de contrat",
                ["Type de contrat", "Ménages"],
                employment_rows,
                ["Ménages ayant accédé à un emploi", report.employment_households],
            )
        ],
        ["Un ménage ayant eu deux types de contrat compte dans chacun, une seule fois dans le total."],
    )
    health = Section(8, titles[7], [_count_table("Santé", "Suivis en santé mis en place", report.health)])
    mental = Section(
        9, titles[8], [_count_table("Santé mentale", "Suivis en santé mentale mis en place", report.mental_health)]
    )
    budget = Section(10, titles[9], [_count_table("Budget", "Objectifs de gestion budgétaire atteints", report.budget)])
    ends = Section(
        None,
        ENDS_TITLE,
        [
            Table(
                f"Fins de mesure en {year}, par motif",
                ["Motif", "Fins", "Rupture"],
                [
                    [label, n, "oui" if rupture else "non"]
                    for _c, label, n, rupture in report.ends.ends_by_reason_rows()
                ],
                ["Total", report.ends.ends, f"{report.ends.ruptures} rupture{'s' if report.ends.ruptures > 1 else ''}"],
            )
        ],
        ["Ruptures : rupture de l'accompagnement et non-adhésion du ménage."],
    )
    month_rows = [
        [
            statements.month_label(m.year, m.month),
            m.total.active,
            m.total.household_months,
            m.total.starts,
            m.total.ends,
            m.total.ruptures,
        ]
        for m in report.months
    ]
    total = report.monthly_total
    monthly = Section(
        None,
        MONTHLY_TITLE,
        [
            Table(
                f"Relevés mensuels {year}",
                ["Mois", "Mesures actives", "Mois-ménages", "Débuts", "Fins", "Ruptures"],
                month_rows,
                ["Total de l'année", report.measures, total.household_months, total.starts, total.ends, total.ruptures],
            )
        ],
        [
            "Mois-ménages : dans chaque mois, une mesure compte la part des jours du mois où elle était active.",
            "Total des mesures actives : mesures actives au moins un jour de l'année (une mesure active plusieurs mois compte une fois).",
        ],
    )
    return [
        people,
        rehoused,
        sublease,
        partners,
        collective,
        training,
        employment,
        health,
        mental,
        budget,
        ends,
        monthly,
    ]


def _bands():
    return [(label, None) for _low, _high, label in AGE_BANDS] + [(UNKNOWN_AGE, None)]
