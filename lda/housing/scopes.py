"""The housing rows an actor may reach (spec 6). The coordinator: its territory's. A landlord:
its own units and the units of the contingents it holds, and the proposals on them once sent (it
sees the allocation data only: the views never show it the social file). A referent or social
worker: the proposals of households whose file it may open, the units its organisation manages
or captures; the SIAO referent also reads the territory's supply. Rules (grid, constraints,
refusal reasons) are no secret to the territory's partners."""

from django.db.models import Q

from lda.access.policy import scoped
from lda.accounts.roles import Role
from lda.households.models import Household
from lda.households.scopes import coordinator_territories, household_filter
from lda.housing import codes
from lda.housing.models import (
    CaptureProspect,
    CaptureTarget,
    ContingentQuota,
    DemandProfile,
    Incentive,
    MatchingRules,
    MatchingRun,
    Proposal,
    ProposalEvent,
    RefusalReason,
    Residence,
    ScoringGrid,
    Unit,
    UnitEvent,
)


def _orgs(actor, *roles) -> set[int]:
    return {g.organisation_id for g in actor.grants if g.role in roles}


def _territories(actor, *roles) -> set[int]:
    return {g.territory_id for g in actor.grants if not roles or g.role in roles}


def landlord_organisations(actor) -> set[int]:
    return _orgs(actor, Role.LANDLORD)


def unit_filter(actor) -> Q:
    landlords = landlord_organisations(actor)
    managers = _orgs(actor, Role.SOCIAL_WORKER)
    return (
        Q(territory_id__in=coordinator_territories(actor) | _territories(actor, Role.REFERENT))
        | Q(landlord_id__in=landlords | managers)
        | Q(contingent__holder_id__in=landlords)
    )


def landlord_proposal_filter(actor) -> Q:
    """Proposals a landlord or holder sees: on its units, once sent to it (not the candidates)."""
    landlords = landlord_organisations(actor)
    if not landlords:
        return Q(pk__in=[])
    return (Q(unit__landlord_id__in=landlords) | Q(unit__contingent__holder_id__in=landlords)) & ~Q(
        status__in=[codes.ProposalStatus.CANDIDATE, codes.ProposalStatus.WITHDRAWN]
    )


def proposal_filter(actor) -> Q:
    files = Household.objects.filter(household_filter(actor)).values("pk")
    return Q(territory_id__in=coordinator_territories(actor)) | Q(household__in=files) | landlord_proposal_filter(actor)


@scoped(Unit)
def _units(actor, qs):
    return qs.filter(unit_filter(actor))


@scoped(UnitEvent)
def _unit_events(actor, qs):
    return qs.filter(unit__in=Unit.objects.filter(unit_filter(actor)).values("pk"))


@scoped(Residence)
def _residences(actor, qs):
    return qs.filter(
        Q(territory_id__in=coordinator_territories(actor) | _territories(actor, Role.REFERENT))
        | Q(manager_id__in=landlord_organisations(actor) | _orgs(actor, Role.SOCIAL_WORKER))
    )


@scoped(ContingentQuota)
def _contingents(actor, qs):
    return qs.filter(
        Q(territory_id__in=coordinator_territories(actor)) | Q(holder_id__in=landlord_organisations(actor))
    )


@scoped(CaptureTarget)
def _targets(actor, qs):
    return qs.filter(
        territory_id__in=coordinator_territories(actor) | _territories(actor, Role.SOCIAL_WORKER, Role.STATE_AGENT)
    )


def _prospect_filter(actor) -> Q:
    return Q(territory_id__in=coordinator_territories(actor)) | Q(operator_id__in=_orgs(actor, Role.SOCIAL_WORKER))


@scoped(CaptureProspect)
def _prospects(actor, qs):
    return qs.filter(_prospect_filter(actor))


@scoped(Incentive)
def _incentives(actor, qs):
    return qs.filter(prospect__in=CaptureProspect.objects.filter(_prospect_filter(actor)).values("pk"))


def _territory_rules(actor, qs):
    return qs.filter(territory_id__in=_territories(actor))


for _model in (ScoringGrid, MatchingRules, RefusalReason):
    scoped(_model)(_territory_rules)


@scoped(DemandProfile)
def _profiles(actor, qs):
    return qs.filter(household__in=Household.objects.filter(household_filter(actor)).values("pk"))


@scoped(MatchingRun)
def _runs(actor, qs):
    return qs.filter(territory_id__in=coordinator_territories(actor))


@scoped(Proposal)
def _proposals(actor, qs):
    return qs.filter(proposal_filter(actor))


@scoped(ProposalEvent)
def _proposal_events(actor, qs):
    return qs.filter(proposal__in=Proposal.objects.filter(proposal_filter(actor)).values("pk"))
