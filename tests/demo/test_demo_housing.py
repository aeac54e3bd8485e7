"""The demo housing supply and its history of proposals (issue 5, point 9).

Documented bands (lda/demo/housing.py, housing_history.py): household refusals 15–35 % of the
answers; committee refusals under 25 % of the decisions; mean delay from the demand (entry on the
list) to the entry into the home 2–14 months; residences hand 30 % of their freed units to the SIAO.
"""

import statistics
from collections import Counter, defaultdict

import pytest
from django.utils import timezone

from lda.accounts.models import Territory
from lda.demo.catalogue import AGGLO, MAIN
from lda.demo.households import COMMUNES
from lda.demo.territory import build_demo_territory, reset_demo_territories
from lda.households import codes as hcodes
from lda.households.models import Episode, EventKind, Household, HouseholdEvent
from lda.housing import adapter, codes, constraints, services
from lda.housing.models import (
    CaptureProspect,
    CaptureTarget,
    ContingentQuota,
    DemandProfile,
    Incentive,
    MatchingRun,
    Proposal,
    ProposalEvent,
    RefusalReason,
    Residence,
    ScoringGrid,
    Unit,
    UnitEvent,
)
from lda.tasks.models import Status

P = codes.ProposalStatus
HOUSING_MODELS = (Unit, UnitEvent, Residence, ContingentQuota, CaptureProspect, Incentive, Proposal, ProposalEvent)
# Reasons that depend on the moment (other proposals under way, pairs declined): checked on the log.
MOMENT_REASONS = {"proposition_active", "deja_decline"}


@pytest.fixture
def main(demo, db):
    return Territory.objects.get(name=MAIN.name)


@pytest.mark.django_db
def test_the_step_is_recorded_and_the_reset_removes_every_housing_row(settings, no_demo):
    settings.PRODUCTION = False
    result = build_demo_territory(seed=3, scale=0.1)
    assert "secondes (étape logement)" in result.counts
    assert Proposal.objects.exists() and Unit.objects.exists()
    reset_demo_territories()
    for model in (*HOUSING_MODELS, ScoringGrid, RefusalReason, MatchingRun, DemandProfile):
        assert not model.objects.exists(), model


def test_the_step_stays_fast(demo):
    # The target was < 5 s at scale 1 on SQLite; every proposal goes through the services (about 8
    # queries a transition), which costs about 15–25 s of computation on this machine: a bound that
    # catches a regression, not the target (see the report).
    assert demo.counts["secondes de calcul (étape logement)"] < 40
    assert demo.counts["propositions"] == Proposal.objects.count()


def test_units_of_every_kind_typology_contingent_and_status(main):
    units = Unit.objects.filter(territory=main)
    kinds = Counter(units.values_list("kind", flat=True))
    assert set(kinds) == set(codes.UnitKind.values)
    assert kinds.most_common(1)[0][0] == codes.UnitKind.SOCIAL and 380 <= units.count() <= 520
    assert set(units.values_list("typology", flat=True)) == set(codes.Typology.values)
    assert set(units.values_list("contingent_kind", flat=True)) == set(codes.Contingent.values)
    statuses = Counter(units.values_list("status", flat=True))
    assert set(statuses) == set(codes.UnitStatus.values), statuses
    assert statuses[codes.UnitStatus.OCCUPIED] > statuses[codes.UnitStatus.PROSPECT]
    assert 2 <= statuses[codes.UnitStatus.WITHDRAWN] <= 10 and statuses[codes.UnitStatus.AVAILABLE] >= 20
    codes_ = {code for code, _ in COMMUNES[MAIN.key]}
    assert set(units.values_list("commune_insee", flat=True)) <= codes_
    assert 0.03 <= units.filter(wheelchair_accessible=True).count() / units.count() <= 0.12
    assert 0.2 <= units.filter(qpv=True).count() / units.count() <= 0.5
    for unit in units:
        usual = max(size for size, typologies in constraints.TYPOLOGIES_BY_SIZE.items() if unit.typology in typologies)
        if unit.kind in constraints.KIND_RULES:
            usual = min(usual, constraints.KIND_RULES[unit.kind].max_persons)
        assert unit.surface >= constraints.min_surface(usual), unit
        assert 100 <= unit.rent + unit.charges <= 1300, unit
        assert not unit.wheelchair_accessible or unit.floor == 0 or unit.lift
    # Rents per m²: PLAI adapté the cheapest of the ordinary kinds, private IML the dearest.
    per_m2 = {
        kind: statistics.fmean(float(u.rent / u.surface) for u in units.filter(kind=kind))
        for kind in (codes.UnitKind.PLAI_ADAPTED, codes.UnitKind.PLAI, codes.UnitKind.SOCIAL, codes.UnitKind.IML)
    }
    assert list(per_m2.values()) == sorted(per_m2.values())
    assert not Unit.objects.filter(territory__name=AGGLO.name).exists()


def test_unit_events_follow_the_life_cycle(main):
    for unit in Unit.objects.filter(territory=main).prefetch_related("events"):
        events = list(unit.events.all())
        assert events[0].action == "create"
        for before, after in zip(events, events[1:], strict=False):
            assert after.status_from == before.status_to
            assert after.occurred_on >= before.occurred_on
        assert events[-1].status_to == unit.status


def test_contingents_of_every_kind_with_a_yearly_target(main):
    quotas = ContingentQuota.objects.filter(territory=main)
    assert set(quotas.values_list("kind", flat=True)) == set(codes.Contingent.values)
    assert not quotas.filter(yearly_target=None).exists()
    assert quotas.get(kind=codes.Contingent.COMMUNE).yearly_target >= 30  # Marseille: at least 30 a year
    assert set(quotas.values_list("holder__kind", flat=True)) >= {"social_landlord", "reservation_holder"}
    designated = Counter(
        Proposal.objects.filter(territory=main)
        .exclude(status=P.CANDIDATE)
        .values_list("unit__contingent_kind", flat=True)
    )
    assert len(designated) >= 5


def test_residences_hand_about_30_percent_of_freed_units_to_the_siao(main):
    residences = Residence.objects.filter(territory=main)
    assert set(residences.values_list("kind", flat=True)) == set(codes.RESIDENCE_KINDS)
    freed = handed = 0
    for residence in residences:
        share = services.residence_share(residence)
        assert residence.units.count() == residence.places
        assert share["freed"] >= 3
        assert abs(share["share"] - 0.3) <= 0.2
        freed, handed = freed + share["freed"], handed + share["handed"]
    assert 0.25 <= handed / freed <= 0.36
    assert not UnitEvent.objects.filter(unit__residence=None, action="free").exclude(to_siao=None).exists()


def test_capture_pipeline_at_every_stage_with_incentives_and_targets(main):
    prospects = CaptureProspect.objects.filter(territory=main)
    stages = Counter(prospects.values_list("stage", flat=True))
    assert set(stages) == set(codes.CaptureStage.values)
    refused = prospects.filter(stage=codes.CaptureStage.REFUSED)
    assert 0.15 <= refused.count() / prospects.count() <= 0.35 and not refused.filter(refusal_reason="").exists()
    captured = prospects.filter(stage__in=[codes.CaptureStage.AGREED, codes.CaptureStage.AVAILABLE])
    assert set(captured.values_list("mode", flat=True)) == set(codes.CaptureMode.values)
    modes = Counter(captured.values_list("mode", flat=True))
    assert modes.most_common(1)[0][0] == codes.CaptureMode.MANDATE
    assert not prospects.filter(stage=codes.CaptureStage.AVAILABLE, unit=None).exists()
    for prospect in prospects.exclude(visited_on=None):
        assert prospect.contacted_on <= prospect.visited_on <= (prospect.decided_on or prospect.visited_on)
    incentives = Incentive.objects.filter(prospect__territory=main)
    assert set(incentives.values_list("amount", flat=True)) == {2000}
    assert incentives.filter(reason=codes.IncentiveReason.CAPTURE).count() >= 0.8 * captured.count()
    for incentive in incentives.filter(reason=codes.IncentiveReason.NEW_FAMILY).select_related("prospect"):
        assert incentive.prospect.mode == codes.CaptureMode.SUBLEASE
    targets = {t.label: t for t in CaptureTarget.objects.filter(territory=main)}
    grenoble = next(t for label, t in targets.items() if "285" in label)
    assert grenoble.units == 285 and grenoble.reserved_for_housing_first == 210 and "Grenoble" in grenoble.label
    assert {t.units for t in targets.values()} == {285, 225, 60, 1100}
    assert any("Aix-Marseille-Provence" in label for label in targets)
    progress = services.target_progress(grenoble)
    assert progress["captured"] > 20 and 0.6 <= progress["reserved"] / progress["captured"] <= 0.9


def test_demand_profiles(main):
    profiles = DemandProfile.objects.filter(household__territory=main)
    on_list = Household.objects.filter(territory=main).count()
    assert 200 <= profiles.count() < on_list
    eligible = profiles.filter(contingents__icontains=codes.Contingent.ACTION_LOGEMENT)
    assert eligible.exists()
    for profile in eligible.select_related("household"):
        assert profile.household.resources.filter(kind="salary").exists()
    publics = Counter(p for row in profiles.values_list("publics", flat=True) for p in row)
    assert set(publics) == set(codes.Public.values)


def _log(main):
    events = defaultdict(list)
    for e in ProposalEvent.objects.filter(proposal__territory=main).order_by("occurred_on", "pk"):
        events[e.proposal_id].append(e)
    return events


def test_every_proposal_meets_the_hard_constraints_or_carries_its_justification(main):
    rules = adapter.current_rules(main.pk)
    thresholds = adapter.engine_thresholds(rules)
    proposals = list(Proposal.objects.filter(territory=main).select_related("unit"))
    records = {
        r.id: r for r in adapter.engine_households(main.pk, timezone.localdate(), {p.household_id for p in proposals})
    }
    for proposal in proposals:
        reasons = set(
            constraints.why_not(records[proposal.household_id], adapter.engine_unit(proposal.unit), thresholds)
        )
        reasons -= MOMENT_REASONS
        if reasons:
            assert reasons <= {"commune_non_souhaitee", "commune_refusee"}, (proposal.pk, reasons)
            assert proposal.explanation.get("justification"), proposal.pk
    assert sum(bool(p.explanation.get("justification")) for p in proposals) >= 1
    # The moment's constraints, on the log: one open proposal per household at a time, never a unit
    # the household (or the committee) had declined before.
    log = _log(main)
    spans = defaultdict(list)
    declined = defaultdict(dict)
    opened_on = {}
    for proposal in proposals:
        events = log[proposal.pk]  # the run's candidates have no log of their own (written in bulk)
        opened = events[0].occurred_on if events else timezone.localdate(proposal.created_at)
        closed = next((e.occurred_on for e in events if e.status_to in codes.CLOSED_PROPOSAL), None)
        spans[proposal.household_id].append((opened, closed, proposal.pk))
        opened_on[proposal.pk] = opened
        if proposal.status in (P.COMMITTEE_REFUSED, P.HOUSEHOLD_REFUSED):
            declined[(proposal.household_id, proposal.unit_id)][proposal.pk] = closed
    for rows in spans.values():
        rows.sort()
        for (_, closed, _), (opened, _, _) in zip(rows, rows[1:], strict=False):
            assert closed is not None and closed <= opened
    for proposal in proposals:
        for other, on in declined.get((proposal.household_id, proposal.unit_id), {}).items():
            assert other == proposal.pk or opened_on[proposal.pk] <= on


def test_the_proposals_go_through_the_whole_life_cycle(main):
    proposals = Proposal.objects.filter(territory=main)
    statuses = Counter(proposals.values_list("status", flat=True))
    for status in (P.CANDIDATE, P.SENT, P.COMMITTEE_REFUSED, P.ALLOCATED, P.HOUSEHOLD_REFUSED, P.ENTERED, P.LAPSED):
        assert statuses[status] > 0, status
    assert set(proposals.exclude(committee_rank=None).values_list("committee_rank", flat=True)) == {1, 2, 3}
    assert ProposalEvent.objects.filter(proposal__territory=main, payload__decision=P.POSTPONED).exists()
    sides = Counter(proposals.exclude(refusal_reason=None).values_list("refusal_reason__side", flat=True))
    assert sides["household"] and sides["landlord"]
    legitimacy = Counter(
        proposals.filter(status=P.HOUSEHOLD_REFUSED).values_list("refusal_reason__legitimate", flat=True)
    )
    assert legitimacy[True] > legitimacy[False] > 0
    today = timezone.localdate()
    earliest = min(proposals.exclude(sent_on=None).values_list("sent_on", flat=True))
    assert 360 <= (today - earliest).days <= 560  # about 18 months of history
    for p in proposals.exclude(entered_on=None):
        assert (
            p.sent_on <= p.committee_on <= p.offered_on <= p.answered_on <= p.lease_signed_on <= p.entered_on <= today
        )


def test_calibration_of_decisions_refusals_and_delays(main):
    proposals = Proposal.objects.filter(territory=main)
    answered = proposals.exclude(answered_on=None)
    refused = answered.filter(status=P.HOUSEHOLD_REFUSED).count()
    assert 0.15 <= refused / answered.count() <= 0.35
    decisions = Counter(
        ProposalEvent.objects.filter(proposal__territory=main, action="decide").values_list(
            "payload__decision", flat=True
        )
    )
    assert decisions[P.COMMITTEE_REFUSED] / decisions.total() < 0.25
    assert decisions.most_common(1)[0][0] == P.ALLOCATED
    delays = [
        (p.entered_on - p.household.current_episode.entered_list_on).days / 30.44
        for p in proposals.filter(status=P.ENTERED).select_related("household__current_episode")
    ]
    assert len(delays) >= 40
    assert 2 <= statistics.fmean(delays) <= 14


def test_entries_took_the_households_off_the_list_as_housed(main):
    entered = Proposal.objects.filter(territory=main, status=P.ENTERED).select_related("household", "unit")
    for proposal in entered:
        household = proposal.household
        episode = Episode.objects.get(pk=household.current_episode_id)
        assert household.status == hcodes.HouseholdStatus.LEFT
        assert episode.exit_reason == hcodes.ExitReason.HOUSED and episode.left_on == proposal.entered_on
        assert episode.housed_in == codes.HOME_TYPE_OF_KIND[proposal.unit.kind]
        assert episode.entered_list_on <= proposal.entered_on
        assert HouseholdEvent.objects.filter(
            household=household, kind=EventKind.LIST_LEFT, occurred_on=proposal.entered_on
        ).exists()
        assert proposal.unit.status in (codes.UnitStatus.OCCUPIED, codes.UnitStatus.AVAILABLE)
        # The others of the unit and of the household lapsed at the entry.
        assert not Proposal.objects.filter(household=household, status__in=codes.ACTIVE_PROPOSAL).exists()


def test_one_finished_run_with_shortlists_to_review(main):
    run = MatchingRun.objects.get(territory=main)
    assert run.status == codes.RunStatus.DONE and run.task.status == Status.DONE
    candidates = Proposal.objects.filter(run=run, status=P.CANDIDATE)
    assert candidates.count() == run.stats["proposals"] > 10
    assert all(p.explanation.get("terms") for p in candidates)
    per_unit = Counter(candidates.values_list("unit_id", flat=True))
    assert max(per_unit.values()) <= 3
    assert len(set(candidates.values_list("household_id", flat=True))) == candidates.count()
