"""The unit and proposal life cycles as rules (spec 3): each transition's sources and targets, its
French refusal, and — through the real services and database, for random sequences of actions —
the invariants: one household at most holds a unit, the unit's status follows its proposals, an
entry takes the household off the list as housed, a refused action changes nothing."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from lda.accounts.roles import Role
from lda.households.codes import ExitReason, HouseholdStatus
from lda.housing import codes, lifecycle, proposals, services
from lda.housing.lifecycle import TransitionRefused
from lda.housing.models import Proposal, ProposalEvent, Unit, UnitEvent
from tests.factories import user_with_role
from tests.housing.helpers import author_of, household_on_list, landlord_user, make_unit, organisation_of, refusal

P, U = codes.ProposalStatus, codes.UnitStatus


# --- the declared transitions -----------------------------------------------------------------

EXPECTED_PROPOSAL = {
    "send": ({P.CANDIDATE}, {P.SENT}),
    "withdraw": ({P.CANDIDATE, P.SENT, P.POSTPONED}, {P.WITHDRAWN}),
    "decide": ({P.SENT, P.POSTPONED}, {P.ALLOCATED, P.COMMITTEE_REFUSED, P.POSTPONED}),
    "offer": ({P.ALLOCATED}, {P.OFFERED}),
    "answer": ({P.OFFERED}, {P.ACCEPTED, P.HOUSEHOLD_REFUSED}),
    "lease": ({P.ACCEPTED}, {P.LEASED}),
    "enter": ({P.LEASED}, {P.ENTERED}),
}
EXPECTED_UNIT = {
    "make_available": ({U.PROSPECT, U.WITHDRAWN}, U.AVAILABLE),
    "propose": ({U.AVAILABLE, U.PROPOSED}, U.PROPOSED),
    "allocate": ({U.PROPOSED, U.ALLOCATED}, U.ALLOCATED),
    "occupy": ({U.ALLOCATED}, U.OCCUPIED),
    "free": ({U.OCCUPIED}, U.AVAILABLE),
    "withdraw": ({U.PROSPECT, U.AVAILABLE}, U.WITHDRAWN),
}


@pytest.mark.parametrize("action", EXPECTED_PROPOSAL)
def test_each_proposal_transition_has_its_sources_and_targets(action):
    sources, targets = EXPECTED_PROPOSAL[action]
    for status in P.values:
        choices = targets if len(targets) > 1 else [None]
        for choice in choices:
            if status in sources:
                assert lifecycle.proposal_target(status, action, choice) in targets
            else:
                with pytest.raises(TransitionRefused, match="^Impossible d"):
                    lifecycle.proposal_target(status, action, choice)


@pytest.mark.parametrize("action", EXPECTED_UNIT)
def test_each_unit_transition_has_its_sources_and_target(action):
    sources, target = EXPECTED_UNIT[action]
    for status in U.values:
        if status in sources:
            assert lifecycle.unit_target(status, action) == target
        else:
            with pytest.raises(TransitionRefused, match="le logement est"):
                lifecycle.unit_target(status, action)


def test_a_decision_must_be_one_of_the_committee_outcomes():
    with pytest.raises(TransitionRefused, match="Indiquez la décision"):
        lifecycle.proposal_target(P.SENT, "decide")
    with pytest.raises(TransitionRefused, match="Décision impossible"):
        lifecycle.proposal_target(P.SENT, "decide", P.ENTERED)


def test_refusal_messages_are_french():
    with pytest.raises(TransitionRefused) as error:
        lifecycle.proposal_target(P.CANDIDATE, "enter")
    assert str(error.value) == (
        "Impossible d'enregistrer l'entrée dans le logement : la candidature est « Candidature proposée »."
    )


@given(st.integers(1, 300), st.sampled_from([0.1, 0.25, 0.3, 0.5, 1.0]))
def test_siao_due_keeps_the_share(freed, share):
    """Handing every freed unit that is due keeps the handed share at the target, within one unit,
    and the first freed unit always goes to the SIAO."""
    handed = 0
    for n in range(freed):
        due = lifecycle.siao_due(n, handed, share)
        if n == 0:
            assert due
        handed += due
        assert share * (n + 1) - 1 < handed <= share * (n + 1) + 1


# --- random sequences through the services -------------------------------------------------------

ACTORS = ("coordinator", "landlord")
steps = st.lists(
    st.one_of(
        # The happy path's next step for a household, whatever its proposal's status.
        st.tuples(st.just("advance"), st.integers(0, 3)),
        st.tuples(st.just("advance"), st.integers(0, 1)),
        st.tuples(st.just("advance"), st.just(0)),
        st.tuples(st.just("advance"), st.just(0)),
        st.tuples(st.just("add"), st.integers(0, 3)),
        st.tuples(st.just("withdraw"), st.integers(0, 3)),
        st.tuples(st.just("send"), st.just(0)),
        st.tuples(
            st.just("decide"),
            st.integers(0, 3),
            st.sampled_from([P.ALLOCATED, P.COMMITTEE_REFUSED, P.POSTPONED]),
            st.integers(0, 4),
        ),
        st.tuples(st.just("offer"), st.integers(0, 3)),
        st.tuples(st.just("answer"), st.integers(0, 3), st.booleans()),
        st.tuples(st.just("lease"), st.integers(0, 3)),
        st.tuples(st.just("enter"), st.integers(0, 3)),
        st.tuples(st.just("free"), st.just(0)),
    ),
    min_size=10,
    max_size=30,
)
# The happy path: the next step of a proposal in this status.
ADVANCE = {
    P.CANDIDATE: lambda i: ("send", 0),
    P.SENT: lambda i: ("decide", i, P.ALLOCATED, 1),
    P.POSTPONED: lambda i: ("decide", i, P.ALLOCATED, 1),
    P.ALLOCATED: lambda i: ("offer", i),
    P.OFFERED: lambda i: ("answer", i, True),
    P.ACCEPTED: lambda i: ("lease", i),
    P.LEASED: lambda i: ("enter", i),
}
REFUSED = (TransitionRefused, ValidationError, proposals.UnitTaken, services.Stale)


def _snapshot(unit):
    return (
        Unit.objects.get(pk=unit.pk).status,
        sorted(Proposal.objects.filter(unit=unit).values_list("pk", "status", "committee_rank")),
        ProposalEvent.objects.count(),
        UnitEvent.objects.filter(unit=unit).count(),
    )


@pytest.mark.django_db
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(script=steps)
def test_no_sequence_breaks_the_proposal_invariants(territory, script):
    coordinator = getattr(territory, "_coordinator", None)
    if coordinator is None:
        coordinator = territory._coordinator = user_with_role(Role.COORDINATOR, territory)
        territory._landlord = landlord_user(territory)
        services.install_defaults(territory)
    landlord = territory._landlord
    people = {"coordinator": author_of(coordinator), "landlord": author_of(landlord)}
    unit = make_unit(territory, organisation_of(landlord), on=timezone.localdate() - timedelta(days=400))
    households = [household_on_list(coordinator, last_name=f"Ménage{i}") for i in range(4)]
    household_reason = refusal(territory, "menage-localisation").pk
    landlord_reason = refusal(territory, "bailleur-dossier").pk
    day = timezone.localdate() - timedelta(days=20)
    c = people["coordinator"]

    def proposal_of(i):
        return Proposal.objects.filter(unit=unit, household=households[i]).order_by("-pk").first()

    for step in script:
        before = _snapshot(unit)
        unit.refresh_from_db()
        try:
            kind, i = step[0], step[1]
            p = proposal_of(i)
            if kind == "advance":
                if p is None or p.status in codes.CLOSED_PROPOSAL:
                    step = ("add", i)
                else:
                    step = ADVANCE[p.status](i)
                kind = step[0]
            if kind == "add":
                proposals.add_candidate(unit, households[i], c)
            elif kind == "send":
                proposals.send_shortlist(unit, c, day)
            elif kind == "free":
                services.free_unit(unit, people["landlord"], timezone.localdate())
            elif p is None:
                continue
            elif kind == "withdraw":
                proposals.withdraw(p, c)
            elif kind == "decide":
                rank = step[3] or None
                reason = landlord_reason if step[2] == P.COMMITTEE_REFUSED else None
                proposals.decide(p, people["landlord"], step[2], day, committee_rank=rank, refusal_reason=reason)
            elif kind == "offer":
                proposals.offer(p, c, day)
            elif kind == "answer":
                proposals.answer(p, c, step[2], day, refusal_reason=None if step[2] else household_reason)
            elif kind == "lease":
                proposals.sign_lease(p, people["landlord"], day)
            elif kind == "enter":
                proposals.enter(p, people["landlord"], day)
        except REFUSED as exc:
            event(f"refusé {step[0]}: {str(exc)[:60]}")
            assert _snapshot(unit) == before, f"un refus a laissé une trace : {step}"

        unit.refresh_from_db()
        open_ = Proposal.objects.filter(unit=unit)
        holders = open_.filter(status__in=[P.OFFERED, P.ACCEPTED, P.LEASED]) | open_.filter(
            status=P.ALLOCATED, committee_rank=1
        )
        assert holders.count() <= 1
        assert open_.filter(status__in=codes.ACTIVE_PROPOSAL).count() <= 3
        if unit.status == U.OCCUPIED:
            assert open_.filter(status=P.ENTERED).exists()
            assert not open_.filter(status__in=codes.ACTIVE_PROPOSAL).exists()
        if holders.exists():
            assert unit.status == U.ALLOCATED
        if unit.status in (U.PROPOSED, U.ALLOCATED):
            # A unit waits for a committee or a household only while a proposal is under way.
            assert open_.filter(status__in=codes.ACTIVE_PROPOSAL).exclude(status=P.CANDIDATE).exists()
        for entered in open_.filter(status=P.ENTERED).select_related("household__current_episode"):
            h = entered.household
            assert h.status == HouseholdStatus.LEFT
            assert h.current_episode.exit_reason == ExitReason.HOUSED
        # The unit's dated history has no silent step: each change starts where the last ended.
        log = list(UnitEvent.objects.filter(unit=unit).order_by("pk").values_list("status_from", "status_to"))
        assert all(after[0] == before[1] for before, after in zip(log, log[1:], strict=False))
        assert log[-1][1] == unit.status
        if open_.filter(status=P.ENTERED).exists():
            event("une entrée")
        for h in households:
            assert Proposal.objects.filter(household=h, status__in=codes.ACTIVE_PROPOSAL).count() <= 1
