"""The funding page and the coordinator's funding agreements: reach by role, the VIAL figures on the
page, French validation errors, no lost update, another territory's agreement answers 404."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from lda.measures.models import FundingAgreement, MeasureType
from tests.conftest import sign_in
from tests.factories import user_with_role
from tests.households.helpers import organisation_of, verified
from tests.measures.helpers import vial
from tests.measures.test_statements_data import YEAR, Plan, build

pytestmark = pytest.mark.django_db
URL = reverse("measure_reports:funding")
NEW = reverse("measure_reports:agreement_new")


def edit_url(agreement):
    return reverse("measure_reports:agreement_edit", kwargs={"pk": agreement.pk})


@pytest.fixture
def worker(users):
    return users["social_worker"]


@pytest.fixture
def operator(worker):
    return organisation_of(worker)


@pytest.fixture
def agreement(territory, operator):
    return FundingAgreement.objects.create(
        territory=territory,
        operator=operator,
        measure_type=vial(territory),
        year=YEAR,
        households_funded=10,
        advance_paid=Decimal("42000"),
        indirect_costs=Decimal("15000"),
        signed_on=date(YEAR, 1, 15),
    )


def values(operator, measure_type, **changes):
    base = {
        "operator": operator.pk,
        "measure_type": measure_type.pk,
        "year": YEAR,
        "signed_on": f"{YEAR}-02-01",
        "households_funded": "10",
        "advance_paid": "42000",
        "indirect_costs": "",
    }
    base.update(changes)
    return base


def test_the_operator_sees_its_funding_with_the_vial_figures(client, users, worker, operator, agreement):
    coordinator = verified(users["coordinator"])
    for index in range(2):  # two households a whole year: 24 household-months, 14 000 € due
        build(coordinator, worker, Plan(date(YEAR - 1, 12, 1 + index)))
    response = sign_in(client, worker).get(URL, {"annee": YEAR})
    assert response.status_code == 200
    (row,) = response.context["rows"]
    assert row["amount_due"] == "14\xa0000,00\xa0€"
    assert row["advance_expected"] == "42\xa0000,00\xa0€"
    assert row["balance"] == "-28\xa0000,00\xa0€"
    assert row["cap_message"] == "Plafond dépassé de 11\xa0500,00\xa0€"  # 15 000 − 25 % × 14 000
    content = response.content.decode()
    assert "Plafond dépassé de" in content and "Modifier la convention" not in content
    assert "<caption" in content and "Zorglub" not in content


def test_an_operator_never_sees_another_operators_funding(client, territory, worker, agreement):
    other = organisation_of(user_with_role("social_worker", territory))
    client = sign_in(client, worker)
    assert client.get(URL, {"annee": YEAR, "operateur": other.pk}).status_code == 404
    FundingAgreement.objects.create(
        territory=territory, operator=other, measure_type=agreement.measure_type, year=YEAR, households_funded=3
    )
    rows = client.get(URL, {"annee": YEAR}).context["rows"]
    assert [r["operator"].pk for r in rows] == [agreement.operator_id]


def test_the_state_reads_every_operators_funding_without_editing(client, users, territory, agreement):
    response = sign_in(client, users["state_agent"]).get(URL, {"annee": YEAR})
    assert response.status_code == 200
    assert [r["agreement"] for r in response.context["rows"]] == [agreement]
    content = response.content.decode()
    assert "Modifier la convention" not in content and "Enregistrer une convention" not in content


def test_the_coordinator_sees_every_operator_and_may_edit(client, users, agreement):
    response = sign_in(client, users["coordinator"]).get(URL, {"annee": YEAR})
    assert response.context["may_manage"]
    assert edit_url(agreement) in response.content.decode()


def test_a_bad_year_gets_a_french_error(client, users):
    response = sign_in(client, users["coordinator"]).get(URL, {"annee": "deux mille"})
    assert response.status_code == 200 and response.context["rows"] is None
    assert "Indiquez l&#x27;année en chiffres" in response.content.decode()


def test_the_coordinator_records_an_agreement(client, users, territory, operator):
    measure_type = vial(territory)
    client = sign_in(client, users["coordinator"])
    page = client.get(NEW, {"annee": YEAR, "operateur": operator.pk, "type": measure_type.pk})
    assert page.status_code == 200 and page.context["form"].initial["operator"] == str(operator.pk)
    response = client.post(NEW, values(operator, measure_type, indirect_costs="10500,50"))
    assert response.status_code == 302
    saved = FundingAgreement.objects.get()
    assert saved.households_funded == 10 and saved.advance_paid == Decimal("42000")
    assert saved.indirect_costs == Decimal("10500.50") and saved.territory == territory
    rows = client.get(URL, {"annee": YEAR}).context["rows"]
    assert rows[0]["advance_expected"] == "42\xa0000,00\xa0€"


def test_direct_costs_are_recorded_and_counted_under_the_cap(client, users, territory, operator):
    # Issue 20 point 4: the ceiling of seed 003 covers "les charges directes et indirectes".
    measure_type = vial(territory)
    client = sign_in(client, users["coordinator"])
    response = client.post(NEW, values(operator, measure_type, direct_costs="0,01", indirect_costs="0"))
    assert response.status_code == 302
    saved = FundingAgreement.objects.get()
    assert saved.direct_costs == Decimal("0.01")
    (row,) = client.get(URL, {"annee": YEAR}).context["rows"]  # nothing due: the cap is 0 €
    assert row["capped_costs"] == "0,01\xa0€" and row["cap_ok"] is False
    assert row["cap_message"] == "Plafond dépassé de 0,01\xa0€"


@pytest.mark.parametrize(
    "changes, field, message",
    [
        ({"households_funded": "-1"}, "households_funded", "ne peut pas être négatif"),
        ({"households_funded": "dix"}, "households_funded", "nombre entier"),
        ({"advance_paid": "-5"}, "advance_paid", "ne peut pas être négatif"),
        ({"advance_paid": "12,345"}, "advance_paid", "au centime près"),
        ({"indirect_costs": "-0,01"}, "indirect_costs", "ne peut pas être négatif"),
        ({"direct_costs": "-0,01"}, "direct_costs", "ne peut pas être négatif"),
        ({"direct_costs": "1,005"}, "direct_costs", "au centime près"),
        ({"year": "1999"}, "year", "comprise entre 2000"),
        ({"year": ""}, "year", "obligatoire"),
        ({"signed_on": "2999-01-01"}, "signed_on", "dans le futur"),
    ],
)
def test_bad_values_get_french_errors_and_keep_the_input(client, users, territory, operator, changes, field, message):
    measure_type = vial(territory)
    response = sign_in(client, users["coordinator"]).post(NEW, values(operator, measure_type, **changes))
    assert response.status_code == 200
    form = response.context["form"]
    assert any(message in error for error in form.errors[field]), form.errors
    assert form.data["households_funded"] == values(operator, measure_type, **changes)["households_funded"]
    assert not FundingAgreement.objects.exists()


def test_an_operator_or_type_of_another_territory_is_refused(client, users, territory, other_territory, operator):
    measure_type = vial(territory)
    elsewhere = organisation_of(user_with_role("social_worker", other_territory))
    foreign_type = vial(other_territory)
    client = sign_in(client, users["coordinator"])
    response = client.post(NEW, values(elsewhere, measure_type))
    assert "Choisissez un opérateur de la liste." in response.context["form"].errors["operator"]
    response = client.post(NEW, values(operator, foreign_type))
    assert "Choisissez un type de mesure de la liste." in response.context["form"].errors["measure_type"]
    assert not FundingAgreement.objects.exists()


def test_one_agreement_per_operator_type_and_year(client, users, operator, agreement):
    response = sign_in(client, users["coordinator"]).post(NEW, values(operator, agreement.measure_type))
    assert "Une convention existe déjà" in response.context["form"].errors["year"][0]
    assert FundingAgreement.objects.count() == 1


def test_the_coordinator_edits_an_agreement_and_the_second_of_two_saves_is_refused(client, users, operator, agreement):
    client = sign_in(client, users["coordinator"])
    page = client.get(edit_url(agreement))
    state = page.context["form"].initial["etat"]
    assert page.context["form"].initial["households_funded"] == 10
    first = client.post(
        edit_url(agreement), values(operator, agreement.measure_type, households_funded="12", etat=state)
    )
    assert first.status_code == 302
    agreement.refresh_from_db()
    assert agreement.households_funded == 12 and agreement.indirect_costs is None
    second = client.post(
        edit_url(agreement), values(operator, agreement.measure_type, households_funded="11", etat=state)
    )
    assert second.status_code == 200
    assert "modifiée par quelqu'un d'autre" in second.content.decode().replace("&#x27;", "'")
    agreement.refresh_from_db()
    assert agreement.households_funded == 12


def test_agreements_are_the_coordinators_and_another_territorys_answers_404(client, users, other_territory, agreement):
    assert sign_in(client, users["social_worker"]).get(edit_url(agreement)).status_code == 403
    assert sign_in(client, users["state_agent"]).post(NEW, {}).status_code == 403
    foreign = FundingAgreement.objects.create(
        territory=other_territory,
        operator=organisation_of(user_with_role("social_worker", other_territory)),
        measure_type=MeasureType.objects.get(pk=vial(other_territory).pk),
        year=YEAR,
        households_funded=1,
    )
    assert sign_in(client, users["coordinator"]).get(edit_url(foreign)).status_code == 404
