"""Rows of the housing supply pages (lda/housing/supply_urls.py).

The unit built in our territory is let by the landlord's organisation, in a residence managed by
the social worker's association, on a contingent the landlord's organisation holds. Status action
pages answer 200 on GET even when the life cycle does not allow the action now (they say why).

- reading a unit: the coordinator, the SIAO referent (the territory's supply), its landlord; the
  social worker's association manages the residence, not this unit: 404;
- writing a unit: the coordinator and its landlord; the social worker holds `housing.units.manage`
  but does not manage this unit: 404;
- the residence: its manager (the social worker's association), the coordinator, the referent;
  the landlord does not reach it: 404;
- creating a residence: the coordinator only (a landlord or a social worker: 403);
- contingents: the coordinator and the holder.
"""

from decimal import Decimal

from lda.accounts.roles import Role
from lda.housing import services
from tests.access.matrix_helpers import only
from tests.housing.helpers import author_of, landlord_user, make_unit, organisation_of

R = Role
UNIT_READERS = {R.COORDINATOR: 200, R.REFERENT: 200, R.SOCIAL_WORKER: 200, R.LANDLORD: 200}
UNIT_WRITERS = {R.COORDINATOR: 200, R.SOCIAL_WORKER: 200, R.LANDLORD: 200}
WRITE_THIS_UNIT = {R.COORDINATOR: 200, R.LANDLORD: 200, R.SOCIAL_WORKER: 404}

ROWS = {
    "housing_supply:units": ("get", only(UNIT_READERS)),
    "housing_supply:mine": ("get", only(UNIT_READERS)),
    "housing_supply:unit_create": ("get", only(UNIT_WRITERS)),
    "housing_supply:unit": ("get", only({**UNIT_READERS, R.SOCIAL_WORKER: 404})),
    "housing_supply:unit_edit": ("get", only(WRITE_THIS_UNIT)),
    "housing_supply:unit_make_available": ("get", only(WRITE_THIS_UNIT)),
    "housing_supply:unit_withdraw": ("get", only(WRITE_THIS_UNIT)),
    "housing_supply:unit_free": ("get", only(WRITE_THIS_UNIT)),
    "housing_supply:residences": ("get", only(UNIT_READERS)),
    "housing_supply:residence": ("get", only({**UNIT_READERS, R.LANDLORD: 404})),
    "housing_supply:residence_create": ("get", only({R.COORDINATOR: 200})),
    "housing_supply:contingents": ("get", only({R.COORDINATOR: 200, R.LANDLORD: 200})),
    "housing_supply:contingent": ("get", only({R.COORDINATOR: 200, R.LANDLORD: 200})),
    "housing_supply:contingent_create": ("get", only({R.COORDINATOR: 200})),
}

_UNIT_URLS = [
    "housing_supply:unit",
    "housing_supply:unit_edit",
    "housing_supply:unit_make_available",
    "housing_supply:unit_withdraw",
    "housing_supply:unit_free",
]

# Another territory's unit, residence or contingent: 404 to the coordinator, who may act on such
# objects at home, and to a landlord for the unit.
ELSEWHERE = {
    **{name: (R.COORDINATOR, 404) for name in _UNIT_URLS},
    "housing_supply:residence": (R.COORDINATOR, 404),
    "housing_supply:contingent": (R.COORDINATOR, 404),
}


def objects(territory, where, users):
    if where == territory:
        landlord, manager = organisation_of(users[R.LANDLORD]), organisation_of(users[R.SOCIAL_WORKER])
    else:
        landlord = organisation_of(landlord_user(where))
        manager = landlord
    author = author_of(users[R.COORDINATOR]) if where == territory else None
    residence = services.create_residence(
        where,
        author,
        name="Pension de famille Les Tilleuls",
        kind="pension_de_famille",
        manager=manager,
        commune_insee="38185",
        commune_name="Grenoble",
        places=20,
        siao_share=Decimal("0.3"),
    )
    contingent = services.create_contingent(
        where, author, kind="bailleur", holder=landlord, label="Contingent propre", yearly_target=30
    )
    unit = make_unit(where, landlord, contingent=contingent, contingent_kind="bailleur")
    pk = {"pk": unit.pk}
    return {
        **{name: pk for name in _UNIT_URLS},
        "housing_supply:residence": {"pk": residence.pk},
        "housing_supply:contingent": {"pk": contingent.pk},
    }
