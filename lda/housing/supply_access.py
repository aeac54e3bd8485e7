"""Who may write which supply rows, beyond reading them (`scopes.py`): the coordinator any unit of
its territory; a landlord the units its organisation lets; a social worker the units its
organisation manages (IML). A contingent's holder reads its units but does not edit them."""

from django.db.models import Q

from lda.accounts.models import Organisation
from lda.accounts.roles import Role
from lda.households.scopes import coordinator_territories
from lda.households.services import Author

# The roles whose organisation may be a unit's landlord or manager.
OWNER_ROLES = (Role.LANDLORD, Role.SOCIAL_WORKER)


def owner_organisations(actor) -> set[int]:
    return {g.organisation_id for g in actor.grants if g.role in OWNER_ROLES}


def manages(actor, unit) -> bool:
    return unit.territory_id in coordinator_territories(actor) or unit.landlord_id in owner_organisations(actor)


def landlord_choices(actor):
    """The organisations a unit may be created for: any of the coordinator's territory, else the
    user's own."""
    return Organisation.objects.filter(
        Q(territory_id__in=coordinator_territories(actor)) | Q(pk__in=owner_organisations(actor)), is_active=True
    ).order_by("name")


def author_for(user, actor, territory_id: int, organisation_id: int | None = None) -> Author:
    """The user and the organisation it acts for in that territory (the unit's own when it is one
    of the user's)."""
    mine = [g.organisation_id for g in actor.grants if g.territory_id == territory_id]
    if organisation_id in mine:
        return Author(user=user, organisation_id=organisation_id)
    return Author(user=user, organisation_id=mine[0] if mine else actor.organisation_id)
