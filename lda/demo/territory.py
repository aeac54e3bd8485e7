"""Builds the demo territories: a deterministic sequence of steps inside one transaction.

Each step draws from its own random generator (seeded by the seed and the step's name), so a step
added later never changes what the earlier ones produce. Later steps (households, measures,
housing…) append themselves to STEPS and use `ctx.scale` and bulk_create to reach large volumes.
"""

import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from lda.accounts.models import Membership, Organisation, Territory, User
from lda.accounts.roles import ROLE_RULES, Role
from lda.demo import catalogue
from lda.demo.catalogue import DEMO_ACCOUNTS, DEMO_PASSWORD, DEMO_TERRITORY_NAMES, TERRITORIES
from lda.demo.clock import clock, evening
from lda.demo.households import build_households, reset_households
from lda.demo.housing import build_housing, reset_housing
from lda.demo.identifiers import fiction_phone, staff_email, synthetic_address, synthetic_siret
from lda.demo.measures import build_measures, reset_measures
from lda.demo.names import person_name
from lda.demo.totp import DEVICE_NAME, demo_totp_key, demo_totp_secret_base32

__all__ = ["DEMO_PASSWORD", "DemoAccount", "DemoResult", "STEPS", "build_demo_territory", "reset_demo_territories"]

TOTP_ROLES = frozenset(role for role, rules in ROLE_RULES.items() if rules.requires_totp)


@dataclass(frozen=True)
class DemoAccount:
    email: str
    role: str
    organisation: str
    territory: str
    totp_secret: str | None  # base32, for the roles that require a second factor

    @property
    def role_label(self) -> str:
        return Role(self.role).label


@dataclass
class DemoResult:
    seed: int
    scale: float
    today: date | None = None
    territories: dict[str, Territory] = field(default_factory=dict)  # by TerritorySpec.key
    organisations: dict[str, Organisation] = field(default_factory=dict)  # by OrganisationSpec.key
    accounts: list[DemoAccount] = field(default_factory=list)  # the documented accounts
    counts: Counter = field(default_factory=Counter)
    seconds: float = 0.0


@dataclass
class BuildContext:
    seed: int
    scale: float
    password_hash: str
    result: DemoResult
    # The reference date the whole history is drawn from ("today" of the demo), and the moment
    # nothing may be recorded after: now on the real today, the evening of a past reference date.
    today: date
    now: datetime

    def rng(self, step_name: str) -> random.Random:
        return random.Random(f"lda-demo:{self.seed}:{step_name}")

    def scaled(self, base: int) -> int:
        return round(base * self.scale)


@dataclass(frozen=True)
class Step:
    name: str
    build: Callable[[BuildContext], None]
    # Deletes what `build` created in the given territories (ids); run in reverse order by the reset.
    reset: Callable[[list[int]], None] | None = None


# --- organisations -------------------------------------------------------------------------------


def _cities(spec, org_spec) -> tuple:
    return tuple(c for c in spec.cities if c[1] == org_spec.city) if org_spec.city else spec.cities


def build_organisations(ctx: BuildContext) -> None:
    rng = ctx.rng("organisations")
    for spec in TERRITORIES:
        territory = Territory(name=spec.name, departement_code=spec.departement_code, epci_codes=list(spec.epci_codes))
        territory.full_clean()
        territory.save()
        ctx.result.territories[spec.key] = territory
        taken: set[str] = set()
        for org_spec in spec.organisations:
            organisation = Organisation(
                territory=territory,
                name=org_spec.name,
                kind=org_spec.kind,
                siret=synthetic_siret(rng, catalogue.SIREN_PREFIX[org_spec.kind], taken),
                email=f"contact@{org_spec.domain}",
                phone=fiction_phone(rng),
                address=synthetic_address(rng, _cities(spec, org_spec)),
            )
            organisation.full_clean()
            organisation.save()
            ctx.result.organisations[org_spec.key] = organisation
    ctx.result.counts["territoires"] = len(ctx.result.territories)
    ctx.result.counts["organisations"] = len(ctx.result.organisations)


def reset_organisations(territory_ids: list[int]) -> None:
    Organisation.objects.filter(territory_id__in=territory_ids).delete()  # API tokens go with them
    Territory.objects.filter(pk__in=territory_ids).delete()


# --- users and memberships ----------------------------------------------------------------------


def _membership(user: User, organisation: Organisation, role: str) -> Membership:
    membership = Membership(user=user, organisation=organisation, role=role)
    membership.clean()  # refuses a role that ROLE_RULES does not allow in this kind of organisation
    return membership


def _staff_member(rng: random.Random, role: str, domain: str, taken: set[str]) -> User:
    """A generated colleague: sex and generation drawn first, so the first name fits both."""
    female_share = catalogue.FEMALE_SHARE.get(role, catalogue.DEFAULT_FEMALE_SHARE)
    sex = "F" if rng.random() < female_share else "M"
    birth_year = rng.randint(catalogue.REFERENCE_YEAR - 63, catalogue.REFERENCE_YEAR - 23)
    person = person_name(rng, sex=sex, birth_year=birth_year)
    email = staff_email(person.first_name, person.last_name, domain, taken)
    return User(email=email, first_name=person.first_name, last_name=person.last_name)


def build_users(ctx: BuildContext) -> None:
    rng = ctx.rng("users")
    organisations = ctx.result.organisations
    users: list[User] = []
    grants: list[tuple[int, Organisation, str]] = []  # (index in users, organisation, role)
    taken = {account.email for account in DEMO_ACCOUNTS}

    for account in DEMO_ACCOUNTS:
        organisation = organisations[account.organisation_key]
        grants.append((len(users), organisation, account.role))
        users.append(User(email=account.email, first_name=account.first_name, last_name=account.last_name))
        secret = demo_totp_secret_base32(account.email) if account.role in TOTP_ROLES else None
        ctx.result.accounts.append(
            DemoAccount(account.email, account.role, organisation.name, organisation.territory.name, secret)
        )

    for spec in TERRITORIES:
        for org_spec in spec.organisations:
            for role, base in org_spec.staff:
                for _ in range(ctx.scaled(base)):
                    grants.append((len(users), organisations[org_spec.key], role))
                    users.append(_staff_member(rng, role, org_spec.domain, taken))

    for user in users:
        user.password = ctx.password_hash  # hashed once: Argon2 per user would take seconds
        user.clean_fields()
    # bulk_create: no per-row audit event (and fast); the ids come back on SQLite and PostgreSQL.
    User.objects.bulk_create(users)
    memberships = [_membership(users[index], organisation, role) for index, organisation, role in grants]
    Membership.objects.bulk_create(memberships)
    ctx.result.counts["utilisateurs"] = len(users)
    ctx.result.counts["rattachements"] = len(memberships)


def reset_users(territory_ids: list[int]) -> None:
    in_demo = Membership.objects.filter(organisation__territory_id__in=territory_ids)
    # A person who also works in a real territory keeps their account; only the demo memberships go.
    elsewhere = Membership.objects.exclude(organisation__territory_id__in=territory_ids).values("user_id")
    user_ids = list(in_demo.exclude(user_id__in=elsewhere).values_list("user_id", flat=True).distinct())
    in_demo.delete()
    User.objects.filter(pk__in=user_ids).delete()  # their TOTP devices and sessions cascade


# --- second factor ------------------------------------------------------------------------------


def build_totp_devices(ctx: BuildContext) -> None:
    """A confirmed authenticator for every account whose role requires one, with its documented key."""
    territory_ids = [t.pk for t in ctx.result.territories.values()]
    users = (
        User.objects.filter(memberships__organisation__territory_id__in=territory_ids, memberships__role__in=TOTP_ROLES)
        .distinct()
        .order_by("pk")
    )
    devices = [TOTPDevice(user=user, name=DEVICE_NAME, key=demo_totp_key(user.email), confirmed=True) for user in users]
    TOTPDevice.objects.bulk_create(devices)
    ctx.result.counts["appareils TOTP"] = len(devices)


STEPS: list[Step] = [
    Step("organisations", build_organisations, reset_organisations),
    Step("users", build_users, reset_users),
    Step("totp", build_totp_devices),
    Step("households", build_households, reset_households),
    Step("measures", build_measures, reset_measures),
    Step("housing", build_housing, reset_housing),
]


# --- entry points -------------------------------------------------------------------------------


def build_demo_territory(
    seed: int = 2026, scale: float = 1.0, steps: list[Step] | None = None, today: date | None = None
) -> DemoResult:
    """Creates the demo territories as they stand on `today` (the real date by default); fails (and
    leaves nothing) if they already exist.

    The same seed, scale and reference date always give the same territory. The services the steps
    call read "today" from the clock: the build runs with the clock's date on the reference date.
    """
    if scale <= 0:
        raise ValueError("L'échelle doit être strictement positive.")
    started = time.monotonic()
    real_today = timezone.localdate()
    today = today or real_today
    now = timezone.now() if today == real_today else evening(today)
    result = DemoResult(seed=seed, scale=scale, today=today)
    ctx = BuildContext(
        seed=seed, scale=scale, password_hash=make_password(DEMO_PASSWORD), result=result, today=today, now=now
    )
    with clock(today), transaction.atomic():
        for step in steps or STEPS:
            step.build(ctx)
    result.seconds = time.monotonic() - started
    return result


def demo_territory_ids() -> list[int]:
    return list(Territory.objects.filter(name__in=DEMO_TERRITORY_NAMES).values_list("pk", flat=True))


def reset_demo_territories(steps: list[Step] | None = None) -> int:
    """Deletes the demo territories and everything the steps put in them. Never in production."""
    if settings.PRODUCTION:
        raise ImproperlyConfigured("La suppression des territoires de démonstration est interdite en production.")
    territory_ids = demo_territory_ids()
    if not territory_ids:
        return 0
    with transaction.atomic():
        for step in reversed(steps or STEPS):
            if step.reset is not None:
                step.reset(territory_ids)
    return len(territory_ids)
