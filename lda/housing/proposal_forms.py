"""Forms of the matching and proposal pages. They parse the request and give French errors; the
rules (life cycle, dates, one holder per unit, wishes) live in `proposals.py`, whose errors the
views put back onto these forms next to the field they name (the field names are the services')."""

from django import forms
from django.utils import timezone

from lda.core.forms import version_field
from lda.housing import codes

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
P = codes.ProposalStatus


def _date(label):
    return forms.DateField(label=label, widget=DATE, initial=timezone.localdate)


def reason_label(reason) -> str:
    """A refusal reason as the lists show it: who refuses and whether the reason is legitimate."""
    legitimate = "motif légitime" if reason.legitimate else "motif non légitime"
    return f"{reason.label} ({reason.get_side_display().lower()}, {legitimate})"


def _reason_choices(reasons) -> list[tuple[str, str]]:
    return [("", "—"), *((str(r.pk), reason_label(r)) for r in reasons)]


class LaunchForm(forms.Form):
    territory = forms.TypedChoiceField(label="Territoire", coerce=int)

    def __init__(self, *args, territories=(), **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["territory"]
        field.choices = [(t.pk, t.name) for t in territories]
        if len(field.choices) == 1:
            field.initial = field.choices[0][0]
            field.widget = forms.HiddenInput()


class CandidateForm(forms.Form):
    """A household added to a unit's shortlist by reference. The justification appears only once
    the service said the unit lies outside the household's wishes (never overridden silently)."""

    household = forms.CharField(label="Référence du ménage", max_length=40)
    justification = forms.CharField(
        label="Pourquoi proposer ce logement malgré les souhaits du ménage",
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=1000,
    )

    def __init__(self, *args, with_justification=False, **kwargs):
        super().__init__(*args, **kwargs)
        if not with_justification:
            del self.fields["justification"]


class VersionedForm(forms.Form):
    """Carries the proposal version the user started from: a decision over someone else's is refused."""

    version = version_field()


class DecideForm(VersionedForm):
    decision = forms.ChoiceField(
        label="Décision de la commission",
        widget=forms.RadioSelect,
        choices=[
            (P.ALLOCATED, "Attribué"),
            (P.COMMITTEE_REFUSED, "Refusé"),
            (P.POSTPONED, "Ajourné"),
        ],
    )
    committee_rank = forms.TypedChoiceField(
        label="Rang donné par la commission (si attribué)",
        choices=[("", "—"), ("1", "1"), ("2", "2"), ("3", "3")],
        coerce=int,
        empty_value=None,
        required=False,
    )
    refusal_reason = forms.ChoiceField(label="Motif du refus (si refusé)", required=False)
    committee_on = _date("Date de la commission")

    def __init__(self, *args, reasons=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["refusal_reason"].choices = _reason_choices(reasons)


class OfferForm(VersionedForm):
    offered_on = _date("Date de la proposition au ménage")


class AnswerForm(VersionedForm):
    answer = forms.ChoiceField(
        label="Réponse du ménage",
        widget=forms.RadioSelect,
        choices=[("accepted", "Accepte le logement"), ("refused", "Refuse le logement")],
    )
    refusal_reason = forms.ChoiceField(label="Motif du refus (si refusé)", required=False)
    answered_on = _date("Date de la réponse")

    def __init__(self, *args, reasons=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["refusal_reason"].choices = _reason_choices(reasons)


class LeaseForm(VersionedForm):
    lease_signed_on = _date("Date de signature du bail")


class EnterForm(VersionedForm):
    entered_on = _date("Date d'entrée dans le logement")
