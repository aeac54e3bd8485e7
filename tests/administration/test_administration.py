"""The territory administrator's pages: clear French errors, nothing half-saved, bounded queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from lda.accounts.models import ApiToken, Membership, Organisation, User
from lda.accounts.roles import OrganisationKind, Role
from tests.conftest import sign_in
from tests.factories import OrganisationFactory, make_siret, user_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, users):
    return sign_in(client, users[Role.ADMIN])


def test_an_invalid_siret_is_refused_in_french_and_nothing_is_saved(admin_client, territory):
    before = Organisation.objects.count()
    response = admin_client.post(
        reverse("administration:organisation_create"),
        {
            "territory": territory.pk,
            "name": "Association Test",
            "kind": OrganisationKind.ASSOCIATION,
            "siret": "12345678901234",
        },
    )
    assert response.status_code == 200
    assert "clé de contrôle" in response.content.decode()
    assert Organisation.objects.count() == before


def test_an_organisation_is_created(admin_client, territory):
    siret = make_siret()
    response = admin_client.post(
        reverse("administration:organisation_create"),
        {
            "territory": territory.pk,
            "name": "Association Test",
            "kind": OrganisationKind.ASSOCIATION,
            "siret": siret[:3] + " " + siret[3:],
        },
    )
    assert response.status_code == 302
    assert Organisation.objects.get(name="Association Test").siret == siret


def test_an_administrator_cannot_create_in_another_territory(admin_client, other_territory):
    response = admin_client.post(
        reverse("administration:organisation_create"),
        {
            "territory": other_territory.pk,
            "name": "Intrus",
            "kind": OrganisationKind.ASSOCIATION,
            "siret": make_siret(),
        },
    )
    assert response.status_code == 200
    assert not Organisation.objects.filter(name="Intrus").exists()


def _create_account(client, email, organisation, role):
    data = {"email": email, "first_name": "Inès", "last_name": "Benali", "organisation": organisation.pk, "role": role}
    return client.post(reverse("administration:user_create"), data)


def test_creating_an_account_creates_its_membership_and_sends_an_invitation(admin_client, territory, mailoutbox):
    siao = OrganisationFactory(territory=territory, kind=OrganisationKind.SIAO)
    response = _create_account(admin_client, "Nouvelle.Referente@SIAO.invalid", siao, Role.REFERENT)
    assert response.status_code == 302
    user = User.objects.get(email="nouvelle.referente@siao.invalid")
    assert not user.has_usable_password()
    assert Membership.objects.get(user=user).role == Role.REFERENT
    assert len(mailoutbox) == 1 and "/connexion/nouveau-mot-de-passe/" in mailoutbox[0].body


def test_a_role_that_does_not_exist_in_that_kind_of_organisation_is_refused(admin_client, territory):
    landlord = OrganisationFactory(territory=territory, kind=OrganisationKind.SOCIAL_LANDLORD)
    response = _create_account(admin_client, "x@bailleur.invalid", landlord, Role.REFERENT)
    assert response.status_code == 200
    assert "n&#x27;existe pas dans une organisation de type" in response.content.decode()
    assert not User.objects.filter(email="x@bailleur.invalid").exists()


def test_deactivating_an_account_ends_its_sessions(admin_client, users, client_factory=None):
    from django.test import Client

    target = users[Role.REFERENT]
    theirs = sign_in(Client(), target)
    assert theirs.get(reverse("home")).status_code == 200
    admin_client.post(reverse("administration:user_action", args=[target.pk, "desactiver"]))
    target.refresh_from_db()
    assert not target.is_active
    assert theirs.get(reverse("home")).status_code == 302


def test_an_administrator_cannot_deactivate_themself(admin_client, users):
    admin = users[Role.ADMIN]
    admin_client.post(reverse("administration:user_action", args=[admin.pk, "desactiver"]))
    admin.refresh_from_db()
    assert admin.is_active


def test_an_api_token_is_shown_once_and_stored_hashed(admin_client, territory):
    siao = OrganisationFactory(territory=territory, kind=OrganisationKind.SIAO)
    response = admin_client.post(
        reverse("administration:tokens"), {"name": "Logiciel SIAO", "organisation": siao.pk, "role": Role.REFERENT}
    )
    secret = response.context["secret"]
    assert secret.startswith("lda_") and secret in response.content.decode()
    token = ApiToken.objects.get(name="Logiciel SIAO")
    assert secret not in (token.key_hash, token.prefix) and len(token.key_hash) == 64
    assert secret not in admin_client.get(reverse("administration:tokens")).content.decode()


def _queries(client, url):
    with CaptureQueriesContext(connection) as context:
        assert client.get(url).status_code == 200
    return len(context)


@pytest.mark.parametrize(
    "url_name", ["administration:users", "administration:organisations", "audit:log", "directory", "home"]
)
def test_pages_issue_the_same_number_of_queries_for_5_or_40_rows(admin_client, territory, url_name):
    for _ in range(5):
        user_with_role(Role.SOCIAL_WORKER, territory)
    few = _queries(admin_client, reverse(url_name))
    for _ in range(35):
        user_with_role(Role.SOCIAL_WORKER, territory)
    many = _queries(admin_client, reverse(url_name))
    assert many == few, f"{url_name} : {few} requêtes pour 5 lignes, {many} pour 40"
    assert many <= 20


@pytest.mark.parametrize("action", ["debloquer", "reinitialiser-double-authentification", "inviter", "desactiver"])
def test_every_action_on_an_account_is_logged(admin_client, users, action):
    from lda.audit.models import AccessLog

    target = users[Role.REFERENT]
    admin_client.post(reverse("administration:user_action", args=[target.pk, action]))
    admin = users[Role.ADMIN]
    events = AccessLog.objects.filter(action="update", object_type="user", object_id=str(target.pk), user_id=admin.pk)
    assert events.count() == 1
