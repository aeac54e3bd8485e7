"""The coordinator's matching pages: launching a run (background task, progress page, link to the
run), the run's figures and fairness report, and the shortlists adjusted and sent."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from lda.accounts.roles import Role
from lda.housing import codes, proposals, runs, services
from lda.housing.models import MatchingRun, Proposal, ProposalEvent
from lda.tasks import queue
from lda.tasks.models import Task
from tests.conftest import sign_in
from tests.factories import user_with_role
from tests.housing.helpers import (
    ECHIROLLES,
    author_of,
    household_on_list,
    landlord_user,
    make_unit,
    organisation_of,
)

P = codes.ProposalStatus
pytestmark = pytest.mark.django_db


@pytest.fixture
def coordinator(territory):
    user = user_with_role(Role.COORDINATOR, territory)
    services.install_defaults(territory)
    return user


@pytest.fixture
def landlord(territory):
    return landlord_user(territory)


@pytest.fixture
def signed(client, coordinator):
    return sign_in(client, coordinator)


def run_matching(territory, coordinator):
    run = runs.launch(territory, author_of(coordinator))
    queue.run_task(run.task, live=False)
    run.refresh_from_db()
    return run


def test_launching_a_run_leads_to_its_progress_then_to_the_run(signed, territory, coordinator, landlord):
    household_on_list(coordinator, dalo=True)
    make_unit(territory, organisation_of(landlord))
    page = signed.get(reverse("housing:runs"))
    assert page.status_code == 200
    assert "Lancer le rapprochement" in page.content.decode()
    response = signed.post(reverse("housing:run_launch"), {"territory": territory.pk})
    run = MatchingRun.objects.get(territory=territory)
    assert response.status_code == 302
    assert response["Location"] == reverse("housing:task", args=[run.task_id])
    waiting = signed.get(response["Location"])
    assert waiting.status_code == 200 and "Rapprochement de l&#x27;offre et de la demande" in waiting.content.decode()
    queue.run_task(Task.objects.get(pk=run.task_id), live=False)
    done = signed.get(reverse("housing:task_progress", args=[run.task_id]))
    assert done.status_code == 286
    assert reverse("housing:run", args=[run.pk]) in done.content.decode()
    listed = signed.get(reverse("housing:runs")).content.decode()
    assert reverse("housing:run", args=[run.pk]) in listed and "Terminé" in listed


def test_a_second_launch_while_one_runs_is_refused_in_french(signed, territory, coordinator):
    runs.launch(territory, author_of(coordinator))
    response = signed.post(reverse("housing:run_launch"), {"territory": territory.pk})
    assert response.status_code == 200
    assert "Un rapprochement est déjà en cours pour ce territoire" in response.content.decode()
    assert MatchingRun.objects.filter(territory=territory).count() == 1


def test_the_run_page_shows_figures_fairness_and_shortlists(signed, territory, coordinator, landlord):
    household = household_on_list(coordinator, dalo=True)
    unit = make_unit(territory, organisation_of(landlord))
    run = run_matching(territory, coordinator)
    proposal = Proposal.objects.get(run=run)
    html = signed.get(reverse("housing:run", args=[run.pk])).content.decode()
    for text in (
        "optimale, prouvée par le calcul",
        "Chiffres du calcul",
        "Rapport d'équité",
        "bloquante",
        "Par sexe de la personne de référence",
        "Par composition familiale",
        "Reconnu prioritaire DALO",
        "Rang du vœu de commune obtenu",
        f"Logement {unit.reference}",
        household.reference,
        reverse("housing:proposal", args=[proposal.pk]),
        "Transmettre au bailleur",
        "DALO",
    ):
        assert text in html, text


def test_withdrawing_and_moving_up_candidates(signed, territory, coordinator, landlord):
    first = household_on_list(coordinator)
    second = household_on_list(coordinator, last_name="Bernard")
    unit = make_unit(territory, organisation_of(landlord))
    c = author_of(coordinator)
    a = proposals.add_candidate(unit, first, c)
    b = proposals.add_candidate(unit, second, c)
    back = "/logement/rapprochements/"
    response = signed.post(reverse("housing:proposal_move_up", args=[b.pk]), {"next": back})
    assert response.status_code == 302 and response["Location"] == back
    a.refresh_from_db()
    b.refresh_from_db()
    assert (b.rank, a.rank) == (1, 2)
    signed.post(reverse("housing:proposal_withdraw", args=[a.pk]), {"version": a.version})
    a.refresh_from_db()
    assert a.status == P.WITHDRAWN


def test_a_stale_withdrawal_is_refused_with_a_message(signed, territory, coordinator, landlord):
    unit = make_unit(territory, organisation_of(landlord))
    a = proposals.add_candidate(unit, household_on_list(coordinator), author_of(coordinator))
    response = signed.post(reverse("housing:proposal_withdraw", args=[a.pk]), {"version": a.version - 1}, follow=True)
    assert "modifiée par quelqu&#x27;un d&#x27;autre" in response.content.decode()
    a.refresh_from_db()
    assert a.status == P.CANDIDATE


def test_sending_the_shortlist(signed, territory, coordinator, landlord):
    unit = make_unit(territory, organisation_of(landlord))
    a = proposals.add_candidate(unit, household_on_list(coordinator), author_of(coordinator))
    response = signed.post(reverse("housing:shortlist_send", args=[unit.pk]), follow=True)
    assert "1 candidature transmise au bailleur" in response.content.decode()
    a.refresh_from_db()
    unit.refresh_from_db()
    assert (a.status, unit.status) == (P.SENT, codes.UnitStatus.PROPOSED)
    again = signed.post(reverse("housing:shortlist_send", args=[unit.pk]), follow=True)
    assert "Aucune candidature à transmettre pour ce logement." in again.content.decode()


def test_adding_a_household_outside_its_wishes_asks_a_justification(signed, territory, coordinator, landlord):
    household = household_on_list(coordinator, communes=(ECHIROLLES,))
    unit = make_unit(territory, organisation_of(landlord))
    url = reverse("housing:candidate_add", args=[unit.pk])
    page = signed.get(url).content.decode()
    assert 'name="household"' in page and 'name="justification"' not in page
    refused = signed.post(url, {"household": household.reference})
    html = refused.content.decode()
    assert refused.status_code == 200
    assert 'name="justification"' in html
    assert "Ce logement est hors des souhaits du ménage" in html
    assert not Proposal.objects.filter(unit=unit).exists()
    added = signed.post(url, {"household": household.reference, "justification": "Proche de son travail."})
    assert added.status_code == 302
    proposal = Proposal.objects.get(unit=unit)
    assert proposal.explanation["justification"] == "Proche de son travail."
    assert ProposalEvent.objects.get(proposal=proposal).payload == {"overridden": ["commune_non_souhaitee"]}


def test_an_unknown_reference_is_a_field_error(signed, territory, coordinator, landlord):
    unit = make_unit(territory, organisation_of(landlord))
    response = signed.post(reverse("housing:candidate_add", args=[unit.pk]), {"household": "INCONNU"})
    assert "Aucun ménage de ce territoire n&#x27;a cette référence." in response.content.decode()


def _run_page_queries(client, run):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("housing:run", args=[run.pk])).status_code == 200
    return len(queries)


def test_the_run_page_reads_a_bounded_number_of_queries(signed, territory, coordinator, landlord):
    organisation = organisation_of(landlord)
    household_on_list(coordinator)
    make_unit(territory, organisation, reference="A-1")
    few = run_matching(territory, coordinator)
    assert Proposal.objects.filter(run=few).count() == 1
    few_count = _run_page_queries(signed, few)
    for i in range(6):
        household_on_list(coordinator, last_name=f"Nom{i}")
    for i in range(4):
        make_unit(territory, organisation, reference=f"B-{i}")
    many = run_matching(territory, coordinator)
    assert Proposal.objects.filter(run=many).count() >= 5
    assert _run_page_queries(signed, many) == few_count


def test_other_roles_do_not_reach_the_runs(client, territory, coordinator, landlord):
    run = run_matching(territory, coordinator)
    sign_in(client, user_with_role(Role.REFERENT, territory))
    assert client.get(reverse("housing:run", args=[run.pk])).status_code == 403
    other = user_with_role(Role.COORDINATOR, territory)
    sign_in(client, other)
    # Another coordinator of the territory reads the run, but not a task it did not start.
    assert client.get(reverse("housing:run", args=[run.pk])).status_code == 200
    assert client.get(reverse("housing:task", args=[run.task_id])).status_code == 404
