"""The demo measures (issue 4, point 10): every type at every stage, within the rules, calibrated.

Calibration ranges checked here (main territory, seed 2026, scale 1):
- 250–400 measures, VIAL the most frequent type, every status and every shipped type present; the
  second territory 8–40 measures;
- active VIAL measures, full weeks since activation: ≥ 75 % with 2–4 face-to-face meetings, ≥ 80 %
  of the weeks after the entry into the home with a home visit, 5–35 % below the agreed intensity;
  face-to-face meetings last 30–120 minutes, phone calls 10–30;
- ≥ 70 % of activated VIAL measures mobilise a health partner;
- of the VIAL measures ended with their goals met or handed over, ≥ 80 % record the household as
  housed; every outcome kind appears; employment names its contract type (≥ 3 kinds);
- Un chez-soi d'abord: ≥ 85 % of the activated measures do not end in rupture or non-adhesion;
- ends: goals met and hand-overs together outnumber ruptures; a few deaths, moves, non-adhesions.
"""

import re
from collections import Counter, defaultdict
from datetime import timedelta

import pytest
from django.db.models import Count
from django.utils import timezone

from lda.access.policy import actor_for, scope
from lda.accounts.models import Territory, User
from lda.demo.catalogue import AGGLO, DEMO_ACCOUNTS, MAIN
from lda.demo.measures import CHEF_SLISL, DOCUMENTED_OPERATOR, MEASURE_EVENT_KEYS
from lda.demo.territory import build_demo_territory, reset_demo_territories
from lda.households.models import EventKind, Household, HouseholdEvent, Person
from lda.measures import alert_job, codes, rules, services, statements, statements_data
from lda.measures.catalogue import DEFAULT_TYPES
from lda.measures.models import (
    Alert,
    FundingAgreement,
    Measure,
    MeasureDocument,
    MeasureEvent,
    MeasureType,
    Meeting,
    MonthlyStatement,
    Outcome,
    PartnerMobilisation,
    RenewalApproval,
    RenewalRequest,
    Review,
    StaffMember,
)
from tests.households.helpers import verified

S = codes.MeasureStatus
MEASURE_MODELS = (
    Measure,
    MeasureDocument,
    MeasureEvent,
    Review,
    RenewalRequest,
    RenewalApproval,
    Meeting,
    PartnerMobilisation,
    Outcome,
    Alert,
    StaffMember,
    FundingAgreement,
    MonthlyStatement,
    MeasureType,
)
NIR_LIKE = re.compile(r"\d[\d ]{11,}\d")
# Each of these service calls saves the measure once (`services._save`): the version counts them.
SAVING_EVENTS = {
    "contract_recorded",
    "sent",
    "activated",
    "entry_recorded",
    "review_recorded",
    "renewal_requested",
    "renewal_approval",
    "ended",
    "abandoned",
}


def snapshot():
    return sorted(
        Measure.objects.values_list(
            "household__reference",
            "type_version__measure_type__code",
            "status",
            "oriented_on",
            "activated_on",
            "ended_on",
            "planned_end_on",
        )
    ), Meeting.objects.count()


# --- builds of their own (rolled back) -----------------------------------------------------------


@pytest.mark.django_db
def test_the_measures_are_deterministic_and_reset_removes_them(settings, no_demo):
    settings.PRODUCTION = False
    build_demo_territory(seed=5, scale=0.1)
    first = snapshot()
    assert first[0] and first[1]
    reset_demo_territories()
    for model in MEASURE_MODELS:
        assert not model.objects.exists(), model
    build_demo_territory(seed=5, scale=0.1)
    assert snapshot() == first
    reset_demo_territories()
    build_demo_territory(seed=6, scale=0.1)
    assert snapshot() != first


# --- the default demo, built once for the module ---------------------------------------------------


@pytest.fixture
def main(demo, db):
    return Territory.objects.get(name=MAIN.name)


@pytest.fixture
def agglo(demo, db):
    return Territory.objects.get(name=AGGLO.name)


def code_of(measure):
    return measure.type_version.measure_type.code


def test_every_status_and_type_is_present(demo, main, agglo):
    measures = Measure.objects.filter(territory=main)
    assert 250 <= measures.count() <= 400
    statuses = Counter(measures.values_list("status", flat=True))
    assert set(statuses) == set(S.values)
    assert 3 <= statuses[S.SENT] <= 10  # a handful of contracts for the coordinator to activate
    assert statuses[S.ACTIVE] > statuses[S.SENT] + statuses[S.SIGNED] + statuses[S.ORIENTED]
    types = Counter(measures.values_list("type_version__measure_type__code", flat=True))
    assert set(types) == {spec["code"] for spec in DEFAULT_TYPES}
    assert types.most_common(1)[0][0] == "vial"
    assert 8 <= Measure.objects.filter(territory=agglo).count() <= 40
    assert demo.counts["mesures d'accompagnement"] == Measure.objects.count()
    assert demo.counts["rencontres"] == Meeting.objects.count() > 10000
    # One open measure of a type per household at a time; a start again points at the previous one.
    opened = Counter(
        Measure.objects.filter(status__in=codes.OPEN_STATUSES).values_list(
            "household_id", "type_version__measure_type_id"
        )
    )
    assert max(opened.values()) == 1
    for measure in Measure.objects.exclude(previous=None).select_related("previous"):
        assert measure.previous.status in (S.ENDED, S.ABANDONED)
        assert measure.previous.ended_on < measure.oriented_on


def test_no_measure_runs_longer_than_its_type_allows(main):
    today = timezone.localdate()
    measures = Measure.objects.select_related("type_version").prefetch_related("renewals", "reviews")
    for measure in measures:
        facts = services.facts_of(measure)
        type_rules = measure.rules
        if measure.activated_on is None:
            assert measure.planned_end_on is None and measure.next_review_on is None
            continue
        end = rules.end_on(type_rules, facts)
        latest = rules.latest_end_on(type_rules, measure.activated_on)
        assert end <= latest, measure
        # What `services._save` would have stored.
        assert measure.planned_end_on == end
        review = rules.next_review(type_rules, facts, today) if measure.status == S.ACTIVE else None
        assert measure.next_review_on == (review.due_on if review else None)
        if measure.status == S.ENDED:
            assert measure.activated_on <= measure.ended_on <= min(end, latest, today)
        if measure.status == S.ACTIVE:
            assert measure.ended_on is None and end >= today  # nothing active past its planned end


def test_the_life_cycle_dates_and_the_log_agree(main):
    today = timezone.localdate()
    contracts = set(MeasureDocument.objects.filter(kind="contract").values_list("measure_id", flat=True))
    events = defaultdict(list)
    for measure_id, kind in MeasureEvent.objects.order_by("occurred_on", "recorded_at", "pk").values_list(
        "measure_id", "kind"
    ):
        events[measure_id].append(kind)
    for m in Measure.objects.all():
        kinds = events[m.pk]
        assert kinds[0] == "oriented"
        assert m.version == 1 + sum(kind in SAVING_EVENTS for kind in kinds), m
        dates = [d for d in (m.oriented_on, m.contract_signed_on, m.sent_on, m.activated_on) if d]
        assert dates == sorted(dates) and dates[-1] <= today
        if m.status == S.ORIENTED:
            assert m.contract_signed_on is None and m.sent_on is None
        if m.status != S.ORIENTED and m.contract_signed_on:
            assert m.pk in contracts
        if m.status == S.SIGNED:
            assert m.contract_signed_on and m.sent_on is None and m.activated_on is None
        if m.status == S.SENT:
            assert m.sent_on and m.activated_on is None
        if m.status in (S.ACTIVE, S.ENDED):
            # Active only on the coordinator's activation, with the signed contract.
            assert m.activated_on and m.activated_by_id and m.pk in contracts
            assert m.activated_by.memberships.get().role == "coordinator"
            assert "activated" in kinds
        if m.status == S.ABANDONED:
            assert m.activated_on is None and m.ended_on and m.end_reason in codes.ABANDON_REASONS
            assert kinds[-1] == "abandoned"
        if m.status == S.ENDED:
            assert kinds[-1] == "ended" and m.end_reason in codes.EndReason.values
        if m.housing_entry_on:
            assert m.housing_entry_on >= m.oriented_on and m.sent_on and "entry_recorded" in kinds


def test_every_approved_renewal_has_every_approval_its_type_requires(main):
    by_measure = defaultdict(list)
    for request in RenewalRequest.objects.select_related("measure__type_version").prefetch_related("approvals__user"):
        by_measure[request.measure_id].append(request)
    derogations = Counter()
    for requests in by_measure.values():
        measure = requests[0].measure
        type_rules = measure.rules
        granted = []
        for request in sorted(requests, key=lambda r: (r.decided_on or r.requested_on, r.pk)):
            given = {a.approver: a.approved for a in request.approvals.all()}
            facts = rules.MeasureFacts(activated_on=measure.activated_on, renewals=tuple(granted))
            # Each renewal fits the rules as they stood when it was asked (and granted).
            rules.check_renewal(type_rules, facts, request.months, request.derogation)
            assert rules.renewal_decision(type_rules, request.derogation, given) == request.status
            for approval in request.approvals.all():
                assert approval.approver in services.approver_codes(actor_for(verified(approval.user)), measure)
            if request.status == codes.RenewalStatus.APPROVED:
                required = rules.required_approvers(type_rules, request.derogation)
                assert set(given) == set(required) and all(given.values())
                assert request.decided_on <= measure.planned_end_on
                granted.append(rules.Renewal(request.months, request.derogation))
            derogations[(request.derogation, request.status)] += 1
    assert derogations[(True, codes.RenewalStatus.APPROVED)] == 1
    assert derogations[(False, codes.RenewalStatus.APPROVED)] > 20
    assert derogations[(False, codes.RenewalStatus.REQUESTED)] == 1
    assert derogations[(True, codes.RenewalStatus.REQUESTED)] == 1
    derogation = RenewalRequest.objects.get(derogation=True, status=codes.RenewalStatus.APPROVED)
    assert {a.user.email for a in derogation.approvals.all()} >= {CHEF_SLISL}
    assert derogation.measure.planned_end_on == rules.latest_end_on(
        derogation.measure.rules, derogation.measure.activated_on
    )


def test_the_chef_slisl_is_a_documented_account_with_a_derogation_to_agree_to(main):
    assert CHEF_SLISL in {a.email for a in DEMO_ACCOUNTS}
    chef = User.objects.get(email=CHEF_SLISL)
    waiting = RenewalRequest.objects.get(derogation=True, status=codes.RenewalStatus.REQUESTED)
    assert services.approver_codes(actor_for(chef), waiting.measure) == ["chef_slisl"]
    assert list(waiting.approvals.values_list("approver", flat=True)) == ["coordinator"]
    alerts = scope(chef, Alert.objects.filter(closed_at=None))
    assert alerts.filter(kind="renewal_waiting", approver="chef_slisl", measure=waiting.measure).exists()
    assert scope(chef, Measure.objects.all()).filter(pk=waiting.measure_id).exists()


def test_envaul_households_have_a_person_aged_18_to_25(main):
    envaul = Measure.objects.filter(type_version__measure_type__code="envaul")
    assert envaul.count() >= 5
    births = defaultdict(list)
    for household_id, birth in Person.objects.filter(household__measures__in=envaul).values_list(
        "household_id", "birth_date"
    ):
        births[household_id].append(birth)
    for measure in envaul:
        ages = [(measure.oriented_on - birth).days / 365.25 for birth in births[measure.household_id] if birth]
        assert any(18 <= age < 26 for age in ages), measure


def test_the_documented_operator_has_a_caseload_needing_attention(main):
    worker = User.objects.get(email=DOCUMENTED_OPERATOR)
    caseload = Measure.objects.filter(referent__user=worker)
    active = caseload.filter(status=S.ACTIVE)
    assert 15 <= active.count() <= 25 and caseload.exclude(status=S.ACTIVE).exists()
    assert set(caseload.values_list("operator_id", flat=True)) == {worker.memberships.get().organisation_id}
    open_alerts = Alert.objects.filter(measure__in=active, closed_at=None, audience="operator")
    kinds = set(open_alerts.values_list("kind", flat=True))
    assert len(kinds & {"review_due", "review_overdue", "end_approaching", "pre_housing_exceeded"}) >= 3
    assert open_alerts.values("measure").distinct().count() >= 5
    assert active.filter(renewals__status=codes.RenewalStatus.REQUESTED).exists()
    # She reaches all of them (through the policy) and sees her operator's alerts.
    assert scope(worker, Measure.objects.filter(pk__in=caseload.values("pk"))).count() == caseload.count()
    assert scope(worker, Alert.objects.filter(closed_at=None, audience="operator")).count() >= open_alerts.count()


def test_the_coordinator_has_contracts_to_activate_and_exits_to_read(main):
    coordinator = verified(User.objects.get(email="coordination@demo.lda.fr"))
    inbox = scope(coordinator, Alert.objects.filter(closed_at=None, audience="coordinator"))
    waiting = inbox.filter(kind="contract_waiting")
    assert waiting.count() == Measure.objects.filter(territory=main, status=S.SENT).count() >= 3
    assert 2 <= inbox.filter(kind="exit").count() <= 15
    assert not inbox.exclude(territory=main).exists()
    # Every end and abandonment reached the coordinator (most already read).
    ended = Measure.objects.filter(status__in=(S.ENDED, S.ABANDONED))
    assert Alert.objects.filter(kind="exit", measure__in=ended).values("measure").distinct().count() == ended.count()
    assert Alert.objects.filter(kind="exit", closed_at__isnull=False).count() > 100


def test_the_alerts_are_those_the_daily_job_raises(main, agglo):
    today = timezone.localdate()
    for territory in (main, agglo):
        result = alert_job.raise_due(territory=territory, today=today)
        assert result["raised"] == 0 and result["closed"] == 0 and result["reopened"] == 0
    assert (
        not Alert.objects.filter(closed_at=None, measure__status__in=(S.ENDED, S.ABANDONED))
        .exclude(kind="exit")
        .exists()
    )
    assert not Alert.objects.filter(emailed_at=None).exists()  # the demo sends no e-mail at start
    for alert in Alert.objects.filter(closed_at__isnull=False):
        assert alert.raised_at <= alert.closed_at <= timezone.now()


def test_the_teams_are_multidisciplinary_and_referents_belong_to_them(main):
    operators = Measure.objects.values_list("operator_id", flat=True).distinct()
    for organisation_id in operators:
        staff = StaffMember.objects.filter(organisation_id=organisation_id)
        professions = set(staff.values_list("profession", flat=True))
        assert 5 <= staff.count() <= 12
        assert {"social_worker", "psychologist", "psychiatric_nurse", "peer_worker", "manager"} <= professions
        assert "housing_adviser" in professions
        accounts = set(
            User.objects.filter(
                memberships__organisation_id=organisation_id, memberships__role="social_worker"
            ).values_list("pk", flat=True)
        )
        assert accounts <= set(staff.values_list("user_id", flat=True))
    assert StaffMember.objects.filter(user__email=DOCUMENTED_OPERATOR, profession="social_worker").exists()
    for measure in Measure.objects.exclude(referent=None).select_related("referent"):
        assert measure.referent.organisation_id == measure.operator_id
        assert measure.referent.profession in ("social_worker", "educator", "housing_adviser", "job_coach")
    # The referent is named with the contract.
    assert not Measure.objects.filter(referent=None).exclude(contract_signed_on=None).exists()
    assert not Measure.objects.filter(contract_signed_on=None).exclude(referent=None).exists()
    assert not Measure.objects.filter(contract_signed_on=None, sliding_lease=True).exists()
    staff_of = dict(StaffMember.objects.values_list("pk", "organisation_id"))
    for measure_id, operator_id, staff_id in Meeting.objects.values_list(
        "measure_id", "measure__operator_id", "staff_id"
    ):
        assert staff_id is None or staff_of[staff_id] == operator_id


def _weeks(measure, today):
    face = set(codes.FACE_TO_FACE)
    meetings = [
        (day, kind in face, kind == "home_visit") for day, kind in measure.meetings.values_list("held_on", "kind")
    ]
    agreed = [
        rules.Agreed(
            measure.activated_on, measure.type_version.meetings_per_week, measure.type_version.home_visits_per_week
        )
    ]
    agreed += [rules.Agreed(r.held_on, r.meetings_per_week, r.home_visits_per_week) for r in measure.reviews.all()]
    start = measure.activated_on + timedelta(days=7 - measure.activated_on.weekday())  # first full week
    end = today - timedelta(days=today.weekday() + 1)  # last full week's Sunday
    return [w for w in rules.weekly_intensity(meetings, agreed, start, end) if w.monday + timedelta(days=6) <= end]


def test_meetings_are_calibrated_on_vial(main):
    today = timezone.localdate()
    weeks, in_range, after_entry, with_visit, below = 0, 0, 0, 0, 0
    active = Measure.objects.filter(territory=main, type_version__measure_type__code="vial", status=S.ACTIVE)
    for measure in active.select_related("type_version").prefetch_related("reviews"):
        for week in _weeks(measure, today):
            weeks += 1
            in_range += 2 <= week.meetings <= 4
            below += week.below
            if measure.housing_entry_on and week.monday >= measure.housing_entry_on:
                after_entry += 1
                with_visit += week.home_visits >= 1
    assert weeks > 1000
    assert in_range / weeks >= 0.75
    assert with_visit / after_entry >= 0.80
    assert 0.05 <= below / weeks <= 0.35
    durations = Meeting.objects.values("kind").annotate(n=Count("pk"))
    assert {row["kind"] for row in durations} == set(codes.MeetingKind.values)
    for kind, minutes in Meeting.objects.values_list("kind", "duration_minutes").distinct():
        assert (10 <= minutes <= 30) if kind == "phone" else (30 <= minutes <= 120)
    # Meetings fall within the measure: from the contract on, not after its end nor today.
    for held_on, oriented_on, ended_on in Meeting.objects.values_list(
        "held_on", "measure__oriented_on", "measure__ended_on"
    ):
        assert oriented_on <= held_on <= (ended_on or today)


def test_partners_and_outcomes_are_plausible(main):
    vial = Measure.objects.filter(territory=main, type_version__measure_type__code="vial", activated_on__isnull=False)
    with_health = vial.filter(partners__category="health").distinct().count()
    assert with_health / vial.count() >= 0.7
    for kind, category in PartnerMobilisation.objects.values_list("kind", "category").distinct():
        assert codes.PARTNER_CATEGORY[kind] == category
    assert set(PartnerMobilisation.objects.values_list("category", flat=True)) == set(codes.PartnerCategory.values)

    good = vial.filter(status=S.ENDED, end_reason__in=("goals_met", "handed_over"))
    housed = Outcome.objects.filter(measure__in=good, kind="housed").values("measure").distinct().count()
    assert good.count() >= 15 and housed / good.count() >= 0.8
    assert set(Outcome.objects.values_list("kind", flat=True)) == set(codes.OutcomeKind.values)
    for kind, contract in Outcome.objects.values_list("kind", "contract_type"):
        assert (contract in codes.ContractType.values) if kind == "employment" else contract == ""
    assert len(set(Outcome.objects.filter(kind="employment").values_list("contract_type", flat=True))) >= 3
    for outcome in Outcome.objects.select_related("measure", "review"):
        m = outcome.measure
        assert m.activated_on and m.activated_on <= outcome.recorded_on <= (m.ended_on or timezone.localdate())
        assert outcome.at_end == (outcome.review_id is None)
        if outcome.review_id:
            assert outcome.recorded_on == outcome.review.held_on
        else:
            assert outcome.recorded_on == m.ended_on
    assert Outcome.objects.filter(kind="sublease", measure__sliding_lease=False).count() == 0

    chez_soi = Measure.objects.filter(type_version__measure_type__code="chez_soi", activated_on__isnull=False)
    broken = chez_soi.filter(end_reason__in=codes.RUPTURE_REASONS).count()
    assert chez_soi.count() >= 10 and broken / chez_soi.count() <= 0.15


def test_ends_name_their_reason_and_the_follow_on(main):
    ended = Measure.objects.filter(territory=main, status=S.ENDED).select_related("type_version")
    reasons = Counter(ended.values_list("end_reason", flat=True))
    assert set(reasons) == set(codes.EndReason.values)
    assert reasons["goals_met"] + reasons["handed_over"] > reasons["rupture"]
    assert 1 <= reasons["deceased"] <= 0.05 * ended.count()
    for measure in ended:
        if measure.end_reason == "handed_over" or (
            measure.end_reason == "goals_met" and measure.type_version.hand_over_required
        ):
            assert measure.follow_on in codes.FollowOn.values, measure
        else:
            assert measure.follow_on == "" or measure.end_reason == "goals_met"


def test_reviews_follow_the_schedule_and_agree_an_intensity(main):
    today = timezone.localdate()
    obstacles = []
    for measure in (
        Measure.objects.filter(activated_on__isnull=False)
        .select_related("type_version")
        .prefetch_related("reviews", "renewals")
    ):
        schedule = {r.month: r for r in rules.review_schedule(measure.rules, services.facts_of(measure))}
        held = sorted(measure.reviews.all(), key=lambda r: r.month)
        months = {r.month for r in held}
        for review in held:  # in order: only an informal review may have been let go before one held
            assert all(m in months or schedule[m].informal for m in schedule if m < review.month)
        for review in held:
            assert review.informal == schedule[review.month].informal
            assert measure.activated_on <= review.held_on <= (measure.ended_on or today)
            assert 0 <= review.home_visits_per_week <= review.meetings_per_week <= 21
            obstacles.append(review.obstacles)
    assert len(obstacles) > 300 and sum(bool(o) for o in obstacles) > 0.6 * len(obstacles)
    assert Review.objects.filter(informal=True, month=3).exists()
    let_go = Measure.objects.filter(type_version__measure_type__code="vial", reviews__month=6).exclude(reviews__month=3)
    assert let_go.exists()  # an informal review nobody recorded
    assert Review.objects.filter(month=18).exists() and Review.objects.filter(month=24).exists()
    texts = obstacles + list(Measure.objects.values_list("follow_on_name", flat=True))
    texts += list(PartnerMobilisation.objects.values_list("name", flat=True))
    assert not [t for t in texts if NIR_LIKE.search(t)]


def test_activations_and_ends_reach_the_household(main):
    events = defaultdict(list)
    for household_id, kind, payload in HouseholdEvent.objects.filter(
        kind__in=(EventKind.MEASURE_ACTIVATED, EventKind.MEASURE_ENDED)
    ).values_list("household_id", "kind", "payload"):
        assert set(payload) == MEASURE_EVENT_KEYS[kind]
        events[household_id].append((kind, payload["measure"]))
    latest = {}
    for measure in Measure.objects.select_related("type_version__measure_type").order_by("activated_on", "pk"):
        code = code_of(measure)
        if measure.activated_on:
            assert (EventKind.MEASURE_ACTIVATED, code) in events[measure.household_id]
            latest[measure.household_id] = measure.operator_id
        if measure.status in (S.ENDED, S.ABANDONED):
            assert (EventKind.MEASURE_ENDED, code) in events[measure.household_id]
    # `services.activate` makes the operator the household's accompanying organisation.
    accompanying = dict(Household.objects.filter(pk__in=latest).values_list("pk", "accompanying_organisation_id"))
    assert accompanying == latest


def test_funding_agreements_and_monthly_statements(main):
    today = timezone.localdate()
    vial = MeasureType.objects.get(territory=main, code="vial")
    version = vial.current
    vial_operators = set(
        Measure.objects.filter(type_version__measure_type=vial, activated_on__isnull=False).values_list(
            "operator_id", flat=True
        )
    )
    agreements = FundingAgreement.objects.filter(measure_type=vial)
    assert {(a.operator_id, a.year) for a in agreements} >= {
        (operator, year) for operator in vial_operators for year in (today.year - 1, today.year)
    }
    for agreement in agreements:
        assert agreement.households_funded > 0 and agreement.signed_on <= today
        assert agreement.advance_paid == statements.to_cent(
            version.unit_cost * agreement.households_funded * version.advance_share
        )
    over = [a for a in agreements if a.indirect_costs and a.year < today.year]
    assert over, "last year's indirect costs are declared"
    sent = MonthlyStatement.objects.filter(territory=main)
    assert set(sent.values_list("operator_id", flat=True)) == vial_operators
    for statement in sent:
        assert 1 <= statement.month < today.month and statement.year == today.year
        assert statement.sent_at.date() > statements.month_bounds(statement.year, statement.month)[1]
        start, end = statements.month_bounds(statement.year, statement.month)
        measures = statements_data.overlapping(Measure.objects.filter(operator_id=statement.operator_id), start, end)
        spans = statements_data.spans_of(measures)
        current = statements.to_json(statements.month_statement(spans, statement.year, statement.month, today))
        assert statements.differences(statement.figures, current) == []  # computed from the records
