"""The life cycle of a measure through the services: each transition, its refusals, its log."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from lda.access.policy import actor_for
from lda.households.models import EventKind, HouseholdEvent
from lda.measures import codes, lifecycle, rules, services
from lda.measures.models import Alert, MeasureEvent
from lda.measures.services import EndData, StaleMeasure
from tests.households.helpers import author_of, make_household, orient, verified
from tests.measures.helpers import PDF, active_measure, chef_slisl, open_measure, vial

S = codes.MeasureStatus


@pytest.fixture
def coordinator(users):
    return verified(users["coordinator"])


@pytest.fixture
def operator(users):
    return users["social_worker"]


def test_an_orientation_naming_a_type_and_an_operator_opens_the_measure(territory, coordinator, operator):
    vial(territory)
    household = make_household(coordinator)
    orient(
        coordinator, household, measure="vial", accompanying_organisation_id=operator.memberships.get().organisation_id
    )
    measure = household.measures.get()
    assert measure.status == S.ORIENTED
    assert measure.type_version.measure_type.code == "vial"
    assert measure.orientation is not None


def test_a_measure_is_active_only_on_the_coordinators_activation(territory, coordinator, operator):
    measure = open_measure(coordinator, operator)
    today = timezone.localdate()
    with pytest.raises(lifecycle.TransitionRefused):
        services.activate(measure, today, author_of(coordinator), measure.version)
    measure = services.record_contract(measure, today - timedelta(days=3), PDF, author_of(operator), measure.version)
    with pytest.raises(lifecycle.TransitionRefused):
        services.activate(measure, today, author_of(coordinator), measure.version)
    measure = services.send(measure, today - timedelta(days=2), author_of(operator), measure.version)
    assert Alert.objects.filter(measure=measure, kind="contract_waiting", closed_at__isnull=True).exists()
    measure = services.activate(measure, today, author_of(coordinator), measure.version)
    assert measure.status == S.ACTIVE
    assert measure.planned_end_on is not None
    assert not Alert.objects.filter(measure=measure, kind="contract_waiting", closed_at__isnull=True).exists()
    kinds = list(MeasureEvent.objects.filter(measure=measure).values_list("kind", flat=True))
    assert kinds == ["oriented", "contract_recorded", "sent", "activated"]
    assert HouseholdEvent.objects.filter(household=measure.household, kind=EventKind.MEASURE_ACTIVATED).exists()
    measure.household.refresh_from_db()
    assert measure.household.accompanying_organisation_id == measure.operator_id


def test_a_contract_needs_its_signed_document(territory, coordinator, operator):
    measure = open_measure(coordinator, operator)
    bad = services.Document("contrat.pdf", "application/pdf", b"MZ not a pdf")
    with pytest.raises(ValidationError) as error:
        services.record_contract(measure, timezone.localdate(), bad, author_of(operator), measure.version)
    assert "document" in error.value.message_dict
    measure.refresh_from_db()
    assert measure.status == S.ORIENTED


def test_the_second_of_two_saves_is_refused(territory, coordinator, operator):
    measure = open_measure(coordinator, operator)
    version = measure.version
    services.record_contract(measure, timezone.localdate(), PDF, author_of(operator), version)
    with pytest.raises(StaleMeasure):
        services.abandon(measure, timezone.localdate(), "non_adhesion", author_of(operator), version)


def test_renewal_past_the_cap_is_refused_and_derogation_needs_both_approvals(territory, coordinator, operator):
    measure = active_measure(coordinator, operator, activated_on=timezone.localdate() - timedelta(days=700))
    slisl = chef_slisl(territory)
    approve = lambda request, user, code: services.decide_renewal(  # noqa: E731
        request, code, True, author_of(user), actor_for(user)
    )
    for _ in range(2):
        request = services.request_renewal(measure, 6, False, timezone.localdate(), author_of(operator), None)
        assert approve(request, coordinator, "coordinator").status == "approved"
    with pytest.raises(rules.RuleRefused, match="épuisés"):
        services.request_renewal(measure, 6, False, timezone.localdate(), author_of(operator), None)
    request = services.request_renewal(measure, 6, True, timezone.localdate(), author_of(operator), None)
    assert approve(request, coordinator, "coordinator").status == "requested"
    with pytest.raises(rules.RuleRefused):
        approve(request, operator, "chef_slisl")  # an operator is not the chef SLISL
    assert approve(request, slisl, "chef_slisl").status == "approved"
    measure.refresh_from_db()
    assert (measure.planned_end_on - measure.activated_on).days in range(910, 915)  # 30 months
    with pytest.raises(rules.RuleRefused):
        services.request_renewal(measure, 1, True, timezone.localdate(), author_of(operator), None)


def test_a_rupture_reaches_the_coordinator_at_once(territory, coordinator, operator):
    measure = active_measure(coordinator, operator)
    services.end(measure, EndData(timezone.localdate(), "rupture"), author_of(operator), None)
    alert = Alert.objects.get(measure=measure, kind="exit")
    assert alert.audience == "coordinator" and alert.closed_at is None
    assert HouseholdEvent.objects.filter(household=measure.household, kind=EventKind.MEASURE_ENDED).exists()


def test_a_hand_over_names_the_follow_on(territory, coordinator, operator):
    measure = active_measure(coordinator, operator)
    with pytest.raises(ValidationError) as error:
        services.end(measure, EndData(timezone.localdate(), "handed_over"), author_of(operator), None)
    assert "follow_on" in error.value.message_dict
    services.end(
        measure,
        EndData(timezone.localdate(), "handed_over", follow_on="ccas", follow_on_name="CCAS de la commune"),
        author_of(operator),
        None,
    )


def test_a_type_revealing_a_sensitive_category_is_seen_only_past_the_second_gate(territory, users, coordinator):
    """Un chez-soi d'abord tells severe psychiatric disorders: the organisation that only created
    the file does not see such a measure (not even that it exists), nor the timeline's detail; it
    sees an FNAVDL measure of the same household."""
    from lda.access.policy import scope
    from lda.households.timeline import entries
    from lda.measures.models import Measure
    from tests.factories import user_with_role
    from tests.households.helpers import organisation_of

    creator = user_with_role("social_worker", territory)
    operator = users["social_worker"]
    household = make_household(creator)
    assert organisation_of(creator) != organisation_of(operator)
    chez_soi = active_measure(coordinator, operator, code="chez_soi", household=household)
    fnavdl = active_measure(coordinator, operator, code="fnavdl", household=household)
    assert chez_soi.type_version.measure_type.reveals == "mental_health"

    assert set(scope(creator, Measure.objects.all())) == {fnavdl}
    assert set(scope(operator, Measure.objects.all())) == {chez_soi, fnavdl}
    assert set(scope(coordinator, Measure.objects.all())) == {chez_soi, fnavdl}
    events = HouseholdEvent.objects.filter(household=household, kind=EventKind.MEASURE_ACTIVATED).order_by("pk")
    assert [e.sensitive for e in events] == ["mental_health", ""]
    lines = entries(events, sees_sensitive=False, names={})
    assert lines[0].masked and "chez-soi" not in lines[0].detail.lower()
    assert not lines[1].masked


def test_the_transition_log_is_append_only(territory, coordinator, operator):
    measure = active_measure(coordinator, operator)
    event = MeasureEvent.objects.filter(measure=measure).first()
    with pytest.raises(TypeError):
        MeasureEvent.objects.filter(measure=measure).update(kind="ended")
    with pytest.raises(TypeError):
        MeasureEvent.objects.filter(measure=measure).delete()
    event.kind = "ended"
    with pytest.raises(TypeError):
        event.save()
    assert MeasureEvent.objects.filter(measure=measure, kind="ended").count() == 0


def test_right_to_start_again_after_an_end_and_one_open_measure_per_type(territory, coordinator, operator):
    """Seed 003: "droit au recommencement" — a household whose measure ended may start again (the
    new measure points to the previous one); never two open measures of the same type."""
    from lda.measures.models import MeasureType

    first = active_measure(coordinator, operator)
    household = first.household
    with pytest.raises(ValidationError, match="déjà une mesure de ce type"):
        open_measure(coordinator, operator, household=household)
    services.end(first, EndData(timezone.localdate(), "rupture"), author_of(operator), None)
    again = open_measure(coordinator, operator, household=household)
    assert again.previous == first and again.status == S.ORIENTED

    # A type that forbids re-entry refuses it.
    vial_type = MeasureType.objects.get(territory=territory, code="vial")
    services.new_version(
        vial_type,
        {**{f: getattr(vial_type.current, f) for f in services.VERSION_FIELDS}, "re_entry": False},
        None,
        "Sans recommencement",
        vial_type.current.number,
    )
    other = make_household(coordinator)
    ended = active_measure(coordinator, operator, household=other)
    services.end(ended, EndData(timezone.localdate(), "rupture"), author_of(operator), None)
    with pytest.raises(ValidationError, match="nouvelle entrée"):
        open_measure(coordinator, operator, household=other)
