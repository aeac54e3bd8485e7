"""Who reaches which measure through the API (spec 6): another organisation's or territory's measure
answers 404 and is absent from the lists; an operator's write needs the measure to be run by the
token's organisation; a token without the permission gets 403 before its body is read; the
obstacles of a review reach only the coordinator and the operator, health partners and outcomes only
those who see the household's sensitive sections."""

import json
from datetime import timedelta

import pytest

from lda.access.policy import actor_for
from lda.accounts.roles import Role
from lda.measures import services
from lda.measures.models import Meeting, Review
from tests.api.households_helpers import token_of
from tests.clock import reference_today
from tests.factories import user_with_role
from tests.households.helpers import author_of, make_household, organisation_of, verified
from tests.measures.helpers import active_measure, chef_slisl, open_measure

pytestmark = pytest.mark.django_db

TODAY = reference_today()
SECRET = "FREIN-SENTINELLE-5c2e"
COMMENT = "AVIS-SENTINELLE-d41f"


@pytest.fixture
def measure(users):
    """An active VIAL measure run by the social worker's association for a household the referent follows."""
    found = active_measure(verified(users[Role.COORDINATOR]), users[Role.SOCIAL_WORKER])
    household = found.household
    household.referent_organisation = organisation_of(users[Role.REFERENT])
    household.save(update_fields=["referent_organisation"])
    return found


def _calls(measure):
    """Every call naming the measure, with a valid body (so only the access decides)."""
    pk, version, today = measure.pk, measure.version, str(TODAY)
    return [
        ("get", f"/mesures/{pk}", None),
        ("get", f"/mesures/{pk}/bilans", None),
        ("get", f"/mesures/{pk}/renouvellements", None),
        ("get", f"/mesures/{pk}/rencontres", None),
        ("get", f"/mesures/{pk}/resultats", None),
        ("get", f"/mesures/{pk}/partenaires", None),
        ("post", f"/mesures/{pk}/entree-logement", {"housing_entry_on": today, "version": version}),
        ("post", f"/mesures/{pk}/fin", {"ended_on": today, "reason": "rupture", "version": version}),
        ("post", f"/mesures/{pk}/abandon", {"ended_on": today, "reason": "moved", "version": version}),
        ("post", f"/mesures/{pk}/transmission", {"sent_on": today, "version": version}),
        (
            "post",
            f"/mesures/{pk}/bilans",
            {"month": 3, "held_on": today, "meetings_per_week": 3, "home_visits_per_week": 1, "version": version},
        ),
        ("post", f"/mesures/{pk}/renouvellements", {"months": 6, "requested_on": today, "version": version}),
        ("post", f"/mesures/{pk}/rencontres", {"held_on": today, "kind": "phone", "duration_minutes": 20}),
        ("post", f"/mesures/{pk}/resultats", {"kind": "housed", "recorded_on": today}),
        ("post", f"/mesures/{pk}/partenaires", {"kind": "caf", "since": today}),
    ]


def _call(token, method, url, body):
    return token.get(url) if method == "get" else token.post(url, body)


def _unchanged(measure):
    version = measure.version
    measure.refresh_from_db()
    return measure.version == version and measure.status == "active" and not Meeting.objects.exists()


def test_another_association_gets_404_everywhere_and_nothing_in_its_list(client, territory, measure):
    stranger = token_of(client, user_with_role(Role.SOCIAL_WORKER, territory), Role.SOCIAL_WORKER)
    for method, url, body in _calls(measure):
        response = _call(stranger, method, url, body)
        assert response.status_code == 404, (method, url, response.status_code)
        assert response.json() == {"detail": "Introuvable."}
    assert stranger.get("/mesures").json() == {"count": 0, "items": []}
    assert _unchanged(measure)


def test_another_territorys_tokens_get_404(client, users, other_territory, measure):
    coordinator = token_of(client, user_with_role(Role.COORDINATOR, other_territory), Role.COORDINATOR)
    worker = token_of(client, user_with_role(Role.SOCIAL_WORKER, other_territory), Role.SOCIAL_WORKER)
    assert coordinator.get(f"/mesures/{measure.pk}").status_code == 404
    body = {"activated_on": str(TODAY), "version": measure.version}
    assert coordinator.post(f"/mesures/{measure.pk}/activation", body).status_code == 404
    household = make_household(users[Role.COORDINATOR])
    body = {"measure_type": "vial", "operator_id": measure.operator_id, "oriented_on": str(TODAY)}
    assert coordinator.post(f"/menages/{household.pk}/mesures", body).status_code == 404
    for method, url, body in _calls(measure):
        assert _call(worker, method, url, body).status_code == 404, (method, url)
    assert coordinator.get("/mesures").json()["count"] == 0
    assert not household.measures.exists() and _unchanged(measure)


def test_an_approver_reads_the_measure_but_writes_nothing_as_its_operator(client, territory, users, measure):
    """The chef SLISL reaches a measure while a derogation waits for their opinion; it is not theirs to run."""
    coordinator = verified(users[Role.COORDINATOR])
    measure = active_measure(coordinator, users[Role.SOCIAL_WORKER], activated_on=TODAY - timedelta(days=700))
    for _ in range(2):
        request = services.request_renewal(measure, 6, False, TODAY, author_of(users[Role.SOCIAL_WORKER]), None)
        services.decide_renewal(request, "coordinator", True, author_of(coordinator), actor_for(coordinator))
    services.request_renewal(measure, 6, True, TODAY, author_of(users[Role.SOCIAL_WORKER]), None)
    slisl = token_of(client, chef_slisl(territory), Role.SOCIAL_WORKER)
    detail = slisl.get(f"/mesures/{measure.pk}")
    assert detail.status_code == 200
    pending = detail.json()["renewals"][-1]
    assert pending["missing_approvers"] == ["coordinator", "chef_slisl"] and pending["my_approvers"] == ["chef_slisl"]
    body = {"held_on": str(TODAY), "kind": "phone", "duration_minutes": 20}
    assert slisl.post(f"/mesures/{measure.pk}/rencontres", body).status_code == 404
    assert not Meeting.objects.exists()


def test_a_token_without_the_permission_gets_403_before_its_body_is_read(client, users, measure):
    referent = token_of(client, users[Role.REFERENT], Role.REFERENT)
    operator = token_of(client, users[Role.SOCIAL_WORKER], Role.SOCIAL_WORKER)
    landlord = token_of(client, users[Role.LANDLORD], Role.LANDLORD)
    observer = token_of(client, users[Role.OBSERVER], Role.OBSERVER)
    refused = "Ce jeton n'a pas le droit d'effectuer cette opération."
    for token, method, url in (
        (referent, "post", f"/mesures/{measure.pk}/rencontres"),
        (referent, "post", f"/mesures/{measure.pk}/fin"),
        (operator, "post", f"/mesures/{measure.pk}/activation"),
        (operator, "post", f"/menages/{measure.household_id}/mesures"),
        (landlord, "get", "/mesures"),
        (observer, "get", f"/mesures/{measure.pk}"),
    ):
        response = _call(token, method, url, {"nimporte": "quoi"})
        assert response.status_code == 403, (method, url, response.status_code)
        assert response.json() == {"detail": refused}
    assert _unchanged(measure)


def test_obstacles_reach_only_the_coordinator_and_the_operator(client, users, measure):
    operator_user = users[Role.SOCIAL_WORKER]
    services.record_review(
        measure,
        services.ReviewData(
            month=3, held_on=TODAY - timedelta(days=200), meetings_per_week=3, home_visits_per_week=1, obstacles=SECRET
        ),
        author_of(operator_user),
        measure.version,
    )
    for role in (Role.COORDINATOR, Role.SOCIAL_WORKER):
        token = token_of(client, users[role], role)
        assert token.get(f"/mesures/{measure.pk}/bilans").json()[0]["obstacles"] == SECRET
        assert token.get(f"/mesures/{measure.pk}").json()["obstacles_visible"] is True
    referent = token_of(client, users[Role.REFERENT], Role.REFERENT)
    reviews = referent.get(f"/mesures/{measure.pk}/bilans")
    assert reviews.status_code == 200
    assert reviews.json()[0]["obstacles"] is None and reviews.json()[0]["month"] == 3
    detail = referent.get(f"/mesures/{measure.pk}").json()
    assert detail["obstacles_visible"] is False and detail["sensitive_visible"] is True
    everything = [
        referent.get(url).content.decode()
        for url in ("/mesures", f"/mesures/{measure.pk}", f"/mesures/{measure.pk}/bilans")
    ]
    assert not any(SECRET in text for text in everything)
    assert Review.objects.get().obstacles == SECRET


def test_health_partners_outcomes_and_comments_only_for_who_sees_sensitive_sections(client, territory, users):
    coordinator = verified(users[Role.COORDINATOR])
    operator_user = users[Role.SOCIAL_WORKER]
    measure = active_measure(coordinator, operator_user, activated_on=TODAY - timedelta(days=700))
    services.mobilise_partner(measure, "csapa", TODAY, author_of(operator_user))
    services.mobilise_partner(measure, "caf", TODAY, author_of(operator_user))
    services.record_outcome(measure, services.OutcomeData("mental_health"), TODAY, author_of(operator_user))
    services.record_outcome(measure, services.OutcomeData("housed"), TODAY, author_of(operator_user))
    for _ in range(2):
        request = services.request_renewal(measure, 6, False, TODAY, author_of(operator_user), None)
        services.decide_renewal(request, "coordinator", True, author_of(coordinator), actor_for(coordinator), COMMENT)
    services.request_renewal(measure, 6, True, TODAY, author_of(operator_user), None)
    operator = token_of(client, operator_user, Role.SOCIAL_WORKER)
    slisl = token_of(client, chef_slisl(territory), Role.SOCIAL_WORKER)
    assert {p["kind"] for p in operator.get(f"/mesures/{measure.pk}/partenaires").json()} == {"csapa", "caf"}
    assert {o["kind"] for o in operator.get(f"/mesures/{measure.pk}/resultats").json()} == {"mental_health", "housed"}
    assert operator.get(f"/mesures/{measure.pk}/renouvellements").json()[0]["approvals"][0]["comment"] == COMMENT
    assert [p["kind"] for p in slisl.get(f"/mesures/{measure.pk}/partenaires").json()] == ["caf"]
    assert [o["kind"] for o in slisl.get(f"/mesures/{measure.pk}/resultats").json()] == ["housed"]
    detail = slisl.get(f"/mesures/{measure.pk}").json()
    assert detail["sensitive_visible"] is False
    assert COMMENT not in json.dumps(detail) and "csapa" not in json.dumps(detail)


def test_the_coordinator_sees_the_territorys_measures_and_a_referent_those_of_its_households(client, users, measure):
    other = open_measure(verified(users[Role.COORDINATOR]), users[Role.SOCIAL_WORKER])
    coordinator = token_of(client, users[Role.COORDINATOR], Role.COORDINATOR)
    referent = token_of(client, users[Role.REFERENT], Role.REFERENT)
    assert {m["id"] for m in coordinator.get("/mesures").json()["items"]} == {measure.pk, other.pk}
    assert [m["id"] for m in referent.get("/mesures").json()["items"]] == [measure.pk]
    assert referent.get(f"/mesures/{other.pk}").status_code == 404
