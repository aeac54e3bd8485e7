"""The alert inbox: the open alerts of the measures the user follows, by kind, oldest date first.

Which alerts a user sees is `scopes._alerts`: the coordinator those of the territory, a social
worker those of the measures their organisation runs, an approver the renewals waiting for them.
Most alerts close themselves (review recorded, renewal decided, contract activated); an exit, or
an alert whose condition is over, is "marked as dealt with" by hand (`alerts:close`).

`open_count(user)` is what the menu shows next to "Alertes" (one query).
"""

from dataclasses import dataclass

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from lda.access.decorators import permission
from lda.access.policy import can, get_or_404, scope
from lda.measures import alert_job, codes
from lda.measures.models import Alert
from lda.measures.notify import KIND_ORDER, measure_path

# Kinds whose date passed means "late" (shown in words, not only by colour).
LATE_KINDS = frozenset({codes.AlertKind.REVIEW_OVERDUE, codes.AlertKind.PRE_HOUSING_EXCEEDED})
# Kinds whose date is when it happened (not a deadline), with the column's heading.
EVENT_KINDS = {
    codes.AlertKind.EXIT: "Date",
    codes.AlertKind.CONTRACT_WAITING: "Transmis le",
    codes.AlertKind.RENEWAL_WAITING: "Demandé le",
}


def open_alerts(user):
    return scope(user, Alert.objects.filter(closed_at__isnull=True))


def open_count(user) -> int:
    """Open alerts the user sees (0 without the permission): for the navigation menu."""
    if not can(user, "measures.alerts"):
        return 0
    return open_alerts(user).count()


@dataclass
class Row:
    alert: Alert
    link: str
    late: bool
    closable: bool
    approver: str


@dataclass
class Group:
    kind: str
    label: str
    rows: list[Row]
    date_header: str


@permission("measures.alerts")
def alert_list(request):
    today = timezone.localdate()
    alerts = list(
        open_alerts(request.user)
        .select_related("measure__household", "measure__type_version__measure_type")
        .order_by("due_on", "pk")
    )
    labels = dict(codes.AlertKind.choices)
    groups = []
    for kind in KIND_ORDER:
        rows = [
            Row(
                alert=a,
                link=measure_path(a.measure_id),
                late=a.kind in LATE_KINDS or (a.kind not in EVENT_KINDS and a.due_on < today),
                closable=alert_job.closable(a),
                approver=codes.APPROVERS[a.approver].label if a.approver in codes.APPROVERS else "",
            )
            for a in alerts
            if a.kind == kind
        ]
        if rows:
            groups.append(Group(kind, labels[kind], rows, EVENT_KINDS.get(kind, "Échéance")))
    return render(request, "measures/alert_list.html", {"groups": groups, "count": len(alerts), "today": today})


@permission("measures.alerts")
@require_POST
def alert_close(request, pk):
    alert = get_or_404(request.user, Alert.objects.select_related("measure"), pk=pk)
    if alert.closed_at is not None:
        messages.info(request, "Cette alerte était déjà traitée.")
    elif not alert_job.closable(alert):
        messages.error(
            request,
            "Cette alerte se clôt d'elle-même quand ce qu'elle demande est fait "
            "(bilan enregistré, renouvellement décidé, entrée dans le logement, fin de la mesure).",
        )
    elif alert_job.close_by_hand(alert, request):
        messages.success(request, f"Alerte « {alert.get_kind_display()} » marquée comme traitée.")
    return redirect("alerts:list")
