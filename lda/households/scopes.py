"""The rows of the by-name list an actor may reach: the SQL form of `visibility.access`."""

from django.db.models import Q

from lda.access.policy import scoped
from lda.accounts.models import Organisation
from lda.accounts.roles import Role
from lda.households.codes import RightsEffect, blocks_filter_value
from lda.households.models import (
    Commission,
    CommissionCase,
    Commitment,
    Episode,
    FieldChange,
    Household,
    HouseholdEvent,
    LivingSituation,
    MergeRecord,
    Need,
    Orientation,
    Person,
    Referral,
    Resource,
)
from lda.households.visibility import FILE_ROLES


def coordinator_territories(actor) -> set[int]:
    return {g.territory_id for g in actor.grants if g.role == Role.COORDINATOR}


def _organisation_kinds(actor) -> dict[int, str]:
    """Kinds of the actor's file organisations, read once per actor (an actor lives one request)."""
    cached = getattr(actor, "_organisation_kinds", None)
    if cached is not None:
        return cached
    organisations = {g.organisation_id for g in actor.grants if g.role in FILE_ROLES}
    kinds = dict(Organisation.objects.filter(pk__in=organisations).values_list("pk", "kind")) if organisations else {}
    object.__setattr__(actor, "_organisation_kinds", kinds)  # Actor is a frozen dataclass
    return kinds


def _reasons(actor, as_creator: bool, kinds: dict[int, str] | None = None) -> Q:
    """The SQL twin of `visibility.access`: the territory's coordinator; referents and social
    workers of the referent organisation (and of the creating one when `as_creator`), or of the
    accompanying organisation when the household consented to that kind of partner. `kinds` (the
    actor's organisations' kinds) is read from the database unless given."""
    condition = Q(pk__in=[])
    territories = coordinator_territories(actor)
    if territories:
        condition |= Q(territory_id__in=territories)
    organisations = {g.organisation_id for g in actor.grants if g.role in FILE_ROLES}
    if organisations:
        condition |= Q(referent_organisation_id__in=organisations)
        if as_creator:
            condition |= Q(created_by_organisation_id__in=organisations)
        kinds = _organisation_kinds(actor) if kinds is None else kinds
        # A person's restriction or opposition suspends the consent (codes.RIGHTS_EFFECTS).
        shared = not_blocked(RightsEffect.SHARING)
        for organisation, kind in kinds.items():
            condition |= (
                Q(accompanying_organisation_id=organisation, consent_given=True, consent_kinds__icontains=f'"{kind}"')
                & shared
            )
    return condition


def not_blocked(effect: str, prefix: str = "") -> Q:
    """Households for which no person stopped `effect` (a `codes.RightsEffect`)."""
    return ~Q(**{f"{prefix}rights_blocks__icontains": blocks_filter_value(effect)})


def household_filter(actor) -> Q:
    """A Q on Household giving the files the actor sees (never everything: starts from nothing)."""
    return _reasons(actor, as_creator=True)


def file_and_sensitive_filters(actor) -> tuple[Q, Q]:
    """Both filters, reading the actor's organisations once."""
    kinds = _organisation_kinds(actor)
    return _reasons(actor, as_creator=True, kinds=kinds), _reasons(actor, as_creator=False, kinds=kinds)


def sensitive_filter(actor) -> Q:
    """The files whose sensitive sections the actor sees: filtering on a sensitive value (a need,
    a priority public, an ETHOS category revealing violence…) is limited to these, so that the
    presence of a household in a filtered list never reveals what the actor may not see."""
    return _reasons(actor, as_creator=False)


@scoped(Household)
def _households(actor, qs):
    return qs.filter(household_filter(actor))


def _through_household(actor, qs, prefix="household"):
    visible = Household.objects.filter(household_filter(actor)).values("pk")
    return qs.filter(**{f"{prefix}__in": visible})


for _model in (Person, Resource, Need, LivingSituation, Episode, Orientation, HouseholdEvent, Referral):
    scoped(_model)(_through_household)


@scoped(Commission)
def _commissions(actor, qs):
    coordinator = coordinator_territories(actor)
    organisations = {g.organisation_id for g in actor.grants}
    # Attending organisations, and those given a commitment without attending, read the agenda.
    return qs.filter(
        Q(territory_id__in=coordinator)
        | Q(attendees__in=organisations)
        | Q(cases__commitments__organisation_id__in=organisations)
    ).distinct()


@scoped(CommissionCase)
def _cases(actor, qs):
    return _through_household(actor, qs).filter(commission__in=_commissions(actor, Commission.objects.all()))


@scoped(Commitment)
def _commitments(actor, qs):
    coordinator = coordinator_territories(actor)
    organisations = {g.organisation_id for g in actor.grants}
    return qs.filter(Q(case__commission__territory_id__in=coordinator) | Q(organisation_id__in=organisations))


@scoped(MergeRecord)
def _merges(actor, qs):
    return qs.filter(territory_id__in=coordinator_territories(actor))


@scoped(FieldChange)
def _field_changes(actor, qs):
    """The rectification history: the territory's coordinator (spec 6)."""
    return qs.filter(territory_id__in=coordinator_territories(actor))
