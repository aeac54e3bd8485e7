"""The supply's rules through the services: unit checks, the capture pipeline's steps and their
dates, incentives, target progress, the residences' SIAO share when units are freed."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from lda.accounts.roles import OrganisationKind, Role
from lda.housing import codes, services
from lda.housing.lifecycle import TransitionRefused
from lda.housing.models import Unit, UnitEvent
from tests.factories import OrganisationFactory, user_with_role
from tests.housing.helpers import author_of, days_ago, landlord_user, make_unit, organisation_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def coordinator(territory):
    return author_of(user_with_role(Role.COORDINATOR, territory))


@pytest.fixture
def landlord(territory):
    return organisation_of(landlord_user(territory))


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"commune_insee": "3818"}, "commune_insee", "code INSEE"),
        ({"kind": "iml"}, "landlord_kind", "propriétaire privé"),
        ({"capture_mode": "mandat"}, "capture_mode", "logements privés"),
        ({"surface": Decimal("450")}, "surface", "400 m²"),
        ({"rent": Decimal("12000")}, "rent", "10 000 €"),
        ({"address": "NIR 1 85 04 75 123 456 78"}, "address", "sécurité sociale"),
    ],
)
def test_a_unit_is_refused_with_a_french_error_and_nothing_saved(territory, landlord, fields, field, message):
    before = Unit.objects.count()
    with pytest.raises(ValidationError) as error:
        make_unit(territory, landlord, **fields)
    assert message in " ".join(error.value.message_dict[field])
    assert Unit.objects.count() == before


def test_a_reference_is_unique_in_the_territory(territory, landlord):
    make_unit(territory, landlord, reference="A-1")
    with pytest.raises(ValidationError) as error:
        make_unit(territory, landlord, reference="A-1")
    assert "reference" in error.value.message_dict


def test_another_territorys_landlord_is_refused(territory, other_territory):
    elsewhere = OrganisationFactory(territory=other_territory, kind=OrganisationKind.SOCIAL_LANDLORD)
    with pytest.raises(ValidationError) as error:
        make_unit(territory, elsewhere)
    assert "landlord" in error.value.message_dict


def test_update_checks_the_version(territory, landlord, coordinator):
    unit = make_unit(territory, landlord)
    services.update_unit(unit, coordinator, unit.version, rent=Decimal("400"))
    with pytest.raises(services.Stale):
        services.update_unit(unit, coordinator, unit.version, rent=Decimal("410"))
    assert Unit.objects.get(pk=unit.pk).rent == Decimal("400")


def test_withdraw_needs_a_note_and_free_needs_an_occupied_unit(territory, landlord, coordinator):
    unit = make_unit(territory, landlord)
    with pytest.raises(ValidationError):
        services.withdraw_unit(unit, coordinator, "")
    with pytest.raises(TransitionRefused, match="le logement est « Disponible »"):
        services.free_unit(unit, coordinator, timezone.localdate())
    services.withdraw_unit(unit, coordinator, "Travaux de réhabilitation")
    services.make_available(unit, coordinator)
    assert [e.action for e in UnitEvent.objects.filter(unit=unit).order_by("pk")] == [
        "create",
        "withdraw",
        "make_available",
    ]


def test_a_freed_residence_unit_says_whether_it_goes_to_the_siao(territory, landlord, coordinator):
    residence = services.create_residence(
        territory,
        coordinator,
        name="Pension de famille Les Tilleuls",
        kind="pension_de_famille",
        manager=landlord,
        commune_insee="38185",
        commune_name="Grenoble",
        places=10,
    )
    share = services.residence_share(residence)
    assert share == {"freed": 0, "handed": 0, "share": None, "target": 0.3, "next_due_to_siao": True}
    units = [
        make_unit(territory, landlord, kind="pension_de_famille", residence=residence, typology=1, on=days_ago(300))
        for _ in range(4)
    ]
    for n, unit in enumerate(units):
        Unit.objects.filter(pk=unit.pk).update(status=codes.UnitStatus.OCCUPIED, status_since=days_ago(200))
        unit.refresh_from_db()
        with pytest.raises(ValidationError):
            services.free_unit(unit, coordinator, days_ago(10))  # the SIAO question must be answered
        due = services.residence_share(residence)["next_due_to_siao"]
        services.free_unit(unit, coordinator, days_ago(10), to_siao=due)
    share = services.residence_share(residence)
    assert (share["freed"], share["handed"]) == (4, 2)  # the 1st and the 4th: 30 % of 4 rounded up


def test_a_unit_of_a_residence_has_the_residences_kind(territory, landlord, coordinator):
    residence = services.create_residence(
        territory,
        coordinator,
        name="FJT",
        kind="fjt",
        manager=landlord,
        commune_insee="38185",
        commune_name="Grenoble",
        places=30,
    )
    with pytest.raises(ValidationError) as error:
        make_unit(territory, landlord, residence=residence)
    assert "kind" in error.value.message_dict


def prospect(territory, coordinator, **fields):
    values = {
        "operator": OrganisationFactory(territory=territory, kind=OrganisationKind.ASSOCIATION),
        "owner_label": "SCI des Alpes",
        "address": "4 place Grenette",
        "commune_insee": "38185",
        "commune_name": "Grenoble",
        "typology": 2,
        "surface": Decimal("42"),
        "rent_asked": Decimal("520"),
        "contacted_on": days_ago(90),
    }
    values.update(fields)
    return services.create_prospect(territory, coordinator, **values)


def test_the_capture_pipeline_from_contact_to_an_available_unit(territory, coordinator):
    p = prospect(territory, coordinator)
    with pytest.raises(TransitionRefused):
        services.open_captured_unit(p, coordinator, days_ago(10))
    with pytest.raises(ValidationError, match="précéder"):
        services.record_visit(p, coordinator, days_ago(100))
    p = services.record_visit(p, coordinator, days_ago(80))
    with pytest.raises(ValidationError):
        services.record_agreement(p, coordinator, days_ago(70), "loyer")
    p = services.record_agreement(p, coordinator, days_ago(70), codes.CaptureMode.SUBLEASE)
    unit = services.open_captured_unit(
        p, coordinator, days_ago(60), reference="IML-1", charges=Decimal("40"), contingent_kind="prefecture"
    )
    assert (unit.kind, unit.landlord_kind, unit.capture_mode, unit.status) == (
        "iml",
        "private",
        "sous_location",
        "available",
    )
    p.refresh_from_db()
    assert (p.stage, p.unit) == (codes.CaptureStage.AVAILABLE, unit)
    services.pay_incentive(p, coordinator, "captation", Decimal("2000"), days_ago(60))
    services.pay_incentive(p, coordinator, "nouvelle_famille", Decimal("2000"), days_ago(5))
    assert sum(i.amount for i in p.incentives.all()) == Decimal("4000")


def test_a_refused_capture_keeps_its_reason_and_takes_no_incentive(territory, coordinator):
    p = prospect(territory, coordinator)
    with pytest.raises(ValidationError):
        services.record_refusal(p, coordinator, days_ago(50), "")
    p = services.record_refusal(p, coordinator, days_ago(50), codes.CaptureRefusal.RENT)
    assert p.refusal_reason == "loyer"
    with pytest.raises(ValidationError):
        services.pay_incentive(p, coordinator, "captation", Decimal("2000"), days_ago(5))
    with pytest.raises(TransitionRefused):
        services.record_visit(p, coordinator, days_ago(40))


def test_the_new_family_incentive_is_for_subleases_only(territory, coordinator):
    p = prospect(territory, coordinator)
    p = services.record_agreement(p, coordinator, days_ago(70), codes.CaptureMode.MANDATE)
    with pytest.raises(ValidationError) as error:
        services.pay_incentive(p, coordinator, "nouvelle_famille", Decimal("2000"), days_ago(5))
    assert "sous-location" in error.value.message_dict["reason"][0]


def test_target_progress_counts_captures_by_mode_within_the_period(territory, coordinator):
    today = timezone.localdate()
    target = services.create_target(
        territory,
        coordinator,
        label="Grenoble : 225 logements en mandat de gestion",
        mode=codes.CaptureMode.MANDATE,
        starts_on=today - timedelta(days=100),
        ends_on=today + timedelta(days=100),
        units=10,
        reserved_for_housing_first=8,
    )
    for mode, days in (
        (codes.CaptureMode.MANDATE, 50),
        (codes.CaptureMode.MANDATE, 20),
        (codes.CaptureMode.SUBLEASE, 30),
    ):
        services.record_agreement(prospect(territory, coordinator), coordinator, days_ago(days), mode)
    services.record_agreement(
        prospect(territory, coordinator, contacted_on=days_ago(400)),
        coordinator,
        days_ago(300),
        codes.CaptureMode.MANDATE,
    )
    progress = services.target_progress(target, today)
    assert progress["captured"] == 2 and progress["reserved"] == 2
    assert progress["expected_by_now"] == 5 and progress["late"] is True


def test_a_target_is_coherent(territory, coordinator):
    with pytest.raises(ValidationError) as error:
        services.create_target(
            territory, coordinator, label="x", starts_on=date(2024, 1, 1), ends_on=date(2023, 1, 1), units=10
        )
    assert "ends_on" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.create_target(
            territory,
            coordinator,
            label="x",
            starts_on=date(2022, 1, 1),
            ends_on=date(2023, 12, 31),
            units=10,
            reserved_for_housing_first=11,
        )
    assert "reserved_for_housing_first" in error.value.message_dict
