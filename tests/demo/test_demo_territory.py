"""The demo territory generator and its commands."""

import time
from io import StringIO

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.management import CommandError, call_command
from django_otp.plugins.otp_totp.models import TOTPDevice

from lda.accounts.models import Membership, Organisation, Territory, User
from lda.accounts.roles import ROLE_RULES, OrganisationKind, Role
from lda.core.validators import siret_ok
from lda.demo.catalogue import AGGLO, DEMO_ACCOUNTS, DEMO_PASSWORD, MAIN
from lda.demo.territory import build_demo_territory, reset_demo_territories
from lda.demo.totp import current_totp, demo_totp_secret_base32

FIXED_EMAILS = {
    Role.COORDINATOR: "coordination@demo.lda.fr",
    Role.REFERENT: "referent@demo.lda.fr",
    Role.SOCIAL_WORKER: "operateur@demo.lda.fr",
    Role.LANDLORD: "bailleur@demo.lda.fr",
    Role.PREVENTION_AGENT: "prevention@demo.lda.fr",
    Role.STATE_AGENT: "etat@demo.lda.fr",
    Role.OBSERVER: "observatoire@demo.lda.fr",
    Role.ADMIN: "admin@demo.lda.fr",
}


def snapshot():
    """Everything a seed decides, in a comparable form."""
    organisations = sorted(
        Organisation.objects.values_list("territory__name", "name", "kind", "siret", "address", "phone")
    )
    users = sorted(User.objects.values_list("email", "first_name", "last_name"))
    memberships = sorted(Membership.objects.values_list("user__email", "organisation__name", "role"))
    return organisations, users, memberships


@pytest.fixture
def demo(demo, db):
    """The shared demo (conftest), inside each test's transaction."""
    return demo


def test_the_main_territory_has_every_kind_of_organisation(demo):
    main = Territory.objects.get(name=MAIN.name)
    assert main.departement_code == "13" and main.epci_codes == ["200054807"]
    kinds = set(main.organisations.values_list("kind", flat=True))
    assert kinds == set(OrganisationKind.values)
    assert main.organisations.filter(kind=OrganisationKind.ASSOCIATION).count() >= 2
    assert main.organisations.filter(kind=OrganisationKind.SOCIAL_LANDLORD).count() >= 2


def test_every_organisation_is_valid_and_fictitious(demo):
    for organisation in Organisation.objects.all():
        organisation.full_clean()
        assert siret_ok(organisation.siret) and not organisation.siret.startswith("356000000")
        assert organisation.email.endswith(".invalid")
        assert organisation.phone.startswith("04 65 71")  # ARCEP's fiction range
        assert organisation.address


def test_every_role_has_its_documented_account(demo, settings):
    # The shared demo is built before each test's fast hasher is set: either hasher may have made them.
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        "django.contrib.auth.hashers.Argon2PasswordHasher",
    ]
    for role, email in FIXED_EMAILS.items():
        user = User.objects.get(email=email)
        membership = user.memberships.get()
        assert membership.role == role
        assert membership.organisation.territory.name == MAIN.name
        assert user.check_password(DEMO_PASSWORD)
    assert {account.email for account in demo.accounts} == {a.email for a in DEMO_ACCOUNTS}


def test_the_demo_password_passes_the_password_rules(demo):
    assert len(DEMO_PASSWORD) == 20
    for account in DEMO_ACCOUNTS:
        validate_password(DEMO_PASSWORD, User.objects.get(email=account.email))


def test_memberships_respect_the_role_rules(demo):
    memberships = Membership.objects.select_related("organisation")
    assert memberships.count() == User.objects.count() > 50
    for membership in memberships:
        assert membership.organisation.kind in ROLE_RULES[membership.role].organisation_kinds
        membership.full_clean()


def test_staff_have_generated_names_at_their_organisation_domain(demo):
    staff = User.objects.exclude(email__in=[a.email for a in DEMO_ACCOUNTS])
    assert staff.count() >= 40
    for user in staff.prefetch_related("memberships__organisation"):
        organisation = user.memberships.get().organisation
        assert user.email.split("@")[1] == organisation.email.split("@")[1]
        assert user.first_name and user.last_name


def test_the_second_territory_is_separate(demo):
    agglo = Territory.objects.get(name=AGGLO.name)
    assert agglo.departement_code == "84"
    admin = User.objects.get(email="admin@agglo-demo.lda.fr")
    assert admin.memberships.get().organisation.territory == agglo
    assert User.objects.filter(memberships__organisation__territory=agglo).count() >= 5
    for user in User.objects.prefetch_related("memberships__organisation"):
        assert len({m.organisation.territory_id for m in user.memberships.all()}) == 1


def test_totp_accounts_have_a_confirmed_device_that_accepts_the_current_code(demo):
    totp_roles = [role for role, rules in ROLE_RULES.items() if rules.requires_totp]
    assert set(totp_roles) == {Role.COORDINATOR, Role.ADMIN}
    users = User.objects.filter(memberships__role__in=totp_roles).distinct()
    assert users.count() >= 3
    for user in users:
        device = TOTPDevice.objects.get(user=user)
        assert device.confirmed
        assert device.verify_token(current_totp(user.email))
    secrets = {a.email: a.totp_secret for a in demo.accounts}
    assert secrets["admin@demo.lda.fr"] == demo_totp_secret_base32("admin@demo.lda.fr")
    assert secrets["referent@demo.lda.fr"] is None
    assert not TOTPDevice.objects.filter(user__email="referent@demo.lda.fr").exists()


@pytest.mark.django_db
def test_the_build_is_deterministic(settings, light_steps):
    settings.PRODUCTION = False
    build_demo_territory(seed=7)
    first = snapshot()
    assert reset_demo_territories() == 2
    assert not Territory.objects.exists() and not User.objects.exists() and not TOTPDevice.objects.exists()
    build_demo_territory(seed=7)
    assert snapshot() == first
    reset_demo_territories()
    build_demo_territory(seed=8)
    other = snapshot()
    assert other[0] != first[0] and other[1] != first[1]
    # The documented accounts do not depend on the seed.
    assert {a.email for a in DEMO_ACCOUNTS} <= {email for email, _, _ in other[1]}


@pytest.mark.django_db
def test_scale_multiplies_the_staff_and_the_households(settings, monkeypatch, no_demo):
    # The steps whose volume the scale sets; the measures and housing steps follow the households
    # (their own tests), and a full build at scale 3 took 150 s to 770 s for this one count.
    from lda.demo import territory

    monkeypatch.setattr(
        territory, "STEPS", [s for s in territory.STEPS if s.name in ("organisations", "users", "households")]
    )
    settings.PRODUCTION = False
    small = build_demo_territory(seed=1, scale=0.5).counts
    reset_demo_territories()
    large = build_demo_territory(seed=1, scale=3).counts
    assert large["utilisateurs"] > 2 * small["utilisateurs"]
    assert large["ménages"] > 4 * small["ménages"]
    with pytest.raises(ValueError):
        build_demo_territory(scale=0)


@pytest.mark.django_db
def test_seed_demo_if_empty_builds_once_then_does_nothing(light_steps):
    out = StringIO()
    call_command("seed_demo", "--if-empty", stdout=out)
    text = out.getvalue()
    assert "coordination@demo.lda.fr" in text and DEMO_PASSWORD in text
    assert demo_totp_secret_base32("admin@demo.lda.fr") in text
    assert "python manage.py demo_totp <email>" in text
    counts = (Territory.objects.count(), Organisation.objects.count(), User.objects.count())

    out = StringIO()
    call_command("seed_demo", "--if-empty", stdout=out)
    assert "rien n'a été créé" in out.getvalue()
    assert (Territory.objects.count(), Organisation.objects.count(), User.objects.count()) == counts


@pytest.mark.django_db
def test_seed_demo_refuses_to_duplicate_and_reset_rebuilds(settings, light_steps):
    settings.PRODUCTION = False
    call_command("seed_demo", stdout=StringIO())
    users = User.objects.count()
    with pytest.raises(CommandError, match="--reset"):
        call_command("seed_demo", stdout=StringIO())
    call_command("seed_demo", "--reset", stdout=StringIO())
    assert User.objects.count() == users
    assert Territory.objects.count() == 2


@pytest.mark.django_db
def test_reset_is_refused_in_production(settings, light_steps):
    call_command("seed_demo", stdout=StringIO())
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="production"):
        call_command("seed_demo", "--reset", stdout=StringIO())
    assert Territory.objects.count() == 2


@pytest.mark.django_db
def test_reset_keeps_other_territories(settings, territory, light_steps):
    settings.PRODUCTION = False
    build_demo_territory()
    reset_demo_territories()
    assert list(Territory.objects.all()) == [territory]


def test_demo_totp_prints_the_current_code(demo, settings):
    settings.PRODUCTION = False
    before = current_totp("coordination@demo.lda.fr")
    out = StringIO()
    call_command("demo_totp", "coordination@demo.lda.fr", stdout=out, stderr=StringIO())
    after = current_totp("coordination@demo.lda.fr", at=time.time())
    assert out.getvalue().strip() in {before, after}
    with pytest.raises(CommandError, match="Aucun appareil"):
        call_command("demo_totp", "referent@demo.lda.fr", stdout=StringIO(), stderr=StringIO())


def test_demo_totp_is_refused_in_production(demo, settings):
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="production"):
        call_command("demo_totp", "admin@demo.lda.fr", stdout=StringIO(), stderr=StringIO())


@pytest.mark.django_db
def test_seed_demo_refuses_production_unless_asked(settings, no_demo):
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="refusé en production"):
        call_command("seed_demo", stdout=StringIO())
    assert not Territory.objects.exists()


@pytest.mark.django_db
def test_if_empty_reprints_the_accounts_of_an_existing_demo(light_steps):
    call_command("seed_demo", stdout=StringIO())
    out = StringIO()
    call_command("seed_demo", "--if-empty", stdout=out)
    assert "rien n'a été créé" in out.getvalue() and "coordination@demo.lda.fr" in out.getvalue()
