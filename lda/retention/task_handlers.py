"""Background task of retention, found by `lda.tasks`: `retention.daily`, queued once a day by the
worker (`@daily`), warns and anonymises for real (`job.run(apply=True)`)."""

from django.utils import timezone

from lda.retention import job
from lda.tasks.registry import daily, task_handler

DAILY = "retention.daily"


@daily(DAILY, hour=2)
@task_handler(DAILY, label="Conservation des données : avertissements et anonymisations")
def daily_retention(task, progress):
    progress(0, 0, "Calcul des dates de fin de conservation")
    return job.run(timezone.localdate(), apply=True, territory=task.territory, progress=progress).as_dict()
