"""Who reaches which housing row through the API (spec 6), and what a proposal's explanation shows:
a landlord reads the allocation data only (no names, no score terms, no alternative); the criteria
revealing a sensitive category, and the totals that would give them away, reach only who sees the
file's sensitive sections; another territory's or organisation's row answers 404; a token without
the permission gets 403 before its body is read."""

import json

import pytest
from django.utils import timezone

from lda.accounts.roles import Role
from lda.audit.models import AccessLog
from lda.households.models import Household
from lda.housing import proposals, runs, services
from lda.housing.models import CaptureProspect, ContingentQuota, Proposal, Unit
from lda.tasks import queue
from tests.api.households_helpers import token_of
from tests.clock import reference_today
from tests.factories import user_with_role
from tests.housing.helpers import GRENOBLE, author_of, household_on_list, landlord_user, make_unit, organisation_of

pytestmark = pytest.mark.django_db

TODAY = str(reference_today())
NAME = "Sentinelle-7b1f"


@pytest.fixture
def coordinator_user(territory, users):
    services.install_defaults(territory)
    return users[Role.COORDINATOR]


@pytest.fixture
def household(coordinator_user, users):
    """A victim of violence on the list, referred by the association (it sees the file, not its
    sensitive sections) and followed by the SIAO (the referent sees everything)."""
    found = household_on_list(coordinator_user, dalo=True, last_name=NAME, priority_publics=("violence_victim",))
    Household.objects.filter(pk=found.pk).update(
        created_by_organisation=organisation_of(users[Role.SOCIAL_WORKER]),
        referent_organisation=organisation_of(users[Role.REFERENT]),
    )
    return found


@pytest.fixture
def unit(territory, users):
    return make_unit(territory, organisation_of(users[Role.LANDLORD]))


@pytest.fixture
def sent(territory, coordinator_user, household, unit):
    """The engine's proposal of the household for the unit, sent to the landlord."""
    run = runs.launch(territory, author_of(coordinator_user))
    queue.run_task(run.task, live=False)
    proposal = Proposal.objects.get(unit=unit, household=household)
    assert any(t["code"] == "violences" for t in proposal.explanation["terms"])
    proposals.send_shortlist(unit, author_of(coordinator_user))
    proposal.refresh_from_db()
    return proposal


def tokens(client, users, *roles):
    return [token_of(client, users[role], role) for role in roles]


def test_a_landlord_reads_the_allocation_data_only(client, users, sent):
    (landlord,) = tokens(client, users, Role.LANDLORD)
    response = landlord.get(f"/propositions/{sent.pk}")
    assert response.status_code == 200
    detail = response.json()
    assert detail["view"] == "allocation" and detail["household_name"] is None
    explanation = detail["explanation"]
    assert explanation["terms"] is None and explanation["alternative"] is None
    assert explanation["household_score"] is None and explanation["pair_score"] is None and detail["score"] is None
    assert explanation["affordability"]["housing_cost"] == 440.0
    assert detail["composition"] == {"adults": 1, "children": 0}
    raw = response.content.decode()
    assert NAME not in raw and "Léa" not in raw and "violences" not in raw and "points" not in raw
    listed = landlord.get("/propositions").json()["items"]
    assert [p["id"] for p in listed] == [sent.pk] and listed[0]["score"] is None
    assert NAME not in json.dumps(listed)


def test_a_landlord_does_not_see_candidates_before_they_are_sent(
    client, users, territory, coordinator_user, household, unit
):
    proposal = proposals.add_candidate(unit, household, author_of(coordinator_user))
    (landlord,) = tokens(client, users, Role.LANDLORD)
    assert landlord.get(f"/propositions/{proposal.pk}").status_code == 404
    assert landlord.get("/propositions").json() == {"count": 0, "items": []}


def test_sensitive_criteria_reach_only_who_sees_the_sensitive_sections(client, users, sent):
    coordinator, referent, association = tokens(client, users, Role.COORDINATOR, Role.REFERENT, Role.SOCIAL_WORKER)
    for token in (coordinator, referent):
        detail = token.get(f"/propositions/{sent.pk}").json()
        assert detail["view"] == "file" and detail["household_name"] == f"{NAME} Léa"
        assert "violences" in [t["code"] for t in detail["explanation"]["terms"]]
        assert detail["explanation"]["pair_score"] == sent.score == detail["score"]
    response = association.get(f"/propositions/{sent.pk}")
    detail = response.json()
    assert detail["view"] == "file" and detail["household_name"] == f"{NAME} Léa"
    codes = [t["code"] for t in detail["explanation"]["terms"]]
    assert "dalo" in codes and not {"violences", "handicap", "sortie_institution"} & set(codes)
    assert detail["explanation"]["household_score"] is None and detail["explanation"]["pair_score"] is None
    assert detail["score"] is None
    alternative = detail["explanation"]["alternative"]
    assert alternative["text"] is None and alternative["pair_score"] is None
    assert "violence" not in response.content.decode().lower()
    assert association.get("/propositions").json()["items"][0]["score"] is None


def test_reading_a_proposal_is_logged(client, users, sent):
    (landlord,) = tokens(client, users, Role.LANDLORD)
    landlord.get(f"/propositions/{sent.pk}")
    assert AccessLog.objects.filter(action="read", object_type="proposal", object_id=str(sent.pk)).exists()


def _object_calls(unit, prospect, proposal, run_id):
    """Every call naming a row, with a valid body (so only the access decides)."""
    u, c, p = unit.pk, prospect.pk, proposal.pk
    return [
        ("get", f"/logements/{u}", None),
        ("patch", f"/logements/{u}", {"version": unit.version, "rent": 1}),
        ("post", f"/logements/{u}/mise-a-disposition", {"version": unit.version}),
        ("post", f"/logements/{u}/retrait", {"version": unit.version, "note": "x"}),
        ("post", f"/logements/{u}/liberation", {"version": unit.version, "on": TODAY}),
        ("post", f"/logements/{u}/candidats", {"household_id": proposal.household_id}),
        ("post", f"/logements/{u}/transmission", {}),
        ("get", f"/captations/{c}", None),
        ("post", f"/captations/{c}/visite", {"visited_on": TODAY, "version": prospect.version}),
        ("post", f"/captations/{c}/accord", {"decided_on": TODAY, "mode": "mandat", "version": prospect.version}),
        ("post", f"/captations/{c}/refus", {"decided_on": TODAY, "refusal_reason": "loyer", "version": 1}),
        (
            "post",
            f"/captations/{c}/ouverture",
            {"on": TODAY, "reference": "Z", "contingent_kind": "prefecture", "charges": 1, "version": 1},
        ),
        ("get", f"/captations/{c}/primes", None),
        ("post", f"/captations/{c}/primes", {"reason": "captation", "amount": 10, "paid_on": TODAY}),
        ("get", f"/propositions/{p}", None),
        ("post", f"/propositions/{p}/retrait", {"version": proposal.version}),
        ("post", f"/propositions/{p}/decision", {"decision": "postponed", "version": proposal.version}),
        ("post", f"/propositions/{p}/offre", {"version": proposal.version}),
        ("post", f"/propositions/{p}/reponse", {"answer": "accepted", "version": proposal.version}),
        ("post", f"/propositions/{p}/bail", {"version": proposal.version}),
        ("post", f"/propositions/{p}/entree", {"version": proposal.version}),
        ("get", f"/rapprochements/{run_id}", None),
    ]


def _call(token, method, url, body):
    return token.get(url) if method == "get" else getattr(token, method)(url, body)


def test_another_territorys_tokens_get_404_everywhere(client, territory, other_territory, users, sent, unit):
    prospect = services.create_prospect(
        territory, author_of(users[Role.SOCIAL_WORKER]), operator=organisation_of(users[Role.SOCIAL_WORKER]),
        owner_label="M. Durand", address="1 rue", commune_insee=GRENOBLE, commune_name="Grenoble", typology=1,
        surface=20, rent_asked=400, contacted_on=timezone.localdate(),
    )  # fmt: skip
    run_id = sent.run_id
    unit.refresh_from_db()
    before = (unit.version, sent.version, prospect.version)
    for role in (Role.COORDINATOR, Role.LANDLORD, Role.SOCIAL_WORKER, Role.REFERENT):
        stranger = token_of(client, user_with_role(role, other_territory), role)
        for method, url, body in _object_calls(unit, prospect, sent, run_id):
            response = _call(stranger, method, url, body)
            assert response.status_code in (403, 404), (role, method, url, response.status_code)
            if response.status_code == 404:
                assert response.json() == {"detail": "Introuvable."}
        assert stranger.get("/logements").json()["count"] == 0
    coordinator = token_of(client, user_with_role(Role.COORDINATOR, other_territory), Role.COORDINATOR)
    for method, url, body in _object_calls(unit, prospect, sent, run_id):
        assert _call(coordinator, method, url, body).status_code == 404, (method, url)
    assert coordinator.get("/logements").json()["count"] == 0
    assert coordinator.get("/propositions").json()["count"] == 0
    assert coordinator.get("/captations").json()["count"] == 0
    unit.refresh_from_db()
    sent.refresh_from_db()
    prospect.refresh_from_db()
    assert (unit.version, sent.version, prospect.version) == before


def test_a_landlord_writes_only_its_own_units(client, territory, users, unit):
    stranger = token_of(client, landlord_user(territory), Role.LANDLORD)
    assert stranger.get(f"/logements/{unit.pk}").status_code == 404
    assert stranger.patch(f"/logements/{unit.pk}", {"version": unit.version, "rent": 1}).status_code == 404
    # A contingent holder reads the units of its contingent, but they are not its to change.
    holder_user = landlord_user(territory)
    contingent = ContingentQuota.objects.create(
        territory=territory, kind="commune", holder=organisation_of(holder_user), label="Contingent ville"
    )
    unit = services.update_unit(
        unit, author_of(users[Role.LANDLORD]), unit.version, contingent=contingent, contingent_kind="commune"
    )
    holder = token_of(client, holder_user, Role.LANDLORD)
    assert holder.get(f"/logements/{unit.pk}").status_code == 200
    for method, url, body in (
        ("patch", f"/logements/{unit.pk}", {"version": unit.version, "rent": 1}),
        ("post", f"/logements/{unit.pk}/retrait", {"version": unit.version, "note": "x"}),
    ):
        assert _call(holder, method, url, body).status_code == 404
    assert Unit.objects.get(pk=unit.pk).version == unit.version


def test_another_association_does_not_reach_a_capture(client, territory, users):
    prospect = services.create_prospect(
        territory, author_of(users[Role.SOCIAL_WORKER]), operator=organisation_of(users[Role.SOCIAL_WORKER]),
        owner_label="M. Durand", address="1 rue", commune_insee=GRENOBLE, commune_name="Grenoble", typology=1,
        surface=20, rent_asked=400, contacted_on=timezone.localdate(),
    )  # fmt: skip
    stranger = token_of(client, user_with_role(Role.SOCIAL_WORKER, territory), Role.SOCIAL_WORKER)
    assert stranger.get(f"/captations/{prospect.pk}").status_code == 404
    body = {"visited_on": TODAY, "version": prospect.version}
    assert stranger.post(f"/captations/{prospect.pk}/visite", body).status_code == 404
    assert stranger.get("/captations").json()["count"] == 0
    assert CaptureProspect.objects.get(pk=prospect.pk).stage == "contacted"


def test_a_token_without_the_permission_gets_403_before_its_body_is_read(client, users, sent, unit):
    referent, landlord, state, observer = tokens(
        client, users, Role.REFERENT, Role.LANDLORD, Role.STATE_AGENT, Role.OBSERVER
    )
    refused = {"detail": "Ce jeton n'a pas le droit d'effectuer cette opération."}
    for token, method, url in (
        (observer, "get", "/logements"),
        (state, "post", "/logements"),
        (referent, "patch", f"/logements/{unit.pk}"),
        (landlord, "get", "/captations"),
        (referent, "post", "/rapprochements"),
        (landlord, "get", f"/rapprochements/{sent.run_id}"),
        (landlord, "post", f"/propositions/{sent.pk}/offre"),
        (referent, "post", f"/propositions/{sent.pk}/decision"),
        (referent, "post", f"/logements/{unit.pk}/candidats"),
        (observer, "get", "/motifs-refus"),
    ):
        response = _call(token, method, url, {"nimporte": "quoi"})
        assert response.status_code == 403, (method, url, response.status_code)
        assert response.json() == refused


def test_a_reservation_holder_follows_a_proposal_but_the_landlord_decides(client, territory, users, sent, unit):
    """The committee's decision, the lease and the entry are the landlord's acts: the holder of the
    unit's contingent reads the proposal sent to it, and its writes answer 404 (nothing recorded)."""
    holder_user = landlord_user(territory)
    contingent = ContingentQuota.objects.create(
        territory=territory, kind="commune", holder=organisation_of(holder_user), label="Contingent ville"
    )
    Unit.objects.filter(pk=unit.pk).update(contingent=contingent, contingent_kind="commune")
    holder = token_of(client, holder_user, Role.LANDLORD)
    assert holder.get(f"/propositions/{sent.pk}").status_code == 200
    decision = {"version": sent.version, "decision": "allocated", "committee_rank": 1, "committee_on": TODAY}
    for url, body in (
        (f"/propositions/{sent.pk}/decision", decision),
        (f"/propositions/{sent.pk}/bail", {"version": sent.version, "lease_signed_on": TODAY}),
        (f"/propositions/{sent.pk}/entree", {"version": sent.version, "entered_on": TODAY}),
    ):
        assert _call(holder, "post", url, body).status_code == 404, url
    assert Proposal.objects.get(pk=sent.pk).version == sent.version
    (landlord,) = tokens(client, users, Role.LANDLORD)
    assert _call(landlord, "post", f"/propositions/{sent.pk}/decision", decision).status_code == 200
