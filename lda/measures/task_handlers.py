"""Background tasks of measures, found by `lda.tasks` (it discovers `task_handlers` modules).

- `measures.daily_alerts`, queued once a day by the worker (`@daily`): raises and closes the
  alerts due on active measures (`alert_job.raise_due`).
- `measures.send_alert_emails`, queued after any new alert (`notify.schedule`): e-mails them.
"""

from django.utils import timezone

from lda.measures import alert_job, notify
from lda.tasks.registry import TaskError, daily, task_handler

DAILY_ALERTS = "measures.daily_alerts"
SEND_ALERT_EMAILS = notify.SEND


@daily(DAILY_ALERTS)
@task_handler(DAILY_ALERTS, label="Alertes quotidiennes des mesures d'accompagnement", atomic=True)
def daily_alerts(task, progress):
    """Today's alerts (the day is the run's, not the queueing's: a late run computes for today)."""
    progress(0, 0, "Lecture des mesures actives")
    return alert_job.raise_due(territory=task.territory, today=timezone.localdate(), progress=progress)


@task_handler(SEND_ALERT_EMAILS, label="Envoi des alertes par e-mail")
def send_alert_emails(task, progress):
    progress(0, 0, "Préparation des e-mails")
    result = notify.send_pending(progress=progress)
    if result["failed"]:
        raise TaskError(
            f"{result['failed']} e-mail(s) d'alerte n'ont pas pu être envoyés ; "
            "ils seront retentés au prochain envoi (au plus tard avec les alertes du lendemain)."
        )
    return result
