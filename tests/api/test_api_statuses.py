"""The API says what it does: every status an operation answers is in the schema, every error is French JSON (issue 18, item 9)."""

import pytest

from lda.accounts.models import ApiToken
from lda.accounts.roles import OrganisationKind, Role
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db

EVERY_OPERATION_MAY_ANSWER = {"400", "401", "403", "404", "405", "409", "422"}


@pytest.fixture
def auth(territory):
    organisation = OrganisationFactory(territory=territory, kind=OrganisationKind.SIAO)
    _, secret = ApiToken.issue(organisation=organisation, role=Role.COORDINATOR, name="Logiciel", created_by=None)
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def test_every_operation_documents_every_error_status_with_its_french_body(client):
    schema = client.get("/api/openapi.json").json()
    operations = [(path, method, op) for path, ops in schema["paths"].items() for method, op in ops.items()]
    assert len(operations) >= 70
    for path, method, operation in operations:
        missing = EVERY_OPERATION_MAY_ANSWER - set(operation["responses"])
        assert not missing, (method, path, missing)
        invalid = operation["responses"]["422"]["content"]["application/json"]["schema"]
        assert invalid == {"$ref": "#/components/schemas/InvalidOut"}, (method, path)
    me = schema["paths"]["/api/v1/moi"]["get"]["responses"]
    assert me["405"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/ErrorOut"}
    assert {"ErrorOut", "InvalidOut"} <= set(schema["components"]["schemas"])


@pytest.mark.parametrize(("method", "path"), [("put", "/api/v1/moi"), ("delete", "/api/v1/organisations")])
def test_a_method_no_operation_takes_answers_405_in_french_json(client, auth, method, path):
    response = getattr(client, method)(path, **auth)
    assert response.status_code == 405
    assert response["Content-Type"].startswith("application/json")
    assert response.json() == {"detail": "Méthode non permise : cette adresse accepte GET."}
    assert response["Allow"] == "GET"


def test_a_body_that_is_not_json_answers_a_documented_400_in_french(client, auth):
    response = client.post("/api/v1/menages", "{pas du json", content_type="application/json", **auth)
    assert response.status_code == 400
    assert response.json() == {"detail": "Le corps de la requête n'est pas un JSON valide."}
