"""The proposal page: the explanation for the coordinator and the household's referent (sensitive
criteria masked without the file's second gate), the allocation data only for the landlord, the
life-cycle forms and their French refusals, the read log, and the household file's section."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from lda.accounts.roles import Role
from lda.audit.models import AccessLog
from lda.households import services as household_services
from lda.households.codes import PriorityPublic
from lda.housing import codes, proposals, runs, services
from lda.housing.models import ContingentQuota, Proposal, Unit
from lda.tasks import queue
from tests.api.households_helpers import TokenClient
from tests.conftest import sign_in
from tests.factories import user_with_role
from tests.housing.helpers import (
    author_of,
    days_ago,
    household_on_list,
    landlord_user,
    make_unit,
    organisation_of,
    refusal,
)

P = codes.ProposalStatus
pytestmark = pytest.mark.django_db
NAME = {"last_name": "Zébulon", "first_name": "Philomène"}


@pytest.fixture
def coordinator(territory):
    user = user_with_role(Role.COORDINATOR, territory, first_name="Clémentine", last_name="Coordinatrice")
    services.install_defaults(territory)
    return user


@pytest.fixture
def landlord(territory):
    return landlord_user(territory)


@pytest.fixture
def referent(territory):
    return user_with_role(Role.REFERENT, territory, first_name="Roxane", last_name="Référente")


def run_matching(territory, coordinator):
    run = runs.launch(territory, author_of(coordinator))
    queue.run_task(run.task, live=False)
    return Proposal.objects.get(run=run)


def referred_household(referent, coordinator, **kw):
    """A household on the list whose file the referent's organisation created (no second gate)."""
    household = household_on_list(referent, **NAME, **kw)
    return household


def sent_proposal(territory, coordinator, landlord, household):
    unit = make_unit(territory, organisation_of(landlord))
    proposal = run_matching(territory, coordinator)
    assert proposal.unit == unit and proposal.household == household
    proposals.send_shortlist(unit, author_of(coordinator), days_ago(10))
    proposal.refresh_from_db()
    return proposal


def post_allocation(client, proposal):
    """The committee allocates the unit to the household, rank 1, today, through the page."""
    return client.post(
        reverse("housing:proposal_decide", args=[proposal.pk]),
        {
            "decide-version": proposal.version,
            "decide-decision": P.ALLOCATED,
            "decide-committee_rank": "1",
            "decide-committee_on": timezone.localdate(),
        },
    )


def page(client, user, proposal):
    sign_in(client, user)
    response = client.get(reverse("housing:proposal", args=[proposal.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_the_coordinator_reads_the_explanation_and_the_read_is_logged(client, territory, coordinator, landlord):
    household = household_on_list(coordinator, dalo=True, **NAME)
    proposal = sent_proposal(territory, coordinator, landlord, household)
    html = page(client, coordinator, proposal)
    for text in (
        "Pourquoi ce ménage sur ce logement",
        "Reconnu prioritaire et urgent (DALO)",
        "grille de cotation v1",
        "Typologie non adaptée à la taille du ménage : non",
        "Meilleure autre possibilité",
        "Taux d'effort",
        "unité de consommation",
        "Reconnu prioritaire DALO",
        "Décision de la commission d&#x27;attribution",
    ):
        assert text in html, text
    assert AccessLog.objects.filter(object_type="proposal", object_id=str(proposal.pk), action="read").count() == 1


def test_a_landlord_sees_allocation_data_only(client, territory, coordinator, landlord, referent):
    household = referred_household(referent, coordinator, dalo=True)
    proposal = sent_proposal(territory, coordinator, landlord, household)
    proposals.decide(proposal, author_of(coordinator), P.POSTPONED, days_ago(5))
    html = page(client, landlord, proposal)
    assert household.reference in html
    assert "1 adulte, 0 enfant" in html and "900,00 €" in html and "250,00 €" in html
    assert "Taux d'effort" in html and "Reconnu prioritaire DALO" in html
    assert "Décision de la commission d&#x27;attribution" in html
    # Never a person's name, the score terms, the explanation or the alternative.
    for secret in (
        "Zébulon",
        "Philomène",
        "Coordinatrice",
        "Clémentine",
        "Référente",
        "Reconnu prioritaire et urgent (DALO)",
        "Ancienneté de la demande",
        "Pourquoi ce ménage",
        "Meilleure autre possibilité",
        "Dossier du ménage",
        "grille de cotation",
    ):
        assert secret not in html, secret
    assert organisation_of(coordinator).name in html  # who acted, as an organisation


def test_a_landlord_does_not_see_candidates_nor_other_landlords_proposals(client, territory, coordinator, landlord):
    household = household_on_list(coordinator)
    unit = make_unit(territory, organisation_of(landlord))
    candidate = proposals.add_candidate(unit, household, author_of(coordinator))
    sign_in(client, landlord)
    assert client.get(reverse("housing:proposal", args=[candidate.pk])).status_code == 404
    proposals.send_shortlist(unit, author_of(coordinator))
    assert client.get(reverse("housing:proposal", args=[candidate.pk])).status_code == 200
    sign_in(client, landlord_user(territory))
    assert client.get(reverse("housing:proposal", args=[candidate.pk])).status_code == 404


def test_sensitive_criteria_are_masked_without_the_second_gate(client, territory, coordinator, landlord, referent):
    household = referred_household(referent, coordinator, priority_publics=[PriorityPublic.VIOLENCE_VICTIM])
    proposal = sent_proposal(territory, coordinator, landlord, household)
    assert any(t["code"] == "violences" and t["met"] for t in proposal.explanation["terms"])
    label = "Victime de violences au sein du couple ou de la famille"
    masked = page(client, referent, proposal)
    assert label not in masked and "Critère réservé" in masked
    assert "Pourquoi ce ménage sur ce logement" in masked
    # Nor the totals, from which the masked points would follow.
    totals = "Total du ménage, puis de la paire"
    assert totals not in masked and "Meilleure autre possibilité" not in masked
    full = page(client, coordinator, proposal)
    assert label in full and totals in full
    # Once the referent's organisation is the file's referent organisation, the gate opens.
    household.refresh_from_db()
    household_services.update_household(
        household,
        author_of(coordinator),
        household.version,
        referent_organisation_id=organisation_of(referent).pk,
    )
    assert label in page(client, referent, proposal)


def test_a_social_worker_without_the_file_does_not_reach_the_proposal(client, territory, coordinator, landlord):
    proposal = sent_proposal(territory, coordinator, landlord, household_on_list(coordinator))
    sign_in(client, user_with_role(Role.SOCIAL_WORKER, territory))
    assert client.get(reverse("housing:proposal", args=[proposal.pk])).status_code == 404


def test_the_committee_decision_through_the_page(client, territory, coordinator, landlord):
    proposal = sent_proposal(territory, coordinator, landlord, household_on_list(coordinator))
    sign_in(client, landlord)
    url = reverse("housing:proposal_decide", args=[proposal.pk])
    today = timezone.localdate()
    missing_rank = client.post(
        url, {"decide-version": proposal.version, "decide-decision": P.ALLOCATED, "decide-committee_on": today}
    )
    assert missing_rank.status_code == 200
    assert "Indiquez le rang donné par la commission (1, 2 ou 3)." in missing_rank.content.decode()
    proposal.refresh_from_db()
    assert proposal.status == P.SENT
    future = client.post(
        url,
        {
            "decide-version": proposal.version,
            "decide-decision": P.ALLOCATED,
            "decide-committee_rank": "1",
            "decide-committee_on": today + timedelta(days=3),
        },
    )
    assert future.status_code == 200 and "futur" in future.content.decode()
    done = client.post(
        url,
        {
            "decide-version": proposal.version,
            "decide-decision": P.ALLOCATED,
            "decide-committee_rank": "1",
            "decide-committee_on": today,
        },
    )
    assert done.status_code == 302
    proposal.refresh_from_db()
    assert (proposal.status, proposal.committee_rank) == (P.ALLOCATED, 1)
    html = client.get(done["Location"]).content.decode()
    assert "La décision de la commission est enregistrée." in html
    assert "Signature du bail" not in html  # the household has not answered yet
    stale = client.post(
        url,
        {"decide-version": proposal.version - 1, "decide-decision": P.POSTPONED, "decide-committee_on": today},
    )
    assert stale.status_code == 200 and "modifiée par quelqu&#x27;un d&#x27;autre" in stale.content.decode()


def test_a_second_allocation_of_the_unit_is_refused_on_the_page(client, territory, coordinator, landlord):
    unit = make_unit(territory, organisation_of(landlord))
    c = author_of(coordinator)
    first = proposals.add_candidate(unit, household_on_list(coordinator), c)
    second = proposals.add_candidate(unit, household_on_list(coordinator, last_name="Bernard"), c)
    proposals.send_shortlist(unit, c)
    proposals.decide(first, c, P.ALLOCATED, committee_rank=1)
    second.refresh_from_db()
    sign_in(client, coordinator)
    response = post_allocation(client, second)
    assert response.status_code == 200
    assert "Ce logement est déjà attribué au ménage" in response.content.decode()
    second.refresh_from_db()
    assert second.status == P.SENT


def test_offer_answer_lease_and_entry_through_the_pages(client, territory, coordinator, landlord, referent):
    household = referred_household(referent, coordinator)
    proposal = sent_proposal(territory, coordinator, landlord, household)
    proposals.decide(proposal, author_of(landlord), P.ALLOCATED, days_ago(8), committee_rank=1)
    proposal.refresh_from_db()
    sign_in(client, referent)
    html = client.get(reverse("housing:proposal", args=[proposal.pk])).content.decode()
    assert "Proposition du logement au ménage" in html and "Décision de la commission" not in html
    today = timezone.localdate()
    assert (
        client.post(
            reverse("housing:proposal_offer", args=[proposal.pk]),
            {"offer-version": proposal.version, "offer-offered_on": days_ago(7)},
        ).status_code
        == 302
    )
    proposal.refresh_from_db()
    answer = reverse("housing:proposal_answer", args=[proposal.pk])
    no_reason = client.post(
        answer, {"answer-version": proposal.version, "answer-answer": "refused", "answer-answered_on": today}
    )
    assert "Choisissez le motif du refus dans la liste." in no_reason.content.decode()
    html = no_reason.content.decode()
    assert "Refus sans motif exprimé (le ménage, motif non légitime)" in html
    assert "Dossier incomplet" not in html  # a landlord's reason is not the household's
    assert (
        client.post(
            answer, {"answer-version": proposal.version, "answer-answer": "accepted", "answer-answered_on": days_ago(6)}
        ).status_code
        == 302
    )
    proposal.refresh_from_db()
    sign_in(client, landlord)
    client.post(
        reverse("housing:proposal_lease", args=[proposal.pk]),
        {"lease-version": proposal.version, "lease-lease_signed_on": days_ago(3)},
    )
    proposal.refresh_from_db()
    assert proposal.status == P.LEASED
    client.post(
        reverse("housing:proposal_enter", args=[proposal.pk]),
        {"enter-version": proposal.version, "enter-entered_on": days_ago(1)},
    )
    proposal.refresh_from_db()
    assert proposal.status == P.ENTERED


def test_a_household_refusal_reason_is_hidden_from_the_landlord(client, territory, coordinator, landlord):
    proposal = sent_proposal(territory, coordinator, landlord, household_on_list(coordinator))
    c = author_of(coordinator)
    proposal = proposals.decide(proposal, c, P.ALLOCATED, days_ago(8), committee_rank=1)
    proposal = proposals.offer(proposal, c, days_ago(7))
    proposals.answer(proposal, c, False, days_ago(6), refusal_reason=refusal(territory, "menage-localisation").pk)
    reason = "Localisation incompatible"
    assert reason in page(client, coordinator, proposal)
    assert reason not in page(client, landlord, proposal)


def _proposal_page_queries(client, proposal):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("housing:proposal", args=[proposal.pk])).status_code == 200
    return len(queries)


def test_the_proposal_page_reads_a_bounded_number_of_queries(client, territory, coordinator, landlord):
    c = author_of(coordinator)

    def postponed(last_name, times):
        unit = make_unit(territory, organisation_of(landlord))
        proposal = proposals.add_candidate(unit, household_on_list(coordinator, last_name=last_name), c)
        proposals.send_shortlist(unit, c, days_ago(10))
        for day in range(9, 9 - times, -1):
            proposal.refresh_from_db()
            proposals.decide(proposal, c, P.POSTPONED, days_ago(day))
        return proposal

    few, many = postponed("Bernard", 1), postponed("Durand", 8)
    assert many.events.count() > few.events.count() + 5
    sign_in(client, coordinator)
    assert _proposal_page_queries(client, many) == _proposal_page_queries(client, few)


def test_the_household_file_lists_its_proposals(client, territory, coordinator, landlord):
    household = household_on_list(coordinator)
    unit = make_unit(territory, organisation_of(landlord), commune_name="Grenoble")
    proposal = proposals.add_candidate(unit, household, author_of(coordinator))
    proposals.withdraw(proposal, author_of(coordinator))
    sign_in(client, coordinator)
    html = client.get(reverse("households:detail", args=[household.pk])).content.decode()
    assert "Propositions de logement" in html
    assert reverse("housing:proposal", args=[proposal.pk]) in html
    assert unit.reference in html and "Retirée" in html


def test_the_household_file_shows_refusals_with_their_legitimacy(client, territory, coordinator, landlord):
    household = household_on_list(coordinator)
    proposal = sent_proposal(territory, coordinator, landlord, household)
    proposals.decide(
        proposal,
        author_of(landlord),
        P.COMMITTEE_REFUSED,
        days_ago(3),
        refusal_reason=refusal(territory, "bailleur-dette").pk,
    )
    sign_in(client, coordinator)
    html = client.get(reverse("households:detail", args=[household.pk])).content.decode()
    assert "Dette locative antérieure (le bailleur ou la commission, motif non légitime)" in html
    assert "Refusée par la commission" in html


def test_the_household_tag_goes_through_the_scope(territory, coordinator, landlord):
    from django.template import Context, Template
    from django.test import RequestFactory

    household = household_on_list(coordinator)
    proposals.add_candidate(make_unit(territory, organisation_of(landlord)), household, author_of(coordinator))
    request = RequestFactory().get("/")
    request.user = user_with_role(Role.SOCIAL_WORKER, territory)
    html = Template("{% load housing %}{% household_proposals household %}").render(
        Context({"request": request, "household": household})
    )
    assert "Aucune proposition de logement." in html


def test_a_reservation_holder_follows_the_proposal_but_does_not_record_the_committee(
    client, territory, coordinator, landlord
):
    proposal = sent_proposal(territory, coordinator, landlord, household_on_list(coordinator))
    holder = landlord_user(territory)
    contingent = ContingentQuota.objects.create(
        territory=territory, kind="commune", holder=organisation_of(holder), label="Contingent ville"
    )
    Unit.objects.filter(pk=proposal.unit_id).update(contingent=contingent, contingent_kind="commune")
    html = page(client, holder, proposal)
    assert "Décision de la commission d&#x27;attribution" not in html and "Enregistrer la décision" not in html
    response = post_allocation(client, proposal)
    assert response.status_code == 403
    assert Proposal.objects.get(pk=proposal.pk).status == P.SENT
    assert "Enregistrer la décision" in page(client, landlord, proposal)


def test_a_reservation_holder_reaches_the_proposal_but_never_a_name(client, territory, coordinator, landlord, referent):
    """Issue 16: holding the unit's contingent is a reason to follow the proposal, not to know who
    the person is — on every page and API answer it reaches, as for the landlord."""
    household = referred_household(referent, coordinator, dalo=True)
    proposal = sent_proposal(territory, coordinator, landlord, household)
    holder = landlord_user(territory)
    contingent = ContingentQuota.objects.create(
        territory=territory, kind="commune", holder=organisation_of(holder), label="Contingent ville"
    )
    Unit.objects.filter(pk=proposal.unit_id).update(contingent=contingent, contingent_kind="commune")
    sign_in(client, holder)
    texts = {}
    for name, args in (
        ("housing:proposal", [proposal.pk]),
        ("housing_supply:unit", [proposal.unit_id]),
        ("housing_supply:units", []),
        ("housing_supply:mine", []),
        ("housing_supply:contingent", [contingent.pk]),
    ):
        response = client.get(reverse(name, args=args))
        texts[name] = (response.status_code, response.content.decode())
    assert texts["housing:proposal"][0] == 200 and household.reference in texts["housing:proposal"][1]
    token = TokenClient(Client(), organisation_of(holder), Role.LANDLORD)
    answer = token.get(f"/propositions/{proposal.pk}")
    assert answer.status_code == 200
    texts["api"] = (200, answer.content.decode())
    for name, (_, text) in texts.items():
        for secret in ("Zébulon", "ZÉBULON", "Philomène", "Zebulon"):
            assert secret not in text, (name, secret)
    assert reverse("households:detail", args=[household.pk]) not in texts["housing:proposal"][1]
