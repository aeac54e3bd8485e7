"""A measure's follow-up pages through the client: the meetings log, the weekly intensity, the
partners mobilised and the outcomes recorded outside a review; who may do what, 404 for other
organisations, French errors with nothing saved, and bounded queries."""

from datetime import timedelta

import pytest
from django.template.loader import render_to_string
from django.urls import reverse

from lda.access.policy import actor_for
from lda.accounts.roles import Role
from lda.audit.models import AccessLog
from lda.measures import activity, services
from lda.measures.models import Meeting, Outcome, PartnerMobilisation
from lda.measures.services import EndData, OutcomeData, ReviewData, StaffData
from tests.clock import reference_today
from tests.conftest import sign_in
from tests.factories import user_with_role
from tests.households.helpers import author_of, make_household, organisation_of, verified
from tests.measures.helpers import active_measure, open_measure

R = Role
TODAY = reference_today()


@pytest.fixture
def coordinator(users):
    return users[R.COORDINATOR]


@pytest.fixture
def worker(users):
    return users[R.SOCIAL_WORKER]


@pytest.fixture
def measure(users, coordinator, worker):
    """Active for a year, run by the social worker's organisation, for a household whose file the
    referent's organisation created (the referent sees the file, not its sensitive sections)."""
    household = make_household(users[R.REFERENT], consent_kinds=("association",))
    return active_measure(coordinator, worker, household=household)


@pytest.fixture
def staff(worker):
    return services.add_staff(organisation_of(worker), StaffData("Nadia", "Benali", "social_worker", user_id=worker.pk))


def _url(name, measure):
    return reverse(f"measure_activity:{name}", args=[measure.pk])


def _page(response) -> str:
    return response.content.decode()


# --- meetings ------------------------------------------------------------------------------------


def test_the_operator_records_a_meeting(client, measure, worker, staff):
    sign_in(client, worker)
    form = client.get(_url("meeting_add", measure))
    assert form.status_code == 200
    page = _page(form)
    assert "Visite à domicile" in page and "Accompagnement physique à un rendez-vous" in page
    assert f'<option value="{staff.pk}" selected>' in page  # the user's own staff record first
    response = client.post(
        _url("meeting_add", measure),
        {"held_on": TODAY.isoformat(), "kind": "home_visit", "duration_minutes": "45", "staff": staff.pk},
    )
    assert response.status_code == 302
    meeting = Meeting.objects.get(measure=measure)
    assert (meeting.kind, meeting.duration_minutes, meeting.staff, meeting.created_by) == (
        "home_visit",
        45,
        staff,
        worker,
    )


def test_meeting_errors_are_french_next_to_the_fields_and_nothing_is_saved(client, measure, worker, staff):
    other_team = services.add_staff(
        organisation_of(user_with_role(R.SOCIAL_WORKER, measure.territory)), StaffData("Jo", "Autre", "psychologist")
    )
    sign_in(client, worker)
    tomorrow = (TODAY + timedelta(days=1)).isoformat()
    response = client.post(
        _url("meeting_add", measure),
        {"held_on": tomorrow, "kind": "home_visit", "duration_minutes": "30", "staff": staff.pk},
    )
    assert response.status_code == 200
    assert "La date de la rencontre ne peut pas être dans le futur." in _page(response)
    assert f'value="{tomorrow}"' in _page(response)  # the input is kept
    response = client.post(
        _url("meeting_add", measure),
        {"held_on": TODAY.isoformat(), "kind": "", "duration_minutes": "0", "staff": other_team.pk},
    )
    page = _page(response)
    assert "Ce champ est obligatoire." in page
    assert "supérieure ou égale à 1" in page
    assert "Choisissez un membre actif de l&#x27;équipe de l&#x27;opérateur." in page
    assert 'aria-invalid="true"' in page and 'href="#id_duration_minutes"' in page
    assert not Meeting.objects.exists()


def test_a_former_team_member_is_not_offered(client, measure, worker, staff):
    gone = services.add_staff(organisation_of(worker), StaffData("Paul", "Parti", "educator"))
    services.set_staff_active(gone, False)
    sign_in(client, worker)
    page = _page(client.get(_url("meeting_add", measure)))
    assert "Benali" in page and "Parti" not in page
    response = client.post(
        _url("meeting_add", measure),
        {"held_on": TODAY.isoformat(), "kind": "outside", "duration_minutes": "30", "staff": gone.pk},
    )
    assert response.status_code == 200 and not Meeting.objects.exists()


def test_no_meeting_on_an_ended_measure(client, measure, worker):
    measure = services.end(
        measure,
        EndData(TODAY, "goals_met", follow_on="ccas", follow_on_name="CCAS de la commune"),
        author_of(worker),
        measure.version,
    )
    sign_in(client, worker)
    response = client.post(
        _url("meeting_add", measure), {"held_on": TODAY.isoformat(), "kind": "outside", "duration_minutes": "30"}
    )
    assert response.status_code == 200
    assert "la mesure est « Terminée »" in _page(response)
    assert not Meeting.objects.exists()


def test_another_operator_gets_404_and_the_refusal_is_logged(client, measure):
    stranger = user_with_role(R.SOCIAL_WORKER, measure.territory)
    sign_in(client, stranger)
    for name in ("meeting_add", "partner_add", "outcome_add", "meetings", "intensity"):
        assert client.get(_url(name, measure)).status_code == 404, name
    response = client.post(
        _url("meeting_add", measure), {"held_on": TODAY.isoformat(), "kind": "outside", "duration_minutes": "30"}
    )
    assert response.status_code == 404
    assert not Meeting.objects.exists()
    assert AccessLog.objects.filter(user_id=stranger.pk, action="denied", object_type="measure").exists()


def test_a_reader_who_sees_the_file_may_not_record(client, measure, users):
    """The referent reaches the measure through the household file: reads, records nothing. The
    measure's operator reaching it is checked after the scope: 404 for a social worker of the
    household's creating organisation who does not run it."""
    sign_in(client, users[R.REFERENT])
    assert client.get(_url("meetings", measure)).status_code == 200
    assert client.get(_url("meeting_add", measure)).status_code == 403
    creator_worker = user_with_role(R.SOCIAL_WORKER, measure.territory, organisation=organisation_of(users[R.REFERENT]))
    sign_in(client, creator_worker)
    assert client.get(_url("meetings", measure)).status_code == 200
    assert client.get(_url("meeting_add", measure)).status_code == 404


def test_the_meetings_log_is_paginated_and_logged(client, measure, worker, staff, coordinator):
    Meeting.objects.bulk_create(
        Meeting(measure=measure, held_on=TODAY - timedelta(days=n), kind="outside", duration_minutes=30, staff=staff)
        for n in range(35)
    )
    sign_in(client, coordinator)
    response = client.get(_url("meetings", measure))
    page = _page(response)
    assert "35 rencontres" in page and "Page 1 sur 2" in page
    assert page.count("<td>Rencontre à l&#x27;extérieur</td>") == 30
    assert "Enregistrer une rencontre" not in page  # the coordinator reads
    assert AccessLog.objects.filter(user_id=coordinator.pk, action="read", section="rencontres").exists()
    assert _page(client.get(_url("meetings", measure) + "?page=2")).count("<td>Rencontre à l&#x27;extérieur</td>") == 5


# Session, user, memberships, measure (scope), access log, count and page of meetings: 12 measured.
PAGE_QUERIES = 12


def _meetings(measure, staff, count):
    start = measure.activated_on
    Meeting.objects.bulk_create(
        Meeting(
            measure=measure,
            held_on=start + timedelta(days=n % 300),
            kind=("home_visit", "outside", "phone", "escort", "collective")[n % 5],
            duration_minutes=30,
            staff=staff,
        )
        for n in range(count)
    )


@pytest.mark.parametrize("count", [5, 200])
def test_the_meetings_log_queries_do_not_grow(client, measure, worker, staff, count, django_assert_max_num_queries):
    _meetings(measure, staff, count)
    sign_in(client, worker)
    with django_assert_max_num_queries(PAGE_QUERIES):
        response = client.get(_url("meetings", measure))
    assert _page(response).count(" min</td>") == min(count, 30)


@pytest.mark.parametrize("count", [5, 200])
def test_the_intensity_page_queries_do_not_grow(client, measure, worker, staff, count, django_assert_max_num_queries):
    _meetings(measure, staff, count)
    sign_in(client, worker)
    with django_assert_max_num_queries(PAGE_QUERIES):
        response = client.get(_url("intensity", measure))
    assert response.status_code == 200


# --- the section of the measure page -------------------------------------------------------------


def _section(measure, user):
    measure = type(measure).objects.select_related("type_version__measure_type", "household").get(pk=measure.pk)
    return activity.section(measure, actor_for(user), TODAY)


SECTION_QUERIES = 6  # meetings' days, latest meetings, reviews, partners, outcomes, viewer's organisations


@pytest.mark.parametrize("count", [5, 200])
def test_the_section_queries_do_not_grow(measure, worker, users, staff, count, django_assert_max_num_queries):
    _meetings(measure, staff, count)
    services.mobilise_partner(measure, "csapa", TODAY, author_of(worker))
    services.record_outcome(measure, OutcomeData("housed"), TODAY, author_of(worker))
    measure = type(measure).objects.select_related("type_version__measure_type", "household").get(pk=measure.pk)
    for user in (worker, users[R.REFERENT]):
        actor = actor_for(user)
        with django_assert_max_num_queries(SECTION_QUERIES):
            context = activity.section(measure, actor, TODAY)
            html = render_to_string("measures/_activity.html", context)
        assert context["activity"]["meeting_count"] == count
        assert html.count(" min</td>") == 5


def test_the_section_shows_weeks_below_the_agreed_intensity(measure, worker, staff):
    """VIAL: at least 3 meetings and 1 home visit a week. Last full week: 3 meetings, 1 home visit;
    the week before: 2 phone calls and one meeting — below."""
    last_monday = TODAY - timedelta(days=TODAY.weekday() + 7)
    week_before = last_monday - timedelta(days=7)
    for day, kind in [
        (last_monday, "home_visit"),
        (last_monday + timedelta(days=1), "outside"),
        (last_monday + timedelta(days=2), "escort"),
        (week_before, "phone"),
        (week_before + timedelta(days=1), "phone"),
        (week_before + timedelta(days=2), "outside"),
    ]:
        services.record_meeting(measure, services.MeetingData(day, kind, 30, staff.pk), author_of(worker))
    context = _section(measure, worker)["activity"]
    rows = {r.monday: r for r in context["recent_weeks"]}
    assert len(context["recent_weeks"]) == 12
    assert not rows[last_monday].below and rows[week_before].below
    html = render_to_string("measures/_activity.html", {"activity": context})
    assert "en dessous de l&#x27;intensité convenue" in html
    assert html.count("lda-intensity-below") == sum(1 for r in context["recent_weeks"] if r.below)
    assert "au moins 3 rencontres par semaine dont 1 visite à domicile" in html
    # Every complete week since the activation but one is below.
    weekly = context["intensity"]
    assert weekly.below == weekly.judged - 1


def test_the_intensity_follows_the_last_review(measure, worker, staff):
    held_on = measure.activated_on + timedelta(days=92)
    services.record_review(
        measure,
        ReviewData(month=3, held_on=held_on, meetings_per_week=1, home_visits_per_week=0),
        author_of(worker),
        measure.version,
    )
    measure.refresh_from_db()
    context = _section(measure, worker)["activity"]
    assert (context["agreed_meetings"], context["agreed_home_visits"], context["agreed_at_review"]) == (1, 0, True)
    weeks = context["intensity"].rows
    assert all(w.week.agreed_meetings == 1 for w in weeks if w.monday > held_on)
    assert all(w.week.agreed_meetings == 3 for w in weeks if w.sunday < held_on)


def test_the_intensity_page_shows_every_week(client, measure, users):
    sign_in(client, users[R.REFERENT])
    response = client.get(_url("intensity", measure))
    page = _page(response)
    weekly = activity.measure_intensity(measure, [], [], TODAY)
    assert page.count("lda-intensity-below") == weekly.below > 12
    assert f"{weekly.below} semaines en dessous de l&#x27;intensité convenue" in page
    assert "semaine incomplète, non comptée" in page
    assert AccessLog.objects.filter(action="read", section="intensite").exists()


def test_before_activation_the_section_says_the_measure_is_not_active(coordinator, worker):
    measure = open_measure(coordinator, worker)
    context = activity.section(measure, actor_for(worker), TODAY)
    assert context["activity"]["intensity"] is None
    html = render_to_string("measures/_activity.html", context)
    assert "La mesure n'est pas active" in html
    assert "Enregistrer une rencontre" in html and "Enregistrer un résultat" not in html


# --- partners ------------------------------------------------------------------------------------


def test_the_operator_mobilises_partners_shown_by_category(client, measure, worker, users):
    sign_in(client, worker)
    page = _page(client.get(_url("partner_add", measure)))
    assert '<optgroup label="Santé">' in page and "SSIAD précarité" in page
    for kind, name in [("csapa", "CSAPA du Port"), ("france_travail", ""), ("caf", "")]:
        response = client.post(_url("partner_add", measure), {"kind": kind, "name": name, "since": TODAY.isoformat()})
        assert response.status_code == 302
    categories = dict(PartnerMobilisation.objects.values_list("kind", "category"))
    assert categories == {"csapa": "health", "france_travail": "employment", "caf": "rights"}
    html = render_to_string("measures/_activity.html", _section(measure, worker))
    assert "CSAPA — CSAPA du Port" in html and "France Travail" in html
    assert html.index("Santé") < html.index("CSAPA") < html.index("Emploi et formation") < html.index("France Travail")
    # The referent sees the file but not its sensitive sections: health partners are masked.
    html = render_to_string("measures/_activity.html", _section(measure, users[R.REFERENT]))
    assert "CSAPA" not in html and "1 partenaire de santé, réservé" in html and "France Travail" in html
    # The coordinator sees everything.
    assert "CSAPA du Port" in render_to_string(
        "measures/_activity.html", _section(measure, verified(users[R.COORDINATOR]))
    )


def test_partner_errors(client, measure, worker):
    sign_in(client, worker)
    response = client.post(
        _url("partner_add", measure),
        {"kind": "cmp", "name": "CMP 1 85 04 75 123 456 78", "since": TODAY.isoformat()},
    )
    assert response.status_code == 200
    assert "sécurité sociale" in _page(response) or "NIR" in _page(response)
    response = client.post(_url("partner_add", measure), {"kind": "nope", "since": ""})
    assert "Ce champ est obligatoire." in _page(response) and "Sélectionnez un choix valide" in _page(response)
    assert not PartnerMobilisation.objects.exists()


# --- outcomes ------------------------------------------------------------------------------------


def test_the_operator_records_an_outcome_outside_a_review(client, measure, worker):
    sign_in(client, worker)
    response = client.post(
        _url("outcome_add", measure), {"kind": "employment", "contract_type": "", "recorded_on": TODAY.isoformat()}
    )
    assert response.status_code == 200
    assert "Pour un accès à l&#x27;emploi, précisez le type de contrat." in _page(response)
    response = client.post(
        _url("outcome_add", measure), {"kind": "housed", "contract_type": "cdi", "recorded_on": TODAY.isoformat()}
    )
    assert "Le type de contrat ne concerne que l&#x27;accès à l&#x27;emploi." in _page(response)
    assert not Outcome.objects.exists()
    response = client.post(
        _url("outcome_add", measure), {"kind": "employment", "contract_type": "cddi", "recorded_on": TODAY.isoformat()}
    )
    assert response.status_code == 302
    outcome = Outcome.objects.get()
    assert (outcome.kind, outcome.contract_type, outcome.review, outcome.at_end) == ("employment", "cddi", None, False)


def test_outcomes_of_reviews_end_and_in_between_are_listed(measure, worker, users):
    held_on = measure.activated_on + timedelta(days=92)
    services.record_review(
        measure,
        ReviewData(3, held_on, 3, 1, outcomes=[OutcomeData("sublease"), OutcomeData("mental_health")]),
        author_of(worker),
        measure.version,
    )
    measure.refresh_from_db()
    services.record_outcome(measure, OutcomeData("training"), held_on + timedelta(days=10), author_of(worker))
    measure = services.end(
        measure,
        EndData(
            TODAY,
            "goals_met",
            follow_on="ccas",
            follow_on_name="CCAS de la commune",
            outcomes=[OutcomeData("employment", "cdi")],
        ),
        author_of(worker),
        measure.version,
    )
    html = render_to_string("measures/_activity.html", _section(measure, worker))
    assert "Bilan à 3 mois" in html and "Sous-location mise en place" in html
    assert "Entrée en formation</td><td>Hors bilan" in html
    assert "Accès à l&#x27;emploi (CDI)</td><td>Fin de la mesure" in html
    assert "Suivi en santé mentale mis en place" in html
    # Health outcomes are masked from a reader without the second gate.
    html = render_to_string("measures/_activity.html", _section(measure, users[R.REFERENT]))
    assert "santé mentale" not in html and "1 résultat en santé, réservé" in html
    # Outcomes may still be recorded on an ended measure, meetings may not.
    context = _section(measure, worker)["activity"]
    assert context["may_record_outcome"] and not context["may_record_meeting"]


# --- the measure page includes the section -------------------------------------------------------


def test_the_measure_page_shows_the_section(client, measure, worker, staff):
    count = 5
    _meetings(measure, staff, count)
    services.mobilise_partner(measure, "cmp", TODAY, author_of(worker), name="CMP Nord")
    sign_in(client, worker)
    response = client.get(reverse("measures:detail", args=[measure.pk]))
    page = _page(response)
    assert response.status_code == 200
    assert f"Toutes les rencontres ({count})" in page
    assert "Intensité semaine par semaine" in page and "CMP — CMP Nord" in page
    assert reverse("measure_activity:meeting_add", args=[measure.pk]) in page
