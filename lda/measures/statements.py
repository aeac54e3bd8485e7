"""The operator's monthly statement and the funding of measures (spec 2), pure: plain dataclasses in,
figures out. `statements_data.py` loads the records and stores what the operator sends.

**Household-months (mois-ménages).** A household-month is one month of a measure's accompaniment,
its months counted from the activation day by the month rule (`rules.month_start`,
`rules.month_end`, decision 0025): the (k+1)-th month of a measure activated on day d runs from the
day k months after d to the day before the same day of the next month (or that month's last day when
it has none). A month of accompaniment run in full counts 1; one run in part counts its active days
÷ its days. A measure is active from its activation day to its end day, **both included** (the end
date is the last day of accompaniment, as `rules.end_on` gives the planned last day); an open
measure counts up to the statement's cut-off day (today for the running month, the month's last day
otherwise). So a measure run for its standard 12 months counts exactly 12 and costs exactly its
unit cost, whatever its activation day (29/02/2024 to 28/02/2025 included). A calendar month's
statement counts, of each month of accompaniment, the share of its days falling in the calendar
month: a measure activated on the 1st counts 1 per full calendar month; one activated on 16 April
and ended on 20 May counts 15/30 = 0.5 in April (its first month, 16/04–15/05, has 30 days); one
activated mid-month counts between 28/31 and 31/28 in a full calendar month. The figures are kept as
exact fractions, so a year's household-months are exactly the sum of its twelve months and a
measure's are exactly the sum of its calendar months; they are rounded (to the hundredth) only for
display.

The other counts of a month, per measure type:

- *active*: measures active at least one day of the month; *active at the end*: on its last day
  (or on the cut-off day);
- *starts*: measures activated in the month; *ends*: measures ended in the month, by reason;
  *ruptures*: ends for rupture or non-adhesion (`codes.RUPTURE_REASONS`).

A measure that never started (abandoned before activation) is not a measure of the statement.

**Funding** of an operator for a type and a year: amount due = household-months × unit cost ÷ 12,
each measure at the unit cost of the version it runs under; advance expected = advance share ×
households funded × unit cost (the version in force for the year); balance = amount due − advance
paid; the direct (other than personnel) and indirect costs together must not exceed the cap × the
amount paid for the year, that is the advance plus the balance — the amount due (seed 003: "les
charges directes et indirectes, plafonnées à hauteur de 25% maximum du montant versé", decision
0025). Money is `Decimal`, rounded to the cent (half up) once, at the
end of each line.
"""

import calendar
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from lda.measures import codes, rules

CENT = Decimal("0.01")
MONTHS_FR = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)


@dataclass(frozen=True)
class Span:
    """One activated measure as statements see it."""

    measure_id: int
    type_code: str
    unit_cost: Decimal
    activated_on: date
    ended_on: date | None = None
    end_reason: str = ""
    household_id: int = 0
    type_name: str = ""


# --- days and months -----------------------------------------------------------------------------


def month_bounds(year: int, month: int) -> tuple[date, date]:
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def month_label(year: int, month: int) -> str:
    return f"{MONTHS_FR[month - 1]} {year}"


def last_active_day(span: Span, until: date | None = None) -> date | None:
    """The last day the measure counts, or None if it counts no day up to `until`."""
    last = span.ended_on
    if until is not None and (last is None or last > until):
        last = until
    if last is not None and last < span.activated_on:
        return None
    return last


def active_days(span: Span, start: date, end: date, until: date | None = None) -> int:
    """Days of [start, end] (both included) on which the measure was active."""
    last = last_active_day(span, until)
    if span.activated_on > end or (last is not None and last < start):
        return 0
    first = max(span.activated_on, start)
    stop = end if last is None else min(last, end)
    return max(0, (stop - first).days + 1)


def household_months(span: Span, year: int, month: int, until: date | None = None) -> Fraction:
    start, end = month_bounds(year, month)
    return period_household_months(span, start, end, until)


def months_between(start: date, end: date):
    """(year, month) of every month overlapping [start, end]."""
    year, month = start.year, start.month
    while (year, month) <= (end.year, end.month):
        yield year, month
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def period_household_months(span: Span, start: date, end: date, until: date | None = None) -> Fraction:
    """Household-months of [start, end]: of each month of accompaniment (the month rule), the active
    days falling in [start, end] ÷ that month's days."""
    last = last_active_day(span, until)
    first_day = span.activated_on
    stop = end if last is None else min(last, end)
    if first_day > stop or stop < start:
        return Fraction(0)
    # The first month of accompaniment that can reach `start` (months never run over 31 days).
    k = max(0, (start.year - first_day.year) * 12 + start.month - first_day.month - 1)
    total = Fraction(0)
    while True:
        m_start = rules.month_start(first_day, k)
        if m_start > stop:
            break
        m_end = rules.month_end(first_day, k + 1)
        lo, hi = max(m_start, start), min(m_end, stop)
        if hi >= lo:
            total += Fraction((hi - lo).days + 1, (m_end - m_start).days + 1)
        k += 1
    return total


# --- figures -------------------------------------------------------------------------------------


@dataclass
class Figures:
    """The counts of one measure type (or of all) over a period."""

    type_code: str
    type_name: str
    active: int = 0
    active_at_end: int = 0
    household_months: Fraction = Fraction(0)
    starts: int = 0
    ends: int = 0
    ruptures: int = 0
    ends_by_reason: Counter = field(default_factory=Counter)

    def add_flows(self, other: "Figures") -> None:
        """Adds what adds up across periods (not the stocks `active` and `active_at_end`)."""
        self.household_months += other.household_months
        self.starts += other.starts
        self.ends += other.ends
        self.ruptures += other.ruptures
        self.ends_by_reason.update(other.ends_by_reason)

    def add(self, other: "Figures") -> None:
        """Adds another type's figures of the same period (every count adds up across types)."""
        self.add_flows(other)
        self.active += other.active
        self.active_at_end += other.active_at_end

    @property
    def household_months_rounded(self) -> Decimal:
        return round_fraction(self.household_months, CENT)

    def ends_by_reason_rows(self) -> list[tuple[str, str, int, bool]]:
        """(code, French label, count, is a rupture) for every reason, in the code list's order."""
        return [
            (reason.value, reason.label, self.ends_by_reason.get(reason.value, 0), reason in codes.RUPTURE_REASONS)
            for reason in codes.EndReason
        ]


def period_figures(
    spans: list[Span], start: date, end: date, until: date | None = None, type_code: str = "", type_name: str = ""
) -> Figures:
    """The figures of the spans (of one type, or of all) over [start, end], counted up to `until`."""
    figures = Figures(type_code, type_name)
    stock_day = end if until is None else min(end, until)
    for span in spans:
        days = active_days(span, start, end, until)
        if days:
            figures.active += 1
            figures.household_months += period_household_months(span, start, end, until)
            if active_days(span, stock_day, stock_day, until):
                figures.active_at_end += 1
        if start <= span.activated_on <= end and (until is None or span.activated_on <= until):
            figures.starts += 1
        if span.ended_on and start <= span.ended_on <= end and (until is None or span.ended_on <= until):
            figures.ends += 1
            reason = span.end_reason or ""
            figures.ends_by_reason[reason] += 1
            if reason in codes.RUPTURE_REASONS:
                figures.ruptures += 1
    return figures


def by_type(spans: list[Span]) -> dict[str, list[Span]]:
    groups: dict[str, list[Span]] = {}
    for span in spans:
        groups.setdefault(span.type_code, []).append(span)
    return groups


@dataclass
class Statement:
    """An operator's count for a month (or any period): one row per type, and the total."""

    start: date
    end: date
    cut_off: date | None  # counted up to this day when the period is not over
    rows: list[Figures]
    total: Figures

    @property
    def year(self) -> int:
        return self.start.year

    @property
    def month(self) -> int:
        return self.start.month

    @property
    def label(self) -> str:
        return month_label(self.start.year, self.start.month)


def statement(spans: list[Span], start: date, end: date, today: date | None = None) -> Statement:
    """Per-type figures of [start, end]; if `today` falls before the end, counted up to `today`."""
    until = today if today is not None and today <= end else None
    rows = []
    for code, group in by_type(spans).items():
        row = period_figures(group, start, end, until, code, group[0].type_name or code)
        if row.active or row.starts or row.ends:
            rows.append(row)
    rows.sort(key=lambda r: (r.type_name.lower(), r.type_code))
    total = Figures("", "Total")
    for row in rows:
        total.add(row)
    return Statement(start, end, until, rows, total)


def month_statement(spans: list[Span], year: int, month: int, today: date | None = None) -> Statement:
    start, end = month_bounds(year, month)
    return statement(spans, start, end, today)


def year_of_months(spans: list[Span], year: int, today: date | None = None) -> list[Statement]:
    """The twelve monthly statements of a year (months after `today` are empty)."""
    return [month_statement(spans, year, month, today) for month in range(1, 13)]


def sum_flows(statements: list[Statement]) -> Figures:
    """The flows (household-months, starts, ends, ruptures, ends by reason) of several statements."""
    total = Figures("", "Total")
    for item in statements:
        total.add_flows(item.total)
    return total


# --- the snapshot the operator sends, and what changed since -------------------------------------


def _figures_json(row: Figures) -> dict:
    return {
        "code": row.type_code,
        "name": row.type_name,
        "active": row.active,
        "active_at_end": row.active_at_end,
        "household_months": str(row.household_months_rounded),
        "starts": row.starts,
        "ends": row.ends,
        "ruptures": row.ruptures,
        "ends_by_reason": {k: v for k, v in sorted(row.ends_by_reason.items()) if v},
    }


def to_json(item: Statement) -> dict:
    """The statement as stored in `MonthlyStatement.figures` (codes and numbers only, no names of people)."""
    return {
        "cut_off": item.cut_off.isoformat() if item.cut_off else None,
        "types": [_figures_json(row) for row in item.rows],
        "total": _figures_json(item.total),
    }


FIELD_LABELS = {
    "active": "mesures actives",
    "active_at_end": "actives en fin de mois",
    "household_months": "mois-ménages",
    "starts": "débuts",
    "ends": "fins",
    "ruptures": "ruptures",
}


def _display(name: str, value) -> str:
    if name == "household_months":
        return french_decimal(Decimal(value))
    return str(value)


def differences(sent: dict, current: dict) -> list[str]:
    """What changed between the figures sent and today's (French lines; empty when identical)."""
    lines = []
    sent_types = {t["code"]: t for t in sent.get("types", [])}
    current_types = {t["code"]: t for t in current.get("types", [])}
    for code in sorted(sent_types.keys() | current_types.keys()):
        before, after = sent_types.get(code, {}), current_types.get(code, {})
        name = (after or before).get("name", code)
        for key, label in FIELD_LABELS.items():
            empty = "0.00" if key == "household_months" else 0
            old, new = before.get(key, empty), after.get(key, empty)
            if str(old) != str(new):
                lines.append(f"{name} — {label} : {_display(key, old)} transmis, {_display(key, new)} aujourd'hui")
        old_reasons, new_reasons = before.get("ends_by_reason", {}), after.get("ends_by_reason", {})
        for reason in sorted(old_reasons.keys() | new_reasons.keys()):
            old, new = old_reasons.get(reason, 0), new_reasons.get(reason, 0)
            if old != new:
                label = reason_label(reason)
                lines.append(f"{name} — fins « {label} » : {old} transmis, {new} aujourd'hui")
    return lines


def reason_label(code: str) -> str:
    try:
        return codes.EndReason(code).label
    except ValueError:
        return code or "motif non renseigné"


# --- money and numbers in French -----------------------------------------------------------------


def round_fraction(value: Fraction, step: Decimal = CENT) -> Decimal:
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(step, rounding=ROUND_HALF_UP)


def to_cent(value: Decimal | Fraction) -> Decimal:
    if isinstance(value, Fraction):
        return round_fraction(value)
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def _group(digits: str) -> str:
    parts = []
    while len(digits) > 3:
        parts.insert(0, digits[-3:])
        digits = digits[:-3]
    parts.insert(0, digits)
    return "\xa0".join(parts)  # a no-break space: encodable in cp1252, so the PDF shows it


def french_decimal(value: Decimal, places: int = 2) -> str:
    """'1 234,50' (no-break spaces, decimal comma)."""
    value = Decimal(value).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    sign = "-" if value < 0 else ""
    whole, _, fraction = f"{abs(value):f}".partition(".")
    text = _group(whole)
    return f"{sign}{text},{fraction}" if places else f"{sign}{text}"


def euros(value: Decimal | None) -> str:
    if value is None:
        return "—"
    return f"{french_decimal(value)}\xa0€"


def percent(value: Decimal | None) -> str:
    if value is None:
        return "—"
    text = french_decimal(Decimal(value) * 100, 1)
    return f"{text.removesuffix(',0')}\xa0%"


# --- funding -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Terms:
    """What the type's version in force for the year says about money."""

    unit_cost: Decimal
    advance_share: Decimal
    indirect_cost_cap: Decimal | None


@dataclass(frozen=True)
class AgreementFacts:
    households_funded: int
    advance_paid: Decimal
    indirect_costs: Decimal | None = None
    signed_on: date | None = None
    direct_costs: Decimal | None = None  # other than personnel costs


def capped_costs(agreement: "AgreementFacts | None") -> Decimal | None:
    """The direct and indirect costs the ceiling applies to (None when neither is declared)."""
    if agreement is None or (agreement.direct_costs is None and agreement.indirect_costs is None):
        return None
    return to_cent(Decimal(agreement.direct_costs or 0) + Decimal(agreement.indirect_costs or 0))


@dataclass(frozen=True)
class CapCheck:
    """Direct and indirect costs (personnel costs aside) against the cap: `exceeded_by` is positive when over."""

    cap: Decimal | None  # the share (0.25)
    base: Decimal  # the amount paid for the year
    limit: Decimal | None  # cap × base, in euros
    declared: Decimal | None
    exceeded_by: Decimal | None

    @property
    def ok(self) -> bool | None:
        if self.limit is None or self.declared is None:
            return None
        return self.exceeded_by is None

    @property
    def message(self) -> str:
        if self.cap is None:
            return "Pas de plafond pour ce type"
        if self.declared is None:
            return "Charges directes et indirectes non déclarées"
        if self.exceeded_by is not None:
            return f"Plafond dépassé de {euros(self.exceeded_by)}"
        return f"Plafond respecté (marge {euros(self.limit - self.declared)})"


@dataclass(frozen=True)
class FundingLine:
    year: int
    type_code: str
    type_name: str
    household_months: Fraction
    amount_due: Decimal
    terms: Terms
    agreement: AgreementFacts | None
    advance_expected: Decimal | None
    advance_paid: Decimal
    balance: Decimal
    cap: CapCheck
    cut_off: date | None

    @property
    def household_months_rounded(self) -> Decimal:
        return round_fraction(self.household_months)

    @property
    def balance_label(self) -> str:
        if self.balance > 0:
            return f"{euros(self.balance)} restant à verser à l'opérateur"
        if self.balance < 0:
            return f"{euros(-self.balance)} versés en trop (à reprendre)"
        return "Soldé"


def amount_due(spans: list[Span], year: int, until: date | None = None) -> tuple[Fraction, Decimal]:
    """Household-months of the year and the amount they earn (each measure at its version's cost)."""
    months = Fraction(0)
    money = Fraction(0)
    start, end = date(year, 1, 1), date(year, 12, 31)
    for span in spans:
        share = period_household_months(span, start, end, until)
        months += share
        money += share * Fraction(span.unit_cost) / 12
    return months, to_cent(money)


def advance_expected(terms: Terms, agreement: AgreementFacts | None) -> Decimal | None:
    if agreement is None:
        return None
    return to_cent(Decimal(terms.advance_share) * agreement.households_funded * Decimal(terms.unit_cost))


def cap_check(terms: Terms, base: Decimal, declared: Decimal | None) -> CapCheck:
    if terms.indirect_cost_cap is None:
        return CapCheck(None, base, None, declared, None)
    limit = to_cent(Decimal(terms.indirect_cost_cap) * base)
    over = None
    if declared is not None and declared > limit:
        over = to_cent(declared - limit)
    return CapCheck(terms.indirect_cost_cap, base, limit, declared, over)


def funding_line(
    spans: list[Span],
    year: int,
    terms: Terms,
    agreement: AgreementFacts | None,
    today: date | None = None,
    type_code: str = "",
    type_name: str = "",
) -> FundingLine:
    """One operator's funding for one type and one year (counted up to `today` during the year)."""
    until = today if today is not None and today <= date(year, 12, 31) else None
    months, due = amount_due(spans, year, until)
    paid = to_cent(agreement.advance_paid) if agreement else Decimal("0.00")
    balance = to_cent(due - paid)
    declared = capped_costs(agreement)
    return FundingLine(
        year=year,
        type_code=type_code,
        type_name=type_name,
        household_months=months,
        amount_due=due,
        terms=terms,
        agreement=agreement,
        advance_expected=advance_expected(terms, agreement),
        advance_paid=paid,
        balance=balance,
        cap=cap_check(terms, due, declared),
        cut_off=until,
    )


def last_day_of(year: int) -> date:
    return date(year, 12, 31)


def previous_month(today: date) -> tuple[int, int]:
    first = today.replace(day=1) - timedelta(days=1)
    return first.year, first.month
