"""Accompaniment measures through the API: the life cycle from orientation to the end, the engine's
dates, French errors naming the field with nothing saved, no lost update, refusals of the type's
rules, bounded queries."""

import base64
from datetime import timedelta

import pytest

from lda.access.policy import actor_for
from lda.accounts.roles import OrganisationKind, Role
from lda.audit.models import AccessLog
from lda.measures import services
from lda.measures.models import (
    Alert,
    Measure,
    MeasureDocument,
    MeasureEvent,
    Meeting,
    Outcome,
    PartnerMobilisation,
    RenewalApproval,
    RenewalRequest,
    Review,
)
from lda.measures.services import STALE_MESSAGE
from tests.api.households_helpers import fields, token_of
from tests.clock import reference_today
from tests.factories import OrganisationFactory, user_with_role
from tests.households.helpers import author_of, make_household, organisation_of, verified
from tests.measures.helpers import PDF, active_measure, chef_slisl, open_measure, vial

pytestmark = pytest.mark.django_db

TODAY = reference_today()
PDF_BASE64 = base64.b64encode(PDF.content).decode()
# Until RenewalApproval.user may be empty, an approval cannot be recorded for a token (no person).


@pytest.fixture
def coordinator(client, users):
    return token_of(client, users[Role.COORDINATOR], Role.COORDINATOR)


@pytest.fixture
def operator(client, users):
    """A social worker's token of the association running the measures below."""
    return token_of(client, users[Role.SOCIAL_WORKER], Role.SOCIAL_WORKER)


@pytest.fixture
def referent(client, users):
    return token_of(client, users[Role.REFERENT], Role.REFERENT)


def day(days_ago: int) -> str:
    return str(TODAY - timedelta(days=days_ago))


def contract_body(version, **changes):
    body = {
        "contract_signed_on": day(50),
        "document": {"filename": "contrat.pdf", "content_type": "application/pdf", "content_base64": PDF_BASE64},
        "sliding_lease": True,
        "version": version,
    }
    body.update(changes)
    return body


def staff_of(user, profession="social_worker"):
    return services.add_staff(
        organisation_of(user), services.StaffData(first_name="Inès", last_name="Morel", profession=profession)
    )


def active(users, **kwargs):
    return active_measure(verified(users[Role.COORDINATOR]), users[Role.SOCIAL_WORKER], **kwargs)


# --- the life cycle -------------------------------------------------------------------------------


def test_a_full_life_cycle_through_the_api(territory, users, coordinator, operator):
    vial(territory)
    household = make_household(users[Role.COORDINATOR], consent_kinds=("association",))
    association = organisation_of(users[Role.SOCIAL_WORKER])
    staff = staff_of(users[Role.SOCIAL_WORKER])

    # The coordinator orients; the operator sees the measure at once.
    response = coordinator.post(
        f"/menages/{household.pk}/mesures",
        {"measure_type": "vial", "operator_id": association.pk, "oriented_on": day(60)},
    )
    assert response.status_code == 201, response.json()
    created = response.json()
    pk, version = created["id"], created["version"]
    assert created["status"] == "oriented" and created["measure_type"] == "vial"
    assert [m["id"] for m in operator.get("/mesures").json()["items"]] == [pk]

    # The operator records the signed contract and sends it; only the coordinator activates.
    response = operator.post(f"/mesures/{pk}/contrat", contract_body(version, referent_id=staff.pk))
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "signed"
    version = response.json()["version"]
    document = MeasureDocument.objects.get(measure_id=pk)
    assert document.content == PDF.content and document.kind == "contract"
    response = operator.post(f"/mesures/{pk}/transmission", {"sent_on": day(45), "version": version})
    assert response.json()["status"] == "sent"
    version = response.json()["version"]
    assert operator.post(f"/mesures/{pk}/activation", {"activated_on": day(40), "version": version}).status_code == 403
    response = coordinator.post(f"/mesures/{pk}/activation", {"activated_on": day(40), "version": version})
    assert response.status_code == 200, response.json()
    activated = response.json()
    assert activated["status"] == "active" and activated["planned_end_on"] is not None
    version = activated["version"]

    # Housing entry, meetings, partners, an outcome, the informal 3-month review.
    response = operator.post(f"/mesures/{pk}/entree-logement", {"housing_entry_on": day(30), "version": version})
    assert response.status_code == 200, response.json()
    version = response.json()["version"]
    for kind, days_ago in (("home_visit", 20), ("phone", 19), ("outside", 18)):
        body = {"held_on": day(days_ago), "kind": kind, "duration_minutes": 45, "staff_id": staff.pk}
        assert operator.post(f"/mesures/{pk}/rencontres", body).status_code == 201
    partner = operator.post(f"/mesures/{pk}/partenaires", {"kind": "cmp", "since": day(20), "name": "CMP Nord"})
    assert partner.status_code == 201 and partner.json()["category"] == "health"
    outcome = operator.post(
        f"/mesures/{pk}/resultats", {"kind": "employment", "contract_type": "cdd", "recorded_on": day(10)}
    )
    assert outcome.status_code == 201, outcome.json()
    review = operator.post(
        f"/mesures/{pk}/bilans",
        {
            "month": 3,
            "held_on": day(5),
            "meetings_per_week": 2,
            "home_visits_per_week": 1,
            "shared_with_coordinator": True,
            "obstacles": "Difficultés avec le voisinage.",
            "outcomes": [{"kind": "housed"}],
        },
    )
    assert review.status_code == 422 and fields(review) == ["version"]  # the measure's version is required
    review = operator.post(
        f"/mesures/{pk}/bilans",
        {
            "month": 3,
            "held_on": day(5),
            "meetings_per_week": 2,
            "home_visits_per_week": 1,
            "obstacles": "Difficultés avec le voisinage.",
            "outcomes": [{"kind": "housed"}],
            "version": version,
        },
    )
    assert review.status_code == 201, review.json()
    assert review.json()["informal"] is True and [o["kind"] for o in review.json()["outcomes"]] == ["housed"]
    version = review.json()["measure_version"]

    # The detail: the engine's dates.
    detail = operator.get(f"/mesures/{pk}").json()
    assert detail["version"] == version and detail["referent"]["id"] == staff.pk and detail["sliding_lease"]
    computed = detail["computed"]
    assert computed["next_review"]["month"] == 6
    assert [r["month"] for r in computed["reviews"]] == [3, 6, 12] and computed["reviews"][0]["held"]
    assert computed["renewal_room"] == {"ordinary_months": 12, "derogation_months": 0, "months_to_maximum": 18}
    assert computed["latest_end_on"] > computed["planned_end_on"]
    assert computed["pre_housing"]["applies"] and not computed["pre_housing"]["exceeded"]
    assert computed["pre_housing"]["sliding_lease_reduction_days"] == 10
    assert "end" in detail["allowed_actions"] and "activate" not in detail["allowed_actions"]
    assert [d["filename"] for d in detail["documents"]] == ["contrat.pdf"]

    # Meetings and the intensity week by week: a phone call is not a meeting.
    meetings = operator.get(f"/mesures/{pk}/rencontres").json()
    assert len(meetings["items"]) == 3
    week = next(w for w in meetings["weeks"] if w["meetings"])
    assert week["meetings"] + sum(w["meetings"] for w in meetings["weeks"] if w is not week) == 2
    assert any(w["below"] for w in meetings["weeks"])

    # A renewal request, then the end: handed over to ordinary support, the coordinator told at once.
    response = operator.post(
        f"/mesures/{pk}/renouvellements", {"months": 6, "requested_on": day(1), "version": version}
    )
    assert response.status_code == 201, response.json()
    assert response.json()["missing_approvers"] == ["coordinator"] and response.json()["my_approvers"] == []
    version = response.json()["measure_version"]
    end = {
        "ended_on": day(0),
        "reason": "handed_over",
        "follow_on": "ccas",
        "follow_on_name": "CCAS de la ville",
        "outcomes": [{"kind": "budget"}],
        "version": version,
    }
    response = operator.post(f"/mesures/{pk}/fin", end)
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "ended"
    measure = Measure.objects.get(pk=pk)
    assert measure.follow_on == "ccas" and measure.follow_on_name == "CCAS de la ville"
    assert Alert.objects.filter(measure=measure, kind="exit", audience="coordinator", closed_at=None).exists()
    assert set(Outcome.objects.filter(measure=measure).values_list("kind", flat=True)) == {
        "employment",
        "housed",
        "budget",
    }
    assert RenewalRequest.objects.get(measure=measure).status == "refused"
    kinds = list(MeasureEvent.objects.filter(measure=measure).values_list("kind", flat=True))
    assert kinds[:4] == ["oriented", "contract_recorded", "sent", "activated"] and kinds[-1] == "ended"
    # Each API write is the organisation's, by its token: no person named.
    assert MeasureEvent.objects.filter(measure=measure, organisation_id=association.pk, user=None).count() >= 6


def test_a_measure_is_abandoned_before_activation_and_sent_back_by_the_coordinator(users, coordinator, operator):
    measure = open_measure(verified(users[Role.COORDINATOR]), users[Role.SOCIAL_WORKER])
    body = contract_body(measure.version, contract_signed_on=day(5))
    version = operator.post(f"/mesures/{measure.pk}/contrat", body).json()["version"]
    version = operator.post(f"/mesures/{measure.pk}/transmission", {"sent_on": day(4), "version": version}).json()[
        "version"
    ]
    response = coordinator.post(f"/mesures/{measure.pk}/renvoi", {"on": day(3), "version": version})
    assert response.status_code == 200 and response.json()["status"] == "signed"
    response = operator.post(
        f"/mesures/{measure.pk}/abandon",
        {"ended_on": day(1), "reason": "non_adhesion", "version": response.json()["version"]},
    )
    assert response.status_code == 200 and response.json()["status"] == "abandoned"
    assert Alert.objects.filter(measure=measure, kind="exit", closed_at=None).exists()


def test_tokens_give_the_approvals_the_type_names(client, territory, users, coordinator, operator):
    measure = active(users, activated_on=TODAY - timedelta(days=700))
    coordinator_user = verified(users[Role.COORDINATOR])
    for _ in range(2):  # the ordinary room (12 months) is used up
        request = services.request_renewal(measure, 6, False, TODAY, author_of(users[Role.SOCIAL_WORKER]), None)
        services.decide_renewal(request, "coordinator", True, author_of(coordinator_user), actor_for(coordinator_user))
    measure.refresh_from_db()
    response = operator.post(
        f"/mesures/{measure.pk}/renouvellements",
        {"months": 6, "derogation": True, "requested_on": str(TODAY), "version": measure.version},
    )
    assert response.status_code == 201, response.json()
    renewal = response.json()["id"]
    slisl_user = chef_slisl(territory)
    slisl = token_of(client, slisl_user, Role.SOCIAL_WORKER)
    assert slisl.get(f"/mesures/{measure.pk}").status_code == 200  # the approver reaches the measure
    response = coordinator.post(f"/renouvellements/{renewal}/avis", {"approved": True})
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "requested" and response.json()["missing_approvers"] == ["chef_slisl"]
    again = coordinator.post(f"/renouvellements/{renewal}/avis", {"approved": True, "approver": "coordinator"})
    assert again.status_code == 409 and "déjà" in again.json()["detail"]
    response = slisl.post(f"/renouvellements/{renewal}/avis", {"approved": True})
    assert response.status_code == 200 and response.json()["status"] == "approved"
    approvals = RenewalApproval.objects.filter(request_id=renewal)
    assert {(a.approver, a.organisation_id) for a in approvals} == {
        ("coordinator", organisation_of(users[Role.COORDINATOR]).pk),
        ("chef_slisl", organisation_of(slisl_user).pk),
    }


def test_an_operator_is_no_approver_of_its_own_renewals(users, operator):
    measure = active(users)
    request = services.request_renewal(measure, 6, False, TODAY, author_of(users[Role.SOCIAL_WORKER]), None)
    response = operator.post(f"/renouvellements/{request.pk}/avis", {"approved": True})
    assert response.status_code == 403
    assert not RenewalApproval.objects.exists()


# --- the list ---------------------------------------------------------------------------------------


def test_the_list_filters_by_status_type_and_household(territory, users, operator):
    coordinator_user = verified(users[Role.COORDINATOR])
    running = active(users)
    oriented = open_measure(coordinator_user, users[Role.SOCIAL_WORKER], code="fnavdl")
    body = operator.get("/mesures").json()
    assert body["count"] == 2
    assert [i["id"] for i in operator.get("/mesures", statut="active").json()["items"]] == [running.pk]
    assert [i["id"] for i in operator.get("/mesures", type="fnavdl").json()["items"]] == [oriented.pk]
    assert [i["id"] for i in operator.get("/mesures", menage=running.household_id).json()["items"]] == [running.pk]
    page = operator.get("/mesures", limit=1, offset=1).json()
    assert page["count"] == 2 and len(page["items"]) == 1
    response = operator.get("/mesures", statut="perdue")
    assert response.status_code == 422
    assert response.json()["erreurs"] == [{"champ": "statut", "message": "Valeur inconnue."}]
    assert operator.get("/mesures", limit=201).status_code == 422


@pytest.mark.parametrize("count", [10, 60])
def test_the_list_costs_the_same_number_of_queries_whatever_the_size(
    territory, users, operator, count, django_assert_max_num_queries
):
    coordinator_user = verified(users[Role.COORDINATOR])
    for _ in range(count):
        open_measure(coordinator_user, users[Role.SOCIAL_WORKER])
    with django_assert_max_num_queries(6):  # 5, and the token's last use
        response = operator.get("/mesures", limit=200)
    assert response.json()["count"] == count


@pytest.mark.parametrize("meetings", [2, 40])
def test_the_detail_and_the_meetings_cost_the_same_whatever_the_number_of_meetings(
    users, operator, meetings, django_assert_max_num_queries
):
    measure = active(users)
    for n in range(meetings):
        services.record_meeting(
            measure,
            services.MeetingData(TODAY - timedelta(days=n * 3), "home_visit", 30),
            author_of(users[Role.SOCIAL_WORKER]),
        )
    with django_assert_max_num_queries(11):
        assert operator.get(f"/mesures/{measure.pk}").status_code == 200
    with django_assert_max_num_queries(7):
        assert len(operator.get(f"/mesures/{measure.pk}/rencontres").json()["items"]) == meetings


def test_reading_a_measure_is_logged_without_its_values(users, operator):
    measure = active(users)
    operator.get(f"/mesures/{measure.pk}")
    operator.get(f"/mesures/{measure.pk}/bilans")
    logs = AccessLog.objects.filter(object_type="measure", object_id=str(measure.pk), action="read")
    assert sorted(log.section for log in logs) == ["", "bilans"]
    assert all(log.token_id is not None and log.user_id is None for log in logs)


# --- bad input: French, per field, nothing saved --------------------------------------------------


def test_a_contract_with_a_bad_document_is_refused_and_nothing_is_saved(users, operator):
    measure = open_measure(verified(users[Role.COORDINATOR]), users[Role.SOCIAL_WORKER])
    url = f"/mesures/{measure.pk}/contrat"
    not_base64 = contract_body(measure.version)
    not_base64["document"]["content_base64"] = "ceci n'est pas du base64 !"
    response = operator.post(url, not_base64)
    assert response.status_code == 422
    assert response.json()["erreurs"] == [
        {"champ": "document.content_base64", "message": "Le contenu du document doit être encodé en base64."}
    ]
    png_called_pdf = contract_body(measure.version)
    png_called_pdf["document"]["content_base64"] = base64.b64encode(b"\x89PNG\r\n\x1a\n....").decode()
    response = operator.post(url, png_called_pdf)
    assert response.status_code == 422 and fields(response) == ["document"]
    assert "ne correspond pas" in response.json()["erreurs"][0]["message"]
    response = operator.post(url, contract_body(measure.version, contract_signed_on=str(TODAY + timedelta(days=2))))
    assert response.status_code == 422 and fields(response) == ["contract_signed_on"]
    assert "futur" in response.json()["erreurs"][0]["message"]
    other_staff = staff_of(user_with_role(Role.SOCIAL_WORKER, measure.territory))
    response = operator.post(url, contract_body(measure.version, referent_id=other_staff.pk))
    assert response.status_code == 422 and fields(response) == ["referent_id"]
    response = operator.post(url, {"contract_signed_on": "hier", "version": measure.version})
    assert response.status_code == 422
    assert {e["champ"]: e["message"] for e in response.json()["erreurs"]} == {
        "contract_signed_on": "Une date au format AAAA-MM-JJ est attendue.",
        "document": "Ce champ est obligatoire.",
    }
    measure.refresh_from_db()
    assert measure.status == "oriented" and measure.version == 1
    assert not MeasureDocument.objects.exists()


def test_an_end_with_a_bad_outcome_names_the_item_and_saves_nothing(users, operator):
    measure = active(users)
    body = {
        "ended_on": str(TODAY),
        "reason": "goals_met",
        "follow_on": "ccas",
        "follow_on_name": "CCAS de la ville",
        "outcomes": [{"kind": "housed"}, {"kind": "employment"}],
        "version": measure.version,
    }
    response = operator.post(f"/mesures/{measure.pk}/fin", body)
    assert response.status_code == 422
    assert response.json()["erreurs"] == [
        {"champ": "outcomes.1.contract_type", "message": "Pour un accès à l'emploi, précisez le type de contrat."}
    ]
    response = operator.post(f"/mesures/{measure.pk}/fin", {**body, "outcomes": [], "follow_on": ""})
    assert response.status_code == 422 and fields(response) == ["follow_on"]  # VIAL: the hand-over is named
    response = operator.post(f"/mesures/{measure.pk}/fin", {**body, "reason": "fini"})
    assert response.status_code == 422 and response.json()["erreurs"][0]["champ"] == "reason"
    measure.refresh_from_db()
    assert measure.status == "active" and not Outcome.objects.exists()


def test_bad_meetings_reviews_partners_and_orientations_are_refused_in_french(territory, users, operator, coordinator):
    measure = active(users)
    url = f"/mesures/{measure.pk}"
    response = operator.post(f"{url}/rencontres", {"held_on": str(TODAY), "kind": "visio", "duration_minutes": 30})
    assert response.json()["erreurs"] == [{"champ": "kind", "message": "Valeur inconnue."}]
    response = operator.post(f"{url}/rencontres", {"held_on": str(TODAY), "kind": "phone", "duration_minutes": 0})
    assert response.status_code == 422 and fields(response) == ["duration_minutes"]
    stranger_staff = staff_of(user_with_role(Role.SOCIAL_WORKER, territory))
    body = {"held_on": str(TODAY), "kind": "phone", "duration_minutes": 10, "staff_id": stranger_staff.pk}
    response = operator.post(f"{url}/rencontres", body)
    assert response.status_code == 422 and fields(response) == ["staff_id"]
    review = {"month": 5, "held_on": str(TODAY), "meetings_per_week": 3, "home_visits_per_week": 1}
    response = operator.post(f"{url}/bilans", {**review, "version": measure.version})
    assert response.status_code == 422 and fields(response) == ["month"]
    assert "3 mois, 6 mois, 12 mois" in response.json()["erreurs"][0]["message"]
    nir = {**review, "month": 3, "obstacles": "NIR 1 85 04 75 123 456 78", "version": measure.version}
    response = operator.post(f"{url}/bilans", nir)
    assert response.status_code == 422 and fields(response) == ["obstacles"]
    response = operator.post(f"{url}/partenaires", {"kind": "cmp", "since": str(TODAY + timedelta(days=1))})
    assert response.status_code == 422 and fields(response) == ["since"]
    response = operator.post(f"{url}/resultats", {"kind": "housed", "contract_type": "cdi", "recorded_on": str(TODAY)})
    assert response.status_code == 422 and fields(response) == ["contract_type"]
    assert not Meeting.objects.exists() and not Review.objects.exists()
    assert not PartnerMobilisation.objects.exists() and not Outcome.objects.exists()

    household = make_household(users[Role.COORDINATOR])
    landlord = OrganisationFactory(territory=territory, kind=OrganisationKind.SOCIAL_LANDLORD)
    orient = f"/menages/{household.pk}/mesures"
    response = coordinator.post(orient, {"measure_type": "inconnu", "operator_id": 0, "oriented_on": str(TODAY)})
    assert response.status_code == 422 and sorted(fields(response)) == ["measure_type", "operator_id"]
    response = coordinator.post(orient, {"measure_type": "vial", "operator_id": landlord.pk, "oriented_on": str(TODAY)})
    assert response.status_code == 422 and fields(response) == ["operator_id"]
    assert not household.measures.exists()


# --- refusals: transitions, versions, the type's rules --------------------------------------------


def test_a_refused_transition_answers_409_in_french(users, coordinator):
    measure = open_measure(verified(users[Role.COORDINATOR]), users[Role.SOCIAL_WORKER])
    response = coordinator.post(f"/mesures/{measure.pk}/activation", {"activated_on": str(TODAY), "version": 1})
    assert response.status_code == 409
    detail = response.json()["detail"]
    assert detail.startswith("Impossible d") and "activer la mesure : la mesure est « Orientée »." in detail


def test_the_second_of_two_saves_is_refused(users, operator):
    measure = open_measure(verified(users[Role.COORDINATOR]), users[Role.SOCIAL_WORKER])
    version = measure.version
    assert operator.post(f"/mesures/{measure.pk}/contrat", contract_body(version)).status_code == 200
    response = operator.post(
        f"/mesures/{measure.pk}/abandon", {"ended_on": str(TODAY), "reason": "moved", "version": version}
    )
    assert response.status_code == 409 and response.json() == {"detail": STALE_MESSAGE}
    measure.refresh_from_db()
    assert measure.status == "signed"


def test_a_renewal_past_the_cap_is_refused_with_the_rules_message(users, operator):
    measure = active(users, activated_on=TODAY - timedelta(days=700))
    coordinator_user = verified(users[Role.COORDINATOR])
    for _ in range(2):
        request = services.request_renewal(measure, 6, False, TODAY, author_of(users[Role.SOCIAL_WORKER]), None)
        services.decide_renewal(request, "coordinator", True, author_of(coordinator_user), actor_for(coordinator_user))
    measure.refresh_from_db()
    url = f"/mesures/{measure.pk}/renouvellements"
    response = operator.post(url, {"months": 6, "requested_on": str(TODAY), "version": measure.version})
    assert response.status_code == 409
    assert response.json()["detail"].startswith("Les renouvellements ordinaires (12 mois au total) sont épuisés.")
    response = operator.post(url, {"months": 9, "derogation": True, "requested_on": str(TODAY), "version": 0})
    assert response.status_code == 409 and response.json() == {"detail": STALE_MESSAGE}
    response = operator.post(
        url, {"months": 9, "derogation": True, "requested_on": str(TODAY), "version": measure.version}
    )
    assert response.status_code == 409 and "6 mois au plus" in response.json()["detail"]
    assert RenewalRequest.objects.filter(measure=measure).count() == 2
    listed = operator.get(url).json()
    assert [r["status"] for r in listed] == ["approved", "approved"]
    assert listed[0]["approvals"][0]["approver"] == "coordinator"
