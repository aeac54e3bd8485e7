"""Hostile input on the API: no server error, a French answer for every refusal (issue 18)."""

import pytest

from lda.accounts.models import ApiToken
from lda.accounts.roles import OrganisationKind, Role
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db

HUGE = "9223372036854775808"  # 2**63: one past the largest 64-bit integer a database column holds


@pytest.fixture
def auth(territory):
    organisation = OrganisationFactory(territory=territory, kind=OrganisationKind.SIAO)
    _, secret = ApiToken.issue(organisation=organisation, role=Role.COORDINATOR, name="Logiciel", created_by=None)
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def _paginated_lists(client):
    schema = client.get("/api/openapi.json").json()
    for path, operations in schema["paths"].items():
        get = operations.get("get")
        if get and any(p["name"] == "offset" for p in get.get("parameters", [])):
            yield path


def test_every_paginated_list_is_found_in_the_schema(client):
    lists = set(_paginated_lists(client))
    assert {"/api/v1/menages", "/api/v1/mesures", "/api/v1/logements", "/api/v1/organisations"} <= lists
    assert len(lists) >= 7


@pytest.mark.parametrize("offset", [HUGE, str(10**30), "-1"])
def test_a_huge_or_negative_offset_is_refused_in_french_on_every_list(client, auth, offset):
    for path in _paginated_lists(client):
        response = client.get(path, {"offset": offset}, **auth)
        assert response.status_code == 422, (path, response.status_code)
        body = response.json()
        assert body["detail"] == "Données invalides."
        assert [e["champ"] for e in body["erreurs"]] == ["offset"], path
        assert body["erreurs"][0]["message"].startswith("La valeur doit être au "), path


def test_a_huge_limit_is_refused_in_french_on_every_list(client, auth):
    for path in _paginated_lists(client):
        response = client.get(path, {"limit": HUGE}, **auth)
        assert response.status_code == 422, path
        assert response.json()["erreurs"] == [{"champ": "limit", "message": "La valeur doit être au plus 200."}]


def test_the_largest_offset_allowed_answers_an_empty_page(client, auth):
    for path in _paginated_lists(client):
        response = client.get(path, {"offset": "1000000000"}, **auth)
        assert response.status_code in (200, 403), path
        if response.status_code == 200:
            assert response.json()["items"] == []
