"""Property-based tests of the life cycle through the real services and database: whatever the
sequence of actions, attempted by whoever, no measure is ever longer than its type's absolute
maximum (30 months for VIAL), active without the coordinator's activation, or renewed without
every approval its type requires."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from lda.access.policy import actor_for
from lda.measures import codes, lifecycle, rules, services
from lda.measures.models import MeasureEvent, RenewalRequest
from tests.households.helpers import author_of, verified
from tests.measures.helpers import PDF, chef_slisl, open_measure

S = codes.MeasureStatus
REFUSALS = (lifecycle.TransitionRefused, rules.RuleRefused, ValidationError, services.StaleMeasure)

# A renewal request followed at once by opinions of random people as random approvers, and,
# when the last flag is set, by the rightful approvals (so that renewals do get granted).
renewal_round = st.tuples(
    st.just("round"),
    st.sampled_from([6, 6, 6, 3, 1, 7]),
    st.booleans(),
    st.lists(
        st.tuples(
            st.sampled_from(["operator", "coordinator", "slisl"]),
            st.sampled_from(list(codes.APPROVERS)),
            st.booleans() | st.just(True),
        ),
        max_size=3,
    ),
    st.booleans(),
)

actions = st.lists(
    st.one_of(
        st.tuples(st.just("contract"), st.sampled_from(["operator", "coordinator"])),
        st.tuples(st.just("send"), st.sampled_from(["operator", "coordinator"])),
        st.tuples(st.just("send_back"), st.sampled_from(["operator", "coordinator"])),
        st.tuples(st.just("activate"), st.sampled_from(["operator", "coordinator", "slisl"])),
        st.tuples(st.just("renew"), st.integers(-1, 13), st.booleans()),
        st.tuples(st.just("renew"), st.integers(1, 6), st.booleans()),
        st.tuples(st.just("approve"), st.just("coordinator"), st.just("coordinator"), st.just(True)),
        st.tuples(st.just("approve"), st.just("slisl"), st.just("chef_slisl"), st.just(True)),
        st.tuples(
            st.just("approve"),
            st.sampled_from(["operator", "coordinator", "slisl"]),
            st.sampled_from(list(codes.APPROVERS)),
            st.booleans(),
        ),
        renewal_round,
        st.tuples(st.just("end"), st.sampled_from(codes.EndReason.values)),
        st.tuples(st.just("abandon"), st.sampled_from(codes.EndReason.values)),
    ),
    max_size=20,
)

# The service layer is what views and the API call; activation rights are the views' (tested
# there), so here only the coordinator is given the activation — others must be refused upstream.
ACTIVATORS = {"coordinator"}


@pytest.mark.django_db
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(walk=st.booleans(), rounds=st.lists(renewal_round, max_size=6), steps=actions)
def test_no_sequence_breaks_the_measure_invariants(users, territory, walk, rounds, steps):
    coordinator = verified(users["coordinator"])
    operator = users["social_worker"]
    slisl = getattr(territory, "_slisl", None) or chef_slisl(territory)
    territory._slisl = slisl
    people = {"coordinator": coordinator, "operator": operator, "slisl": slisl}
    today = timezone.localdate()
    start = today - timedelta(days=1000)
    measure = open_measure(coordinator, operator, oriented_on=start)

    if walk:  # half the examples start from an active measure, so renewals get exercised
        steps = [("contract", "operator"), ("send", "operator"), ("activate", "coordinator"), *rounds, *steps]
    for step in steps:
        measure.refresh_from_db()
        try:
            if step[0] == "contract":
                services.record_contract(measure, start, PDF, author_of(people[step[1]]), None)
            elif step[0] == "send":
                services.send(measure, start, author_of(people[step[1]]), None)
            elif step[0] == "send_back":
                services.send_back(measure, start, author_of(people[step[1]]), None)
            elif step[0] == "activate" and step[1] in ACTIVATORS:
                services.activate(measure, start + timedelta(days=1), author_of(people[step[1]]), None)
            elif step[0] == "renew":
                services.request_renewal(measure, step[1], step[2], today, author_of(operator), None)
            elif step[0] == "approve":
                pending = measure.renewals.filter(status="requested").first()
                if pending:
                    who = people[step[1]]
                    services.decide_renewal(pending, step[2], step[3], author_of(who), actor_for(who))
            elif step[0] == "round":
                request = services.request_renewal(measure, step[1], step[2], today, author_of(operator), None)
                rightful = [("coordinator", "coordinator", True), ("slisl", "chef_slisl", True)] if step[4] else []
                for person, code, agreed in [*step[3], *rightful]:
                    try:
                        who = people[person]
                        services.decide_renewal(request, code, agreed, author_of(who), actor_for(who))
                    except REFUSALS:
                        pass
            elif step[0] == "end":
                services.end(
                    measure,
                    services.EndData(today, step[1], follow_on="ccas", follow_on_name="CCAS de la commune"),
                    author_of(operator),
                    None,
                )
            elif step[0] == "abandon":
                services.abandon(measure, today, step[1], author_of(operator), None)
        except REFUSALS:
            pass

    measure.refresh_from_db()
    type_rules = measure.rules
    facts = services.facts_of(measure)
    event("status: " + measure.status)
    event(f"renewals approved: {measure.renewals.filter(status='approved').count()}")
    # Never active without the coordinator's activation.
    if measure.status in (S.ACTIVE, S.ENDED):
        activation = MeasureEvent.objects.get(measure=measure, kind="activated")
        assert measure.activated_on and measure.activated_by_id == coordinator.pk
        assert activation.user_id == coordinator.pk
    else:
        assert measure.activated_on is None
    # Never longer than the absolute maximum.
    if measure.activated_on:
        assert rules.total_months(type_rules, facts) <= type_rules.max_months
        assert measure.planned_end_on <= rules.latest_end_on(type_rules, measure.activated_on)
    # Never renewed without every approval the type requires, each by someone entitled.
    for request in RenewalRequest.objects.filter(measure=measure, status="approved"):
        given_ = {a.approver: a for a in request.approvals.all()}
        for code in rules.required_approvers(type_rules, request.derogation):
            assert code in given_ and given_[code].approved
            approver = codes.APPROVERS[code]
            assert given_[code].user.memberships.filter(role=approver.role).exists()
    assert measure.renewals.filter(status="requested").count() <= 1


@pytest.mark.django_db
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    months=st.integers(-2, 13),
    opinions=st.lists(
        st.tuples(
            st.sampled_from(["operator", "coordinator", "slisl"]),
            st.sampled_from(list(codes.APPROVERS)),
            st.booleans(),
        ),
        max_size=5,
    ),
)
def test_a_derogation_is_granted_only_with_every_approval_and_within_the_maximum(users, territory, months, opinions):
    """The ordinary room used up (two 6-month renewals), a derogation is asked for and opinions
    come from anyone as anyone: granted iff the coordinator and the chef SLISL, each signed in as
    such, agreed; and the measure never passes 30 months."""
    coordinator = verified(users["coordinator"])
    operator = users["social_worker"]
    slisl = getattr(territory, "_slisl", None) or chef_slisl(territory)
    territory._slisl = slisl
    people = {"coordinator": coordinator, "operator": operator, "slisl": slisl}
    today = timezone.localdate()
    measure = open_measure(coordinator, operator, oriented_on=today - timedelta(days=700))
    measure = services.record_contract(measure, measure.oriented_on, PDF, author_of(operator), None)
    measure = services.send(measure, measure.oriented_on, author_of(operator), None)
    measure = services.activate(measure, measure.oriented_on, author_of(coordinator), None)
    for _ in range(2):
        ordinary = services.request_renewal(measure, 6, False, today, author_of(operator), None)
        services.decide_renewal(ordinary, "coordinator", True, author_of(coordinator), actor_for(coordinator))

    try:
        request = services.request_renewal(measure, months, True, today, author_of(operator), None)
    except rules.RuleRefused:
        assert not 1 <= months <= 6
        return
    assert 1 <= months <= 6  # a derogation of at most 6 months
    entitled = {("coordinator", "coordinator"), ("slisl", "chef_slisl")}
    first_word: dict[str, bool] = {}
    for person, code, agreed in opinions:
        try:
            who = people[person]
            services.decide_renewal(request, code, agreed, author_of(who), actor_for(who))
        except REFUSALS:
            continue
        assert (person, code) in entitled  # nobody else's opinion is ever recorded
        first_word.setdefault(code, agreed)
    request.refresh_from_db()
    expected = rules.renewal_decision(measure.rules, True, first_word)
    assert request.status == expected
    assert (request.status == "approved") == (first_word == {"coordinator": True, "chef_slisl": True})
    measure.refresh_from_db()
    assert rules.total_months(measure.rules, services.facts_of(measure)) <= 30
