"""Whether a refusal lowers priority is a territory setting, off by default (spec 3): a household's
refusal without a legitimate reason costs it points only when the grid says so, and the score
names that term; a legitimate refusal never costs anything."""

import pytest

from lda.accounts.roles import Role
from lda.housing import adapter, codes, proposals, scoring, services
from lda.housing.data import Household, Instance
from tests.factories import user_with_role
from tests.housing.helpers import author_of, household_on_list, landlord_user, make_unit, organisation_of, refusal

pytestmark = pytest.mark.django_db
P = codes.ProposalStatus


def refuse(territory, coordinator, household, unit, code):
    c = author_of(coordinator)
    p = proposals.add_candidate(unit, household, c)
    proposals.send_shortlist(unit, c)
    p = proposals.decide(p, c, P.ALLOCATED, committee_rank=1)
    p = proposals.offer(p, c)
    return proposals.answer(p, c, False, refusal_reason=refusal(territory, code).pk)


@pytest.fixture
def setup(territory):
    coordinator = user_with_role(Role.COORDINATOR, territory)
    services.install_defaults(territory)
    landlord = organisation_of(landlord_user(territory))
    return coordinator, landlord


def score(territory, household):
    record = adapter.engine_households(territory.pk, household.entered_list_on, [household.pk])[0]
    grid = adapter.engine_grid(adapter.current_grid(territory.pk))
    return scoring.household_score(record, grid), record


def test_off_by_default(territory, setup):
    coordinator, landlord = setup
    household = household_on_list(coordinator)
    before, _ = score(territory, household)
    refuse(territory, coordinator, household, make_unit(territory, landlord), "menage-sans-motif")
    after, record = score(territory, household)
    assert record.refusals == 1
    assert after == before
    assert adapter.current_grid(territory.pk).refusal_lowers_priority is False


def test_when_on_an_illegitimate_refusal_costs_the_penalty_and_a_legitimate_one_nothing(territory, setup):
    coordinator, landlord = setup
    current = adapter.current_grid(territory.pk)
    fields = {**adapter.default_grid_fields(), "refusal_lowers_priority": True, "refusal_penalty": 40}
    services.new_grid_version(territory, author_of(coordinator), fields, "Délibération du comité responsable")
    assert adapter.current_grid(territory.pk).number == current.number + 1
    household = household_on_list(coordinator)
    before, _ = score(territory, household)
    refuse(territory, coordinator, household, make_unit(territory, landlord), "menage-localisation")
    assert score(territory, household)[0] == before
    refuse(territory, coordinator, household, make_unit(territory, landlord), "menage-sans-motif")
    after, record = score(territory, household)
    assert after == before - 40
    terms = scoring.breakdown(record, adapter.engine_grid(adapter.current_grid(territory.pk)))
    assert terms[-1] == scoring.Term("refus", "Refus sans motif légitime (par refus)", True, 1, -40)


def test_the_vectorised_score_counts_the_penalty_too():
    grid = scoring.Grid("t", scoring.DEFAULT_GRID.criteria, refusal_penalty=25)
    households = [Household(id=i, adults=1, children=0, resources=900, refusals=i) for i in range(4)]
    instance = Instance.build(households, [])
    assert scoring.household_scores(instance, grid).tolist() == [scoring.household_score(h, grid) for h in households]
    assert [scoring.household_score(h, grid) for h in households] == [0, -25, -50, -75]


def test_the_penalty_needs_points_when_switched_on(territory, setup):
    from django.core.exceptions import ValidationError

    coordinator, _ = setup
    fields = {**adapter.default_grid_fields(), "refusal_lowers_priority": True, "refusal_penalty": 0}
    with pytest.raises(ValidationError) as error:
        services.new_grid_version(territory, author_of(coordinator), fields, "Essai")
    assert "refusal_penalty" in error.value.message_dict
