"""The demo households (item 12): plausible, consistent with the services, calibrated on the seeds."""

import re
import statistics
from collections import Counter, defaultdict
from datetime import timedelta

import pytest
from django.db.models import Count, Q
from django.utils import timezone

from lda.accounts.models import Territory, User
from lda.demo.catalogue import AGGLO, MAIN
from lda.demo.households import COMMUNES, DOCUMENTED_CASELOAD
from lda.demo.measures import MEASURE_EVENT_KEYS
from lda.demo.territory import build_demo_territory, reset_demo_territories
from lda.households import codes, ethos, services
from lda.households.ethos import KINDS
from lda.households.figures_data import figures_for_territory
from lda.households.models import (
    Commission,
    CommissionCase,
    Commitment,
    Episode,
    EventKind,
    Household,
    HouseholdEvent,
    LivingSituation,
    Need,
    Orientation,
    Person,
    Referral,
    Resource,
)
from lda.households.normalise import name_key
from tests.households.helpers import author_of, make_household, orient

DAYS_PER_MONTH = 30.44
HOUSEHOLD_MODELS = (
    Household,
    Person,
    Resource,
    Need,
    LivingSituation,
    Episode,
    Referral,
    Orientation,
    HouseholdEvent,
    Commission,
    CommissionCase,
    Commitment,
)
# Keys of the payloads written by commission.py (add_case, add_commitment, close_commitment).
COMMISSION_KEYS = {
    EventKind.COMMISSION_PRESENTED: {"commission"},
    EventKind.COMMITMENT_MADE: {"commitment", "organisation"},
    EventKind.COMMITMENT_CLOSED: {"commitment", "status"},
}
NIR_LIKE = re.compile(r"\d[\d ]{11,}\d")


def snapshot():
    households = sorted(
        Household.objects.values_list(
            "territory__name", "reference", "status", "current_ethos", "entered_list_on", "last_contact_on"
        )
    )
    persons = sorted(Person.objects.values_list("household__reference", "last_name", "first_name", "birth_date"))
    events = sorted(HouseholdEvent.objects.values_list("household__reference", "kind", "occurred_on"))
    return households, persons, events


# --- builds of their own (rolled back) -------------------------------------------------------------


@pytest.mark.django_db
def test_the_households_are_deterministic_for_a_seed(settings, no_demo):
    settings.PRODUCTION = False
    build_demo_territory(seed=11, scale=0.1)
    first = snapshot()
    assert len(first[0]) == 200 + 4
    reset_demo_territories()
    build_demo_territory(seed=11, scale=0.1)
    assert snapshot() == first
    reset_demo_territories()
    build_demo_territory(seed=12, scale=0.1)
    assert snapshot()[1] != first[1]


@pytest.mark.django_db
def test_reset_removes_every_household_row(settings, no_demo):
    settings.PRODUCTION = False
    build_demo_territory(seed=3, scale=0.1)
    assert all(model.objects.exists() for model in HOUSEHOLD_MODELS)
    reset_demo_territories()
    assert not Territory.objects.exists()
    for model in HOUSEHOLD_MODELS:
        assert not model.objects.exists(), model
    assert not Household.protected_viewers.through.objects.exists()
    assert not Commission.attendees.through.objects.exists()


# --- the default demo, built once for the module ---------------------------------------------------


@pytest.fixture
def main(demo, db):
    return Territory.objects.get(name=MAIN.name)


def test_seed_demo_stays_fast_and_counts_the_households(demo, main):
    # About 25 s on a quiet machine with the housing step (its proposals replayed through the
    # services; the matching solver is compiled beforehand, `conftest.py`). 83 s on SQLite and 110 s
    # on PostgreSQL were measured with two whole suites sharing the 2 cores; 150 s leaves room for a
    # loaded CI machine and still catches a runaway step (a quadratic one takes minutes).
    assert demo.seconds < 150
    assert Household.objects.filter(territory=main).count() == 2000
    assert Household.objects.filter(territory__name=AGGLO.name).count() == 40
    assert demo.counts["ménages"] == 2040
    assert demo.counts["événements de parcours"] == HouseholdEvent.objects.count()


def test_every_household_is_complete(main):
    households = Household.objects.select_related("created_by_organisation").annotate(
        heads=Count("persons", filter=Q(persons__is_head=True), distinct=True),
        referrals_=Count("referrals", distinct=True),
        situations_=Count("situations", distinct=True),
    )
    for household in households:
        assert household.heads == 1, household
        assert household.referrals_ >= 1 and household.situations_ >= 1
        assert re.fullmatch(r"\d{4}-\d{6}", household.reference)
        assert household.reference.startswith(str(timezone.localtime(household.created_at).year))
        assert household.created_by_organisation.territory_id == household.territory_id
    # References follow the order the files were opened, numbered per year.
    for territory in Territory.objects.all():
        rows = list(Household.objects.filter(territory=territory).order_by("created_at", "pk"))
        assert [h.reference for h in rows] == sorted(h.reference for h in rows)


def test_persons_are_plausible(main):
    persons = list(Person.objects.select_related("household"))
    assert len(persons) > 2000
    precisions = Counter(p.birth_date_precision for p in persons)
    assert precisions["day"] > 0.7 * len(persons) and precisions["year"] > 0
    for person in persons:
        assert person.name_key == name_key(person.last_name, person.first_name)
        assert person.birth_date < timezone.localdate()
        if person.birth_date_precision == "year":
            assert (person.birth_date.month, person.birth_date.day) == (1, 1)
        if person.role == codes.PersonRole.CHILD:
            assert person.birth_date > timezone.localdate() - timedelta(days=365 * 22)
    assert {p.sex for p in persons} == {"F", "M"}
    assert len({p.administrative_status for p in persons}) >= 5


def test_situations_form_a_history_without_overlap(main):
    by_household = defaultdict(list)
    for s in LivingSituation.objects.order_by("household_id", "started_on", "pk"):
        by_household[s.household_id].append(s)
    lengths = Counter()
    for household in Household.objects.all():
        history = by_household[household.pk]
        lengths[min(len(history), 5)] += 1
        for before, after in zip(history, history[1:], strict=False):
            assert before.ended_on == after.started_on
        assert history[-1].ended_on is None
        assert household.current_ethos == history[-1].ethos
        for s in history:
            assert s.ethos == KINDS[s.kind].ethos
    assert lengths[1] > 0 and lengths[2] > 0 and lengths[3] + lengths[4] > 0


def _kinds_and_keys_written_by_the_services(users):
    referent, coordinator = users["referent"], users["coordinator"]
    household = make_household(referent)
    author = author_of(referent)
    services.start_study(household.referrals.get(), author_of(coordinator))
    household.refresh_from_db()
    orient(coordinator, household, on=timezone.localdate() - timedelta(days=20))
    household.refresh_from_db()
    services.record_contact(household, author, timezone.localdate() - timedelta(days=10))
    services.record_need(household, author, "budget", "identified")
    services.record_resource(household, author, "rsa", 600)
    services.update_household(household, author, household.version, notes="Rendez-vous pris.")
    services.add_person(household, author, services.PersonData("Martin", "Noé", role="child"))
    services.record_situation(household, author, "hotel_115", timezone.localdate() - timedelta(days=5))
    household.refresh_from_db()
    services.leave_list(household, author, timezone.localdate() - timedelta(days=2), "housed", "social")
    household.refresh_from_db()
    services.return_to_list(household, author, timezone.localdate())
    written = defaultdict(set)
    for kind, payload in HouseholdEvent.objects.filter(household=household).values_list("kind", "payload"):
        written[kind].add(frozenset(payload))
    return written


def test_events_have_the_kinds_and_payload_keys_the_services_write(main, users):
    written = _kinds_and_keys_written_by_the_services(users)
    assert all(len(keys) == 1 for keys in written.values())
    expected = {kind: set(next(iter(keys))) for kind, keys in written.items()} | COMMISSION_KEYS | MEASURE_EVENT_KEYS
    demo_kinds = Counter()
    for kind, payload, sensitive in HouseholdEvent.objects.filter(
        territory__name__in=[MAIN.name, AGGLO.name]
    ).values_list("kind", "payload", "sensitive"):
        demo_kinds[kind] += 1
        assert set(payload) == expected[kind], kind
        assert all(isinstance(v, (int, str, bool, list)) or v is None for v in payload.values())  # codes and ids only
        if kind == EventKind.SITUATION_RECORDED:
            assert sensitive == (KINDS[payload["kind"]].sensitive or "")
        if kind == EventKind.NEED_RECORDED:
            assert sensitive == codes.NEED_SENSITIVE.get(payload["kind"], "")
    for kind in (
        EventKind.HOUSEHOLD_CREATED,
        EventKind.REFERRAL_RECEIVED,
        EventKind.SITUATION_RECORDED,
        EventKind.STUDY_STARTED,
        EventKind.ORIENTATION_DECIDED,
        EventKind.LIST_ENTERED,
        EventKind.LIST_LEFT,
        EventKind.LIST_RETURNED,
        EventKind.CONTACT_RECORDED,
        EventKind.NEED_RECORDED,
        EventKind.RESOURCE_RECORDED,
        EventKind.HOUSEHOLD_UPDATED,
        EventKind.COMMISSION_PRESENTED,
        EventKind.COMMITMENT_MADE,
        EventKind.COMMITMENT_CLOSED,
    ):
        assert demo_kinds[kind] > 0, kind


def test_events_agree_with_statuses_and_episodes(main):
    today = timezone.localdate()
    events = defaultdict(list)
    for e in HouseholdEvent.objects.order_by("occurred_on", "recorded_at", "pk"):
        events[e.household_id].append(e)
    referrals = {r.pk: r for r in Referral.objects.all()}
    orientations = {o.pk: o for o in Orientation.objects.all()}
    cases = set(CommissionCase.objects.values_list("household_id", flat=True))
    for household in Household.objects.select_related("current_episode"):
        episode = household.current_episode
        own = [e for e in events[household.pk] if e.episode_id == episode.pk]
        kinds = [e.kind for e in own]
        assert max(e.recorded_at for e in events[household.pk]) <= timezone.now()
        assert kinds.count(EventKind.REFERRAL_RECEIVED) == 1
        created_or_returned = EventKind.HOUSEHOLD_CREATED if episode.number == 1 else EventKind.LIST_RETURNED
        assert kinds.count(created_or_returned) == 1
        for e in events[household.pk]:
            if "referral" in e.payload:
                assert referrals[e.payload["referral"]].household_id == household.pk
            if "orientation" in e.payload:
                assert orientations[e.payload["orientation"]].household_id == household.pk
            assert e.occurred_on <= today or e.kind == EventKind.COMMISSION_PRESENTED
        decisions = [e for e in own if e.kind == EventKind.ORIENTATION_DECIDED]
        status = household.status
        if status == codes.HouseholdStatus.REFERRED:
            assert not decisions and EventKind.STUDY_STARTED not in kinds
        elif status == codes.HouseholdStatus.STUDY:
            assert not decisions and EventKind.STUDY_STARTED in kinds
        elif status == codes.HouseholdStatus.COMMISSION:
            assert decisions[-1].payload["decision"] == "commission" and household.pk in cases
        elif status in (codes.HouseholdStatus.REORIENTED, codes.HouseholdStatus.CLOSED):
            assert decisions[-1].payload["decision"] == status
            assert household.entered_list_on is None and episode.left_on == decisions[-1].occurred_on
        elif status == codes.HouseholdStatus.ON_LIST:
            assert EventKind.LIST_ENTERED in kinds and EventKind.LIST_LEFT not in kinds
            assert household.entered_list_on == episode.entered_list_on and episode.left_on is None
        elif status == codes.HouseholdStatus.LEFT:
            left = [e for e in own if e.kind == EventKind.LIST_LEFT]
            assert len(left) == 1 and left[0].occurred_on == episode.left_on
            assert left[0].payload["reason"] == episode.exit_reason
            assert left[0].payload["housed_in"] == episode.housed_in
            assert bool(episode.housed_in) == (episode.exit_reason == codes.ExitReason.HOUSED)
        else:
            pytest.fail(f"statut inattendu {status}")
        contacts = [e.occurred_on for e in events[household.pk] if e.kind == EventKind.CONTACT_RECORDED]
        assert household.last_contact_on == (max(contacts) if contacts else None)


def test_episodes_form_a_chain_and_some_households_return(main):
    by_household = defaultdict(list)
    for e in Episode.objects.order_by("household_id", "number"):
        by_household[e.household_id].append(e)
    returned = 0
    for household in Household.objects.all():
        chain = by_household[household.pk]
        assert [e.number for e in chain] == list(range(1, len(chain) + 1))
        assert chain[0].previous_id is None
        assert household.current_episode_id == chain[-1].pk
        for before, after in zip(chain, chain[1:], strict=False):
            assert after.previous_id == before.pk and before.left_on and after.opened_on > before.left_on
        returned += len(chain) > 1
    outside = Household.objects.exclude(episodes__left_on=None).count()
    assert 0.02 * outside <= returned <= 0.12 * outside
    assert (
        HouseholdEvent.objects.filter(kind=EventKind.LIST_RETURNED).count()
        == Episode.objects.filter(number__gt=1).count()
    )


def _housed(main):
    """(family of the situation lived at the exit, delay in days) of each housed episode of the main territory."""
    situations = defaultdict(list)
    for household_id, started, ethos_ in LivingSituation.objects.filter(household__territory=main).values_list(
        "household_id", "started_on", "ethos"
    ):
        situations[household_id].append((started, ethos_))
    rows = []
    for episode in Episode.objects.filter(household__territory=main, exit_reason=codes.ExitReason.HOUSED):
        lived = sorted(s for s in situations[episode.household_id] if s[0] <= episode.left_on)
        rows.append((ethos.family_of(lived[-1][1]), (episode.left_on - episode.entered_list_on).days))
    return rows


def test_calibration_on_the_seeds(main):
    housed = _housed(main)
    assert len(housed) > 500
    families = Counter(family for family, _ in housed)
    assert 0.40 <= families["street"] / len(housed) <= 0.60
    assert 0.12 <= families["shelter"] / len(housed) <= 0.30
    assert 0.20 <= families["family_friends"] / len(housed) <= 0.40
    mean_months = statistics.fmean(days for _, days in housed) / DAYS_PER_MONTH
    assert 5 <= mean_months <= 7.5
    exits = Counter(
        Episode.objects.filter(household__territory=main).exclude(exit_reason="").values_list("exit_reason", flat=True)
    )
    assert exits.most_common(1)[0][0] == codes.ExitReason.HOUSED
    assert 0 < exits[codes.ExitReason.DECEASED] < 0.05 * exits.total()
    assert (
        exits[codes.ExitReason.LOST_CONTACT] and exits[codes.ExitReason.MOVED_AWAY] and exits[codes.ExitReason.DECLINED]
    )
    homes = Counter(
        Episode.objects.filter(household__territory=main).exclude(housed_in="").values_list("housed_in", flat=True)
    )
    assert (
        homes.most_common(1)[0][0] == codes.HomeType.SOCIAL and homes[codes.HomeType.IML] and homes["pension_famille"]
    )


def test_the_figures_page_finds_the_same_calibration(main):
    today = timezone.localdate()
    table = figures_for_territory(main.pk, today - timedelta(days=3 * 365), today)
    assert table.housed.total > 500
    assert 0.40 <= table.housed_by_previous.count("street") / table.housed_by_previous.total <= 0.60
    assert 5 <= table.housing_delay.mean_months <= 7.5


def test_referrals_and_decisions_are_plausible(main):
    today = timezone.localdate()
    referrals = Referral.objects.filter(territory=main)
    assert referrals.filter(received_on__lt=today - timedelta(days=3 * 365 + 1)).count() == 0
    kinds = Counter(referrals.values_list("referrer_kind", flat=True))
    assert set(kinds) == set(codes.ReferrerKind.values) and kinds.most_common(1)[0][0] == codes.ReferrerKind.SIAO
    delays = list(
        Orientation.objects.filter(household__territory=main, referral__isnull=False).values_list(
            "delay_days", flat=True
        )
    )
    assert 7 <= statistics.median(delays) <= 42
    assert sum(7 <= d <= 42 for d in delays) > 0.75 * len(delays)
    decisions = Counter(Orientation.objects.filter(household__territory=main).values_list("decision", flat=True))
    assert set(decisions) == set(codes.Decision.values) and decisions.most_common(1)[0][0] == codes.Decision.ORIENTED


def test_the_documented_referent_has_a_caseload_of_about_100_needing_attention(main):
    referent = User.objects.get(email="referent@demo.lda.fr")
    caseload = Household.objects.filter(referent=referent, status__in=codes.ACTIVE_STATUSES)
    assert abs(caseload.count() - DOCUMENTED_CASELOAD) <= 15
    today = timezone.localdate()
    assert caseload.filter(last_contact_on__lt=today - timedelta(days=30)).count() >= 10
    assert caseload.filter(next_review_on__lt=today).count() >= 5
    assert Household.objects.filter(referent=referent).exclude(status__in=codes.ACTIVE_STATUSES).exists()
    assert set(caseload.values_list("referent_organisation__kind", flat=True)) == {"siao"}


def test_the_documented_social_worker_sees_the_households_accompanied_with_consent(main):
    worker = User.objects.get(email="operateur@demo.lda.fr")
    organisation = worker.memberships.get().organisation
    accompanied = Household.objects.filter(accompanying_organisation=organisation)
    visible = Household.objects.for_user(worker)
    with_consent = accompanied.filter(consent_given=True, consent_kinds__icontains='"association"')
    assert with_consent.count() >= 50
    assert set(with_consent.values_list("pk", flat=True)) <= set(visible.values_list("pk", flat=True))
    assert accompanied.filter(consent_given=False).exclude(pk__in=visible.values("pk")).exists()


def test_protected_files_name_who_may_see_where_they_are(main):
    protected = Household.objects.filter(protected=True)
    assert protected.count() >= 5
    for household in protected:
        viewers = set(household.protected_viewers.values_list("pk", flat=True))
        assert household.referent_id in viewers


def test_wishes_and_social_housing_demands(main):
    for territory_key, territory_name in ((MAIN.key, MAIN.name), (AGGLO.key, AGGLO.name)):
        codes_ = {code for code, _ in COMMUNES[territory_key]}
        for accepted, refused in Household.objects.filter(territory__name=territory_name).values_list(
            "accepted_communes", "refused_communes"
        ):
            assert set(accepted) <= codes_ and set(refused) <= codes_ and not set(accepted) & set(refused)
    households = Household.objects.filter(territory=main)
    assert households.exclude(accepted_communes=[]).count() > 500
    assert households.filter(sne_active=True).count() > 300 and households.filter(dalo_recognised=True).exists()
    for filed, renewed in households.exclude(sne_renewed_on=None).values_list("sne_filed_on", "sne_renewed_on"):
        assert renewed >= filed
    assert households.filter(priority_publics__icontains="single_parent").exists()


def test_free_text_is_never_an_identifier(main):
    texts = [
        *Household.objects.values_list("notes", flat=True),
        *Household.objects.values_list("whereabouts", flat=True),
        *Referral.objects.values_list("summary", flat=True),
        *Orientation.objects.values_list("comment", flat=True),
        *CommissionCase.objects.values_list("question", flat=True),
        *CommissionCase.objects.values_list("conclusion", flat=True),
        *Commitment.objects.values_list("action", flat=True),
        *LivingSituation.objects.values_list("detail", flat=True),
    ]
    assert sum(bool(t) for t in texts) > 2000
    assert not [t for t in texts if NIR_LIKE.search(t)]


def test_commissions_have_cases_and_commitments_some_overdue(main):
    today = timezone.localdate()
    commissions = Commission.objects.filter(territory=main)
    assert commissions.filter(held=True, held_on__lte=today).exists() and commissions.filter(held=False).exists()
    assert not commissions.filter(held=True, held_on__gt=today).exists()
    commitments = Commitment.objects.filter(case__commission__territory=main)
    assert commitments.filter(status=codes.CommitmentStatus.OPEN, due_on__lt=today).exists()
    assert not commitments.filter(status=codes.CommitmentStatus.DONE, done_on=None).exists()
    assert not commitments.exclude(status=codes.CommitmentStatus.DONE).exclude(done_on=None).exists()
    for case in CommissionCase.objects.filter(commission__territory=main).select_related("commission"):
        assert HouseholdEvent.objects.filter(
            household_id=case.household_id, kind=EventKind.COMMISSION_PRESENTED, payload__commission=case.commission_id
        ).exists()
