"""The one access policy (spec 6). Deny by default.

Every view, list, export and API endpoint asks this module: `can(user, permission)` for an
action, `scope(user, queryset)` for the rows a user may reach. Permissions are data (which roles
hold them); scoping rules are registered per model. A model with no registered scope cannot be
shown to anyone: `scope` raises rather than return everything.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.db import models
from django.http import Http404

from lda.accounts.roles import ROLE_RULES, Role

ALL_ROLES = frozenset(Role.values)
R = Role

# Which roles hold each permission. A permission missing here is held by nobody.
PERMISSIONS: dict[str, frozenset[str]] = {
    "directory.view": ALL_ROLES,
    "admin.territory.manage": frozenset({R.ADMIN}),
    "admin.organisations.manage": frozenset({R.ADMIN}),
    "admin.users.manage": frozenset({R.ADMIN}),
    "admin.tokens.manage": frozenset({R.ADMIN}),
    "audit.view": frozenset({R.ADMIN}),
    "audit.consultations": frozenset({R.ADMIN, R.COORDINATOR, R.REFERENT}),
    "api.me": ALL_ROLES,
    # The by-name list (spec 1). Rows are further scoped by `lda/households/scopes.py`.
    "households.view": frozenset({R.COORDINATOR, R.REFERENT, R.SOCIAL_WORKER}),
    "households.edit": frozenset({R.COORDINATOR, R.REFERENT, R.SOCIAL_WORKER}),
    "households.export": frozenset({R.COORDINATOR, R.REFERENT, R.SOCIAL_WORKER}),
    "households.caseload": frozenset({R.REFERENT, R.SOCIAL_WORKER}),
    "households.exit": frozenset({R.COORDINATOR, R.REFERENT}),
    "households.merge": frozenset({R.COORDINATOR}),
    "households.import": frozenset({R.COORDINATOR, R.REFERENT}),
    # Rights of the person (spec 6): recording a restriction or an opposition and exporting
    # everything held (the views also need the household's second gate); the rectification
    # history is the coordinator's.
    "households.rights": frozenset({R.COORDINATOR, R.REFERENT}),
    "households.history": frozenset({R.COORDINATOR}),
    # Any partner organisation may refer a household (fiche saisine); the coordinator decides.
    "referrals.create": frozenset({R.COORDINATOR, R.REFERENT, R.SOCIAL_WORKER, R.LANDLORD, R.PREVENTION_AGENT}),
    "referrals.decide": frozenset({R.COORDINATOR}),
    # Figures: names never appear; roles that may not see names get suppressed small counts.
    "households.figures": frozenset({R.COORDINATOR, R.STATE_AGENT, R.OBSERVER}),
    "commissions.view": frozenset({R.COORDINATOR, R.REFERENT, R.SOCIAL_WORKER, R.LANDLORD, R.PREVENTION_AGENT}),
    "commissions.manage": frozenset({R.COORDINATOR}),
    "commitments.update": frozenset({R.COORDINATOR, R.REFERENT, R.SOCIAL_WORKER, R.LANDLORD, R.PREVENTION_AGENT}),
    # Accompaniment measures (spec 2). Rows are further scoped by `lda/measures/scopes.py`; operator
    # actions also need the measure to be run by the actor's organisation (checked by the views).
    "measures.view": frozenset({R.COORDINATOR, R.REFERENT, R.SOCIAL_WORKER}),
    "measures.orient": frozenset({R.COORDINATOR}),
    "measures.operate": frozenset({R.SOCIAL_WORKER}),
    "measures.activate": frozenset({R.COORDINATOR}),
    # Approvals: who the measure type names (coordinator, chef SLISL…), checked by the service.
    "measures.approve": frozenset({R.COORDINATOR, R.SOCIAL_WORKER}),
    "measures.alerts": frozenset({R.COORDINATOR, R.SOCIAL_WORKER}),
    "measures.staff": frozenset({R.SOCIAL_WORKER, R.COORDINATOR}),
    "measures.types.view": frozenset({R.COORDINATOR, R.REFERENT, R.SOCIAL_WORKER, R.ADMIN, R.STATE_AGENT}),
    "measures.types.manage": frozenset({R.ADMIN}),
    # Counts, funding and reports: the operator's own, the coordinator's whole territory; the
    # State, as funder, sees funding (amounts, no names).
    "measures.statements": frozenset({R.COORDINATOR, R.SOCIAL_WORKER}),
    "measures.funding": frozenset({R.COORDINATOR, R.SOCIAL_WORKER, R.STATE_AGENT}),
    "measures.funding.manage": frozenset({R.COORDINATOR}),
    "measures.reports": frozenset({R.COORDINATOR, R.SOCIAL_WORKER}),
    # Housing supply and matching (spec 3). Rows are further scoped by `lda/housing/scopes.py`;
    # a landlord acts on its own units and contingents only (checked by the services).
    "housing.units.view": frozenset({R.COORDINATOR, R.REFERENT, R.SOCIAL_WORKER, R.LANDLORD}),
    # The landlord's home page ("Mes logements et candidatures") in the menu.
    "housing.landlord.home": frozenset({R.LANDLORD}),
    "housing.units.manage": frozenset({R.COORDINATOR, R.SOCIAL_WORKER, R.LANDLORD}),
    "housing.capture.view": frozenset({R.COORDINATOR, R.SOCIAL_WORKER, R.STATE_AGENT}),
    "housing.capture.manage": frozenset({R.COORDINATOR, R.SOCIAL_WORKER}),
    "housing.targets.manage": frozenset({R.COORDINATOR}),
    "housing.contingents.view": frozenset({R.COORDINATOR, R.LANDLORD}),
    "housing.contingents.manage": frozenset({R.COORDINATOR}),
    "housing.rules.view": frozenset({R.COORDINATOR, R.REFERENT, R.SOCIAL_WORKER, R.LANDLORD, R.ADMIN, R.STATE_AGENT}),
    "housing.rules.manage": frozenset({R.ADMIN}),
    "housing.matching.run": frozenset({R.COORDINATOR}),
    "housing.proposals.view": frozenset({R.COORDINATOR, R.REFERENT, R.SOCIAL_WORKER, R.LANDLORD}),
    # Sending a shortlist, adding or withdrawing a candidate.
    "housing.proposals.manage": frozenset({R.COORDINATOR}),
    # The committee's decision: recorded by the landlord, or by the coordinator who sat in it.
    "housing.proposals.decide": frozenset({R.COORDINATOR, R.LANDLORD}),
    # The offer to the household and its answer: the coordinator or the household's referent.
    "housing.proposals.answer": frozenset({R.COORDINATOR, R.REFERENT, R.SOCIAL_WORKER}),
    # Lease and entry: the landlord, or the coordinator.
    "housing.proposals.lease": frozenset({R.COORDINATOR, R.LANDLORD}),
    # Retention (spec 6): the households nearing the end of their retention — the territory's for
    # the coordinator and the administrator, the warnings of its households for a referent — and
    # the legal holds that suspend it.
    "retention.view": frozenset({R.COORDINATOR, R.ADMIN, R.REFERENT}),
    "retention.holds": frozenset({R.COORDINATOR, R.ADMIN}),
}


@dataclass(frozen=True)
class Grant:
    organisation_id: int
    territory_id: int
    role: str


@dataclass(frozen=True)
class Actor:
    """Who is asking: a signed-in user or an organisation's API token, with the grants they hold."""

    user_id: int | None = None
    grants: tuple[Grant, ...] = ()
    token_id: int | None = None
    pending_second_factor: bool = False

    @property
    def is_anonymous(self) -> bool:
        return self.user_id is None and self.token_id is None

    @property
    def roles(self) -> frozenset[str]:
        return frozenset(g.role for g in self.grants)

    @property
    def organisation_id(self) -> int | None:
        return self.grants[0].organisation_id if self.grants else None

    @property
    def territory_id(self) -> int | None:
        return self.grants[0].territory_id if self.grants else None

    def has(self, permission: str) -> bool:
        allowed = PERMISSIONS.get(permission, frozenset())
        return any(g.role in allowed for g in self.grants)

    def territories(self, permission: str) -> set[int]:
        allowed = PERMISSIONS.get(permission, frozenset())
        return {g.territory_id for g in self.grants if g.role in allowed}

    def organisations(self, permission: str) -> set[int]:
        allowed = PERMISSIONS.get(permission, frozenset())
        return {g.organisation_id for g in self.grants if g.role in allowed}


ANONYMOUS = Actor()


def _grants_of(user) -> tuple[Grant, ...]:
    rows = user.memberships.filter(is_active=True, organisation__is_active=True).values_list(
        "organisation_id", "organisation__territory_id", "role"
    )
    return tuple(Grant(org, territory, role) for org, territory, role in sorted(rows))


def actor_for(subject) -> Actor:
    """The Actor of a user (cached on the user object for the request) or an Actor itself."""
    if isinstance(subject, Actor):
        return subject
    if subject is None or not getattr(subject, "is_authenticated", False) or not subject.is_active:
        return ANONYMOUS
    cached = getattr(subject, "_lda_actor", None)
    if cached is not None:
        return cached
    grants = _grants_of(subject)
    needs_totp = any(ROLE_RULES[g.role].requires_totp for g in grants)
    verified = bool(getattr(subject, "is_verified", lambda: False)())
    if needs_totp and not verified:
        # A coordinator or administrator without a second factor holds no right at all.
        actor = Actor(user_id=subject.pk, grants=(), pending_second_factor=True)
    else:
        actor = Actor(user_id=subject.pk, grants=grants)
    subject._lda_actor = actor
    return actor


def actor_for_token(token) -> Actor:
    grant = Grant(token.organisation_id, token.organisation.territory_id, token.role)
    return Actor(token_id=token.pk, grants=(grant,))


def can(subject, permission: str) -> bool:
    if permission not in PERMISSIONS:
        raise ImproperlyConfigured(f"Permission inconnue : {permission}")
    return actor_for(subject).has(permission)


def require(subject, permission: str) -> None:
    if not can(subject, permission):
        raise PermissionDenied


# --- object scoping -------------------------------------------------------------------------

Scope = Callable[[Actor, models.QuerySet], models.QuerySet]
_SCOPES: dict[type[models.Model], Scope] = {}


def scoped(model: type[models.Model]):
    """Registers the function giving the rows of `model` an actor may reach."""

    def register(function: Scope) -> Scope:
        _SCOPES[model] = function
        return function

    return register


def scope(subject, queryset: models.QuerySet) -> models.QuerySet:
    function = _SCOPES.get(queryset.model)
    if function is None:
        raise ImproperlyConfigured(f"Aucune règle d'accès pour {queryset.model.__name__} : accès refusé par défaut.")
    actor = actor_for(subject)
    if actor.is_anonymous or not actor.grants:
        return queryset.none()
    return function(actor, queryset)


def get_or_404(subject, queryset: models.QuerySet, **lookup):
    """The object if the actor may reach it; 404 otherwise, whether it exists elsewhere or not."""
    try:
        return scope(subject, queryset).get(**lookup)
    except queryset.model.DoesNotExist:
        if queryset.filter(**lookup).exists():
            from lda.audit.log import record_refusal

            record_refusal(subject, object_type=queryset.model._meta.model_name, object_id=str(lookup))
        raise Http404 from None


def scoped_models() -> set[type[models.Model]]:
    return set(_SCOPES)
