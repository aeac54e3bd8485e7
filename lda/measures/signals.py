"""Writes of measures are audited whoever the caller; an orientation naming a measure type the
territory runs, and an operator, opens that measure (so nobody types it twice)."""

from django.db.models.signals import post_save

from lda.audit.signals import audit_writes
from lda.households.models import Orientation
from lda.measures import codes
from lda.measures.models import (
    FundingAgreement,
    Measure,
    MeasureDocument,
    MeasureType,
    MeasureTypeVersion,
    Meeting,
    MonthlyStatement,
    Outcome,
    PartnerMobilisation,
    RenewalApproval,
    RenewalRequest,
    Review,
    StaffMember,
)

for _model in (
    MeasureType,
    MeasureTypeVersion,
    Measure,
    MeasureDocument,
    Review,
    RenewalRequest,
    RenewalApproval,
    Meeting,
    PartnerMobilisation,
    Outcome,
    StaffMember,
    FundingAgreement,
    MonthlyStatement,
):
    audit_writes(_model)


def _open_measure(sender, instance: Orientation, created, raw=False, **kwargs):
    if raw or not created or instance.decision != "oriented" or not instance.measure:
        return
    if not instance.accompanying_organisation_id:
        return
    from lda.households.services import Author
    from lda.measures import services

    measure_type = MeasureType.objects.filter(
        territory_id=instance.household.territory_id, code=instance.measure, is_active=True
    ).first()
    if measure_type is None:
        return
    operator = instance.accompanying_organisation
    if operator not in services.operators(instance.household.territory):
        return
    if Measure.objects.filter(
        household_id=instance.household_id,
        type_version__measure_type=measure_type,
        status__in=codes.OPEN_STATUSES,
    ).exists():
        return
    deciding = (
        instance.decided_by.memberships.filter(organisation__territory_id=operator.territory_id, is_active=True)
        .values_list("organisation_id", flat=True)
        .first()
        if instance.decided_by
        else None
    )
    author = Author(instance.decided_by, deciding or operator.pk)
    services.orient(instance.household, measure_type, operator, instance.decided_on, author, orientation=instance)


post_save.connect(_open_measure, sender=Orientation, dispatch_uid="measures-open-from-orientation")
