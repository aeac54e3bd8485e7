"""Merging households and persons: what moves, what is refused, and that undoing restores exactly."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lda.audit.models import AccessLog
from lda.households import codes, merge, services
from lda.households.models import (
    Commission,
    CommissionCase,
    EventKind,
    Household,
    HouseholdEvent,
    MergeRecord,
    Need,
    Person,
    Resource,
)
from lda.households.services import PersonData, StaleVersion
from tests.households.helpers import author_of, make_household, organisation_of, orient


@pytest.fixture
def coordinator(users):
    return users["coordinator"]


@pytest.fixture
def worker(users):
    return users["social_worker"]


def snapshot(household_pk):
    """The rows of a household per model, its status and who is head (versions excluded)."""
    household = Household.objects.get(pk=household_pk)
    rows = {
        key: set(model.objects.filter(household_id=household_pk).values_list("pk", flat=True))
        for key, model in merge.MOVED_MODELS.items()
    }
    heads = set(Person.objects.filter(household_id=household_pk, is_head=True).values_list("pk", flat=True))
    return rows, household.status, household.merged_into_id, heads


def enrich(household, user, needs=(), resources=0, commission=None):
    author = author_of(user)
    for kind in needs:
        household.refresh_from_db()
        services.record_need(household, author, kind, "identified")
    person = household.persons.first()
    for _ in range(resources):
        household.refresh_from_db()
        services.record_resource(household, author, "rsa", 600, person=person)
    if commission is not None:
        CommissionCase.objects.create(
            commission=commission, household=household, presented_by=organisation_of(user), order=1
        )
    household.refresh_from_db()
    return household


def test_merge_moves_everything_and_records_it(territory, coordinator, worker):
    kept = make_household(worker, last_name="Martin")
    merged = make_household(worker, last_name="Martin", persons=[PersonData("Martin", "Léa", is_head=True)])
    orient(coordinator, merged)
    commission = Commission.objects.create(territory=territory, held_on=date(2026, 11, 1))
    other_commission = Commission.objects.create(territory=territory, held_on=date(2026, 10, 1))
    kept = enrich(kept, worker, needs=["budget"], commission=commission)
    merged = enrich(merged, worker, needs=["budget", "language"], resources=2, commission=commission)
    CommissionCase.objects.create(
        commission=other_commission, household=merged, presented_by=organisation_of(worker), order=2
    )
    merged_before = snapshot(merged.pk)[0]
    versions = (kept.version, merged.version)

    record = merge.merge_households(kept, merged, author_of(coordinator), versions)

    rows, status, into, heads = snapshot(merged.pk)
    assert (status, into) == (codes.HouseholdStatus.MERGED, kept.pk)
    # The kept household's need of the same kind is kept; the merged one's stays where it was.
    assert rows["needs"] == {Need.objects.get(household=merged, kind="budget").pk}
    assert rows["commission_cases"] == {CommissionCase.objects.get(household=merged, commission=commission).pk}
    assert all(not ids for key, ids in rows.items() if key not in ("needs", "commission_cases"))
    kept_rows, kept_status, _, kept_heads = snapshot(kept.pk)
    assert merged_before["persons"] <= kept_rows["persons"]
    assert len(kept_heads) == 1  # the merged household's head is no longer head
    assert set(record.moved["persons"]) == merged_before["persons"]
    assert record.moved["previous"]["status"] == codes.HouseholdStatus.ON_LIST
    assert len(record.moved["needs"]) == 1 and len(record.moved["commission_cases"]) == 1
    assert Household.objects.get(pk=kept.pk).version == versions[0] + 1
    assert list(kept.merged.all()) == [merged]
    for household in (kept, merged):
        event = HouseholdEvent.objects.filter(household=household, kind=EventKind.MERGED).get()
        assert event.payload == {"merge": record.pk, "kept": kept.pk, "merged": merged.pk}
    assert AccessLog.objects.filter(object_type="household_merge", object_id=str(record.pk)).exists()


def test_undo_restores_and_is_refused_twice(territory, coordinator, worker):
    kept = make_household(worker)
    merged = enrich(make_household(worker, last_name="Durand"), worker, needs=["health"], resources=1)
    before = snapshot(kept.pk), snapshot(merged.pk)
    record = merge.merge_households(kept, merged, author_of(coordinator))
    merge.undo_merge(record, author_of(coordinator))
    assert (snapshot(kept.pk), snapshot(merged.pk)) == before
    record.refresh_from_db()
    assert record.undone_at is not None and record.undone_by == coordinator
    assert HouseholdEvent.objects.filter(kind=EventKind.MERGE_UNDONE).count() == 2
    with pytest.raises(ValidationError, match="déjà été annulée"):
        merge.undo_merge(record, author_of(coordinator))


def test_undo_refused_when_what_moved_has_changed(territory, coordinator, worker):
    kept = make_household(worker)
    merged = enrich(make_household(worker, last_name="Durand"), worker, needs=["health"])
    record = merge.merge_households(kept, merged, author_of(coordinator))
    # Since then, the merged household received a need of the kind that would come back.
    Need.objects.create(household=merged, kind="health")
    with pytest.raises(ValidationError) as refused:
        merge.undo_merge(record, author_of(coordinator))
    assert "besoin « Santé »" in " ".join(refused.value.messages)
    # The kept household was itself merged since into a third one.
    Need.objects.filter(household=merged).delete()
    third = make_household(worker, last_name="Petit")
    merge.merge_households(third, kept, author_of(coordinator))
    obstacles = merge.undo_obstacles(record)
    assert any("a lui-même été fusionné" in o for o in obstacles)
    assert any("ne sont plus dans le dossier" in o for o in obstacles)


def test_merge_refusals(territory, other_territory, coordinator, worker):
    from tests.factories import user_with_role

    a, b = make_household(worker), make_household(worker)
    elsewhere = make_household(user_with_role("social_worker", other_territory))
    author = author_of(coordinator)
    with pytest.raises(ValidationError, match="avec lui-même"):
        merge.merge_households(a, a, author)
    with pytest.raises(ValidationError, match="même territoire"):
        merge.merge_households(a, elsewhere, author)
    merge.merge_households(a, b, author)
    c = make_household(worker)
    with pytest.raises(ValidationError, match="déjà été fusionné"):
        merge.merge_households(b, c, author)
    with pytest.raises(ValidationError, match="déjà été fusionné"):
        merge.merge_households(a, b, author)
    with pytest.raises(StaleVersion):
        merge.merge_households(a, c, author, (a.version - 1, c.version))
    assert c.status != codes.HouseholdStatus.MERGED
    assert Household.objects.get(pk=c.pk).status != codes.HouseholdStatus.MERGED


# --- the property: merge then undo is the identity on the rows of both households ------------------

household_shapes = st.fixed_dictionaries(
    {
        "persons": st.integers(min_value=1, max_value=3),
        "needs": st.lists(st.sampled_from(["budget", "health", "language", "rights"]), unique=True, max_size=3),
        "resources": st.integers(min_value=0, max_value=2),
        "oriented": st.booleans(),
        "on_commission": st.booleans(),
    }
)


def _build(shape, worker, coordinator, commission, name):
    persons = [PersonData(name, f"Prénom{i}", is_head=(i == 0)) for i in range(shape["persons"])]
    household = make_household(worker, persons=persons)
    if shape["oriented"]:
        orient(coordinator, household)
        household.refresh_from_db()
    return enrich(
        household,
        worker,
        needs=shape["needs"],
        resources=shape["resources"],
        commission=commission if shape["on_commission"] else None,
    )


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(kept_shape=household_shapes, merged_shape=household_shapes)
def test_merge_then_undo_restores_every_row(territory, coordinator, worker, kept_shape, merged_shape):
    commission = Commission.objects.create(territory=territory, held_on=date(2026, 11, 1))
    kept = _build(kept_shape, worker, coordinator, commission, "Martin")
    merged = _build(merged_shape, worker, coordinator, commission, "Durand")
    before = snapshot(kept.pk), snapshot(merged.pk)
    record = merge.merge_households(kept, merged, author_of(coordinator), (kept.version, merged.version))
    assert not Person.objects.filter(household=merged).exists()
    merge.undo_merge(record, author_of(coordinator))
    assert (snapshot(kept.pk), snapshot(merged.pk)) == before


# --- persons ---------------------------------------------------------------------------------------


def test_merge_persons_within_a_household_and_undo(territory, coordinator, worker):
    household = make_household(
        worker,
        persons=[PersonData("Martin", "Léa", is_head=True), PersonData("MARTIN", "Lea", aliases="Dupont")],
    )
    head, twin = household.persons.order_by("pk")
    household.refresh_from_db()
    services.record_resource(household, author_of(worker), "rsa", 600, person=twin)
    record = merge.merge_persons(twin, head, author_of(coordinator))
    twin.refresh_from_db()
    head.refresh_from_db()
    assert head.merged_into == twin and twin.is_head and not head.is_head
    assert Resource.objects.get().person == twin
    assert twin.aliases == "Dupont"  # same name written differently: nothing to add
    assert record.kind == "person"
    merge.undo_merge(record, author_of(coordinator))
    head.refresh_from_db()
    twin.refresh_from_db()
    assert head.merged_into is None and head.is_head and not twin.is_head
    assert Resource.objects.get().person == twin


def test_merge_persons_across_households(territory, coordinator, worker):
    a = make_household(worker, persons=[PersonData("Martin", "Léa", is_head=True)])
    b = make_household(worker, persons=[PersonData("Martine", "Léa", is_head=True)])
    services.record_resource(b, author_of(worker), "aah", 900, person=b.persons.get())
    kept, gone = a.persons.get(), b.persons.get()
    record = merge.merge_persons(kept, gone, author_of(coordinator))
    gone.refresh_from_db()
    kept.refresh_from_db()
    assert gone.merged_into == kept and gone.household == b and gone.is_head  # nothing else moves
    assert Resource.objects.get().household == a and kept.aliases == "Léa Martine"
    assert HouseholdEvent.objects.filter(kind=EventKind.MERGED).count() == 2
    with pytest.raises(ValidationError, match="déjà été fusionnée"):
        merge.merge_persons(kept, gone, author_of(coordinator))
    merge.undo_merge(record, author_of(coordinator))
    kept.refresh_from_db()
    assert Resource.objects.get().household == b and kept.aliases == ""
    assert MergeRecord.objects.get().undone_at is not None


def test_undo_household_merge_refused_after_a_person_merge(territory, coordinator, worker):
    kept = make_household(worker, persons=[PersonData("Martin", "Léa", is_head=True)])
    merged = make_household(worker, persons=[PersonData("Martin", "Lea", is_head=True)])
    record = merge.merge_households(kept, merged, author_of(coordinator))
    persons = list(Person.objects.filter(household=kept).order_by("pk"))
    merge.merge_persons(persons[0], persons[1], author_of(coordinator))
    with pytest.raises(ValidationError, match="annulez d'abord la fusion de ces personnes"):
        merge.undo_merge(record, author_of(coordinator))


def test_person_merge_refused_into_itself_or_a_merged_household(territory, coordinator, worker):
    a, b = make_household(worker), make_household(worker)
    person = a.persons.get()
    with pytest.raises(ValidationError, match="avec elle-même"):
        merge.merge_persons(person, person, author_of(coordinator))
    merge.merge_households(a, b, author_of(coordinator))
    c = make_household(worker)
    stale = Person.objects.select_related("household").get(pk=person.pk)
    Household.objects.filter(pk=a.pk).update(status=codes.HouseholdStatus.MERGED)
    with pytest.raises(ValidationError, match="a été fusionné dans un autre"):
        merge.merge_persons(
            c.persons.get(), Person.objects.select_related("household").get(pk=stale.pk), author_of(coordinator)
        )
