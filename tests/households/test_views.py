"""The by-name list's pages: list, file, caseload, edits, referral → decision, through the client."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from lda.households.models import EventKind, Household, HouseholdEvent
from tests.conftest import sign_in
from tests.factories import user_with_role
from tests.households.helpers import make_household, orient

pytestmark = pytest.mark.django_db


def test_coordinator_receives_a_referral_decides_and_sees_it_on_the_timeline(client, users):
    sign_in(client, users["referent"])
    response = client.post(
        reverse("households:referral_create"),
        {
            "personne-TOTAL_FORMS": "1",
            "personne-INITIAL_FORMS": "0",
            "personne-MIN_NUM_FORMS": "1",
            "personne-MAX_NUM_FORMS": "12",
            "personne-0-last_name": "Benali",
            "personne-0-first_name": "Samira",
            "personne-0-birth_date": "1990-03-04",
            "personne-0-birth_date_precision": "day",
            "personne-0-sex": "F",
            "personne-0-role": "adult",
            "personne-0-administrative_status": "french",
            "referrer_kind": "siao",
            "received_on": (timezone.localdate() - timedelta(days=10)).isoformat(),
            "situation_kind": "hotel_115",
            "summary": "Hébergée à l'hôtel depuis trois mois.",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    household = Household.objects.get()
    referral = household.referrals.get()
    sign_in(client, users["coordinator"])
    response = client.post(
        reverse("households:referral", args=[referral.pk]),
        {
            "version": household.version,
            "decision": "oriented",
            "decided_on": timezone.localdate().isoformat(),
            "measure": "vial",
            "housing_search": "on",
        },
    )
    assert response.status_code == 302
    household.refresh_from_db()
    assert household.status == "on_list"
    page = client.get(reverse("households:detail", args=[household.pk])).content.decode()
    assert "Décision d&#x27;orientation" in page or "Décision d'orientation" in page
    assert "10 jours après la saisine" in page
    assert list(HouseholdEvent.objects.filter(household=household).values_list("kind", flat=True))[-2:] == [
        EventKind.ORIENTATION_DECIDED,
        EventKind.LIST_ENTERED,
    ]


def test_an_operator_without_a_link_gets_404_and_an_empty_list(client, users, territory):
    household = make_household(users["referent"], last_name="Invisible")
    stranger = user_with_role("social_worker", territory)
    sign_in(client, stranger)
    assert client.get(reverse("households:detail", args=[household.pk])).status_code == 404
    assert "Invisible" not in client.get(reverse("households:list") + "?statut=tous").content.decode()
    export = client.get(reverse("households:export") + "?statut=tous")
    assert b"Invisible" not in export.content


def test_accompanying_operator_sees_the_file_only_with_consent(client, users):
    association = users["social_worker"].memberships.get().organisation
    without = make_household(users["referent"], last_name="Sansaccord")
    with_consent = make_household(users["referent"], last_name="Avecaccord", consent_kinds=["association"])
    for household in (without, with_consent):
        orient(users["coordinator"], household, accompanying_organisation_id=association.pk)
    sign_in(client, users["social_worker"])
    assert client.get(reverse("households:detail", args=[without.pk])).status_code == 404
    assert client.get(reverse("households:detail", args=[with_consent.pk])).status_code == 200


def test_second_save_of_the_same_version_is_refused_and_the_input_kept(client, users):
    household = make_household(users["referent"])
    sign_in(client, users["referent"])
    url = reverse("households:situation_add", args=[household.pk])
    version = household.version
    today = timezone.localdate().isoformat()
    first = client.post(url, {"version": version, "kind": "chrs", "started_on": today, "detail": "CHRS Les Tilleuls"})
    assert first.status_code == 302
    second = client.post(
        url, {"version": version, "kind": "family_friends", "started_on": today, "detail": "chez sa sœur"}
    )
    assert second.status_code == 200
    text = second.content.decode()
    assert "modifié par quelqu&#x27;un d&#x27;autre" in text
    assert "chez sa sœur" in text  # nothing lost: the user's input is still in the form
    assert household.situations.filter(kind="family_friends").count() == 0


@pytest.mark.parametrize(
    ("url_name", "data", "field_message"),
    [
        ("situation_add", {"kind": "chrs", "started_on": "2001-01-01"}, "ne peut pas commencer avant la précédente"),
        ("situation_add", {"kind": "inconnue", "started_on": "2024-01-01"}, "Sélectionnez un choix valide"),
        ("exit", {"reason": "housed", "housed_in": "social", "on": "2001-01-01"}, "ne peut pas précéder"),
        ("exit", {"reason": "housed", "on": "2025-01-01"}, "type de logement"),
        (
            "person_add",
            {
                "last_name": "X",
                "first_name": "Y",
                "role": "adult",
                "sex": "F",
                "birth_date_precision": "day",
                "administrative_status": "french",
                "birth_date": "2999-01-01",
            },
            "futur",
        ),
    ],
)
def test_bad_input_gets_a_french_error_and_nothing_is_saved(client, users, url_name, data, field_message):
    household = make_household(users["referent"], received_on=date(2024, 6, 1))
    orient(users["coordinator"], household, on=date(2024, 6, 10))
    household.refresh_from_db()
    before = (household.version, HouseholdEvent.objects.count())
    sign_in(client, users["referent"])
    payload = {"version": household.version, "v-version": household.version, **data}
    response = client.post(reverse(f"households:{url_name}", args=[household.pk]), payload)
    assert response.status_code == 200
    assert field_message in response.content.decode().replace("&#x27;", "'")
    household.refresh_from_db()
    assert (household.version, HouseholdEvent.objects.count()) == before


def test_leaving_and_returning_opens_a_linked_episode(client, users):
    household = make_household(users["referent"], received_on=date(2024, 1, 5))
    orient(users["coordinator"], household, on=date(2024, 1, 20))
    household.refresh_from_db()
    sign_in(client, users["referent"])
    client.post(
        reverse("households:exit", args=[household.pk]),
        {"version": household.version, "reason": "lost_contact", "on": "2024-05-02"},
    )
    household.refresh_from_db()
    assert household.status == "left"
    client.post(reverse("households:return", args=[household.pk]), {"version": household.version, "on": "2025-02-01"})
    household.refresh_from_db()
    assert household.status == "referred"
    first, second = household.episodes.order_by("number")
    assert second.previous == first and first.exit_reason == "lost_contact"


def test_caseload_flags_what_needs_attention(client, users):
    referent = users["referent"]
    quiet = make_household(referent, last_name="Silencieux")
    Household.objects.filter(pk=quiet.pk).update(
        referent=referent, last_contact_on=timezone.localdate() - timedelta(days=45)
    )
    recent = make_household(referent, last_name="Récent")
    Household.objects.filter(pk=recent.pk).update(referent=referent, last_contact_on=timezone.localdate())
    sign_in(client, referent)
    page = client.get(reverse("households:caseload")).content.decode()
    assert page.index("SILENCIEUX") < page.index("RÉCENT")
    assert "Pas de contact depuis plus de 30 jours" in page


def _bulk_households(user, n):
    """n households sharing the first one's shape, quickly (the list's query count must not grow)."""
    first = make_household(user, last_name="Modèle")
    from lda.households.models import Person

    households = Household.objects.bulk_create(
        [
            Household(
                territory_id=first.territory_id,
                reference=f"2099-{n:04d}{i:06d}",
                created_by_organisation_id=first.created_by_organisation_id,
                referent_organisation_id=first.created_by_organisation_id,
                referent=user,
                current_ethos=1,
                entered_list_on=date(2025, 1, 1),
            )
            for i in range(n - 1)
        ]
    )
    Person.objects.bulk_create(
        [
            Person(household=h, last_name=f"Nom{i}", first_name="Léa", role="adult", is_head=True, name_key="lea nom")
            for i, h in enumerate(households)
        ]
    )


@pytest.mark.parametrize("url_name", ["households:list", "households:caseload"])
def test_list_pages_issue_the_same_number_of_queries_for_10_or_1000_rows(
    client, users, django_assert_max_num_queries, url_name
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    referent = users["referent"]
    _bulk_households(referent, 10)
    sign_in(client, referent)
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse(url_name)).status_code == 200
    _bulk_households(referent, 1000)
    with django_assert_max_num_queries(len(few)):
        assert client.get(reverse(url_name)).status_code == 200
    assert len(few) <= 20


def test_household_page_queries_do_not_grow_with_its_history(client, users, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from lda.households import services
    from tests.households.helpers import author_of

    household = make_household(users["referent"], received_on=date(2020, 1, 1))
    sign_in(client, users["referent"])
    url = reverse("households:detail", args=[household.pk])
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    author = author_of(users["referent"])
    for i in range(30):
        household.refresh_from_db()
        services.record_situation(
            household, author, "chrs" if i % 2 else "street", date(2020, 2, 1) + timedelta(days=30 * i)
        )
        services.add_person(household, author, services.PersonData(f"Enfant{i}", "Noa", role="child"))
        services.record_contact(household, author, date(2020, 2, 1) + timedelta(days=30 * i))
    with django_assert_max_num_queries(len(few)):
        assert client.get(url).status_code == 200
    assert len(few) <= 25


def _referral_post(last_name, first_name, birth_date, **extra):
    return {
        "personne-TOTAL_FORMS": "1",
        "personne-INITIAL_FORMS": "0",
        "personne-MIN_NUM_FORMS": "1",
        "personne-MAX_NUM_FORMS": "12",
        "personne-0-last_name": last_name,
        "personne-0-first_name": first_name,
        "personne-0-birth_date": birth_date,
        "personne-0-birth_date_precision": "day",
        "personne-0-sex": "F",
        "personne-0-role": "adult",
        "personne-0-administrative_status": "unknown",
        "referrer_kind": "association",
        "received_on": timezone.localdate().isoformat(),
        "situation_kind": "street",
        **extra,
    }


def test_a_possible_duplicate_in_a_file_one_sees_is_shown_before_saving(client, users, territory):
    household = make_household(users["referent"], last_name="Martin", first_name="Léa")  # born 02/04/1985
    sign_in(client, users["referent"])
    url = reverse("households:referral_create")
    warned = client.post(url, _referral_post("LÉA", "martin", "1985-04-02"))
    assert warned.status_code == 200
    text = warned.content.decode()
    assert "existe peut-être déjà" in text
    assert reverse("households:detail", args=[household.pk]) in text and household.reference in text
    assert Household.objects.count() == 1
    saved = client.post(url, _referral_post("LÉA", "martin", "1985-04-02", confirm_distinct="on"))
    assert saved.status_code == 302
    assert Household.objects.count() == 2


@pytest.mark.parametrize("role", ["social_worker", "landlord", "prevention_agent"])
def test_the_duplicate_warning_is_no_oracle_on_files_out_of_reach(client, users, territory, role):
    """Issue 16: "a file you may not open — same names, same birth date" told anyone who may send a
    referral that this person is on the by-name list, and confirmed their birth date. A match out of
    the viewer's reach is not mentioned: the answer is the same as for a person nobody knows."""
    make_household(users["referent"], last_name="Martin", first_name="Léa")  # born 02/04/1985
    sign_in(client, user_with_role(role, territory))
    url = reverse("households:referral_create")
    known = client.post(url, _referral_post("LÉA", "martin", "1985-04-02"))
    assert known.status_code == 302  # saved at once, no warning: as for a person nobody knows
    unknown = client.post(url, _referral_post("Inconnue", "Personne", "1990-01-01"))
    assert unknown.status_code == 302
    assert Household.objects.count() == 3
    # The coordinator, who sees every file, finds the pair on the duplicates page.
    sign_in(client, users["coordinator"])
    pairs = client.get(reverse("merges:pairs")).content.decode()
    assert pairs.count("MARTIN") + pairs.count("Martin") >= 2


def test_the_person_form_does_not_reveal_a_file_out_of_reach_either(client, users, territory):
    make_household(users["referent"], last_name="Martin", first_name="Léa")  # born 02/04/1985
    worker = user_with_role("social_worker", territory)
    own = make_household(worker, last_name="Durand", first_name="Paul")
    sign_in(client, worker)
    response = client.post(
        reverse("households:person_add", args=[own.pk]),
        {
            "last_name": "Martin",
            "first_name": "Léa",
            "birth_date": "1985-04-02",
            "birth_date_precision": "day",
            "sex": "F",
            "role": "adult",
            "administrative_status": "unknown",
            "v-version": own.version,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert own.persons.filter(last_name="Martin").exists()


def _edit_post(household, **changes):
    data = {
        "version": household.version,
        "wants_to_live_alone": "unknown",
        "accepted_communes": "13055",
        "refused_communes": "",
    }
    data.update(changes)
    return data


def test_a_protected_file_names_who_sees_the_address(client, users):
    household = make_household(users["referent"])
    orient(users["coordinator"], household)
    household.refresh_from_db()
    sign_in(client, users["coordinator"])
    response = client.post(
        reverse("households:edit", args=[household.pk]),
        _edit_post(
            household, protected="on", whereabouts="Foyer Les Tilleuls", protected_viewers=[users["referent"].pk]
        ),
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    household.refresh_from_db()
    assert household.protected and household.accepted_communes == ["13055"]
    assert set(household.protected_viewers.all()) == {users["referent"], users["coordinator"]}
    assert household.events.filter(kind=EventKind.PROTECTION_CHANGED).exists()
    # Someone of the file who is not named sees neither the address nor the protection switch.
    colleague = user_with_role(
        "referent",
        users["referent"].memberships.get().organisation.territory,
        organisation=users["referent"].memberships.get().organisation,
    )
    sign_in(client, colleague)
    page = client.get(reverse("households:edit", args=[household.pk])).content.decode()
    assert "Foyer Les Tilleuls" not in page and 'name="protected"' not in page


def test_a_protected_file_asks_for_the_password_again_after_15_minutes(client, users):
    import time as clock

    from lda.accounts.signin import REAUTH_AT

    household = make_household(users["referent"])
    sign_in(client, users["referent"])
    session = client.session
    session[REAUTH_AT] = clock.time() - 16 * 60
    session.save()
    url = reverse("households:detail", args=[household.pk])
    assert client.get(url).status_code == 200
    Household.objects.filter(pk=household.pk).update(protected=True)
    response = client.get(url)
    assert response.status_code == 302 and reverse("accounts:reauthenticate") in response["Location"]


def test_caseload_flags_reviews_overdue_and_due_within_15_days(client, users):
    referent = users["referent"]
    today = timezone.localdate()
    cases = {
        "Retard": today - timedelta(days=1),
        "Bientot": today + timedelta(days=15),
        "Tard": today + timedelta(days=16),
    }
    for name, review in cases.items():
        household = make_household(referent, last_name=name)
        Household.objects.filter(pk=household.pk).update(
            referent=referent, last_contact_on=today, next_review_on=review
        )
    sign_in(client, referent)
    rows = {
        row["head"].last_name: row["flags"] for row in client.get(reverse("households:caseload")).context["entries"]
    }
    assert rows["Retard"] == ["Point de situation en retard"]
    assert rows["Bientot"] == ["Point de situation dans moins de 15 jours"]
    assert rows["Tard"] == []
