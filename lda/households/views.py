"""Pages of the by-name list: the list, the caseload, the household file and its timeline, and
the edits of the file. Referral and orientation pages are in `referral_views.py`.

Views parse, ask the policy, call `services`, render. Sensitive sections go through
`visibility.access`; every write carries the version the user started from.
"""

from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Exists, OuterRef, Prefetch, Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from lda.access.decorators import permission
from lda.access.policy import actor_for, can, get_or_404
from lda.accounts.models import Organisation, User
from lda.accounts.roles import OrganisationKind, Role
from lda.accounts.views import reauthentication_needed, recent_authentication_required
from lda.audit.log import record_export, record_read
from lda.audit.views import CONSULTABLE
from lda.core.exports import csv_response, safe_cell
from lda.households import codes, forms, pathway, services, timeline
from lda.households.composition import composition
from lda.households.ethos import ETHOS_CATEGORIES, KINDS
from lda.households.models import Household, HouseholdEvent, LivingSituation, Need, Person
from lda.households.normalise import fold
from lda.households.scopes import not_blocked, sensitive_filter
from lda.households.visibility import FileFacts, access

PAGE_SIZE = 50
NO_CONTACT_DAYS = 30  # the caseload flags households without contact for 30 days
REVIEW_SOON_DAYS = 15

SENSITIVE_KINDS = [kind.code for kind in KINDS.values() if kind.sensitive]

CONSULTABLE["household"] = lambda viewer, pk: get_or_404(viewer, Household.objects.all(), pk=pk)


def author(request) -> services.Author:
    return services.Author(user=request.user, organisation_id=actor_for(request.user).organisation_id)


def organisation_kinds(actor) -> dict[int, str]:
    ids = {g.organisation_id for g in actor.grants}
    return dict(Organisation.objects.filter(pk__in=ids).values_list("pk", "kind"))


def heads_prefetch():
    return Prefetch(
        "persons",
        queryset=Person.objects.filter(is_head=True, merged_into__isnull=True).only(
            "household_id", "first_name", "last_name", "birth_date"
        ),
        to_attr="heads",
    )


# --- the list ------------------------------------------------------------------------------------

SORTS = {
    "-recent": ["-created_at", "-pk"],
    "anciennete": ["entered_list_on", "pk"],
    "contact": ["last_contact_on", "pk"],
    "reference": ["reference"],
}


def _filter_choices(actor):
    territories = {g.territory_id for g in actor.grants}
    referents = (
        User.objects.filter(
            memberships__organisation__territory_id__in=territories,
            memberships__role=Role.REFERENT,
            memberships__is_active=True,
        )
        .order_by("last_name", "first_name")
        .values_list("pk", "first_name", "last_name")
        .distinct()
    )
    organisations = Organisation.objects.filter(territory_id__in=territories, is_active=True).order_by("name")
    return (
        [(pk, f"{first} {last}") for pk, first, last in referents],
        list(organisations.values_list("pk", "name")),
    )


def filtered_households(request):
    """The households of the list for the request's filters, within the viewer's rights."""
    actor = actor_for(request.user)
    referents, organisations = _filter_choices(actor)
    form = forms.ListFilterForm(request.GET or None, referents=referents, organisations=organisations)
    data = form.cleaned_data if form.is_valid() else {}
    rows = Household.objects.for_user(request.user).exclude(status=codes.HouseholdStatus.MERGED)
    status = data.get("statut") or "actifs"
    if status == "actifs":
        rows = rows.filter(status__in=codes.ACTIVE_STATUSES)
    elif status != "tous":
        rows = rows.filter(status=status)
    if data.get("q"):
        term = data["q"].strip()
        folded = fold(term)
        names = Person.objects.filter(household=OuterRef("pk"), name_key__contains=folded) if folded else None
        condition = Q(reference__icontains=term)
        if names is not None:
            condition |= Q(Exists(names))
        rows = rows.filter(condition)
    # Filters on a sensitive value only reach the files whose sensitive sections the viewer sees.
    if data.get("ethos"):
        rows = rows.filter(current_ethos=data["ethos"])
        if any(kind.sensitive for kind in KINDS.values() if kind.ethos == data["ethos"]):
            rows = rows.filter(sensitive_filter(actor))
    if data.get("public"):
        rows = rows.filter(priority_publics__icontains=f'"{data["public"]}"')
        if data["public"] in codes.PRIORITY_SENSITIVE:
            rows = rows.filter(sensitive_filter(actor))
    if data.get("besoin"):
        open_need = Need.objects.filter(household=OuterRef("pk"), kind=data["besoin"]).exclude(
            status=codes.NeedStatus.MET
        )
        rows = rows.filter(Exists(open_need))
        if data["besoin"] in codes.NEED_SENSITIVE:
            rows = rows.filter(sensitive_filter(actor))
    if data.get("referent"):
        rows = rows.filter(referent_id=data["referent"])
    if data.get("organisation"):
        org = data["organisation"]
        rows = rows.filter(Q(referent_organisation_id=org) | Q(accompanying_organisation_id=org))
    if data.get("anciennete"):
        limit = timezone.localdate() - timedelta(days=round(data["anciennete"] * 30.44))
        rows = rows.filter(entered_list_on__lte=limit)
    rows = rows.order_by(*SORTS.get(data.get("tri") or "-recent", SORTS["-recent"]))
    return form, rows


def _row_view(households, actor, today):
    """What the list shows of each household: sensitive ETHOS categories only to those who see them."""
    households = list(households)
    kinds = organisation_kinds(actor)
    # Which of these households' current situations reveal a sensitive category: one query for
    # the page's rows only, not a subquery over the whole list.
    sensitive = set(
        LivingSituation.objects.filter(
            household_id__in=[h.pk for h in households], ended_on__isnull=True, kind__in=SENSITIVE_KINDS
        ).values_list("household_id", flat=True)
    )
    rows = []
    for household in households:
        allowed = access(actor, FileFacts.of(household), kinds)
        head = household.heads[0] if household.heads else None
        ethos = household.current_ethos
        situation = None
        if ethos and (allowed.sensitive or household.pk not in sensitive):
            situation = ETHOS_CATEGORIES[ethos]
        rows.append(
            {
                "household": household,
                "head": head,
                "situation": situation,
                "ethos": ethos if situation else None,
                "months": round((today - household.entered_list_on).days / 30.44, 1)
                if household.entered_list_on
                else None,
            }
        )
    return rows


def _with_display_fields(rows):
    return rows.select_related("referent", "referent_organisation", "accompanying_organisation").prefetch_related(
        heads_prefetch()
    )


@permission("households.view")
def household_list(request):
    form, rows = filtered_households(request)
    page = Paginator(_with_display_fields(rows), PAGE_SIZE).get_page(request.GET.get("page"))
    actor = actor_for(request.user)
    return render(
        request,
        "households/list.html",
        {
            "form": form,
            "page": page,
            "rows": _row_view(page.object_list, actor, timezone.localdate()),
            "can_export": can(request.user, "households.export"),
            "can_refer": can(request.user, "referrals.create"),
        },
    )


EXPORT_HEADER = [
    "Référence",
    "Statut",
    "Nom",
    "Prénom",
    "Situation (ETHOS)",
    "Entrée sur la liste",
    "Dernier contact",
    "Organisation référente",
    "Référent·e",
    "Accompagnement",
    "DALO",
]


@permission("households.export")
@recent_authentication_required
def household_export(request):
    _, rows = filtered_households(request)
    # Households whose persons restricted the processing stay out of exports (spec 6).
    rows = rows.filter(not_blocked(codes.RightsEffect.EXPORTS))
    actor = actor_for(request.user)
    data = [
        [
            r["household"].reference,
            r["household"].get_status_display(),
            r["head"].last_name if r["head"] else "",
            r["head"].first_name if r["head"] else "",
            f"{r['ethos']}. {r['situation']}" if r["situation"] else "",
            r["household"].entered_list_on.strftime("%d/%m/%Y") if r["household"].entered_list_on else "",
            r["household"].last_contact_on.strftime("%d/%m/%Y") if r["household"].last_contact_on else "",
            r["household"].referent_organisation.name if r["household"].referent_organisation else "",
            r["household"].referent.full_name if r["household"].referent else "",
            r["household"].accompanying_organisation.name if r["household"].accompanying_organisation else "",
            "oui" if r["household"].dalo_recognised else "non",
        ]
        for r in _row_view(_with_display_fields(rows), actor, timezone.localdate())
    ]
    record_export(request, "household_list", len(data))
    stamp = timezone.localdate().strftime("%Y-%m-%d")
    if request.GET.get("format") == "xlsx":
        return _xlsx_response(f"menages-{stamp}.xlsx", EXPORT_HEADER, data)
    return csv_response(f"menages-{stamp}.csv", EXPORT_HEADER, data)


def _xlsx_response(filename, header, rows):
    from io import BytesIO

    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("Ménages")
    sheet.append(header)
    for row in rows:
        sheet.append([safe_cell(v) for v in row])
    buffer = BytesIO()
    book.save(buffer)
    response = HttpResponse(
        buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- the caseload --------------------------------------------------------------------------------


@permission("households.caseload")
def caseload(request):
    """The referent's file active (about 100 households, seed 004) and what needs attention."""
    today = timezone.localdate()
    rows = (
        Household.objects.for_user(request.user)
        .filter(referent=request.user, status__in=codes.ACTIVE_STATUSES)
        .order_by("next_review_on", "last_contact_on", "pk")
    )
    households = list(_with_display_fields(rows))
    no_contact_since = today - timedelta(days=NO_CONTACT_DAYS)
    entries = []
    counts = {"no_contact": 0, "review_overdue": 0, "review_soon": 0}
    for row in _row_view(households, actor_for(request.user), today):
        h = row["household"]
        flags = []
        if h.last_contact_on is None or h.last_contact_on < no_contact_since:
            flags.append("Pas de contact depuis plus de 30 jours")
            counts["no_contact"] += 1
        if h.next_review_on and h.next_review_on < today:
            flags.append("Point de situation en retard")
            counts["review_overdue"] += 1
        elif h.next_review_on and h.next_review_on <= today + timedelta(days=REVIEW_SOON_DAYS):
            flags.append("Point de situation dans moins de 15 jours")
            counts["review_soon"] += 1
        entries.append({**row, "flags": flags})
    entries.sort(key=lambda e: (not e["flags"], -len(e["flags"])))
    return render(request, "households/caseload.html", {"entries": entries, "counts": counts, "today": today})


# --- the household file --------------------------------------------------------------------------


def _household(request, pk):
    return get_or_404(request.user, Household.objects.select_related("territory", "current_episode"), pk=pk)


def file_access(request, household):
    actor = actor_for(request.user)
    viewers = set(household.protected_viewers.values_list("pk", flat=True)) if household.protected else set()
    return access(actor, FileFacts.of(household, viewers), organisation_kinds(actor))


@permission("households.view")
def household_detail(request, pk):
    household = get_or_404(
        request.user,
        Household.objects.select_related(
            "territory",
            "current_episode",
            "referent",
            "referent_organisation",
            "accompanying_organisation",
            "created_by_organisation",
            "merged_into",
        ),
        pk=pk,
    )
    if household.protected and (redirect_response := reauthentication_needed(request)):
        return redirect_response
    allowed = file_access(request, household)
    record_read(request, household, section="dossier", protected=household.protected)
    today = timezone.localdate()
    persons = list(household.persons.filter(merged_into__isnull=True))
    merged_ids = list(household.merged.values_list("pk", flat=True))
    events = list(
        HouseholdEvent.objects.filter(household_id__in=[household.pk, *merged_ids]).order_by(
            "occurred_on", "recorded_at", "pk"
        )
    )
    org_names = dict(
        Organisation.objects.filter(pk__in={e.organisation_id for e in events if e.organisation_id}).values_list(
            "pk", "name"
        )
    )
    situations = list(household.situations.all())
    needs = list(household.needs.all())
    publics = [
        (code, label, code in codes.PRIORITY_SENSITIVE)
        for code, label in codes.PriorityPublic.choices
        if code in household.priority_publics
    ]
    context = {
        "household": household,
        "access": allowed,
        "persons": persons,
        "composition": composition(persons, today),
        "resources": list(household.resources.select_related("person")),
        "situations": situations,
        "needs": needs,
        "publics": publics,
        "referrals": list(household.referrals.select_related("referring_organisation")),
        "orientations": list(household.orientations.select_related("accompanying_organisation")),
        "episodes": list(household.episodes.all()),
        "cases": list(household.commission_cases.select_related("commission")),
        "timeline": timeline.entries(events, allowed.sensitive, org_names),
        "actions": pathway.allowed_actions(household.status),
        "perms": {
            "edit": can(request.user, "households.edit"),
            "exit": can(request.user, "households.exit"),
            "decide": can(request.user, "referrals.decide"),
            "refer": can(request.user, "referrals.create"),
            "merge": can(request.user, "households.merge"),
            "consultations": can(request.user, "audit.consultations"),
            "rights": can(request.user, "households.rights"),
            "history": can(request.user, "households.history"),
        },
        "home_types": dict(codes.HomeType.choices),
        "consent_labels": [label for code, label in OrganisationKind.choices if code in household.consent_kinds],
        "today": today,
        "months_on_list": round((today - household.entered_list_on).days / 30.44, 1)
        if household.entered_list_on
        else None,
    }
    return render(request, "households/detail.html", context)


# --- edits of the file ---------------------------------------------------------------------------


def _apply(request, form, write, success):
    """Runs a service write; French errors go back onto the form, the user's input is kept."""
    try:
        write()
    except services.StaleVersion as error:
        form.add_error(None, str(error))
        return False
    except pathway.TransitionRefused as error:
        form.add_error(None, str(error))
        return False
    except ValidationError as error:
        for field, messages_ in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages_)
        return False
    messages.success(request, success)
    return True


def _edit_page(request, household, form, title, intro=""):
    return render(
        request, "households/edit.html", {"household": household, "form": form, "title": title, "intro": intro}
    )


def _form_page(request, household, form, write, success, title, intro=""):
    """The edit pages' one flow: a valid POST runs `write(cleaned_data)` and returns to the file;
    otherwise (or on a refused write) the form is shown again with its errors and the input."""
    if request.method == "POST" and form.is_valid():
        if _apply(request, form, lambda: write(form.cleaned_data), success):
            return redirect("households:detail", pk=household.pk)
    return _edit_page(request, household, form, title, intro)


@permission("households.edit")
def household_edit(request, pk):
    household = _household(request, pk)
    allowed = file_access(request, household)
    territory_referents = (
        User.objects.filter(
            memberships__organisation__territory_id=household.territory_id,
            memberships__role=Role.REFERENT,
            memberships__is_active=True,
        )
        .distinct()
        .order_by("last_name")
    )
    staff = (
        User.objects.filter(
            memberships__organisation__territory_id=household.territory_id,
            memberships__role__in=[Role.COORDINATOR, Role.REFERENT, Role.SOCIAL_WORKER],
            memberships__is_active=True,
            is_active=True,
        )
        .distinct()
        .order_by("last_name", "first_name")
    )
    special = (
        "version",
        "referent",
        "accepted_communes",
        "refused_communes",
        "wants_to_live_alone",
        "protected_viewers",
    )
    initial = {name: getattr(household, name) for name in forms.HouseholdForm.base_fields if name not in special}
    initial.update(
        version=household.version,
        referent=household.referent_id,
        accepted_communes=", ".join(household.accepted_communes),
        refused_communes=", ".join(household.refused_communes),
        wants_to_live_alone={None: "unknown", True: "true", False: "false"}[household.wants_to_live_alone],
        protected_viewers=list(household.protected_viewers.values_list("pk", flat=True)),
    )
    form = forms.HouseholdForm(
        request.POST or None,
        initial=initial,
        referents=territory_referents,
        staff=staff,
        sees_sensitive=allowed.sensitive,
        sees_whereabouts=allowed.whereabouts,
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        version = data.pop("version")
        data["referent"] = data.pop("referent")
        if not allowed.sensitive:
            kept = [p for p in household.priority_publics if p in codes.PRIORITY_SENSITIVE]
            data["priority_publics"] = sorted(set(data["priority_publics"]) | set(kept))
        else:
            data["priority_publics"] = sorted(data["priority_publics"])
        data["wished_home_types"] = sorted(data["wished_home_types"])
        data["consent_kinds"] = sorted(data["consent_kinds"]) if data["consent_given"] else []
        if not data["consent_given"]:
            data["consent_on"] = None
        if data["referent"] is not None:
            data["referent_organisation"] = data["referent"].memberships.filter(role=Role.REFERENT).first().organisation
        viewers = data.pop("protected_viewers", None)

        @transaction.atomic
        def write():
            services.update_household(household, author(request), version, **data)
            if viewers is not None and data.get("protected"):
                services.set_protected_viewers(household, author(request), viewers)

        if _apply(request, form, write, "Le dossier a été enregistré."):
            return redirect("households:detail", pk=household.pk)
    return _edit_page(request, household, form, "Modifier le dossier")


@permission("households.edit")
def situation_add(request, pk):
    household = _household(request, pk)
    form = forms.SituationForm(
        request.POST or None, initial={"version": household.version, "started_on": timezone.localdate()}
    )
    return _form_page(
        request,
        household,
        form,
        lambda d: services.record_situation(
            household, author(request), d["kind"], d["started_on"], d["detail"], d["version"]
        ),
        "La nouvelle situation est enregistrée ; la précédente est conservée dans l'historique.",
        "Nouvelle situation de logement",
        "L'historique n'est jamais effacé : la situation précédente se termine à la date de début de la nouvelle.",
    )


@permission("households.edit")
def person_add(request, pk):
    household = _household(request, pk)
    form = forms.PersonForm(request.POST or None)
    version = forms.VersionedForm(request.POST or None, initial={"version": household.version}, prefix="v")
    duplicates = []
    if request.method == "POST" and form.is_valid() and version.is_valid():
        d = dict(form.cleaned_data)
        confirmed = d.pop("confirm_distinct")
        data = services.PersonData(**d)
        duplicates = [] if confirmed else possible_duplicates(request, household.territory_id, [data], household.pk)
        if not duplicates and _apply(
            request,
            form,
            lambda: services.add_person(household, author(request), data, version.cleaned_data["version"]),
            "La personne a été ajoutée au ménage.",
        ):
            return redirect("households:detail", pk=household.pk)
    return render(
        request,
        "households/person_add.html",
        {"household": household, "form": form, "version_form": version, "duplicates": duplicates},
    )


DUPLICATES_SHOWN = 5
DUPLICATES_SEARCHED = 50  # matches looked at, so that files out of reach do not crowd out the viewer's own


def possible_duplicates(request, territory_id, persons, exclude_household_id=None):
    """Possible duplicates among the files the viewer may open, each with its link.

    A match in a file out of the viewer's reach is not mentioned at all, not even as "a file you
    may not open": the warning would tell anyone who may send a referral (a landlord, a prevention
    agent, any association) that a person of that name and birth date is on the territory's
    by-name list — and, through the reasons given, confirm their birth date — which decision 0013
    lets no one without a reason know. The coordinator sees every file, so its warning is complete;
    duplicates made by others are found on the coordinator's duplicates page and merged there.
    """
    from lda.households.linkage import possible_duplicates as find

    matches = find(territory_id, persons, exclude_household_id=exclude_household_id, limit=DUPLICATES_SEARCHED)
    visible = set(
        Household.objects.for_user(request.user)
        .filter(pk__in=[m.household_id for m in matches])
        .values_list("pk", flat=True)
    )
    return [{"match": m} for m in matches if m.household_id in visible][:DUPLICATES_SHOWN]


@permission("households.edit")
def need_record(request, pk):
    household = _household(request, pk)
    form = forms.NeedForm(request.POST or None, initial={"version": household.version})
    if not file_access(request, household).sensitive:
        form.fields["kind"].choices = [c for c in codes.NeedKind.choices if c[0] not in codes.NEED_SENSITIVE]
    return _form_page(
        request,
        household,
        form,
        lambda d: services.record_need(household, author(request), d["kind"], d["status"], d["version"]),
        "Le besoin est enregistré.",
        "Besoin du ménage",
    )


@permission("households.edit")
def resource_add(request, pk):
    household = _household(request, pk)
    form = forms.ResourceForm(
        request.POST or None,
        initial={"version": household.version},
        persons=household.persons.filter(merged_into__isnull=True),
    )
    return _form_page(
        request,
        household,
        form,
        lambda d: services.record_resource(
            household,
            author(request),
            d["kind"],
            d["monthly_amount"],
            d["person"],
            d["requested_on"],
            d["opened_on"],
            d["version"],
        ),
        "La ressource est enregistrée.",
        "Ressource",
    )


def _dated_initial(household):
    return {"version": household.version, "on": timezone.localdate()}


@permission("households.edit")
def contact_record(request, pk):
    household = _household(request, pk)
    return _form_page(
        request,
        household,
        forms.ContactForm(request.POST or None, initial=_dated_initial(household)),
        lambda d: services.record_contact(household, author(request), d["on"], d["version"]),
        "Le contact est enregistré.",
        "Contact avec le ménage",
    )


@permission("households.exit")
def household_exit(request, pk):
    household = _household(request, pk)
    return _form_page(
        request,
        household,
        forms.ExitForm(request.POST or None, initial=_dated_initial(household)),
        lambda d: services.leave_list(household, author(request), d["on"], d["reason"], d["housed_in"], d["version"]),
        "Le ménage est sorti de la liste.",
        "Sortie de la liste",
        "Une sortie a toujours un motif et une date.",
    )


@permission("households.exit")
def household_return(request, pk):
    household = _household(request, pk)
    return _form_page(
        request,
        household,
        forms.ReturnForm(request.POST or None, initial=_dated_initial(household)),
        lambda d: services.return_to_list(household, author(request), d["on"], d["version"]),
        "Le ménage revient : un nouvel épisode est ouvert, lié au précédent.",
        "Retour sur la liste",
        "Droit au recommencement : un nouvel épisode s'ouvre, l'historique du précédent est conservé.",
    )


@require_POST
@permission("households.edit")
def contact_today(request, pk):
    """One click from the caseload: a contact today."""
    household = _household(request, pk)
    try:
        services.record_contact(household, author(request), timezone.localdate())
        messages.success(request, f"Contact du jour enregistré pour {household.reference}.")
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect(
        request.POST.get("next") if request.POST.get("next") == "caseload" and False else "households:caseload"
    )
