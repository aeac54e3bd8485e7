"""The adapter: what the engine (`rules.py`) needs for each household of a territory, in a fixed
number of queries whatever the number of households.

**Last contact** (decision 0022) is the latest of:
- the household's `last_contact_on` (contacts recorded by the referent);
- the date of its latest domain event (referral, decision, list entry or exit, situation, contact,
  commission, measure activated or ended…: every `HouseholdEvent`);
- the latest transition of its measures (`MeasureEvent`), meeting (`Meeting`) or review (`Review`);
- the latest step of its housing proposals (`ProposalEvent`);
- and, when none of these exists, the day the file was created.
Households already anonymised, and households merged into another (they follow the kept one), are
not candidates.
"""

from dataclasses import dataclass
from datetime import date

from django.db.models import Max
from django.utils import timezone

from lda.households.models import Household, HouseholdEvent
from lda.housing.models import ProposalEvent
from lda.measures.models import MeasureEvent, Meeting, Review
from lda.retention import rules
from lda.retention.models import LegalHold, RetentionNotice, RetentionRules


@dataclass(frozen=True)
class Candidate:
    territory_id: int
    household_id: int
    reference: str
    referent_id: int | None
    referent_organisation_id: int | None
    last_contact_on: date
    warned_on: date | None
    held: bool
    decision: rules.Decision


def rules_for(territory_id: int) -> rules.RetentionRules:
    row = RetentionRules.objects.filter(territory_id=territory_id).first()
    return row.as_rules() if row else rules.DEFAULT_RULES


def _latest(queryset, household_path: str, date_field: str) -> dict[int, date]:
    return dict(
        queryset.order_by().values(household_path).annotate(last=Max(date_field)).values_list(household_path, "last")
    )


def last_contacts(territory_id: int) -> dict[int, date]:
    """The latest contact of each household of a territory that has one, in five grouped queries.

    Filtered by the territory through a join, not by a list of ids: a territory of 20 000
    households would pass 20 000 parameters (over SQLite's limit at metropolis scale, and slower
    on PostgreSQL: 2.5 s against 0.75 s for 20 000 households)."""
    sources = [
        _latest(HouseholdEvent.objects.filter(household__territory_id=territory_id), "household_id", "occurred_on"),
        _latest(
            MeasureEvent.objects.filter(measure__household__territory_id=territory_id),
            "measure__household_id",
            "occurred_on",
        ),
        _latest(
            Meeting.objects.filter(measure__household__territory_id=territory_id), "measure__household_id", "held_on"
        ),
        _latest(
            Review.objects.filter(measure__household__territory_id=territory_id), "measure__household_id", "held_on"
        ),
        _latest(
            ProposalEvent.objects.filter(proposal__household__territory_id=territory_id),
            "proposal__household_id",
            "occurred_on",
        ),
    ]
    result: dict[int, date] = {}
    for source in sources:
        for household_id, last in source.items():
            if last and (household_id not in result or last > result[household_id]):
                result[household_id] = last
    return result


def candidates(territory_id: int, today: date) -> list[Candidate]:
    """Every household of the territory still held in the active base, with today's decision."""
    territory_rules = rules_for(territory_id)
    households = list(
        Household.objects.filter(territory_id=territory_id, merged_into__isnull=True, anonymisation__isnull=True)
        .order_by("pk")
        .values_list("pk", "reference", "referent_id", "referent_organisation_id", "last_contact_on", "created_at")
    )
    contacts = last_contacts(territory_id)
    held = set(
        LegalHold.objects.filter(household__territory_id=territory_id, lifted_at__isnull=True).values_list(
            "household_id", flat=True
        )
    )
    warned = {
        (h, on): warned_on
        for h, on, warned_on in RetentionNotice.objects.filter(household__territory_id=territory_id).values_list(
            "household_id", "last_contact_on", "warned_on"
        )
    }
    result = []
    for pk, reference, referent_id, referent_org, recorded_contact, created_at in households:
        found = [d for d in (recorded_contact, contacts.get(pk)) if d]
        last = max(found) if found else timezone.localdate(created_at)
        warned_on = warned.get((pk, last))
        decision = rules.decide(territory_rules, last, warned_on, pk in held, today)
        result.append(
            Candidate(territory_id, pk, reference, referent_id, referent_org, last, warned_on, pk in held, decision)
        )
    return result
