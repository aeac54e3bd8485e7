"""The measure's visibility rule in its two forms (`lda/measures/visibility.py`): the pure `access()`
and its SQL twins (`names_filter`, and `team_filter` behind the documents' scope) agree for every
actor and measure; and the rule's pieces, case by case."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lda.access.policy import Actor, Grant, scope
from lda.accounts.roles import Role
from lda.households.models import Household
from lda.households.visibility import FileFacts
from lda.measures import visibility
from lda.measures.models import Measure, MeasureDocument
from tests.households.helpers import verified
from tests.measures.helpers import open_measure

pytestmark = pytest.mark.django_db

ROLES = [Role.COORDINATOR, Role.REFERENT, Role.SOCIAL_WORKER, Role.LANDLORD]
KINDS = ("association", "siao", "departement", "association")


@pytest.fixture
def setting(users, territory):
    from tests.factories import OrganisationFactory

    orgs = [OrganisationFactory(territory=territory, kind=k) for k in KINDS]
    measure = open_measure(verified(users[Role.COORDINATOR]), users[Role.SOCIAL_WORKER])
    document = MeasureDocument.objects.create(
        measure=measure, kind=MeasureDocument.Kind.CONTRACT, filename="c.pdf", content_type="application/pdf", size=1
    )
    return orgs, measure, document


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    role=st.sampled_from(ROLES),
    org=st.integers(0, 3),
    operator=st.integers(0, 3),
    creator=st.integers(0, 3),
    referent=st.one_of(st.none(), st.integers(0, 3)),
    accompanying=st.one_of(st.none(), st.integers(0, 3)),
    consent=st.booleans(),
    kinds=st.lists(st.sampled_from(["association", "siao", "departement"]), unique=True, max_size=3),
)
def test_the_rule_and_its_sql_twins_agree(
    setting, role, org, operator, creator, referent, accompanying, consent, kinds
):
    orgs, measure, document = setting
    Household.objects.filter(pk=measure.household_id).update(
        created_by_organisation=orgs[creator],
        referent_organisation=orgs[referent] if referent is not None else None,
        accompanying_organisation=orgs[accompanying] if accompanying is not None else None,
        consent_given=consent,
        consent_kinds=kinds,
    )
    Measure.objects.filter(pk=measure.pk).update(operator=orgs[operator])
    measure = Measure.objects.select_related("household").get(pk=measure.pk)
    actor = Actor(user_id=1, grants=(Grant(orgs[org].pk, measure.territory_id, role),))
    pieces = visibility.access(actor, visibility.MeasureFacts.of(measure), {o.pk: o.kind for o in orgs})
    assert pieces.names == Measure.objects.filter(visibility.names_filter(actor), pk=measure.pk).exists()
    assert pieces.documents == scope(actor, MeasureDocument.objects.filter(pk=document.pk)).exists()
    assert pieces.documents == pieces.comments == pieces.working_notes
    if role == Role.LANDLORD:
        assert pieces == visibility.MeasureAccess()


def _facts(**household):
    defaults = dict(
        territory_id=1,
        created_by_organisation_id=10,
        referent_organisation_id=11,
        accompanying_organisation_id=None,
        consent_given=False,
        consent_kinds=(),
        protected=False,
    )
    return visibility.MeasureFacts(territory_id=1, operator_id=20, household=FileFacts(**{**defaults, **household}))


def _actor(organisation, role, user_id=1, token_id=None):
    return Actor(user_id=user_id, token_id=token_id, grants=(Grant(organisation, 1, role),))


def test_an_approver_reaching_a_measure_through_a_renewal_sees_no_piece():
    departement = _actor(30, Role.SOCIAL_WORKER)
    assert visibility.access(departement, _facts(), {30: "departement"}) == visibility.MeasureAccess()


def test_the_file_gives_the_names_the_second_gate_the_sensitive_parts_and_only_the_team_the_rest():
    creator = visibility.access(_actor(10, Role.SOCIAL_WORKER), _facts(), {10: "association"})
    assert creator == visibility.MeasureAccess(names=True)
    referent = visibility.access(_actor(11, Role.REFERENT), _facts(), {11: "siao"})
    assert referent == visibility.MeasureAccess(names=True, sensitive=True)
    everything = visibility.MeasureAccess(True, True, True, True, True)
    assert visibility.access(_actor(20, Role.SOCIAL_WORKER), _facts(), {20: "association"}) == everything
    assert visibility.access(_actor(99, Role.COORDINATOR), _facts(), {99: "platform"}) == everything
    assert visibility.IN_EMAIL == visibility.MeasureAccess()


class _Approval:
    def __init__(self, user_id=None, api_token_id=None):
        self.user_id, self.api_token_id = user_id, api_token_id


def test_an_opinions_comment_is_the_teams_and_its_authors():
    nothing = visibility.MeasureAccess()
    team = visibility.MeasureAccess(comments=True)
    assert visibility.comment_visible(_actor(30, Role.SOCIAL_WORKER, user_id=5), nothing, _Approval(user_id=5))
    assert not visibility.comment_visible(_actor(30, Role.SOCIAL_WORKER, user_id=5), nothing, _Approval(user_id=6))
    token = _actor(30, Role.SOCIAL_WORKER, user_id=None, token_id=7)
    assert visibility.comment_visible(token, nothing, _Approval(api_token_id=7))
    assert not visibility.comment_visible(token, nothing, _Approval(user_id=None, api_token_id=None))
    assert visibility.comment_visible(token, team, _Approval(user_id=6))
