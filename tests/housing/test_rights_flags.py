"""A person's restriction or opposition takes the household out of matching and shortlists (spec 6)."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from lda.accounts.roles import Role
from lda.households import services as household_services
from lda.households.rights import RightsRequest
from lda.housing import adapter, proposals, services
from lda.housing.models import Proposal
from tests.factories import user_with_role
from tests.housing.helpers import author_of, household_on_list, landlord_user, make_unit, organisation_of
from tests.housing.test_proposal_services import run_matching

pytestmark = pytest.mark.django_db


@pytest.fixture
def coordinator(territory):
    user = user_with_role(Role.COORDINATOR, territory)
    services.install_defaults(territory)
    return user


def flag(household, coordinator, *, restricted=False, opposed=False):
    household.refresh_from_db()
    on = timezone.localdate(household.created_at)
    household_services.set_rights(
        household,
        household.persons.get(),
        author_of(coordinator),
        RightsRequest(restricted, on if restricted else None, opposed, on if opposed else None, "Demande"),
        household.version,
    )
    household.refresh_from_db()


@pytest.mark.parametrize("which", ["restricted", "opposed"])
def test_a_flagged_household_is_not_matched(territory, coordinator, which):
    flagged = household_on_list(coordinator, last_name="Signalée")
    other = household_on_list(coordinator, last_name="Autre")
    flag(flagged, coordinator, **{which: True})
    ids = {h.id for h in adapter.engine_households(territory.pk, timezone.localdate())}
    assert other.pk in ids and flagged.pk not in ids
    make_unit(territory, organisation_of(landlord_user(territory)))
    run = run_matching(territory, coordinator)
    assert not Proposal.objects.filter(run=run, household=flagged).exists()


def test_a_flagged_household_cannot_be_added_by_hand(territory, coordinator):
    household = household_on_list(coordinator)
    unit = make_unit(territory, organisation_of(landlord_user(territory)))
    flag(household, coordinator, opposed=True)
    with pytest.raises(ValidationError) as error:
        proposals.add_candidate(unit, household, author_of(coordinator))
    assert "ne peut pas être proposé à un bailleur" in error.value.message_dict["household"][0]
    assert not Proposal.objects.exists()


@pytest.mark.parametrize("which", ["restricted", "opposed"])
def test_a_request_withdraws_the_undecided_proposals(territory, coordinator, which):
    household = household_on_list(coordinator)
    other = household_on_list(coordinator, last_name="Autre")
    unit = make_unit(territory, organisation_of(landlord_user(territory)))
    proposal = proposals.add_candidate(unit, household, author_of(coordinator))
    kept = proposals.add_candidate(unit, other, author_of(coordinator))
    proposals.send_shortlist(unit, author_of(coordinator))
    flag(household, coordinator, **{which: True})
    proposal.refresh_from_db()
    kept.refresh_from_db()
    assert proposal.status == "withdrawn" and kept.status == "sent"
    event = proposal.events.order_by("pk").last()
    assert event.action == "withdraw" and event.user_id == coordinator.pk


def test_a_shortlist_holding_a_flagged_candidate_is_not_sent(territory, coordinator):
    """The guard behind the withdrawal: a candidate whose household is flagged is never sent."""
    from lda.households.models import Household

    household = household_on_list(coordinator)
    unit = make_unit(territory, organisation_of(landlord_user(territory)))
    proposal = proposals.add_candidate(unit, household, author_of(coordinator))
    Household.objects.filter(pk=household.pk).update(rights_blocks=["proposals", "sharing"])
    with pytest.raises(ValidationError) as error:
        proposals.send_shortlist(unit, author_of(coordinator))
    assert household.reference in error.value.message_dict["unit"][0]
    proposal.refresh_from_db()
    unit.refresh_from_db()
    assert proposal.status == "candidate" and proposal.sent_on is None and unit.status == "available"
