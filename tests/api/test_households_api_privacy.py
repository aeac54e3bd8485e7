"""Who sees what through the API (spec 6): another organisation's household answers 404 and is
absent from its lists; sensitive values never reach a token that may not see them."""

from datetime import timedelta

import pytest

from lda.access.policy import actor_for_token
from lda.accounts.models import ApiToken
from lda.accounts.roles import OrganisationKind, Role
from lda.api.households import sensitive_filter
from lda.households import services
from lda.households.models import Household
from lda.households.visibility import FileFacts, access
from tests.api.households_helpers import token_of
from tests.clock import reference_today
from tests.factories import OrganisationFactory, user_with_role
from tests.households.helpers import author_of, make_household, organisation_of, orient, verified

pytestmark = pytest.mark.django_db

TODAY = reference_today()
SECRET = "SENTINELLE-7f3a"
WHERE = "ADRESSE-SENTINELLE-92b1"


@pytest.fixture
def stranger(client, territory):
    """A social worker of another association of the territory, with no link to the households."""
    user = user_with_role(Role.SOCIAL_WORKER, territory)
    return token_of(client, user, Role.SOCIAL_WORKER)


def _object_calls(household):
    """Every call that names the household, with a valid body (so only the access decides)."""
    pk = household.pk
    return [
        ("get", f"/menages/{pk}", None),
        ("patch", f"/menages/{pk}", {"version": household.version, "sne_number": "X"}),
        ("get", f"/menages/{pk}/personnes", None),
        ("post", f"/menages/{pk}/personnes", {"last_name": "A", "first_name": "B"}),
        ("get", f"/menages/{pk}/situations", None),
        ("post", f"/menages/{pk}/situations", {"kind": "chrs", "started_on": str(TODAY)}),
        ("post", f"/menages/{pk}/saisines", {"referrer_kind": "association", "received_on": str(TODAY)}),
        ("get", f"/menages/{pk}/evenements", None),
    ]


def _call(token, method, url, body):
    return token.get(url) if method == "get" else getattr(token, method)(url, body)


def test_another_association_gets_404_everywhere_and_nothing_in_its_lists(client, territory, stranger, users):
    household = make_household(users[Role.SOCIAL_WORKER])
    version = household.version
    other_siao = token_of(client, user_with_role(Role.REFERENT, territory), Role.REFERENT)
    exit_body = {"on": str(TODAY), "reason": "lost_contact"}
    assert other_siao.post(f"/menages/{household.pk}/sortie", exit_body).status_code == 404
    for method, url, body in _object_calls(household):
        response = _call(stranger, method, url, body)
        assert response.status_code == 404, (method, url, response.status_code)
        assert response.json() == {"detail": "Introuvable."}
    assert stranger.get("/menages").json() == {"count": 0, "items": []}
    assert stranger.get("/saisines").json() == {"count": 0, "items": []}
    household.refresh_from_db()
    assert household.version == version and household.persons.count() == 1


def test_another_territorys_coordinator_gets_404(client, users, other_territory):
    household = make_household(users[Role.SOCIAL_WORKER])
    elsewhere = token_of(client, user_with_role(Role.COORDINATOR, other_territory), Role.COORDINATOR)
    assert elsewhere.get(f"/menages/{household.pk}").status_code == 404
    assert (
        elsewhere.post(
            f"/menages/{household.pk}/orientations",
            {"decision": "closed", "decided_on": str(TODAY), "reason": "solved"},
        ).status_code
        == 404
    )
    assert elsewhere.get("/menages").json()["count"] == 0


def test_the_accompanying_organisation_sees_the_file_only_with_consent(client, territory, users):
    operator = OrganisationFactory(territory=territory, kind=OrganisationKind.ASSOCIATION)
    token = token_of(client, user_with_role(Role.SOCIAL_WORKER, territory, organisation=operator), Role.SOCIAL_WORKER)
    without = make_household(users[Role.SOCIAL_WORKER], last_name="Sansaccord")
    with_consent = make_household(users[Role.SOCIAL_WORKER], last_name="Accord", consent_kinds=["association"])
    for household in (without, with_consent):
        orient(users[Role.COORDINATOR], household, accompanying_organisation_id=operator.pk)
    assert [i["id"] for i in token.get("/menages").json()["items"]] == [with_consent.pk]
    assert token.get(f"/menages/{without.pk}").status_code == 404
    assert token.get(f"/menages/{with_consent.pk}").json()["sensitive_visible"] is True


@pytest.fixture
def sensitive_file(users):
    """A file full of sensitive values, created by the association, followed by the SIAO (referent
    organisation), protected: each free text holds the sentinel."""
    author = users[Role.SOCIAL_WORKER]
    household = make_household(
        author,
        received_on=TODAY - timedelta(days=40),
        summary=f"Motif {SECRET}",
        priority_publics=["violence_victim", "under_25"],
    )
    Household.objects.filter(pk=household.pk).update(referent_organisation=organisation_of(users[Role.REFERENT]))
    household.refresh_from_db()
    writer = author_of(author)
    services.add_person(household, writer, services.PersonData("Martin", "Zoé", administrative_status="undocumented"))
    services.record_need(household, writer, "mental_health", "identified")
    services.record_situation(household, writer, "women_shelter", TODAY - timedelta(days=10), detail=f"Lieu {SECRET}")
    orient(verified(users[Role.COORDINATOR]), household, comment=f"Décision {SECRET}")
    household.refresh_from_db()
    services.update_household(
        household, writer, household.version, notes=f"Notes {SECRET}", whereabouts=WHERE, protected=True
    )
    household.refresh_from_db()
    return household


def _everything(token, household):
    """Every answer of the API about this household for this token, as text."""
    pk = household.pk
    answers = [token.get(url) for url in ("/menages", "/saisines", f"/menages/{pk}", f"/menages/{pk}/personnes")]
    answers += [token.get(f"/menages/{pk}/situations"), token.get(f"/menages/{pk}/evenements")]
    answers.append(token.get("/menages", ethos=4))
    answers.append(
        token.post(f"/menages/{pk}/personnes", {"last_name": "Martin", "first_name": "Tom", "role": "child"})
    )
    answers.append(token.post(f"/menages/{pk}/situations", {"kind": "violence_threat", "started_on": str(TODAY)}))
    answers.append(
        token.post(
            f"/menages/{pk}/saisines", {"referrer_kind": "association", "received_on": str(TODAY), "summary": "x"}
        )
    )
    return [answer.content.decode() for answer in answers]


LEAKS = (SECRET, WHERE, "undocumented", "violence_victim", "mental_health", "women_shelter", "violence_threat")


def test_sensitive_values_never_reach_the_creator_organisation(client, users, sensitive_file):
    creator = token_of(client, users[Role.SOCIAL_WORKER], Role.SOCIAL_WORKER)
    texts = _everything(creator, sensitive_file)
    assert sensitive_file.reference in texts[2]  # it does see the file…
    for text in texts:
        for leak in LEAKS:
            assert leak not in text, f"{leak} visible : {text[:300]}"
    detail = creator.get(f"/menages/{sensitive_file.pk}").json()
    assert detail["sensitive_visible"] is False and detail["notes"] is None and detail["whereabouts"] is None
    assert detail["priority_publics"] == ["under_25"]
    assert detail["current_situation"] == {**detail["current_situation"], "kind": None, "ethos": None}
    assert {"need_recorded"} & {
        e["kind"] for e in creator.get(f"/menages/{sensitive_file.pk}/evenements").json()
    } == set()


@pytest.mark.parametrize("role", [Role.LANDLORD, Role.PREVENTION_AGENT, Role.STATE_AGENT, Role.OBSERVER, Role.ADMIN])
def test_sensitive_values_never_reach_roles_without_the_file(client, users, sensitive_file, role):
    token = token_of(client, users[role], role)
    for text in _everything(token, sensitive_file):
        for leak in LEAKS:
            assert leak not in text


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.REFERENT])
def test_the_coordinator_and_the_referent_organisation_see_sensitive_values_but_not_the_protected_address(
    client, users, sensitive_file, role
):
    token = token_of(client, users[role], role)
    detail = token.get(f"/menages/{sensitive_file.pk}").json()
    assert detail["sensitive_visible"] is True
    assert detail["notes"] == f"Notes {SECRET}"
    assert detail["referrals"][0]["summary"] == f"Motif {SECRET}"
    assert detail["orientations"][0]["comment"] == f"Décision {SECRET}"
    assert detail["current_situation"]["detail"] == f"Lieu {SECRET}"
    assert detail["current_situation"]["kind"] == "women_shelter"
    assert "violence_victim" in detail["priority_publics"]
    assert {"kind": "mental_health", "status": "identified", "updated_on": str(TODAY)} in detail["needs"]
    assert "undocumented" in {p["administrative_status"] for p in detail["persons"]}
    events = token.get(f"/menages/{sensitive_file.pk}/evenements").json()
    assert "need_recorded" in {e["kind"] for e in events}
    # A protected file's address is for named people only, never for an organisation's token.
    assert detail["whereabouts"] is None
    assert WHERE not in "".join(_everything(token, sensitive_file))


def test_an_unprotected_address_is_shown_to_who_sees_the_file(client, users):
    household = make_household(users[Role.SOCIAL_WORKER])
    services.update_household(household, author_of(users[Role.SOCIAL_WORKER]), household.version, whereabouts="Rue X")
    creator = token_of(client, users[Role.SOCIAL_WORKER], Role.SOCIAL_WORKER)
    assert creator.get(f"/menages/{household.pk}").json()["whereabouts"] == "Rue X"


def test_the_sql_sensitive_filter_agrees_with_the_visibility_rule(territory, users):
    """The list's ethos filter uses the SQL form; the answers use `access()`: they must agree."""

    siao, association = organisation_of(users[Role.REFERENT]), organisation_of(users[Role.SOCIAL_WORKER])
    operator = OrganisationFactory(territory=territory, kind=OrganisationKind.ASSOCIATION)
    created = make_household(users[Role.SOCIAL_WORKER])
    followed = make_household(users[Role.SOCIAL_WORKER])
    Household.objects.filter(pk=followed.pk).update(referent_organisation=siao)
    for consent in ((), ("association",), ("siao",)):
        household = make_household(users[Role.SOCIAL_WORKER], consent_kinds=consent)
        Household.objects.filter(pk=household.pk).update(accompanying_organisation=operator)
    households = list(Household.objects.all())
    assert len(households) == 5 and created in households
    for organisation, role in [
        (siao, Role.REFERENT),
        (association, Role.SOCIAL_WORKER),
        (operator, Role.SOCIAL_WORKER),
        (organisation_of(users[Role.COORDINATOR]), Role.COORDINATOR),
        (organisation_of(users[Role.LANDLORD]), Role.LANDLORD),
    ]:
        token, _ = ApiToken.issue(organisation=organisation, role=role, name="t", created_by=None)
        actor = actor_for_token(token)
        in_sql = set(Household.objects.filter(sensitive_filter(actor)).values_list("pk", flat=True))
        by_rule = {
            h.pk for h in households if access(actor, FileFacts.of(h), {organisation.pk: organisation.kind}).sensitive
        }
        assert in_sql == by_rule, (organisation.kind, role)
