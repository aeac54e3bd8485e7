"""Which rows of each foundation model an actor may reach. Domain apps register their own."""

from lda.access.policy import scoped
from lda.accounts.models import ApiToken, Membership, Organisation, Territory, User


@scoped(Territory)
def _territories(actor, qs):
    return qs.filter(pk__in=actor.territories("directory.view"))


@scoped(Organisation)
def _organisations(actor, qs):
    return qs.filter(territory_id__in=actor.territories("directory.view"))


@scoped(User)
def _users(actor, qs):
    territories = actor.territories("admin.users.manage")
    return qs.filter(memberships__organisation__territory_id__in=territories).distinct()


@scoped(Membership)
def _memberships(actor, qs):
    return qs.filter(organisation__territory_id__in=actor.territories("admin.users.manage"))


@scoped(ApiToken)
def _tokens(actor, qs):
    return qs.filter(organisation__territory_id__in=actor.territories("admin.tokens.manage"))
