"""The authorisation matrix (spec 6): every URL of the project, every role, one expected answer.

Adding a URL without adding its row here fails `test_every_url_has_a_row`. Object URLs are also
tried on another territory's object: the answer must be 404, never the object and never 403.
"""

import pytest
from django.urls import reverse

from lda.accounts.models import ApiToken, Membership
from lda.accounts.roles import Role
from tests.access.matrix import extensions
from tests.access.matrix_helpers import LOGIN, ROLES, everyone, only
from tests.factories import OrganisationFactory, user_with_role
from tests.urls_inventory import all_patterns

ADMIN = {Role.ADMIN: 200}
ADMIN_POST = {Role.ADMIN: 302}

# name: (method, expected answer per role)
MATRIX = {
    "home": ("get", everyone(200)),
    "directory": ("get", everyone(200)),
    "health": ("get", everyone(200, anonymous=200)),
    "accounts:login": ("get", everyone(302, anonymous=200)),
    "accounts:second_factor": ("get", everyone(302)),
    "accounts:enrol_second_factor": ("get", everyone(302)),
    "accounts:logout": ("post", everyone(302)),
    "accounts:reauthenticate": ("get", everyone(200)),
    # ProConnect is off unless the territory configures it (tests/accounts/test_proconnect.py).
    "accounts:proconnect_login": ("get", everyone(404, anonymous=404)),
    "accounts:proconnect_callback": ("get", everyone(404, anonymous=404)),
    "accounts:account": ("get", everyone(200)),
    "accounts:password_reset": ("get", everyone(200, anonymous=200)),
    "accounts:password_reset_done": ("get", everyone(200, anonymous=200)),
    "accounts:password_reset_confirm": ("get", everyone(200, anonymous=200)),
    "accounts:password_reset_complete": ("get", everyone(200, anonymous=200)),
    "administration:territory": ("get", only(ADMIN)),
    "administration:organisations": ("get", only(ADMIN)),
    "administration:organisation_create": ("get", only(ADMIN)),
    "administration:organisation": ("get", only(ADMIN)),
    "administration:users": ("get", only(ADMIN)),
    "administration:user_create": ("get", only(ADMIN)),
    "administration:user": ("get", only(ADMIN)),
    "administration:membership_add": ("post", only(ADMIN_POST)),
    "administration:user_action": ("post", only(ADMIN_POST)),
    "administration:membership_end": ("post", only(ADMIN_POST)),
    "administration:tokens": ("get", only(ADMIN)),
    "administration:token_revoke": ("post", only(ADMIN_POST)),
    "audit:log": ("get", only(ADMIN)),
    "audit:export": ("get", only(ADMIN)),
    # Coordinators and referents may ask "who consulted", but a user account is not theirs to see.
    "audit:consultations": ("get", only({Role.ADMIN: 200, Role.COORDINATOR: 404, Role.REFERENT: 404})),
    # The API answers tokens, not sessions: the columns are the roles of the calling token.
    "api:api-root": ("get", everyone(404, anonymous=404)),
    "api:openapi-json": ("get", everyone(200, anonymous=200)),
    "api:openapi-view": ("get", everyone(200, anonymous=200)),
    "api:me": ("get", everyone(200, anonymous=401)),
    "api:territories": ("get", everyone(200, anonymous=401)),
    "api:organisations": ("get", everyone(200, anonymous=401)),
    "api:organisation": ("get", everyone(200, anonymous=401)),
}

# Object URLs: what the administrator (or the token) gets for another territory's object.
ELSEWHERE = {
    "administration:organisation": 404,
    "administration:user": 404,
    "administration:membership_add": 404,
    "administration:user_action": 404,
    "administration:membership_end": 404,
    "administration:token_revoke": 404,
    "audit:consultations": 404,
    "api:organisation": 404,
}

EXTENSIONS = list(extensions())
for _module in EXTENSIONS:
    MATRIX.update(_module.ROWS)
    ELSEWHERE.update(_module.ELSEWHERE)


def test_every_url_has_a_row():
    names = {name for _, name, _ in all_patterns()}
    assert None not in names, "Chaque URL doit avoir un nom."
    missing = names - MATRIX.keys()
    stale = MATRIX.keys() - names
    assert not missing, f"URL sans ligne dans la matrice d'autorisation : {sorted(missing)}"
    assert not stale, f"Lignes de la matrice sans URL : {sorted(stale)}"
    for name, (_, expected) in MATRIX.items():
        assert set(expected) == set(ROLES), f"{name} : une réponse attendue par rôle"


# Which extension module owns each URL name: a test builds only the objects its URL needs.
OWNER = {name: module for module in EXTENSIONS for name in module.ROWS}


def _objects_for(name, territory, where, users):
    """The objects a test of `name` needs: those of the module owning the URL (its arguments, and
    the records its page reads), not every module's."""
    module = OWNER.get(name)
    if module is None:
        return _objects(territory, where, users, modules=())
    return module.objects(territory, where, users)


def _objects(territory, where, users, modules=None):
    """Objects named by URL arguments, in `territory` (ours) or in another one."""
    organisation = OrganisationFactory(territory=where)
    target = user_with_role(Role.SOCIAL_WORKER, where, organisation=organisation)
    membership = Membership.objects.get(user=target)
    token, _ = ApiToken.issue(organisation=organisation, role=Role.REFERENT, name="Logiciel", created_by=None)
    objects = {
        "administration:organisation": {"pk": organisation.pk},
        "administration:user": {"pk": target.pk},
        "administration:membership_add": {"pk": target.pk},
        "administration:user_action": {"pk": target.pk, "action": "debloquer"},
        "administration:membership_end": {"pk": membership.pk},
        "administration:token_revoke": {"pk": token.pk},
        "audit:consultations": {"object_type": "user", "pk": target.pk},
        "api:organisation": {"organisation_id": organisation.pk},
        "accounts:password_reset_confirm": {"uidb64": "MQ", "token": "lien-invalide"},
    }
    for module in EXTENSIONS if modules is None else modules:
        objects.update(module.objects(territory, where, users))
    return objects


def _call(client, users, territory, name, method, role, kwargs):
    url = reverse(name, kwargs=kwargs.get(name))
    if name.startswith("api:") and role != "anonymous":
        member = users[role].memberships.get()
        _, secret = ApiToken.issue(organisation=member.organisation, role=role, name="t", created_by=None)
        return getattr(client, method)(url, HTTP_AUTHORIZATION=f"Bearer {secret}")
    if role != "anonymous" and not name.startswith("api:"):
        from tests.conftest import sign_in

        sign_in(client, users[role])
    return getattr(client, method)(url)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", sorted(MATRIX))
def test_matrix(client, users, territory, name, role):
    method, expected = MATRIX[name]
    kwargs = _objects_for(name, territory, territory, users)
    response = _call(client, users, territory, name, method, role, kwargs)
    assert response.status_code == expected[role], (
        f"{name} pour {role} : {response.status_code}, attendu {expected[role]}"
    )
    if expected[role] == LOGIN and role == "anonymous":
        assert reverse("accounts:login") in response["Location"]


@pytest.mark.parametrize("name", sorted(ELSEWHERE))
def test_other_territory_objects_answer_404(client, users, territory, other_territory, name):
    method, _ = MATRIX[name]
    kwargs = _objects_for(name, territory, other_territory, users)
    expected = ELSEWHERE[name]
    role = Role.ADMIN if not name.startswith("api:") else Role.REFERENT
    if isinstance(expected, tuple):  # (the role that may act on such objects at home, answer)
        role, expected = expected
    response = _call(client, users, territory, name, method, role, kwargs)
    assert response.status_code == expected
