"""The figures adapter on events written by the real services: merges, as_of, territory, queries."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from lda.households import services
from lda.households.figures_data import figures_for_territory, kept_households
from lda.households.models import Household
from tests.clock import reference_today
from tests.households.helpers import author_of, make_household, orient, verified

pytestmark = pytest.mark.django_db
TODAY = reference_today()
START = TODAY - timedelta(days=300)


def housed(users, situation="street", entered=60, stay=40, home="social", **kwargs):
    coordinator = verified(users["coordinator"])
    household = make_household(
        users["referent"], situation=situation, received_on=TODAY - timedelta(days=entered + 5), **kwargs
    )
    orient(coordinator, household, on=TODAY - timedelta(days=entered))
    household.refresh_from_db()
    services.leave_list(household, author_of(coordinator), TODAY - timedelta(days=entered - stay), "housed", home)
    return household


def test_figures_from_service_events(users, territory):
    housed(users, "street", entered=60, stay=40, home="social")
    housed(users, "chrs", entered=100, stay=30, home="iml", last_name="Durand")
    waiting = make_household(users["referent"], last_name="Petit", received_on=TODAY - timedelta(days=20))
    orient(verified(users["coordinator"]), waiting, on=TODAY - timedelta(days=10))

    table = figures_for_territory(territory.pk, START, TODAY)
    assert table.entered == 3
    assert table.referrals == 3
    assert table.decisions.total == 3 and table.decisions.count("oriented") == 3
    assert table.decision_delay.mean_days == pytest.approx((5 + 5 + 10) / 3)
    assert table.housed.total == 2
    assert table.housed.count("social") == 1 and table.housed.count("iml") == 1
    assert table.housing_delay.mean_days == 35.0
    assert table.housed_by_previous.count("street") == 1 and table.housed_by_previous.count("shelter") == 1
    assert table.housed_without_shelter == 1
    assert table.exits.count("housed") == 2


def test_a_return_counts_and_gives_a_new_episode(users, territory):
    household = housed(users, entered=200, stay=50)
    household.refresh_from_db()
    services.return_to_list(household, author_of(verified(users["coordinator"])), TODAY - timedelta(days=5))
    table = figures_for_territory(territory.pk, START, TODAY)
    assert table.returns == 1


def test_events_of_a_merged_household_count_for_the_kept_one(users, territory):
    kept = make_household(users["referent"], situation="chrs", received_on=TODAY - timedelta(days=200))
    duplicate = housed(users, situation="street", entered=100, stay=50, last_name="Martine")
    Household.objects.filter(pk=duplicate.pk).update(merged_into=kept, status="merged")
    assert kept_households(territory.pk) == {duplicate.pk: kept.pk}
    table = figures_for_territory(territory.pk, START, TODAY)
    assert table.housed.total == 1
    # The kept file's CHRS stay is part of the same household's history.
    assert table.housed_without_shelter == 0


def test_merge_chains_are_followed(users, territory):
    a, b, c = (make_household(users["referent"], last_name=name) for name in ("A", "B", "C"))
    Household.objects.filter(pk=a.pk).update(merged_into=b)
    Household.objects.filter(pk=b.pk).update(merged_into=c)
    assert kept_households(territory.pk) == {a.pk: c.pk, b.pk: c.pk}


def test_as_of_before_the_events_were_recorded_gives_an_empty_table(users, territory):
    housed(users)
    before = timezone.now() - timedelta(hours=1)
    assert figures_for_territory(territory.pk, START, TODAY, as_of=before).housed.total == 0
    assert figures_for_territory(territory.pk, START, TODAY).housed.total == 1


def test_other_territories_do_not_count(users, territory, other_territory):
    housed(users)
    assert figures_for_territory(other_territory.pk, START, TODAY).housed.total == 0


def test_a_constant_number_of_queries(users, territory, django_assert_max_num_queries):
    for n in range(3):
        housed(users, last_name=f"Nom{n}")
    with django_assert_max_num_queries(5):
        figures_for_territory(territory.pk, date(2000, 1, 1), TODAY)


def test_instants_are_read_back_exactly(users, territory):
    from lda.households.figures_data import load_events
    from lda.households.models import HouseholdEvent

    housed(users)
    kinds = ["list_left", "list_entered"]
    recorded = {(e.kind, e.recorded_at) for e in HouseholdEvent.objects.filter(kind__in=kinds)}
    loaded = {(e.kind, e.recorded_at) for e in load_events(territory.pk, START, TODAY) if e.kind in kinds}
    assert loaded == recorded
