"""The authorisation matrix on a flagged file (spec 6): when a person of the household asked for
the restriction of processing or opposed it, the consent to share is suspended. Every object URL
of the household file is tried for each role: the accompanying association's social worker, who
opens the file when it is not flagged (tests/access/matrix/households.py), now gets 404 — never
the file, never a 403 that would confirm it exists; the other answers are unchanged."""

import pytest
from django.urls import reverse
from django.utils import timezone

from lda.accounts.roles import Role
from lda.households import services
from lda.households.rights import RightsRequest
from tests.access.matrix import households as household_rows
from tests.access.matrix.rights import flagged_household
from tests.access.matrix_helpers import ROLES
from tests.conftest import sign_in
from tests.households.helpers import author_of

OBJECT_URLS = sorted(household_rows._OBJECT_URLS)  # noqa: SLF001 (the matrix module's own list)
HIDDEN_FROM = Role.SOCIAL_WORKER


def _expected(name, role):
    _, expected = household_rows.ROWS[name]
    if role == HIDDEN_FROM and expected[role] in (200, 302):
        return 404
    return expected[role]


@pytest.mark.parametrize("flag", ["restricted", "opposed"])
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", OBJECT_URLS)
def test_flagged_file(client, users, name, role, flag):
    """Where the social worker had the file (200, or 302 after a write), it now has 404."""
    association = users[Role.SOCIAL_WORKER].memberships.get().organisation
    household, person = flagged_household(users[Role.REFERENT], association)
    if flag == "opposed":
        on = timezone.localdate(household.created_at)
        household.refresh_from_db()
        services.set_rights(
            household, person, author_of(users[Role.REFERENT]), RightsRequest(False, None, True, on, "Opposition"), None
        )
    method, _ = household_rows.ROWS[name]
    if role != "anonymous":
        sign_in(client, users[role])
    response = getattr(client, method)(reverse(name, kwargs={"pk": household.pk}))
    assert response.status_code == _expected(name, role), f"{name} ({flag}) pour {role} : {response.status_code}"


def test_unflagged_file_is_shared(client, users):
    """The control: lifting the flag gives the association its file back."""
    association = users[Role.SOCIAL_WORKER].memberships.get().organisation
    household, person = flagged_household(users[Role.REFERENT], association)
    household.refresh_from_db()
    services.set_rights(
        household, person, author_of(users[Role.REFERENT]), RightsRequest(False, None, False, None, ""), None
    )
    sign_in(client, users[Role.SOCIAL_WORKER])
    assert client.get(reverse("households:detail", kwargs={"pk": household.pk})).status_code == 200
