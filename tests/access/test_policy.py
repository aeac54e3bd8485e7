import pytest
from django.core.exceptions import ImproperlyConfigured
from django.http import Http404

from lda.access import policy
from lda.accounts.models import Membership, Organisation, User
from lda.accounts.roles import Role
from lda.audit.models import AccessLog
from tests.factories import OrganisationFactory, UserFactory, user_with_role

pytestmark = pytest.mark.django_db


def test_a_model_without_a_scope_is_refused_not_shown():
    from django.contrib.sessions.models import Session

    user = UserFactory()
    with pytest.raises(ImproperlyConfigured):
        policy.scope(user, Session.objects.all())


def test_anonymous_and_memberless_users_reach_nothing(territory):
    from django.contrib.auth.models import AnonymousUser

    OrganisationFactory(territory=territory)
    assert not policy.scope(AnonymousUser(), Organisation.objects.all()).exists()
    assert not policy.scope(UserFactory(), Organisation.objects.all()).exists()
    assert policy.actor_for(AnonymousUser()).grants == ()


def test_unknown_permission_is_an_error(users):
    with pytest.raises(ImproperlyConfigured):
        policy.can(users[Role.REFERENT], "households.fly")


def test_rights_come_only_from_active_memberships(territory):
    user = user_with_role(Role.REFERENT, territory)
    assert policy.actor_for(user).has("directory.view")
    Membership.objects.filter(user=user).update(is_active=False)
    fresh = User.objects.get(pk=user.pk)
    assert not policy.actor_for(fresh).has("directory.view")


def test_an_inactive_organisation_gives_no_right(territory):
    user = user_with_role(Role.REFERENT, territory)
    Organisation.objects.filter(memberships__user=user).update(is_active=False)
    assert policy.actor_for(User.objects.get(pk=user.pk)).grants == ()


def test_second_factor_roles_hold_nothing_until_verified(territory):
    coordinator = user_with_role(Role.COORDINATOR, territory)
    coordinator.is_verified = lambda: False
    actor = policy.actor_for(coordinator)
    assert actor.pending_second_factor and actor.grants == ()
    verified = User.objects.get(pk=coordinator.pk)
    verified.is_verified = lambda: True
    assert policy.actor_for(verified).has("directory.view")


def test_permissions_are_held_by_the_roles_the_table_names(users):
    for permission_name, roles in policy.PERMISSIONS.items():
        for role, user in users.items():
            user.is_verified = lambda: True
            user.__dict__.pop("_lda_actor", None)
            assert policy.can(user, permission_name) == (role in roles), (permission_name, role)


def test_organisations_are_scoped_to_the_users_territories(users, territory, other_territory):
    mine = OrganisationFactory(territory=territory)
    elsewhere = OrganisationFactory(territory=other_territory)
    visible = policy.scope(users[Role.REFERENT], Organisation.objects.all())
    assert mine in visible and elsewhere not in visible


def test_get_or_404_hides_other_territories_and_logs_the_refusal(users, other_territory):
    elsewhere = OrganisationFactory(territory=other_territory)
    before = AccessLog.objects.filter(action="denied").count()
    with pytest.raises(Http404):
        policy.get_or_404(users[Role.REFERENT], Organisation.objects.all(), pk=elsewhere.pk)
    assert AccessLog.objects.filter(action="denied").count() == before + 1
    with pytest.raises(Http404):
        policy.get_or_404(users[Role.REFERENT], Organisation.objects.all(), pk=10**9)
    assert AccessLog.objects.filter(action="denied").count() == before + 1


def test_users_are_visible_to_their_territorys_administrator_only(users, territory, other_territory):
    foreign = user_with_role(Role.REFERENT, other_territory)
    admin = users[Role.ADMIN]
    admin.is_verified = lambda: True
    visible = policy.scope(admin, User.objects.all())
    assert users[Role.REFERENT] in visible and foreign not in visible
    referent = users[Role.REFERENT]
    assert not policy.scope(referent, User.objects.all()).exists()


def test_for_user_is_the_policy(users, territory, other_territory):
    OrganisationFactory(territory=territory)
    OrganisationFactory(territory=other_territory)
    referent = users[Role.REFERENT]
    assert list(Organisation.objects.for_user(referent)) == list(policy.scope(referent, Organisation.objects.all()))
    assert not User.objects.for_user(referent).exists()
