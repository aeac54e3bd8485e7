"""The daily retention job: warns at 23 months, anonymises after the grace period, audits each one.

`run(today, apply=False)` is a dry run unless `apply`: it returns what it did (or would do). With
`apply`, each warning is recorded once per last contact (`RetentionNotice`: shown in the app,
e-mailed to the referent) and each household due is anonymised in its own transaction
(`purge.anonymise`): one failure leaves that household whole and the others done.
"""

import logging
from dataclasses import dataclass, field
from datetime import date

from django.db import IntegrityError, transaction

from lda.accounts.models import Territory
from lda.households.models import Household
from lda.retention import facts, notify, purge
from lda.retention.models import RetentionNotice
from lda.retention.rules import State, add_months

logger = logging.getLogger(__name__)


@dataclass
class Report:
    today: date
    applied: bool
    kept: int = 0
    held: int = 0
    waiting: int = 0  # warned, within the grace period
    warn: list[facts.Candidate] = field(default_factory=list)
    purge: list[facts.Candidate] = field(default_factory=list)
    purged: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    emails: int = 0
    tasks: int = 0  # old tasks whose files and results were blanked

    def as_dict(self) -> dict:
        return {
            "date": self.today.isoformat(),
            "applied": self.applied,
            "kept": self.kept,
            "held": self.held,
            "waiting": self.waiting,
            "warned": len(self.warn),
            "to_purge": len(self.purge),
            "purged": len(self.purged),
            "failed": len(self.failed),
            "emails": self.emails,
            "tasks": self.tasks,
        }


def run(today: date, apply: bool = False, territory=None, progress=None) -> Report:
    report = Report(today, apply)
    territories = [territory] if territory is not None else list(Territory.objects.order_by("pk"))
    for where in territories:
        warn, due = [], []
        for candidate in facts.candidates(where.pk, today):
            state = candidate.decision.state
            if state == State.KEPT:
                report.kept += 1
            elif state == State.HELD:
                report.held += 1
            elif state == State.WARNED:
                report.waiting += 1
            elif state == State.WARN:
                warn.append(candidate)
            elif state == State.PURGE:
                due.append(candidate)
        report.warn += warn
        report.purge += due
        if apply:
            _warn(where, warn, today)
            _purge(report, due, today, progress)
            months = facts.rules_for(where.pk).months
            report.tasks += purge.expire_tasks(where.pk, add_months(today, -months))
    if apply:
        report.emails = notify.send_pending()
    return report


def _warn(territory, candidates, today: date) -> None:
    for candidate in candidates:
        try:
            with transaction.atomic():
                RetentionNotice.objects.create(
                    territory_id=territory.pk,
                    household_id=candidate.household_id,
                    last_contact_on=candidate.last_contact_on,
                    warned_on=today,
                    purge_on=candidate.decision.purge_on,
                )
        except IntegrityError:
            pass  # already warned for this last contact (a second run the same day)


def _purge(report: Report, candidates, today: date, progress) -> None:
    for done, candidate in enumerate(candidates, 1):
        try:
            purge.anonymise(Household(pk=candidate.household_id), today, candidate.last_contact_on)
        except Exception:
            report.failed.append(candidate.household_id)
            logger.exception("Anonymisation du ménage %s impossible", candidate.household_id)
        else:
            report.purged.append(candidate.household_id)
        if progress:
            progress(done, len(candidates), "Anonymisation des dossiers arrivés en fin de conservation")
