"""`manage.py raise_measure_alerts [--date AAAA-MM-JJ] [--send]`: the daily alert job, for cron.

The worker (`run_tasks`) already runs it once a day; this command is for installations that
prefer cron, or to run it again by hand. Running it several times a day raises nothing twice.
"""

from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from lda.measures import alert_job, notify


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"Date invalide : « {value} » (attendu : AAAA-MM-JJ).") from None


class Command(BaseCommand):
    help = "Lève les alertes dues sur les mesures d'accompagnement actives et clôt celles qui n'ont plus lieu d'être."

    def add_arguments(self, parser):
        parser.add_argument(
            "--date", dest="day", type=_day, default=None, help="Jour de calcul (AAAA-MM-JJ), aujourd'hui par défaut."
        )
        parser.add_argument(
            "--send",
            action="store_true",
            help="Envoie aussi tout de suite les e-mails en attente (sinon le processus run_tasks s'en charge).",
        )

    def handle(self, *args, day=None, send=False, **options):
        today = day or timezone.localdate()
        result = alert_job.raise_due(today=today)
        self.stdout.write(
            f"{today:%d/%m/%Y} : {result['measures']} mesure(s) active(s), {result['raised']} alerte(s) levée(s), "
            f"{result['closed']} close(s), {result['reopened']} rouverte(s)."
        )
        if send:
            sent = notify.send_pending()
            self.stdout.write(f"{sent['emails']} e-mail(s) envoyé(s) pour {sent['alerts']} alerte(s).")
            if sent["failed"]:
                raise CommandError(f"{sent['failed']} e-mail(s) n'ont pas pu être envoyés.")
