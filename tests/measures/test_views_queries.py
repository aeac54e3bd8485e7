"""The measure pages issue a bounded number of SQL queries whatever the number of measures,
meetings, reviews, renewals and log entries; and the caseload's words agree with the engine."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from lda.access.policy import actor_for
from lda.accounts.roles import Role
from lda.measures import catalogue, rules, services
from lda.measures.models import Measure, MeasureTypeVersion
from lda.measures.views import attention
from tests.conftest import sign_in
from tests.households.helpers import author_of, make_household, organisation_of, verified
from tests.measures.helpers import PDF, active_measure, open_measure

TODAY = timezone.localdate
LIST_QUERIES = 25
CASELOAD_QUERIES = 20
DETAIL_QUERIES = 40


@pytest.fixture
def coordinator(users):
    return verified(users[Role.COORDINATOR])


@pytest.fixture
def operator(users):
    return users[Role.SOCIAL_WORKER]


def _measures(coordinator, operator, count, start=0):
    """`count` measures of the operator, one in three active (the others oriented)."""
    for index in range(start, start + count):
        household = make_household(coordinator, last_name=f"Nom{index}")
        if index % 3 == 0:
            active_measure(coordinator, operator, household=household)
        else:
            open_measure(coordinator, operator, household=household)


def _count(client, path) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(path)
    assert response.status_code == 200
    return len(context)


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.SOCIAL_WORKER])
def test_the_list_and_the_caseload_do_not_grow_with_the_measures(users, coordinator, operator, role):
    client = sign_in(Client(), users[role])
    pages = [reverse("measures:list"), reverse("measures:list") + "?statut=tous&alerte=on"]
    if role == Role.SOCIAL_WORKER:
        pages.append(reverse("measures:caseload"))
    _measures(coordinator, operator, 5)
    few = [_count(client, page) for page in pages]
    _measures(coordinator, operator, 55, start=5)
    many = [_count(client, page) for page in pages]
    assert Measure.objects.count() == 60
    assert many == few
    assert max(many) <= max(LIST_QUERIES, CASELOAD_QUERIES)


def test_the_queue_of_contracts_does_not_grow_with_the_contracts(users, coordinator, operator):
    def sent(count, start):
        for index in range(start, start + count):
            measure = open_measure(coordinator, operator, household=make_household(coordinator, last_name=f"N{index}"))
            measure = services.record_contract(measure, TODAY(), PDF, author_of(operator), None)
            services.send(measure, TODAY(), author_of(operator), None)

    client = sign_in(Client(), users[Role.COORDINATOR])
    sent(2, 0)
    few = _count(client, reverse("measures:to_activate"))
    sent(10, 2)
    assert _count(client, reverse("measures:to_activate")) == few <= LIST_QUERIES


def _busy(coordinator, operator, *, meetings, renewals, reviews, referent_changes):
    """An active VIAL measure with reviews, granted renewals, meetings and log entries."""
    measure = active_measure(
        coordinator, operator, household=make_household(coordinator), activated_on=TODAY() - timedelta(days=700)
    )
    author = author_of(operator)
    for month in (3, 6, 12)[:reviews]:
        data = services.ReviewData(
            month=month,
            held_on=rules.add_months(measure.activated_on, month),
            meetings_per_week=3,
            home_visits_per_week=1,
            obstacles="Freins",
            outcomes=[services.OutcomeData("housed"), services.OutcomeData("employment", "cdd")],
        )
        services.record_review(measure, data, author, None)
    for _ in range(renewals):
        request = services.request_renewal(measure, 6, False, TODAY(), author, None)
        services.decide_renewal(request, "coordinator", True, author_of(coordinator), actor_for(coordinator))
    for index in range(meetings):
        services.record_meeting(
            measure,
            services.MeetingData(held_on=TODAY() - timedelta(days=index % 300), kind="home_visit", duration_minutes=45),
            author,
        )
    staff = services.add_staff(organisation_of(operator), services.StaffData("Ana", "Lopez", "social_worker"))
    for index in range(referent_changes):
        services.change_referent(Measure.objects.get(pk=measure.pk), staff if index % 2 == 0 else None, author, None)
    return Measure.objects.get(pk=measure.pk)


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.SOCIAL_WORKER])
def test_the_measure_page_does_not_grow_with_meetings_reviews_renewals_and_events(users, coordinator, operator, role):
    small = _busy(coordinator, operator, meetings=1, renewals=1, reviews=1, referent_changes=1)
    large = _busy(coordinator, operator, meetings=60, renewals=2, reviews=3, referent_changes=20)
    client = sign_in(Client(), users[role])
    few = _count(client, reverse("measures:detail", args=[small.pk]))
    many = _count(client, reverse("measures:detail", args=[large.pk]))
    assert many == few <= DETAIL_QUERIES


# --- the caseload's words agree with the engine's alerts -----------------------------------------


# VIAL's rules as shipped, on an unsaved version: the check below needs no database.
VIAL = MeasureTypeVersion(
    **{name: value for name, value in catalogue.DEFAULT_TYPES[0].items() if name in services.VERSION_FIELDS}
)


@settings(max_examples=150, deadline=None)
@given(
    activated=st.dates(min_value=date(2023, 1, 1), max_value=date(2026, 12, 31)),
    offset=st.integers(min_value=0, max_value=1000),
    entry_after=st.one_of(st.none(), st.integers(min_value=-30, max_value=200)),
    held=st.sets(st.sampled_from([3, 6, 12, 18, 24])),
    renewals=st.lists(st.booleans(), max_size=3),
)
def test_the_caseload_flags_agree_with_the_engines_alerts(activated, offset, entry_after, held, renewals):
    """For an active measure, the caseload says 'review overdue',
    'review to do', 'end within 30 days' and 'entry awaited' exactly when the engine raises the
    matching alert."""
    version = VIAL
    today = activated + timedelta(days=offset)
    entry = activated + timedelta(days=entry_after) if entry_after is not None else None
    if entry is not None and entry > today:
        entry = None
    facts = rules.MeasureFacts(
        activated_on=activated,
        housing_entry_on=entry,
        renewals=tuple(rules.Renewal(6, derogation) for derogation in renewals),
        reviews_held=tuple(sorted(held)),
    )
    measure = Measure(type_version=version, status="active", activated_on=activated, housing_entry_on=entry)
    flags = attention(measure, facts, today)
    alerts = {a.kind for a in rules.alerts_due(version.rules(), facts, today)}
    assert ("review_overdue" in alerts) == any(f.startswith("Bilan en retard") for f in flags)
    assert ("review_due" in alerts) == any(" à faire d'ici le " in f for f in flags)
    assert ("end_approaching" in alerts) == any("dans moins de 30 jours" in f for f in flags)
    assert ("pre_housing_exceeded" in alerts) == any(f.startswith("Entrée dans le logement attendue") for f in flags)
    end = rules.end_on(version.rules(), facts)
    assert (end < today) == any(f.startswith("Fin prévue dépassée") for f in flags)
