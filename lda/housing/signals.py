"""Writes of housing records leave an audit event (proposals written by a run in bulk are
covered by the run's own event and their creation log); a person's restriction or opposition
withdraws the household's undecided proposals (decision 0023)."""

from django.db.models.signals import post_save
from django.dispatch import receiver

from lda.audit.signals import audit_writes
from lda.households.codes import RightsEffect
from lda.households.models import EventKind, HouseholdEvent
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
    RefusalReason,
    Residence,
    ScoringGrid,
    Unit,
)

for _model in (
    Unit,
    Residence,
    ContingentQuota,
    CaptureProspect,
    CaptureTarget,
    Incentive,
    ScoringGrid,
    MatchingRules,
    RefusalReason,
    DemandProfile,
    MatchingRun,
    Proposal,
):
    audit_writes(_model)


# --- rights of the person (decision 0023) -------------------------------------------------------


# Proposals a person's restriction or opposition withdraws at once: those the landlord's
# committee has not decided yet. Later steps (an offer, a lease) are the household's own answer.
WITHDRAWN_ON_REQUEST = frozenset(
    {codes.ProposalStatus.CANDIDATE, codes.ProposalStatus.SENT, codes.ProposalStatus.POSTPONED}
)


@receiver(post_save, sender=HouseholdEvent, dispatch_uid="housing_rights_withdraw")
def withdraw_on_rights_request(sender, instance, created, **kwargs):
    if not created or instance.kind != EventKind.RIGHTS_RECORDED:
        return
    if RightsEffect.PROPOSALS not in instance.payload.get("blocks", []):
        return
    from lda.households.services import Author
    from lda.housing import proposals

    author = Author(user=instance.user, organisation_id=instance.organisation_id)
    for proposal in Proposal.objects.filter(household_id=instance.household_id, status__in=WITHDRAWN_ON_REQUEST):
        proposals.withdraw(proposal, author)
