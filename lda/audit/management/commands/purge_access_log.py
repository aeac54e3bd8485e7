"""Deletes access-log rows past their retention (12 months; 3 years for protected files).

Dry run by default: it says how many rows would go. `--wet-run` deletes them. Schedule daily.
"""

from django.core.management.base import BaseCommand
from django.utils import timezone

from lda.audit.models import AccessLog


class Command(BaseCommand):
    help = "Supprime les événements du journal des accès dont la durée de conservation est écoulée."

    def add_arguments(self, parser):
        parser.add_argument("--wet-run", action="store_true", help="Supprimer réellement (sinon : simulation)")

    def handle(self, *args, **options):
        now = timezone.now()
        expired = AccessLog.objects.filter(keep_until__lt=now).count()
        if not options["wet_run"]:
            self.stdout.write(f"Simulation : {expired} événement(s) à supprimer. Relancer avec --wet-run.")
            return
        deleted = AccessLog.objects.purge_expired(now)
        self.stdout.write(self.style.SUCCESS(f"{deleted} événement(s) supprimé(s)."))
