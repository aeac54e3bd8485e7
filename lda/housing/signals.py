"""Writes of housing records leave an audit event (proposals written by a run in bulk are
covered by the run's own event and their creation log)."""

from lda.audit.signals import audit_writes
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
