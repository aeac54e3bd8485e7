"""The territory's matching settings (issue 5 points 4, 5 and 7's taxonomy): the scoring grid and
its simulator, the hard constraints, the refusal reasons.

Every partner of the territory reads them (no secret: they decide who is proposed); the
territory administrator changes them. A change is a new version (`services.new_grid_version` /
`services.new_rules_version`): older runs and proposals keep naming the version they used.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from lda.access.decorators import permission
from lda.access.policy import actor_for, get_or_404, scope
from lda.accounts.models import Territory
from lda.core.forms import apply_errors
from lda.households import codes as hcodes
from lda.households.models import Household
from lda.households.scopes import sensitive_filter
from lda.households.services import Author
from lda.housing import adapter, codes, data, services
from lda.housing.models import MatchingRules, RefusalReason, ScoringGrid
from lda.housing.settings_forms import (
    GridForm,
    ReasonForm,
    RulesForm,
    criterion_text,
    describe_rules,
    grid_changes,
    min_surface_text,
    rules_changes,
    wish_text,
)

SAMPLE = 12  # households of the list shown by the simulator
STALE = "Une autre version a été enregistrée entre-temps : rechargez la page pour partir de la version en vigueur."

# Fictitious households, so that anyone (the administrator sees no file) can try a grid version.
EXAMPLES = (
    (
        "Personne seule sans abri, reconnue DALO, 14 mois d'attente",
        data.Household(
            id=-1, adults=1, children=0, resources=0, criteria=frozenset({"dalo", "sans_abri"}), months_on_list=14
        ),
    ),
    (
        "Mère et deux enfants en hébergement, 30 mois d'attente",
        data.Household(
            id=-2, adults=1, children=2, resources=1100, criteria=frozenset({"hebergement"}), months_on_list=30
        ),
    ),
    (
        "Couple menacé d'expulsion, logement suroccupé, 80 mois d'attente",
        data.Household(
            id=-3,
            adults=2,
            children=1,
            resources=1500,
            criteria=frozenset({"expulsion", "suroccupation"}),
            months_on_list=80,
        ),
    ),
    (
        "Jeune de moins de 25 ans sortant de l'aide sociale à l'enfance",
        data.Household(
            id=-4,
            adults=1,
            children=0,
            resources=500,
            criteria=frozenset({"jeune", "sortie_institution"}),
            months_on_list=3,
        ),
    ),
)


def _author(request) -> Author:
    return Author(user=request.user, organisation_id=actor_for(request.user).organisation_id)


def _territory(request, permission_name: str) -> Territory:
    """The territory whose settings are shown: the only one the user holds the permission in, or
    the one chosen (`territoire`) among them; anything else answers 404."""
    allowed = actor_for(request.user).territories(permission_name)
    chosen = request.POST.get("territoire") or request.GET.get("territoire")
    if chosen:
        if not chosen.isdigit() or int(chosen) not in allowed:
            raise Http404
        return Territory.objects.get(pk=int(chosen))
    territory = Territory.objects.filter(pk__in=allowed).order_by("name").first()
    if territory is None:
        raise Http404
    return territory


def _context(request, territory, **extra) -> dict:
    actor = actor_for(request.user)
    viewable = Territory.objects.filter(pk__in=actor.territories("housing.rules.view")).order_by("name")
    return {
        "territory": territory,
        "territories": list(viewable) if len(actor.territories("housing.rules.view")) > 1 else [],
        "manages": territory.pk in actor.territories("housing.rules.manage"),
        **extra,
    }


def _history(versions, changes) -> list[dict]:
    rows, previous = [], None
    for version in versions:
        rows.append({"version": version, "changes": changes(previous, version)})
        previous = version
    rows.reverse()
    return rows


# --- the scoring grid -------------------------------------------------------------------------------


def simulate(grid: ScoringGrid, records) -> list[dict]:
    """Each (label, engine record)'s score term by term under `grid` (`services.score_breakdown`):
    the criteria met, and the total, which sums every term."""
    rows = []
    for label, record in records:
        terms = services.score_breakdown(record, grid)
        rows.append({"label": label, "terms": [t for t in terms if t.met], "total": sum(t.points for t in terms)})
    return rows


def _sample(request, territory, today) -> list:
    """Up to SAMPLE households of the list as engine records (a bounded number of queries): only
    files the viewer may open AND whose sensitive sections it sees, since a criterion such as
    « violences » would otherwise reveal a category it may not see."""
    actor = actor_for(request.user)
    visible = scope(
        request.user,
        Household.objects.filter(territory=territory, status=hcodes.HouseholdStatus.ON_LIST, merged_into__isnull=True),
    ).filter(sensitive_filter(actor))
    chosen = list(visible.order_by("pk").values_list("pk", "reference")[:SAMPLE])
    if not chosen:
        return []
    records = {r.id: r for r in adapter.engine_households(territory.pk, today, [pk for pk, _ in chosen])}
    return [(f"Ménage {ref}", records[pk]) for pk, ref in chosen if pk in records]


@permission("housing.rules.view")
def grid(request):
    territory = _territory(request, "housing.rules.view")
    versions = list(
        scope(request.user, ScoringGrid.objects.filter(territory=territory))
        .select_related("created_by")
        .order_by("number")
    )
    current = versions[-1] if versions else None
    chosen = current
    wanted = request.GET.get("version")
    if wanted:
        chosen = next((v for v in versions if str(v.number) == wanted), None)
        if chosen is None:
            raise Http404
    simulation, real = [], []
    if chosen is not None:
        today = timezone.localdate()
        real = _sample(request, territory, today)
        simulation = simulate(chosen, EXAMPLES) + simulate(chosen, real)
    return render(
        request,
        "housing/settings/grid.html",
        _context(
            request,
            territory,
            current=current,
            criteria=[{"label": c["label"], "text": criterion_text(c)} for c in current.criteria] if current else [],
            wish=wish_text(current.wish_points) if current else "",
            history=_history(versions, grid_changes),
            chosen=chosen,
            simulation=simulation,
            examples=len(EXAMPLES),
            real=len(real),
        ),
    )


def _version_form_page(request, template, form, territory, current):
    return render(request, template, _context(request, territory, form=form, sections=form.sections(), current=current))


def _new_version(request, form, territory, current, create):
    """Saves a form's new version if the version it was made from is still the current one."""
    if form.cleaned_data["expected_number"] != current.number:
        form.add_error(None, STALE)
        return None
    try:
        with transaction.atomic():
            return create(territory, _author(request), form.values(), form.cleaned_data["note"])
    except IntegrityError:  # another administrator saved the same version number first
        form.add_error(None, STALE)
    except ValidationError as error:
        apply_errors(form, error)
    return None


@permission("housing.rules.manage")
def grid_edit(request):
    territory = _territory(request, "housing.rules.manage")
    current = adapter.current_grid(territory.pk)
    if current is None:
        messages.error(request, "Ce territoire n'a pas encore de grille : installez d'abord les réglages fournis.")
        return redirect("housing_settings:grid")
    form = GridForm(request.POST or None, current=current)
    if request.method == "POST" and form.is_valid():
        version = _new_version(request, form, territory, current, services.new_grid_version)
        if version is not None:
            messages.success(
                request,
                f"Version {version.number} de la grille enregistrée : elle s'applique aux prochains rapprochements ; "
                f"les propositions déjà faites gardent la version avec laquelle elles ont été calculées.",
            )
            return redirect("housing_settings:grid")
    return _version_form_page(request, "housing/settings/grid_form.html", form, territory, current)


# --- the hard constraints -----------------------------------------------------------------------------


@permission("housing.rules.view")
def rules(request):
    territory = _territory(request, "housing.rules.view")
    versions = list(
        scope(request.user, MatchingRules.objects.filter(territory=territory))
        .select_related("created_by")
        .order_by("number")
    )
    current = versions[-1] if versions else None
    return render(
        request,
        "housing/settings/rules.html",
        _context(
            request,
            territory,
            current=current,
            lines=describe_rules(current) if current else [],
            surfaces=min_surface_text(),
            history=_history(versions, rules_changes),
        ),
    )


@permission("housing.rules.manage")
def rules_edit(request):
    territory = _territory(request, "housing.rules.manage")
    current = adapter.current_rules(territory.pk)
    if current is None:
        messages.error(request, "Ce territoire n'a pas encore de règles : installez d'abord les réglages fournis.")
        return redirect("housing_settings:rules")
    form = RulesForm(request.POST or None, current=current)
    if request.method == "POST" and form.is_valid():
        version = _new_version(request, form, territory, current, services.new_rules_version)
        if version is not None:
            messages.success(
                request,
                f"Version {version.number} des règles enregistrée : elle s'applique aux prochains rapprochements.",
            )
            return redirect("housing_settings:rules")
    return _version_form_page(request, "housing/settings/rules_form.html", form, territory, current)


# --- refusal reasons ----------------------------------------------------------------------------------


def _reasons_page(request, territory, form=None, status=200):
    reasons = list(scope(request.user, RefusalReason.objects.filter(territory=territory)).order_by("side", "label"))
    groups = [
        {"side": side, "label": label, "reasons": [r for r in reasons if r.side == side]}
        for side, label in codes.RefusalSide.choices
    ]
    context = _context(request, territory, groups=groups, empty=not reasons)
    if context["manages"]:
        context["form"] = form or ReasonForm(territory=territory)
    return render(request, "housing/settings/reasons.html", context, status=status)


@permission("housing.rules.view")
def reasons(request):
    return _reasons_page(request, _territory(request, "housing.rules.view"))


@permission("housing.rules.manage")
def reason_create(request):
    territory = _territory(request, "housing.rules.manage")
    form = ReasonForm(request.POST or None, territory=territory)
    if request.method == "POST" and form.is_valid():
        reason = form.save()
        messages.success(request, f"Le motif « {reason.label} » est ajouté à la liste.")
        return redirect(f"{reverse('housing_settings:reasons')}?territoire={territory.pk}")
    return _reasons_page(request, territory, form=form)


@permission("housing.rules.manage")
@require_POST
def reason_activation(request, pk):
    """Stops (or resumes) proposing a reason. Refusals already recorded keep it."""
    managed = actor_for(request.user).territories("housing.rules.manage")
    wanted = request.POST.get("actif")
    with transaction.atomic():
        reason = get_or_404(
            request.user, RefusalReason.objects.filter(territory_id__in=managed).select_for_update(), pk=pk
        )
        if wanted not in ("0", "1"):
            messages.error(request, "Indiquez si le motif doit être proposé ou non.")
        else:
            RefusalReason.objects.filter(pk=reason.pk).update(is_active=wanted == "1")
            messages.success(
                request,
                f"« {reason.label} » est de nouveau proposé."
                if wanted == "1"
                else f"« {reason.label} » n'est plus proposé ; les refus déjà enregistrés le gardent.",
            )
    return redirect(f"{reverse('housing_settings:reasons')}?territoire={reason.territory_id}")


@permission("housing.rules.manage")
@require_POST
def install(request):
    """The shipped grid, rules and refusal reasons, for what the territory does not have yet."""
    territory = _territory(request, "housing.rules.manage")
    services.install_defaults(territory, request.user)
    messages.success(request, "Les réglages fournis avec LDA sont installés pour ce qui manquait. Ajustez-les.")
    return redirect(f"{reverse('housing_settings:grid')}?territoire={territory.pk}")
