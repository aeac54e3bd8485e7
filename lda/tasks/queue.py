"""Queueing, claiming and running tasks. `manage.py run_tasks` loops over `claim` and `run_task`.

Progress must be visible while an atomic handler's transaction is still open, so in production a
side thread (its own database connection) writes the latest progress and a heartbeat every second.
When the caller is already inside a transaction (tests), a side connection would not see the task
row: progress is then written in line.
"""

import logging
import threading
import time
from datetime import timedelta

from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError, IntegrityError, connection, connections, transaction
from django.utils import timezone

from lda.tasks.models import DailyRun, Status, Task
from lda.tasks.registry import TaskError, daily_kinds, handler_for

logger = logging.getLogger(__name__)

STALE_MINUTES = 10  # a running task silent for longer has lost its worker
MAX_ATTEMPTS = 3
HELD_HOURS = 24  # an import not confirmed within a day is dropped, with its file
BEAT_SECONDS = 1.0
INTERNAL_ERROR = "La tâche a échoué à cause d'une erreur interne ; rien n'a été enregistré. Réessayez ou signalez-le."


def enqueue(kind, payload=None, *, user=None, territory=None, input_file=None, input_name="", held=False) -> Task:
    """Queues a task (or holds it until `release` when `held`); the kind must have a handler."""
    handler_for(kind)
    return Task.objects.create(
        kind=kind,
        payload=payload or {},
        created_by=user,
        territory=territory,
        input_file=input_file,
        input_name=input_name[:200],
        status=Status.HELD if held else Status.QUEUED,
        progress_label="En file d'attente" if not held else "En attente de confirmation",
    )


def enqueue_daily(now=None) -> list[Task]:
    """Queues each daily kind once for today (local date), from its hour on.

    The `DailyRun(kind, day)` row is created in the same transaction as the task: its unique
    constraint makes a second worker, or the same worker after a restart, skip a kind already
    queued today, and a crash between the two writes leaves neither. A new day queues again.
    """
    now = timezone.localtime(now)
    today = now.date()
    queued = []
    for spec in daily_kinds():
        if now.hour < spec.hour:
            continue
        if DailyRun.objects.filter(kind=spec.kind, day=today).exists():
            continue
        try:
            with transaction.atomic():
                run = DailyRun.objects.create(kind=spec.kind, day=today)
                task = enqueue(spec.kind, {"day": today.isoformat()})
                run.task = task
                run.save(update_fields=["task"])
        except IntegrityError:
            continue  # another worker queued it in between
        queued.append(task)
    return queued


def release(task: Task, **payload) -> bool:
    """A held task goes to the queue (once: a second confirmation finds it already released)."""
    task.payload = {**task.payload, **payload}
    released = Task.objects.filter(pk=task.pk, status=Status.HELD).update(
        status=Status.QUEUED, payload=task.payload, progress_label="En file d'attente"
    )
    if released:
        task.status = Status.QUEUED
    return bool(released)


def discard(task: Task) -> None:
    """The user gives up a held task: its file is deleted at once."""
    _end(task, Status.FAILED, error="Import abandonné : le fichier a été supprimé.")


def claim() -> Task | None:
    """The oldest queued task, marked running; concurrent workers never take the same one."""
    with transaction.atomic():
        queued = Task.objects.filter(status=Status.QUEUED).order_by("created_at", "pk")
        if connection.features.has_select_for_update_skip_locked:
            queued = queued.select_for_update(skip_locked=True)
        task = queued.first()
        if task is None:
            return None
        now = timezone.now()
        task.status, task.started_at, task.heartbeat_at = Status.RUNNING, now, now
        task.attempts += 1
        task.progress_label = "Démarrage"
        task.save(update_fields=["status", "started_at", "heartbeat_at", "attempts", "progress_label"])
    return task


def requeue_stale(minutes: int = STALE_MINUTES) -> int:
    """Running tasks whose worker stopped (no heartbeat for `minutes`) go back to the queue."""
    limit = timezone.now() - timedelta(minutes=minutes)
    count = 0
    for task in Task.objects.filter(status=Status.RUNNING, heartbeat_at__lt=limit):
        if task.attempts >= MAX_ATTEMPTS:
            _end(task, Status.FAILED, error="La tâche a été interrompue trop de fois ; rien n'a été enregistré.")
        else:
            _requeue(task)
        count += 1
    return count


def expire_held(hours: int = HELD_HOURS) -> int:
    limit = timezone.now() - timedelta(hours=hours)
    held = list(Task.objects.filter(status=Status.HELD, created_at__lt=limit))
    for task in held:
        _end(task, Status.FAILED, error="Import non confirmé dans les 24 heures : le fichier a été supprimé.")
    return len(held)


def _requeue(task: Task) -> None:
    task.status, task.progress_done, task.progress_label = Status.QUEUED, 0, "Reprise après interruption"
    task.save(update_fields=["status", "progress_done", "progress_label"])


def _end(task: Task, status: str, result=None, error: str = "") -> None:
    task.status, task.result, task.error = status, result if result is not None else task.result, error
    task.finished_at = timezone.now()
    task.input_file = None  # the uploaded file is kept only until the task finishes
    fields = ["status", "result", "error", "finished_at", "input_file"]
    if status == Status.DONE:
        task.progress_done = max(task.progress_done, task.progress_total)
        task.progress_label = "Terminée"
        fields += ["progress_done", "progress_label"]
    task.save(update_fields=fields)


class Progress:
    """The callback handlers report through: `progress(done, total=None, label=None)`."""

    def __init__(self, task: Task, live: bool):
        self.task = task
        self.live = live
        self._lock = threading.Lock()
        self._pending: dict = {}
        self._written_at = 0.0

    def __call__(self, done: int, total: int | None = None, label: str | None = None) -> None:
        changes = {"progress_done": max(0, int(done))}
        if total is not None:
            changes["progress_total"] = max(0, int(total))
        if label is not None:
            changes["progress_label"] = label[:200]
        for name, value in changes.items():
            setattr(self.task, name, value)
        with self._lock:
            self._pending.update(changes)
        if not self.live and time.monotonic() - self._written_at >= 0.5:
            self.flush()

    def flush(self) -> None:
        with self._lock:
            changes, self._pending = self._pending, {}
        try:
            Task.objects.filter(pk=self.task.pk).update(heartbeat_at=timezone.now(), **changes)
        except DatabaseError:
            # SQLite lets one writer at a time: progress waits for the import's transaction.
            logger.debug("Avancement de la tâche %s non écrit", self.task.pk)
        self._written_at = time.monotonic()


class _Heartbeat(threading.Thread):
    """Writes progress and a heartbeat every second through its own connection."""

    def __init__(self, progress: Progress):
        super().__init__(daemon=True, name=f"task-{progress.task.pk}-heartbeat")
        self.progress = progress
        self.stopping = threading.Event()

    def run(self):
        try:
            while not self.stopping.wait(BEAT_SECONDS):
                self.progress.flush()
        finally:
            connections.close_all()  # this thread's connections only

    def stop(self):
        if self.is_alive():
            self.stopping.set()
            self.join()


def run_task(task: Task, live: bool | None = None) -> Task:
    """Runs a claimed task to its end: done with its result, or failed with a French message."""
    try:
        handler = handler_for(task.kind)
    except ImproperlyConfigured:
        _end(task, Status.FAILED, error=f"Type de tâche inconnu : {task.kind}.")
        return task
    if live is None:
        live = not connection.in_atomic_block
    progress = Progress(task, live)
    beat = _Heartbeat(progress) if live else None
    if beat:
        beat.start()
    try:
        arguments = (task, progress)
        if handler.prepare is not None:
            arguments = (task, progress, handler.prepare(task, progress))
        if handler.atomic:
            with transaction.atomic():
                result = handler.function(*arguments)
                if beat:
                    beat.stop()  # before the task row is locked by its completion
                _end(task, Status.DONE, result=result or {})
        else:
            result = handler.function(*arguments)
            if beat:
                beat.stop()
            _end(task, Status.DONE, result=result or {})
    except TaskError as exc:
        if beat:
            beat.stop()
        _end(task, Status.FAILED, error=str(exc))
    except (KeyboardInterrupt, SystemExit):
        # The worker is stopped: the transaction is rolled back, the task will be taken again.
        if beat:
            beat.stop()
        _requeue(task)
        raise
    except Exception:
        if beat:
            beat.stop()
        logger.exception("Échec de la tâche %s (%s)", task.pk, task.kind)
        _end(task, Status.FAILED, error=INTERNAL_ERROR)
    return task


def run_pending(limit: int | None = None) -> int:
    """Drains the queue (or `limit` tasks); returns how many ran."""
    count = 0
    while limit is None or count < limit:
        task = claim()
        if task is None:
            break
        run_task(task)
        count += 1
    return count
