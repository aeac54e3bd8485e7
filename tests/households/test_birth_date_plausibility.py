"""One plausibility rule for birth dates, in the services: forms, API and import agree (issue 18, item 3).

A birth date of 01/01/0001 reached the duplicate search, whose date arithmetic overflowed: a 500
on the referral and person forms, while the API stored year 1 and the import refused it."""

import json
from datetime import date

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from lda.accounts.models import ApiToken
from lda.accounts.roles import Role
from lda.households import codes, services
from lda.households.importer import check
from lda.households.linkage import PersonRecord, _prefilter
from lda.households.models import Household
from tests.clock import reference_today
from tests.conftest import sign_in
from tests.households.helpers import make_household, organisation_of
from tests.households.import_helpers import as_csv, row

TODAY = reference_today()
IMPLAUSIBLE = "La date de naissance est invraisemblable : avant 1900."


@settings(suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.dates(), st.dates(min_value=date(1950, 1, 1), max_value=date(2100, 12, 31)))
def test_the_rule_refuses_exactly_the_future_and_before_1900(day, today):
    problem = services.birth_date_problem(day, today)
    assert (problem is None) == (day.year >= 1900 and day <= today)
    if day > today:
        assert problem == "La date de naissance ne peut pas être dans le futur."
    elif day.year < 1900:
        assert problem == IMPLAUSIBLE


@settings(suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.dates(), st.sampled_from(codes.DatePrecision.values))
@example(date.min, codes.DatePrecision.DAY)
@example(date.min, codes.DatePrecision.APPROXIMATE)
@example(date.max, codes.DatePrecision.DAY)
@example(date.max, codes.DatePrecision.APPROXIMATE)
def test_the_duplicate_search_never_overflows_whatever_the_date(day, precision):
    """Year 1 or 9999 stored before the rule (the API took them) must not turn a search into a 500."""
    _prefilter(PersonRecord("Martin", "Léa", "", day, precision))


@pytest.mark.parametrize("day", [date(1, 1, 1), date(1899, 12, 31)])
def test_the_service_refuses_a_birth_date_before_1900(day):
    with pytest.raises(services.ValidationError) as refused:
        services.check_person(services.PersonData(last_name="Martin", first_name="Léa", birth_date=day))
    assert refused.value.message_dict == {"birth_date": [IMPLAUSIBLE]}
    services.check_person(services.PersonData(last_name="Martin", first_name="Léa", birth_date=date(1900, 1, 1)))


def _referral_post(birth_date, precision):
    return {
        "personne-TOTAL_FORMS": "1",
        "personne-INITIAL_FORMS": "0",
        "personne-MIN_NUM_FORMS": "1",
        "personne-MAX_NUM_FORMS": "12",
        "personne-0-last_name": "Martin",
        "personne-0-first_name": "Léa",
        "personne-0-birth_date": birth_date,
        "personne-0-birth_date_precision": precision,
        "personne-0-sex": "F",
        "personne-0-role": "adult",
        "personne-0-administrative_status": "unknown",
        "referrer_kind": "association",
        "received_on": TODAY.isoformat(),
        "situation_kind": "street",
    }


@pytest.mark.django_db
@pytest.mark.parametrize("precision", ["day", "approximate", "year"])
def test_the_referral_form_refuses_year_1_in_french_instead_of_a_500(client, users, precision):
    make_household(users["referent"], last_name="Martin", first_name="Léa")
    sign_in(client, users["referent"])
    before = Household.objects.count()
    response = client.post(reverse("households:referral_create"), _referral_post("0001-01-01", precision))
    assert response.status_code == 200
    assert IMPLAUSIBLE in response.content.decode()
    assert Household.objects.count() == before


@pytest.mark.django_db
@pytest.mark.parametrize("precision", ["day", "approximate"])
def test_the_person_form_refuses_year_1_in_french_instead_of_a_500(client, users, precision):
    household = make_household(users["referent"], last_name="Martin", first_name="Léa")
    sign_in(client, users["referent"])
    response = client.post(
        reverse("households:person_add", args=[household.pk]),
        {
            "last_name": "Martin",
            "first_name": "Léa",
            "birth_date": "0001-01-01",
            "birth_date_precision": precision,
            "sex": "F",
            "role": "adult",
            "administrative_status": "unknown",
            "v-version": household.version,
        },
    )
    assert response.status_code == 200
    assert IMPLAUSIBLE in response.content.decode()
    assert household.persons.count() == 1


@pytest.mark.django_db
def test_the_api_refuses_year_1_like_the_forms(client, users):
    household = make_household(users[Role.SOCIAL_WORKER])
    _, secret = ApiToken.issue(
        organisation=organisation_of(users[Role.SOCIAL_WORKER]), role=Role.SOCIAL_WORKER, name="L", created_by=None
    )
    response = client.post(
        f"/api/v1/menages/{household.pk}/personnes",
        json.dumps({"last_name": "X", "first_name": "Y", "birth_date": "0001-01-01"}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {secret}",
    )
    assert response.status_code == 422
    assert response.json()["erreurs"] == [{"champ": "birth_date", "message": IMPLAUSIBLE}]
    assert household.persons.count() == 1


@pytest.mark.parametrize(
    ("birth", "message"),
    [("01/01/0001", IMPLAUSIBLE), ("31/12/1899", IMPLAUSIBLE), ("12/12/2030", "ne peut pas être dans le futur")],
)
def test_the_import_gives_the_same_message_as_the_forms(birth, message):
    report = check(as_csv([row(Date_de_naissance=birth)]), today=TODAY)
    assert [(p.column, message in p.message) for p in report.errors] == [("Date de naissance", True)]
