"""The partners' API: token per organisation and role, the same policy as the pages, French errors."""

import pytest
from django.utils import timezone

from lda.accounts.models import ApiToken
from lda.accounts.roles import OrganisationKind, Role
from lda.audit.models import AccessLog
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def siao(territory):
    return OrganisationFactory(territory=territory, kind=OrganisationKind.SIAO, name="SIAO test")


def _token(organisation, role=Role.REFERENT):
    token, secret = ApiToken.issue(organisation=organisation, role=role, name="Logiciel", created_by=None)
    return token, {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def test_a_token_says_who_it_acts_for(client, siao):
    _, auth = _token(siao)
    body = client.get("/api/v1/moi", **auth).json()
    assert body["organisation"] == "SIAO test" and body["role"] == Role.REFERENT
    assert body["role_libelle"].startswith("Référent")


def test_no_token_or_a_wrong_one_is_refused_in_french(client):
    for headers in ({}, {"HTTP_AUTHORIZATION": "Bearer lda_faux"}):
        response = client.get("/api/v1/moi", **headers)
        assert response.status_code == 401
        assert response.json()["detail"] == "Jeton d'API absent, invalide ou révoqué."


def test_a_revoked_token_stops_working(client, siao):
    token, auth = _token(siao)
    token.revoked_at = timezone.now()
    token.save()
    assert client.get("/api/v1/moi", **auth).status_code == 401


def test_the_directory_is_scoped_to_the_tokens_territory(client, siao, other_territory):
    elsewhere = OrganisationFactory(territory=other_territory)
    _, auth = _token(siao)
    listed = client.get("/api/v1/organisations", **auth).json()
    ids = {item["id"] for item in listed["items"]}
    assert siao.pk in ids and elsewhere.pk not in ids
    response = client.get(f"/api/v1/organisations/{elsewhere.pk}", **auth)
    assert response.status_code == 404 and response.json() == {"detail": "Introuvable."}
    assert AccessLog.objects.filter(action="denied", token_id__isnull=False).count() == 1


def test_malformed_input_gets_a_french_error_naming_the_field(client, siao):
    _, auth = _token(siao)
    response = client.get("/api/v1/organisations/pas-un-nombre", **auth)
    assert response.status_code == 422
    body = response.json()
    assert body["detail"] == "Données invalides."
    assert body["erreurs"] == [{"champ": "organisation_id", "message": "Un nombre entier est attendu."}]


def test_the_openapi_schema_is_published(client):
    schema = client.get("/api/openapi.json").json()
    assert schema["openapi"].startswith("3.")
    assert "/api/v1/organisations" in schema["paths"]
    assert schema["components"]["securitySchemes"]


def test_api_responses_are_not_cached(client, siao):
    _, auth = _token(siao)
    assert client.get("/api/v1/moi", **auth)["Cache-Control"] == "no-store"
