"""Building supply records for the supply pages' tests, through the real services."""

from decimal import Decimal

from django.db import transaction

from lda.housing import services
from tests.housing.helpers import GRENOBLE, days_ago, make_unit


def make_residence(territory, manager, name="Pension de famille Les Tilleuls", share=Decimal("0.300"), author=None):
    return services.create_residence(
        territory,
        author,
        name=name,
        kind="pension_de_famille",
        manager=manager,
        commune_insee=GRENOBLE,
        commune_name="Grenoble",
        places=20,
        siao_share=share,
    )


def make_contingent(territory, holder, kind="commune", label="Contingent de la Ville", target=30):
    return services.create_contingent(territory, None, kind=kind, holder=holder, label=label, yearly_target=target)


def residence_unit(residence, reference):
    return make_unit(
        residence.territory,
        residence.manager,
        reference=reference,
        residence=residence,
        kind=residence.kind,
        landlord_kind="residence",
        typology=1,
        surface=Decimal("20"),
    )


def occupy(unit):
    """Moves a unit to occupied without a household (the unit's life cycle only)."""
    with transaction.atomic():
        locked = services.lock_unit(unit)
        for action in ("propose", "allocate", "occupy"):
            services.move_unit(locked, action, None, days_ago(30))
    unit.refresh_from_db()
    return unit


def free(unit, to_siao, on=None):
    return services.free_unit(unit, None, on or days_ago(5), to_siao=to_siao)


def unit_post(landlord_org, **changes):
    data = {
        "reference": "NEW-1",
        "landlord": str(landlord_org.pk),
        "landlord_kind": "social",
        "contingent_kind": "prefecture",
        "address": "3 place Notre-Dame",
        "commune_insee": "38185",
        "commune_name": "Grenoble",
        "kind": "logement_social",
        "typology": "3",
        "surface": "61,5",
        "floor": "2",
        "lift": "on",
        "rent": "452,30",
        "charges": "80",
        "status": "available",
        "status_on": days_ago(1).isoformat(),
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def edit_post(unit, **changes):
    data = unit_post(
        unit.landlord,
        reference=unit.reference,
        typology=str(unit.typology),
        surface=str(unit.surface).replace(".", ","),
        rent=str(unit.rent).replace(".", ","),
        charges=str(unit.charges).replace(".", ","),
        address=unit.address,
        floor=str(unit.floor),
        version=str(unit.version),
        status=None,
        status_on=None,
    )
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}
