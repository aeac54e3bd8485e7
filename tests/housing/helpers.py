"""Building housing records in tests through the real services (so every rule and log applies)."""

from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from lda.accounts.roles import OrganisationKind, Role
from lda.households import services as household_services
from lda.households.services import PersonData
from lda.housing import services
from lda.housing.models import RefusalReason
from tests.factories import OrganisationFactory, user_with_role
from tests.households.helpers import author_of, make_household, organisation_of, orient, verified

GRENOBLE, ECHIROLLES, SAINT_MARTIN = "38185", "38151", "38421"


def landlord_user(territory, kind=OrganisationKind.SOCIAL_LANDLORD):
    organisation = OrganisationFactory(territory=territory, kind=kind)
    return user_with_role(Role.LANDLORD, territory, organisation=organisation)


def make_unit(territory, landlord, on=None, **fields):
    """An available T2 in Grenoble, 45 m², 380 € + 60 €, prefecture contingent, unless told."""
    values = {
        "reference": f"LGT-{timezone.now().timestamp():.6f}"[-20:],
        "landlord": landlord,
        "landlord_kind": "social",
        "contingent_kind": "prefecture",
        "address": "12 rue des Alliés",
        "commune_insee": GRENOBLE,
        "commune_name": "Grenoble",
        "kind": "logement_social",
        "typology": 2,
        "surface": Decimal("45"),
        "floor": 1,
        "lift": True,
        "rent": Decimal("380"),
        "charges": Decimal("60"),
    }
    values.update(fields)
    return services.create_unit(territory, None, on=on or days_ago(60), **values)


def household_on_list(coordinator, *, resources=900, benefit=250, communes=(GRENOBLE,), dalo=False, persons=None, **kw):
    """A household oriented onto the list, with resources, housing benefit and wished communes."""
    household = make_household(coordinator, persons=persons, **kw)
    orient(coordinator, household, on=timezone.localdate() - timedelta(days=25))
    household.refresh_from_db()
    author = author_of(coordinator)
    if resources:
        household_services.record_resource(household, author, "rsa", Decimal(resources), None)
    if benefit:
        household_services.record_resource(household, author, "housing_benefit", Decimal(benefit), None)
    household.refresh_from_db()
    household_services.update_household(
        household, author, household.version, accepted_communes=list(communes), dalo_recognised=dalo
    )
    household.refresh_from_db()
    return household


def refusal(territory, code):
    return RefusalReason.objects.get(territory=territory, code=code)


def days_ago(n) -> date:
    return timezone.localdate() - timedelta(days=n)


__all__ = [
    "PersonData",
    "author_of",
    "landlord_user",
    "make_unit",
    "household_on_list",
    "organisation_of",
    "refusal",
    "verified",
]
