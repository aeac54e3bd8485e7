"""The background-task runner: queueing, claiming, running, failing, surviving a restart."""

from datetime import timedelta

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.utils import timezone

from lda.access.policy import scope
from lda.accounts.models import Territory
from lda.accounts.roles import Role
from lda.audit.models import AccessLog, Action
from lda.tasks import queue
from lda.tasks.models import Status, Task
from lda.tasks.registry import TaskError, handler_for, task_handler

CALLS = []


@task_handler("tests.ok", label="Tâche d'essai")
def _ok(task, progress):
    progress(1, 2, "Première moitié")
    progress(2, 2)
    CALLS.append(task.pk)
    return {"seen": bytes(task.input_file or b"").decode()}


@task_handler("tests.refused", label="Tâche refusée")
def _refused(task, progress):
    raise TaskError("Le fichier est vide.")


@task_handler("tests.broken", label="Tâche cassée")
def _broken(task, progress):
    raise RuntimeError("bug")


@task_handler("tests.atomic", label="Tâche atomique", atomic=True)
def _atomic(task, progress):
    Territory.objects.create(name="Créé par la tâche", departement_code="13")
    if task.payload.get("fail"):
        raise RuntimeError("échec au milieu")
    return {"ok": True}


@pytest.fixture
def user(users):
    return users[Role.REFERENT]


def test_an_unknown_kind_is_refused_when_queued():
    with pytest.raises(ImproperlyConfigured):
        queue.enqueue("tests.nobody")
    with pytest.raises(ImproperlyConfigured):
        handler_for("tests.nobody")


def test_a_task_runs_to_done_with_progress_and_result_and_its_file_is_purged(user):
    task = queue.enqueue("tests.ok", user=user, input_file=b"contenu", input_name="a.csv")
    assert queue.run_pending() == 1
    task.refresh_from_db()
    assert task.status == Status.DONE
    assert task.result == {"seen": "contenu"}
    assert task.input_file is None
    assert (task.progress_done, task.progress_total, task.percent) == (2, 2, 100)
    assert task.started_at and task.finished_at and task.heartbeat_at
    assert task.attempts == 1


def test_an_expected_failure_keeps_its_french_message_and_purges_the_file(user):
    task = queue.enqueue("tests.refused", user=user, input_file=b"x")
    queue.run_pending()
    task.refresh_from_db()
    assert (task.status, task.error, task.input_file) == (Status.FAILED, "Le fichier est vide.", None)


def test_an_unexpected_failure_gives_a_generic_french_message(user):
    task = queue.enqueue("tests.broken", user=user)
    queue.run_pending()
    task.refresh_from_db()
    assert task.status == Status.FAILED
    assert task.error == queue.INTERNAL_ERROR


def test_an_atomic_task_writes_all_or_nothing(user):
    good = queue.enqueue("tests.atomic", user=user)
    bad = queue.enqueue("tests.atomic", {"fail": True}, user=user)
    queue.run_pending()
    good.refresh_from_db()
    bad.refresh_from_db()
    assert good.status == Status.DONE and bad.status == Status.FAILED
    assert Territory.objects.filter(name="Créé par la tâche").count() == 1


def test_held_tasks_wait_for_release_and_release_happens_once(user):
    task = queue.enqueue("tests.ok", user=user, held=True)
    assert queue.run_pending() == 0
    assert queue.release(task, mode="all") is True
    assert queue.release(task, mode="all") is False
    assert queue.run_pending() == 1
    task.refresh_from_db()
    assert task.status == Status.DONE and task.payload == {"mode": "all"}


def test_tasks_are_claimed_oldest_first_and_never_twice(user):
    first = queue.enqueue("tests.ok", user=user)
    second = queue.enqueue("tests.ok", user=user)
    assert queue.claim().pk == first.pk
    assert queue.claim().pk == second.pk
    assert queue.claim() is None


def test_a_running_task_without_heartbeat_is_queued_again_then_given_up(user):
    task = queue.enqueue("tests.ok", user=user)
    queue.claim()
    Task.objects.filter(pk=task.pk).update(heartbeat_at=timezone.now() - timedelta(minutes=queue.STALE_MINUTES + 1))
    assert queue.requeue_stale() == 1
    task.refresh_from_db()
    assert task.status == Status.QUEUED
    # A fresh heartbeat is left alone.
    queue.claim()
    assert queue.requeue_stale() == 0
    Task.objects.filter(pk=task.pk).update(
        attempts=queue.MAX_ATTEMPTS, heartbeat_at=timezone.now() - timedelta(hours=1)
    )
    queue.requeue_stale()
    task.refresh_from_db()
    assert task.status == Status.FAILED and "interrompue" in task.error


def test_a_stopped_worker_puts_its_task_back_in_the_queue(user):
    @task_handler("tests.interrupted", label="Interrompue", atomic=True)
    def _interrupted(task, progress):
        Territory.objects.create(name="Jamais enregistré", departement_code="13")
        raise KeyboardInterrupt

    task = queue.enqueue("tests.interrupted", user=user)
    with pytest.raises(KeyboardInterrupt):
        queue.run_task(queue.claim())
    task.refresh_from_db()
    assert task.status == Status.QUEUED
    assert not Territory.objects.filter(name="Jamais enregistré").exists()


def test_held_tasks_expire_after_a_day_with_their_file(user):
    task = queue.enqueue("tests.ok", user=user, held=True, input_file=b"x")
    Task.objects.filter(pk=task.pk).update(created_at=timezone.now() - timedelta(hours=queue.HELD_HOURS + 1))
    assert queue.expire_held() == 1
    task.refresh_from_db()
    assert task.status == Status.FAILED and task.input_file is None


def test_the_worker_command_drains_the_queue_once(user, capsys):
    queue.enqueue("tests.ok", user=user)
    queue.enqueue("tests.refused", user=user)
    call_command("run_tasks", "--once")
    assert not Task.objects.filter(status__in=[Status.QUEUED, Status.RUNNING]).exists()
    assert "2 tâche(s) exécutée(s)" in capsys.readouterr().out


def test_a_user_sees_only_the_tasks_they_started(users):
    mine = queue.enqueue("tests.ok", user=users[Role.REFERENT])
    queue.enqueue("tests.ok", user=users[Role.SOCIAL_WORKER])
    assert list(scope(users[Role.REFERENT], Task.objects.all())) == [mine]
    assert not scope(None, Task.objects.all()).exists()


def test_creation_and_end_are_audited_but_not_progress(user):
    task = queue.enqueue("tests.ok", user=user)
    queue.run_pending()
    rows = AccessLog.objects.filter(object_type="task", object_id=str(task.pk))
    assert rows.filter(action=Action.CREATE).count() == 1
    # claim (running) and end (done): status changes only; progress writes are not audited.
    assert rows.filter(action=Action.UPDATE).count() == 2


def test_progress_written_through_the_side_connection_survives_a_failed_write(user):
    task = queue.enqueue("tests.ok", user=user)
    progress = queue.Progress(task, live=False)
    progress(3, 10, "Étape")
    task.refresh_from_db()
    assert (task.progress_done, task.progress_total, task.progress_label) == (3, 10, "Étape")
