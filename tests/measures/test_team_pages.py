"""The operator's team through the client: a social worker manages their organisation's team, the
coordinator reads every operator's team of the territory; other organisations answer 404."""

import pytest
from django.urls import reverse

from lda.accounts.roles import OrganisationKind, Role
from lda.audit.models import AccessLog
from lda.measures import services
from lda.measures.models import StaffMember
from lda.measures.services import StaffData
from tests.conftest import sign_in
from tests.factories import OrganisationFactory, user_with_role
from tests.households.helpers import organisation_of

R = Role
LIST, ADD = "/equipe/", "/equipe/ajouter/"


@pytest.fixture
def worker(users):
    return users[R.SOCIAL_WORKER]


@pytest.fixture
def team(worker):
    org = organisation_of(worker)
    return [
        services.add_staff(org, StaffData("Nadia", "Benali", "social_worker", user_id=worker.pk)),
        services.add_staff(org, StaffData("Hugo", "Roux", "social_worker")),
        services.add_staff(org, StaffData("Inès", "Morel", "psychologist")),
        services.add_staff(org, StaffData("Karim", "Diallo", "peer_worker")),
    ]


def _page(response) -> str:
    return response.content.decode()


def test_the_urls():
    assert reverse("team:list") == LIST and reverse("team:add") == ADD


def test_the_social_worker_sees_the_team_by_profession(client, worker, team):
    sign_in(client, worker)
    page = _page(client.get(LIST))
    assert organisation_of(worker).name in page
    assert "4 membres en activité" in page
    assert '<th scope="row" class="fw-normal">Travailleur·se social·e</th><td class="text-end">2</td>' in page
    assert '<th scope="row" class="fw-normal">Psychologue</th><td class="text-end">1</td>' in page
    assert '<th scope="row" class="fw-normal">Infirmier·e en psychiatrie</th><td class="text-end">0</td>' in page
    assert "Ajouter un membre" in page and page.count("Retirer de l'équipe") == 4


def test_the_social_worker_adds_a_member_linked_to_an_account(client, worker):
    colleague = user_with_role(R.SOCIAL_WORKER, organisation_of(worker).territory, organisation=organisation_of(worker))
    outsider = user_with_role(R.SOCIAL_WORKER, organisation_of(worker).territory)
    sign_in(client, worker)
    page = _page(client.get(ADD))
    assert colleague.email in page and outsider.email not in page
    response = client.post(
        ADD, {"first_name": " Léa ", "last_name": "Petit", "profession": "psychiatric_nurse", "user": colleague.pk}
    )
    assert response.status_code == 302
    member = StaffMember.objects.get()
    assert (member.first_name, member.profession, member.user, member.organisation) == (
        "Léa",
        "psychiatric_nurse",
        colleague,
        organisation_of(worker),
    )
    # Once linked, the account is no longer offered.
    assert colleague.email not in _page(client.get(ADD))


def test_staff_errors_are_french_and_nothing_is_saved(client, worker):
    outsider = user_with_role(R.SOCIAL_WORKER, organisation_of(worker).territory)
    sign_in(client, worker)
    response = client.post(ADD, {"first_name": "", "last_name": "Petit", "profession": "wizard", "user": outsider.pk})
    assert response.status_code == 200
    page = _page(response)
    assert "Ce champ est obligatoire." in page
    assert "Sélectionnez un choix valide" in page
    assert "Choisissez un compte de votre organisation" in page
    assert 'value="Petit"' in page
    response = client.post(ADD, {"first_name": "   ", "last_name": "Petit", "profession": "psychologist"})
    assert "Ce champ est obligatoire." in _page(response)  # Django strips the blanks first
    assert not StaffMember.objects.exists()


def test_deactivate_and_reactivate(client, worker, team):
    member = team[1]
    sign_in(client, worker)
    response = client.post(reverse("team:toggle", args=[member.pk]), {"active": "0"})
    assert response.status_code == 302 and response["Location"].startswith(LIST)
    member.refresh_from_db()
    assert not member.is_active
    # Posting again the same intent changes nothing (no accidental flip on a double click).
    client.post(reverse("team:toggle", args=[member.pk]), {"active": "0"})
    member.refresh_from_db()
    assert not member.is_active
    page = _page(client.get(LIST))
    assert "3 membres en activité" in page and "ne fait plus partie de l'équipe</span>" in page
    assert "Réintégrer" in page
    client.post(reverse("team:toggle", args=[member.pk]), {"active": "1"})
    member.refresh_from_db()
    assert member.is_active
    assert client.get(reverse("team:toggle", args=[member.pk])).status_code == 405


def test_another_organisations_team_answers_404(client, worker, team):
    stranger = user_with_role(R.SOCIAL_WORKER, organisation_of(worker).territory)
    sign_in(client, stranger)
    assert client.post(reverse("team:toggle", args=[team[0].pk]), {"active": "0"}).status_code == 404
    assert client.get(f"{LIST}?organisation={organisation_of(worker).pk}").status_code == 404
    assert client.get(f"{ADD}?organisation={organisation_of(worker).pk}").status_code == 404
    assert client.get(f"{LIST}?organisation=abc").status_code == 404
    team[0].refresh_from_db()
    assert team[0].is_active
    assert AccessLog.objects.filter(user_id=stranger.pk, action="denied").count() >= 3
    page = _page(client.get(LIST))
    assert "BENALI" not in page and "Aucun membre enregistré." in page


def test_the_coordinator_reads_every_operators_team(client, users, worker, team, other_territory):
    territory = organisation_of(worker).territory
    second = OrganisationFactory(territory=territory, kind=OrganisationKind.ASSOCIATION, name="Zèbre Habitat")
    services.add_staff(second, StaffData("Yann", "Zed", "job_coach"))
    elsewhere = user_with_role(R.SOCIAL_WORKER, other_territory)
    sign_in(client, users[R.COORDINATOR])
    page = _page(client.get(LIST))
    assert '<label class="form-label" for="choix-operateur">Opérateur</label>' in page
    assert "Zèbre Habitat" in page and organisation_of(elsewhere).name not in page
    assert "Consultation seule" in page and "Ajouter un membre" not in page and "Retirer de" not in page
    page = _page(client.get(f"{LIST}?organisation={second.pk}"))
    assert "ZED Yann" in page and "BENALI" not in page
    assert client.get(f"{LIST}?organisation={organisation_of(elsewhere).pk}").status_code == 404
    assert client.get(ADD).status_code == 403
    assert client.post(reverse("team:toggle", args=[team[0].pk]), {"active": "0"}).status_code == 404
    team[0].refresh_from_db()
    assert team[0].is_active


@pytest.mark.parametrize("role", [R.REFERENT, R.LANDLORD, R.ADMIN])
def test_other_roles_are_refused(client, users, role):
    sign_in(client, users[role])
    assert client.get(LIST).status_code == 403


@pytest.mark.parametrize("count", [3, 60])
def test_the_team_list_queries_do_not_grow(client, worker, count, django_assert_max_num_queries):
    org = organisation_of(worker)
    StaffMember.objects.bulk_create(
        StaffMember(organisation=org, first_name=f"P{n}", last_name=f"N{n}", profession="educator", is_active=n % 4 > 0)
        for n in range(count)
    )
    sign_in(client, worker)
    with django_assert_max_num_queries(10):
        response = client.get(LIST)
    assert _page(response).count("<td>Éducateur·rice spécialisé·e</td>") == count
