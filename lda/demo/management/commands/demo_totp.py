"""python manage.py demo_totp <email>: the current one-time code of a demo account."""

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django_otp.plugins.otp_totp.models import TOTPDevice

from lda.demo.totp import device_token


class Command(BaseCommand):
    help = "Affiche le code à usage unique (TOTP) du moment d'un compte de démonstration."

    def add_arguments(self, parser):
        parser.add_argument("email", help="Adresse e-mail du compte de démonstration.")

    def handle(self, *args, email, **options):
        if settings.PRODUCTION:
            raise CommandError(
                "Commande refusée en production : les codes à usage unique ne s'affichent que hors production."
            )
        device = TOTPDevice.objects.filter(user__email__iexact=email.strip(), confirmed=True).order_by("pk").first()
        if device is None:
            raise CommandError(f"Aucun appareil TOTP confirmé pour « {email} ».")
        self.stdout.write(device_token(device))
        remaining = device.step - (int(time.time()) - device.t0) % device.step
        self.stderr.write(f"(valable encore {remaining} s)")
