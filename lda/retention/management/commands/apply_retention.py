"""`manage.py apply_retention [--apply] [--date AAAA-MM-JJ]`: the retention job by hand.

A dry run unless `--apply`: it prints which households would be warned and which anonymised, and
changes nothing. The worker (`run_tasks`) already runs it for real once a day.
"""

from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from lda.retention import job


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"Date invalide : « {value} » (attendu : AAAA-MM-JJ).") from None


class Command(BaseCommand):
    help = (
        "Avertit les référents des dossiers sans contact depuis 23 mois et anonymise ceux dont le délai "
        "de grâce est écoulé. Simulation sans --apply."
    )

    def add_arguments(self, parser):
        parser.add_argument("--apply", action="store_true", help="Applique vraiment (sinon : simulation).")
        parser.add_argument(
            "--date", dest="day", type=_day, default=None, help="Jour de calcul (AAAA-MM-JJ), aujourd'hui par défaut."
        )

    def handle(self, *args, apply=False, day=None, **options):
        today = day or timezone.localdate()
        report = job.run(today, apply=apply)
        mode = "Application" if apply else "Simulation (rien n'est modifié ; --apply pour appliquer)"
        self.stdout.write(f"{mode} au {today:%d/%m/%Y}.")
        verb_warn = "averti" if apply else "à avertir"
        for c in report.warn:
            self.stdout.write(
                f"  {verb_warn} : {c.reference} (dernier contact le {c.last_contact_on:%d/%m/%Y}, "
                f"anonymisation à partir du {c.decision.purge_on:%d/%m/%Y})"
            )
        verb_purge = "anonymisé" if apply else "à anonymiser"
        for c in report.purge:
            if apply and c.household_id in report.failed:
                self.stdout.write(f"  ÉCHEC de l'anonymisation : ménage n° {c.household_id}")
            else:
                self.stdout.write(
                    f"  {verb_purge} : ménage n° {c.household_id} (dernier contact le {c.last_contact_on:%d/%m/%Y})"
                )
        self.stdout.write(
            f"{len(report.warn)} avertissement(s), {len(report.purge)} anonymisation(s), "
            f"{report.waiting} dossier(s) en délai de grâce, {report.held} sous gel juridique, {report.kept} conservé(s)."
        )
        if report.tasks:
            self.stdout.write(f"{report.tasks} tâche(s) de fond ancienne(s) vidée(s) de leurs fichiers et résultats.")
        if report.failed:
            raise CommandError(f"{len(report.failed)} anonymisation(s) ont échoué (voir le journal).")
