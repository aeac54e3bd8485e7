"""Pages of the housing supply (spec 3): units and their dated status, supported-housing residences
and their SIAO share, contingents and their holders' designations, the landlord's home.

Views parse, ask the policy, call `services`, render. Who may do what:

- reading: `housing.units.view` / `housing.contingents.view` and the row's scope
  (`lda/housing/scopes.py`), else 404;
- writing a unit (edit, status actions): `housing.units.manage` and the unit managed by the user
  (`supply_access.manages`: the coordinator of its territory, its landlord or manager), else 404;
- creating a residence: `housing.units.manage` held as the territory's coordinator, else 403;
  creating a contingent: `housing.contingents.manage`.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse, reverse_lazy
from django.utils import timezone

from lda.access.decorators import permission
from lda.access.policy import actor_for, get_or_404, scope
from lda.accounts.models import Organisation
from lda.audit.log import record_refusal
from lda.households.scopes import coordinator_territories
from lda.housing import codes, lifecycle, services, supply_figures
from lda.housing import supply_forms as forms
from lda.housing.acting import written
from lda.housing.models import ContingentQuota, Proposal, Residence, Unit, UnitEvent
from lda.housing.scopes import landlord_proposal_filter
from lda.housing.supply_access import author_for, landlord_choices, manages, owner_organisations

PAGE_SIZE = 50
U = codes.UnitStatus
P = codes.ProposalStatus
AWAITING_COMMITTEE = [P.SENT, P.POSTPONED]


def proposal_url(pk: int) -> str | None:
    """The proposal page, once the proposals' pages exist (built in another module)."""
    try:
        return reverse("housing:proposal", args=[pk])
    except NoReverseMatch:
        return None


def _data(request):
    return request.POST if request.method == "POST" else None


def _out_of_reach(request, object_type: str, pk) -> Http404:
    record_refusal(request, object_type=object_type, object_id=str(pk))
    return Http404()


def _units():
    return Unit.objects.select_related("landlord", "contingent__holder", "residence")


def _unit(request, pk) -> Unit:
    return get_or_404(request.user, _units(), pk=pk)


def _managed(request, pk) -> Unit:
    """A unit the user may write; 404 for one it only reads (a holder) or cannot reach."""
    unit = _unit(request, pk)
    if not manages(actor_for(request.user), unit):
        raise _out_of_reach(request, "unit", pk)
    return unit


# --- units ---------------------------------------------------------------------------------------


@permission("housing.units.view")
def unit_list(request):
    """The coordinator: the territory's units; a landlord: its own and those of the contingents it
    holds; a social worker: those its organisation manages (the unit's scope decides)."""
    visible = scope(request.user, Unit.objects.all())
    landlords = Organisation.objects.filter(pk__in=visible.values("landlord_id")).order_by("name")
    communes = visible.order_by("commune_name", "commune_insee").values_list("commune_insee", "commune_name").distinct()
    form = forms.UnitFilterForm(
        request.GET or None, landlords=list(landlords.values_list("pk", "name")), communes=list(communes)
    )
    data = form.cleaned_data if form.is_valid() else {}
    rows = visible
    for key, field in (
        ("etat", "status"),
        ("type", "kind"),
        ("typologie", "typology"),
        ("contingent", "contingent_kind"),
        ("bailleur", "landlord_id"),
        ("commune", "commune_insee"),
    ):
        if data.get(key):
            rows = rows.filter(**{field: data[key]})
    rows = rows.select_related("landlord", "contingent").order_by("commune_name", "reference", "pk")
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page": page,
        "may_create": actor_for(request.user).has("housing.units.manage"),
        "today": timezone.localdate(),
    }
    return render(request, "housing/supply/unit_list.html", context)


UNIT_ACTIONS = [
    ("unit_make_available", "make_available", "Rendre disponible"),
    ("unit_withdraw", "withdraw", "Retirer de l'offre"),
    ("unit_free", "free", "Enregistrer la libération"),
]


def _event_rows(events):
    actions = {name: t.label for name, t in lifecycle.UNIT_TRANSITIONS.items()}
    actions["create"] = "entrée dans l'offre"
    return [{"event": e, "action": actions.get(e.action, e.action)} for e in events]


@permission("housing.units.view")
def unit_detail(request, pk):
    unit = _unit(request, pk)
    actor = actor_for(request.user)
    may_manage = actor.has("housing.units.manage") and manages(actor, unit)
    events = scope(request.user, UnitEvent.objects.filter(unit=unit)).select_related("user", "organisation")
    proposals = (
        scope(request.user, Proposal.objects.filter(unit=unit))
        .select_related("household", "refusal_reason")
        .order_by("-created_at", "-pk")
    )
    context = {
        "unit": unit,
        "events": _event_rows(events),
        "proposals": [{"proposal": p, "url": proposal_url(p.pk)} for p in proposals],
        "share": services.residence_share(unit.residence) if unit.residence_id else None,
        "may_manage": may_manage,
        "actions": [
            (name, label)
            for name, action, label in UNIT_ACTIONS
            if may_manage and lifecycle.unit_allowed(unit.status, action)
        ],
    }
    return render(request, "housing/supply/unit_detail.html", context)


def _unit_form(request, actor, instance=None, form_class=forms.UnitForm):
    contingents = scope(request.user, ContingentQuota.objects.all())
    if instance is not None and instance.contingent_id:
        # The unit keeps the contingent it has, even one the user does not hold.
        contingents = contingents | ContingentQuota.objects.filter(pk=instance.contingent_id)
    landlords = landlord_choices(actor)
    if instance is not None:
        landlords = landlords.filter(territory_id=instance.territory_id)
    return form_class(
        _data(request),
        instance=instance,
        initial={"version": instance.version} if instance is not None else {"status_on": timezone.localdate()},
        landlords=landlords,
        residences=scope(request.user, Residence.objects.all()),
        contingents=contingents,
    )


def _form_page(request, form, title, cancel, *, intro="", submit="Enregistrer", breadcrumbs=()):
    context = {
        "form": form,
        "title": title,
        "cancel": cancel,
        "intro": intro,
        "submit": submit,
        "breadcrumbs": breadcrumbs,
    }
    return render(request, "housing/supply/form.html", context)


UNITS_CRUMB = ("Logements", reverse_lazy("housing_supply:units"))


@permission("housing.units.manage")
def unit_create(request):
    """A landlord records its own units, a social worker those its organisation manages, the
    coordinator any of its territory."""
    actor = actor_for(request.user)
    form = _unit_form(request, actor, form_class=forms.UnitCreateForm)
    if request.method == "POST" and form.is_valid():
        fields = form.unit_fields()
        landlord = fields["landlord"]
        author = author_for(request.user, actor, landlord.territory_id, landlord.pk)
        unit = written(
            form,
            lambda: services.create_unit(
                landlord.territory,
                author,
                status=form.cleaned_data["status"],
                on=form.cleaned_data["status_on"],
                **fields,
            ),
        )
        if unit is not None:
            messages.success(request, f"Le logement {unit.reference} est enregistré.")
            return redirect("housing_supply:unit", pk=unit.pk)
    return _form_page(
        request,
        form,
        "Nouveau logement",
        reverse("housing_supply:units"),
        intro="Décrivez le logement tel que le rapprochement en a besoin : typologie, surface, loyer et charges, "
        "accessibilité, commune et contingent.",
        breadcrumbs=[UNITS_CRUMB],
    )


@permission("housing.units.manage")
def unit_edit(request, pk):
    unit = _managed(request, pk)
    actor = actor_for(request.user)
    form = _unit_form(request, actor, instance=unit)
    form.fields["version"].required = True
    if request.method == "POST" and form.is_valid():
        changes = form.changes(unit)
        author = author_for(request.user, actor, unit.territory_id, unit.landlord_id)
        if not changes or written(
            form, lambda: services.update_unit(unit, author, form.cleaned_data["version"], **changes)
        ):
            messages.success(request, "Le logement est à jour." if changes else "Aucune modification à enregistrer.")
            return redirect("housing_supply:unit", pk=unit.pk)
    return _form_page(
        request,
        form,
        f"Modifier le logement {unit.reference}",
        reverse("housing_supply:unit", args=[unit.pk]),
        breadcrumbs=[UNITS_CRUMB, (unit.reference, reverse("housing_supply:unit", args=[unit.pk]))],
    )


def _status_action(request, unit, form, *, action, write, success, title, intro="", danger=False, **extra):
    """GET shows the form, or why the life cycle refuses the action now; a valid POST calls the
    service and returns to the unit; refusals stay on the form with the user's input."""
    refused = None
    if request.method == "POST":
        if form.is_valid() and written(form, write):
            messages.success(request, success)
            return redirect("housing_supply:unit", pk=unit.pk)
    elif not lifecycle.unit_allowed(unit.status, action):
        try:
            lifecycle.unit_target(unit.status, action)
        except lifecycle.TransitionRefused as error:
            refused = str(error)
    context = {
        "unit": unit,
        "form": form,
        "title": title,
        "intro": intro,
        "refused": refused,
        "danger": danger,
        "share": None,
        **extra,
    }
    return render(request, "housing/supply/action.html", context)


def _versioned(unit, **initial):
    return {"version": unit.version, "on": timezone.localdate(), **initial}


@permission("housing.units.manage")
def unit_make_available(request, pk):
    unit = _managed(request, pk)
    form = forms.MakeAvailableForm(_data(request), initial=_versioned(unit))
    author = author_for(request.user, actor_for(request.user), unit.territory_id, unit.landlord_id)
    return _status_action(
        request,
        unit,
        form,
        action="make_available",
        write=lambda: services.make_available(
            unit, author, form.cleaned_data["on"], expected_version=form.cleaned_data["version"]
        ),
        success="Le logement est disponible : il entre dans le prochain rapprochement.",
        title="Rendre le logement disponible",
    )


@permission("housing.units.manage")
def unit_withdraw(request, pk):
    unit = _managed(request, pk)
    form = forms.WithdrawForm(_data(request), initial=_versioned(unit))
    author = author_for(request.user, actor_for(request.user), unit.territory_id, unit.landlord_id)
    return _status_action(
        request,
        unit,
        form,
        action="withdraw",
        write=lambda: services.withdraw_unit(
            unit,
            author,
            form.cleaned_data["note"],
            form.cleaned_data["on"],
            expected_version=form.cleaned_data["version"],
        ),
        success="Le logement est retiré de l'offre.",
        title="Retirer le logement de l'offre",
        intro="Un logement retiré n'est plus proposé. Il pourra être rendu disponible à nouveau.",
        danger=True,
    )


@permission("housing.units.manage")
def unit_free(request, pk):
    """The household left. A residence unit says whether it is handed to the SIAO, with the
    residence's share so far and whether this one is due to keep it."""
    unit = _managed(request, pk)
    form = forms.FreeForm(_data(request), initial=_versioned(unit), residence=unit.residence)
    author = author_for(request.user, actor_for(request.user), unit.territory_id, unit.landlord_id)
    return _status_action(
        request,
        unit,
        form,
        action="free",
        write=lambda: services.free_unit(
            unit,
            author,
            form.cleaned_data["on"],
            form.cleaned_data.get("to_siao"),
            expected_version=form.cleaned_data["version"],
        ),
        success="La libération est enregistrée : le logement est de nouveau disponible.",
        title="Enregistrer la libération du logement",
        share=services.residence_share(unit.residence) if unit.residence_id else None,
    )


# --- residences ----------------------------------------------------------------------------------


@permission("housing.units.view")
def residence_list(request):
    rows = supply_figures.with_siao_counts(
        scope(request.user, Residence.objects.all()).select_related("manager")
    ).order_by("name", "pk")
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    entries = [{"residence": r, "share": supply_figures.siao_status(r)} for r in page.object_list]
    actor = actor_for(request.user)
    may_create = actor.has("housing.units.manage") and bool(coordinator_territories(actor))
    return render(
        request, "housing/supply/residence_list.html", {"page": page, "entries": entries, "may_create": may_create}
    )


@permission("housing.units.view")
def residence_detail(request, pk):
    residence = get_or_404(request.user, Residence.objects.select_related("manager"), pk=pk)
    units = (
        scope(request.user, Unit.objects.filter(residence=residence))
        .select_related("contingent")
        .order_by("reference", "pk")
    )
    page = Paginator(units, PAGE_SIZE).get_page(request.GET.get("page"))
    freed = (
        scope(request.user, UnitEvent.objects.filter(unit__residence=residence, action="free"))
        .select_related("unit")
        .order_by("-occurred_on", "-pk")[:PAGE_SIZE]
    )
    by_status = dict(
        scope(request.user, Unit.objects.filter(residence=residence))
        .order_by()
        .values_list("status")
        .annotate(n=Count("pk"))
    )
    context = {
        "residence": residence,
        "share": services.residence_share(residence),
        "page": page,
        "freed": list(freed),
        "by_status": [(label, by_status.get(code, 0)) for code, label in U.choices],
    }
    return render(request, "housing/supply/residence_detail.html", context)


def _coordinated_organisations(request, actor):
    """Organisations of the territories the user coordinates; 403 for anyone else."""
    territories = coordinator_territories(actor)
    if not territories:
        record_refusal(request, object_type="permission", object_id="housing.coordinator")
        raise PermissionDenied
    return Organisation.objects.filter(territory_id__in=territories, is_active=True).order_by("name")


@permission("housing.units.manage")
def residence_create(request):
    actor = actor_for(request.user)
    form = forms.ResidenceForm(_data(request), managers=_coordinated_organisations(request, actor))
    if request.method == "POST" and form.is_valid():
        fields = form.residence_fields()
        territory = fields["manager"].territory
        author = author_for(request.user, actor, territory.pk)
        residence = written(form, lambda: services.create_residence(territory, author, **fields))
        if residence is not None:
            messages.success(request, f"La résidence {residence.name} est enregistrée.")
            return redirect("housing_supply:residence", pk=residence.pk)
    return _form_page(
        request,
        form,
        "Nouvelle résidence",
        reverse("housing_supply:residences"),
        intro="Une pension de famille, une résidence accueil, une résidence sociale ou un FJT, et la part de ses "
        "logements libérés confiée au SIAO.",
        breadcrumbs=[("Résidences", reverse("housing_supply:residences"))],
    )


# --- contingents ---------------------------------------------------------------------------------


def _year(request) -> int:
    form = forms.YearForm(request.GET or None)
    year = form.cleaned_data.get("annee") if form.is_valid() else None
    return year or timezone.localdate().year


@permission("housing.contingents.view")
def contingent_list(request):
    """The coordinator: the territory's contingents; a holder: those it holds."""
    year, today = _year(request), timezone.localdate()
    rows = supply_figures.with_designation_counts(
        scope(request.user, ContingentQuota.objects.all()).select_related("holder"), year
    ).order_by("label", "pk")
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    entries = [
        {
            "contingent": c,
            "progress": supply_figures.progress(c.yearly_target, c.designation_count, year, today),
        }
        for c in page.object_list
    ]
    context = {
        "page": page,
        "entries": entries,
        "year": year,
        "may_create": actor_for(request.user).has("housing.contingents.manage"),
    }
    return render(request, "housing/supply/contingent_list.html", context)


@permission("housing.contingents.view")
def contingent_detail(request, pk):
    contingent = get_or_404(request.user, ContingentQuota.objects.select_related("holder"), pk=pk)
    year, today = _year(request), timezone.localdate()
    units = scope(request.user, Unit.objects.filter(contingent=contingent)).select_related("landlord")
    page = Paginator(units.order_by("reference", "pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    proposals = scope(request.user, Proposal.objects.filter(unit__contingent=contingent))
    outcomes = supply_figures.outcomes(proposals, year)
    designations = (
        supply_figures.designations(proposals, year)
        .select_related("unit", "household", "refusal_reason")
        .order_by("-sent_on", "-pk")
    )
    context = {
        "contingent": contingent,
        "year": year,
        "years": list(range(today.year, today.year - 5, -1)),
        "page": page,
        "outcomes": outcomes,
        "progress": supply_figures.progress(contingent.yearly_target, outcomes["total"], year, today),
        "designations": [{"proposal": p, "url": proposal_url(p.pk)} for p in designations],
    }
    return render(request, "housing/supply/contingent_detail.html", context)


@permission("housing.contingents.manage")
def contingent_create(request):
    actor = actor_for(request.user)
    form = forms.ContingentForm(_data(request), holders=_coordinated_organisations(request, actor))
    if request.method == "POST" and form.is_valid():
        fields = form.contingent_fields()
        territory = fields["holder"].territory
        author = author_for(request.user, actor, territory.pk)
        contingent = written(form, lambda: services.create_contingent(territory, author, **fields))
        if contingent is not None:
            messages.success(request, f"Le contingent « {contingent.label} » est enregistré.")
            return redirect("housing_supply:contingent", pk=contingent.pk)
    return _form_page(
        request,
        form,
        "Nouveau contingent",
        reverse("housing_supply:contingents"),
        intro="Un contingent de réservation, son réservataire et, s'il y en a un, son objectif annuel de désignations.",
        breadcrumbs=[("Contingents", reverse("housing_supply:contingents"))],
    )


# --- the landlord's home -------------------------------------------------------------------------


@permission("housing.units.view")
def mine(request):
    """« Mes logements et candidatures » : the units of the user's organisations by status, and the
    candidacies sent to it that await the committee's decision."""
    actor = actor_for(request.user)
    owned = scope(request.user, Unit.objects.filter(landlord_id__in=owner_organisations(actor)))
    counts = dict(owned.order_by().values_list("status").annotate(n=Count("pk")))
    moving = owned.filter(status__in=[U.AVAILABLE, U.PROPOSED, U.ALLOCATED]).select_related("contingent")
    waiting = (
        scope(request.user, Proposal.objects.filter(landlord_proposal_filter(actor), status__in=AWAITING_COMMITTEE))
        .select_related("unit", "household")
        .order_by("sent_on", "unit__reference", "rank", "pk")
    )
    context = {
        "by_status": [(code, label, counts.get(code, 0)) for code, label in U.choices],
        "total": sum(counts.values()),
        "moving": list(moving.order_by("status", "reference", "pk")[:PAGE_SIZE]),
        "waiting": [{"proposal": p, "url": proposal_url(p.pk)} for p in waiting[:PAGE_SIZE]],
        "has_organisation": bool(owner_organisations(actor)),
        "holds_contingents": actor.has("housing.contingents.view"),
    }
    return render(request, "housing/supply/mine.html", context)
