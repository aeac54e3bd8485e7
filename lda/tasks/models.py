"""A background task: long work (imports, later matching runs and reports) done by `run_tasks`.

The row is the whole state: status, progress, the uploaded file while it is needed, the result.
So work survives a restart (a running task whose heartbeat stopped is queued again) and any web
process can show its progress.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone

from lda.access.querysets import ScopedQuerySet
from lda.accounts.models import Territory


class Status(models.TextChoices):
    # Held: waiting for the user to confirm (an import after its dry run); the worker ignores it.
    HELD = "held", "En attente de confirmation"
    QUEUED = "queued", "En file d'attente"
    RUNNING = "running", "En cours"
    DONE = "done", "Terminée"
    FAILED = "failed", "Échouée"


FINISHED = frozenset({Status.DONE, Status.FAILED})


class Task(models.Model):
    kind = models.CharField("type de tâche", max_length=60)
    territory = models.ForeignKey(Territory, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    status = models.CharField("état", max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress_done = models.PositiveIntegerField("avancement", default=0)
    progress_total = models.PositiveIntegerField("total", default=0)
    progress_label = models.CharField("étape", max_length=200, blank=True)
    payload = models.JSONField("paramètres", default=dict, blank=True)
    # The uploaded file lives here only until the task finishes (then it is purged).
    input_file = models.BinaryField("fichier", null=True, blank=True)
    input_name = models.CharField("nom du fichier", max_length=200, blank=True)
    result = models.JSONField("résultat", null=True, blank=True)
    error = models.TextField("message d'erreur", blank=True)
    attempts = models.PositiveSmallIntegerField("tentatives", default=0)
    created_at = models.DateTimeField("créée le", default=timezone.now)
    started_at = models.DateTimeField("commencée le", null=True, blank=True)
    finished_at = models.DateTimeField("terminée le", null=True, blank=True)
    heartbeat_at = models.DateTimeField("dernier signe de vie", null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "tâche de fond"
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "created_at"], name="task_queue_idx")]

    def __str__(self):
        return f"{self.kind} #{self.pk}"

    @property
    def finished(self) -> bool:
        return self.status in FINISHED

    @property
    def percent(self) -> int:
        if self.status == Status.DONE:
            return 100
        if not self.progress_total:
            return 0
        return min(100, self.progress_done * 100 // self.progress_total)


class DailyRun(models.Model):
    """A daily task kind queued for one day. The unique row is the lock: however many workers run
    and however often they restart, a kind is queued once a day (see `queue.enqueue_daily`)."""

    kind = models.CharField("type de tâche", max_length=60)
    day = models.DateField("jour")
    task = models.ForeignKey(Task, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField("mise en file le", default=timezone.now)

    class Meta:
        verbose_name = "tâche quotidienne"
        ordering = ["-day", "kind"]
        constraints = [models.UniqueConstraint(fields=["kind", "day"], name="daily_run_once")]

    def __str__(self):
        return f"{self.kind} du {self.day:%d/%m/%Y}"
