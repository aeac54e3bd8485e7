"""Capture of private housing (spec 3, issue 5 point 2): the pipeline of prospects, each
prospect's steps and incentives, the territory's targets and what capture produced by mode.

Rows go through `policy.scope`: the coordinator reaches its territory's prospects, an operator's
social worker those its organisation captures. Writes go through `services` (stage rules, dates,
locks and versions); their French errors come back next to the field.
"""

from collections import defaultdict

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Min, Q, Sum
from django.db.models.functions import ExtractYear
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone

from lda.access.decorators import permission
from lda.access.policy import actor_for, can, get_or_404, scope
from lda.accounts.models import Organisation, Territory
from lda.accounts.roles import Role
from lda.core.forms import apply_errors
from lda.households.services import Author
from lda.housing import codes, lifecycle, services
from lda.housing.capture_forms import (
    DEFAULT_INCENTIVE,
    STEPS,
    ProspectFilterForm,
    ProspectForm,
    TargetForm,
)
from lda.housing.models import CaptureProspect, CaptureTarget, Incentive

PAGE_SIZE = 50
S = codes.CaptureStage
CAPTURED = (S.AGREED, S.AVAILABLE)


def _author(request) -> Author:
    return Author(user=request.user, organisation_id=actor_for(request.user).organisation_id)


def _operators(request):
    """Structures the user may record a capture for: the coordinator, any active organisation of
    its territory; an operator's social worker, its own organisation."""
    actor = actor_for(request.user)
    allowed = Q(pk__in=[])
    for grant in actor.grants:
        if grant.role == Role.COORDINATOR:
            allowed |= Q(territory_id=grant.territory_id)
        elif grant.role in (Role.SOCIAL_WORKER,):
            allowed |= Q(pk=grant.organisation_id)
    return Organisation.objects.filter(allowed, is_active=True).order_by("name")


def steps_allowed(prospect) -> list[str]:
    """The step codes (`STEPS`) the prospect's stage allows, in the pipeline's order."""
    allowed = [code for code, (step, *_) in STEPS.items() if step and prospect.stage in services.CAPTURE_STEPS[step][0]]
    if prospect.stage in CAPTURED:
        allowed.append("prime")
    return allowed


# --- the pipeline ---------------------------------------------------------------------------------


@permission("housing.capture.view")
def prospect_list(request):
    visible = scope(request.user, CaptureProspect.objects.all())
    operators = Organisation.objects.filter(pk__in=visible.values("operator_id")).order_by("name")
    form = ProspectFilterForm(request.GET or None, operators=list(operators.values_list("pk", "name")))
    data = form.cleaned_data if form.is_valid() else {}
    rows = visible
    if data.get("operateur"):
        rows = rows.filter(operator_id=data["operateur"])
    if data.get("mode"):
        rows = rows.filter(mode=data["mode"])
    commune = (data.get("commune") or "").strip()
    if commune:
        rows = rows.filter(Q(commune_insee__iexact=commune) | Q(commune_name__icontains=commune))
    counts = dict(rows.order_by().values_list("stage").annotate(n=Count("pk")))
    pipeline = [{"stage": value, "label": label, "count": counts.get(value, 0)} for value, label in S.choices]
    if data.get("etape"):
        rows = rows.filter(stage=data["etape"])
    rows = (
        rows.select_related("operator")
        .annotate(incentives_total=Sum("incentives__amount"))
        .order_by("-contacted_on", "-pk")
    )
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "housing/capture/prospect_list.html",
        {
            "form": form,
            "page": page,
            "pipeline": pipeline,
            "chosen_stage": data.get("etape") or "",
            "may_manage": can(request.user, "housing.capture.manage"),
        },
    )


@permission("housing.capture.manage")
def prospect_create(request):
    operators = _operators(request)
    form = ProspectForm(request.POST or None, operators=operators)
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in form.Meta.fields}
        try:
            prospect = services.create_prospect(fields["operator"].territory, _author(request), **fields)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, "La captation est enregistrée à l'étape « Propriétaire contacté ».")
            return redirect("housing_capture:prospect", prospect.pk)
    return render(request, "housing/capture/prospect_form.html", {"form": form})


# --- one prospect ---------------------------------------------------------------------------------


def _step_form(code, prospect, data=None):
    _, form_class, *_ = STEPS[code]
    today = timezone.localdate()
    if code == "prime":
        # Sublease: paid again at each new family once the capture incentive is paid.
        again = prospect.mode == codes.CaptureMode.SUBLEASE and prospect.incentives.exists()
        reason = codes.IncentiveReason.NEW_FAMILY if again else codes.IncentiveReason.CAPTURE
        initial = {"amount": DEFAULT_INCENTIVE, "paid_on": today, "reason": reason}
        return form_class(data, initial=initial, prefix=code)
    initial = {"expected_version": prospect.version}
    if code == "ouverture":
        initial.update({"on": today, "rent": prospect.rent_asked, "floor": 0, "contingent_kind": "prefecture"})
    else:
        initial[{"visite": "visited_on"}.get(code, "decided_on")] = today
    return form_class(data, initial=initial, prefix=code)


def _detail_page(request, prospect, forms=None, status=200):
    may_manage = can(request.user, "housing.capture.manage") and (
        scope(request.user, CaptureProspect.objects.filter(pk=prospect.pk)).exists()
    )
    steps = []
    if may_manage:
        forms = forms or {}
        for code in steps_allowed(prospect):
            _, _, title, button = STEPS[code]
            steps.append(
                {"code": code, "title": title, "button": button, "form": forms.get(code) or _step_form(code, prospect)}
            )
    incentives = list(prospect.incentives.select_related("recorded_by").order_by("paid_on", "pk"))
    return render(
        request,
        "housing/capture/prospect_detail.html",
        {
            "prospect": prospect,
            "steps": steps,
            "incentives": incentives,
            "incentives_total": sum(i.amount for i in incentives),
            "stages": [{"value": v, "label": label, "reached": _reached(prospect, v)} for v, label in S.choices],
        },
        status=status,
    )


def _reached(prospect, stage) -> bool:
    order = [S.CONTACTED, S.VISITED, S.AGREED, S.AVAILABLE]
    if prospect.stage == S.REFUSED:
        return stage in (S.CONTACTED, S.REFUSED) or (stage == S.VISITED and prospect.visited_on is not None)
    if stage not in order:
        return False
    if stage == S.VISITED:
        return prospect.visited_on is not None
    return order.index(stage) <= order.index(prospect.stage)


@permission("housing.capture.view")
def prospect_detail(request, pk):
    prospect = get_or_404(request.user, CaptureProspect.objects.select_related("operator", "unit"), pk=pk)
    return _detail_page(request, prospect)


@permission("housing.capture.manage")
def prospect_step(request, pk, step):
    """GET: the step's form alone; POST: the step through its service."""
    if step not in STEPS:
        raise Http404
    prospect = get_or_404(request.user, CaptureProspect.objects.select_related("operator", "unit"), pk=pk)
    if step not in steps_allowed(prospect):
        messages.error(request, f"Impossible à cette étape : la captation est « {prospect.get_stage_display()} ».")
        return redirect("housing_capture:prospect", prospect.pk)
    form = _step_form(step, prospect, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            message = _apply_step(request, prospect, step, form.cleaned_data, form)
        except services.Stale as error:
            form.add_error(None, str(error))
        except lifecycle.TransitionRefused as error:
            form.add_error(None, str(error))
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, message)
            return redirect("housing_capture:prospect", prospect.pk)
    if request.method == "POST":
        return _detail_page(request, prospect, forms={step: form}, status=200)
    _, _, title, button = STEPS[step]
    return render(
        request,
        "housing/capture/step_form.html",
        {"prospect": prospect, "step": {"code": step, "title": title, "button": button, "form": form}},
    )


def _apply_step(request, prospect, step, d, form) -> str:
    author = _author(request)
    version = d.get("expected_version")
    if step == "visite":
        services.record_visit(prospect, author, d["visited_on"], expected_version=version)
        return "La visite est enregistrée."
    if step == "accord":
        services.record_agreement(prospect, author, d["decided_on"], d["mode"], expected_version=version)
        return "L'accord du propriétaire est enregistré."
    if step == "refus":
        services.record_refusal(prospect, author, d["decided_on"], d["refusal_reason"], expected_version=version)
        return "Le refus du propriétaire est enregistré."
    if step == "ouverture":
        unit = services.open_captured_unit(prospect, author, d["on"], expected_version=version, **form.unit_fields())
        return f"Le logement {unit.reference} est disponible dans l'offre."
    incentive = services.pay_incentive(prospect, author, d["reason"], d["amount"], d["paid_on"])
    return f"Prime enregistrée : {incentive.get_reason_display()}."


# --- targets and what capture produced -----------------------------------------------------------


def _capture_figures(territory_ids) -> dict:
    """Units captured by mode and year (agreement date), since when, with the incentives paid:
    counts and sums only, three queries whatever the number of prospects."""
    captured = CaptureProspect.objects.filter(territory_id__in=territory_ids, stage__in=CAPTURED)
    by_year = (
        captured.annotate(year=ExtractYear("decided_on")).order_by().values_list("year", "mode").annotate(n=Count("pk"))
    )
    since = dict(captured.order_by().values_list("mode").annotate(first=Min("decided_on")))
    paid = (
        Incentive.objects.filter(prospect__territory_id__in=territory_ids)
        .annotate(year=ExtractYear("paid_on"))
        .order_by()
        .values_list("year", "prospect__mode")
        .annotate(total=Sum("amount"))
    )
    years = defaultdict(lambda: {"modes": defaultdict(int), "cost": 0})
    for year, mode, n in by_year:
        years[year]["modes"][mode] += n
    for year, _mode, total in paid:
        years[year]["cost"] += total
    modes = codes.CaptureMode.choices
    rows = [
        {
            "year": year,
            "counts": [years[year]["modes"].get(mode, 0) for mode, _ in modes],
            "total": sum(years[year]["modes"].values()),
            "cost": years[year]["cost"],
        }
        for year in sorted(years, reverse=True)
    ]
    per_mode = [
        {"label": label, "count": sum(r["counts"][i] for r in rows), "since": since.get(mode)}
        for i, (mode, label) in enumerate(modes)
    ]
    return {
        "modes": [label for _, label in modes],
        "rows": rows,
        "per_mode": per_mode,
        "total": sum(r["total"] for r in rows),
        "cost": sum(r["cost"] for r in rows),
    }


@permission("housing.capture.view")
def target_list(request):
    today = timezone.localdate()
    targets = list(scope(request.user, CaptureTarget.objects.all()).select_related("territory"))
    entries = []
    for target in targets:
        progress = services.target_progress(target, today)
        entries.append(
            {
                "target": target,
                "progress": progress,
                "percent": min(round(progress["rate"] * 100), 100),
                "gap": max(progress["expected_by_now"] - progress["captured"], 0),
            }
        )
    territories = set(actor_for(request.user).territories("housing.capture.view"))
    return render(
        request,
        "housing/capture/target_list.html",
        {
            "entries": entries,
            "figures": _capture_figures(territories),
            "today": today,
            "may_manage": can(request.user, "housing.targets.manage"),
        },
    )


@permission("housing.targets.manage")
def target_create(request):
    territories = list(
        Territory.objects.filter(pk__in=actor_for(request.user).territories("housing.targets.manage")).order_by("name")
    )
    form = TargetForm(request.POST or None, territories=territories)
    if request.method == "POST" and form.is_valid():
        try:
            target = services.create_target(form.chosen_territory(), _author(request), **form.values())
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, f"L'objectif « {target.label} » est enregistré.")
            return redirect("housing_capture:targets")
    return render(request, "housing/capture/target_form.html", {"form": form})
