"""The daily alert job: what every active measure calls for today, raised once, closed when over.

`raise_due` asks the rule engine (`rules.alerts_due`) for each active measure and raises each
alert for each audience of `alerts.AUDIENCES`; it closes the open alerts of those kinds whose
condition no longer holds (review held, end moved by a renewal, home entered, measure ended) and
keeps a `renewal_waiting` alert open for every approval a pending renewal still misses.

It is idempotent — an alert is identified by (measure, kind, due date, audience, approver) and
the unique constraint on `Alert` refuses a second one — so it may run any number of times a day,
by the worker (`task_handlers.py`, once a day) or by cron (`manage.py raise_measure_alerts`).
Queries are bounded: measures, renewals, reviews, approvals and alerts are each read in one
query whatever the number of measures, and new alerts are written in one bulk insert.
"""

from collections import defaultdict
from collections.abc import Callable
from datetime import date

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from lda.measures import alerts, codes, rules
from lda.measures.models import Alert, Measure, RenewalApproval, RenewalRequest, Review

K = codes.AlertKind
S = codes.MeasureStatus
# The kinds the rule engine decides, day by day.
RULE_KINDS = (K.REVIEW_DUE, K.REVIEW_OVERDUE, K.END_APPROACHING, K.PRE_HOUSING_EXCEEDED)
# Kinds the job keeps in line with the records (the services raise them at the event).
JOB_KINDS = (*RULE_KINDS, K.RENEWAL_WAITING)
PROGRESS_EVERY = 200

Key = tuple[int, str, date, str, str]  # (measure, kind, due date, audience, approver)


def _facts(measure: Measure, granted, held) -> rules.MeasureFacts:
    return rules.MeasureFacts(
        activated_on=measure.activated_on,
        housing_entry_on=measure.housing_entry_on,
        renewals=tuple(rules.Renewal(months, derogation) for months, derogation in granted),
        reviews_held=tuple(held),
        ended_on=measure.ended_on,
    )


def still_holds(kind: str, due_on: date, type_rules: rules.TypeRules, facts: rules.MeasureFacts, today: date) -> bool:
    """Whether an open alert raised earlier still asks for something.

    A review alert stays open while that review is the next one not held (an informal review is no
    longer waited for once its day has passed); "review due" gives way to "review overdue". An end alert
    stays open while the planned end is that day (even past it: the measure must be ended). A
    pre-housing alert stays open until the entry is recorded.
    """
    if facts.activated_on is None or facts.ended_on is not None:
        return False
    if kind in (K.REVIEW_DUE, K.REVIEW_OVERDUE):
        review = rules.next_review(type_rules, facts, today)
        if review is None or review.due_on != due_on:
            return False
        overdue = review.due_on < today and not review.informal
        return kind == K.REVIEW_OVERDUE or not overdue
    if kind == K.END_APPROACHING:
        return rules.end_on(type_rules, facts) == due_on
    if kind == K.PRE_HOUSING_EXCEEDED:
        period = rules.pre_housing(type_rules, facts, today)
        return facts.housing_entry_on is None and period.entry_deadline == due_on
    return True


def raise_due(territory=None, today: date | None = None, progress: Callable | None = None) -> dict:
    """Raises and closes the alerts of every active measure (of `territory`, or all); returns counts."""
    today = today or timezone.localdate()
    now = timezone.now()
    with transaction.atomic():
        active = Measure.objects.filter(status=S.ACTIVE)
        if territory is not None:
            active = active.filter(territory=territory)
        measures = list(
            active.select_related("type_version").only(
                "pk",
                "territory_id",
                "activated_on",
                "housing_entry_on",
                "ended_on",
                "next_review_on",
                "type_version",
            )
        )
        ids = active.values("pk")
        granted = defaultdict(list)
        for measure_id, months, derogation in (
            RenewalRequest.objects.filter(measure__in=ids, status=codes.RenewalStatus.APPROVED)
            .order_by("measure_id", "decided_on", "pk")
            .values_list("measure_id", "months", "derogation")
        ):
            granted[measure_id].append((months, derogation))
        held = defaultdict(list)
        for measure_id, month in Review.objects.filter(measure__in=ids).values_list("measure_id", "month"):
            held[measure_id].append(month)
        pending = defaultdict(list)
        for request_id, measure_id, requested_on, derogation in RenewalRequest.objects.filter(
            measure__in=ids, status=codes.RenewalStatus.REQUESTED
        ).values_list("pk", "measure_id", "requested_on", "derogation"):
            pending[measure_id].append((request_id, requested_on, derogation))
        given = defaultdict(set)
        for request_id, approver in RenewalApproval.objects.filter(
            request__measure__in=ids, request__status=codes.RenewalStatus.REQUESTED
        ).values_list("request_id", "approver"):
            given[request_id].add(approver)
        existing: dict[Key, tuple[int, bool]] = {}
        for pk, measure_id, kind, due_on, audience, approver, closed_at in Alert.objects.filter(
            measure__in=ids, kind__in=JOB_KINDS
        ).values_list("pk", "measure_id", "kind", "due_on", "audience", "approver", "closed_at"):
            existing[(measure_id, kind, due_on, audience, approver)] = (pk, closed_at is None)

        rules_of: dict[int, rules.TypeRules] = {}
        wanted: dict[Key, Measure] = {}
        to_close: list[int] = []
        to_reopen: list[int] = []
        moved_reviews: list[Measure] = []
        open_by_measure = defaultdict(list)
        for key, (pk, is_open) in existing.items():
            if is_open:
                open_by_measure[key[0]].append((key, pk))
        for done, measure in enumerate(measures, 1):
            type_rules = rules_of.get(measure.type_version_id)
            if type_rules is None:
                type_rules = rules_of[measure.type_version_id] = measure.type_version.rules()
            facts = _facts(measure, granted[measure.pk], held[measure.pk])
            # The stored next review moves on when an informal review's day passes without a write.
            review = rules.next_review(type_rules, facts, today)
            if measure.next_review_on != (review.due_on if review else None):
                measure.next_review_on = review.due_on if review else None
                moved_reviews.append(measure)
            keys: set[Key] = set()
            for due in rules.alerts_due(type_rules, facts, today):
                for audience in alerts.AUDIENCES.get(due.kind, ()):
                    keys.add((measure.pk, due.kind, due.due_on, audience, ""))
            for request_id, requested_on, derogation in pending[measure.pk]:
                for code in rules.missing_approvers(type_rules, derogation, dict.fromkeys(given[request_id], True)):
                    keys.add((measure.pk, K.RENEWAL_WAITING, requested_on, alerts.APPROVER, code))
            for key in keys:
                if key not in existing:
                    wanted[key] = measure
                elif key[1] == K.RENEWAL_WAITING and not existing[key][1]:
                    to_reopen.append(existing[key][0])  # still waiting: closed by mistake
            for key, pk in open_by_measure[measure.pk]:
                if key in keys:
                    continue
                if key[1] == K.RENEWAL_WAITING or not still_holds(key[1], key[2], type_rules, facts, today):
                    to_close.append(pk)
            if progress and (done % PROGRESS_EVERY == 0 or done == len(measures)):
                progress(done, len(measures), "Calcul des alertes des mesures actives")

        if wanted:
            # ignore_conflicts: a service or another run may have raised the same alert meanwhile.
            Alert.objects.bulk_create(
                [
                    Alert(
                        territory_id=measure.territory_id,
                        measure=measure,
                        kind=kind,
                        due_on=due_on,
                        audience=audience,
                        approver=approver,
                        raised_at=now,
                    )
                    for (_, kind, due_on, audience, approver), measure in wanted.items()
                ],
                ignore_conflicts=True,
            )
        if moved_reviews:
            Measure.objects.bulk_update(moved_reviews, ["next_review_on"], batch_size=500)
        closed = Alert.objects.filter(pk__in=to_close, closed_at__isnull=True).update(closed_at=now) if to_close else 0
        reopened = Alert.objects.filter(pk__in=to_reopen).update(closed_at=None) if to_reopen else 0
        # Measures no longer active keep no rule alert open (the services close them at the end;
        # this catches any left behind), and a contract no longer waiting closes its alert.
        leftovers = Alert.objects.filter(closed_at__isnull=True).filter(
            Q(kind__in=JOB_KINDS) & ~Q(measure__status=S.ACTIVE)
            | Q(kind=K.CONTRACT_WAITING) & ~Q(measure__status=S.SENT)
        )
        if territory is not None:
            leftovers = leftovers.filter(territory=territory)
        closed += leftovers.update(closed_at=now)
        unsent = Alert.objects.filter(emailed_at__isnull=True, closed_at__isnull=True)
        if territory is not None:
            unsent = unsent.filter(territory=territory)
        if wanted or unsent.exists():
            # After the commit: e-mails of the new alerts, and of any a failed sending left behind.
            from lda.measures import notify

            transaction.on_commit(notify.schedule)
    return {
        "day": today.isoformat(),
        "measures": len(measures),
        "raised": len(wanted),
        "closed": closed,
        "reopened": reopened,
    }


# --- closing by hand -----------------------------------------------------------------------------

# Alerts that tell of something done, which nothing else closes: the person reading it does.
ACKNOWLEDGED_KINDS = frozenset({K.EXIT})


def closable(alert: Alert) -> bool:
    """Whether "Marquer comme traitée" applies: an exit, or an alert whose condition is over but
    which is still open (a contract no longer waiting, a measure no longer open)."""
    if alert.closed_at is not None:
        return False
    if alert.kind in ACKNOWLEDGED_KINDS:
        return True
    status = alert.measure.status
    if alert.kind == K.CONTRACT_WAITING:
        return status != S.SENT
    return status not in codes.OPEN_STATUSES


@transaction.atomic
def close_by_hand(alert: Alert, subject) -> bool:
    """Closes an alert a person marks as dealt with (audited: who, which alert; nothing else)."""
    from lda.audit.log import record
    from lda.audit.models import Action

    changed = Alert.objects.filter(pk=alert.pk, closed_at__isnull=True).update(closed_at=timezone.now())
    if changed:
        record(Action.UPDATE, subject=subject, object_type="alert", object_id=alert.pk, section="closed")
    return bool(changed)
