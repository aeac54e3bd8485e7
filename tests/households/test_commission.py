"""The commission's services: each rule is checked by a test that fails when the rule is broken."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lda.accounts.roles import Role
from lda.households import codes
from lda.households import commission as service
from lda.households.models import EventKind, HouseholdEvent
from lda.households.pathway import TransitionRefused
from lda.households.services import Author
from tests.clock import reference_today
from tests.factories import OrganisationFactory, user_with_role
from tests.households.helpers import author_of, make_household, organisation_of, verified

CS = codes.CommitmentStatus
TODAY = reference_today()


@pytest.fixture
def coordinator(users):
    return verified(users[Role.COORDINATOR])


@pytest.fixture
def household(users):
    return make_household(users[Role.SOCIAL_WORKER])


@pytest.fixture
def commission(territory, coordinator, users):
    attendees = [organisation_of(users[r]).pk for r in (Role.LANDLORD, Role.SOCIAL_WORKER)]
    data = service.CommissionData(held_on=TODAY - timedelta(days=7), place="Mairie", attendees=attendees)
    return service.create_commission(territory, author_of(coordinator), data)


@pytest.fixture
def case(commission, coordinator, household, users):
    data = service.CaseData(presented_by=organisation_of(users[Role.SOCIAL_WORKER]).pk, question="Santé fragile")
    return service.add_case(commission, author_of(coordinator), household, data)


def commit(case, coordinator, organisation, due_on=None, owner=None):
    data = service.CommitmentData(
        organisation=organisation.pk, action="Proposer un T2", due_on=due_on or TODAY + timedelta(days=10), owner=owner
    )
    return service.add_commitment(case, author_of(coordinator), data)


def errors(excinfo):
    return excinfo.value.message_dict


# --- commissions ---------------------------------------------------------------------------------


def test_attendees_must_belong_to_the_territory(territory, other_territory, coordinator):
    elsewhere = OrganisationFactory(territory=other_territory)
    data = service.CommissionData(held_on=TODAY, attendees=[elsewhere.pk])
    with pytest.raises(ValidationError) as excinfo:
        service.create_commission(territory, author_of(coordinator), data)
    assert "attendees" in errors(excinfo)


def test_a_commission_needs_a_date(territory, coordinator):
    with pytest.raises(ValidationError) as excinfo:
        service.create_commission(territory, author_of(coordinator), service.CommissionData(held_on=None))
    assert "held_on" in errors(excinfo)


def test_update_sets_attendees_and_place(commission, coordinator, users):
    org = organisation_of(users[Role.REFERENT])
    data = service.CommissionData(held_on=commission.held_on, place=" Préfecture ", attendees=[org.pk])
    service.update_commission(commission, author_of(coordinator), data)
    commission.refresh_from_db()
    assert commission.place == "Préfecture"
    assert list(commission.attendees.all()) == [org]


def test_date_cannot_move_after_a_commitment_due_date(commission, case, coordinator, users):
    commit(case, coordinator, organisation_of(users[Role.LANDLORD]), due_on=commission.held_on + timedelta(days=2))
    data = service.CommissionData(held_on=commission.held_on + timedelta(days=3))
    with pytest.raises(ValidationError) as excinfo:
        service.update_commission(commission, author_of(coordinator), data)
    assert "held_on" in errors(excinfo)


def test_held_commission_keeps_its_date(commission, coordinator):
    service.mark_held(commission, author_of(coordinator))
    with pytest.raises(ValidationError) as excinfo:
        service.update_commission(
            commission, author_of(coordinator), service.CommissionData(held_on=commission.held_on - timedelta(days=1))
        )
    assert "held_on" in errors(excinfo)


def test_a_future_commission_cannot_be_held(territory, coordinator):
    future = service.create_commission(
        territory, author_of(coordinator), service.CommissionData(held_on=TODAY + timedelta(days=1))
    )
    with pytest.raises(ValidationError):
        service.mark_held(future, author_of(coordinator))
    service.mark_held(future, author_of(coordinator), today=TODAY + timedelta(days=1))
    with pytest.raises(ValidationError):
        service.mark_held(future, author_of(coordinator), today=TODAY + timedelta(days=1))


# --- the agenda ----------------------------------------------------------------------------------


def test_adding_a_case_emits_an_event_with_ids_only(case, commission):
    event = HouseholdEvent.objects.get(household=case.household, kind=EventKind.COMMISSION_PRESENTED)
    assert event.payload == {"commission": commission.pk}
    assert event.occurred_on == commission.held_on
    assert "Santé" not in str(event.payload)


def test_cases_are_ordered_after_the_last(case, commission, coordinator, users):
    other = make_household(users[Role.SOCIAL_WORKER], last_name="Durand")
    data = service.CaseData(presented_by=case.presented_by_id)
    second = service.add_case(commission, author_of(coordinator), other, data)
    assert (case.order, second.order) == (1, 2)


def test_a_household_is_on_an_agenda_once(case, commission, coordinator):
    with pytest.raises(ValidationError) as excinfo:
        service.add_case(
            commission, author_of(coordinator), case.household, service.CaseData(presented_by=case.presented_by_id)
        )
    assert "household" in errors(excinfo)


def test_a_household_of_another_territory_is_refused(commission, coordinator, other_territory, users):
    stranger = make_household(user_with_role(Role.SOCIAL_WORKER, other_territory))
    data = service.CaseData(presented_by=organisation_of(users[Role.SOCIAL_WORKER]).pk)
    with pytest.raises(ValidationError) as excinfo:
        service.add_case(commission, author_of(coordinator), stranger, data)
    assert "household" in errors(excinfo)


def test_only_a_household_the_author_sees_can_be_presented(commission, household, users):
    landlord = users[Role.LANDLORD]
    data = service.CaseData(presented_by=organisation_of(landlord).pk)
    with pytest.raises(ValidationError) as excinfo:
        service.add_case(commission, author_of(landlord), household, data)
    assert "household" in errors(excinfo)


def test_presenting_organisation_belongs_to_the_territory(commission, coordinator, household, other_territory):
    data = service.CaseData(presented_by=OrganisationFactory(territory=other_territory).pk)
    with pytest.raises(ValidationError) as excinfo:
        service.add_case(commission, author_of(coordinator), household, data)
    assert "presented_by" in errors(excinfo)


def test_the_agenda_of_a_held_commission_is_closed(commission, coordinator, household, users):
    service.mark_held(commission, author_of(coordinator))
    data = service.CaseData(presented_by=organisation_of(users[Role.SOCIAL_WORKER]).pk)
    with pytest.raises(ValidationError):
        service.add_case(commission, author_of(coordinator), household, data)


def test_conclusion_is_recorded_without_an_event(case, coordinator):
    before = HouseholdEvent.objects.filter(household=case.household).count()
    service.record_conclusion(case, author_of(coordinator), "  Orientation vers un logement accompagné ")
    case.refresh_from_db()
    assert case.conclusion == "Orientation vers un logement accompagné"
    assert HouseholdEvent.objects.filter(household=case.household).count() == before


# --- commitments ---------------------------------------------------------------------------------


def test_commitment_event_names_the_commitment_and_the_organisation(case, coordinator, users):
    org = organisation_of(users[Role.LANDLORD])
    commitment = commit(case, coordinator, org, owner=users[Role.LANDLORD].pk)
    event = HouseholdEvent.objects.get(household=case.household, kind=EventKind.COMMITMENT_MADE)
    assert event.payload == {"commitment": commitment.pk, "organisation": org.pk}


def test_due_date_cannot_precede_the_commission(case, commission, coordinator, users):
    with pytest.raises(ValidationError) as excinfo:
        commit(case, coordinator, organisation_of(users[Role.LANDLORD]), due_on=commission.held_on - timedelta(days=1))
    assert "due_on" in errors(excinfo)
    commit(case, coordinator, organisation_of(users[Role.LANDLORD]), due_on=commission.held_on)


def test_owner_must_be_a_member_of_the_committed_organisation(case, coordinator, users):
    with pytest.raises(ValidationError) as excinfo:
        commit(case, coordinator, organisation_of(users[Role.LANDLORD]), owner=users[Role.REFERENT].pk)
    assert "owner" in errors(excinfo)


def test_committed_organisation_belongs_to_the_territory(case, coordinator, other_territory):
    with pytest.raises(ValidationError) as excinfo:
        commit(case, coordinator, OrganisationFactory(territory=other_territory))
    assert "organisation" in errors(excinfo)


def test_action_is_required(case, coordinator, users):
    data = service.CommitmentData(organisation=organisation_of(users[Role.LANDLORD]).pk, action="  ", due_on=TODAY)
    with pytest.raises(ValidationError) as excinfo:
        service.add_commitment(case, author_of(coordinator), data)
    assert "action" in errors(excinfo)


def test_done_needs_a_date_between_the_commission_and_today(case, commission, coordinator, users):
    commitment = commit(case, coordinator, organisation_of(users[Role.LANDLORD]))
    author = author_of(coordinator)
    for wrong in (None, TODAY + timedelta(days=1), commission.held_on - timedelta(days=1)):
        with pytest.raises(ValidationError) as excinfo:
            service.close_commitment(commitment, author, CS.DONE, wrong)
        assert "done_on" in errors(excinfo)
    closed = service.close_commitment(commitment, author, CS.DONE, commission.held_on)
    assert (closed.status, closed.done_on) == (CS.DONE, commission.held_on)
    event = HouseholdEvent.objects.get(household=case.household, kind=EventKind.COMMITMENT_CLOSED)
    assert event.payload == {"commitment": commitment.pk, "status": CS.DONE}


def test_cancelled_has_no_date_and_is_final(case, coordinator, users):
    commitment = commit(case, coordinator, organisation_of(users[Role.LANDLORD]))
    closed = service.close_commitment(commitment, author_of(coordinator), CS.CANCELLED, TODAY)
    assert (closed.status, closed.done_on) == (CS.CANCELLED, None)
    with pytest.raises(TransitionRefused):
        service.close_commitment(commitment, author_of(coordinator), CS.DONE, TODAY)


def test_unknown_closing_status_is_refused(case, coordinator, users):
    commitment = commit(case, coordinator, organisation_of(users[Role.LANDLORD]))
    with pytest.raises(ValidationError) as excinfo:
        service.close_commitment(commitment, author_of(coordinator), CS.OPEN)
    assert "status" in errors(excinfo)


def test_who_may_close(case, coordinator, users):
    from lda.access.policy import actor_for

    commitment = commit(case, coordinator, organisation_of(users[Role.LANDLORD]))
    territory_id = case.commission.territory_id
    assert service.may_close(actor_for(coordinator), commitment, territory_id)
    assert service.may_close(actor_for(users[Role.LANDLORD]), commitment, territory_id)
    assert not service.may_close(actor_for(users[Role.REFERENT]), commitment, territory_id)
    assert not service.may_close(actor_for(users[Role.OBSERVER]), commitment, territory_id)


# --- the life cycle as data, checked by properties ----------------------------------------------

ACTIONS = st.sampled_from(["done", "cancel", "reopen", "unknown"])


@given(st.lists(ACTIONS, max_size=8))
def test_no_sequence_leaves_a_closed_commitment(actions):
    status, closings = CS.OPEN, 0
    for action in actions:
        try:
            new = service.commitment_target(status, action)
        except TransitionRefused:
            continue
        assert status == CS.OPEN, "seul un engagement en cours peut être clos"
        status, closings = new, closings + 1
    assert closings <= 1
    assert status in CS.values


def test_every_closed_status_is_final():
    for status in (CS.DONE, CS.CANCELLED):
        assert not [name for name, t in service.COMMITMENT_TRANSITIONS.items() if status in t.sources]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    steps=st.lists(
        st.tuples(st.sampled_from([CS.DONE, CS.CANCELLED, "open"]), st.integers(min_value=-10, max_value=10)),
        max_size=5,
    )
)
def test_services_close_a_commitment_at_most_once(case, coordinator, users, steps):
    """Whatever partners try, in whatever order: one closing event, and a closed status never changes."""
    commitment = commit(case, coordinator, organisation_of(users[Role.LANDLORD]))
    held_on = case.commission.held_on
    author = Author(user=None, organisation_id=organisation_of(users[Role.LANDLORD]).pk)
    first = None
    for status, offset in steps:
        done_on = held_on + timedelta(days=offset)
        try:
            service.close_commitment(commitment, author, status, done_on)
        except (ValidationError, TransitionRefused):
            valid_date = held_on <= done_on <= TODAY
            assert first is not None or status not in (CS.DONE, CS.CANCELLED) or (status == CS.DONE and not valid_date)
            continue
        assert first is None, "un engagement clos ne se clôt pas une seconde fois"
        first = status
    commitment.refresh_from_db()
    assert commitment.status == (first or CS.OPEN)
    closings = HouseholdEvent.objects.filter(kind=EventKind.COMMITMENT_CLOSED, payload__commitment=commitment.pk)
    assert closings.count() == (1 if first else 0)


@given(offset=st.integers(min_value=-400, max_value=400))
def test_done_date_rule(offset):
    held_on = TODAY - timedelta(days=30)
    done_on = held_on + timedelta(days=offset)
    try:
        service.check_done_on(done_on, held_on, TODAY)
        accepted = True
    except ValidationError:
        accepted = False
    assert accepted == (held_on <= done_on <= TODAY)


@given(offset=st.integers(min_value=-400, max_value=400))
def test_due_date_rule(offset):
    held_on = TODAY
    try:
        service.check_due_on(held_on + timedelta(days=offset), held_on)
        accepted = True
    except ValidationError:
        accepted = False
    assert accepted == (offset >= 0)
