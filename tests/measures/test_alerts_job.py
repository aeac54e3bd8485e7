"""The daily alert job: raises each alert once, closes those whose condition is over, e-mails the
right people once, and reads a bounded number of queries whatever the number of measures."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from lda.access.policy import actor_for
from lda.measures import alert_job, rules, services
from lda.measures.models import Alert, Measure
from lda.measures.services import ReviewData
from lda.tasks import queue
from lda.tasks.models import Status, Task
from tests.households.helpers import author_of, verified
from tests.measures.helpers import active_measure

OPEN = {"closed_at__isnull": True}


@pytest.fixture
def coordinator(users):
    return verified(users["coordinator"])


@pytest.fixture
def operator(users):
    return users["social_worker"]


def housed_measure(coordinator, operator, reviews=(3,), days_ago=20):
    """An active VIAL measure activated `days_ago` days ago, the household in its home and the
    `reviews` recorded (by default the informal 3-month one: the next review is at 6 months)."""
    activated_on = timezone.localdate() - timedelta(days=days_ago)
    measure = active_measure(coordinator, operator, activated_on=activated_on)
    measure = services.record_entry(measure, activated_on, author_of(operator), measure.version)
    for month in reviews:
        review = ReviewData(month=month, held_on=timezone.localdate(), meetings_per_week=3, home_visits_per_week=1)
        services.record_review(measure, review, author_of(operator), measure.version)
        measure.refresh_from_db()
    return measure


ALL_REVIEWS = (3, 6, 12)


def keys(**filters):
    return set(
        Alert.objects.filter(**filters)
        .values_list("kind", "due_on", "audience", "approver")
        .order_by("kind", "audience")
    )


def run_and_send(capture, **kwargs):
    """Runs the job as the worker would: the commit queues the sending task, the worker runs it."""
    with capture(execute=True):
        result = alert_job.raise_due(**kwargs)
    queue.run_pending()
    return result


def test_review_due_in_fifteen_days_reaches_the_operator_once(
    coordinator, operator, django_capture_on_commit_callbacks
):
    measure = housed_measure(coordinator, operator)
    six = rules.add_months(measure.activated_on, 6)
    mail.outbox.clear()
    first = run_and_send(django_capture_on_commit_callbacks, today=six - timedelta(days=15))
    assert first["raised"] == 1
    assert keys(measure=measure, **OPEN) == {("review_due", six, "operator", "")}
    assert [m.to for m in mail.outbox] == [[operator.email]]
    # The same day again, and the next day: nothing new, nothing e-mailed twice.
    rows = list(Alert.objects.order_by("pk").values_list("pk", "kind", "due_on", "audience", "emailed_at"))
    second = run_and_send(django_capture_on_commit_callbacks, today=six - timedelta(days=15))
    third = run_and_send(django_capture_on_commit_callbacks, today=six - timedelta(days=14))
    assert second["raised"] == third["raised"] == 0
    assert second["closed"] == third["closed"] == 0
    assert list(Alert.objects.order_by("pk").values_list("pk", "kind", "due_on", "audience", "emailed_at")) == rows
    assert len(mail.outbox) == 1
    assert not Task.objects.filter(status=Status.QUEUED).exists()


def test_a_review_not_held_becomes_overdue_for_operator_and_coordinator_and_due_closes(
    coordinator, operator, django_capture_on_commit_callbacks
):
    measure = housed_measure(coordinator, operator)
    six = rules.add_months(measure.activated_on, 6)
    alert_job.raise_due(today=six - timedelta(days=3))
    mail.outbox.clear()
    result = run_and_send(django_capture_on_commit_callbacks, today=six + timedelta(days=1))
    assert result["raised"] == 2 and result["closed"] == 1
    assert keys(measure=measure, **OPEN) == {
        ("review_overdue", six, "coordinator", ""),
        ("review_overdue", six, "operator", ""),
    }
    assert sorted(m.to[0] for m in mail.outbox) == sorted([coordinator.email, operator.email])


def test_alerts_close_when_the_review_is_recorded_and_do_not_come_back(coordinator, operator):
    measure = housed_measure(coordinator, operator)
    six = rules.add_months(measure.activated_on, 6)
    alert_job.raise_due(today=six + timedelta(days=2))
    assert Alert.objects.filter(measure=measure, kind="review_overdue", **OPEN).count() == 2
    review = ReviewData(month=6, held_on=timezone.localdate(), meetings_per_week=3, home_visits_per_week=1)
    services.record_review(measure, review, author_of(operator), measure.version)
    assert not Alert.objects.filter(measure=measure, kind__in=["review_due", "review_overdue"], **OPEN).exists()
    again = alert_job.raise_due(today=six + timedelta(days=3))
    assert again["raised"] == 0
    assert not Alert.objects.filter(measure=measure, kind__in=["review_due", "review_overdue"], **OPEN).exists()


def test_the_job_itself_closes_a_review_alert_once_the_review_is_held(coordinator, operator):
    """Even when the service did not close it (e.g. an alert raised again by hand)."""
    measure = housed_measure(coordinator, operator)
    six = rules.add_months(measure.activated_on, 6)
    alert_job.raise_due(today=six - timedelta(days=10))
    review = ReviewData(month=6, held_on=timezone.localdate(), meetings_per_week=3, home_visits_per_week=1)
    services.record_review(measure, review, author_of(operator), measure.version)
    Alert.objects.filter(measure=measure, kind="review_due").update(closed_at=None)
    result = alert_job.raise_due(today=six - timedelta(days=9))
    assert result["closed"] == 1
    assert not Alert.objects.filter(measure=measure, kind="review_due", **OPEN).exists()


def test_end_approaching_closes_when_a_renewal_moves_the_end(coordinator, operator):
    measure = housed_measure(coordinator, operator, ALL_REVIEWS)
    end = measure.planned_end_on
    alert_job.raise_due(today=end - timedelta(days=30))
    assert keys(measure=measure, kind="end_approaching", **OPEN) == {
        ("end_approaching", end, "coordinator", ""),
        ("end_approaching", end, "operator", ""),
    }
    request = services.request_renewal(measure, 6, False, timezone.localdate(), author_of(operator), measure.version)
    services.decide_renewal(request, "coordinator", True, author_of(coordinator), actor_for(coordinator))
    measure.refresh_from_db()
    assert measure.planned_end_on > end
    result = alert_job.raise_due(today=end - timedelta(days=29))
    assert result["closed"] == 2
    assert not Alert.objects.filter(measure=measure, kind="end_approaching", **OPEN).exists()


def test_an_end_date_passed_without_ending_keeps_its_alert_open(coordinator, operator):
    measure = housed_measure(coordinator, operator, ALL_REVIEWS)
    end = measure.planned_end_on
    alert_job.raise_due(today=end - timedelta(days=1))
    result = alert_job.raise_due(today=end + timedelta(days=5))
    assert Alert.objects.filter(measure=measure, kind="end_approaching", due_on=end, **OPEN).count() == 2
    assert result["closed"] == 0


def test_pre_housing_period_exceeded_is_raised_then_closed_at_entry(coordinator, operator):
    activated_on = timezone.localdate() - timedelta(days=20)
    measure = active_measure(coordinator, operator, activated_on=activated_on)
    deadline = rules.add_months(activated_on, 3)
    alert_job.raise_due(today=deadline)
    assert not Alert.objects.filter(measure=measure, kind="pre_housing_exceeded").exists()
    alert_job.raise_due(today=deadline + timedelta(days=1))
    assert keys(measure=measure, kind="pre_housing_exceeded", **OPEN) == {
        ("pre_housing_exceeded", deadline, "coordinator", ""),
        ("pre_housing_exceeded", deadline, "operator", ""),
    }
    Measure.objects.filter(pk=measure.pk).update(housing_entry_on=timezone.localdate())  # as if recorded
    result = alert_job.raise_due(today=deadline + timedelta(days=2))
    assert result["closed"] == 2


def test_a_closed_renewal_alert_still_waiting_is_reopened(coordinator, operator):
    measure = housed_measure(coordinator, operator)
    services.request_renewal(measure, 6, False, timezone.localdate(), author_of(operator), measure.version)
    alert = Alert.objects.get(measure=measure, kind="renewal_waiting")
    assert (alert.audience, alert.approver) == ("approver", "coordinator")
    Alert.objects.filter(pk=alert.pk).update(closed_at=timezone.now())
    result = alert_job.raise_due()
    assert result["reopened"] == 1
    alert.refresh_from_db()
    assert alert.closed_at is None


def test_an_ended_measure_keeps_no_rule_alert_open(coordinator, operator):
    measure = housed_measure(coordinator, operator, ALL_REVIEWS)
    alert_job.raise_due(today=measure.planned_end_on - timedelta(days=2))
    Measure.objects.filter(pk=measure.pk).update(status="ended", ended_on=timezone.localdate())
    result = alert_job.raise_due()
    assert result["closed"] == 2
    assert not Alert.objects.filter(measure=measure, **OPEN).exists()


def test_the_job_is_limited_to_a_territory_when_asked(coordinator, operator, other_territory):
    measure = housed_measure(coordinator, operator, ALL_REVIEWS)
    end = measure.planned_end_on
    assert alert_job.raise_due(territory=other_territory, today=end - timedelta(days=3))["measures"] == 0
    assert not Alert.objects.filter(kind="end_approaching").exists()
    assert alert_job.raise_due(territory=measure.territory, today=end - timedelta(days=3))["raised"] == 2


def test_the_command_runs_the_job_for_a_given_day(coordinator, operator, capsys):
    measure = housed_measure(coordinator, operator, ALL_REVIEWS)
    end = measure.planned_end_on
    mail.outbox.clear()
    call_command("raise_measure_alerts", "--date", (end - timedelta(days=3)).isoformat(), "--send")
    out = capsys.readouterr().out
    assert "2 alerte(s) levée(s)" in out
    assert "2 e-mail(s) envoyé(s)" in out
    assert len(mail.outbox) == 2
    call_command("raise_measure_alerts", "--date", (end - timedelta(days=3)).isoformat())
    assert "0 alerte(s) levée(s)" in capsys.readouterr().out


def test_the_command_refuses_a_bad_date():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="Date invalide"):
        call_command("raise_measure_alerts", "--date", "31/12/2025")


# --- bounded queries ---------------------------------------------------------------------------------


def _measures(coordinator, operator, count):
    """Active measures at various stages: renewed, with reviews held, housed or not."""
    today = timezone.localdate()
    for i in range(count):
        measure = active_measure(coordinator, operator, activated_on=today - timedelta(days=30 + 7 * i))
        if i % 3 == 0:
            measure = services.record_entry(measure, measure.activated_on, author_of(operator), measure.version)
        if i % 4 == 0:
            review = ReviewData(month=3, held_on=today, meetings_per_week=3, home_visits_per_week=1)
            services.record_review(measure, review, author_of(operator), measure.version)
            measure.refresh_from_db()
        if i % 5 == 0:
            request = services.request_renewal(measure, 6, False, today, author_of(operator), measure.version)
            if i % 10 == 0:
                services.decide_renewal(request, "coordinator", True, author_of(coordinator), actor_for(coordinator))


def _queries(**kwargs):
    """(result, reads and updates of a first run, inserts of that run, queries of a second run)."""
    Alert.objects.exclude(kind__in=["renewal_waiting", "exit"]).delete()
    with CaptureQueriesContext(connection) as first:
        raised = alert_job.raise_due(**kwargs)
    with CaptureQueriesContext(connection) as again:
        alert_job.raise_due(**kwargs)
    inserts = [q for q in first.captured_queries if q["sql"].startswith("INSERT")]
    return raised, len(first) - len(inserts), len(inserts), len(again)


def test_the_number_of_queries_does_not_grow_with_the_number_of_measures(coordinator, operator):
    day = timezone.localdate() + timedelta(days=200)
    _measures(coordinator, operator, 10)
    small, first_small, inserts_small, again_small = _queries(today=day)
    _measures(coordinator, operator, 50)
    large, first_large, inserts_large, again_large = _queries(today=day)
    assert (small["measures"], large["measures"]) == (10, 60)
    assert large["raised"] > small["raised"] > 0
    assert first_large == first_small <= 10
    assert again_large == again_small <= 10
    # One bulk insert (SQLite splits it in batches of about a hundred rows: its parameter limit).
    assert inserts_small == 1
    assert inserts_large <= 1 + large["raised"] // 100
