"""The by-name list through the API: each operation, French errors naming the field, nothing
half-saved, no lost update, bounded queries."""

from datetime import date, timedelta

import pytest

from lda.accounts.roles import Role
from lda.audit.models import AccessLog
from lda.households import codes, services
from lda.households.models import Household, HouseholdEvent, LivingSituation, Person, Referral
from tests.api.households_helpers import fields, token_of
from tests.clock import reference_today
from tests.households.helpers import author_of, make_household, organisation_of, orient

pytestmark = pytest.mark.django_db

TODAY = reference_today()


@pytest.fixture
def worker(client, users):
    """A social worker's token of the association that refers the households below."""
    return token_of(client, users[Role.SOCIAL_WORKER], Role.SOCIAL_WORKER)


@pytest.fixture
def coordinator(client, users):
    return token_of(client, users[Role.COORDINATOR], Role.COORDINATOR)


@pytest.fixture
def referent(client, users):
    return token_of(client, users[Role.REFERENT], Role.REFERENT)


def new_household_body(**changes):
    body = {
        "referrer_kind": "association",
        "received_on": str(TODAY - timedelta(days=3)),
        "summary": "Rencontrée en maraude.",
        "situation_kind": "street",
        "persons": [
            {"last_name": "Durand", "first_name": "Awa", "birth_date": "1990-05-01", "sex": "F", "is_head": True},
            {"last_name": "Durand", "first_name": "Noé", "birth_date": "2019-02-10", "role": "child"},
        ],
        "priority_publics": ["single_parent"],
        "consent_given": True,
        "consent_on": str(TODAY - timedelta(days=3)),
        "consent_kinds": ["siao"],
    }
    body.update(changes)
    return body


# --- the list -------------------------------------------------------------------------------------


def test_the_list_shows_the_organisations_households_with_filters(worker, users):
    mine = make_household(users[Role.SOCIAL_WORKER], last_name="Martin")
    shelter = make_household(users[Role.SOCIAL_WORKER], last_name="Bernard", situation="chrs")
    orient(users[Role.COORDINATOR], shelter)
    body = worker.get("/menages").json()
    assert body["count"] == 2
    assert {item["head_last_name"] for item in body["items"]} == {"Martin", "Bernard"}
    assert [i["id"] for i in worker.get("/menages", statut="on_list").json()["items"]] == [shelter.pk]
    assert [i["id"] for i in worker.get("/menages", ethos=1).json()["items"]] == [mine.pk]
    assert worker.get("/menages", mis_a_jour_depuis=str(TODAY + timedelta(days=1))).json()["count"] == 0
    page = worker.get("/menages", limit=1, offset=1).json()
    assert page["count"] == 2 and len(page["items"]) == 1


def test_the_list_refuses_pages_over_200_and_unknown_filters_in_french(worker):
    response = worker.get("/menages", limit=201)
    assert response.status_code == 422 and fields(response) == ["limit"]
    response = worker.get("/menages", statut="perdu")
    assert response.status_code == 422
    assert response.json()["erreurs"] == [{"champ": "statut", "message": "Valeur inconnue."}]


def test_a_sensitive_ethos_category_is_neither_shown_nor_searchable_without_the_right(worker, coordinator, users):
    sheltered = make_household(users[Role.SOCIAL_WORKER], situation="women_shelter")  # ETHOS 4, violence
    item = worker.get("/menages").json()["items"][0]
    assert item["id"] == sheltered.pk and item["ethos"] is None
    assert worker.get("/menages", ethos=4).json()["count"] == 0
    assert [i["id"] for i in coordinator.get("/menages", ethos=4).json()["items"]] == [sheltered.pk]


@pytest.mark.parametrize("households", [10, 60])
def test_the_list_costs_the_same_number_of_queries_whatever_the_size(
    worker, users, households, django_assert_max_num_queries
):
    for n in range(households):
        make_household(users[Role.SOCIAL_WORKER], last_name=f"Nom{n}")
    with django_assert_max_num_queries(7):
        response = worker.get("/menages", limit=200)
    assert response.json()["count"] == households


# --- referrals for a new household ----------------------------------------------------------------


def test_a_referral_creates_the_household_and_answers_201(worker, users):
    response = worker.post("/menages", new_household_body())
    assert response.status_code == 201, response.json()
    body = response.json()
    household = Household.objects.get(pk=body["household_id"])
    assert household.created_by_organisation == organisation_of(users[Role.SOCIAL_WORKER])
    assert body["household"]["composition"] == {
        "adults": 1,
        "children": 1,
        "others": 0,
        "children_ages": [Person.objects.get(first_name="Noé").age_on(TODAY)],
        "single_parent": True,
    }
    assert body["household"]["current_situation"]["kind"] == "street"
    assert Referral.objects.get(pk=body["referral_id"]).summary == "Rencontrée en maraude."


def test_a_landlord_may_refer_but_does_not_get_the_file_back(client, users):
    landlord = token_of(client, users[Role.LANDLORD], Role.LANDLORD)
    response = landlord.post("/menages", new_household_body())
    assert response.status_code == 201
    assert response.json()["household"] is None and response.json()["household_reference"]
    assert landlord.get(f"/menages/{response.json()['household_id']}").status_code == 403


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        (
            {"persons": [{"last_name": "Durand", "first_name": "Awa", "birth_date": str(TODAY + timedelta(days=1))}]},
            "persons.0.birth_date",
        ),
        ({"situation_kind": "chateau"}, "situation_kind"),
        ({"received_on": str(TODAY + timedelta(days=2))}, "received_on"),
        ({"persons": []}, "persons"),
        ({"consent_on": None}, "consent_on"),
        ({"persons": [{"first_name": "Awa"}]}, "persons.0.last_name"),
        ({"received_on": "hier"}, "received_on"),
    ],
)
def test_bad_input_is_refused_naming_the_field_and_nothing_is_saved(worker, changes, field):
    response = worker.post("/menages", new_household_body(**changes))
    assert response.status_code == 422
    assert response.json()["detail"] == "Données invalides."
    assert field in fields(response)
    assert all(error["message"] for error in response.json()["erreurs"])
    assert not Household.objects.exists() and not Person.objects.exists() and not HouseholdEvent.objects.exists()


# --- one household --------------------------------------------------------------------------------


def test_the_detail_holds_the_file_and_the_read_is_logged(worker, users):
    household = make_household(users[Role.SOCIAL_WORKER], priority_publics=["under_25"])
    services.record_resource(household, author_of(users[Role.SOCIAL_WORKER]), "rsa", 607)
    services.record_need(household, author_of(users[Role.SOCIAL_WORKER]), "budget", "identified")
    response = worker.get(f"/menages/{household.pk}")
    assert response.status_code == 200
    body = response.json()
    assert body["reference"] == household.reference and body["status"] == "referred"
    assert body["persons"][0]["last_name"] == "Martin"
    assert body["resources"][0]["kind"] == "rsa" and body["resources"][0]["monthly_amount"] == 607
    assert body["needs"] == [{"kind": "budget", "status": "identified", "updated_on": str(TODAY)}]
    assert body["priority_publics"] == ["under_25"]
    assert body["current_situation"]["ethos"] == 1 and len(body["situations"]) == 1
    assert body["referrals"][0]["referrer_kind"] == "association"
    assert body["version"] == Household.objects.get(pk=household.pk).version
    log = AccessLog.objects.get(action="read", object_type="household")
    assert log.object_id == str(household.pk) and log.token_id is not None
    assert log.route == "api:household"


def test_an_unknown_household_answers_404_in_french(worker):
    response = worker.get("/menages/999999")
    assert response.status_code == 404 and response.json() == {"detail": "Introuvable."}


def test_patch_changes_the_editable_fields_with_the_version(worker, users):
    household = make_household(users[Role.SOCIAL_WORKER])
    version = household.version
    response = worker.patch(
        f"/menages/{household.pk}",
        {
            "version": version,
            "accepted_communes": ["13055"],
            "wished_home_types": ["social"],
            "sne_number": "013-1234",
            "dalo_recognised": True,
            "dalo_on": str(TODAY),
            "next_review_on": str(TODAY + timedelta(days=30)),
        },
    )
    assert response.status_code == 200, response.json()
    assert response.json()["version"] == version + 1
    household.refresh_from_db()
    assert household.accepted_communes == ["13055"] and household.dalo_recognised
    assert household.next_review_on == TODAY + timedelta(days=30)
    event = household.events.get(kind="household_updated")
    assert event.payload == {
        "fields": [
            "accepted_communes",
            "dalo_on",
            "dalo_recognised",
            "next_review_on",
            "sne_number",
            "wished_home_types",
        ]
    }


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"accepted_communes": ["Marseille"]}, "accepted_communes"),
        ({"dalo_on": str(TODAY + timedelta(days=1))}, "dalo_on"),
        ({"last_contact_on": str(TODAY + timedelta(days=1))}, "last_contact_on"),
        ({"sne_filed_on": "2024-05-01", "sne_renewed_on": "2024-01-01"}, "sne_renewed_on"),
        ({"wished_home_types": ["chateau"]}, "wished_home_types.0"),
        ({"has_pets": None}, "has_pets"),
        ({}, "version"),
    ],
)
def test_patch_refuses_bad_values_naming_the_field(worker, users, body, field):
    household = make_household(users[Role.SOCIAL_WORKER])
    if field != "version":
        body = {"version": household.version, **body}
    response = worker.patch(f"/menages/{household.pk}", body)
    assert response.status_code == 422 and field in fields(response)
    assert Household.objects.get(pk=household.pk).version == household.version


def test_two_patches_of_the_same_version_the_second_is_refused_and_the_first_kept(client, users):
    household = make_household(users[Role.SOCIAL_WORKER])
    first = token_of(client, users[Role.SOCIAL_WORKER], Role.SOCIAL_WORKER)
    second = token_of(client, users[Role.SOCIAL_WORKER], Role.SOCIAL_WORKER)
    version = household.version
    assert first.patch(f"/menages/{household.pk}", {"version": version, "sne_number": "A-1"}).status_code == 200
    response = second.patch(f"/menages/{household.pk}", {"version": version, "sne_number": "B-2"})
    assert response.status_code == 409
    assert response.json() == {"detail": services.STALE_MESSAGE}
    household.refresh_from_db()
    assert household.sne_number == "A-1" and household.version == version + 1


# --- persons and situations ------------------------------------------------------------------------


def test_persons_are_listed_and_added(worker, users):
    household = make_household(users[Role.SOCIAL_WORKER])
    response = worker.post(
        f"/menages/{household.pk}/personnes",
        {"last_name": "Martin", "first_name": "Jules", "role": "child", "birth_date": "2020-01-01"},
    )
    assert response.status_code == 201 and response.json()["first_name"] == "Jules"
    listed = worker.get(f"/menages/{household.pk}/personnes").json()
    assert [p["first_name"] for p in listed] == ["Léa", "Jules"]


def test_a_person_born_tomorrow_or_of_an_unknown_role_is_refused(worker, users):
    household = make_household(users[Role.SOCIAL_WORKER])
    tomorrow = str(TODAY + timedelta(days=1))
    response = worker.post(
        f"/menages/{household.pk}/personnes", {"last_name": "X", "first_name": "Y", "birth_date": tomorrow}
    )
    assert response.status_code == 422 and fields(response) == ["birth_date"]
    response = worker.post(f"/menages/{household.pk}/personnes", {"last_name": "X", "first_name": "Y", "role": "chef"})
    assert response.status_code == 422 and fields(response) == ["role"]
    assert household.persons.count() == 1


def test_a_new_situation_closes_the_previous_one(worker, users):
    household = make_household(users[Role.SOCIAL_WORKER], received_on=TODAY - timedelta(days=40))
    response = worker.post(
        f"/menages/{household.pk}/situations", {"kind": "hotel_115", "started_on": str(TODAY - timedelta(days=2))}
    )
    assert response.status_code == 201 and response.json()["ethos"] == 2
    history = worker.get(f"/menages/{household.pk}/situations").json()
    assert [s["kind"] for s in history] == ["hotel_115", "street"]
    assert history[1]["ended_on"] == str(TODAY - timedelta(days=2))
    assert Household.objects.get(pk=household.pk).current_ethos == 2


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "chateau", "started_on": str(TODAY)}, "kind"),
        ({"kind": "chrs", "started_on": str(TODAY + timedelta(days=1))}, "started_on"),
        ({"kind": "chrs", "started_on": "2001-01-01"}, "started_on"),  # before the current one
    ],
)
def test_a_bad_situation_is_refused_naming_the_field_and_nothing_is_saved(worker, users, body, field):
    household = make_household(users[Role.SOCIAL_WORKER])
    response = worker.post(f"/menages/{household.pk}/situations", body)
    assert response.status_code == 422 and fields(response) == [field]
    assert LivingSituation.objects.filter(household=household).count() == 1
    assert LivingSituation.objects.get(household=household).ended_on is None


def test_a_stale_version_on_a_new_situation_is_refused(worker, users):
    household = make_household(users[Role.SOCIAL_WORKER])
    response = worker.post(
        f"/menages/{household.pk}/situations",
        {"kind": "chrs", "started_on": str(TODAY), "version": household.version - 1},
    )
    assert response.status_code == 409
    assert LivingSituation.objects.filter(household=household).count() == 1


# --- referrals, orientation, exit, events ---------------------------------------------------------


def test_referrals_are_listed_and_a_household_that_left_comes_back(worker, coordinator, referent, users):
    household = make_household(users[Role.SOCIAL_WORKER], received_on=TODAY - timedelta(days=60))
    orient(users[Role.COORDINATOR], household, on=TODAY - timedelta(days=50))
    household.refresh_from_db()
    assert (
        referent.post(f"/menages/{household.pk}/sortie", {"on": str(TODAY), "reason": "lost_contact"}).status_code
        == 404
    )
    response = coordinator.post(f"/menages/{household.pk}/sortie", {"on": str(TODAY), "reason": "lost_contact"})
    assert response.status_code == 200 and response.json()["status"] == "left"
    response = worker.post(
        f"/menages/{household.pk}/saisines", {"referrer_kind": "association", "received_on": str(TODAY)}
    )
    assert response.status_code == 201
    household.refresh_from_db()
    assert household.status == "referred" and household.current_episode.number == 2
    listed = worker.get("/saisines").json()
    assert listed["count"] == 2 and {r["household_id"] for r in listed["items"]} == {household.pk}
    assert worker.get("/saisines", statut="received").json()["count"] == 1


def test_the_coordinator_orients_and_an_impossible_move_answers_409(coordinator, worker, users):
    household = make_household(users[Role.SOCIAL_WORKER])
    accompanying = organisation_of(users[Role.SOCIAL_WORKER])
    response = coordinator.post(
        f"/menages/{household.pk}/orientations",
        {
            "decision": "oriented",
            "decided_on": str(TODAY),
            "measure": "vial",
            "housing_search": True,
            "accompanying_organisation_id": accompanying.pk,
        },
    )
    assert response.status_code == 201, response.json()
    assert response.json()["delay_days"] == 30
    household.refresh_from_db()
    assert household.status == "on_list" and household.accompanying_organisation == accompanying
    response = coordinator.post(
        f"/menages/{household.pk}/orientations",
        {"decision": "closed", "decided_on": str(TODAY), "reason": "solved"},
    )
    assert response.status_code == 409
    assert response.json()["detail"].startswith("Impossible de clore sans suite")
    response = worker.post(f"/menages/{household.pk}/orientations", {"decision": "closed"})
    assert response.status_code == 403


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"decision": "oriented"}, "measure"),
        ({"decision": "closed"}, "reason"),
        (
            {"decision": "oriented", "measure": "vial", "accompanying_organisation_id": 999999},
            "accompanying_organisation_id",
        ),
        ({"decision": "oriented", "measure": "vial", "referral_id": 999999}, "referral_id"),
    ],
)
def test_a_bad_orientation_is_refused_naming_the_field(coordinator, users, body, field):
    household = make_household(users[Role.SOCIAL_WORKER])
    response = coordinator.post(f"/menages/{household.pk}/orientations", {"decided_on": str(TODAY), **body})
    assert response.status_code == 422 and fields(response) == [field]
    assert Household.objects.get(pk=household.pk).status == "referred"


def test_an_exit_before_the_entry_is_refused_naming_the_field(coordinator, users):
    household = make_household(users[Role.SOCIAL_WORKER], received_on=TODAY - timedelta(days=20))
    orient(users[Role.COORDINATOR], household, on=TODAY - timedelta(days=10))
    response = coordinator.post(
        f"/menages/{household.pk}/sortie", {"on": str(TODAY - timedelta(days=15)), "reason": "lost_contact"}
    )
    assert response.status_code == 422 and fields(response) == ["on"]
    response = coordinator.post(f"/menages/{household.pk}/sortie", {"on": str(TODAY), "reason": "housed"})
    assert response.status_code == 422 and fields(response) == ["housed_in"]
    assert Household.objects.get(pk=household.pk).status == "on_list"
    response = coordinator.post(
        f"/menages/{household.pk}/sortie", {"on": str(TODAY), "reason": "housed", "housed_in": "social"}
    )
    assert response.status_code == 200
    assert Household.objects.get(pk=household.pk).current_episode.housed_in == "social"


def test_events_are_the_households_timeline(worker, users):
    household = make_household(users[Role.SOCIAL_WORKER])
    orient(users[Role.COORDINATOR], household)
    kinds = [e["kind"] for e in worker.get(f"/menages/{household.pk}/evenements").json()]
    assert kinds[:2] == ["household_created", "referral_received"]
    assert {"orientation_decided", "list_entered", "situation_recorded"} <= set(kinds)


def test_the_permission_is_checked_before_the_body_is_read(client, users, worker):
    """A token without the right gets 403 even with an empty body: validation teaches it nothing."""
    household = make_household(users[Role.SOCIAL_WORKER])
    observer = token_of(client, users[Role.OBSERVER], Role.OBSERVER)
    assert observer.post("/menages", {}).status_code == 403
    assert worker.post(f"/menages/{household.pk}/sortie", {}).status_code == 403
    assert AccessLog.objects.filter(action="denied", object_id="households.exit").count() == 1


def test_the_openapi_schema_documents_the_operations_in_french(client):
    schema = client.get("/api/openapi.json").json()
    operation = schema["paths"]["/api/v1/menages/{household_id}"]["patch"]
    assert operation["summary"].startswith("Modifier") and "Liste nominative" in operation["tags"]
    assert set(schema["paths"]["/api/v1/menages"]) == {"get", "post"}
    assert list(schema["components"]["securitySchemes"]) == ["OrganisationToken"]
    assert "409" in operation["responses"] and "422" in operation["responses"]


def test_birth_dates_may_be_only_a_year(worker, users):
    household = make_household(users[Role.SOCIAL_WORKER])
    response = worker.post(
        f"/menages/{household.pk}/personnes",
        {"last_name": "Martin", "first_name": "Sam", "birth_date": "1970-01-01", "birth_date_precision": "year"},
    )
    assert response.status_code == 201
    assert Person.objects.get(first_name="Sam").birth_date_precision == codes.DatePrecision.YEAR
    assert response.json()["birth_date"] == str(date(1970, 1, 1))


def test_a_body_that_is_not_json_is_refused_in_french(client, worker):
    response = client.post("/api/v1/menages", "pas du json", content_type="application/json", **worker.headers)
    assert response.status_code == 400
    assert response.json() == {"detail": "Le corps de la requête n'est pas un JSON valide."}
