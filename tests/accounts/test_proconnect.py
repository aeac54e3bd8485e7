"""Sign-in with ProConnect over a real OpenID Connect exchange (code flow, signed tokens, JWKS)."""

import json
from urllib.error import HTTPError
from urllib.parse import parse_qs, urlparse
from urllib.request import HTTPRedirectHandler, build_opener

import pytest
from django.urls import reverse

from lda.accounts.models import Membership, User
from lda.accounts.roles import Role
from lda.audit.models import AccessLog
from tests.oidc_provider import CLIENT_ID, CLIENT_SECRET, Provider

pytestmark = pytest.mark.django_db


class _NoRedirect(HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@pytest.fixture
def provider(settings):
    with Provider() as running:
        settings.PROCONNECT_ENABLED = True
        settings.AUTHENTICATION_BACKENDS = [
            "django.contrib.auth.backends.ModelBackend",
            "lda.accounts.proconnect.ProConnectBackend",
        ]
        settings.OIDC_RP_CLIENT_ID = CLIENT_ID
        settings.OIDC_RP_CLIENT_SECRET = CLIENT_SECRET
        settings.OIDC_OP_AUTHORIZATION_ENDPOINT = f"{running.url}/authorize"
        settings.OIDC_OP_TOKEN_ENDPOINT = f"{running.url}/token"
        settings.OIDC_OP_USER_ENDPOINT = f"{running.url}/userinfo"
        settings.OIDC_OP_JWKS_ENDPOINT = f"{running.url}/jwks"
        yield running


def _sign_in(client, provider, email, acr="eidas2"):
    """Browser's part of the code flow: LDA → provider's /authorize → back to LDA's callback."""
    provider.identity = {**provider.identity, "email": email, "acr": acr}
    start = client.get(reverse("accounts:proconnect_login"))
    assert start.status_code == 302
    authorize = urlparse(start["Location"])
    params = {k: v[0] for k, v in parse_qs(authorize.query).items()}
    assert params["scope"].startswith("openid") and params["nonce"] and params["state"]
    assert "eidas2" in json.loads(params["claims"])["id_token"]["acr"]["values"]
    with pytest.raises(HTTPError) as redirect:  # the provider answers 302 to LDA's callback
        build_opener(_NoRedirect).open(start["Location"])
    assert redirect.value.code == 302
    back = urlparse(redirect.value.headers["Location"])
    return client.get(back.path + "?" + back.query)


def test_a_referent_signs_in_with_proconnect(client, provider, users):
    referent = users[Role.REFERENT]
    response = _sign_in(client, provider, referent.email.upper())
    assert response.status_code == 302 and response["Location"] == reverse("home")
    assert client.get(reverse("home")).status_code == 200
    assert AccessLog.objects.filter(action="login", user_id=referent.pk).exists()


def test_a_two_factor_proconnect_sign_in_counts_as_the_coordinators_second_factor(client, provider, users):
    coordinator = users[Role.COORDINATOR]
    _sign_in(client, provider, coordinator.email)
    page = client.get(reverse("home")).content.decode()
    assert "Coordination Logement d" in page


def test_a_single_factor_identity_is_refused(client, provider, users):
    response = _sign_in(client, provider, users[Role.REFERENT].email, acr="eidas1")
    assert response.status_code == 302 and response["Location"] == reverse("accounts:login")
    assert client.get(reverse("home")).status_code == 302
    assert AccessLog.objects.filter(action="login_failed", section="proconnect").count() == 1


def test_proconnect_creates_no_account(client, provider):
    response = _sign_in(client, provider, "inconnu@administration.invalid")
    assert response["Location"] == reverse("accounts:login")
    assert not User.objects.filter(email="inconnu@administration.invalid").exists()


def test_an_account_without_membership_is_refused(client, provider, users):
    referent = users[Role.REFERENT]
    Membership.objects.filter(user=referent).update(is_active=False)
    assert _sign_in(client, provider, referent.email)["Location"] == reverse("accounts:login")


def test_a_deactivated_account_is_refused(client, provider, users):
    referent = users[Role.REFERENT]
    referent.is_active = False
    referent.save()
    assert _sign_in(client, provider, referent.email)["Location"] == reverse("accounts:login")


def test_a_forged_state_is_refused(client, provider, users):
    provider.identity = {**provider.identity, "email": users[Role.REFERENT].email}
    client.get(reverse("accounts:proconnect_login"))
    response = client.get(reverse("accounts:proconnect_callback") + "?code=x&state=forge")
    assert response.status_code in (400, 302)
    assert client.get(reverse("home")).status_code == 302


def test_proconnect_is_off_unless_configured(client, db):
    assert client.get(reverse("accounts:proconnect_login")).status_code == 404
    assert "ProConnect" not in client.get(reverse("accounts:login")).content.decode()


def test_the_sign_in_page_offers_proconnect_when_configured(client, provider):
    assert "S'identifier avec ProConnect" in client.get(reverse("accounts:login")).content.decode()
