"""Daily tasks: the worker queues each once a day, whatever the number of workers and restarts."""

from datetime import datetime
from unittest import mock

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.db.models.query import QuerySet
from django.utils import timezone

from lda.tasks import queue, registry
from lda.tasks.models import DailyRun, Status, Task
from lda.tasks.registry import daily, task_handler

# The daily kinds the apps registered at start (the measures' alert job among them).
REAL_DAILY = dict(registry._DAILY)
RUNS = []
KIND = "tests.daily"
MORNING = "tests.daily_morning"


@task_handler(KIND, label="Tâche quotidienne d'essai")
def _daily(task, progress):
    RUNS.append(task.payload["day"])
    return {"day": task.payload["day"]}


@task_handler(MORNING, label="Tâche quotidienne du matin")
def _morning(task, progress):
    return {}


@pytest.fixture(autouse=True)
def only_test_kinds(monkeypatch):
    """The daily registry holds the test kinds only (the measures' kind is tested on its own)."""
    monkeypatch.setattr(registry, "_DAILY", {})
    daily(KIND)(_daily)
    daily(MORNING, hour=6)(_morning)
    RUNS.clear()


def at(day, hour=10):
    return timezone.make_aware(datetime(2026, 3, day, hour, 0))


def queued(kind=KIND):
    return Task.objects.filter(kind=kind)


def test_a_daily_kind_is_queued_once_a_day(db):
    first = queue.enqueue_daily(now=at(2))
    assert sorted(t.kind for t in first) == [KIND, MORNING]
    # The same worker a minute later, a second worker, a worker after a restart: nothing more.
    assert queue.enqueue_daily(now=at(2, 11)) == []
    assert queue.enqueue_daily(now=at(2, 23)) == []
    assert queued().count() == 1
    run = DailyRun.objects.get(kind=KIND)
    assert run.day.isoformat() == "2026-03-02" and run.task == queued().get()
    assert queued().get().payload == {"day": "2026-03-02"}
    # A new day: queued again.
    assert [t.kind for t in queue.enqueue_daily(now=at(3)) if t.kind == KIND] == [KIND]
    assert queued().count() == 2


def test_a_kind_waits_for_its_hour(db):
    assert [t.kind for t in queue.enqueue_daily(now=at(2, 5))] == [KIND]
    assert [t.kind for t in queue.enqueue_daily(now=at(2, 6))] == [MORNING]


def test_the_row_is_the_lock_when_two_workers_race(db):
    """Both workers saw no row; the second's insert is refused by the unique constraint."""
    queue.enqueue_daily(now=at(2))
    with mock.patch.object(QuerySet, "exists", return_value=False):
        assert queue.enqueue_daily(now=at(2)) == []
    assert queued().count() == 1
    with pytest.raises(IntegrityError), transaction.atomic():
        DailyRun.objects.create(kind=KIND, day=at(2).date())


def test_no_run_is_recorded_without_its_task(db, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("base indisponible")

    monkeypatch.setattr(queue, "enqueue", broken)
    with pytest.raises(RuntimeError):
        queue.enqueue_daily(now=at(2))
    assert not DailyRun.objects.exists()


def test_the_worker_queues_and_runs_the_daily_tasks_once_across_restarts(db, capsys):
    call_command("run_tasks", "--once", "--daily")
    assert RUNS == [timezone.localdate().isoformat()]
    assert "mise en file" in capsys.readouterr().out
    # The worker stops and starts again the same day: the daily task does not run twice.
    call_command("run_tasks", "--once", "--daily")
    assert len(RUNS) == 1
    assert not Task.objects.filter(status=Status.QUEUED).exists()


def test_the_worker_without_daily_only_drains(db):
    call_command("run_tasks", "--once")
    assert RUNS == []
    assert not DailyRun.objects.exists()


def test_a_bad_hour_is_refused():
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured):
        daily("tests.never", hour=24)


# --- the measures' daily alert job through the worker ----------------------------------------------


def test_the_measures_alert_job_is_a_daily_task(db, monkeypatch, users, django_capture_on_commit_callbacks):
    """Registered by the measures app (this app never imports it): run by the worker once a day,
    and its e-mails sent once."""
    from datetime import timedelta

    from lda.measures import services
    from lda.measures.services import ReviewData
    from tests.households.helpers import author_of, verified
    from tests.measures.helpers import active_measure

    monkeypatch.setattr(registry, "_DAILY", {"measures.daily_alerts": REAL_DAILY["measures.daily_alerts"]})
    coordinator, operator = verified(users["coordinator"]), users["social_worker"]
    today = timezone.localdate()
    # Activated 350 days ago, in its home, every review held: only its end (in 14 days) is due.
    measure = active_measure(coordinator, operator, activated_on=today - timedelta(days=350))
    measure = services.record_entry(measure, measure.activated_on, author_of(operator), measure.version)
    for month in (3, 6, 12):
        data = ReviewData(month=month, held_on=today, meetings_per_week=3, home_visits_per_week=1)
        services.record_review(measure, data, author_of(operator), measure.version)
        measure.refresh_from_db()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("run_tasks", "--once", "--daily")
    call_command("run_tasks", "--once")  # the sending task queued by the job's commit
    job = Task.objects.get(kind="measures.daily_alerts")
    assert job.status == Status.DONE, job.error
    assert (job.result["measures"], job.result["raised"]) == (1, 2)
    assert sorted(m.to[0] for m in mail.outbox) == sorted([coordinator.email, operator.email])
    # Restarted the same day: no second job, no second e-mail.
    with django_capture_on_commit_callbacks(execute=True):
        call_command("run_tasks", "--once", "--daily")
    call_command("run_tasks", "--once")
    assert Task.objects.filter(kind="measures.daily_alerts").count() == 1
    assert len(mail.outbox) == 2
