"""The pathway as declared transitions, and the visibility rule's two forms (Python and SQL)."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lda.access.policy import Actor, Grant
from lda.accounts.roles import Role
from lda.households import codes, pathway, services
from lda.households.codes import HouseholdStatus as S
from lda.households.models import Household
from lda.households.scopes import household_filter
from lda.households.visibility import FileFacts, access
from tests.households.helpers import author_of, make_household, orient

ACTIONS = sorted(pathway.HOUSEHOLD_TRANSITIONS)


@given(st.lists(st.sampled_from(ACTIONS), max_size=30))
def test_no_sequence_of_actions_leaves_the_declared_graph(actions):
    status = S.REFERRED
    for action in actions:
        transition = pathway.HOUSEHOLD_TRANSITIONS[action]
        try:
            new = pathway.target(status, action)
        except pathway.TransitionRefused as refusal:
            assert status not in transition.sources
            assert str(refusal).startswith(("Impossible de ", "Impossible d'"))
            continue
        assert status in transition.sources and new == transition.target
        status = new
    assert status in S.values


def test_a_merged_household_is_a_dead_end():
    for action in ACTIONS:
        with pytest.raises(pathway.TransitionRefused):
            pathway.target(S.MERGED, action)


def test_only_a_household_outside_the_list_can_return():
    returning = {s for s in S.values if s in pathway.HOUSEHOLD_TRANSITIONS["return"].sources}
    assert returning == {S.LEFT, S.REORIENTED, S.CLOSED}


def test_leaving_needs_the_list():
    assert pathway.HOUSEHOLD_TRANSITIONS["leave"].sources == {S.ON_LIST, S.COMMISSION}


# --- services: date rules ------------------------------------------------------------------------

pytestmark = pytest.mark.django_db


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(entry_offset=st.integers(0, 400), exit_offset=st.integers(-400, 400))
def test_an_exit_never_precedes_the_entry(users, entry_offset, exit_offset):
    start = date(2024, 1, 1)
    household = make_household(users[Role.REFERENT], received_on=start)
    orient(users[Role.COORDINATOR], household, on=start + timedelta(days=entry_offset))
    household.refresh_from_db()
    on = start + timedelta(days=entry_offset + exit_offset)
    author = author_of(users[Role.REFERENT])
    if exit_offset < 0:
        with pytest.raises(ValidationError) as error:
            services.leave_list(household, author, on, "lost_contact")
        assert "on" in error.value.message_dict
        household.refresh_from_db()
        assert household.status == S.ON_LIST
    else:
        services.leave_list(household, author, on, "lost_contact")
        household.refresh_from_db()
        assert household.status == S.LEFT and household.current_episode.left_on == on


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(gaps=st.lists(st.integers(-60, 200), min_size=1, max_size=6))
def test_the_situation_history_is_never_overwritten_and_never_overlaps(users, gaps):
    household = make_household(users[Role.REFERENT], received_on=date(2022, 1, 1))
    author = author_of(users[Role.REFERENT])
    day = date(2022, 1, 1)
    for gap in gaps:
        day = day + timedelta(days=gap)
        household.refresh_from_db()
        try:
            services.record_situation(household, author, "chrs", day)
        except ValidationError as error:
            assert gap < 0 and "started_on" in error.message_dict
            day = day - timedelta(days=gap)
    rows = list(household.situations.order_by("started_on", "pk"))
    assert len(rows) == 1 + sum(1 for g in gaps if g >= 0)
    for earlier, later in zip(rows, rows[1:], strict=False):
        assert earlier.ended_on == later.started_on
    assert rows[-1].ended_on is None


def test_unknown_codes_and_future_dates_are_refused_with_the_field(users):
    household = make_household(users[Role.REFERENT])
    author = author_of(users[Role.REFERENT])
    cases = [
        (lambda: services.record_situation(household, author, "ethos_99", date(2024, 1, 1)), "kind"),
        (
            lambda: services.record_situation(household, author, "street", date.today() + timedelta(days=1)),
            "started_on",
        ),
        (
            lambda: services.add_person(
                household, author, services.PersonData("A", "B", birth_date=date.today() + timedelta(days=1))
            ),
            "birth_date",
        ),
        (lambda: services.leave_list(household, author, date.today(), "housed", ""), "housed_in"),
    ]
    for call, field in cases:
        with pytest.raises(ValidationError) as error:
            call()
        assert field in error.value.message_dict


def test_an_orientation_records_its_delay_and_enters_the_list_once(users):
    household = make_household(users[Role.REFERENT], received_on=date(2024, 3, 1))
    orientation = orient(users[Role.COORDINATOR], household, on=date(2024, 3, 22))
    assert orientation.delay_days == 21
    household.refresh_from_db()
    services.decide(
        household,
        author_of(users[Role.COORDINATOR]),
        services.DecisionData("oriented", date(2024, 5, 1), measure="asell"),
    )
    household.refresh_from_db()
    assert household.entered_list_on == date(2024, 3, 22)
    assert household.events.filter(kind="list_entered").count() == 1


def test_closing_needs_a_reason(users):
    household = make_household(users[Role.REFERENT])
    with pytest.raises(ValidationError) as error:
        orient(users[Role.COORDINATOR], household, decision="closed", measure="", housing_search=False)
    assert "reason" in error.value.message_dict


# --- visibility: the Python rule and the SQL scope agree -----------------------------------------

ROLES = [Role.COORDINATOR, Role.REFERENT, Role.SOCIAL_WORKER, Role.LANDLORD]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    role=st.sampled_from(ROLES),
    org=st.integers(0, 3),
    creator=st.integers(0, 3),
    referent=st.one_of(st.none(), st.integers(0, 3)),
    accompanying=st.one_of(st.none(), st.integers(0, 3)),
    consent=st.booleans(),
    kinds=st.lists(st.sampled_from(["association", "siao", "platform"]), unique=True, max_size=3),
    flags=st.lists(st.sampled_from(["restricted", "opposed"]), unique=True, max_size=2),
)
def test_access_and_scope_agree(territory, role, org, creator, referent, accompanying, consent, kinds, flags):
    from tests.factories import OrganisationFactory

    orgs = [
        OrganisationFactory(territory=territory, kind=k) for k in ("association", "siao", "platform", "association")
    ]
    household = Household.objects.create(
        territory=territory,
        reference=f"T-{Household.objects.count() + 1}",
        created_by_organisation=orgs[creator],
        referent_organisation=orgs[referent] if referent is not None else None,
        accompanying_organisation=orgs[accompanying] if accompanying is not None else None,
        consent_given=consent,
        consent_kinds=kinds,
        rights_blocks=codes.rights_blocks(flags),  # a person's restriction or opposition (decision 0023)
    )
    actor = Actor(user_id=1, grants=(Grant(orgs[org].pk, territory.pk, role),))
    in_python = access(actor, FileFacts.of(household), {o.pk: o.kind for o in orgs}).file
    in_sql = Household.objects.filter(household_filter(actor), pk=household.pk).exists()
    assert in_python == in_sql
    if role == Role.LANDLORD:
        assert not in_python
    assert codes.HouseholdStatus.REFERRED == household.status
