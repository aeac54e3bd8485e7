"""The measure-rule engine (spec 2), pure: plain dataclasses in, plain answers out.

From a measure type's rules (`TypeRules`, the data an administrator configures) and what happened
to one measure (`MeasureFacts`), it says when reviews and the end are due, how much renewal room is
left, whether the pre-housing period is exceeded, which alerts are due, and it refuses, in French,
a renewal past the caps or decided without the approvals the type names. No ORM here: the services
load the facts, ask, and only then write.

Durations are in whole months from the activation date, counted by **the month rule** (decision
0025, seed 003): n months from day d end on the day before the same day of the n-th month after, or
on that month's last day when it has no such day (`month_end`). So a 12-month measure activated on
15 January ends on 14 January of the next year, one activated on 29/02/2024 ends on 28/02/2025, and
30 months from 31/08/2025 end on 29/02/2028. The (k+1)-th month of a measure starts the day after
its first k months end (`month_start`); funding counts these months (`statements.py`).
"""

import calendar
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

REVIEW_NOTICE_DAYS = 15  # "review due in 15 days"
END_NOTICE_DAYS = 30  # "end approaching"


class RuleRefused(Exception):
    """A request the type's rules forbid; the message (French) is shown as is."""


def add_months(day: date, months: int) -> date:
    """`day` moved by whole months, clamped to the month's last day (31 Jan + 1 month = 28/29 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def month_end(start: date, months: int) -> date:
    """The last day of `months` months counted from `start` (the month rule, decision 0025): the day
    before the same day of the month `months` later, or that month's last day when it has none."""
    if months < 1:
        raise ValueError("une durée compte au moins un mois")
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    last = calendar.monthrange(year, month)[1]
    if start.day > last:
        return date(year, month, last)
    return date(year, month, start.day) - timedelta(days=1)


def month_start(start: date, k: int) -> date:
    """The first day of the (k+1)-th month counted from `start` (k = 0: `start` itself)."""
    return start if k == 0 else month_end(start, k) + timedelta(days=1)


@dataclass(frozen=True)
class TypeRules:
    """The rules of one version of a measure type; see `catalogue.py` for VIAL's values."""

    standard_months: int
    max_months: int  # absolute maximum, renewals and derogation included
    # Months the measure may start before the household enters its home; None: no such limit
    # (measures for households already housed, or searching for a home without time limit).
    pre_housing_months: int | None = None
    pre_housing_reduces_sliding_lease: bool = False
    review_months: tuple[int, ...] = ()
    informal_review_months: tuple[int, ...] = ()
    renewal_step_months: int = 0  # each ordinary renewal lasts at most this
    renewal_cap_months: int = 0  # ordinary renewals, cumulated
    renewal_approvers: tuple[str, ...] = ()
    derogation_months: int = 0  # one more renewal of at most this, once the ordinary room is used
    derogation_approvers: tuple[str, ...] = ()
    meetings_per_week: int = 0
    home_visits_per_week: int = 0

    def problems(self) -> dict[str, str]:
        """Inconsistencies an administrator must fix before saving, per field, in French."""
        errors = {}
        if self.standard_months < 1:
            errors["standard_months"] = "La durée standard doit être d'au moins un mois."
        if self.max_months < self.standard_months:
            errors["max_months"] = "La durée maximale absolue ne peut pas être inférieure à la durée standard."
        elif self.standard_months + self.renewal_cap_months + self.derogation_months > self.max_months:
            errors["max_months"] = (
                f"La durée standard, les renouvellements et la dérogation font "
                f"{self.standard_months + self.renewal_cap_months + self.derogation_months} mois : "
                f"plus que la durée maximale absolue ({self.max_months} mois)."
            )
        if self.pre_housing_months is not None and self.pre_housing_months < 0:
            errors["pre_housing_months"] = "La durée avant l'entrée dans le logement ne peut pas être négative."
        outside = [m for m in self.review_months if m < 1 or m > self.standard_months]
        if outside:
            errors["review_months"] = (
                f"Les bilans doivent tomber entre 1 et {self.standard_months} mois (durée standard) : "
                f"{', '.join(map(str, outside))} ne convient pas."
            )
        if not set(self.informal_review_months) <= set(self.review_months):
            errors["informal_review_months"] = "Un bilan informel doit être l'un des bilans prévus."
        if self.renewal_cap_months and self.renewal_step_months < 1:
            errors["renewal_step_months"] = "Indiquez la durée maximale d'un renouvellement."
        if self.renewal_step_months > self.renewal_cap_months:
            errors["renewal_step_months"] = "Un renouvellement ne peut pas dépasser le cumul des renouvellements."
        if self.renewal_cap_months and not self.renewal_approvers:
            errors["renewal_approvers"] = "Un renouvellement doit être accordé par quelqu'un : choisissez qui."
        if self.derogation_months and not self.derogation_approvers:
            errors["derogation_approvers"] = "Une dérogation doit être accordée par quelqu'un : choisissez qui."
        if self.home_visits_per_week > self.meetings_per_week:
            errors["home_visits_per_week"] = (
                "Les visites à domicile font partie des rencontres : pas plus que celles-ci."
            )
        if min(self.meetings_per_week, self.home_visits_per_week, self.renewal_cap_months, self.derogation_months) < 0:
            errors["meetings_per_week"] = "Les nombres et durées ne peuvent pas être négatifs."
        return errors


@dataclass(frozen=True)
class Renewal:
    """A renewal granted (approved): requests pending or refused are not facts of the duration."""

    months: int
    derogation: bool = False


@dataclass(frozen=True)
class MeasureFacts:
    activated_on: date | None
    housing_entry_on: date | None = None
    renewals: tuple[Renewal, ...] = ()
    reviews_held: tuple[int, ...] = ()  # the month of each review held (3, 6, 12, 18…)
    ended_on: date | None = None


# --- duration and reviews ----------------------------------------------------------------------


def total_months(rules: TypeRules, facts: MeasureFacts) -> int:
    return rules.standard_months + sum(r.months for r in facts.renewals)


def end_on(rules: TypeRules, facts: MeasureFacts) -> date | None:
    """The planned last day (None before activation)."""
    if facts.activated_on is None:
        return None
    return month_end(facts.activated_on, total_months(rules, facts))


def latest_end_on(rules: TypeRules, activated_on: date) -> date:
    return month_end(activated_on, rules.max_months)


@dataclass(frozen=True)
class Review:
    month: int
    due_on: date
    informal: bool
    held: bool


def review_schedule(rules: TypeRules, facts: MeasureFacts) -> list[Review]:
    """The type's reviews, then one at the end of each renewal period (it decides what comes next).
    A review at m months is due when m months have run (the first day of the next month of the
    measure, `month_start`); one at the measure's last month is due on its last day."""
    if facts.activated_on is None:
        return []
    months = set(rules.review_months)
    cumulated = rules.standard_months
    for renewal in facts.renewals:
        cumulated += renewal.months
        months.add(cumulated)
    held = set(facts.reviews_held)
    # A review at the measure's last month is due on its last day, not the day after it ends.
    last_day = end_on(rules, facts)
    return [
        Review(m, min(month_start(facts.activated_on, m), last_day), m in rules.informal_review_months, m in held)
        for m in sorted(months)
    ]


def next_review(rules: TypeRules, facts: MeasureFacts, today: date | None = None) -> Review | None:
    """The first review not held. An informal review whose day has passed (as of `today`) is not
    waited for: the formal ones after it are still announced and can be overdue."""
    for review in review_schedule(rules, facts):
        if review.held or (review.informal and today is not None and review.due_on < today):
            continue
        return review
    return None


# --- renewals -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RenewalRoom:
    ordinary_months: int  # still available by ordinary renewals
    derogation_months: int  # available by derogation (0 until the ordinary room is used up)
    months_to_maximum: int  # before the absolute maximum


def renewal_room(rules: TypeRules, facts: MeasureFacts) -> RenewalRoom:
    to_max = max(0, rules.max_months - total_months(rules, facts))
    ordinary_used = sum(r.months for r in facts.renewals if not r.derogation)
    ordinary = min(to_max, max(0, rules.renewal_cap_months - ordinary_used))
    derogation_used = any(r.derogation for r in facts.renewals)
    derogation = 0 if derogation_used or ordinary else min(to_max, rules.derogation_months)
    return RenewalRoom(ordinary, derogation, to_max)


def check_renewal(rules: TypeRules, facts: MeasureFacts, months: int, derogation: bool) -> None:
    """Raises `RuleRefused` unless a renewal of `months` (by derogation or not) fits the rules."""
    if facts.activated_on is None or facts.ended_on is not None:
        raise RuleRefused("Seule une mesure active peut être renouvelée.")
    if months < 1:
        raise RuleRefused("Un renouvellement dure au moins un mois.")
    room = renewal_room(rules, facts)
    if derogation:
        if not rules.derogation_months:
            raise RuleRefused("Ce type de mesure ne prévoit pas de renouvellement dérogatoire.")
        if any(r.derogation for r in facts.renewals):
            raise RuleRefused("Le renouvellement dérogatoire a déjà été accordé : il n'est possible qu'une fois.")
        if room.ordinary_months:
            raise RuleRefused(
                f"Il reste {room.ordinary_months} mois de renouvellement ordinaire : "
                "demandez un renouvellement ordinaire avant une dérogation."
            )
        limit = min(rules.derogation_months, room.months_to_maximum)
        if months > limit:
            raise RuleRefused(
                f"Une dérogation est de {limit} mois au plus ; la durée maximale absolue est de {rules.max_months} mois."
            )
        return
    if not rules.renewal_cap_months:
        raise RuleRefused("Ce type de mesure ne prévoit pas de renouvellement.")
    if room.ordinary_months == 0:
        message = f"Les renouvellements ordinaires ({rules.renewal_cap_months} mois au total) sont épuisés."
        if room.derogation_months:
            message += f" Seul un renouvellement dérogatoire de {room.derogation_months} mois au plus reste possible."
        raise RuleRefused(message)
    limit = min(rules.renewal_step_months, room.ordinary_months)
    if months > limit:
        raise RuleRefused(
            f"Un renouvellement est de {limit} mois au plus (par périodes de {rules.renewal_step_months} mois, "
            f"{rules.renewal_cap_months} mois au total)."
        )


def required_approvers(rules: TypeRules, derogation: bool) -> tuple[str, ...]:
    return rules.derogation_approvers if derogation else rules.renewal_approvers


def renewal_decision(rules: TypeRules, derogation: bool, approvals: Mapping[str, bool]) -> str:
    """'approved' once every required approver agreed, 'refused' as soon as one refused,
    'requested' while some are missing. Approvals by anyone the type does not name count for nothing."""
    required = required_approvers(rules, derogation)
    if any(approvals.get(code) is False for code in required):
        return "refused"
    if required and all(approvals.get(code) is True for code in required):
        return "approved"
    return "requested"


def missing_approvers(rules: TypeRules, derogation: bool, approvals: Mapping[str, bool]) -> list[str]:
    return [code for code in required_approvers(rules, derogation) if code not in approvals]


# --- pre-housing period -------------------------------------------------------------------------


@dataclass(frozen=True)
class PreHousing:
    applies: bool
    entry_deadline: date | None = None  # the latest day the household should enter its home
    exceeded: bool = False
    sliding_lease_reduction_days: int = 0


def pre_housing(rules: TypeRules, facts: MeasureFacts, today: date) -> PreHousing:
    """The measure may start `pre_housing_months` before the entry into the home: the entry is due at
    the latest when those months have run (`month_start`, the month rule). Exceeded when the entry
    comes (or has not come) after that.

    The sliding lease is then "réduit d'autant" (VIAL): by every day the accompaniment ran before the
    entry, from the activation to the entry (or to the day after the measure's end, if it ended
    first). The reduction is **not** capped at the months allowed (decision 0025): a late entry is
    flagged (`exceeded`, the alert), and the accompaniment received before it still counts."""
    if rules.pre_housing_months is None or facts.activated_on is None:
        return PreHousing(applies=False)
    deadline = (
        month_start(facts.activated_on, rules.pre_housing_months) if rules.pre_housing_months else facts.activated_on
    )
    entry = facts.housing_entry_on
    if entry is not None and entry <= facts.activated_on:
        return PreHousing(applies=True, entry_deadline=deadline)
    waited_until = entry or min(today, facts.ended_on or today)
    reduction = 0
    if entry and rules.pre_housing_reduces_sliding_lease:
        stop = entry if facts.ended_on is None else min(entry, facts.ended_on + timedelta(days=1))
        reduction = max(0, (stop - facts.activated_on).days)
    return PreHousing(
        applies=True,
        entry_deadline=deadline,
        exceeded=waited_until > deadline,
        sliding_lease_reduction_days=reduction,
    )


# --- alerts -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AlertDue:
    kind: str  # codes.AlertKind
    due_on: date  # with the kind, identifies the alert (the daily job raises it once)


def alerts_due(rules: TypeRules, facts: MeasureFacts, today: date) -> list[AlertDue]:
    """What an active measure calls for today. Informal reviews are announced, never 'overdue'."""
    if facts.activated_on is None or facts.ended_on is not None:
        return []
    due: list[AlertDue] = []
    review = next_review(rules, facts, today)
    if review is not None:
        if review.due_on < today and not review.informal:
            due.append(AlertDue("review_overdue", review.due_on))
        elif today <= review.due_on <= today + timedelta(days=REVIEW_NOTICE_DAYS):
            due.append(AlertDue("review_due", review.due_on))
    end = end_on(rules, facts)
    if end is not None and today <= end <= today + timedelta(days=END_NOTICE_DAYS):
        due.append(AlertDue("end_approaching", end))
    period = pre_housing(rules, facts, today)
    if period.exceeded and facts.housing_entry_on is None:
        due.append(AlertDue("pre_housing_exceeded", period.entry_deadline))
    return due


# --- intensity ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Agreed:
    """The intensity agreed from a date on (the type's default, then each review's)."""

    since: date
    meetings_per_week: int
    home_visits_per_week: int


@dataclass(frozen=True)
class Week:
    monday: date
    meetings: int
    home_visits: int
    agreed_meetings: int
    agreed_home_visits: int

    @property
    def below(self) -> bool:
        return self.meetings < self.agreed_meetings or self.home_visits < self.agreed_home_visits


def weekly_intensity(
    meetings: Iterable[tuple[date, bool, bool]], agreed: list[Agreed], start: date, end: date
) -> list[Week]:
    """Week by week from `start` to `end`: face-to-face meetings and home visits against what was
    agreed at the last review before that week. `meetings` are (day, face_to_face, home_visit)."""
    first = start - timedelta(days=start.weekday())
    counts: dict[date, list[int]] = {}
    for day, face_to_face, home_visit in meetings:
        if not start <= day <= end:
            continue
        monday = day - timedelta(days=day.weekday())
        bucket = counts.setdefault(monday, [0, 0])
        bucket[0] += int(face_to_face)
        bucket[1] += int(home_visit)
    agreed = sorted(agreed, key=lambda a: a.since)
    weeks = []
    monday = first
    while monday <= end:
        current = None
        for a in agreed:
            if a.since <= monday + timedelta(days=6):
                current = a
        done = counts.get(monday, [0, 0])
        weeks.append(
            Week(
                monday,
                done[0],
                done[1],
                current.meetings_per_week if current else 0,
                current.home_visits_per_week if current else 0,
            )
        )
        monday += timedelta(days=7)
    return weeks


@dataclass(frozen=True)
class Summary:
    """What a measure's page and caseload show, computed once."""

    end_on: date | None
    latest_end_on: date | None
    next_review: Review | None
    room: RenewalRoom
    pre_housing: PreHousing
    alerts: list[AlertDue] = field(default_factory=list)


def summarise(rules: TypeRules, facts: MeasureFacts, today: date) -> Summary:
    return Summary(
        end_on=end_on(rules, facts),
        latest_end_on=latest_end_on(rules, facts.activated_on) if facts.activated_on else None,
        next_review=next_review(rules, facts, today),
        room=renewal_room(rules, facts),
        pre_housing=pre_housing(rules, facts, today),
        alerts=alerts_due(rules, facts, today),
    )
