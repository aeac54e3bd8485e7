"""Forms of the measure pages. They parse the request and give French errors; the rules (life
cycle, durations, renewals, approvals) live in `services.py`, `lifecycle.py` and `rules.py`, whose
errors the views put back onto these forms next to the field they name."""

import mimetypes

from django import forms

from lda.core.forms import version_field
from lda.measures import codes, services

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
S = codes.MeasureStatus


def _date(label, required=True, help_text=""):
    return forms.DateField(label=label, required=required, widget=DATE, help_text=help_text)


def _blank(choices, label="—"):
    return [("", label), *choices]


class VersionedForm(forms.Form):
    """Carries the measure version the user started from: a save over someone else's is refused."""

    version = version_field()


def _staff_choices(staff) -> list[tuple[str, str]]:
    return [(str(m.pk), f"{m.first_name} {m.last_name} ({m.get_profession_display()})") for m in staff]


# --- the list ------------------------------------------------------------------------------------

STATUS_FILTERS = [
    ("", "En cours (orientées, signées, transmises, actives)"),
    *S.choices,
    ("tous", "Toutes"),
]


class ListFilterForm(forms.Form):
    statut = forms.ChoiceField(label="État", choices=STATUS_FILTERS, required=False)
    type = forms.ChoiceField(label="Type de mesure", required=False)
    operateur = forms.ChoiceField(label="Opérateur", required=False)
    alerte = forms.BooleanField(label="Avec une alerte ouverte", required=False)

    def __init__(self, *args, types=(), operators=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["type"].choices = _blank([(str(pk), name) for pk, name in types], "Tous")
        self.fields["operateur"].choices = _blank([(str(pk), name) for pk, name in operators], "Tous")


# --- orientation ---------------------------------------------------------------------------------


class OrientForm(forms.Form):
    measure_type = forms.ChoiceField(label="Type de mesure")
    operator = forms.ChoiceField(label="Opérateur qui accompagne le ménage")
    oriented_on = _date("Date de l'orientation")

    def __init__(self, *args, types=(), operators=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["measure_type"].choices = _blank([(str(t.pk), t.name) for t in types])
        self.fields["operator"].choices = _blank([(str(o.pk), o.name) for o in operators])


# --- contract, sending, activation, entry --------------------------------------------------------


def _declared_type(upload) -> str:
    """The type the browser declared, or the one the file name suggests when it declared none."""
    declared = (upload.content_type or "").split(";")[0].strip().lower()
    if declared in services.DOCUMENT_TYPES:
        return declared
    guessed, _ = mimetypes.guess_type(upload.name or "")
    return guessed or declared


class ContractForm(VersionedForm):
    contract_signed_on = _date("Date de signature par le ménage et l'opérateur")
    document = forms.FileField(
        label="Contrat signé",
        help_text="PDF, JPEG ou PNG, 5 Mo au plus. Le fichier est conservé avec la mesure.",
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"}),
    )
    referent = forms.ChoiceField(label="Référent·e de la mesure", required=False)
    sliding_lease = forms.BooleanField(label="Sous-location avec bail glissant", required=False)

    def __init__(self, *args, staff=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["referent"].choices = _blank(_staff_choices(staff), "Pas encore désigné·e")

    def clean_document(self):
        upload = self.cleaned_data["document"]
        if upload.size > services.DOCUMENT_MAX_BYTES:
            # Refused before reading it: the service would refuse it too.
            raise forms.ValidationError("Le document dépasse 5 Mo : réduisez-le (PDF compressé, photo moins lourde).")
        return upload

    def document_for_service(self) -> services.Document:
        upload = self.cleaned_data["document"]
        upload.seek(0)
        return services.Document(
            filename=upload.name or "contrat", content_type=_declared_type(upload), content=upload.read()
        )


class SendForm(VersionedForm):
    sent_on = _date("Date de transmission à la coordination")


class SendBackForm(VersionedForm):
    on = _date("Date du renvoi")


class ActivateForm(VersionedForm):
    activated_on = _date(
        "Date d'activation",
        help_text="La durée de la mesure, ses bilans et sa fin se comptent à partir de cette date.",
    )


class EntryForm(VersionedForm):
    housing_entry_on = _date("Date d'entrée dans le logement")


# --- reviews and outcomes ------------------------------------------------------------------------


class OutcomesMixin(forms.Form):
    outcomes = forms.MultipleChoiceField(
        label="Résultats constatés",
        choices=codes.OutcomeKind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    contract_type = forms.ChoiceField(
        label="Type de contrat (accès à l'emploi)",
        choices=_blank(codes.ContractType.choices, "Sans objet"),
        required=False,
    )

    def outcomes_for_service(self) -> list[services.OutcomeData]:
        contract = self.cleaned_data.get("contract_type") or ""
        return [
            services.OutcomeData(kind, contract if kind == codes.OutcomeKind.EMPLOYMENT else "")
            for kind in self.cleaned_data.get("outcomes") or []
        ]

    def clean(self):
        data = super().clean()
        # A contract type without "access to employment" would be lost: say so rather than drop it.
        if data.get("contract_type") and codes.OutcomeKind.EMPLOYMENT not in (data.get("outcomes") or []):
            self.add_error("contract_type", "Le type de contrat ne concerne que l'accès à l'emploi : cochez-le aussi.")
        return data


class ReviewForm(OutcomesMixin, VersionedForm):
    month = forms.TypedChoiceField(label="Bilan", coerce=int)
    held_on = _date("Tenu le")
    meetings_per_week = forms.IntegerField(
        label="Rencontres par semaine convenues pour la période suivante", min_value=0, max_value=21
    )
    home_visits_per_week = forms.IntegerField(label="Dont visites à domicile par semaine", min_value=0, max_value=21)
    shared_with_coordinator = forms.BooleanField(label="Bilan partagé avec la coordination", required=False)
    obstacles = forms.CharField(
        label="Freins et éléments de compréhension",
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=(
            "Visible seulement de la coordination et de l'équipe de l'opérateur. Des faits utiles à "
            "l'accompagnement, pas de jugement, jamais de numéro de sécurité sociale."
        ),
    )

    field_order = [
        "version",
        "month",
        "held_on",
        "meetings_per_week",
        "home_visits_per_week",
        "shared_with_coordinator",
        "obstacles",
        "outcomes",
        "contract_type",
    ]

    def __init__(self, *args, schedule=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["month"].choices = [
            (
                str(r.month),
                f"Bilan à {r.month} mois, prévu le {r.due_on:%d/%m/%Y}{' (informel)' if r.informal else ''}",
            )
            for r in schedule
            if not r.held
        ]

    def data_for_service(self) -> services.ReviewData:
        d = self.cleaned_data
        return services.ReviewData(
            month=d["month"],
            held_on=d["held_on"],
            meetings_per_week=d["meetings_per_week"],
            home_visits_per_week=d["home_visits_per_week"],
            shared_with_coordinator=d["shared_with_coordinator"],
            obstacles=d["obstacles"],
            outcomes=self.outcomes_for_service(),
        )


# --- renewals ------------------------------------------------------------------------------------


class RenewalRequestForm(VersionedForm):
    months = forms.IntegerField(label="Durée demandée (mois)", min_value=1, max_value=60)
    derogation = forms.BooleanField(label="À titre dérogatoire", required=False)
    requested_on = _date("Date de la demande")


DECISIONS = [("accord", "Accord"), ("refus", "Refus")]


class RenewalDecisionForm(forms.Form):
    request = forms.IntegerField(widget=forms.HiddenInput)
    approver = forms.ChoiceField(label="Au titre de")
    decision = forms.ChoiceField(label="Avis", choices=DECISIONS, widget=forms.RadioSelect)
    comment = forms.CharField(
        label="Commentaire",
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Facultatif. Pas de numéro de sécurité sociale.",
    )

    def __init__(self, *args, approvers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["approver"].choices = [(code, codes.APPROVERS[code].label) for code in approvers]
        if len(self.fields["approver"].choices) == 1:
            self.fields["approver"].initial = approvers[0]


# --- end, abandonment, referent ------------------------------------------------------------------


class EndForm(OutcomesMixin, VersionedForm):
    ended_on = _date("Date de fin")
    reason = forms.ChoiceField(label="Motif de fin", choices=_blank(codes.EndReason.choices))
    follow_on = forms.ChoiceField(
        label="Accompagnement de droit commun qui prend le relais",
        choices=_blank(codes.FollowOn.choices, "Aucun"),
        required=False,
    )
    follow_on_name = forms.CharField(
        label="Service ou personne qui prend le relais",
        max_length=200,
        required=False,
        help_text="Obligatoire pour un relais : par exemple « MDS de Lens, Mme Durand ».",
    )

    field_order = ["version", "ended_on", "reason", "follow_on", "follow_on_name", "outcomes", "contract_type"]

    def __init__(self, *args, hand_over_required=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.hand_over_required = hand_over_required
        self.fields["outcomes"].label = "Résultats constatés à la fin"

    def clean(self):
        data = super().clean()
        reason = data.get("reason")
        hand_over = reason == codes.EndReason.HANDED_OVER or (
            self.hand_over_required and reason == codes.EndReason.GOALS_MET
        )
        if hand_over and not (data.get("follow_on_name") or "").strip():
            self.add_error("follow_on_name", "Nommez le service ou la personne qui prend le relais.")
        return data

    def data_for_service(self) -> services.EndData:
        d = self.cleaned_data
        return services.EndData(
            ended_on=d["ended_on"],
            reason=d["reason"],
            follow_on=d["follow_on"],
            follow_on_name=d["follow_on_name"],
            outcomes=self.outcomes_for_service(),
        )


ABANDON_CHOICES = [(code, label) for code, label in codes.EndReason.choices if code in codes.ABANDON_REASONS]


class AbandonForm(VersionedForm):
    ended_on = _date("Date")
    reason = forms.ChoiceField(label="Motif", choices=ABANDON_CHOICES, widget=forms.RadioSelect)


class ReferentForm(VersionedForm):
    referent = forms.ChoiceField(label="Référent·e de la mesure", required=False)

    def __init__(self, *args, staff=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["referent"].choices = _blank(_staff_choices(staff), "Aucun·e")
