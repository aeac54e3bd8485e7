"""Home page by role, the partner directory, health check and French error pages."""

from django.db import connection
from django.db.models import Count, Q
from django.http import JsonResponse
from django.shortcuts import render

from lda.access.decorators import permission, public, signed_in
from lda.access.policy import actor_for, scope
from lda.accounts.models import Organisation, User
from lda.accounts.roles import ROLE_RULES, OrganisationKind, Role
from lda.audit.models import AccessLog
from lda.portal.navigation import SECTIONS


@signed_in
def home(request):
    actor = actor_for(request.user)
    memberships = (
        request.user.active_memberships().select_related("organisation", "organisation__territory").order_by("role")
    )
    roles = [
        {"code": role, "label": Role(role).label, "description": ROLE_RULES[role].description}
        for role in sorted(actor.roles)
    ]
    sections = [s for s in SECTIONS if actor.has(s.permission)]
    context = {"memberships": memberships, "roles": roles, "sections": sections}
    if actor.has("directory.view"):
        by_kind = dict(
            scope(request.user, Organisation.objects.filter(is_active=True))
            .values_list("kind")
            .annotate(n=Count("id"))
            .values_list("kind", "n")
        )
        context["partners"] = [(label, by_kind[code]) for code, label in OrganisationKind.choices if code in by_kind]
    if actor.has("admin.users.manage"):
        users = scope(request.user, User.objects.all())
        context["admin_figures"] = users.aggregate(
            active=Count("id", filter=Q(is_active=True), distinct=True),
            inactive=Count("id", filter=Q(is_active=False), distinct=True),
        )
        context["recent_refusals"] = scope(request.user, AccessLog.objects.filter(action="denied")).count()
    return render(request, "portal/home.html", context)


@permission("directory.view")
def directory(request):
    organisations = scope(request.user, Organisation.objects.filter(is_active=True)).select_related("territory")
    kind = request.GET.get("type", "")
    if kind in OrganisationKind.values:
        organisations = organisations.filter(kind=kind)
    return render(
        request,
        "portal/directory.html",
        {"organisations": organisations.order_by("kind", "name"), "kinds": OrganisationKind.choices, "kind": kind},
    )


@public
def health(request):
    """For the load balancer and monitoring: is the database reachable?"""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return JsonResponse({"statut": "ok"})
    except Exception:  # noqa: BLE001 - any failure means "not healthy"
        return JsonResponse({"statut": "indisponible"}, status=503)


def error_403(request, exception=None):
    return render(request, "errors/403.html", status=403)


def error_404(request, exception=None):
    return render(request, "errors/404.html", status=404)


def error_500(request):
    return render(request, "errors/500.html", status=500)


def error_400(request, exception=None):
    return render(request, "errors/400.html", status=400)


def csrf_failure(request, reason=""):
    return render(request, "errors/csrf.html", status=403)
