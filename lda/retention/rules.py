"""Retention of a household's data (spec 6, "Minimisation and retention"), pure: dates in, dates out.

A household's data is kept `months` (24) after its last contact. Its referent is warned
`warning_months` (23) after the last contact; the data is anonymised once both the retention is
over and `grace_days` (30) have passed since the warning was actually given — so nobody is purged
without a warning at least 30 days old, even when the daily job did not run for a while or the
household was already past 23 months when this came into force. A legal hold suspends everything.
A new contact starts the count again (the warning given for an older last contact no longer counts).

The durations are data (`RetentionRules`, per territory, defaults below); nothing here reads the
clock or the database.
"""

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum


class RulesError(ValueError):
    """Rules that make no sense; the message is French."""


@dataclass(frozen=True)
class RetentionRules:
    months: int = 24
    warning_months: int = 23
    grace_days: int = 30

    def __post_init__(self):
        if not isinstance(self.months, int) or self.months < 1:
            raise RulesError("La durée de conservation doit être d'au moins un mois.")
        if not isinstance(self.warning_months, int) or not 0 < self.warning_months < self.months:
            raise RulesError("L'avertissement doit précéder la fin de la durée de conservation d'au moins un mois.")
        if not isinstance(self.grace_days, int) or self.grace_days < 0:
            raise RulesError("Le délai de grâce ne peut pas être négatif.")


DEFAULT_RULES = RetentionRules()


class State(StrEnum):
    KEPT = "kept"  # within retention, nothing to do
    WARN = "warn"  # the warning is due (not given yet for this last contact)
    WARNED = "warned"  # warned, within the grace period
    PURGE = "purge"  # to anonymise now
    HELD = "held"  # a legal hold suspends it


STATE_LABELS = {
    State.KEPT: "Conservé",
    State.WARN: "Avertissement à envoyer",
    State.WARNED: "Averti, délai de grâce en cours",
    State.PURGE: "À anonymiser",
    State.HELD: "Suspendu (gel juridique)",
}


def add_months(day: date, months: int) -> date:
    """The same day `months` later, or the month's last day when it has none (31 Jan + 1 = 28/29 Feb)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def month_start(day: date) -> date:
    return day.replace(day=1)


@dataclass(frozen=True)
class Schedule:
    last_contact_on: date
    warn_on: date  # from this day the warning is due
    expires_on: date  # the end of the retention
    purge_on: date  # the earliest anonymisation, if warned by warn_on


def schedule(rules: RetentionRules, last_contact_on: date) -> Schedule:
    warn_on = add_months(last_contact_on, rules.warning_months)
    expires_on = add_months(last_contact_on, rules.months)
    purge_on = max(expires_on, warn_on + timedelta(days=rules.grace_days))
    return Schedule(last_contact_on, warn_on, expires_on, purge_on)


@dataclass(frozen=True)
class Decision:
    state: State
    schedule: Schedule
    purge_on: date | None  # when it will (or would) be anonymised; None while held

    @property
    def label(self) -> str:
        return STATE_LABELS[self.state]


def decide(rules: RetentionRules, last_contact_on: date, warned_on: date | None, held: bool, today: date) -> Decision:
    """What to do today for a household whose last contact is `last_contact_on`, warned on
    `warned_on` for that last contact (None: not yet), under a legal hold or not."""
    plan = schedule(rules, last_contact_on)
    if warned_on is not None and warned_on < last_contact_on:
        warned_on = None  # a warning for an older last contact does not count
    due = max(plan.purge_on, (warned_on or max(today, plan.warn_on)) + timedelta(days=rules.grace_days))
    if held:
        return Decision(State.HELD, plan, None)
    if today < plan.warn_on:
        return Decision(State.KEPT, plan, due)
    if warned_on is None:
        return Decision(State.WARN, plan, due)
    if today >= due:
        return Decision(State.PURGE, plan, due)
    return Decision(State.WARNED, plan, due)
