"""The territory administrator's pages of measure types (spec 2, "types are data, not code").

Everyone working on measures reads the types of their territory and their history; the
administrator creates a type, changes its rules (each change is a new version: running measures
keep the version they started with), stops or resumes its use for new orientations, and installs
the types shipped with LDA. Writes go through `services.create_type` / `services.new_version` /
`services.set_type_active` and `catalogue.install_defaults`.
"""

from collections import defaultdict

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, OuterRef, Q, Subquery
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from lda.access.decorators import permission
from lda.access.policy import actor_for, get_or_404, scope
from lda.accounts.models import Territory
from lda.core.forms import apply_errors
from lda.measures import catalogue, codes, services
from lda.measures.models import Measure, MeasureType, MeasureTypeVersion
from lda.measures.type_forms import TypeCreateForm, TypeVersionForm, changes, describe, sections, summary


def _viewable(request):
    territories = actor_for(request.user).territories("measures.types.view")
    return scope(request.user, MeasureType.objects.filter(territory_id__in=territories))


def _managed_territory_ids(request) -> set[int]:
    return set(actor_for(request.user).territories("measures.types.manage"))


def _managed(request):
    """Types of the territories the user administers (others answer 404)."""
    return scope(request.user, MeasureType.objects.filter(territory_id__in=_managed_territory_ids(request)))


def _measure_counts(type_ids) -> dict[tuple[int, int], dict[str, int]]:
    """(type id, version number) → running and total measures: one query for all types.

    Counts only, never a row: the administrator sees how many measures each version governs,
    not which households (the measures themselves stay behind their own scope)."""
    open_statuses = list(codes.OPEN_STATUSES)
    rows = (
        Measure.objects.filter(type_version__measure_type_id__in=list(type_ids))
        .values("type_version__measure_type_id", "type_version__number")
        .annotate(total=Count("pk"), running=Count("pk", filter=Q(status__in=open_statuses)))
    )
    return {
        (r["type_version__measure_type_id"], r["type_version__number"]): {
            "running": r["running"],
            "total": r["total"],
        }
        for r in rows
    }


# --- list -----------------------------------------------------------------------------------------


@permission("measures.types.view")
def type_list(request):
    latest = MeasureTypeVersion.objects.filter(measure_type=OuterRef("measure_type")).order_by("-number")
    types = list(_viewable(request).select_related("territory").order_by("territory__name", "name"))
    currents = {
        v.measure_type_id: v
        for v in MeasureTypeVersion.objects.filter(
            measure_type__in=[t.pk for t in types], number=Subquery(latest.values("number")[:1])
        )
    }
    counts = _measure_counts(t.pk for t in types) if types else {}
    per_type = defaultdict(list)
    for (type_id, number), count in sorted(counts.items()):
        per_type[type_id].append({"number": number, **count})
    managed = _managed_territory_ids(request)
    by_territory: dict[int, dict] = {}
    for t in types:
        group = by_territory.setdefault(t.territory_id, {"territory": t.territory, "rows": [], "codes": set()})
        group["codes"].add(t.code)
        group["rows"].append(
            {
                "type": t,
                "current": currents.get(t.pk),
                "summary": summary(currents[t.pk]) if t.pk in currents else [],
                "versions": per_type.get(t.pk, []),
                "running": sum(c["running"] for c in per_type.get(t.pk, [])),
            }
        )
    shipped = {spec["code"]: spec["name"] for spec in catalogue.DEFAULT_TYPES}
    territories = []
    if managed:
        for territory in Territory.objects.filter(pk__in=managed).order_by("name"):
            by_territory.setdefault(territory.pk, {"territory": territory, "rows": [], "codes": set()})
    for territory_id, group in sorted(by_territory.items(), key=lambda item: item[1]["territory"].name):
        group["manages"] = territory_id in managed
        group["missing"] = [name for code, name in shipped.items() if code not in group["codes"]]
        territories.append(group)
    return render(
        request,
        "measures/type_list.html",
        {"territories": territories, "may_manage": bool(managed), "several": len(territories) > 1},
    )


# --- detail and history ---------------------------------------------------------------------------


@permission("measures.types.view")
def type_detail(request, pk):
    measure_type = get_or_404(request.user, _viewable(request).select_related("territory"), pk=pk)
    versions = list(measure_type.versions.select_related("created_by").order_by("number"))
    counts = _measure_counts([measure_type.pk])
    history = []
    previous = None
    for version in versions:
        count = counts.get((measure_type.pk, version.number), {"running": 0, "total": 0})
        history.append({"version": version, "changes": changes(previous, version), **count})
        previous = version
    history.reverse()
    current = versions[-1] if versions else None
    return render(
        request,
        "measures/type_detail.html",
        {
            "measure_type": measure_type,
            "current": current,
            "rules": describe(current) if current else [],
            "history": history,
            "running": sum(h["running"] for h in history),
            "manages": measure_type.territory_id in _managed_territory_ids(request),
        },
    )


# --- create and edit (a new version) ---------------------------------------------------------------


def _form_page(request, form, title, measure_type=None, current=None):
    return render(
        request,
        "measures/type_form.html",
        {
            "form": form,
            "sections": sections(form),
            "title": title,
            "measure_type": measure_type,
            "current": current,
        },
    )


@permission("measures.types.manage")
def type_create(request):
    territories = list(Territory.objects.filter(pk__in=_managed_territory_ids(request)).order_by("name"))
    initial = {"monthly_count": True, "re_entry": True, "advance_share": 0, "renewal_step_months": 0}
    initial.update({"renewal_cap_months": 0, "derogation_months": 0, "meetings_per_week": 1})
    initial.update({"home_visits_per_week": 0})
    form = TypeCreateForm(request.POST or None, territories=territories, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            measure_type = services.create_type(
                form.chosen_territory(),
                d["code"],
                d["name"],
                form.values(),
                request.user,
                d["change_note"].strip(),
                reveals=d.get("reveals") or "",
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(
                request,
                f"Le type « {measure_type.name} » est créé (version 1) : il peut être choisi pour les orientations.",
            )
            return redirect("measure_types:detail", measure_type.pk)
    return _form_page(request, form, "Nouveau type de mesure")


@permission("measures.types.manage")
def type_edit(request, pk):
    measure_type = get_or_404(request.user, _managed(request), pk=pk)
    current = measure_type.current
    form = TypeVersionForm(request.POST or None, current=current)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            version = services.new_version(
                measure_type, form.values(), request.user, d["change_note"], d["expected_number"]
            )
        except services.StaleMeasure as error:
            form.add_error(None, str(error))
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(
                request,
                f"Version {version.number} enregistrée : elle s'applique aux mesures orientées à partir de "
                f"maintenant ; les mesures en cours gardent la version avec laquelle elles ont commencé.",
            )
            return redirect("measure_types:detail", measure_type.pk)
    title = f"Modifier les règles : {measure_type.name}"
    return _form_page(request, form, title, measure_type=measure_type, current=current)


# --- activation and shipped types -----------------------------------------------------------------


@permission("measures.types.manage")
@require_POST
def type_activation(request, pk):
    """Stops (or resumes) new orientations to a type. Running measures go on with their rules."""
    wanted = request.POST.get("active")
    with transaction.atomic():
        measure_type = get_or_404(request.user, _managed(request).select_for_update(), pk=pk)
        if wanted not in ("0", "1"):
            messages.error(request, "Indiquez si le type doit être proposé ou non aux orientations.")
            return redirect("measure_types:detail", measure_type.pk)
        active = wanted == "1"
        measure_type = services.set_type_active(measure_type, active)
    running = Measure.objects.filter(
        type_version__measure_type=measure_type, status__in=list(codes.OPEN_STATUSES)
    ).count()
    if active:
        messages.success(request, f"« {measure_type.name} » est de nouveau proposé aux orientations.")
    else:
        messages.success(
            request,
            f"« {measure_type.name} » n'est plus proposé aux nouvelles orientations. "
            f"Mesures en cours : {running} ; elles continuent avec leurs règles jusqu'à leur fin.",
        )
    return redirect("measure_types:detail", measure_type.pk)


@permission("measures.types.manage")
@require_POST
def type_install(request):
    """Installs the shipped types the territory does not have yet (VIAL and the examples)."""
    managed = sorted(_managed_territory_ids(request))
    chosen = request.POST.get("territoire") or (str(managed[0]) if len(managed) == 1 else "")
    if not chosen.isdigit() or int(chosen) not in managed:
        raise Http404
    territory = Territory.objects.get(pk=int(chosen))
    created = catalogue.install_defaults(territory, request.user)
    if created:
        names = ", ".join(t.name for t in created)
        messages.success(request, f"Types installés ({len(created)}) : {names}. Ajustez-les à vos conventions.")
    else:
        messages.info(request, "Tous les types fournis sont déjà installés.")
    return redirect("measure_types:list")
