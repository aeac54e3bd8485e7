"""Figures of the supply pages: a contingent's designations and their outcomes against its yearly
target (Marseille: at least 30 designations a year on the municipal contingent, seed 002 action 5),
and a residence's freed units handed to the SIAO. A few aggregate queries, whatever the rows."""

from datetime import date

from django.db.models import Count, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce

from lda.housing import codes, lifecycle
from lda.housing.models import Proposal, Unit, UnitEvent

P = codes.ProposalStatus


def designations(proposals, year: int):
    """Proposals sent to the landlord during `year` (a designation). One withdrawn before the
    committee was not presented: it does not count, for the holder as for the coordinator."""
    return proposals.filter(sent_on__year=year).exclude(status=P.WITHDRAWN)


def outcomes(proposals, year: int) -> dict:
    """Designations of the year and what became of them: allocated by the committee (any rank),
    entered, awaiting the committee, refused (by reason)."""
    rows = designations(proposals, year)
    counts = rows.aggregate(
        total=Count("pk"),
        allocated=Count("pk", filter=Q(committee_rank__isnull=False)),
        entered=Count("pk", filter=Q(status=P.ENTERED)),
        waiting=Count("pk", filter=Q(status__in=[P.SENT, P.POSTPONED])),
        refused=Count("pk", filter=Q(refusal_reason__isnull=False)),
    )
    counts["by_reason"] = list(
        rows.filter(refusal_reason__isnull=False)
        .values("refusal_reason__label", "refusal_reason__side", "status")
        .annotate(count=Count("pk"))
        .order_by("-count", "refusal_reason__label")
    )
    sides = dict(codes.RefusalSide.choices)
    statuses = dict(P.choices)
    for row in counts["by_reason"]:
        row["side"] = sides.get(row["refusal_reason__side"], "")
        row["status_label"] = statuses.get(row["status"], row["status"])
    return counts


def progress(target: int | None, done: int, year: int, today: date) -> dict | None:
    """Designations against the yearly target, and how many were expected by today (pro rata)."""
    if not target:
        return None
    if year < today.year:
        elapsed = 1.0
    elif year > today.year:
        elapsed = 0.0
    else:
        start, end = date(year, 1, 1), date(year + 1, 1, 1)
        elapsed = (today - start).days / (end - start).days
    expected = round(target * elapsed)
    return {
        "target": target,
        "done": done,
        "rate": done / target,
        "percent": min(round(100 * done / target), 100),
        "expected_by_now": expected,
        "late": done < expected,
        "reached": done >= target,
    }


def _count(queryset, by: str = "unit__residence") -> Coalesce:
    counted = queryset.order_by().values(by).annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


# The unit counts are subqueries too, not `Count("units")`: a join would group the rows, and
# PostgreSQL then evaluated the other subqueries once per joined unit instead of once per row
# (5 to 20 s a page at scale 10, found by bench/load.py; decision 0024).


def with_siao_counts(residences):
    """Residences annotated with their freed units (`freed`) and those handed to the SIAO (`handed`)."""
    freed = UnitEvent.objects.filter(unit__residence=OuterRef("pk"), action="free")
    return residences.annotate(
        freed=_count(freed),
        handed=_count(freed.filter(to_siao=True)),
        unit_count=_count(Unit.objects.filter(residence=OuterRef("pk")), by="residence"),
    )


def siao_status(residence) -> dict:
    """As `services.residence_share`, from the counts `with_siao_counts` annotated."""
    share = float(residence.siao_share)
    return {
        "freed": residence.freed,
        "handed": residence.handed,
        "share": residence.handed / residence.freed if residence.freed else None,
        "target": share,
        "next_due_to_siao": lifecycle.siao_due(residence.freed, residence.handed, share),
    }


def with_designation_counts(contingents, year: int):
    """Contingents annotated with their units and the designations of `year` (all of them: the
    list is behind the contingent's scope)."""
    sent = designations(Proposal.objects.filter(unit__contingent=OuterRef("pk")), year)
    counted = sent.order_by().values("unit__contingent").annotate(n=Count("pk")).values("n")
    return contingents.annotate(
        unit_count=_count(Unit.objects.filter(contingent=OuterRef("pk")), by="contingent"),
        designation_count=Coalesce(Subquery(counted, output_field=IntegerField()), Value(0)),
    )
