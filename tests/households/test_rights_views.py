"""The rights pages (spec 6): the rights page and its form, the exports of everything held
(re-authenticated, audited without values, complete), the rectification history and the person
edit, with bounded queries."""

import json
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from lda.accounts.roles import Role
from lda.accounts.signin import REAUTH_AT
from lda.audit.models import AccessLog, Action
from lda.households import services
from lda.households.models import FieldChange, Household
from lda.households.rights import RightsRequest
from lda.households.services import PersonData
from tests.conftest import sign_in
from tests.households.helpers import author_of, make_household, organisation_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def household(users):
    """A file of our referent's organisation, which is its pathway referent (second gate)."""
    h = make_household(users[Role.REFERENT], last_name="Dupré", first_name="Amélie")
    Household.objects.filter(pk=h.pk).update(referent_organisation=organisation_of(users[Role.REFERENT]))
    h.refresh_from_db()
    return h


def _rights_post(household, person, **fields):
    data = {"version": household.version, "person": person.pk, "reason": "Courrier de la personne"}
    data.update(fields)
    return data


def test_the_rights_page_shows_the_effects_and_records_a_restriction(client, users, household):
    sign_in(client, users[Role.REFERENT])
    url = reverse("households:rights", args=[household.pk])
    page = client.get(url).content.decode()
    assert "Limitation du traitement" in page and "Appariement et propositions aux bailleurs" in page
    assert reverse("households:rights_export_pdf", args=[household.pk]) in page
    person = household.persons.get()
    today = timezone.localdate().isoformat()
    response = client.post(url, _rights_post(household, person, restricted="on", restricted_on=today))
    assert response.status_code == 302
    household.refresh_from_db()
    assert household.rights_blocks == ["exports", "proposals", "sharing"]
    assert "limitation demandée" in client.get(reverse("households:detail", args=[household.pk])).content.decode()


def test_a_bad_rights_form_says_why_in_french_next_to_the_field_and_saves_nothing(client, users, household):
    sign_in(client, users[Role.REFERENT])
    person = household.persons.get()
    url = reverse("households:rights", args=[household.pk])
    response = client.post(url, _rights_post(household, person, restricted="on", reason=""))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Indiquez la date à laquelle la personne a demandé la limitation." in page
    assert 'href="#id_restricted_on"' in page and 'aria-describedby="id_restricted_on-aide"' in page
    assert "Indiquez le motif" in page
    person.refresh_from_db()
    assert not person.rights_restricted and not FieldChange.objects.exists()
    # A stale version: the clear message, nothing saved.
    stale = _rights_post(household, person, restricted="on", restricted_on=timezone.localdate().isoformat())
    stale["version"] = household.version - 1
    page = client.post(url, stale).content.decode()
    assert "modifié par quelqu" in page
    person.refresh_from_db()
    assert not person.rights_restricted


def _pdf_and_json(client, household):
    pdf = client.get(reverse("households:rights_export_pdf", args=[household.pk]))
    data = client.get(reverse("households:rights_export_json", args=[household.pk]))
    return pdf, data


def test_the_exports_hold_everything_and_are_audited_without_values(client, users, household):
    referent = users[Role.REFERENT]
    person = household.persons.get()
    services.update_person(household, person, author_of(referent), PersonData("Dupré-Łukasz", "Amélie"), None)
    household.refresh_from_db()
    services.update_household(household, author_of(referent), household.version, notes="Très fatiguée")
    sign_in(client, referent)
    before = AccessLog.objects.count()
    pdf, data = _pdf_and_json(client, household)
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF") and len(pdf.content) > 2000
    assert pdf["Content-Disposition"].startswith('attachment; filename="donnees-')
    body = json.loads(data.content)
    codes_ = [s["code"] for s in body["sections"]]
    for code in (
        "dossier",
        "personnes",
        "situations",
        "saisines",
        "chronologie",
        "rectifications",
        "mesures",
        "propositions",
    ):
        assert code in codes_
    sections = {s["code"]: s for s in body["sections"]}
    assert sections["personnes"]["enregistrements"][0]["last_name"] == "Dupré-Łukasz"
    assert sections["dossier"]["enregistrements"][0]["notes"] == "Très fatiguée"
    history = sections["rectifications"]["enregistrements"]
    assert {"rubrique": "Nom", "avant": "Dupré", "apres": "Dupré-Łukasz"}.items() <= next(
        r for r in history if r["rubrique"] == "Nom"
    ).items()
    assert next(r for r in history if r["rubrique"] == "Notes")["valeurs"].startswith("non conservées")
    logs = list(AccessLog.objects.filter(action=Action.EXPORT).order_by("pk"))
    assert AccessLog.objects.count() - before == 2
    assert [(log.object_type, log.object_id, log.section) for log in logs] == [
        ("household", str(household.pk), "droits_pdf"),
        ("household", str(household.pk), "droits_json"),
    ]
    for log in AccessLog.objects.all():
        for value in (log.object_type, log.object_id, log.section, log.route):
            assert "Dupr" not in value and "fatigu" not in value


def test_the_exports_ask_for_the_password_again_after_15_minutes(client, users, household):
    sign_in(client, users[Role.REFERENT])
    session = client.session
    session[REAUTH_AT] = 0.0  # long ago
    session.save()
    for name in ("households:rights_export_pdf", "households:rights_export_json"):
        response = client.get(reverse(name, args=[household.pk]))
        assert response.status_code == 302 and reverse("accounts:reauthenticate") in response["Location"]
    assert not AccessLog.objects.filter(action=Action.EXPORT).exists()


def test_who_does_not_pass_the_second_gate_cannot_export_an_incomplete_file(client, users, territory):
    from tests.factories import user_with_role

    # A referent of the creating organisation only (not the pathway referent): no sensitive sections.
    creator = user_with_role(Role.REFERENT, territory)
    household = make_household(creator)
    sign_in(client, creator)
    page = client.get(reverse("households:rights", args=[household.pk])).content.decode()
    assert "L'export complet est réservé" in page
    pdf, data = _pdf_and_json(client, household)
    assert pdf.status_code == data.status_code == 403
    assert AccessLog.objects.filter(action=Action.DENIED, object_id=str(household.pk)).count() == 2
    assert not AccessLog.objects.filter(action=Action.EXPORT).exists()


def test_a_protected_file_export_hides_the_whereabouts_from_who_is_not_named(client, users, household):
    coordinator = users[Role.COORDINATOR]
    services.update_household(
        household, author_of(coordinator), household.version, protected=True, whereabouts="Foyer Les Tilleuls"
    )
    services.set_protected_viewers(household, author_of(users[Role.REFERENT]), [])
    sign_in(client, coordinator)
    body = client.get(reverse("households:rights_export_json", args=[household.pk])).content.decode()
    assert "Foyer Les Tilleuls" not in body and "masqué (dossier protégé" in body
    sign_in(client, users[Role.REFERENT])
    body = client.get(reverse("households:rights_export_json", args=[household.pk])).content.decode()
    assert "Foyer Les Tilleuls" in body
    assert AccessLog.objects.filter(action=Action.EXPORT, section="droits_json").first().keep_until.year >= (
        timezone.now().year + 2
    )  # protected files' events are kept 3 years


def test_the_history_page_shows_values_author_and_working_fields(client, users, household):
    coordinator = users[Role.COORDINATOR]
    services.update_household(household, author_of(coordinator), household.version, has_pets=True, notes="Confidentiel")
    sign_in(client, coordinator)
    page = client.get(reverse("households:field_history", args=[household.pk])).content.decode()
    assert "Animaux de compagnie" in page and "rubrique de travail : valeurs non conservées" in page
    assert "Confidentiel" not in page and coordinator.full_name in page
    assert AccessLog.objects.filter(action=Action.READ, section="historique").exists()


def test_the_person_edit_rectifies_and_keeps_the_legal_status_of_who_may_not_see_it(client, users, territory):
    from tests.factories import user_with_role

    worker = user_with_role(Role.SOCIAL_WORKER, territory)
    household = make_household(
        worker, persons=[PersonData("Roux", "Zoé", administrative_status="refugee", is_head=True)]
    )
    person = household.persons.get()
    sign_in(client, worker)
    url = reverse("households:person_edit", args=[household.pk, person.pk])
    page = client.get(url).content.decode()
    assert 'name="administrative_status"' not in page
    post = {
        "version": household.version,
        "last_name": "Roux",
        "first_name": "Zoé",
        "birth_date": "2099-01-01",
        "birth_date_precision": "day",
        "sex": "U",
        "role": "adult",
    }
    response = client.post(url, post)
    assert "La date de naissance ne peut pas être dans le futur." in response.content.decode()
    post["birth_date"] = "1990-05-01"
    assert client.post(url, post).status_code == 302
    person.refresh_from_db()
    assert person.birth_date == date(1990, 5, 1) and person.administrative_status == "refugee"
    assert list(FieldChange.objects.values_list("field", flat=True)) == ["birth_date"]


def _queries(client, url):
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200
    return len(context)


def test_pages_and_exports_keep_a_bounded_number_of_queries(client, users, household):
    coordinator = users[Role.COORDINATOR]
    author = author_of(coordinator)
    services.update_household(household, author, household.version, has_pets=True)  # one line to show
    sign_in(client, coordinator)
    urls = [
        reverse(name, args=[household.pk])
        for name in ("households:rights", "households:field_history", "households:rights_export_json")
    ]
    few = [_queries(client, url) for url in urls]
    for n in range(6):
        household.refresh_from_db()
        services.add_person(household, author, PersonData("Dupré", f"Enfant{n}", role="child"), household.version)
        household.refresh_from_db()
        services.update_household(household, author, household.version, has_pets=n % 2 == 1, sne_number=f"SNE{n}")
        services.record_situation(household, author, "street" if n % 2 else "night_shelter", timezone.localdate())
    person = household.persons.order_by("pk").first()
    household.refresh_from_db()
    services.set_rights(
        household, person, author, RightsRequest(False, None, True, timezone.localdate(), "Opposition"), None
    )
    many = [_queries(client, url) for url in urls]
    assert many == few, (few, many)
    assert max(many) <= 40
    assert _queries(client, reverse("households:rights_export_pdf", args=[household.pk])) == many[2]
