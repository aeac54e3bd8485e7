"""Spec 6 on measures, checked with sentinels (issue 16): a marker is written in every piece of a
measure — the head of household's names, the signed contract's file name, a renewal opinion's
comment, a review's obstacles — and every measure page, API answer and e-mail is read as each
viewer. Reaching a measure is not seeing all of it (`lda/measures/visibility.py`):

- the measure's team (the coordinator, the operator's staff) sees every piece (so the test can fail);
- the referent organisation, which sees the household file, sees the names and nothing else;
- the Département's social worker, reaching the measure only because a derogation waits for its
  opinion, sees the reference and what the decision needs, never a name;
- an unrelated association reaches nothing;
- the API never carries a name; documents and comments only to the team's tokens;
- e-mails carry none of these pieces.
"""

from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from lda.access.policy import actor_for
from lda.accounts.roles import Role
from lda.households.models import Household
from lda.measures import notify, services
from lda.measures.services import Document
from tests.api.households_helpers import TokenClient
from tests.clock import reference_today
from tests.conftest import sign_in
from tests.factories import user_with_role
from tests.households.helpers import author_of, make_household, organisation_of, verified
from tests.measures.helpers import chef_slisl, open_measure

pytestmark = pytest.mark.django_db

TODAY = reference_today()
NAMES = ("zorglubnom", "zorglubprenom")  # compared with the lower-cased text
DOCUMENT = "docsentinelle"
COMMENT = "avis-sentinelle"
OBSTACLES = "frein-sentinelle"
EVERY_PIECE = {"names": NAMES, "documents": (DOCUMENT,), "comments": (COMMENT,), "working_notes": (OBSTACLES,)}


def _measure_with_every_piece(coordinator, operator_user, household):
    """An active VIAL measure, its contract, a review with obstacles, two renewals granted with a
    comment and a derogation waiting for the coordinator and the chef SLISL."""
    activated_on = TODAY - timedelta(days=700)
    measure = open_measure(coordinator, operator_user, household=household, oriented_on=activated_on - timedelta(10))
    operator = author_of(operator_user)
    contract = Document(f"contrat-{DOCUMENT.upper()}.pdf", "application/pdf", b"%PDF-1.4\n%%EOF\n")
    measure = services.record_contract(measure, activated_on - timedelta(5), contract, operator, measure.version)
    measure = services.send(measure, activated_on - timedelta(4), operator, measure.version)
    measure = services.activate(measure, activated_on, author_of(coordinator), measure.version)
    review = services.ReviewData(
        month=3,
        held_on=activated_on + timedelta(days=95),
        meetings_per_week=3,
        home_visits_per_week=1,
        obstacles=OBSTACLES.upper(),
    )
    services.record_review(measure, review, operator, measure.version)
    for _ in range(2):
        request = services.request_renewal(measure, 6, False, TODAY, operator, None)
        services.decide_renewal(
            request, "coordinator", True, author_of(coordinator), actor_for(coordinator), COMMENT.upper()
        )
    services.request_renewal(measure, 6, True, TODAY, operator, None)
    measure.refresh_from_db()
    return measure


@pytest.fixture
def world(users, territory):
    coordinator = verified(users[Role.COORDINATOR])
    operator_user = users[Role.SOCIAL_WORKER]
    household = make_household(
        coordinator, last_name="Zorglubnom", first_name="Zorglubprenom", consent_kinds=("association",)
    )
    Household.objects.filter(pk=household.pk).update(referent_organisation=organisation_of(users[Role.REFERENT]))
    household.refresh_from_db()
    measure = _measure_with_every_piece(coordinator, operator_user, household)
    return {
        "measure": measure,
        "coordinator": users[Role.COORDINATOR],
        "operator": operator_user,
        "referent": users[Role.REFERENT],
        "approver": chef_slisl(territory),
        "stranger": user_with_role(Role.SOCIAL_WORKER, territory),
    }


def _pages(user, measure) -> dict[str, tuple[int, str]]:
    """Every measure page naming the measure, and the lists, as `user`: name → (status, lower-cased text)."""
    client = Client()
    sign_in(client, user)
    document = measure.documents.get()
    urls = {
        "liste": reverse("measures:list") + "?statut=tous",
        "liste filtrée (alerte)": reverse("measures:list") + "?statut=tous&alerte=on",
        "file active": reverse("measures:caseload"),
        "mesure": reverse("measures:detail", args=[measure.pk]),
        "avis de renouvellement": reverse("measures:renewal_decide", args=[measure.pk]),
        "rencontres": reverse("measure_activity:meetings", args=[measure.pk]),
        "intensité": reverse("measure_activity:intensity", args=[measure.pk]),
        "alertes": reverse("alerts:list"),
        "document": reverse("measures:document", args=[document.pk]),
    }
    pages = {}
    for name, url in urls.items():
        response = client.get(url)
        body = response.content.decode("utf-8", "replace") if response.status_code == 200 else ""
        if name == "document" and response.status_code == 200:
            body += response["Content-Disposition"]
        pages[name] = (response.status_code, body.lower())
    return pages


def _seen(pages: dict[str, tuple[int, str]]) -> dict[str, set[str]]:
    """Which pieces show on which pages."""
    return {
        name: {piece for piece, markers in EVERY_PIECE.items() if any(m in text for m in markers)}
        for name, (_, text) in pages.items()
    }


def _all_pieces_seen(pages) -> set[str]:
    return set().union(*_seen(pages).values())


def test_the_measures_team_sees_every_piece(world):
    """The control: without it the tests below could pass on a page that shows nothing."""
    measure = world["measure"]
    for who in ("coordinator", "operator"):
        pages = _pages(world[who], measure)
        assert pages["mesure"][0] == 200
        assert _seen(pages)["mesure"] == set(EVERY_PIECE), who
        assert "zorglubnom" in pages["liste"][1], who
        assert pages["document"][0] == 200, who


def test_the_approver_sees_the_reference_and_the_decision_never_a_name(world):
    measure, approver = world["measure"], world["approver"]
    pages = _pages(approver, measure)
    reference = measure.household.reference.lower()
    for name in ("liste", "mesure", "avis de renouvellement", "alertes"):
        status, text = pages[name]
        assert status == 200, name
        assert reference in text, name  # it reaches the measure…
    assert "dérogatoire" in pages["avis de renouvellement"][1]  # …and what the decision needs
    assert "enregistrer mon avis" in pages["avis de renouvellement"][1]
    assert _all_pieces_seen(pages) == set(), _seen(pages)
    assert pages["document"][0] == 404
    client = Client()
    sign_in(client, approver)
    assert client.get(reverse("households:detail", args=[measure.household_id])).status_code == 404


def test_the_referent_organisation_sees_the_names_but_not_the_operators_material(world):
    pages = _pages(world["referent"], world["measure"])
    assert pages["mesure"][0] == 200
    assert _seen(pages)["mesure"] == {"names"}
    assert _all_pieces_seen(pages) == {"names"}, _seen(pages)
    assert pages["document"][0] == 404


def test_an_unrelated_association_reaches_nothing(world):
    pages = _pages(world["stranger"], world["measure"])
    for name in ("mesure", "avis de renouvellement", "rencontres", "intensité", "document"):
        assert pages[name][0] in (403, 404), name
    assert world["measure"].household.reference.lower() not in pages["liste"][1]
    assert _all_pieces_seen(pages) == set()


# --- the API ------------------------------------------------------------------------------------


def _api(user, role, measure) -> dict[str, tuple[int, str]]:
    token = TokenClient(Client(), organisation_of(user), role)
    pk = measure.pk
    urls = ["/mesures", f"/mesures?menage={measure.household_id}"]
    urls += [f"/mesures/{pk}{tail}" for tail in ("", "/bilans", "/renouvellements", "/rencontres", "/resultats")]
    urls.append(f"/mesures/{pk}/partenaires")
    answers = {}
    for url in urls:
        response = token.get(url)
        answers[url] = (response.status_code, response.content.decode().lower())
    return answers


ROLES = {
    "coordinator": Role.COORDINATOR,
    "operator": Role.SOCIAL_WORKER,
    "referent": Role.REFERENT,
    "approver": Role.SOCIAL_WORKER,
    "stranger": Role.SOCIAL_WORKER,
}
# What each organisation's token sees through the API: never a name.
API_PIECES = {
    "coordinator": {"documents", "comments", "working_notes"},
    "operator": {"documents", "comments", "working_notes"},
    "referent": set(),
    "approver": set(),
    "stranger": set(),
}


@pytest.mark.parametrize("who", sorted(API_PIECES))
def test_every_api_field_follows_the_same_rule_as_the_pages(world, who):
    measure = world["measure"]
    answers = _api(world[who], ROLES[who], measure)
    detail_status, detail = answers[f"/mesures/{measure.pk}"]
    assert detail_status == (404 if who == "stranger" else 200)
    assert _all_pieces_seen(answers) == API_PIECES[who], _seen(answers)
    if who in ("referent", "approver"):
        assert '"documents": []' in detail.replace('":[]', '": []')
        assert '"comment": null' in detail.replace('":null', '": null')


def test_a_departement_reaching_a_household_without_the_second_gate_gets_no_document(users, territory):
    """The Département created the file: it sees the household (names on the page) but the contract
    and the opinions' comments are the measure team's, on the page and through its token alike."""
    coordinator = verified(users[Role.COORDINATOR])
    approver = chef_slisl(territory)
    household = make_household(approver, last_name="Zorglubnom", first_name="Zorglubprenom")
    measure = _measure_with_every_piece(coordinator, users[Role.SOCIAL_WORKER], household)
    pages = _pages(approver, measure)
    assert _seen(pages)["mesure"] == {"names"}
    assert _all_pieces_seen(pages) == {"names"}, _seen(pages)
    answers = _api(approver, Role.SOCIAL_WORKER, measure)
    assert answers[f"/mesures/{measure.pk}"][0] == 200
    assert _all_pieces_seen(answers) == set(), _seen(answers)


# --- e-mails ------------------------------------------------------------------------------------


def test_alert_emails_carry_none_of_the_pieces(world, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    notify.send_pending()
    approver_email = world["approver"].email
    assert any(approver_email in m.to for m in mail.outbox)  # the approver was told…
    for message in mail.outbox:
        text = f"{message.subject}\n{message.body}".lower()
        assert world["measure"].household.reference.lower() in text or "alerte" in text
        assert not any(m in text for markers in EVERY_PIECE.values() for m in markers), message.to
