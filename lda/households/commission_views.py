"""Pages of the complex-case commission: sittings, agenda, commitments, follow-up and print pages.

What a partner sees of a case: the household's reference and head's name only if the by-name list
lets them see the file, otherwise "Situation n°N"; the question and the conclusion (free text) only
through the second gate (`visibility.access(...).sensitive`). The coordinator sees everything.
"""

from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from lda.access.decorators import permission
from lda.access.policy import actor_for, get_or_404
from lda.accounts.models import Membership, Organisation, Territory
from lda.audit.log import record_read
from lda.core.forms import apply_errors
from lda.households import codes
from lda.households import commission as service
from lda.households.models import Commission, CommissionCase, Commitment, Household, Person
from lda.households.pathway import TransitionRefused
from lda.households.services import Author
from lda.households.visibility import FileFacts, access

PAGE_SIZE = 30
DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _author(request) -> Author:
    return Author(user=request.user, organisation_id=actor_for(request.user).organisation_id)


def _managed(request):
    """Commissions of the territories where the user is coordinator (others answer 404)."""
    territories = actor_for(request.user).territories("commissions.manage")
    return Commission.objects.filter(territory_id__in=territories)


def _territory_organisations(territory_id):
    return Organisation.objects.filter(territory_id=territory_id, is_active=True).order_by("name")


# --- what a viewer sees of the agenda --------------------------------------------------------------


@dataclass
class CaseView:
    case: CommissionCase
    label: str
    sees_file: bool
    sees_notes: bool
    commitments: list


def _viewer_kinds(actor) -> dict[int, str]:
    ids = {g.organisation_id for g in actor.grants}
    return dict(Organisation.objects.filter(pk__in=ids).values_list("pk", "kind"))


def _case_views(user, cases: list[CommissionCase], with_commitments: bool = True) -> list[CaseView]:
    """Labels and gates for every case, in a fixed number of queries whatever the number of cases."""
    actor = actor_for(user)
    visible = set(
        Household.objects.for_user(user).filter(pk__in=[c.household_id for c in cases]).values_list("pk", flat=True)
    )
    kinds = _viewer_kinds(actor) if cases else {}
    today = timezone.localdate()
    views = []
    for case in cases:
        sees_file = case.household_id in visible
        sees_notes = sees_file and access(actor, FileFacts.of(case.household), kinds).sensitive
        if sees_file:
            head = case.household.heads[0] if case.household.heads else None
            label = (
                f"{case.household.reference} — {head.last_name.upper()} {head.first_name}"
                if head
                else case.household.reference
            )
        else:
            label = f"Situation n°{case.order}"
        commitments = list(case.commitments.all()) if with_commitments else []
        for commitment in commitments:
            commitment.overdue = commitment.status == codes.CommitmentStatus.OPEN and commitment.due_on < today
            commitment.closable = commitment.status == codes.CommitmentStatus.OPEN and service.may_close(
                actor, commitment, case.commission.territory_id
            )
        views.append(CaseView(case, label, sees_file, sees_notes, commitments))
    return views


def _cases(commission: Commission):
    heads = Person.objects.filter(is_head=True, merged_into__isnull=True)
    return list(
        commission.cases.select_related("household", "presented_by", "commission").prefetch_related(
            Prefetch("household__persons", queryset=heads, to_attr="heads"),
            Prefetch("commitments", queryset=Commitment.objects.select_related("organisation", "owner")),
        )
    )


def _agenda_context(request, commission: Commission) -> dict:
    return {
        "commission": commission,
        "cases": _case_views(request.user, _cases(commission)),
        "attendees": list(commission.attendees.order_by("name")),
        "manages": service.manages(actor_for(request.user), commission),
        "today": timezone.localdate(),
    }


# --- list, create, edit, detail ------------------------------------------------------------------


@permission("commissions.view")
def commission_list(request):
    rows = (
        Commission.objects.for_user(request.user)
        .select_related("territory")
        .annotate(case_count=Count("cases", distinct=True))
        .order_by("-held_on", "-pk")
    )
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    may_create = bool(actor_for(request.user).territories("commissions.manage"))
    return render(request, "commissions/list.html", {"page": page, "may_create": may_create})


class CommissionForm(forms.Form):
    held_on = forms.DateField(label="Date de la commission", widget=DATE_WIDGET)
    place = forms.CharField(label="Lieu", max_length=200, required=False)
    attendees = forms.ModelMultipleChoiceField(
        label="Organisations présentes",
        queryset=Organisation.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
    )

    def __init__(self, *args, territory_id, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["attendees"].queryset = _territory_organisations(territory_id)

    def data_for_service(self) -> service.CommissionData:
        d = self.cleaned_data
        return service.CommissionData(held_on=d["held_on"], place=d["place"], attendees=[o.pk for o in d["attendees"]])


def _back(name, pk, label) -> tuple[str, str]:
    return (reverse(name, args=[pk] if pk else []), label)


def _form_page(request, form, title, back, submit="Enregistrer", **extra):
    """One page for every form here; `back` is (name, pk or None, label) of the page to return to."""
    context = {
        "form": form,
        "title": title,
        "back": _back(*back),
        "submit": submit,
        "subject": None,
        "waiting": None,
        "commitment": None,
        "case_label": "",
    }
    context.update(extra)
    return render(request, "commissions/form_page.html", context)


@permission("commissions.manage")
def commission_create(request):
    territory = Territory.objects.get(pk=min(actor_for(request.user).territories("commissions.manage")))
    form = CommissionForm(request.POST or None, territory_id=territory.pk)
    if request.method == "POST" and form.is_valid():
        try:
            commission = service.create_commission(territory, _author(request), form.data_for_service())
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, "La commission a été créée : ajoutez les situations à son ordre du jour.")
            return redirect("commissions:detail", commission.pk)
    return _form_page(request, form, "Nouvelle commission", ("commissions:list", None, "Commissions"))


@permission("commissions.manage")
def commission_edit(request, pk):
    commission = get_or_404(request.user, _managed(request), pk=pk)
    initial = {"held_on": commission.held_on, "place": commission.place, "attendees": commission.attendees.all()}
    form = CommissionForm(request.POST or None, initial=initial, territory_id=commission.territory_id)
    if request.method == "POST" and form.is_valid():
        try:
            service.update_commission(commission, _author(request), form.data_for_service())
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, "La commission a été enregistrée.")
            return redirect("commissions:detail", commission.pk)
    return _form_page(request, form, f"Modifier : {commission}", ("commissions:detail", commission.pk, str(commission)))


@permission("commissions.view")
def commission_detail(request, pk):
    commission = get_or_404(request.user, Commission.objects.select_related("territory"), pk=pk)
    record_read(request, commission, section="agenda")
    return render(request, "commissions/detail.html", _agenda_context(request, commission))


@permission("commissions.manage")
@require_POST
def commission_held(request, pk):
    commission = get_or_404(request.user, _managed(request), pk=pk)
    try:
        service.mark_held(commission, _author(request))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "La commission est marquée comme tenue : son ordre du jour est arrêté.")
    return redirect("commissions:detail", commission.pk)


# --- the agenda: cases and conclusions -----------------------------------------------------------


class CaseForm(forms.Form):
    household = forms.CharField(
        label="Référence du dossier",
        max_length=20,
        help_text="Par exemple : 2026-000123 (en haut de la fiche du ménage).",
    )
    presented_by = forms.ModelChoiceField(
        label="Présenté par", queryset=Organisation.objects.none(), empty_label="— Choisir —"
    )
    order = forms.IntegerField(
        label="Ordre de passage", min_value=1, required=False, help_text="Laissez vide pour passer en dernier."
    )
    question = forms.CharField(
        label="Question posée à la commission",
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text="Texte libre : visible seulement de la coordination et des partenaires qui suivent le dossier.",
    )

    def __init__(self, *args, territory_id, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["presented_by"].queryset = _territory_organisations(territory_id)


@permission("commissions.manage")
def case_add(request, pk):
    commission = get_or_404(request.user, _managed(request), pk=pk)
    form = CaseForm(request.POST or None, territory_id=commission.territory_id)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        household = (
            Household.objects.for_user(request.user)
            .filter(territory_id=commission.territory_id, reference=d["household"].strip())
            .first()
        )
        if household is None:
            form.add_error("household", "Aucun dossier de votre territoire ne porte cette référence.")
        else:
            data = service.CaseData(presented_by=d["presented_by"].pk, question=d["question"], order=d["order"])
            try:
                service.add_case(commission, _author(request), household, data)
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(request, f"Le dossier {household.reference} est inscrit à l'ordre du jour.")
                return redirect("commissions:detail", commission.pk)
    waiting = (
        Household.objects.for_user(request.user)
        .filter(territory_id=commission.territory_id, status=codes.HouseholdStatus.COMMISSION)
        .exclude(commission_cases__commission=commission)
        .order_by("reference")
        .values_list("reference", flat=True)[:50]
    )
    return _form_page(
        request,
        form,
        f"Ajouter une situation — {commission}",
        ("commissions:detail", commission.pk, str(commission)),
        waiting=list(waiting),
    )


def _managed_case(request, pk) -> CommissionCase:
    territories = actor_for(request.user).territories("commissions.manage")
    cases = CommissionCase.objects.select_related("commission", "household").filter(
        commission__territory_id__in=territories
    )
    return get_or_404(request.user, cases, pk=pk)


class ConclusionForm(forms.Form):
    conclusion = forms.CharField(
        label="Conclusion de la commission",
        widget=forms.Textarea(attrs={"rows": 6}),
        required=False,
        help_text="Texte libre : visible seulement de la coordination et des partenaires qui suivent le dossier.",
    )


@permission("commissions.manage")
def case_conclusion(request, pk):
    case = _managed_case(request, pk)
    form = ConclusionForm(request.POST or None, initial={"conclusion": case.conclusion})
    if request.method == "POST" and form.is_valid():
        service.record_conclusion(case, _author(request), form.cleaned_data["conclusion"])
        messages.success(request, "La conclusion a été enregistrée.")
        return redirect("commissions:detail", case.commission_id)
    record_read(request, case.household, section="commission")
    return _form_page(
        request,
        form,
        f"Conclusion — {case.household.reference}",
        ("commissions:detail", case.commission_id, str(case.commission)),
        subject=case,
    )


# --- commitments ---------------------------------------------------------------------------------


def _owner_choices(territory_id) -> list:
    """Active members of the territory's organisations, grouped by organisation (an <optgroup> each)."""
    members = (
        Membership.objects.filter(
            organisation__territory_id=territory_id, organisation__is_active=True, is_active=True, user__is_active=True
        )
        .select_related("user", "organisation")
        .order_by("organisation__name", "user__last_name", "user__first_name")
    )
    groups: dict[str, list] = {}
    for m in members:
        groups.setdefault(m.organisation.name, []).append((str(m.user_id), m.user.full_name))
    return [("", "— Aucune personne désignée —"), *groups.items()]


class CommitmentForm(forms.Form):
    organisation = forms.ModelChoiceField(
        label="Partenaire qui s'engage", queryset=Organisation.objects.none(), empty_label="— Choisir —"
    )
    owner = forms.TypedChoiceField(
        label="Personne chargée",
        coerce=int,
        empty_value=None,
        required=False,
        help_text="Facultatif ; doit être membre de l'organisation qui s'engage.",
    )
    action = forms.CharField(label="Engagement", max_length=300, widget=forms.Textarea(attrs={"rows": 3}))
    due_on = forms.DateField(label="Échéance", widget=DATE_WIDGET)

    def __init__(self, *args, territory_id, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = _territory_organisations(territory_id)
        self.fields["owner"].choices = _owner_choices(territory_id)


@permission("commissions.manage")
def commitment_add(request, pk):
    case = _managed_case(request, pk)
    form = CommitmentForm(request.POST or None, territory_id=case.commission.territory_id)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        data = service.CommitmentData(
            organisation=d["organisation"].pk,
            owner=d["owner"],
            action=d["action"],
            due_on=d["due_on"],
        )
        try:
            service.add_commitment(case, _author(request), data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, "L'engagement a été enregistré.")
            return redirect("commissions:detail", case.commission_id)
    return _form_page(
        request,
        form,
        f"Nouvel engagement — {case.household.reference}",
        ("commissions:detail", case.commission_id, str(case.commission)),
        subject=case,
    )


class CloseForm(forms.Form):
    status = forms.ChoiceField(
        label="L'engagement est",
        choices=[(codes.CommitmentStatus.DONE, "Réalisé"), (codes.CommitmentStatus.CANCELLED, "Abandonné")],
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
    )
    done_on = forms.DateField(
        label="Réalisé le", widget=DATE_WIDGET, required=False, help_text="Obligatoire si l'engagement est réalisé."
    )


def _case_label(user, case: CommissionCase) -> str:
    case.household.heads = list(case.household.persons.filter(is_head=True, merged_into__isnull=True))
    return _case_views(user, [case], with_commitments=False)[0].label


@permission("commitments.update")
def commitment_close(request, pk):
    commitments = Commitment.objects.select_related("case__commission", "case__household", "organisation", "owner")
    commitment = get_or_404(request.user, commitments, pk=pk)
    actor = actor_for(request.user)
    territory_id = commitment.case.commission.territory_id
    if not service.may_close(actor, commitment, territory_id):
        raise PermissionDenied
    coordinator = territory_id in actor.territories("commissions.manage")
    back = ("commissions:detail", commitment.case.commission_id, str(commitment.case.commission))
    if not coordinator:
        back = ("commissions:my_commitments", None, "Engagements de mon organisation")
    form = CloseForm(request.POST or None, initial={"done_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            service.close_commitment(commitment, _author(request), d["status"], d["done_on"])
        except ValidationError as error:
            apply_errors(form, error)
        except TransitionRefused as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "L'engagement est clos.")
            return redirect(_back(*back)[0])
    return _form_page(
        request,
        form,
        "Clore un engagement",
        back,
        commitment=commitment,
        case_label=_case_label(request.user, commitment.case),
        submit="Clore l'engagement",
    )


@permission("commitments.update")
def my_commitments(request):
    """Open commitments of the user's organisations, earliest due first (so overdue ones lead)."""
    actor = actor_for(request.user)
    organisations = actor.organisations("commitments.update")
    rows = list(
        Commitment.objects.for_user(request.user)
        .filter(organisation_id__in=organisations, status=codes.CommitmentStatus.OPEN)
        .select_related("case__commission", "case__household", "organisation", "owner")
        .prefetch_related(
            Prefetch(
                "case__household__persons",
                queryset=Person.objects.filter(is_head=True, merged_into__isnull=True),
                to_attr="heads",
            )
        )
        .order_by("due_on", "pk")[:500]
    )
    views = {v.case.pk: v for v in _case_views(request.user, list({c.case_id: c.case for c in rows}.values()), False)}
    today = timezone.localdate()
    viewable = set(
        Commission.objects.for_user(request.user)
        .filter(pk__in={c.case.commission_id for c in rows})
        .values_list("pk", flat=True)
    )
    entries = [
        {
            "commitment": c,
            "label": views[c.case_id].label,
            "overdue": c.due_on < today,
            "commission_visible": c.case.commission_id in viewable,
        }
        for c in rows
    ]
    return render(request, "commissions/my_commitments.html", {"entries": entries, "today": today})


# --- print pages ---------------------------------------------------------------------------------


@permission("commissions.view")
def print_agenda(request, pk):
    commission = get_or_404(request.user, Commission.objects.select_related("territory"), pk=pk)
    record_read(request, commission, section="print_agenda")
    return render(request, "commissions/print_agenda.html", _agenda_context(request, commission))


@permission("commissions.view")
def print_minutes(request, pk):
    commission = get_or_404(request.user, Commission.objects.select_related("territory"), pk=pk)
    record_read(request, commission, section="print_minutes")
    return render(request, "commissions/print_minutes.html", _agenda_context(request, commission))
