"""Test data: territories, organisations and one user per role, alice/bob style but by role."""

import itertools

import factory
from django_otp.plugins.otp_totp.models import TOTPDevice

from lda.accounts.models import Membership, Organisation, Territory, User
from lda.accounts.roles import ROLE_RULES, OrganisationKind, Role

_counter = itertools.count(1)


def luhn_digit(partial: str) -> str:
    for digit in "0123456789":
        candidate = partial + digit
        total = 0
        for index, char in enumerate(reversed(candidate)):
            value = int(char) * (2 if index % 2 else 1)
            total += value - 9 if value > 9 else value
        if total % 10 == 0:
            return digit
    raise AssertionError


def make_siret() -> str:
    partial = f"{next(_counter) + 41_000_000_000_00:013d}"[:13]
    return partial + luhn_digit(partial)


class TerritoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Territory

    name = factory.Sequence(lambda n: f"Territoire {n}")
    departement_code = "13"
    epci_codes = ["200054807"]


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    territory = factory.SubFactory(TerritoryFactory)
    name = factory.Sequence(lambda n: f"Organisation {n}")
    kind = OrganisationKind.ASSOCIATION
    siret = factory.LazyFunction(make_siret)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"personne{n}@exemple.invalid")
    first_name = "Camille"
    last_name = factory.Sequence(lambda n: f"Martin{n}")
    password = factory.PostGenerationMethodCall("set_password", "un mot de passe assez long")

    @factory.post_generation
    def saved(obj, create, extracted, **kwargs):
        if create:
            obj.save()


# The organisation kind each role's test user belongs to.
ROLE_KIND = {
    Role.COORDINATOR: OrganisationKind.PLATFORM,
    Role.REFERENT: OrganisationKind.SIAO,
    Role.SOCIAL_WORKER: OrganisationKind.ASSOCIATION,
    Role.LANDLORD: OrganisationKind.SOCIAL_LANDLORD,
    Role.PREVENTION_AGENT: OrganisationKind.DEPARTEMENT,
    Role.STATE_AGENT: OrganisationKind.STATE_SERVICE,
    Role.OBSERVER: OrganisationKind.OBSERVATORY,
    Role.ADMIN: OrganisationKind.PLATFORM,
}
assert all(ROLE_KIND[r] in ROLE_RULES[r].organisation_kinds for r in Role.values)


def user_with_role(role: str, territory: Territory, organisation: Organisation | None = None, **fields) -> User:
    organisation = organisation or OrganisationFactory(territory=territory, kind=ROLE_KIND[role])
    user = UserFactory(**fields)
    Membership.objects.create(user=user, organisation=organisation, role=role)
    if ROLE_RULES[role].requires_totp:
        TOTPDevice.objects.create(user=user, name="test", confirmed=True)
    return user
