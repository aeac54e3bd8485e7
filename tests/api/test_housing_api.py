"""Housing supply and matching through the API: units and their status, capture, proposals from
candidate to entry, matching runs, the territory's rules; French errors naming the field with
nothing saved (422), refusals of the state (409), bounded queries."""

from datetime import timedelta

import pytest

from lda.accounts.roles import Role
from lda.households.codes import HouseholdStatus
from lda.housing import codes, proposals, services
from lda.housing.models import (
    CaptureProspect,
    CaptureTarget,
    ContingentQuota,
    Incentive,
    MatchingRun,
    Proposal,
    Residence,
    Unit,
)
from lda.tasks import queue
from tests.api.households_helpers import fields, token_of
from tests.clock import reference_today
from tests.factories import user_with_role
from tests.housing.helpers import ECHIROLLES, GRENOBLE, author_of, household_on_list, make_unit, organisation_of

pytestmark = pytest.mark.django_db

TODAY = reference_today()
P = codes.ProposalStatus


def day(days_ago: int) -> str:
    return str(TODAY - timedelta(days=days_ago))


@pytest.fixture
def coordinator_user(territory, users):
    services.install_defaults(territory)
    return users[Role.COORDINATOR]


@pytest.fixture
def coordinator(client, coordinator_user):
    return token_of(client, coordinator_user, Role.COORDINATOR)


@pytest.fixture
def landlord(client, users):
    return token_of(client, users[Role.LANDLORD], Role.LANDLORD)


@pytest.fixture
def association(client, users):
    """A social worker's token: its association captures private housing and manages units."""
    return token_of(client, users[Role.SOCIAL_WORKER], Role.SOCIAL_WORKER)


@pytest.fixture
def referent(client, users):
    return token_of(client, users[Role.REFERENT], Role.REFERENT)


def unit_body(**changes):
    body = {
        "reference": "GRE-0001",
        "landlord_kind": "social",
        "contingent_kind": "prefecture",
        "address": "3 rue Très-Cloîtres",
        "commune_insee": GRENOBLE,
        "commune_name": "Grenoble",
        "kind": "logement_social",
        "typology": 2,
        "surface": 45.5,
        "floor": 2,
        "lift": True,
        "rent": 390,
        "charges": 55,
        "available_on": day(1),
    }
    body.update(changes)
    return body


def landlord_unit(territory, users, **fields):
    return make_unit(territory, organisation_of(users[Role.LANDLORD]), **fields)


# --- units ----------------------------------------------------------------------------------------


def test_a_landlord_adds_a_unit_and_reads_it_with_its_history(territory, users, landlord):
    response = landlord.post("/logements", unit_body())
    assert response.status_code == 201, response.json()
    created = response.json()
    assert created["landlord_id"] == organisation_of(users[Role.LANDLORD]).pk
    assert (created["status"], created["surface"], created["version"]) == ("available", 45.5, 1)
    assert [(e["action"], e["status_to"]) for e in created["history"]] == [("create", "available")]
    assert landlord.get(f"/logements/{created['id']}").json() == created


def test_the_coordinator_names_the_landlord_of_a_new_unit(territory, users, coordinator):
    response = coordinator.post("/logements", unit_body())
    assert response.status_code == 422
    assert fields(response) == ["landlord_id"]
    body = unit_body(landlord_id=organisation_of(users[Role.LANDLORD]).pk, status="prospect")
    response = coordinator.post("/logements", body)
    assert response.status_code == 201, response.json()
    assert response.json()["status"] == "prospect"


def test_a_bad_unit_is_refused_field_by_field_in_french_and_nothing_is_saved(
    territory, other_territory, users, landlord
):
    response = landlord.post("/logements", unit_body(commune_insee="999", kind="chateau", reference=""))
    assert response.status_code == 422
    assert set(fields(response)) == {"kind"}  # the schema first, then the service
    response = landlord.post("/logements", unit_body(commune_insee="999", surface=900))
    assert response.status_code == 422
    errors = {e["champ"]: e["message"] for e in response.json()["erreurs"]}
    assert set(errors) == {"commune_insee", "surface"}
    assert "code INSEE" in errors["commune_insee"]
    response = landlord.post("/logements", unit_body(kind="iml"))
    assert fields(response) == ["landlord_kind"]
    holder = organisation_of(user_with_role(Role.LANDLORD, other_territory))
    other = ContingentQuota.objects.create(territory=other_territory, kind="commune", holder=holder, label="Ailleurs")
    response = landlord.post("/logements", unit_body(contingent_id=other.pk, contingent_kind="commune"))
    assert fields(response) == ["contingent_id"]
    assert not Unit.objects.exists()


def test_a_unit_is_updated_with_its_version_and_a_stale_save_is_refused(territory, users, landlord):
    unit = landlord_unit(territory, users)
    response = landlord.patch(f"/logements/{unit.pk}", {"version": unit.version, "rent": 400, "lift": False})
    assert response.status_code == 200, response.json()
    assert response.json()["version"] == unit.version + 1
    unit.refresh_from_db()
    assert (float(unit.rent), unit.lift) == (400.0, False)
    response = landlord.patch(f"/logements/{unit.pk}", {"version": unit.version - 1, "rent": 410})
    assert response.status_code == 409
    assert "modifiée par quelqu'un d'autre" in response.json()["detail"]
    response = landlord.patch(f"/logements/{unit.pk}", {"version": unit.version, "commune_insee": "12"})
    assert response.status_code == 422 and fields(response) == ["commune_insee"]
    response = landlord.patch(f"/logements/{unit.pk}", {"version": unit.version, "landlord_id": 1})
    assert response.status_code == 422 and fields(response) == ["landlord_id"]
    assert landlord.patch(f"/logements/{unit.pk}", {"rent": 1}).status_code == 422  # no version
    unit.refresh_from_db()
    assert float(unit.rent) == 400.0


def test_status_actions_are_dated_and_refused_transitions_answer_409(territory, users, landlord):
    unit = landlord_unit(territory, users)
    url = f"/logements/{unit.pk}"
    response = landlord.post(f"{url}/retrait", {"version": unit.version, "note": " "})
    assert response.status_code == 422 and fields(response) == ["note"]
    response = landlord.post(f"{url}/retrait", {"version": unit.version, "note": "Travaux", "on": day(3)})
    assert response.status_code == 200, response.json()
    state = response.json()
    assert (state["status"], state["status_since"]) == ("withdrawn", day(3))
    response = landlord.post(f"{url}/liberation", {"version": state["version"], "on": day(1)})
    assert response.status_code == 409
    assert "Impossible" in response.json()["detail"]
    response = landlord.post(f"{url}/mise-a-disposition", {"version": state["version"], "on": day(1)})
    assert response.status_code == 200 and response.json()["status"] == "available"
    history = landlord.get(url).json()["history"]
    assert [(e["action"], e["occurred_on"]) for e in history] == [
        ("create", str(unit.status_since)),
        ("withdraw", day(3)),
        ("make_available", day(1)),
    ]
    assert history[1]["note"] == "Travaux"


def test_a_freed_residence_unit_says_whether_it_goes_to_the_siao(territory, users, landlord):
    manager = organisation_of(users[Role.LANDLORD])
    residence = Residence.objects.create(
        territory=territory, name="Les Tilleuls", kind="pension_de_famille", manager=manager,
        commune_insee=GRENOBLE, commune_name="Grenoble", places=20,
    )  # fmt: skip
    unit = landlord_unit(territory, users, kind="pension_de_famille", residence=residence, typology=1)
    Unit.objects.filter(pk=unit.pk).update(status="occupied")
    response = landlord.post(f"/logements/{unit.pk}/liberation", {"version": unit.version, "on": day(0)})
    assert response.status_code == 422 and fields(response) == ["to_siao"]
    body = {"version": unit.version, "on": day(0), "to_siao": True}
    response = landlord.post(f"/logements/{unit.pk}/liberation", body)
    assert response.status_code == 200, response.json()
    detail = landlord.get(f"/logements/{unit.pk}").json()
    assert detail["history"][-1]["to_siao"] is True
    assert detail["residence_share"]["handed"] == 1 and detail["residence"]["name"] == "Les Tilleuls"


def test_the_unit_list_filters_and_pages(territory, users, landlord):
    landlord_unit(territory, users, reference="A1")
    landlord_unit(territory, users, reference="A2", typology=3, commune_insee=ECHIROLLES, surface=70)
    landlord_unit(territory, users, reference="A3", kind="plai")
    assert landlord.get("/logements").json()["count"] == 3
    assert [u["reference"] for u in landlord.get("/logements", typologie=3).json()["items"]] == ["A2"]
    assert [u["reference"] for u in landlord.get("/logements", commune=ECHIROLLES).json()["items"]] == ["A2"]
    assert [u["reference"] for u in landlord.get("/logements", type="plai").json()["items"]] == ["A3"]
    assert landlord.get("/logements", statut="withdrawn").json()["count"] == 0
    page = landlord.get("/logements", limit=1, offset=1).json()
    assert page["count"] == 3 and [u["reference"] for u in page["items"]] == ["A2"]
    response = landlord.get("/logements", statut="vendu")
    assert response.status_code == 422
    assert response.json()["erreurs"] == [{"champ": "statut", "message": "Valeur inconnue."}]
    assert landlord.get("/logements", limit=201).status_code == 422


@pytest.mark.parametrize("count", [3, 40])
def test_the_unit_list_costs_the_same_whatever_its_size(
    territory, users, landlord, count, django_assert_max_num_queries
):
    for n in range(count):
        landlord_unit(territory, users, reference=f"R{n:03}")
    with django_assert_max_num_queries(4):  # token, last use, count, page
        assert landlord.get("/logements", limit=200).json()["count"] == count


@pytest.mark.parametrize("events", [1, 20])
def test_a_unit_detail_costs_the_same_whatever_its_history(
    territory, users, landlord, events, django_assert_max_num_queries
):
    unit = landlord_unit(territory, users)
    author = author_of(users[Role.LANDLORD])
    for n in range(events - 1):
        unit = (
            services.withdraw_unit(unit, author, "Travaux", TODAY)
            if n % 2 == 0
            else services.make_available(unit, author, TODAY)
        )
    with django_assert_max_num_queries(6):
        assert len(landlord.get(f"/logements/{unit.pk}").json()["history"]) == events


# --- capture --------------------------------------------------------------------------------------


def prospect_body(**changes):
    body = {
        "owner_label": "M. Durand",
        "address": "8 place Grenette",
        "commune_insee": GRENOBLE,
        "commune_name": "Grenoble",
        "typology": 2,
        "surface": 40,
        "rent_asked": 520,
        "contacted_on": day(30),
    }
    body.update(changes)
    return body


def test_the_capture_pipeline_from_contact_to_an_available_unit(territory, users, association):
    response = association.post("/captations", prospect_body())
    assert response.status_code == 201, response.json()
    created = response.json()
    pk, version = created["id"], created["version"]
    assert created["operator"]["id"] == organisation_of(users[Role.SOCIAL_WORKER]).pk
    assert created["stage"] == "contacted"
    response = association.post(f"/captations/{pk}/visite", {"visited_on": day(20), "version": version})
    assert response.status_code == 200 and response.json()["stage"] == "visited"
    version = response.json()["version"]
    response = association.post(
        f"/captations/{pk}/accord", {"decided_on": day(10), "mode": "mandat", "version": version}
    )
    assert response.status_code == 200 and response.json()["stage"] == "agreed"
    version = response.json()["version"]
    response = association.post(f"/captations/{pk}/primes", {"reason": "captation", "amount": 2000, "paid_on": day(9)})
    assert response.status_code == 201, response.json()
    assert response.json()["amount"] == 2000.0
    body = {"on": day(5), "reference": "IML-01", "contingent_kind": "prefecture", "charges": 40, "version": version}
    response = association.post(f"/captations/{pk}/ouverture", body)
    assert response.status_code == 201, response.json()
    unit = response.json()
    assert (unit["kind"], unit["landlord_kind"], unit["capture_mode"], unit["rent"]) == (
        "iml",
        "private",
        "mandat",
        520.0,
    )
    detail = association.get(f"/captations/{pk}").json()
    assert detail["stage"] == "available" and detail["unit_id"] == unit["id"]
    assert [i["reason"] for i in detail["incentives"]] == ["captation"]
    assert [i["amount"] for i in association.get(f"/captations/{pk}/primes").json()] == [2000.0]
    # The association manages the unit it captured.
    assert association.get(f"/logements/{unit['id']}").status_code == 200


def test_capture_steps_out_of_order_answer_409_and_bad_data_422(territory, users, association):
    prospect = association.post("/captations", prospect_body()).json()
    pk, version = prospect["id"], prospect["version"]
    body = {"on": day(1), "reference": "X", "contingent_kind": "prefecture", "charges": 0, "version": version}
    response = association.post(f"/captations/{pk}/ouverture", body)
    assert response.status_code == 409 and "étape" in response.json()["detail"]
    response = association.post(f"/captations/{pk}/visite", {"visited_on": day(40), "version": version})
    assert response.status_code == 422 and fields(response) == ["visited_on"]
    response = association.post(f"/captations/{pk}/primes", {"reason": "captation", "amount": 10, "paid_on": day(1)})
    assert response.status_code == 422 and fields(response) == ["reason"]
    response = association.post(
        f"/captations/{pk}/refus", {"decided_on": day(2), "refusal_reason": "x", "version": version}
    )
    assert response.status_code == 422 and fields(response) == ["refusal_reason"]
    response = association.post(
        f"/captations/{pk}/refus", {"decided_on": day(2), "refusal_reason": "loyer", "version": version}
    )
    assert response.status_code == 200 and response.json()["stage"] == "refused"
    response = association.post(
        f"/captations/{pk}/accord", {"decided_on": day(1), "mode": "mandat", "version": version}
    )
    assert response.status_code == 409  # stale version
    response = association.post(
        "/captations", prospect_body(commune_insee="1", contacted_on=str(TODAY + timedelta(days=2)))
    )
    assert response.status_code == 422 and set(fields(response)) <= {"commune_insee", "contacted_on"}
    response = association.post("/captations", prospect_body(operator_id=organisation_of(users[Role.LANDLORD]).pk))
    assert response.status_code == 422 and fields(response) == ["operator_id"]
    assert CaptureProspect.objects.count() == 1 and not Incentive.objects.exists()


def test_the_capture_list_pages_and_filters_by_stage(territory, users, association, coordinator):
    for n in range(3):
        association.post("/captations", prospect_body(owner_label=f"Propriétaire {n}"))
    assert association.get("/captations").json()["count"] == 3
    assert coordinator.get("/captations", etape="contacted").json()["count"] == 3
    assert association.get("/captations", etape="agreed").json()["count"] == 0
    assert len(association.get("/captations", limit=2).json()["items"]) == 2


@pytest.mark.parametrize("count", [2, 30])
def test_the_capture_list_costs_the_same_whatever_its_size(
    territory, users, association, count, django_assert_max_num_queries
):
    author = author_of(users[Role.SOCIAL_WORKER])
    for n in range(count):
        services.create_prospect(
            territory, author, operator=organisation_of(users[Role.SOCIAL_WORKER]), owner_label=f"P{n}",
            address="1 rue", commune_insee=GRENOBLE, commune_name="Grenoble", typology=1, surface=20,
            rent_asked=400, contacted_on=TODAY,
        )  # fmt: skip
    with django_assert_max_num_queries(4):
        assert association.get("/captations", limit=200).json()["count"] == count


def test_targets_are_read_with_their_progress(territory, users, association, coordinator):
    CaptureTarget.objects.create(
        territory=territory, label="Mandats 2025", mode="mandat", starts_on=TODAY - timedelta(days=100),
        ends_on=TODAY + timedelta(days=100), units=10, reserved_for_housing_first=5,
    )  # fmt: skip
    prospect = association.post("/captations", prospect_body()).json()
    association.post(f"/captations/{prospect['id']}/accord", {"decided_on": day(1), "mode": "mandat", "version": 1})
    targets = coordinator.get("/objectifs-captation").json()
    assert len(targets) == 1
    assert targets[0]["progress"]["captured"] == 1 and targets[0]["progress"]["reserved"] == 1
    assert targets[0]["progress"]["rate"] == 0.1


# --- proposals --------------------------------------------------------------------------------------


@pytest.fixture
def household(coordinator_user, users):
    found = household_on_list(coordinator_user)
    found.referent_organisation = organisation_of(users[Role.REFERENT])
    found.save(update_fields=["referent_organisation"])
    return found


def test_a_proposal_goes_from_candidate_to_entry_through_the_api(
    territory, users, coordinator, landlord, referent, household
):
    unit = landlord_unit(territory, users)
    response = coordinator.post(f"/logements/{unit.pk}/candidats", {"household_id": household.pk})
    assert response.status_code == 201, response.json()
    created = response.json()
    pk = created["id"]
    assert (created["status"], created["rank"], created["view"]) == ("candidate", 1, "file")
    assert created["household_name"] == "Martin Léa"
    # The landlord does not see candidates before they are sent.
    assert landlord.get(f"/propositions/{pk}").status_code == 404
    response = coordinator.post(f"/logements/{unit.pk}/transmission", {"sent_on": day(20)})
    assert response.status_code == 200, response.json()
    assert response.json()["sent"] == 1 and response.json()["unit"]["status"] == "proposed"
    version = landlord.get(f"/propositions/{pk}").json()["version"]
    body = {"decision": "allocated", "committee_rank": 1, "committee_on": day(15), "version": version}
    response = landlord.post(f"/propositions/{pk}/decision", body)
    assert response.status_code == 200, response.json()
    version = response.json()["version"]
    assert response.json()["status"] == "allocated"
    response = referent.post(f"/propositions/{pk}/offre", {"offered_on": day(14), "version": version})
    assert response.status_code == 200, response.json()
    version = response.json()["version"]
    response = referent.post(
        f"/propositions/{pk}/reponse", {"answer": "accepted", "answered_on": day(10), "version": version}
    )
    assert response.status_code == 200 and response.json()["status"] == "accepted"
    version = response.json()["version"]
    response = landlord.post(f"/propositions/{pk}/bail", {"lease_signed_on": day(5), "version": version})
    assert response.status_code == 200 and response.json()["status"] == "leased"
    version = response.json()["version"]
    response = landlord.post(f"/propositions/{pk}/entree", {"entered_on": day(2), "version": version})
    assert response.status_code == 200 and response.json()["status"] == "entered"
    household.refresh_from_db()
    unit.refresh_from_db()
    assert household.status == HouseholdStatus.LEFT and unit.status == "occupied"
    history = coordinator.get(f"/propositions/{pk}").json()["history"]
    assert [e["action"] for e in history] == ["add", "send", "decide", "offer", "answer", "lease", "enter"]


def _sent(territory, users, coordinator_user, *households):
    unit = landlord_unit(territory, users)
    author = author_of(coordinator_user)
    made = [proposals.add_candidate(unit, h, author) for h in households]
    proposals.send_shortlist(unit, author, TODAY - timedelta(days=5))
    return unit, [Proposal.objects.get(pk=p.pk) for p in made]


def test_a_second_allocation_of_the_same_unit_answers_409(
    territory, users, coordinator_user, coordinator, landlord, household
):
    other = household_on_list(coordinator_user, last_name="Bernard")
    unit, (first, second) = _sent(territory, users, coordinator_user, household, other)
    body = {"decision": "allocated", "committee_rank": 1, "version": first.version}
    assert landlord.post(f"/propositions/{first.pk}/decision", body).status_code == 200
    body = {"decision": "allocated", "committee_rank": 1, "version": second.version}
    response = coordinator.post(f"/propositions/{second.pk}/decision", body)
    assert response.status_code == 409
    assert "déjà attribué au ménage" in response.json()["detail"]
    second.refresh_from_db()
    assert second.status == P.SENT


def test_decisions_and_answers_need_their_reason_and_rank(
    territory, users, coordinator_user, coordinator, landlord, household
):
    unit, (proposal,) = _sent(territory, users, coordinator_user, household)
    url = f"/propositions/{proposal.pk}"
    response = landlord.post(f"{url}/decision", {"decision": "allocated", "version": proposal.version})
    assert response.status_code == 422 and fields(response) == ["committee_rank"]
    response = landlord.post(f"{url}/decision", {"decision": "committee_refused", "version": proposal.version})
    assert response.status_code == 422 and fields(response) == ["refusal_reason_id"]
    response = landlord.post(f"{url}/decision", {"decision": "annulée", "version": proposal.version})
    assert response.status_code == 422 and fields(response) == ["decision"]
    household_reason = coordinator.get("/motifs-refus").json()
    by_code = {r["code"]: r["id"] for r in household_reason}
    body = {"decision": "committee_refused", "refusal_reason_id": by_code["menage-etat"], "version": proposal.version}
    assert fields(landlord.post(f"{url}/decision", body)) == ["refusal_reason_id"]
    body = {"decision": "postponed", "version": proposal.version}
    response = landlord.post(f"{url}/decision", body)
    assert response.status_code == 200 and response.json()["status"] == "postponed"
    assert landlord.post(f"{url}/decision", body).status_code == 409  # stale version
    body = {"decision": "allocated", "committee_rank": 1, "version": response.json()["version"]}
    version = landlord.post(f"{url}/decision", body).json()["version"]
    version = coordinator.post(f"{url}/offre", {"version": version}).json()["version"]
    response = coordinator.post(f"{url}/reponse", {"answer": "refused", "version": version})
    assert response.status_code == 422 and fields(response) == ["refusal_reason_id"]
    body = {"answer": "refused", "refusal_reason_id": by_code["menage-localisation"], "version": version}
    response = coordinator.post(f"{url}/reponse", body)
    assert response.status_code == 200 and response.json()["status"] == "household_refused"
    detail = coordinator.get(url).json()
    assert detail["refusal_reason"]["code"] == "menage-localisation" and detail["refusal_reason"]["legitimate"]
    unit.refresh_from_db()
    assert unit.status == "available"


def test_refused_transitions_answer_409(territory, users, coordinator_user, coordinator, landlord, household):
    unit, (proposal,) = _sent(territory, users, coordinator_user, household)
    url = f"/propositions/{proposal.pk}"
    response = landlord.post(f"{url}/bail", {"version": proposal.version})
    assert response.status_code == 409 and "Impossible" in response.json()["detail"]
    assert coordinator.post(f"{url}/offre", {"version": proposal.version}).status_code == 409
    assert coordinator.post(f"/logements/{unit.pk}/transmission", {}).status_code == 409  # nothing left to send
    response = coordinator.post(f"{url}/retrait", {"version": proposal.version})
    assert response.status_code == 200 and response.json()["status"] == "withdrawn"
    assert coordinator.post(f"{url}/retrait", {"version": proposal.version + 1}).status_code == 409


def test_adding_a_candidate_checks_the_household_and_its_wishes(
    territory, users, coordinator_user, coordinator, household
):
    unit = landlord_unit(territory, users, commune_insee=ECHIROLLES, commune_name="Échirolles")
    url = f"/logements/{unit.pk}/candidats"
    response = coordinator.post(url, {"household_id": 999999})
    assert response.status_code == 422 and fields(response) == ["household_id"]
    response = coordinator.post(url, {"household_id": household.pk})
    assert response.status_code == 422 and fields(response) == ["justification"]
    assert not Proposal.objects.exists()
    response = coordinator.post(url, {"household_id": household.pk, "justification": "Proche de son travail"})
    assert response.status_code == 201
    assert response.json()["explanation"]["overridden"] == ["commune_non_souhaitee"]
    response = coordinator.post(url, {"household_id": household.pk, "justification": "Encore"})
    assert response.status_code == 422 and fields(response) == ["household_id"]
    Unit.objects.filter(pk=unit.pk).update(status="withdrawn")
    other = household_on_list(coordinator_user, last_name="Petit")
    assert coordinator.post(url, {"household_id": other.pk, "justification": "x"}).status_code == 409


def test_the_proposal_list_filters_and_pages(territory, users, coordinator_user, coordinator, household):
    other = household_on_list(coordinator_user, last_name="Bernard")
    unit, made = _sent(territory, users, coordinator_user, household, other)
    assert coordinator.get("/propositions").json()["count"] == 2
    assert [p["household_id"] for p in coordinator.get("/propositions", menage=other.pk).json()["items"]] == [other.pk]
    assert coordinator.get("/propositions", logement=unit.pk).json()["count"] == 2
    assert coordinator.get("/propositions", statut="candidate").json()["count"] == 0
    page = coordinator.get("/propositions", limit=1, offset=1).json()
    assert page["count"] == 2 and page["items"][0]["rank"] == 2
    assert coordinator.get("/propositions", statut="perdue").status_code == 422


@pytest.mark.parametrize("count", [1, 12])
def test_the_proposal_list_costs_the_same_whatever_its_size(
    territory, users, coordinator_user, coordinator, landlord, count, django_assert_max_num_queries
):
    author = author_of(coordinator_user)
    for n in range(count):
        unit = landlord_unit(territory, users, reference=f"P{n:03}")
        proposals.add_candidate(unit, household_on_list(coordinator_user, last_name=f"Nom{n}"), author)
        proposals.send_shortlist(unit, author)
    for token in (coordinator, landlord):
        with django_assert_max_num_queries(4):
            assert token.get("/propositions", limit=200).json()["count"] == count


# --- matching runs and rules --------------------------------------------------------------------------


def test_a_run_is_launched_in_the_background_and_followed(territory, users, coordinator_user, coordinator, household):
    landlord_unit(territory, users)
    response = coordinator.post("/rapprochements", {})
    assert response.status_code == 202, response.json()
    launched = response.json()
    assert launched["state"] == "queued" and launched["task_id"] and launched["method"] == "moteur"
    assert launched["progress"]["percent"] == 0
    response = coordinator.post("/rapprochements", {"method": "moteur"})
    assert response.status_code == 409 and "déjà en cours" in response.json()["detail"]
    assert coordinator.post("/rapprochements", {"method": "au hasard"}).status_code == 422
    run = MatchingRun.objects.get(pk=launched["id"])
    queue.run_task(run.task, live=False)
    done = coordinator.get(f"/rapprochements/{run.pk}").json()
    assert done["state"] == "done" and done["progress"]["percent"] == 100
    assert done["stats"]["proposals"] == 1 and done["fairness"]["blocking_pairs"] == 0
    proposal = coordinator.get("/propositions", statut="candidate").json()["items"][0]
    assert proposal["run_id"] == run.pk and proposal["household_id"] == household.pk


def test_the_refusal_reasons_the_grid_and_the_rules_are_read(territory, coordinator_user, coordinator, landlord):
    reasons = landlord.get("/motifs-refus").json()
    assert {r["side"] for r in reasons} == {"household", "landlord", "holder"}
    grid = landlord.get("/grille-cotation").json()
    assert grid["number"] == 1
    criteria = {c["code"]: c for c in grid["criteria"]}
    assert criteria["dalo"]["points"] == 150 and criteria["violences"]["sensitive"] is True
    rules = landlord.get("/regles-rapprochement").json()
    assert rules["number"] == 1 and rules["max_active_proposals"] == 1
    assert rules["typologies_by_size"]["1"] == [1, 2]


def test_a_territory_without_a_grid_answers_404(client, other_territory):
    token = token_of(client, user_with_role(Role.COORDINATOR, other_territory), Role.COORDINATOR)
    assert token.get("/grille-cotation").status_code == 404
    assert token.get("/regles-rapprochement").status_code == 404
    assert token.get("/motifs-refus").json() == []
