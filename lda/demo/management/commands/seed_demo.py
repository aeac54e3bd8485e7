"""python manage.py seed_demo [--seed N] [--scale X] [--today AAAA-MM-JJ] [--if-empty] [--reset]"""

import argparse
from datetime import date

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from lda.accounts.models import Membership, Territory
from lda.accounts.roles import ROLE_RULES
from lda.demo.catalogue import DEMO_ACCOUNTS, DEMO_PASSWORD, DEMO_TERRITORY_NAMES
from lda.demo.territory import DemoAccount, build_demo_territory, reset_demo_territories
from lda.demo.totp import demo_totp_secret_base32


def format_table(headers: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(str(cell)) for cell in column) for column in zip(headers, *rows, strict=True)]

    def line(cells):
        return "  ".join(str(cell).ljust(width) for cell, width in zip(cells, widths, strict=True)).rstrip()

    return "\n".join([line(headers), line(["-" * width for width in widths]), *(line(row) for row in rows)])


def reference_date(text: str) -> date:
    """AAAA-MM-JJ or JJ/MM/AAAA, between 2000 and 2100 (the history reaches three years back)."""
    text = text.strip()
    try:
        day = date.fromisoformat(text) if "-" in text else date(*reversed([int(p) for p in text.split("/")]))
    except (ValueError, TypeError):
        raise argparse.ArgumentTypeError(
            f"« {text} » n'est pas une date : écrivez-la AAAA-MM-JJ (par exemple 2026-12-07) ou JJ/MM/AAAA."
        ) from None
    if not 2000 <= day.year <= 2100:
        raise argparse.ArgumentTypeError(f"La date de référence doit être entre 2000 et 2100 (reçu : {text}).")
    return day


class Command(BaseCommand):
    help = "Crée les territoires de démonstration (organisations, comptes de démonstration, équipes)."

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=2026, help="Graine du tirage (défaut : 2026).")
        parser.add_argument("--scale", type=float, default=1.0, help="Facteur de volume (défaut : 1).")
        parser.add_argument(
            "--today",
            type=reference_date,
            default=None,
            metavar="AAAA-MM-JJ",
            help="Date de référence : le territoire tel qu'il est ce jour-là (défaut : aujourd'hui). "
            "La même graine, la même échelle et la même date donnent toujours les mêmes données.",
        )
        parser.add_argument(
            "--if-empty", action="store_true", help="Ne fait rien si la base contient déjà un territoire."
        )
        parser.add_argument(
            "--reset", action="store_true", help="Supprime d'abord les territoires de démonstration (hors production)."
        )
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help="Accepte de créer les comptes de démonstration (mots de passe publics) avec LDA_ENV=production.",
        )

    def handle(self, *args, seed, scale, today, if_empty, reset, allow_production, **options):
        if scale <= 0:
            raise CommandError("--scale doit être strictement positif.")
        if settings.PRODUCTION and not allow_production:
            raise CommandError(
                "Les comptes de démonstration ont des mots de passe publics : refusé en production "
                "(ajoutez --allow-production pour un serveur de démonstration)."
            )
        if if_empty and Territory.objects.exists():
            self.stdout.write("La base contient déjà des données (au moins un territoire) : rien n'a été créé.")
            existing = self.existing_accounts()
            if existing:
                self.stdout.write("")
                self.print_accounts(existing)
            return
        if reset:
            if settings.PRODUCTION:
                raise CommandError("--reset est refusé en production (LDA_ENV=production).")
            deleted = reset_demo_territories()
            self.stdout.write(f"{deleted} territoire(s) de démonstration supprimé(s).")
        elif Territory.objects.filter(name__in=DEMO_TERRITORY_NAMES).exists():
            raise CommandError(
                "Les territoires de démonstration existent déjà : relancez avec --reset pour les recréer."
            )

        result = build_demo_territory(seed=seed, scale=scale, today=today)
        self.report(result)

    def report(self, result):
        counts = ", ".join(f"{count} {what}" for what, count in result.counts.items())
        self.stdout.write(
            self.style.SUCCESS(
                f"Territoires de démonstration créés en {result.seconds:.1f} s (graine {result.seed}, "
                f"échelle {result.scale:g}, au {result.today:%d/%m/%Y}) : {counts}."
            )
        )
        self.stdout.write("")
        self.print_accounts(result.accounts)

    def existing_accounts(self) -> list[DemoAccount]:
        """The documented demo accounts still present in the database, as they are now."""
        emails = [spec.email for spec in DEMO_ACCOUNTS]
        memberships = Membership.objects.filter(user__email__in=emails, is_active=True).select_related(
            "user", "organisation__territory"
        )
        by_email = {m.user.email: m for m in memberships}
        accounts = []
        for email in emails:
            membership = by_email.get(email)
            if membership is None:
                continue
            secret = demo_totp_secret_base32(email) if ROLE_RULES[membership.role].requires_totp else None
            accounts.append(
                DemoAccount(
                    email, membership.role, membership.organisation.name, membership.organisation.territory.name, secret
                )
            )
        return accounts

    def print_accounts(self, accounts: list[DemoAccount]) -> None:
        self.stdout.write("Comptes de démonstration :")
        rows = [[a.email, a.role_label, a.organisation, DEMO_PASSWORD, a.totp_secret or "—"] for a in accounts]
        self.stdout.write(
            format_table(["E-mail", "Rôle", "Organisation", "Mot de passe", "Secret TOTP (base32)"], rows)
        )
        self.stdout.write("")
        self.stdout.write(
            "Les comptes de coordination et d'administration demandent un code à usage unique : ajoutez le secret "
            "TOTP dans une application d'authentification, ou obtenez le code du moment avec\n"
            "  python manage.py demo_totp <email>"
        )
        self.stdout.write(
            "Les autres membres des équipes (prénom.nom@<domaine de l'organisation>) ont le même mot de passe."
        )
