"""Pages of a measure's follow-up: the meetings log, the week-by-week intensity, the partners
mobilised for the household and the outcomes recorded outside a review.

Reading needs `measures.view` and the measure in the reader's scope; recording needs
`measures.operate` and the measure run by the user's organisation — any other measure answers 404.
Every write goes through `services.py`; its French errors land next to the fields, nothing is saved
on error. Meetings, partners and outcomes are appended, never edited: two people recording at once
add two rows and overwrite nothing, so these forms carry no version.
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from lda.access.decorators import permission
from lda.access.policy import actor_for, get_or_404
from lda.audit.log import record_read, record_refusal
from lda.core.forms import apply_errors
from lda.households.services import Author
from lda.measures import activity, codes, lifecycle, rules, services, visibility
from lda.measures.models import Measure, Meeting, StaffMember

PAGE_SIZE = 30
DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _author(request, measure) -> Author:
    """The operator's agent acting for the organisation that runs the measure."""
    return Author(user=request.user, organisation_id=measure.operator_id)


def _measures():
    return Measure.objects.select_related("type_version__measure_type", "household", "operator")


def _readable(request, pk) -> Measure:
    return get_or_404(request.user, _measures(), pk=pk)


def _operated(request, pk) -> Measure:
    """The measure if the user's organisation runs it; 404 otherwise (and the refusal is logged)."""
    measure = get_or_404(request.user, _measures(), pk=pk)
    if not visibility.operates(actor_for(request.user), measure):
        # Seen (e.g. through the household file) but run by another organisation.
        record_refusal(request, object_type="measure", object_id=str(pk))
        raise Http404
    return measure


def measure_url(measure) -> str:
    """The measure's page (its meetings log until the measure page exists)."""
    try:
        return reverse("measures:detail", args=[measure.pk])
    except NoReverseMatch:
        return reverse("measure_activity:meetings", args=[measure.pk])


def _form_page(request, measure, form, title, submit, intro=""):
    return render(
        request,
        "measures/activity_form.html",
        {
            "measure": measure,
            "form": form,
            "title": title,
            "submit": submit,
            "intro": intro,
            "back": measure_url(measure),
        },
    )


def _save(request, form, write) -> bool:
    """Calls the service; its refusals become form errors (nothing is saved then)."""
    try:
        write()
    except ValidationError as error:
        apply_errors(form, error)
    except (lifecycle.TransitionRefused, rules.RuleRefused) as error:
        form.add_error(None, str(error))
    else:
        return True
    return False


# --- meetings ------------------------------------------------------------------------------------


class MeetingForm(forms.Form):
    held_on = forms.DateField(label="Date de la rencontre", widget=DATE_WIDGET)
    kind = forms.ChoiceField(label="Type de rencontre", choices=[("", "— Choisir —"), *codes.MeetingKind.choices])
    duration_minutes = forms.IntegerField(
        label="Durée (minutes)", min_value=1, max_value=720, help_text="Entre 1 minute et 12 heures (720 minutes)."
    )
    staff = forms.ModelChoiceField(
        label="Intervenant·e",
        queryset=StaffMember.objects.none(),
        required=False,
        empty_label="— Non précisé —",
        help_text="Les membres actifs de l'équipe de l'opérateur.",
    )

    def __init__(self, *args, operator_id, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["staff"].queryset = StaffMember.objects.filter(organisation_id=operator_id, is_active=True)
        self.fields["staff"].error_messages["invalid_choice"] = "Choisissez un membre actif de l'équipe de l'opérateur."

    def data_for_service(self) -> services.MeetingData:
        d = self.cleaned_data
        return services.MeetingData(
            held_on=d["held_on"],
            kind=d["kind"],
            duration_minutes=d["duration_minutes"],
            staff_id=d["staff"].pk if d["staff"] else None,
        )


@permission("measures.operate")
def meeting_add(request, pk):
    measure = _operated(request, pk)
    initial = {"held_on": timezone.localdate()}
    own = StaffMember.objects.filter(organisation_id=measure.operator_id, user=request.user, is_active=True).first()
    if own is not None:
        initial["staff"] = own.pk
    form = MeetingForm(request.POST or None, initial=initial, operator_id=measure.operator_id)
    if request.method == "POST" and form.is_valid():
        if _save(
            request, form, lambda: services.record_meeting(measure, form.data_for_service(), _author(request, measure))
        ):
            messages.success(request, "La rencontre a été enregistrée.")
            return redirect(measure_url(measure))
    return _form_page(request, measure, form, "Enregistrer une rencontre", "Enregistrer la rencontre")


@permission("measures.view")
def meetings(request, pk):
    measure = _readable(request, pk)
    record_read(request, measure, section="rencontres", protected=measure.household.protected)
    rows = Meeting.objects.filter(measure=measure).select_related("staff").order_by("-held_on", "-pk")
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    actor = actor_for(request.user)
    return render(
        request,
        "measures/activity_meetings.html",
        {
            "measure": measure,
            "page": page,
            "back": measure_url(measure),
            "may_record": visibility.operates(actor, measure) and lifecycle.allowed(measure.status, "record_meeting"),
        },
    )


@permission("measures.view")
def intensity(request, pk):
    measure = _readable(request, pk)
    record_read(request, measure, section="intensite", protected=measure.household.protected)
    today = timezone.localdate()
    meetings_rows = list(Meeting.objects.filter(measure=measure).values_list("held_on", "kind"))
    reviews = list(
        measure.reviews.order_by("held_on").values_list("held_on", "meetings_per_week", "home_visits_per_week")
    )
    return render(
        request,
        "measures/activity_intensity.html",
        {
            "measure": measure,
            "intensity": activity.measure_intensity(measure, meetings_rows, reviews, today),
            "below_text": activity.BELOW_TEXT,
            "type_version": measure.type_version,
            "reviews": reviews,
            "back": measure_url(measure),
        },
    )


# --- partners ------------------------------------------------------------------------------------


def partner_choices():
    """Partners grouped by category (optgroups), in the order of `codes.PartnerCategory`."""
    groups = [
        (label, [(k, kl) for k, kl in codes.PartnerKind.choices if codes.PARTNER_CATEGORY[k] == category])
        for category, label in codes.PartnerCategory.choices
    ]
    return [("", "— Choisir —"), *groups]


class PartnerForm(forms.Form):
    kind = forms.ChoiceField(label="Partenaire", choices=partner_choices)
    name = forms.CharField(
        label="Nom de la structure",
        max_length=200,
        required=False,
        help_text="Facultatif. Le nom de la structure seulement : aucune information sur la personne.",
    )
    since = forms.DateField(label="Mobilisé depuis le", widget=DATE_WIDGET)


@permission("measures.operate")
def partner_add(request, pk):
    measure = _operated(request, pk)
    form = PartnerForm(request.POST or None, initial={"since": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        if _save(
            request,
            form,
            lambda: services.mobilise_partner(
                measure, d["kind"], d["since"], _author(request, measure), name=d["name"]
            ),
        ):
            messages.success(request, "Le partenaire mobilisé a été enregistré.")
            return redirect(measure_url(measure))
    return _form_page(
        request,
        measure,
        form,
        "Enregistrer un partenaire mobilisé",
        "Enregistrer le partenaire",
        intro="Santé, logement, emploi et formation, accès aux droits : la catégorie découle du partenaire choisi.",
    )


# --- outcomes ------------------------------------------------------------------------------------


class OutcomeForm(forms.Form):
    kind = forms.ChoiceField(label="Résultat", choices=[("", "— Choisir —"), *codes.OutcomeKind.choices])
    contract_type = forms.ChoiceField(
        label="Type de contrat",
        choices=[("", "— Sans objet —"), *codes.ContractType.choices],
        required=False,
        help_text="Seulement pour un accès à l'emploi, où il est obligatoire.",
    )
    recorded_on = forms.DateField(label="Constaté le", widget=DATE_WIDGET)

    def clean(self):
        data = super().clean()
        kind, contract = data.get("kind"), data.get("contract_type")
        if kind == codes.OutcomeKind.EMPLOYMENT and not contract:
            self.add_error("contract_type", "Pour un accès à l'emploi, précisez le type de contrat.")
        elif kind and kind != codes.OutcomeKind.EMPLOYMENT and contract:
            self.add_error("contract_type", "Le type de contrat ne concerne que l'accès à l'emploi.")
        return data


@permission("measures.operate")
def outcome_add(request, pk):
    measure = _operated(request, pk)
    form = OutcomeForm(request.POST or None, initial={"recorded_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        outcome = services.OutcomeData(kind=d["kind"], contract_type=d["contract_type"])
        if _save(
            request,
            form,
            lambda: services.record_outcome(measure, outcome, d["recorded_on"], _author(request, measure)),
        ):
            messages.success(request, "Le résultat a été enregistré.")
            return redirect(measure_url(measure))
    return _form_page(
        request,
        measure,
        form,
        "Enregistrer un résultat",
        "Enregistrer le résultat",
        intro="Un résultat constaté en dehors d'un bilan. Ceux des bilans et de la fin s'enregistrent avec eux.",
    )
