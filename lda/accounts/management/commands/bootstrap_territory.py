"""Creates a territory, its coordinating organisation and its first administrator (first install)."""

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from lda.accounts.models import Membership, Organisation, Territory, User
from lda.accounts.roles import OrganisationKind, Role


class Command(BaseCommand):
    help = "Crée un territoire, sa plateforme de coordination et son premier compte d'administration."

    def add_arguments(self, parser):
        parser.add_argument("--territoire", required=True, help="Nom du territoire")
        parser.add_argument("--departement", required=True, help="Code INSEE du département (ex. 13)")
        parser.add_argument("--epci", action="append", default=[], help="Code SIREN d'un EPCI (répétable)")
        parser.add_argument("--organisation", required=True, help="Nom de l'organisation qui coordonne")
        parser.add_argument("--siret", required=True, help="SIRET de cette organisation")
        parser.add_argument("--email", required=True, help="E-mail de l'administrateur·rice")
        parser.add_argument("--prenom", required=True)
        parser.add_argument("--nom", required=True)

    def handle(self, *args, **options):
        try:
            with transaction.atomic():
                territory = Territory(
                    name=options["territoire"], departement_code=options["departement"], epci_codes=options["epci"]
                )
                territory.full_clean()
                territory.save()
                organisation = Organisation(
                    territory=territory,
                    name=options["organisation"],
                    kind=OrganisationKind.PLATFORM,
                    siret=options["siret"],
                )
                organisation.full_clean()
                organisation.save()
                user = User(email=options["email"], first_name=options["prenom"], last_name=options["nom"])
                user.set_unusable_password()
                user.full_clean()
                user.save()
                membership = Membership(user=user, organisation=organisation, role=Role.ADMIN)
                membership.full_clean()
                membership.save()
        except ValidationError as error:
            messages = [f"{field} : {' '.join(msgs)}" for field, msgs in error.message_dict.items()]
            raise CommandError("Rien n'a été créé. " + " ; ".join(messages)) from error
        path = reverse(
            "accounts:password_reset_confirm",
            kwargs={
                "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
                "token": default_token_generator.make_token(user),
            },
        )
        self.stdout.write(self.style.SUCCESS(f"Territoire « {territory.name} » créé."))
        self.stdout.write(f"Lien pour choisir le mot de passe de {user.email} (16 caractères au moins) :")
        self.stdout.write(settings.SITE_URL.rstrip("/") + path)
        self.stdout.write("À la première connexion, la double authentification sera demandée.")
