"""Writes of the by-name list are audited whoever the caller (views, API, imports, commands)."""

from lda.audit.signals import audit_writes
from lda.households.models import (
    Commission,
    CommissionCase,
    Commitment,
    Household,
    LivingSituation,
    MergeRecord,
    Need,
    Orientation,
    Person,
    Referral,
    Resource,
)

for _model in (
    Household,
    Person,
    Resource,
    Need,
    LivingSituation,
    Referral,
    Orientation,
    Commission,
    CommissionCase,
    Commitment,
    MergeRecord,
):
    audit_writes(_model)
