"""The proposal life cycle through the real services: from a matching run to the entry."""

import pytest
from django.core.exceptions import ValidationError

from lda.accounts.roles import Role
from lda.households.codes import ExitReason, HouseholdStatus
from lda.housing import codes, proposals, runs, services
from lda.housing.lifecycle import TransitionRefused
from lda.housing.models import MatchingRun, Proposal, ProposalEvent, UnitEvent
from lda.tasks import queue
from tests.factories import user_with_role
from tests.housing.helpers import (
    ECHIROLLES,
    author_of,
    days_ago,
    household_on_list,
    landlord_user,
    make_unit,
    organisation_of,
    refusal,
)

P = codes.ProposalStatus
pytestmark = pytest.mark.django_db


@pytest.fixture
def coordinator(territory):
    user = user_with_role(Role.COORDINATOR, territory)
    services.install_defaults(territory)
    return user


@pytest.fixture
def landlord(territory):
    return landlord_user(territory)


def run_matching(territory, coordinator):
    run = runs.launch(territory, author_of(coordinator))
    queue.run_task(run.task, live=False)
    run.refresh_from_db()
    return run


def test_a_run_proposes_the_household_with_its_explanation(territory, coordinator, landlord):
    household = household_on_list(coordinator, dalo=True)
    unit = make_unit(territory, organisation_of(landlord))
    run = run_matching(territory, coordinator)
    assert run.state == codes.RunStatus.DONE, run.task.error
    proposal = Proposal.objects.get(run=run)
    assert (proposal.unit, proposal.household, proposal.rank, proposal.status) == (unit, household, 1, P.CANDIDATE)
    e = proposal.explanation
    assert e["tier"] == "dalo" and e["grid_version"] == "v1"
    assert {
        "code": "dalo",
        "label": "Reconnu prioritaire et urgent (DALO)",
        "met": True,
        "value": 1,
        "points": 150,
    } in e["terms"]
    assert e["affordability"]["housing_cost"] == 440.0
    assert e["affordability"]["net_cost"] == 190.0
    assert run.fairness["blocking_pairs"] == 0
    assert run.stats["proposals"] == 1


def test_a_household_not_fitting_is_not_proposed(territory, coordinator, landlord):
    household_on_list(coordinator, communes=(ECHIROLLES,))
    make_unit(territory, organisation_of(landlord))
    run = run_matching(territory, coordinator)
    assert run.stats["proposals"] == 0


def walk_to_entry(territory, coordinator, landlord):
    household = household_on_list(coordinator)
    unit = make_unit(territory, organisation_of(landlord))
    run_matching(territory, coordinator)
    proposal = Proposal.objects.get(unit=unit)
    c, lessor = author_of(coordinator), author_of(landlord)
    assert proposals.send_shortlist(unit, c, days_ago(20)) == 1
    unit.refresh_from_db()
    assert unit.status == codes.UnitStatus.PROPOSED
    proposal = proposals.decide(proposal, lessor, P.ALLOCATED, days_ago(15), committee_rank=1)
    unit.refresh_from_db()
    assert unit.status == codes.UnitStatus.ALLOCATED
    proposal = proposals.offer(proposal, c, days_ago(14))
    proposal = proposals.answer(proposal, c, True, days_ago(10))
    proposal = proposals.sign_lease(proposal, lessor, days_ago(5))
    proposal = proposals.enter(proposal, lessor, days_ago(2))
    return household, unit, proposal


def test_entry_takes_the_household_off_the_list_as_housed(territory, coordinator, landlord):
    household, unit, proposal = walk_to_entry(territory, coordinator, landlord)
    household.refresh_from_db()
    unit.refresh_from_db()
    assert proposal.status == P.ENTERED
    assert unit.status == codes.UnitStatus.OCCUPIED
    assert household.status == HouseholdStatus.LEFT
    episode = household.current_episode
    assert (episode.exit_reason, episode.housed_in, episode.left_on) == (ExitReason.HOUSED, "social", days_ago(2))
    assert list(ProposalEvent.objects.filter(proposal=proposal).values_list("action", flat=True)) == [
        "send",
        "decide",
        "offer",
        "answer",
        "lease",
        "enter",
    ]
    assert [e.status_to for e in UnitEvent.objects.filter(unit=unit)] == [
        "available",
        "proposed",
        "allocated",
        "occupied",
    ]


def test_a_second_allocation_of_the_same_unit_is_refused(territory, coordinator, landlord):
    first = household_on_list(coordinator)
    second = household_on_list(coordinator, last_name="Bernard")
    unit = make_unit(territory, organisation_of(landlord))
    c = author_of(coordinator)
    a = proposals.add_candidate(unit, first, c)
    b = proposals.add_candidate(unit, second, c)
    proposals.send_shortlist(unit, c)
    proposals.decide(a, c, P.ALLOCATED, committee_rank=1)
    with pytest.raises(proposals.UnitTaken, match="déjà attribué au ménage"):
        proposals.decide(b, c, P.ALLOCATED, committee_rank=1)
    proposals.decide(b, c, P.ALLOCATED, committee_rank=2)
    with pytest.raises(TransitionRefused, match="mieux classé"):
        proposals.offer(b, c)


def test_a_household_refusal_needs_a_household_reason_and_reopens_the_unit(territory, coordinator, landlord):
    household = household_on_list(coordinator)
    unit = make_unit(territory, organisation_of(landlord))
    c = author_of(coordinator)
    p = proposals.add_candidate(unit, household, c)
    proposals.send_shortlist(unit, c)
    p = proposals.decide(p, c, P.ALLOCATED, committee_rank=1)
    p = proposals.offer(p, c)
    with pytest.raises(ValidationError):
        proposals.answer(p, c, False, refusal_reason=refusal(territory, "bailleur-dette").pk)
    p = proposals.answer(p, c, False, refusal_reason=refusal(territory, "menage-localisation").pk)
    unit.refresh_from_db()
    assert p.status == P.HOUSEHOLD_REFUSED and unit.status == codes.UnitStatus.AVAILABLE
    # The pair is declined: the next run does not propose it again.
    assert proposals.why_not(household, unit) == ["deja_decline"]


def test_wishes_are_never_overridden_silently(territory, coordinator, landlord):
    household = household_on_list(coordinator, communes=(ECHIROLLES,))
    unit = make_unit(territory, organisation_of(landlord))
    with pytest.raises(ValidationError) as error:
        proposals.add_candidate(unit, household, author_of(coordinator))
    assert "justification" in error.value.message_dict
    p = proposals.add_candidate(unit, household, author_of(coordinator), justification="Proche de son lieu de soins")
    assert p.explanation["overridden"] == ["commune_non_souhaitee"]


def test_a_run_replaces_unsent_candidates_and_refuses_a_second_run_while_one_is_queued(
    territory, coordinator, landlord
):
    household_on_list(coordinator)
    make_unit(territory, organisation_of(landlord))
    first = run_matching(territory, coordinator)
    second = run_matching(territory, coordinator)
    assert Proposal.objects.get(run=first).status == P.WITHDRAWN
    assert Proposal.objects.get(run=second).status == P.CANDIDATE
    runs.launch(territory, author_of(coordinator))
    with pytest.raises(runs.RunUnderWay, match="déjà en cours"):
        runs.launch(territory, author_of(coordinator))
    assert MatchingRun.objects.count() == 3
