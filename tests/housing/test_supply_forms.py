"""Every rejected input of the supply forms gives a French error on its field and saves nothing:
the form's own checks and the services' (whose errors the views put back on the field)."""

import pytest
from django.urls import reverse

from lda.accounts.roles import Role
from lda.housing import services
from lda.housing.models import ContingentQuota, Residence, Unit, UnitEvent
from tests.conftest import sign_in
from tests.factories import OrganisationFactory, user_with_role
from tests.housing.helpers import landlord_user, make_unit, organisation_of
from tests.housing.supply_helpers import edit_post, make_contingent, make_residence, unit_post

pytestmark = pytest.mark.django_db


@pytest.fixture
def coordinator(territory):
    return user_with_role(Role.COORDINATOR, territory)


@pytest.fixture
def landlord(territory):
    return landlord_user(territory)


def _other_territory_residence(territory):
    from tests.factories import TerritoryFactory

    elsewhere = TerritoryFactory()
    return make_residence(elsewhere, OrganisationFactory(territory=elsewhere)).pk


# (field, posted changes or a function of the test's objects, a French fragment of the error)
UNIT_CASES = [
    ("reference", {"reference": ""}, "Ce champ est obligatoire."),
    ("commune_insee", {"commune_insee": "381"}, "Indiquez le code INSEE de la commune"),
    ("commune_insee", {"commune_insee": "ABCDE"}, "Indiquez le code INSEE de la commune"),
    ("kind", {"kind": "chateau"}, "Sélectionnez un choix valide"),
    ("typology", {"typology": "9"}, "Sélectionnez un choix valide"),
    ("typology", {"typology": ""}, "Ce champ est obligatoire."),
    ("surface", {"surface": "0"}, "supérieure ou égale à 1"),
    ("surface", {"surface": "550"}, "La surface dépasse 400 m²"),
    ("surface", {"surface": "grand"}, "Saisissez un nombre."),
    ("floor", {"floor": "99"}, "inférieure ou égale à 60"),
    ("rent", {"rent": "-5"}, "supérieure ou égale à 0"),
    ("rent", {"rent": "25000"}, "Le loyer dépasse 10 000 €"),
    ("charges", {"charges": ""}, "Ce champ est obligatoire."),
    ("available_on", {"available_on": "31/02/2025"}, "Saisissez une date valide."),
    ("landlord_kind", {"kind": "iml"}, "Un logement en intermédiation locative appartient à un propriétaire privé."),
    ("capture_mode", {"capture_mode": "mandat"}, "Le mode de captation ne concerne que les logements privés."),
    ("contingent_kind", {"contingent_kind": ""}, "Indiquez le contingent du logement."),
    ("address", {"address": "Chez 1 84 12 75 123 456 78"}, "sécurité sociale"),
    ("reference", "duplicate", "Cette référence est déjà celle d'un autre logement du territoire."),
    ("kind", "residence", "Un logement d'une résidence est du type de la résidence."),
    ("residence", "foreign_residence", "Sélectionnez un choix valide"),
    ("landlord", "foreign_landlord", "Sélectionnez un choix valide"),
    ("status", {"status": "occupied"}, "Sélectionnez un choix valide"),
]


def _changes(case, territory, landlord):
    if isinstance(case, dict):
        return case
    org = organisation_of(landlord)
    if case == "duplicate":
        make_unit(territory, org, reference="NEW-1")
        return {}
    if case == "residence":
        return {"residence": str(make_residence(territory, org).pk), "landlord_kind": "residence"}
    if case == "foreign_residence":
        return {"residence": str(_other_territory_residence(territory))}
    if case == "foreign_landlord":
        return {"landlord": str(OrganisationFactory(territory=territory).pk)}
    raise AssertionError(case)


@pytest.mark.parametrize(("field", "case", "message"), UNIT_CASES)
def test_a_rejected_unit_input_is_reported_on_its_field_and_nothing_is_saved(
    client, territory, landlord, field, case, message
):
    changes = _changes(case, territory, landlord)
    before = (Unit.objects.count(), UnitEvent.objects.count())
    sign_in(client, landlord)
    response = client.post(reverse("housing_supply:unit_create"), unit_post(organisation_of(landlord), **changes))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors, errors
    assert any(message in e for e in errors[field]), errors[field]
    assert (Unit.objects.count(), UnitEvent.objects.count()) == before
    assert "Le formulaire contient" in response.content.decode()


@pytest.mark.parametrize(("field", "changes", "message"), [c for c in UNIT_CASES if isinstance(c[1], dict)][:12])
def test_a_rejected_edit_is_reported_on_its_field_and_changes_nothing(
    client, territory, landlord, field, changes, message
):
    unit = make_unit(territory, organisation_of(landlord), reference="NEW-1")
    changes = {k: v for k, v in changes.items() if k != "status"}
    sign_in(client, landlord)
    response = client.post(reverse("housing_supply:unit_edit", args=[unit.pk]), edit_post(unit, **changes))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors and any(message in e for e in errors[field]), errors
    fresh = Unit.objects.get(pk=unit.pk)
    assert (fresh.version, fresh.reference, fresh.surface, fresh.rent) == (1, unit.reference, unit.surface, unit.rent)


RESIDENCE = {
    "name": "Pension de famille du Drac",
    "kind": "pension_de_famille",
    "commune_insee": "38185",
    "commune_name": "Grenoble",
    "places": "20",
    "siao_share": "0,3",
}


@pytest.mark.parametrize(
    ("field", "changes", "message"),
    [
        ("name", {"name": ""}, "Ce champ est obligatoire."),
        ("kind", {"kind": "logement_social"}, "Sélectionnez un choix valide"),
        ("commune_insee", {"commune_insee": "12"}, "Indiquez le code INSEE de la commune"),
        ("places", {"places": "0"}, "supérieure ou égale à 1"),
        ("siao_share", {"siao_share": "1,5"}, "inférieure ou égale à 1"),
        ("siao_share", {"siao_share": "trente"}, "Saisissez un nombre."),
        ("manager", {"manager": "999999"}, "Sélectionnez un choix valide"),
        ("opened_on", {"opened_on": "hier"}, "Saisissez une date valide."),
    ],
)
def test_a_rejected_residence_input_is_reported_on_its_field(client, territory, coordinator, field, changes, message):
    manager = OrganisationFactory(territory=territory)
    sign_in(client, coordinator)
    data = {**RESIDENCE, "manager": str(manager.pk), **changes}
    response = client.post(reverse("housing_supply:residence_create"), data)
    errors = response.context["form"].errors
    assert field in errors and any(message in e for e in errors[field]), errors
    assert not Residence.objects.exists()


@pytest.mark.parametrize(
    ("field", "changes", "message"),
    [
        ("label", {"label": ""}, "Ce champ est obligatoire."),
        ("kind", {"kind": "royaume"}, "Sélectionnez un choix valide"),
        ("holder", {"holder": ""}, "Ce champ est obligatoire."),
        ("yearly_target", {"yearly_target": "-3"}, "supérieure ou égale à 0"),
        ("kind", "duplicate", "Ce réservataire a déjà un contingent de ce type sur le territoire."),
    ],
)
def test_a_rejected_contingent_input_is_reported_on_its_field(client, territory, coordinator, field, changes, message):
    holder = OrganisationFactory(territory=territory)
    data = {"label": "Contingent municipal", "kind": "commune", "holder": str(holder.pk), "yearly_target": "30"}
    if changes == "duplicate":
        make_contingent(territory, holder, kind="commune", label="Déjà là")
        changes = {}
    before = ContingentQuota.objects.count()
    sign_in(client, coordinator)
    response = client.post(reverse("housing_supply:contingent_create"), {**data, **changes})
    errors = response.context["form"].errors
    assert field in errors and any(message in e for e in errors[field]), errors
    assert ContingentQuota.objects.count() == before


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"on": ""}, "on", "Ce champ est obligatoire."),
        ({"on": "2999-01-01", "note": "Vente"}, "on", "La date du retrait ne peut pas être dans le futur."),
        ({"note": "   "}, "note", "Ce champ est obligatoire."),
        ({"note": "Dossier 1 84 12 75 123 456 78"}, "note", "sécurité sociale"),
    ],
)
def test_a_rejected_withdrawal_changes_nothing(client, territory, landlord, data, field, message):
    unit = make_unit(territory, organisation_of(landlord))
    sign_in(client, landlord)
    posted = {"version": unit.version, "on": "2024-01-01", "note": "Travaux", **data}
    response = client.post(reverse("housing_supply:unit_withdraw", args=[unit.pk]), posted)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors, errors
    assert any(message in e for e in errors[field]), errors
    assert Unit.objects.get(pk=unit.pk).status == "available"
    assert UnitEvent.objects.filter(unit=unit).count() == 1


def test_a_date_before_the_last_change_is_refused_on_the_date(client, territory, landlord):
    unit = make_unit(territory, organisation_of(landlord))
    services.withdraw_unit(unit, None, "Travaux")
    unit.refresh_from_db()
    sign_in(client, landlord)
    response = client.post(
        reverse("housing_supply:unit_make_available", args=[unit.pk]), {"version": unit.version, "on": "2020-01-01"}
    )
    assert any("précède le dernier changement d'état" in e for e in response.context["form"].errors["on"])
    assert Unit.objects.get(pk=unit.pk).status == "withdrawn"
