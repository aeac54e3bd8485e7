"""Retention pages. The coordinator and the administrator see the whole territory's households
nearing the end of their retention and manage legal holds; a referent sees the warnings of the
households its organisation is referent of (the alert in the app). References only: no name."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone

from lda.access.decorators import permission
from lda.access.policy import actor_for, get_or_404, scope
from lda.retention import facts, services
from lda.retention.forms import HoldForm, LiftForm
from lda.retention.models import LegalHold
from lda.retention.rules import State
from lda.retention.scopes import TERRITORY_WIDE

SHOWN = (State.PURGE, State.WARNED, State.WARN, State.HELD)


def _apply_errors(form, error: ValidationError):
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)


@permission("retention.view")
def due(request):
    actor = actor_for(request.user)
    today = timezone.localdate()
    wide = actor.territories(TERRITORY_WIDE)
    referent_orgs = {g.organisation_id for g in actor.grants if g.role == "referent"}
    rows = []
    for territory_id in sorted(actor.territories("retention.view")):
        for c in facts.candidates(territory_id, today):
            if c.decision.state not in SHOWN:
                continue
            if territory_id in wide or c.referent_organisation_id in referent_orgs or c.referent_id == actor.user_id:
                rows.append(c)
    rows.sort(key=lambda c: (SHOWN.index(c.decision.state), c.decision.purge_on or today, c.household_id))
    return render(request, "retention/due.html", {"rows": rows, "today": today, "manages": bool(wide), "states": State})


@permission("retention.holds")
def holds(request):
    rows = scope(request.user, LegalHold.objects.select_related("household", "placed_by", "lifted_by")).order_by(
        "lifted_at", "-placed_at", "-pk"
    )[:500]
    return render(request, "retention/holds.html", {"holds": list(rows)})


def _territory(request) -> int:
    return sorted(actor_for(request.user).territories(TERRITORY_WIDE))[0]


@permission("retention.holds")
def hold_place(request):
    form = HoldForm(request.POST or None, initial={"reference": request.GET.get("reference", "")[:20]})
    if request.method == "POST" and form.is_valid():
        try:
            services.place_hold(
                _territory(request), form.cleaned_data["reference"], form.cleaned_data["reason"], request.user
            )
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, "Gel juridique posé : le dossier ne sera pas anonymisé tant qu'il dure.")
            return redirect("retention:holds")
    return render(request, "retention/hold_form.html", {"form": form, "title": "Poser un gel juridique"})


@permission("retention.holds")
def hold_lift(request, pk):
    hold = get_or_404(request.user, LegalHold.objects.select_related("household"), pk=pk)
    form = LiftForm(request.POST or None)
    if hold.lifted_at is not None:
        messages.info(request, "Ce gel juridique est déjà levé.")
        return redirect("retention:holds")
    if request.method == "POST" and form.is_valid():
        try:
            services.lift_hold(hold, form.cleaned_data["lift_reason"], request.user)
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, "Gel juridique levé : les règles de conservation s'appliquent de nouveau.")
            return redirect("retention:holds")
    return render(request, "retention/hold_form.html", {"form": form, "title": "Lever un gel juridique", "hold": hold})
