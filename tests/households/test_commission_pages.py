"""The commission's pages: who sees what of a case, forms, follow-up, print pages, query bounds."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse

from lda.accounts.roles import Role
from lda.audit.models import AccessLog, Action
from lda.households import codes
from lda.households import commission as service
from lda.households.models import Commission, CommissionCase, Commitment
from tests.clock import reference_today
from tests.conftest import sign_in
from tests.factories import OrganisationFactory, user_with_role
from tests.households.helpers import author_of, make_household, organisation_of, verified

R = Role
TODAY = reference_today()
QUESTION = "Addiction à l'alcool, suivi CSAPA interrompu"
CONCLUSION = "Orienter vers une pension de famille"


@pytest.fixture
def coordinator(users):
    return verified(users[R.COORDINATOR])


@pytest.fixture
def commission(territory, coordinator, users):
    attendees = [organisation_of(users[r]).pk for r in (R.LANDLORD, R.SOCIAL_WORKER, R.REFERENT)]
    data = service.CommissionData(held_on=TODAY - timedelta(days=20), place="Salle du conseil", attendees=attendees)
    return service.create_commission(territory, author_of(coordinator), data)


def present(commission, coordinator, household, question=QUESTION):
    data = service.CaseData(presented_by=household.created_by_organisation_id, question=question)
    case = service.add_case(commission, author_of(coordinator), household, data)
    service.record_conclusion(case, author_of(coordinator), CONCLUSION)
    return case


def commit(case, coordinator, organisation, due_on, action="Proposer un T2"):
    data = service.CommitmentData(organisation=organisation.pk, action=action, due_on=due_on)
    return service.add_commitment(case, author_of(coordinator), data)


@pytest.fixture
def case(commission, coordinator, users):
    household = make_household(users[R.SOCIAL_WORKER], last_name="Lefebvre", first_name="Inès")
    return present(commission, coordinator, household)


def page(client, user, name, *args):
    sign_in(client, user)
    response = client.get(reverse(name, args=args))
    assert response.status_code == 200
    return response.content.decode()


# --- list ---------------------------------------------------------------------------------------


def test_list_shows_the_territory_to_the_coordinator_and_attended_ones_to_partners(
    client, territory, coordinator, commission, users
):
    unattended = service.create_commission(
        territory, author_of(coordinator), service.CommissionData(held_on=TODAY + timedelta(days=40))
    )
    assert f"/commissions/{unattended.pk}/" in page(client, coordinator, "commissions:list")
    landlord_page = page(client, users[R.LANDLORD], "commissions:list")
    assert f"/commissions/{commission.pk}/" in landlord_page
    assert f"/commissions/{unattended.pk}/" not in landlord_page
    assert "Nouvelle commission" not in landlord_page
    assert f"/commissions/{commission.pk}/" not in page(client, users[R.PREVENTION_AGENT], "commissions:list")


def test_a_partner_reaches_only_attended_commissions(client, commission, users):
    sign_in(client, users[R.PREVENTION_AGENT])
    assert client.get(reverse("commissions:detail", args=[commission.pk])).status_code == 404


# --- what each viewer sees of a case ------------------------------------------------------------


def test_coordinator_sees_names_question_and_conclusion(client, coordinator, commission, case):
    html = page(client, coordinator, "commissions:detail", commission.pk)
    assert "LEFEBVRE Inès" in html and case.household.reference in html
    assert QUESTION.replace("'", "&#x27;") in html and CONCLUSION in html


def test_partner_who_cannot_see_the_file_gets_an_anonymous_situation(client, commission, case, users):
    html = page(client, users[R.LANDLORD], "commissions:detail", commission.pk)
    assert "Situation n°1" in html
    assert "Lefebvre" not in html.title() and case.household.reference not in html
    assert "Addiction" not in html and CONCLUSION not in html


def test_partner_who_sees_the_file_but_not_its_notes_gets_the_name_only(client, commission, case, users):
    # The social worker's organisation created the file (file access) but is not its referent (no notes).
    html = page(client, users[R.SOCIAL_WORKER], "commissions:detail", commission.pk)
    assert "LEFEBVRE Inès" in html
    assert "Addiction" not in html and CONCLUSION not in html


def test_referent_organisation_sees_the_notes(client, coordinator, commission, users):
    referent = users[R.REFERENT]
    household = make_household(referent, last_name="Roux")  # created by the referent's organisation
    household.referent_organisation = organisation_of(referent)
    household.save(update_fields=["referent_organisation"])
    present(commission, coordinator, household)
    html = page(client, referent, "commissions:detail", commission.pk)
    assert "ROUX Léa" in html and "Addiction" in html


def test_overdue_commitments_are_highlighted_in_words(client, coordinator, commission, case, users):
    org = organisation_of(users[R.LANDLORD])
    commit(case, coordinator, org, TODAY - timedelta(days=1), action="En retard ici")
    commit(case, coordinator, org, TODAY + timedelta(days=5), action="À temps")
    html = page(client, coordinator, "commissions:detail", commission.pk)
    assert html.count("En retard</strong>") == 1
    row = re.search(r"<tr class=\"table-warning lda-overdue\">(.*?)</tr>", html, re.S).group(1)
    assert "En retard ici" in row


def test_detail_read_is_logged(client, coordinator, commission):
    page(client, coordinator, "commissions:detail", commission.pk)
    assert AccessLog.objects.filter(action=Action.READ, object_type="commission", object_id=str(commission.pk))


# --- forms --------------------------------------------------------------------------------------


def test_coordinator_creates_a_commission(client, coordinator, users):
    org = organisation_of(users[R.LANDLORD])
    sign_in(client, coordinator)
    response = client.post(
        reverse("commissions:create"), {"held_on": TODAY.isoformat(), "place": "Mairie", "attendees": [org.pk]}
    )
    commission = Commission.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("commissions:detail", args=[commission.pk])
    assert list(commission.attendees.all()) == [org]


def test_edit_form_shows_service_errors_per_field(client, coordinator, commission, case, users):
    commit(case, coordinator, organisation_of(users[R.LANDLORD]), commission.held_on + timedelta(days=1))
    sign_in(client, coordinator)
    later = (commission.held_on + timedelta(days=5)).isoformat()
    response = client.post(reverse("commissions:edit", args=[commission.pk]), {"held_on": later})
    assert response.status_code == 200
    assert "la commission ne peut pas être plus tardive" in response.content.decode()
    assert "lda-error-summary" in response.content.decode()


def test_case_is_added_by_reference(client, coordinator, commission, users):
    household = make_household(users[R.SOCIAL_WORKER], last_name="Petit")
    sign_in(client, coordinator)
    url = reverse("commissions:case_add", args=[commission.pk])
    data = {"household": household.reference, "presented_by": household.created_by_organisation_id, "question": "Q"}
    assert client.post(url, data).status_code == 302
    assert CommissionCase.objects.get(commission=commission).household == household
    response = client.post(url, {**data, "household": "1999-000001"})
    assert "Aucun dossier de votre territoire" in response.content.decode()


def test_commitment_is_added_and_closed_by_the_committed_organisation(client, coordinator, commission, case, users):
    landlord = users[R.LANDLORD]
    sign_in(client, coordinator)
    response = client.post(
        reverse("commissions:commitment_add", args=[case.pk]),
        {
            "organisation": organisation_of(landlord).pk,
            "owner": landlord.pk,
            "action": "Proposer un T2",
            "due_on": (TODAY + timedelta(days=10)).isoformat(),
        },
    )
    assert response.status_code == 302
    commitment = Commitment.objects.get()
    assert commitment.owner == landlord
    sign_in(client, landlord)
    url = reverse("commissions:commitment_close", args=[commitment.pk])
    response = client.post(url, {"status": "done", "done_on": (TODAY + timedelta(days=1)).isoformat()})
    assert "ne peut pas être dans le futur" in response.content.decode()
    response = client.post(url, {"status": "done", "done_on": TODAY.isoformat()})
    assert response.status_code == 302 and response["Location"] == reverse("commissions:my_commitments")
    commitment.refresh_from_db()
    assert commitment.status == codes.CommitmentStatus.DONE
    response = client.post(url, {"status": "cancelled"})
    assert "Impossible" in response.content.decode()


def test_another_partner_cannot_close_the_commitment(client, coordinator, case, users):
    commitment = commit(case, coordinator, organisation_of(users[R.LANDLORD]), TODAY)
    sign_in(client, users[R.SOCIAL_WORKER])
    response = client.post(reverse("commissions:commitment_close", args=[commitment.pk]), {"status": "cancelled"})
    assert response.status_code == 404
    commitment.refresh_from_db()
    assert commitment.status == codes.CommitmentStatus.OPEN


def test_held_button_freezes_the_agenda(client, coordinator, commission):
    sign_in(client, coordinator)
    client.post(reverse("commissions:held", args=[commission.pk]))
    commission.refresh_from_db()
    assert commission.held
    assert "Ajouter une situation" not in page(client, coordinator, "commissions:detail", commission.pk)


# --- follow-up ----------------------------------------------------------------------------------


def test_my_commitments_lists_open_ones_of_my_organisation_overdue_first(client, coordinator, commission, case, users):
    landlord = users[R.LANDLORD]
    mine = organisation_of(landlord)
    commit(case, coordinator, mine, TODAY + timedelta(days=9), action="Deuxième")
    commit(case, coordinator, mine, TODAY - timedelta(days=3), action="Premier en retard")
    done = commit(case, coordinator, mine, TODAY, action="Déjà fait")
    service.close_commitment(done, author_of(coordinator), "done", TODAY)
    commit(case, coordinator, organisation_of(users[R.REFERENT]), TODAY, action="Pas le mien")
    html = page(client, landlord, "commissions:my_commitments")
    assert html.index("Premier en retard") < html.index("Deuxième")
    assert "Déjà fait" not in html and "Pas le mien" not in html
    assert "En retard</strong>" in html and "Situation n°1" in html and "Lefebvre" not in html.title()


def test_a_non_attending_organisation_given_a_commitment_reads_the_agenda(client, coordinator, case, users):
    agent = users[R.PREVENTION_AGENT]
    commit(case, coordinator, organisation_of(agent), TODAY + timedelta(days=1), action="Saisir la CCAPEX")
    html = page(client, agent, "commissions:my_commitments")
    assert "Saisir la CCAPEX" in html
    assert reverse("commissions:detail", args=[case.commission_id]) in html
    assert page(client, agent, "commissions:detail", case.commission_id)


# --- print pages --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name,section", [("commissions:print_agenda", "print_agenda"), ("commissions:print_minutes", "print_minutes")]
)
def test_print_pages_are_logged_and_free_of_inline_style(client, coordinator, commission, case, users, name, section):
    html = page(client, coordinator, name, commission.pk)
    assert "css/print.css" in html and "style=" not in html and "<script" not in html
    assert "LEFEBVRE Inès" in html
    assert AccessLog.objects.filter(action=Action.READ, object_id=str(commission.pk), section=section).exists()
    partner = page(client, users[R.LANDLORD], name, commission.pk)
    assert "Situation n°1" in partner and "Lefebvre" not in partner.title() and "Addiction" not in partner


def test_minutes_carry_conclusion_and_commitments(client, coordinator, commission, case, users):
    commit(case, coordinator, organisation_of(users[R.LANDLORD]), TODAY, action="Proposer un T2")
    html = page(client, coordinator, "commissions:print_minutes", commission.pk)
    assert CONCLUSION in html and "Proposer un T2" in html


# --- another territory, query bounds -------------------------------------------------------------


def test_another_territory_commission_answers_404(client, coordinator, other_territory):
    worker = user_with_role(R.SOCIAL_WORKER, other_territory)
    elsewhere = service.create_commission(other_territory, author_of(worker), service.CommissionData(held_on=TODAY))
    sign_in(client, coordinator)
    for name in ("commissions:detail", "commissions:edit", "commissions:print_minutes"):
        assert client.get(reverse(name, args=[elsewhere.pk])).status_code == 404


# Measured: 13 for a partner, 15 for the coordinator, with 3 cases as with 30 (sign-in, session and
# access log included): cases, heads, commitments, attendees, visible files and kinds are one query each.
AGENDA_QUERIES = 15
FOLLOW_UP_QUERIES = 10


def _fill(commission, coordinator, creator, organisations, count):
    for n in range(count):
        household = make_household(creator, last_name=f"Nom{n}")
        case = present(commission, coordinator, household)
        for org in organisations:
            commit(case, coordinator, org, TODAY + timedelta(days=n % 5 - 2), action=f"Tâche {n}")


@pytest.mark.parametrize("count", [3, 30])
@pytest.mark.parametrize("role", [R.COORDINATOR, R.LANDLORD])
@pytest.mark.parametrize("name", ["commissions:detail", "commissions:print_minutes"])
def test_agenda_queries_are_bounded(
    client, django_assert_max_num_queries, coordinator, commission, users, count, role, name
):
    organisations = [organisation_of(users[R.LANDLORD]), OrganisationFactory(territory=commission.territory)]
    _fill(commission, coordinator, users[R.SOCIAL_WORKER], organisations, count)
    sign_in(client, users[role])
    url = reverse(name, args=[commission.pk])
    with django_assert_max_num_queries(AGENDA_QUERIES):
        response = client.get(url)
    assert response.content.decode().count("<td>Tâche ") == 2 * count


@pytest.mark.parametrize("count", [3, 30])
def test_follow_up_queries_are_bounded(client, django_assert_max_num_queries, coordinator, commission, users, count):
    landlord = users[R.LANDLORD]
    _fill(commission, coordinator, users[R.SOCIAL_WORKER], [organisation_of(landlord)], count)
    sign_in(client, landlord)
    with django_assert_max_num_queries(FOLLOW_UP_QUERIES):
        response = client.get(reverse("commissions:my_commitments"))
    assert response.content.decode().count("<td>Tâche ") == count
