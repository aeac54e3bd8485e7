"""The measure pages and the life-cycle actions through the web client: who sees what, each action
changes the status or is refused with a French message, and nothing is half-saved."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from lda.access.policy import actor_for
from lda.accounts.roles import OrganisationKind, Role
from lda.audit.models import AccessLog
from lda.measures import codes, lifecycle, services
from lda.measures.models import Alert, Measure, MeasureDocument, MeasureType, Outcome, RenewalRequest, Review
from tests.conftest import sign_in
from tests.factories import OrganisationFactory, user_with_role
from tests.households.helpers import author_of, make_household, organisation_of, verified
from tests.measures.helpers import PDF, active_measure, chef_slisl, open_measure

S = codes.MeasureStatus
TODAY = timezone.localdate


@pytest.fixture
def coordinator(users):
    return verified(users[Role.COORDINATOR])


@pytest.fixture
def operator(users):
    return users[Role.SOCIAL_WORKER]


@pytest.fixture
def referent(users):
    return users[Role.REFERENT]


@pytest.fixture
def household(referent):
    """Referred by our referent's SIAO: the referent follows it, the operator reaches it by the measure."""
    return make_household(referent, last_name="Durand", first_name="Zoé")


def as_user(user):
    return sign_in(Client(), user)


def url(name, measure):
    return reverse(f"measures:{name}", args=[measure.pk])


def refreshed(measure):
    return Measure.objects.get(pk=measure.pk)


def upload(content=PDF.content, name="contrat.pdf", content_type="application/pdf"):
    return SimpleUploadedFile(name, content, content_type=content_type)


# --- the list, the caseload, the queue -----------------------------------------------------------


def test_the_list_shows_each_viewer_the_measures_it_may_reach(territory, coordinator, operator, referent, household):
    ours = open_measure(coordinator, operator, household=household)
    other_operator = user_with_role(Role.SOCIAL_WORKER, territory)
    theirs = open_measure(coordinator, other_operator, household=make_household(coordinator, last_name="Petit"))

    seen = as_user(coordinator).get(reverse("measures:list")).content.decode()
    assert ours.household.reference in seen and theirs.household.reference in seen
    assert "DURAND Zoé" in seen

    seen = as_user(operator).get(reverse("measures:list")).content.decode()
    assert ours.household.reference in seen and theirs.household.reference not in seen

    seen = as_user(referent).get(reverse("measures:list")).content.decode()
    assert ours.household.reference in seen and theirs.household.reference not in seen


def test_the_list_filters_by_status_type_operator_and_open_alert(territory, coordinator, operator, household):
    active = active_measure(coordinator, operator, household=household)
    other_operator = user_with_role(Role.SOCIAL_WORKER, territory)
    oriented = open_measure(
        coordinator, other_operator, code="asell", household=make_household(coordinator, last_name="Petit")
    )
    client = as_user(coordinator)

    def shown(**params):
        page = client.get(reverse("measures:list"), params).content.decode()
        return {m.household.reference for m in (active, oriented) if m.household.reference in page}

    assert shown() == {active.household.reference, oriented.household.reference}
    assert shown(statut="active") == {active.household.reference}
    assert shown(statut="ended") == set()
    assert shown(type=MeasureType.objects.get(territory=territory, code="asell").pk) == {oriented.household.reference}
    assert shown(operateur=organisation_of(operator).pk) == {active.household.reference}
    assert shown(alerte="on") == set()
    Alert.objects.create(
        territory=territory, measure=active, kind="review_overdue", due_on=TODAY(), audience="coordinator"
    )
    assert shown(alerte="on") == {active.household.reference}


def test_the_caseload_says_what_needs_attention_in_words(territory, coordinator, operator, household):
    measure = active_measure(coordinator, operator, household=household)  # activated a year ago, never housed
    services.request_renewal(measure, 6, False, TODAY(), author_of(operator), None)
    waiting = open_measure(
        coordinator, operator, code="asell", household=make_household(coordinator, last_name="Petit")
    )
    page = as_user(operator).get(reverse("measures:caseload"))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Fin prévue" in text and "Entrée dans le logement attendue depuis le" in text
    assert "Bilan en retard (prévu le" in text  # the 6-month review (the 3-month one is informal)
    assert "Renouvellement en attente d&#x27;accord" in text
    assert "Contrat à enregistrer" in text and waiting.household.reference in text
    other = user_with_role(Role.SOCIAL_WORKER, territory)
    assert measure.household.reference not in as_user(other).get(reverse("measures:caseload")).content.decode()


def test_the_coordinator_queue_lists_sent_contracts_oldest_first(territory, coordinator, operator):
    first, second = (
        open_measure(coordinator, operator, household=make_household(coordinator, last_name=name))
        for name in ("Ancien", "Recent")
    )
    for measure, days in ((second, 2), (first, 9)):
        measure = services.record_contract(measure, TODAY() - timedelta(days=days), PDF, author_of(operator), None)
        services.send(measure, TODAY() - timedelta(days=days), author_of(operator), None)
    text = as_user(coordinator).get(reverse("measures:to_activate")).content.decode()
    assert text.index(first.household.reference) < text.index(second.household.reference)
    assert "9 jours" in text


# --- the measure page ----------------------------------------------------------------------------


@pytest.fixture
def reviewed(coordinator, operator, household):
    measure = active_measure(coordinator, operator, household=household)
    data = services.ReviewData(
        month=3,
        held_on=measure.activated_on + timedelta(days=95),
        meetings_per_week=2,
        home_visits_per_week=1,
        obstacles="Consommation d'alcool importante",
        outcomes=[services.OutcomeData("employment", "cdd")],
    )
    services.record_review(measure, data, author_of(operator), None)
    return refreshed(measure)


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.SOCIAL_WORKER, Role.REFERENT])
def test_the_measure_page_renders_for_each_viewer(users, reviewed, role):
    response = as_user(users[role]).get(url("detail", reviewed))
    assert response.status_code == 200
    text = response.content.decode()
    assert reviewed.household.reference in text and "DURAND Zoé" in text
    assert "Calendrier des bilans" in text and "Journal de la mesure" in text
    assert "Bilan à 3 mois enregistré" in text
    assert "Accès à l&#x27;emploi (CDD)" in text
    assert "Au moins 3 rencontres par semaine" in text
    assert "30 mois" in text  # the absolute maximum, in plain words
    assert AccessLog.objects.filter(action="read", object_type="measure", object_id=str(reviewed.pk)).exists()


def test_obstacles_and_documents_are_hidden_from_a_referent_of_another_organisation(users, reviewed):
    for role in (Role.COORDINATOR, Role.SOCIAL_WORKER):
        text = as_user(users[role]).get(url("detail", reviewed)).content.decode()
        assert "Consommation d&#x27;alcool importante" in text
        assert reverse("measures:document", args=[reviewed.documents.get().pk]) in text
    text = as_user(users[Role.REFERENT]).get(url("detail", reviewed)).content.decode()
    assert "alcool" not in text
    assert "réservé à la coordination et à l'équipe de l'opérateur" in text
    assert "/mesures/documents/" not in text


def test_the_page_shows_only_the_actions_the_status_and_the_user_allow(users, coordinator, operator, household):
    measure = open_measure(coordinator, operator, household=household)
    text = as_user(operator).get(url("detail", measure)).content.decode()
    assert url("contract", measure) in text and url("abandon", measure) in text
    assert url("activate", measure) not in text and url("end", measure) not in text
    text = as_user(coordinator).get(url("detail", measure)).content.decode()
    assert url("contract", measure) not in text and url("activate", measure) not in text
    measure = services.record_contract(measure, TODAY(), PDF, author_of(operator), None)
    measure = services.send(measure, TODAY(), author_of(operator), None)
    text = as_user(coordinator).get(url("detail", measure)).content.decode()
    assert url("activate", measure) in text and url("send_back", measure) in text


def test_the_contract_downloads_as_an_attachment_and_the_read_is_logged(users, reviewed):
    document = reviewed.documents.get()
    response = as_user(users[Role.SOCIAL_WORKER]).get(reverse("measures:document", args=[document.pk]))
    assert response.status_code == 200
    assert response.content == PDF.content
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert AccessLog.objects.filter(action="read", object_type="measuredocument", object_id=str(document.pk)).exists()
    referent = as_user(users[Role.REFERENT]).get(reverse("measures:document", args=[document.pk]))
    assert referent.status_code == 404


def test_another_operators_measure_answers_404(territory, coordinator, operator, household):
    measure = open_measure(coordinator, operator, household=household)
    other = as_user(user_with_role(Role.SOCIAL_WORKER, territory))
    for name in ("detail", "contract", "abandon", "referent"):
        assert other.get(url(name, measure)).status_code == 404
    assert other.post(url("contract", measure), {"version": measure.version}).status_code == 404
    assert refreshed(measure).status == S.ORIENTED


# --- orientation ---------------------------------------------------------------------------------


def test_the_coordinator_mobilises_a_measure_for_a_household(territory, coordinator, operator, household):
    services_operators = services.operators(territory)
    client = as_user(coordinator)
    create = reverse("measures:create", args=[household.pk])
    assert client.get(create).status_code == 200
    from tests.measures.helpers import vial

    vial_type = vial(territory)
    data = {"measure_type": vial_type.pk, "operator": organisation_of(operator).pk, "oriented_on": TODAY().isoformat()}
    assert organisation_of(operator) in services_operators
    response = client.post(create, data)
    measure = Measure.objects.get(household=household)
    assert response.status_code == 302 and response["Location"] == url("detail", measure)
    assert measure.status == S.ORIENTED and measure.operator == organisation_of(operator)
    again = client.post(create, data)
    assert again.status_code == 200
    assert "Ce ménage a déjà une mesure de ce type en cours." in again.content.decode()
    assert Measure.objects.filter(household=household).count() == 1


def test_an_orientation_in_the_future_is_refused_and_the_input_kept(territory, coordinator, operator, household):
    from tests.measures.helpers import vial

    vial_type = vial(territory)
    future = (TODAY() + timedelta(days=3)).isoformat()
    response = as_user(coordinator).post(
        reverse("measures:create", args=[household.pk]),
        {"measure_type": vial_type.pk, "operator": organisation_of(operator).pk, "oriented_on": future},
    )
    text = response.content.decode()
    assert response.status_code == 200
    assert "ne peut pas être dans le futur" in text and future in text
    assert not Measure.objects.filter(household=household).exists()


def test_operators_cannot_orient(users, household):
    assert as_user(users[Role.SOCIAL_WORKER]).get(reverse("measures:create", args=[household.pk])).status_code == 403


# --- contract, sending, activation ---------------------------------------------------------------


def test_contract_send_and_activation_through_the_pages(territory, coordinator, operator, household):
    measure = open_measure(coordinator, operator, household=household)
    worker = as_user(operator)
    response = worker.post(
        url("contract", measure),
        {
            "version": measure.version,
            "contract_signed_on": TODAY().isoformat(),
            "document": upload(),
            "sliding_lease": "on",
        },
    )
    assert response.status_code == 302
    measure = refreshed(measure)
    assert measure.status == S.SIGNED and measure.sliding_lease
    assert measure.documents.get().content == PDF.content

    assert (
        worker.post(url("send", measure), {"version": measure.version, "sent_on": TODAY().isoformat()}).status_code
        == 302
    )
    measure = refreshed(measure)
    assert measure.status == S.SENT

    # The operator may not activate: 403, nothing changes.
    assert worker.post(url("activate", measure), {"version": measure.version}).status_code == 403
    assert refreshed(measure).status == S.SENT

    coordination = as_user(coordinator)
    page = coordination.get(url("activate", measure)).content.decode()
    assert reverse("measures:document", args=[measure.documents.get().pk]) in page
    response = coordination.post(
        url("activate", measure), {"version": measure.version, "activated_on": TODAY().isoformat()}
    )
    assert response.status_code == 302
    measure = refreshed(measure)
    assert measure.status == S.ACTIVE and measure.planned_end_on is not None
    message = coordination.get(response["Location"]).content.decode()
    assert "La mesure est active." in message


def test_a_contract_that_is_not_a_pdf_or_image_is_refused(coordinator, operator, household):
    measure = open_measure(coordinator, operator, household=household)
    response = as_user(operator).post(
        url("contract", measure),
        {
            "version": measure.version,
            "contract_signed_on": TODAY().isoformat(),
            "document": upload(b"MZ\x90 executable", "contrat.pdf"),
        },
    )
    assert response.status_code == 200
    assert "Le contenu du document ne correspond pas à son type déclaré." in response.content.decode()
    assert refreshed(measure).status == S.ORIENTED and not MeasureDocument.objects.exists()


def test_a_contract_over_5_mb_is_refused_before_reading(coordinator, operator, household):
    measure = open_measure(coordinator, operator, household=household)
    big = PDF.content + b"0" * services.DOCUMENT_MAX_BYTES
    response = as_user(operator).post(
        url("contract", measure),
        {"version": measure.version, "contract_signed_on": TODAY().isoformat(), "document": upload(big)},
    )
    assert "Le document dépasse 5 Mo" in response.content.decode()
    assert refreshed(measure).status == S.ORIENTED


def test_the_coordinator_sends_an_incomplete_contract_back(coordinator, operator, household):
    measure = open_measure(coordinator, operator, household=household)
    measure = services.record_contract(measure, TODAY(), PDF, author_of(operator), None)
    measure = services.send(measure, TODAY(), author_of(operator), None)
    response = as_user(coordinator).post(
        url("send_back", measure), {"version": measure.version, "on": TODAY().isoformat()}
    )
    assert response.status_code == 302
    assert refreshed(measure).status == S.SIGNED


def test_an_action_the_life_cycle_refuses_is_explained_not_a_500(coordinator, operator, household):
    measure = active_measure(coordinator, operator, household=household)
    worker = as_user(operator)
    page = worker.get(url("contract", measure))
    assert page.status_code == 200
    with pytest.raises(lifecycle.TransitionRefused) as refusal:
        lifecycle.target(S.ACTIVE, "record_contract")
    message = escape(str(refusal.value))
    assert "la mesure est « Active »" in message
    assert message in page.content.decode()
    response = worker.post(
        url("contract", measure),
        {"version": measure.version, "contract_signed_on": TODAY().isoformat(), "document": upload()},
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert measure.documents.count() == 1


def test_the_second_of_two_saves_is_refused(territory, coordinator, operator, household):
    measure = open_measure(coordinator, operator, household=household)
    measure = services.record_contract(measure, TODAY(), PDF, author_of(operator), None)
    opened_version = measure.version
    member = services.add_staff(organisation_of(operator), services.StaffData("Ana", "Lopez", "social_worker"))
    worker = as_user(operator)
    first = worker.post(url("referent", measure), {"version": opened_version, "referent": member.pk})
    assert first.status_code == 302
    second = worker.post(url("send", measure), {"version": opened_version, "sent_on": TODAY().isoformat()})
    assert second.status_code == 200
    assert "modifiée par quelqu&#x27;un d&#x27;autre" in second.content.decode()
    measure = refreshed(measure)
    assert measure.status == S.SIGNED and measure.referent == member


# --- active life: entry, reviews, renewals, end --------------------------------------------------


def test_entry_into_the_home_is_recorded(coordinator, operator, household):
    measure = active_measure(coordinator, operator, household=household)
    on = TODAY() - timedelta(days=10)
    response = as_user(operator).post(
        url("entry", measure), {"version": measure.version, "housing_entry_on": on.isoformat()}
    )
    assert response.status_code == 302
    assert refreshed(measure).housing_entry_on == on


def test_a_review_with_its_intensity_obstacles_and_outcomes(coordinator, operator, household):
    measure = active_measure(coordinator, operator, household=household)
    worker = as_user(operator)
    assert "Bilan à 3 mois, prévu le" in worker.get(url("review", measure)).content.decode()
    data = {
        "version": measure.version,
        "month": 6,
        "held_on": (measure.activated_on + timedelta(days=185)).isoformat(),
        "meetings_per_week": 3,
        "home_visits_per_week": 1,
        "shared_with_coordinator": "on",
        "obstacles": "Dettes de loyer anciennes",
        "outcomes": ["employment", "housed"],
        "contract_type": "cdi",
    }
    assert worker.post(url("review", measure), data).status_code == 302
    review = Review.objects.get(measure=measure)
    assert review.month == 6 and review.shared_with_coordinator and review.obstacles == "Dettes de loyer anciennes"
    assert set(Outcome.objects.filter(review=review).values_list("kind", "contract_type")) == {
        ("employment", "cdi"),
        ("housed", ""),
    }


def test_a_review_with_more_home_visits_than_meetings_is_refused_next_to_the_field(coordinator, operator, household):
    measure = active_measure(coordinator, operator, household=household)
    data = {
        "version": measure.version,
        "month": 3,
        "held_on": (measure.activated_on + timedelta(days=92)).isoformat(),
        "meetings_per_week": 1,
        "home_visits_per_week": 2,
        "obstacles": "Texte gardé",
    }
    response = as_user(operator).post(url("review", measure), data)
    text = response.content.decode()
    assert response.status_code == 200
    assert "Les visites à domicile font partie des rencontres" in text
    assert 'href="#id_home_visits_per_week"' in text and "Texte gardé" in text
    assert not Review.objects.exists()


def test_a_renewal_past_the_cap_shows_the_french_message_and_writes_nothing(coordinator, operator, household):
    measure = active_measure(coordinator, operator, household=household, activated_on=TODAY() - timedelta(days=700))
    for _ in range(2):
        request = services.request_renewal(measure, 6, False, TODAY(), author_of(operator), None)
        services.decide_renewal(request, "coordinator", True, author_of(coordinator), actor_for(coordinator))
    measure = refreshed(measure)
    worker = as_user(operator)
    page = worker.get(url("renewal_request", measure)).content.decode()
    assert "Renouvellement ordinaire : 0 mois" in page and "Renouvellement dérogatoire : 6 mois au plus" in page
    before = RenewalRequest.objects.count()
    response = worker.post(
        url("renewal_request", measure),
        {"version": measure.version, "months": 6, "requested_on": TODAY().isoformat()},
    )
    assert response.status_code == 200
    assert "Les renouvellements ordinaires (12 mois au total) sont épuisés." in response.content.decode()
    assert RenewalRequest.objects.count() == before
    assert refreshed(measure).version == measure.version


def test_a_renewal_is_requested_then_granted_by_the_coordinator(coordinator, operator, household):
    measure = active_measure(coordinator, operator, household=household)
    end_before = measure.planned_end_on
    response = as_user(operator).post(
        url("renewal_request", measure), {"version": measure.version, "months": 6, "requested_on": TODAY().isoformat()}
    )
    assert response.status_code == 302
    request = RenewalRequest.objects.get(measure=measure)
    # The operator holds measures.approve but is no approver VIAL names: 403.
    assert as_user(operator).get(url("renewal_decide", measure)).status_code == 403
    coordination = as_user(coordinator)
    assert "Donner mon avis sur le renouvellement" in coordination.get(url("detail", measure)).content.decode()
    response = coordination.post(
        url("renewal_decide", measure),
        {"request": request.pk, "approver": "coordinator", "decision": "accord", "comment": "Projet de relogement"},
    )
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == "approved"
    assert refreshed(measure).planned_end_on > end_before
    text = coordination.get(url("detail", measure)).content.decode()
    assert "Coordination Logement d&#x27;abord" in text and "Projet de relogement" in text


def test_a_derogation_needs_the_chef_slisl_too(territory, coordinator, operator, household):
    measure = active_measure(coordinator, operator, household=household, activated_on=TODAY() - timedelta(days=700))
    review = services.ReviewData(
        month=3,
        held_on=measure.activated_on + timedelta(days=95),
        meetings_per_week=3,
        home_visits_per_week=1,
        obstacles="Suivi psychiatrique interrompu",
        outcomes=[services.OutcomeData("mental_health")],
    )
    services.record_review(measure, review, author_of(operator), None)
    for _ in range(2):
        request = services.request_renewal(measure, 6, False, TODAY(), author_of(operator), None)
        services.decide_renewal(request, "coordinator", True, author_of(coordinator), actor_for(coordinator))
    request = services.request_renewal(refreshed(measure), 6, True, TODAY(), author_of(operator), None)
    as_user(coordinator).post(
        url("renewal_decide", measure), {"request": request.pk, "approver": "coordinator", "decision": "accord"}
    )
    request.refresh_from_db()
    assert request.status == "requested"
    slisl = chef_slisl(territory)
    client = as_user(slisl)
    page = client.get(url("detail", measure))
    assert page.status_code == 200  # reached through the renewal waiting for the chef SLISL
    text = page.content.decode()
    assert "Chef·fe du service local inclusion sociale et logement" in text
    # The approver sees dates and decisions, not the operator's notes nor health outcomes.
    assert "psychiatrique" not in text and "santé mentale" not in text and "résultat réservé" in text
    assert "Suivi en santé mentale mis en place" in as_user(coordinator).get(url("detail", measure)).content.decode()
    response = client.post(
        url("renewal_decide", measure), {"request": request.pk, "approver": "chef_slisl", "decision": "accord"}
    )
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == "approved"
    assert list(request.approvals.values_list("approver", "user_id")) == [
        ("coordinator", coordinator.pk),
        ("chef_slisl", slisl.pk),
    ]


def test_a_refusal_ends_the_renewal_request(coordinator, operator, household):
    measure = active_measure(coordinator, operator, household=household)
    request = services.request_renewal(measure, 6, False, TODAY(), author_of(operator), None)
    response = as_user(coordinator).post(
        url("renewal_decide", measure), {"request": request.pk, "approver": "coordinator", "decision": "refus"}
    )
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == "refused"


def test_a_hand_over_names_the_follow_on_service(coordinator, operator, household):
    measure = active_measure(coordinator, operator, household=household)
    worker = as_user(operator)
    data = {"version": measure.version, "ended_on": TODAY().isoformat(), "reason": "handed_over"}
    response = worker.post(url("end", measure), data)
    text = response.content.decode()
    assert response.status_code == 200
    assert "Nommez le service ou la personne qui prend le relais." in text
    assert refreshed(measure).status == S.ACTIVE
    data.update(follow_on="ccas", follow_on_name="CCAS de Lens", outcomes=["housed"])
    assert worker.post(url("end", measure), data).status_code == 302
    measure = refreshed(measure)
    assert measure.status == S.ENDED and measure.follow_on == "ccas" and measure.follow_on_name == "CCAS de Lens"
    assert Outcome.objects.filter(measure=measure, at_end=True, kind="housed").exists()


def test_a_rupture_reaches_the_coordinator(coordinator, operator, household):
    measure = active_measure(coordinator, operator, household=household)
    response = as_user(operator).post(
        url("end", measure), {"version": measure.version, "ended_on": TODAY().isoformat(), "reason": "rupture"}
    )
    assert response.status_code == 302
    assert Alert.objects.filter(measure=measure, kind="exit", audience="coordinator", closed_at__isnull=True).exists()
    text = as_user(coordinator).get(url("detail", measure)).content.decode()
    assert "Mesure terminée : Rupture de l&#x27;accompagnement" in text


def test_a_measure_is_abandoned_before_activation(coordinator, operator, household):
    measure = open_measure(coordinator, operator, household=household)
    response = as_user(operator).post(
        url("abandon", measure), {"version": measure.version, "ended_on": TODAY().isoformat(), "reason": "moved"}
    )
    assert response.status_code == 302
    measure = refreshed(measure)
    assert measure.status == S.ABANDONED and measure.end_reason == "moved"


def test_the_referent_of_the_measure_is_one_of_the_operators_staff(territory, coordinator, operator, household):
    measure = open_measure(coordinator, operator, household=household)
    other = services.add_staff(
        OrganisationFactory(territory=territory, kind=OrganisationKind.ASSOCIATION),
        services.StaffData("Paul", "Autre", "social_worker"),
    )
    member = services.add_staff(organisation_of(operator), services.StaffData("Ana", "Lopez", "social_worker"))
    worker = as_user(operator)
    page = worker.get(url("referent", measure)).content.decode()
    assert "Ana Lopez" in page and "Paul Autre" not in page
    refused = worker.post(url("referent", measure), {"version": measure.version, "referent": other.pk})
    assert refused.status_code == 200 and refreshed(measure).referent is None
    assert worker.post(url("referent", measure), {"version": measure.version, "referent": member.pk}).status_code == 302
    assert refreshed(measure).referent == member


# --- around the measure page ---------------------------------------------------------------------


def test_who_consulted_the_measure(coordinator, operator, household):
    measure = open_measure(coordinator, operator, household=household)
    as_user(operator).get(url("detail", measure))
    client = as_user(coordinator)
    assert (
        reverse("audit:consultations", args=["measure", measure.pk])
        in client.get(url("detail", measure)).content.decode()
    )
    page = client.get(reverse("audit:consultations", args=["measure", measure.pk]))
    assert page.status_code == 200
    assert operator.full_name in page.content.decode()


def test_the_household_page_helper_gives_the_measures_the_user_may_see(territory, coordinator, operator, household):
    from lda.measures.views import household_measures

    measure = open_measure(coordinator, operator, household=household)
    assert household_measures(coordinator, household) == [measure]
    assert household_measures(operator, household) == [measure]
    assert household_measures(user_with_role(Role.SOCIAL_WORKER, territory), household) == []
