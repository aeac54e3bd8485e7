"""Anonymising one household everywhere, in one transaction (spec 6, "Minimisation and retention").

`ERASURE` is the one table of what happens to each table holding a person's data: the rows of a
household (reached by `path` from the model to the household's id) are deleted, or their personal
fields replaced (`replace`: a value, or a function of the row) and their dates blurred to the first
day of their month (`blur`). A new table of personal data is one more line here; the post-purge
test scans every text column of every table and fails when one is forgotten.

What is kept, and why (decision 0022): the rows the figures are computed from, stripped of names
and free text — the household as `ANON-<id>` (no name, no address, no wish, no code of a sensitive
category), its persons as "Anonyme" (sex, place in the household and birth month: the annual
report's age bands), its domain events (codes only, dates blurred to the month, the exits'
housing delay, previous situation and shelter path computed before the dates are blurred and
kept in the exit's payload, so that the figures of past months are unchanged), its measures'
activation and end days and its meeting days (household-months, funding and the annual report's
actions are counted by the day: these are accounting facts, not the person's).

Append-only tables (domain events, transition logs) are rewritten here and only here, through a
plain `QuerySet` that bypasses their guard: anonymisation is the one rewrite the specification
asks for. The access log is never touched: it holds no value.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time

from django.apps import apps
from django.core.cache import cache
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone

from lda.audit.log import record
from lda.audit.models import Action
from lda.households import codes as household_codes
from lda.households import figures
from lda.households.figures import Event
from lda.households.merge_views import _pairs_key
from lda.households.models import Household, HouseholdEvent, Person
from lda.retention import rules
from lda.retention.models import Anonymisation

ANONYMOUS_NAME = "Anonyme"
ERASED = "[effacé]"
# The keys of an event's payload the figures and the timeline read: codes and counts only.
EVENT_KEYS = frozenset({"reason", "housed_in", "decision", "delay_days", "ethos", "retained"})


def _reference(row) -> str:
    return f"ANON-{row.pk}"


def _closed_if_active(row) -> str:
    return household_codes.HouseholdStatus.CLOSED if row.status in household_codes.ACTIVE_STATUSES else row.status


def _event_codes(row) -> dict:
    return {k: v for k, v in (row.payload or {}).items() if k in EVENT_KEYS}


def _birth_precision(row) -> str:
    P = household_codes.DatePrecision
    return P.MONTH if row.birth_precision_was_day else row.birth_date_precision


def _known_blocks(row) -> list[str]:
    return [b for b in row.rights_blocks or [] if b in household_codes.RightsEffect.values]


def _empty_dict(row) -> dict:
    return {}


@dataclass(frozen=True)
class Erasure:
    model: str  # "app_label.ModelName"
    path: str | Callable  # lookup from the model to the household id, or (households, persons) -> Q
    delete: bool = False
    replace: dict = field(default_factory=dict)  # field → value, or function of the row
    blur: tuple[str, ...] = ()  # dates and instants blurred to the first day of their month
    clear: tuple[str, ...] = ()  # many-to-many relations emptied


def _merge_records(households, persons) -> Q:
    return (
        Q(kind="household", kept_id__in=households)
        | Q(kind="household", merged_id__in=households)
        | Q(kind="person", kept_id__in=persons)
        | Q(kind="person", merged_id__in=persons)
    )


# fmt: off
ERASURE: tuple[Erasure, ...] = (
    Erasure("households.Resource", "household_id", delete=True),
    Erasure("households.Need", "household_id", delete=True),
    Erasure("households.LivingSituation", "household_id", delete=True),
    Erasure("housing.DemandProfile", "household_id", delete=True),
    Erasure("measures.MeasureDocument", "measure__household_id", delete=True),  # the signed contracts
    Erasure("measures.Alert", "measure__household_id", delete=True),
    Erasure("retention.RetentionNotice", "household_id", delete=True),
    Erasure("households.FieldChange", "household_id", delete=True),  # the rectification history: values
    Erasure("households.Person", "household_id",
            replace={"last_name": ANONYMOUS_NAME, "first_name": "", "aliases": "", "name_key": "",
                     "administrative_status": household_codes.AdministrativeStatus.UNKNOWN,
                     "birth_date_precision": _birth_precision, "rights_reason": "", "rights_recorded_by": None},
            blur=("birth_date", "created_at", "rights_restricted_on", "rights_opposed_on")),
    Erasure("households.Household", "pk",
            replace={"reference": _reference, "status": _closed_if_active, "whereabouts": "", "notes": "",
                     "sne_number": "", "sne_filed_on": None, "sne_renewed_on": None, "sne_active": False,
                     "dalo_recognised": False, "dalo_on": None, "priority_publics": [], "accepted_communes": [],
                     "refused_communes": [], "wished_home_types": [], "has_pets": False,
                     "needs_ground_floor": False, "needs_accessible": False, "wants_to_live_alone": None,
                     "consent_given": False, "consent_on": None, "consent_recorded_by": None, "consent_kinds": [],
                     "protected": False, "referent": None, "next_review_on": None, "current_ethos": None,
                     "rights_blocks": _known_blocks},
            blur=("entered_list_on", "last_contact_on", "created_at", "updated_at"),
            clear=("protected_viewers",)),
    Erasure("households.Episode", "household_id", blur=("opened_on", "entered_list_on", "left_on")),
    Erasure("households.Referral", "household_id", replace={"summary": "", "created_by": None},
            blur=("received_on", "created_at")),
    Erasure("households.Orientation", "household_id", replace={"comment": "", "decided_by": None},
            blur=("decided_on", "created_at")),
    Erasure("households.CommissionCase", "household_id", replace={"question": "", "conclusion": ""}),
    Erasure("households.Commitment", "case__household_id", replace={"action": ERASED, "owner": None},
            blur=("due_on", "done_on")),
    Erasure("households.MergeRecord", _merge_records, replace={"moved": _empty_dict}),  # what moved: ids and values
    Erasure("households.HouseholdEvent", "household_id", replace={"payload": _event_codes},
            blur=("occurred_on", "recorded_at")),
    Erasure("measures.Measure", "household_id", replace={"follow_on_name": ""},
            blur=("oriented_on", "contract_signed_on", "sent_on", "planned_end_on", "next_review_on",
                  "created_at")),
    Erasure("measures.MeasureEvent", "measure__household_id", replace={"payload": _empty_dict},
            blur=("occurred_on", "recorded_at")),
    Erasure("measures.Review", "measure__household_id", replace={"obstacles": ""}, blur=("held_on", "created_at")),
    Erasure("measures.RenewalRequest", "measure__household_id", blur=("requested_on", "decided_on")),
    Erasure("measures.RenewalApproval", "request__measure__household_id", replace={"comment": ""},
            blur=("decided_at",)),
    Erasure("measures.Meeting", "measure__household_id", blur=("created_at",)),
    Erasure("measures.PartnerMobilisation", "measure__household_id", blur=("since", "until")),
    Erasure("measures.Outcome", "measure__household_id", blur=("recorded_on",)),
    Erasure("housing.Proposal", "household_id", replace={"explanation": _empty_dict},
            blur=("committee_on", "sent_on", "offered_on", "answered_on", "lease_signed_on", "entered_on",
                  "closed_on", "created_at")),
    Erasure("housing.ProposalEvent", "proposal__household_id", replace={"payload": _empty_dict},
            blur=("occurred_on", "recorded_at")),
    Erasure("retention.LegalHold", "household_id", replace={"reason": ERASED, "lift_reason": ""}),
)
# fmt: on


# Text fields of the tables above that hold no personal data: codes, or a partner structure's name.
NOT_PERSONAL: dict[str, str] = {
    "measures.PartnerMobilisation.name": "the partner structure's name (the annual report counts structures)",
    "housing.Proposal.priority": "the priority tier, a code",
    "housing.ProposalEvent.action": "the step of the proposal, a code",
    "measures.Alert.approver": "the approver, a code",
    "measures.MeasureDocument.content_type": "a MIME type",
}


def blur(value):
    """A date or an instant → the first day (midnight, local time) of its month; None stays None."""
    if value is None:
        return None
    if isinstance(value, datetime):
        local = timezone.localtime(value)
        return timezone.make_aware(datetime.combine(local.date().replace(day=1), time()))
    if isinstance(value, date):
        return rules.month_start(value)
    raise TypeError(f"Pas une date : {value!r}")


# --- what no household row points to: the background tasks' files and results ------------------

# Task files and results (an import's file, its report quoting rejected values) are kept as long as
# the households they may concern: a household's last contact is at least the day it was imported,
# so they are gone before any household they name comes up for anonymisation.
TASK_FIELDS = {"payload": {}, "result": None, "error": "", "input_file": None, "input_name": "", "progress_label": ""}


def expire_tasks(territory_id: int, cutoff: date) -> int:
    """Blanks the files, parameters and results of the territory's tasks created before `cutoff`."""
    from lda.tasks.models import Task

    old = Task.objects.filter(
        territory_id=territory_id, created_at__lt=timezone.make_aware(datetime.combine(cutoff, time()))
    )
    old = old.exclude(payload={}, result__isnull=True, error="", input_file__isnull=True, input_name="")
    return old.update(**TASK_FIELDS)


# --- the facts the figures need, kept before the dates are blurred ----------------------------------


def _figure_events(kept: int, household_ids) -> list[Event]:
    """The group's events as the figures' adapter hands them over (merged ones count for the kept)."""
    rows = HouseholdEvent.objects.filter(household_id__in=household_ids, kind__in=figures.KINDS).order_by()
    return [
        Event(kept, e.episode_id, e.kind, e.occurred_on, e.recorded_at, e.payload or {})
        for e in rows.only("episode_id", "kind", "occurred_on", "recorded_at", "payload")
    ]


def retained_facts(kept: int, household_ids) -> dict[int, dict]:
    """For each housed exit of the group: its housing delay, previous situation and shelter path, as
    the figures engine computes them from the exact dates (`figures.compute` on that day alone)."""
    events = _figure_events(kept, household_ids)
    facts = {}
    for exit_ in HouseholdEvent.objects.filter(
        household_id__in=household_ids, kind=figures.LIST_LEFT, payload__reason=figures.HOUSED
    ).only("occurred_on"):
        table = figures.compute(events, exit_.occurred_on, exit_.occurred_on)
        previous = next((line.code for line in table.housed_by_previous.lines if line.count), figures.UNKNOWN)
        facts[exit_.pk] = {
            "delay_days": table.housing_delay.min_days,
            "previous": previous,
            "without_shelter": bool(table.housed_without_shelter),
        }
    return facts


# --- the purge -----------------------------------------------------------------------------------


def group_of(household: Household) -> list[int]:
    """The household and every household merged into it (following chains of merges)."""
    group, frontier = {household.pk}, {household.pk}
    while frontier:
        frontier = set(Household.objects.filter(merged_into_id__in=frontier).values_list("pk", flat=True)) - group
        group |= frontier
    return sorted(group)


def _rows(erasure: Erasure, households, persons) -> models.QuerySet:
    model = apps.get_model(erasure.model)
    base = models.QuerySet(model=model)  # the plain queryset: bypasses append-only guards (see above)
    if callable(erasure.path):
        return base.filter(erasure.path(households, persons))
    return base.filter(**{f"{erasure.path}__in": households})


def _new_values(erasure: Erasure, row) -> dict:
    values = {}
    for name, value in erasure.replace.items():
        values[name] = value(row) if callable(value) else value
    for name in erasure.blur:
        values[name] = blur(getattr(row, name))
    return values


class AlreadyAnonymised(Exception):
    pass


def anonymise(household: Household, today: date, last_contact_on: date, by=None) -> Anonymisation:
    """Anonymises the household (and those merged into it) everywhere, or nothing if anything fails."""
    with transaction.atomic():
        household = Household.objects.select_for_update().get(pk=household.pk)
        if Anonymisation.objects.filter(household=household).exists():
            raise AlreadyAnonymised(f"Le ménage {household.pk} est déjà anonymisé.")
        households = group_of(household)
        persons = list(Person.objects.filter(household_id__in=households).values_list("pk", flat=True))
        for event_id, facts in retained_facts(household.pk, households).items():
            event = HouseholdEvent.objects.get(pk=event_id)
            models.QuerySet(model=HouseholdEvent).filter(pk=event_id).update(
                payload={**event.payload, "retained": facts}
            )
        counts = {}
        for erasure in ERASURE:
            rows = _rows(erasure, households, persons)
            if erasure.delete:
                counts[erasure.model] = rows.count()
                rows.delete()
                continue
            done = 0
            for row in rows.order_by("pk"):
                if erasure.model == "households.Person":
                    row.birth_precision_was_day = row.birth_date_precision == household_codes.DatePrecision.DAY
                values = _new_values(erasure, row)
                if values:
                    models.QuerySet(model=type(row)).filter(pk=row.pk).update(**values)
                for relation in erasure.clear:
                    getattr(row, relation).clear()
                done += 1
            counts[erasure.model] = done
        done_record = None
        for pk in households:
            anonymisation = Anonymisation.objects.create(
                territory_id=household.territory_id,
                household_id=pk,
                last_contact_month=rules.month_start(last_contact_on),
                performed_on=today,
                rows=counts if pk == household.pk else {},
            )
            record(Action.ANONYMISE, subject=by, object_type="household", object_id=pk, section="conservation")
            if pk == household.pk:
                done_record = anonymisation
        # The duplicate-detection cache holds the names of the territory's likely pairs: drop it.
        cache.delete(_pairs_key(household.territory_id))
        return done_record
