"""The rows of the by-name list an actor may reach: the SQL form of `visibility.access`."""

from django.db.models import Q

from lda.access.policy import scoped
from lda.accounts.models import Organisation
from lda.accounts.roles import Role
from lda.households.models import (
    Commission,
    CommissionCase,
    Commitment,
    Episode,
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


def household_filter(actor) -> Q:
    """A Q on Household giving the files the actor sees (never everything: starts from nothing)."""
    condition = Q(pk__in=[])
    coordinator_territories = {g.territory_id for g in actor.grants if g.role == Role.COORDINATOR}
    if coordinator_territories:
        condition |= Q(territory_id__in=coordinator_territories)
    organisations = {g.organisation_id for g in actor.grants if g.role in FILE_ROLES}
    if organisations:
        condition |= Q(created_by_organisation_id__in=organisations) | Q(referent_organisation_id__in=organisations)
        condition |= _accompanied_with_consent(organisations)
    return condition


def _accompanied_with_consent(organisations) -> Q:
    """Files accompanied by one of `organisations` whose household consented to that kind of partner."""
    condition = Q(pk__in=[])
    kinds = dict(Organisation.objects.filter(pk__in=organisations).values_list("pk", "kind"))
    for organisation, kind in kinds.items():
        condition |= Q(
            accompanying_organisation_id=organisation, consent_given=True, consent_kinds__icontains=f'"{kind}"'
        )
    return condition


def sensitive_filter(actor) -> Q:
    """The files whose sensitive sections the actor sees: filtering on a sensitive value (a need,
    a priority public, an ETHOS category revealing violence…) is limited to these, so that the
    presence of a household in a filtered list never reveals what the actor may not see."""
    condition = Q(pk__in=[])
    coordinator_territories = {g.territory_id for g in actor.grants if g.role == Role.COORDINATOR}
    if coordinator_territories:
        condition |= Q(territory_id__in=coordinator_territories)
    organisations = {g.organisation_id for g in actor.grants if g.role in FILE_ROLES}
    if organisations:
        condition |= Q(referent_organisation_id__in=organisations)
        condition |= _accompanied_with_consent(organisations)
    return condition


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
    coordinator = {g.territory_id for g in actor.grants if g.role == Role.COORDINATOR}
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
    coordinator = {g.territory_id for g in actor.grants if g.role == Role.COORDINATOR}
    organisations = {g.organisation_id for g in actor.grants}
    return qs.filter(Q(case__commission__territory_id__in=coordinator) | Q(organisation_id__in=organisations))


@scoped(MergeRecord)
def _merges(actor, qs):
    return qs.filter(territory_id__in={g.territory_id for g in actor.grants if g.role == Role.COORDINATOR})
