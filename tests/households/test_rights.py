"""Rights of the person (spec 6): restriction and opposition, their effects, and the rectification
history, through the real services."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from lda.access.policy import actor_for
from lda.accounts.roles import Role
from lda.households import codes, merge, rights, services
from lda.households.models import EventKind, FieldChange, Household, HouseholdEvent, Person
from lda.households.rights import RightsRequest
from lda.households.scopes import household_filter
from lda.households.services import PersonData, StaleVersion
from lda.households.views import organisation_kinds
from lda.households.visibility import FileFacts, access
from tests.conftest import sign_in
from tests.households.helpers import author_of, make_household, organisation_of, verified

pytestmark = pytest.mark.django_db
E = codes.RightsEffect


def created_on(household):
    return timezone.localdate(household.created_at)


def flag(household, person, user, *, restricted=False, opposed=False, reason="Demande écrite de la personne"):
    household.refresh_from_db()
    on = created_on(household)
    services.set_rights(
        household,
        person,
        author_of(user),
        RightsRequest(restricted, on if restricted else None, opposed, on if opposed else None, reason),
        household.version,
    )
    household.refresh_from_db()
    return household


@pytest.fixture
def shared(users):
    """A file of our referent's organisation, accompanied with consent by our association."""
    household = make_household(users[Role.REFERENT], consent_kinds=["association"])
    Household.objects.filter(pk=household.pk).update(
        accompanying_organisation=organisation_of(users[Role.SOCIAL_WORKER]),
        referent_organisation=organisation_of(users[Role.REFERENT]),
    )
    household.refresh_from_db()
    return household


# --- the effects are data ------------------------------------------------------------------------


def test_each_flag_stops_what_the_table_says():
    assert codes.RIGHTS_EFFECTS[codes.RightsFlag.RESTRICTED] == {E.SHARING, E.PROPOSALS, E.EXPORTS}
    assert codes.RIGHTS_EFFECTS[codes.RightsFlag.OPPOSED] == {E.SHARING, E.PROPOSALS}
    assert codes.rights_blocks([]) == []
    assert codes.rights_blocks([codes.RightsFlag.OPPOSED]) == ["proposals", "sharing"]
    assert codes.rights_blocks(["opposed", "restricted"]) == ["exports", "proposals", "sharing"]


# --- the checks, as properties -------------------------------------------------------------------

DAYS = st.dates(min_value=date(2000, 1, 1), max_value=date(2040, 12, 31))


@given(on=DAYS, today=DAYS, created=DAYS, which=st.sampled_from(["restricted", "opposed"]))
def test_a_request_date_is_accepted_exactly_between_the_file_creation_and_today(on, today, created, which):
    request = RightsRequest(
        restricted=which == "restricted",
        restricted_on=on if which == "restricted" else None,
        opposed=which == "opposed",
        opposed_on=on if which == "opposed" else None,
        reason="Demande",
    )
    errors = rights.check_rights(request, today, created)
    assert (f"{which}_on" in errors) == (on > today or on < created)
    assert set(errors) <= {f"{which}_on"}


@given(
    restricted=st.booleans(), opposed=st.booleans(), with_dates=st.booleans(), reason=st.sampled_from(["", "  ", "x"])
)
def test_a_flag_needs_its_date_and_a_reason_and_a_date_needs_its_flag(restricted, opposed, with_dates, reason):
    today = date(2026, 6, 1)
    on = today if with_dates else None
    errors = rights.check_rights(RightsRequest(restricted, on, opposed, on, reason), today)
    assert ("restricted_on" in errors) == (restricted != with_dates)
    assert ("opposed_on" in errors) == (opposed != with_dates)
    assert ("reason" in errors) == ((restricted or opposed) and not reason.strip())
    for message in errors.values():
        assert message.endswith(".") and message[0].isupper()  # French sentences


# --- the service ---------------------------------------------------------------------------------


def test_a_restriction_is_recorded_with_its_history_event_and_blocks(users, shared):
    person = shared.persons.get()
    version = shared.version
    flag(shared, person, users[Role.REFERENT], restricted=True)
    person.refresh_from_db()
    assert person.rights_restricted and person.rights_restricted_on == created_on(shared)
    assert person.rights_recorded_by == users[Role.REFERENT]
    assert shared.rights_blocks == ["exports", "proposals", "sharing"]
    assert shared.version == version + 1
    changes = {c.field: c for c in FieldChange.objects.filter(person=person)}
    assert set(changes) == {"rights_restricted", "rights_restricted_on", "rights_reason"}
    assert (changes["rights_restricted"].old_value, changes["rights_restricted"].new_value) == ("non", "oui")
    event = HouseholdEvent.objects.get(household=shared, kind=EventKind.RIGHTS_RECORDED)
    assert event.payload == {"restricted": True, "opposed": False, "blocks": ["exports", "proposals", "sharing"]}
    assert "Demande" not in str(event.payload)  # codes only, never the reason


def test_lifting_a_flag_keeps_the_blocks_of_another_person(users, shared):
    referent = users[Role.REFERENT]
    services.add_person(shared, author_of(referent), PersonData("Martin", "Noé", role="child"), shared.version)
    first, second = shared.persons.order_by("pk")
    flag(shared, first, referent, restricted=True)
    flag(shared, second, referent, opposed=True)
    flag(shared, first, referent)  # lifted
    assert shared.rights_blocks == ["proposals", "sharing"]
    flag(shared, second, referent)
    assert shared.rights_blocks == []


@pytest.mark.parametrize(
    "request_, field",
    [
        (RightsRequest(True, None, False, None, "x"), "restricted_on"),
        (RightsRequest(False, None, True, date(2099, 1, 1), "x"), "opposed_on"),
        (RightsRequest(True, date(2000, 1, 1), False, None, "x"), "restricted_on"),
        (RightsRequest(True, "today", False, None, ""), "reason"),
        (RightsRequest(True, "today", False, None, "NIR 1 85 04 13 055 123 45"), "reason"),
    ],
)
def test_a_bad_request_is_refused_in_french_and_nothing_is_saved(users, shared, request_, field):
    person = shared.persons.get()
    if request_.restricted_on == "today":
        request_ = RightsRequest(True, timezone.localdate(), False, None, request_.reason)
    version = shared.version
    with pytest.raises(ValidationError) as error:
        services.set_rights(shared, person, author_of(users[Role.REFERENT]), request_, version)
    assert field in error.value.message_dict
    person.refresh_from_db()
    shared.refresh_from_db()
    assert not person.rights_restricted and not person.rights_opposed
    assert (shared.version, shared.rights_blocks) == (version, [])
    assert not FieldChange.objects.filter(household=shared).exclude(model="household").exists()


def test_a_stale_rights_request_is_refused_and_nothing_is_saved(users, shared):
    person = shared.persons.get()
    request_ = RightsRequest(True, timezone.localdate(), False, None, "x")
    with pytest.raises(StaleVersion):
        services.set_rights(shared, person, author_of(users[Role.REFERENT]), request_, shared.version - 1)
    person.refresh_from_db()
    assert not person.rights_restricted
    assert not FieldChange.objects.filter(person=person).exists()


def test_a_person_of_another_household_is_refused(users, shared):
    other = make_household(users[Role.REFERENT]).persons.get()
    with pytest.raises(ValidationError) as error:
        services.set_rights(
            shared, other, author_of(users[Role.REFERENT]), RightsRequest(False, None, False, None, ""), None
        )
    assert "person" in error.value.message_dict


# --- sharing -------------------------------------------------------------------------------------


@pytest.mark.parametrize("which", ["restricted", "opposed"])
def test_a_flag_suspends_the_consent_in_access_and_in_sql_alike(users, shared, which):
    worker = actor_for(users[Role.SOCIAL_WORKER])
    kinds = organisation_kinds(worker)
    assert access(worker, FileFacts.of(shared), kinds).file
    assert Household.objects.filter(household_filter(worker), pk=shared.pk).exists()
    flag(shared, shared.persons.get(), users[Role.REFERENT], **{which: True})
    assert access(worker, FileFacts.of(shared), kinds).none
    assert not Household.objects.filter(household_filter(worker), pk=shared.pk).exists()
    # Those who hold the file without consent keep it.
    for role in (Role.REFERENT, Role.COORDINATOR):
        actor = actor_for(verified(users[role]))
        assert access(actor, FileFacts.of(shared), organisation_kinds(actor)).sensitive
        assert Household.objects.filter(household_filter(actor), pk=shared.pk).exists()


# --- exports -------------------------------------------------------------------------------------


def test_the_list_export_leaves_out_restricted_households_only(client, users):
    referent = users[Role.REFERENT]
    restricted = make_household(referent, last_name="Restreinte")
    opposed = make_household(referent, last_name="Opposée")
    make_household(referent, last_name="Ordinaire")
    flag(restricted, restricted.persons.get(), referent, restricted=True)
    flag(opposed, opposed.persons.get(), referent, opposed=True)
    sign_in(client, referent)
    for fmt in ("", "?format=xlsx"):
        response = client.get(reverse("households:export") + fmt)
        assert response.status_code == 200
    text = client.get(reverse("households:export")).content.decode("utf-8")
    assert "ORDINAIRE" in text.upper() and "OPPOSÉE" in text.upper()
    assert "RESTREINTE" not in text.upper()
    # The list page itself still shows the file to who follows it.
    assert "RESTREINTE" in client.get(reverse("households:list")).content.decode().upper()


def test_the_api_list_leaves_out_restricted_households(client, users):
    from lda.accounts.models import ApiToken

    referent = users[Role.REFERENT]
    restricted = make_household(referent, last_name="Restreinte")
    kept = make_household(referent, last_name="Ordinaire")
    flag(restricted, restricted.persons.get(), referent, restricted=True)
    _, secret = ApiToken.issue(organisation=organisation_of(referent), role=Role.REFERENT, name="t", created_by=None)
    body = client.get("/api/v1/menages", HTTP_AUTHORIZATION=f"Bearer {secret}").json()
    ids = {item["id"] for item in body["items"]}
    assert kept.pk in ids and restricted.pk not in ids
    # The file itself still answers (the API's single read is not a bulk export).
    one = client.get(f"/api/v1/menages/{restricted.pk}", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert one.status_code == 200


# --- rectification history -----------------------------------------------------------------------


def test_a_person_edit_keeps_old_and_new_values_with_author(users, shared):
    referent = users[Role.REFERENT]
    person = shared.persons.get()
    version = shared.version
    data = PersonData("Martin-Durand", "Léa", birth_date=date(1985, 4, 3), sex="F", is_head=True)
    changed = services.update_person(shared, person, author_of(referent), data, version)
    assert changed == ["last_name", "birth_date"]
    person.refresh_from_db()
    assert person.last_name == "Martin-Durand" and person.name_key != ""
    rows = {c.field: c for c in FieldChange.objects.filter(person=person)}
    assert (rows["last_name"].old_value, rows["last_name"].new_value) == ("Martin", "Martin-Durand")
    assert (rows["birth_date"].old_value, rows["birth_date"].new_value) == ("02/04/1985", "03/04/1985")
    assert rows["last_name"].author == referent and rows["last_name"].label == "Nom"
    event = HouseholdEvent.objects.get(household=shared, kind=EventKind.PERSON_UPDATED)
    assert event.payload == {"fields": ["birth_date", "last_name"]}


def test_an_edit_without_change_writes_nothing(users, shared):
    person = shared.persons.get()
    data = PersonData("Martin", "Léa", birth_date=date(1985, 4, 2), sex="F", is_head=True)
    assert services.update_person(shared, person, author_of(users[Role.REFERENT]), data, shared.version) == []
    assert not FieldChange.objects.exists()


@pytest.mark.parametrize(
    "data, field",
    [
        (PersonData("", "Léa"), "last_name"),
        (PersonData("Martin", "Léa", birth_date=date(2099, 1, 1)), "birth_date"),
        (PersonData("Martin", "Léa", sex="Z"), "sex"),
        (PersonData("Martin", "Léa", aliases="1 85 04 13 055 123 45"), "aliases"),
    ],
)
def test_a_bad_person_edit_is_refused_in_french_and_nothing_is_saved(users, shared, data, field):
    person = shared.persons.get()
    version = shared.version
    with pytest.raises(ValidationError) as error:
        services.update_person(shared, person, author_of(users[Role.REFERENT]), data, version)
    assert field in error.value.message_dict
    person.refresh_from_db()
    shared.refresh_from_db()
    assert person.first_name == "Léa" and person.last_name == "Martin" and shared.version == version
    assert not FieldChange.objects.exists()


def test_a_stale_person_edit_is_refused(users, shared):
    person = shared.persons.get()
    with pytest.raises(StaleVersion):
        services.update_person(shared, person, author_of(users[Role.REFERENT]), PersonData("X", "Y"), 0)
    person.refresh_from_db()
    assert person.last_name == "Martin"


def test_working_fields_keep_no_values_and_own_data_does(users, shared):
    services.update_household(
        shared,
        author_of(users[Role.COORDINATOR]),
        shared.version,
        notes="Entretien difficile",
        has_pets=True,
        whereabouts="Chez sa sœur",
    )
    rows = {c.field: c for c in FieldChange.objects.filter(household=shared)}
    assert not rows["notes"].values_kept and rows["notes"].new_value == "" and rows["notes"].old_value == ""
    assert (rows["has_pets"].old_value, rows["has_pets"].new_value) == ("non", "oui")
    assert rows["whereabouts"].section == rights.WHEREABOUTS and rows["whereabouts"].new_value == "Chez sa sœur"


def test_history_rows_are_written_once(users, shared):
    services.update_household(shared, author_of(users[Role.COORDINATOR]), shared.version, has_pets=True)
    row = FieldChange.objects.get()
    row.new_value = "non"
    with pytest.raises(TypeError):
        row.save()


@given(
    kept=st.booleans(), section=st.sampled_from(["", "legal", "notes", "whereabouts"]), s=st.booleans(), w=st.booleans()
)
def test_a_value_is_shown_only_to_who_may_see_its_section(kept, section, s, w):
    expected = kept and (w if section == "whereabouts" else s if section else True)
    assert rights.shown(kept, section, s, w) == expected


# --- merges carry the request --------------------------------------------------------------------


def test_a_merged_household_brings_its_persons_requests(users):
    coordinator = users[Role.COORDINATOR]
    kept = make_household(users[Role.REFERENT], last_name="Garde")
    merged = make_household(users[Role.REFERENT], last_name="Fusion")
    flag(merged, merged.persons.get(), coordinator, opposed=True)
    kept.refresh_from_db()
    merged.refresh_from_db()
    record = merge.merge_households(kept, merged, author_of(coordinator))
    kept.refresh_from_db()
    assert kept.rights_blocks == ["proposals", "sharing"]
    merge.undo_merge(record, author_of(coordinator))
    kept.refresh_from_db()
    merged.refresh_from_db()
    assert kept.rights_blocks == [] and merged.rights_blocks == ["proposals", "sharing"]


def test_a_merged_person_request_still_holds(users):
    coordinator = users[Role.COORDINATOR]
    household = make_household(
        users[Role.REFERENT],
        persons=[PersonData("Martin", "Léa", is_head=True), PersonData("Martin", "Lea", role="adult")],
    )
    first, second = Person.objects.filter(household=household).order_by("pk")
    flag(household, second, coordinator, restricted=True)
    merge.merge_persons(first, second, author_of(coordinator))
    household.refresh_from_db()
    assert household.rights_blocks == ["exports", "proposals", "sharing"]


def test_the_timeline_describes_the_new_events(users, shared):
    from lda.households.timeline import entries

    flag(shared, shared.persons.get(), users[Role.REFERENT], opposed=True)
    lines = entries(HouseholdEvent.objects.filter(household=shared, kind=EventKind.RIGHTS_RECORDED), True, {})
    assert lines[0].detail == "limitation : non — opposition : oui"
