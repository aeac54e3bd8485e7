"""The measure rows an actor may reach (spec 6): through the household file, as the operator
running the measure, or as an approver a pending renewal waits for. Everything else: nothing.

Reaching a measure is not seeing all of it: which pieces (names, documents, comments, working
notes) each viewer sees is `visibility.py`; the documents' rows follow it here (`team_filter`)."""

from django.db.models import Q

from lda.access.policy import scoped
from lda.accounts.models import Organisation
from lda.households.models import Household
from lda.households.scopes import coordinator_territories, file_and_sensitive_filters
from lda.households.visibility import FILE_ROLES
from lda.measures import codes
from lda.measures.models import (
    Alert,
    FundingAgreement,
    Measure,
    MeasureDocument,
    MeasureEvent,
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
from lda.measures.visibility import team_filter


def operator_organisations(actor) -> set[int]:
    return {g.organisation_id for g in actor.grants if g.role in FILE_ROLES}


def approver_codes_by_territory(actor) -> list[tuple[int, str]]:
    """(territory, approver code) pairs the actor may approve as: its role, in an organisation of
    the kind the approver names (`codes.APPROVERS`)."""
    kinds = dict(
        Organisation.objects.filter(pk__in=[g.organisation_id for g in actor.grants]).values_list("pk", "kind")
    )
    pairs = []
    for code, approver in codes.APPROVERS.items():
        for grant in actor.grants:
            if grant.role == approver.role and (
                not approver.organisation_kinds or kinds.get(grant.organisation_id) in approver.organisation_kinds
            ):
                pairs.append((grant.territory_id, code))
    return pairs


def measure_filter(actor) -> Q:
    """Through the household file; a measure of a type revealing a sensitive category (decision
    0016) only past the household's second gate, so that its presence reveals nothing."""
    files, sensitive = file_and_sensitive_filters(actor)
    condition = Q(household__in=Household.objects.filter(files).values("pk")) & (
        Q(type_version__measure_type__reveals="") | Q(household__in=Household.objects.filter(sensitive).values("pk"))
    )
    operators = operator_organisations(actor)
    if operators:
        condition |= Q(operator_id__in=operators)
    for territory_id, code in approver_codes_by_territory(actor):
        condition |= Q(
            territory_id=territory_id,
            pk__in=Alert.objects.filter(audience=Alert.Audience.APPROVER, approver=code, closed_at__isnull=True).values(
                "measure_id"
            ),
        )
    return condition


@scoped(Measure)
def _measures(actor, qs):
    return qs.filter(measure_filter(actor))


def _through_measure(actor, qs, prefix="measure"):
    return qs.filter(**{f"{prefix}__in": Measure.objects.filter(measure_filter(actor)).values("pk")})


for _model in (MeasureEvent, Review, RenewalRequest, Meeting, PartnerMobilisation, Outcome):
    scoped(_model)(_through_measure)


@scoped(MeasureDocument)
def _documents(actor, qs):
    """Signed documents: the measure's team only (`visibility.access(...).documents`), not everyone
    who reaches the measure (a referent through the file, an approver through a renewal)."""
    return qs.filter(measure__in=Measure.objects.filter(measure_filter(actor) & team_filter(actor)).values("pk"))


@scoped(RenewalApproval)
def _approvals(actor, qs):
    return _through_measure(actor, qs, "request__measure")


@scoped(Alert)
def _alerts(actor, qs):
    """The coordinator's alerts of the territory, the operator's own, the approver's pending ones."""
    condition = Q(audience=Alert.Audience.COORDINATOR, territory_id__in=coordinator_territories(actor))
    condition |= Q(audience=Alert.Audience.OPERATOR, measure__operator_id__in=operator_organisations(actor))
    for territory_id, code in approver_codes_by_territory(actor):
        condition |= Q(audience=Alert.Audience.APPROVER, territory_id=territory_id, approver=code)
    return qs.filter(condition)


@scoped(MeasureType)
def _types(actor, qs):
    # The catalogue of a territory is no secret to its partners.
    return qs.filter(territory_id__in={g.territory_id for g in actor.grants})


@scoped(MeasureTypeVersion)
def _versions(actor, qs):
    return qs.filter(measure_type__territory_id__in={g.territory_id for g in actor.grants})


@scoped(StaffMember)
def _staff(actor, qs):
    return qs.filter(
        Q(organisation_id__in={g.organisation_id for g in actor.grants})
        | Q(organisation__territory_id__in=coordinator_territories(actor))
    )


def _operator_or_coordinator(actor, qs):
    return qs.filter(
        Q(operator_id__in=operator_organisations(actor)) | Q(territory_id__in=coordinator_territories(actor))
    )


@scoped(MonthlyStatement)
def _statements(actor, qs):
    return _operator_or_coordinator(actor, qs)


@scoped(FundingAgreement)
def _funding(actor, qs):
    from lda.accounts.roles import Role

    state = {g.territory_id for g in actor.grants if g.role == Role.STATE_AGENT}
    return qs.filter(
        Q(operator_id__in=operator_organisations(actor)) | Q(territory_id__in=coordinator_territories(actor) | state)
    )
