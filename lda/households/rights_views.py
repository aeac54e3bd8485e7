"""Rights of the person (spec 6): the rights page of a household (restriction and opposition,
the exports of everything held), the rectification history (the coordinator) and the edit of a
person's identity.

Exports are re-authenticated, audited without their values, and reserved to who passes the
second gate (the coordinator, the referent organisation's and the consented accompanying
organisation's workers): the document must be complete.
"""

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from lda.access.decorators import permission
from lda.access.policy import can, get_or_404
from lda.accounts.views import reauthentication_needed, recent_authentication_required
from lda.audit.log import record, record_read, record_refusal
from lda.audit.models import Action
from lda.households import codes, dossier, forms, rights, services
from lda.households.models import FieldChange, Household, Person
from lda.households.views import _apply, author, file_access

HISTORY_PAGE_SIZE = 50


def _household(request, pk):
    return get_or_404(
        request.user,
        Household.objects.select_related("territory", "created_by_organisation", "referent_organisation"),
        pk=pk,
    )


def _protected_gate(request, household):
    """A protected file asks for the password again before it opens (as the file itself does)."""
    if household.protected:
        return reauthentication_needed(request)
    return None


@permission("households.rights")
def rights_page(request, pk):
    household = _household(request, pk)
    if gate := _protected_gate(request, household):
        return gate
    allowed = file_access(request, household)
    persons = list(household.persons.filter(merged_into__isnull=True).select_related("rights_recorded_by"))
    chosen = None
    wanted = request.POST.get("person") or request.GET.get("personne")
    if wanted and str(wanted).isdigit():
        chosen = next((p for p in persons if p.pk == int(wanted)), None)
    chosen = chosen or (persons[0] if persons else None)
    initial = {"version": household.version}
    if chosen is not None:
        initial.update(
            person=chosen.pk,
            restricted=chosen.rights_restricted,
            restricted_on=chosen.rights_restricted_on,
            opposed=chosen.rights_opposed,
            opposed_on=chosen.rights_opposed_on,
            reason=chosen.rights_reason if allowed.sensitive else "",
        )
    form = forms.RightsForm(request.POST or None, initial=initial, persons=persons)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        person = next(p for p in persons if p.pk == d["person"])
        request_ = rights.RightsRequest(
            restricted=d["restricted"],
            restricted_on=d["restricted_on"],
            opposed=d["opposed"],
            opposed_on=d["opposed_on"],
            reason=d["reason"],
        )
        if _apply(
            request,
            form,
            lambda: services.set_rights(household, person, author(request), request_, d["version"]),
            f"La demande de {person} est enregistrée ; ses effets s'appliquent dès maintenant.",
        ):
            return redirect("households:rights", pk=household.pk)
    record_read(request, household, section="droits", protected=household.protected)
    effects = dict(codes.RightsEffect.choices)
    return render(
        request,
        "households/rights.html",
        {
            "household": household,
            "access": allowed,
            "persons": persons,
            "form": form,
            "effects_table": [
                (label, [effects[e] for e in sorted(codes.RIGHTS_EFFECTS[flag])])
                for flag, label in codes.RightsFlag.choices
            ],
            "blocks": [effects[b] for b in household.rights_blocks or []],
            "can_export": allowed.sensitive,
            "can_history": can(request.user, "households.history"),
        },
    )


def _export(request, pk, kind):
    household = _household(request, pk)
    allowed = file_access(request, household)
    if not allowed.sensitive:
        # An incomplete "everything held" would mislead the person: only full viewers export.
        record_refusal(request, object_type="household", object_id=str(household.pk))
        raise PermissionDenied
    sections = dossier.build(household, allowed.whereabouts)
    now = timezone.localtime()
    record(
        Action.EXPORT,
        subject=request,
        object_type="household",
        object_id=household.pk,
        section=f"droits_{kind}",
        protected=household.protected,
    )
    stamp = now.strftime("%Y-%m-%d")
    if kind == "pdf":
        content = dossier.to_pdf(household, sections, now, household.territory.name)
        response = HttpResponse(content, content_type="application/pdf")
    else:
        content = dossier.to_json(household, sections, now)
        response = HttpResponse(content, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="donnees-{household.reference}-{stamp}.{kind}"'
    return response


@permission("households.rights")
@recent_authentication_required
def rights_export_pdf(request, pk):
    return _export(request, pk, "pdf")


@permission("households.rights")
@recent_authentication_required
def rights_export_json(request, pk):
    return _export(request, pk, "json")


@permission("households.history")
def field_history(request, pk):
    household = _household(request, pk)
    if gate := _protected_gate(request, household):
        return gate
    allowed = file_access(request, household)
    rows = (
        FieldChange.objects.for_user(request.user)
        .filter(household=household)
        .select_related("author", "organisation", "person")
        .order_by("-at", "-pk")
    )
    page = Paginator(rows, HISTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    record_read(request, household, section="historique", protected=household.protected)
    lines = [
        {
            "change": c,
            "shown": rights.shown(c.values_kept, c.section, allowed.sensitive, allowed.whereabouts),
        }
        for c in page.object_list
    ]
    return render(request, "households/field_history.html", {"household": household, "page": page, "lines": lines})


@permission("households.edit")
def person_edit(request, pk, person_pk):
    household = _household(request, pk)
    if gate := _protected_gate(request, household):
        return gate
    person = get_or_404(
        request.user, Person.objects.filter(household=household, merged_into__isnull=True), pk=person_pk
    )
    allowed = file_access(request, household)
    initial = {name: getattr(person, name) for name in services.PERSON_FIELDS}
    initial["version"] = household.version
    form = forms.PersonEditForm(request.POST or None, initial=initial, sees_sensitive=allowed.sensitive)
    if request.method == "POST" and form.is_valid():
        d = dict(form.cleaned_data)
        version = d.pop("version")
        d.setdefault("administrative_status", person.administrative_status)
        data = services.PersonData(**d, is_head=person.is_head)
        if _apply(
            request,
            form,
            lambda: services.update_person(household, person, author(request), data, version),
            f"Les informations de {person} sont enregistrées ; l'historique garde les anciennes valeurs.",
        ):
            return redirect("households:detail", pk=household.pk)
    return render(
        request,
        "households/edit.html",
        {
            "household": household,
            "form": form,
            "title": f"Modifier {person}",
            "intro": "Rectification des informations d'une personne : chaque changement est gardé dans "
            "l'historique des modifications (ancienne valeur, auteur, date).",
        },
    )
