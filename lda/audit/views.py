"""The access log for the administrator, and "who consulted this file" for those who follow it."""

from datetime import datetime, time

from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone

from lda.access.decorators import permission
from lda.access.policy import get_or_404, scope
from lda.accounts.models import Organisation, User
from lda.accounts.views import recent_authentication_required
from lda.audit.log import record_export
from lda.audit.models import AccessLog, Action
from lda.core.exports import csv_response

PAGE_SIZE = 50

# Objects whose consultations can be listed, and how to fetch one within the viewer's rights.
# Domain apps add theirs (households, protected files…).
CONSULTABLE = {
    "user": lambda viewer, pk: get_or_404(viewer, User.objects.all(), pk=pk),
}


def _parse_date(value):
    try:
        return datetime.strptime(value, "%Y-%m-%d").date()
    except (TypeError, ValueError):
        return None


def _filtered(request):
    rows = scope(request.user, AccessLog.objects.all())
    filters = {
        "action": request.GET.get("action", ""),
        "du": request.GET.get("du", ""),
        "au": request.GET.get("au", ""),
    }
    if filters["action"] in Action.values:
        rows = rows.filter(action=filters["action"])
    start, end = _parse_date(filters["du"]), _parse_date(filters["au"])
    tz = timezone.get_current_timezone()
    if start:
        rows = rows.filter(at__gte=timezone.make_aware(datetime.combine(start, time.min), tz))
    if end:
        rows = rows.filter(at__lte=timezone.make_aware(datetime.combine(end, time.max), tz))
    user_id = request.GET.get("utilisateur", "")
    if user_id.isdigit():
        rows = rows.filter(user_id=int(user_id))
        filters["utilisateur"] = user_id
    return rows, filters


def _names(rows):
    """Names of the users and organisations appearing on a page, in two queries."""
    user_ids = {r.user_id for r in rows if r.user_id}
    org_ids = {r.organisation_id for r in rows if r.organisation_id}
    users = {u.pk: u.full_name for u in User.objects.filter(pk__in=user_ids).only("first_name", "last_name")}
    orgs = dict(Organisation.objects.filter(pk__in=org_ids).values_list("pk", "name"))
    return users, orgs


@permission("audit.view")
def log(request):
    rows, filters = _filtered(request)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    users, orgs = _names(page.object_list)
    entries = [(row, users.get(row.user_id, ""), orgs.get(row.organisation_id, "")) for row in page.object_list]
    return render(
        request,
        "audit/log.html",
        {"page": page, "entries": entries, "filters": filters, "actions": Action.choices},
    )


@permission("audit.view")
@recent_authentication_required
def export(request):
    rows, _ = _filtered(request)
    rows = list(rows[:100_000])
    users, orgs = _names(rows)
    record_export(request, "access_log", len(rows))
    return csv_response(
        "journal-des-acces.csv",
        [
            "date (UTC)",
            "utilisateur",
            "organisation",
            "action",
            "objet",
            "identifiant",
            "section",
            "page",
            "IP",
            "requête",
        ],
        (
            [
                r.at.isoformat(),
                users.get(r.user_id, r.user_id or ""),
                orgs.get(r.organisation_id, ""),
                r.get_action_display(),
                r.object_type,
                r.object_id,
                r.section,
                r.route,
                r.ip or "",
                r.request_id,
            ]
            for r in rows
        ),
    )


@permission("audit.consultations")
def consultations(request, object_type, pk):
    fetch = CONSULTABLE.get(object_type)
    if fetch is None:
        raise Http404
    obj = fetch(request.user, pk)
    rows = AccessLog.objects.filter(object_type=obj._meta.model_name, object_id=str(obj.pk), action=Action.READ)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    users, orgs = _names(page.object_list)
    entries = [(row, users.get(row.user_id, ""), orgs.get(row.organisation_id, "")) for row in page.object_list]
    return render(request, "audit/consultations.html", {"object": obj, "page": page, "entries": entries})
