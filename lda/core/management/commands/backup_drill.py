"""python manage.py backup_drill [--scratch NOM]: the backup → restore drill (PostgreSQL only)."""

import re
import secrets
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from lda.core.backup import DrillError, Target, format_report, run_drill


def default_scratch(name: str) -> str:
    stem = re.sub(r"[^a-z0-9_]", "_", name.lower())[:40] or "lda"
    return f"{stem}_drill_{secrets.token_hex(4)}"


class Command(BaseCommand):
    help = (
        "Répétition de sauvegarde et de restauration (PostgreSQL) : sauvegarde la base (pg_dump), la restaure "
        "dans une base jetable (pg_restore), compare pour chaque table le nombre de lignes et une empreinte "
        "de son contenu, puis supprime la base jetable. Échoue à la moindre différence."
    )
    # The tests pass a callable that tampers with the restored copy before the comparison.
    stealth_options = ("after_restore",)

    def add_arguments(self, parser):
        parser.add_argument(
            "--scratch",
            metavar="NOM",
            default=None,
            help="Nom de la base jetable (défaut : <base>_drill_<aléa>) ; elle est supprimée à la fin.",
        )
        parser.add_argument("--database", default="default", help="Alias Django de la base (défaut : default).")

    def handle(self, *args, scratch, database, **options):
        connection = connections[database]
        if connection.vendor != "postgresql":
            raise CommandError(
                "La répétition de sauvegarde et de restauration est réservée à PostgreSQL "
                f"(base configurée : {connection.display_name}). Donnez une DATABASE_URL postgres://…"
            )
        target = Target.from_settings(connection.settings_dict)
        scratch = scratch or default_scratch(target.name)
        started = time.monotonic()
        try:
            report = run_drill(
                target,
                scratch,
                after_restore=options.get("after_restore"),
                say=lambda message: self.stdout.write(message),
            )
        except DrillError as error:
            raise CommandError(str(error)) from None
        self.stdout.write("")
        self.stdout.write(format_report(report))
        self.stdout.write("")
        seconds = time.monotonic() - started
        rows = sum(c.source.rows for c in report.tables if c.source is not None)
        if not report.ok:
            different = [c.name for c in report.differences]
            raise CommandError(
                f"Restauration NON conforme : {len(different)} différence(s) ({', '.join(different)}). "
                "La sauvegarde ne peut pas être considérée comme fiable."
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"Restauration conforme : {len(report.tables)} tables ({rows} lignes) et "
                f"{len(report.sequences)} séquences identiques, en {seconds:.1f} s."
            )
        )
