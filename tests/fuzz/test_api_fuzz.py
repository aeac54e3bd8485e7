"""Fuzzing every API operation with schemathesis, with a token of each role (issue 18, item 9).

Not part of `make test`: it runs only when LDA_FUZZ is set.
- `LDA_FUZZ=full` (`make fuzz`): schemathesis' coverage phase (boundaries, wrong types, methods an
  address does not take) then LDA_FUZZ_EXAMPLES generated cases per operation (default 20), each
  case sent with the token of every role and without a token.
- `LDA_FUZZ=1` (the short bounded run CI calls, under 3 minutes): the same cases, each sent with
  one token, the roles taken in turn, and 3 generated cases per operation.
A response is a failure when it is a server error (5xx) or a status the schema does not document.
The figures (requests, operations, failures) are printed and, when LDA_FUZZ_REPORT names a file,
written there as JSON.
"""

import json
import os
from collections import Counter

import pytest

if not os.environ.get("LDA_FUZZ"):
    pytest.skip("Fuzzing de l'API : lancer avec LDA_FUZZ=1 (make fuzz).", allow_module_level=True)

schemathesis = pytest.importorskip("schemathesis")

from django.core.serializers.json import DjangoJSONEncoder  # noqa: E402
from django.core.signals import request_finished, request_started  # noqa: E402
from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.db import close_old_connections  # noqa: E402
from hypothesis import HealthCheck, Phase, settings  # noqa: E402
from schemathesis.checks import not_a_server_error, status_code_conformance  # noqa: E402

from lda.accounts.models import ApiToken  # noqa: E402
from lda.accounts.roles import Role  # noqa: E402
from lda.api.api import api  # noqa: E402
from tests.households.helpers import make_household, organisation_of  # noqa: E402

FULL = os.environ["LDA_FUZZ"] == "full"
EXAMPLES = int(os.environ.get("LDA_FUZZ_EXAMPLES", "20" if FULL else "3"))
SCHEMA = schemathesis.openapi.from_dict(json.loads(json.dumps(api.get_openapi_schema(), cls=DjangoJSONEncoder)))
APP = get_wsgi_application()
FIGURES = {"cases": 0, "requests": 0, "operations": set(), "statuses": Counter(), "failures": []}


@pytest.fixture
def tokens(users):
    """A bearer token for each role, of the organisation its user belongs to, and a few files to reach."""
    make_household(users[Role.SOCIAL_WORKER], last_name="Martin", first_name="Léa")
    make_household(users[Role.REFERENT], last_name="Durand", first_name="Ali")
    headers = {}
    for role in Role.values:
        _, secret = ApiToken.issue(organisation=organisation_of(users[role]), role=role, name="Fuzz", created_by=None)
        headers[role] = {"Authorization": f"Bearer {secret}"}
    headers["sans jeton"] = {}
    # The WSGI handler would close the test's connection at each request (Django's test client does the same).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield headers
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.mark.django_db
@SCHEMA.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_no_server_error_and_no_undocumented_status(case, tokens):
    FIGURES["cases"] += 1
    roles = list(tokens.items())
    for role, headers in roles if FULL else [roles[FIGURES["cases"] % len(roles)]]:
        response = case.call(app=APP, base_url="http://testserver", headers=headers)
        FIGURES["requests"] += 1
        FIGURES["operations"].add(case.operation.label)
        FIGURES["statuses"][response.status_code] += 1
        try:
            case.validate_response(response, checks=[not_a_server_error, status_code_conformance])
        except Exception as failure:  # noqa: BLE001 — every failure is collected, the summary fails the run
            FIGURES["failures"].append(
                {"role": role, "operation": f"{case.method} {case.path}", "status": response.status_code}
                | {"message": str(failure).splitlines()[0] if str(failure) else type(failure).__name__}
            )


def test_zz_the_figures_show_no_failure():
    figures = {
        "run": "full" if FULL else "short",
        "cases": FIGURES["cases"],
        "requests": FIGURES["requests"],
        "operations": len(FIGURES["operations"]),
        "operations_in_schema": sum(len(ops) for ops in SCHEMA.raw_schema["paths"].values()),
        "statuses": dict(sorted(FIGURES["statuses"].items())),
        "failures": len(FIGURES["failures"]),
        "examples_per_operation": EXAMPLES,
    }
    print("\nFuzzing de l'API :", json.dumps(figures, ensure_ascii=False))
    if report := os.environ.get("LDA_FUZZ_REPORT"):
        with open(report, "w", encoding="utf-8") as out:
            json.dump(figures | {"details": FIGURES["failures"][:200]}, out, ensure_ascii=False, indent=2)
    assert figures["operations"] == figures["operations_in_schema"]
    assert FIGURES["failures"] == [], json.dumps(FIGURES["failures"][:20], ensure_ascii=False, indent=1)
