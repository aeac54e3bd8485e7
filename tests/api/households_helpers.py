"""Calling the by-name list API with a token of a given user's organisation and role."""

import json

from lda.accounts.models import ApiToken
from tests.households.helpers import organisation_of


class TokenClient:
    """The test client speaking JSON with one organisation's bearer token."""

    def __init__(self, client, organisation, role):
        _, secret = ApiToken.issue(organisation=organisation, role=role, name="Logiciel", created_by=None)
        self.client = client
        self.headers = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}

    def get(self, url, **params):
        return self.client.get(f"/api/v1{url}", params, **self.headers)

    def _send(self, method, url, body):
        return getattr(self.client, method)(
            f"/api/v1{url}", json.dumps(body, default=str), content_type="application/json", **self.headers
        )

    def post(self, url, body):
        return self._send("post", url, body)

    def patch(self, url, body):
        return self._send("patch", url, body)


def token_of(client, user, role):
    return TokenClient(client, organisation_of(user), role)


def fields(response) -> list[str]:
    return [error["champ"] for error in response.json()["erreurs"]]
