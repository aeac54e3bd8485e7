"""Forms of the capture pages (issue 5 point 2). They check what a field can say on its own, in
French; every rule of the pipeline (stage, dates, modes, amounts) stays in `services`, whose
errors the views put back next to their field."""

from decimal import Decimal

from django import forms

from lda.core.forms import version_field
from lda.housing import codes
from lda.housing.models import CaptureProspect, CaptureTarget
from lda.measures.type_forms import FrenchDecimalField

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DECIMAL = forms.TextInput(attrs={"inputmode": "decimal"})
DATE_ERRORS = {"invalid": "Indiquez une date valide (jj/mm/aaaa).", "required": "Indiquez la date."}
# Alpes-de-Haute-Provence: 2 000 € per captured unit (spec 3), the amount offered by default.
DEFAULT_INCENTIVE = Decimal("2000")


def date_field(label, **kwargs):
    return forms.DateField(label=label, widget=DATE, error_messages=DATE_ERRORS, **kwargs)


def euros_field(label, help_text="", required=True, minimum=0):
    return FrenchDecimalField(
        label=label,
        help_text=help_text,
        required=required,
        min_value=minimum,
        max_value=Decimal("100000"),
        max_digits=9,
        decimal_places=2,
        localize=True,
        widget=DECIMAL,
        error_messages={
            "required": "Indiquez le montant.",
            "min_value": "Le montant doit être positif." if minimum else "Un montant ne peut pas être négatif.",
            "max_value": "Le montant dépasse 100 000 € : vérifiez la saisie.",
            "invalid": "Indiquez un montant en euros, par exemple 2000 ou 450,50.",
            "max_decimal_places": "Indiquez au plus deux chiffres après la virgule (les centimes).",
            "max_digits": "Ce montant est trop élevé.",
            "max_whole_digits": "Ce montant est trop élevé.",
        },
    )


def _required_choice(label, choices, message):
    return forms.ChoiceField(
        label=label, choices=[("", "—"), *choices], error_messages={"required": message, "invalid_choice": message}
    )


class Versioned(forms.Form):
    """Every step names the version of the prospect it was filled from (no lost update)."""

    expected_version = version_field(min_value=1)


# --- the prospect -------------------------------------------------------------------------------


class ProspectForm(forms.ModelForm):
    class Meta:
        model = CaptureProspect
        fields = [
            "operator",
            "owner_label",
            "address",
            "commune_insee",
            "commune_name",
            "typology",
            "surface",
            "rent_asked",
            "contacted_on",
            "reserved_for_housing_first",
        ]
        widgets = {"contacted_on": DATE, "surface": DECIMAL}
        help_texts = {
            "owner_label": "Seulement ce dont l'agence a besoin, par ex. « M. D. » ou « SCI Les Tilleuls ».",
            "commune_insee": "5 caractères, par ex. 38185 pour Grenoble.",
            "reserved_for_housing_first": "Compte dans la part réservée aux ménages du Logement d'abord.",
        }
        error_messages = {
            "owner_label": {"required": "Indiquez le propriétaire (nom ou intitulé)."},
            "address": {"required": "Indiquez l'adresse du logement."},
            "commune_insee": {"required": "Indiquez le code INSEE de la commune."},
            "commune_name": {"required": "Indiquez la commune."},
            "typology": {"required": "Choisissez la typologie.", "invalid_choice": "Choisissez la typologie."},
            "surface": {
                "required": "Indiquez la surface.",
                "invalid": "Indiquez une surface en m², par ex. 45 ou 45,5.",
                "min_value": "La surface est d'au moins 1 m².",
                "max_digits": "La surface est trop grande : vérifiez la saisie.",
                "max_decimal_places": "Indiquez au plus un chiffre après la virgule.",
                "max_whole_digits": "La surface est trop grande : vérifiez la saisie.",
            },
            "contacted_on": DATE_ERRORS,
            "operator": {
                "required": "Choisissez la structure qui capte.",
                "invalid_choice": "Choisissez une structure de la liste.",
            },
        }

    rent_asked = euros_field("Loyer demandé (€ par mois)")

    def __init__(self, *args, operators=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["operator"].queryset = operators
        self.fields["operator"].empty_label = "—"
        self.fields["surface"].localize = True
        if operators is not None and len(operators) == 1:
            self.fields["operator"].initial = operators[0].pk

    def clean_commune_insee(self):
        return self.cleaned_data["commune_insee"].strip().upper()


# --- the steps of the pipeline ------------------------------------------------------------------


class VisitForm(Versioned):
    visited_on = date_field("Visité le")


class AgreementForm(Versioned):
    decided_on = date_field("Accord du propriétaire le")
    mode = forms.ChoiceField(
        label="Mode de captation",
        choices=codes.CaptureMode.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choisissez le mode : mandat de gestion, location / sous-location ou bail glissant.",
            "invalid_choice": "Choisissez le mode : mandat de gestion, location / sous-location ou bail glissant.",
        },
    )


class RefusalForm(Versioned):
    decided_on = date_field("Refus du propriétaire le")
    refusal_reason = _required_choice(
        "Motif du refus", codes.CaptureRefusal.choices, "Indiquez le motif du refus du propriétaire."
    )


class OpenUnitForm(Versioned):
    """The agreed unit enters the supply: what the prospect does not say yet."""

    on = date_field("Disponible le")
    reference = forms.CharField(
        label="Référence du logement",
        max_length=30,
        help_text="La référence sous laquelle le logement figure dans l'offre, par ex. IML-2025-014.",
        error_messages={"required": "Indiquez la référence du logement."},
    )
    rent = euros_field("Loyer mensuel (€)", "Par défaut, le loyer demandé par le propriétaire.")
    charges = euros_field("Charges mensuelles (€)")
    floor = forms.IntegerField(
        label="Étage",
        min_value=-2,
        max_value=60,
        initial=0,
        help_text="0 pour le rez-de-chaussée.",
        error_messages={
            "required": "Indiquez l'étage.",
            "invalid": "Indiquez l'étage par un nombre entier (0 pour le rez-de-chaussée).",
            "min_value": "L'étage est compris entre -2 et 60.",
            "max_value": "L'étage est compris entre -2 et 60.",
        },
    )
    lift = forms.BooleanField(label="Ascenseur", required=False)
    wheelchair_accessible = forms.BooleanField(label="Accessible en fauteuil roulant", required=False)
    qpv = forms.BooleanField(label="En quartier prioritaire (QPV)", required=False)
    contingent_kind = _required_choice("Contingent", codes.Contingent.choices, "Choisissez le contingent du logement.")

    def unit_fields(self) -> dict:
        d = self.cleaned_data
        names = ("reference", "rent", "charges", "floor", "lift", "wheelchair_accessible", "qpv", "contingent_kind")
        return {name: d[name] for name in names}


class IncentiveForm(forms.Form):
    reason = _required_choice("Motif de la prime", codes.IncentiveReason.choices, "Indiquez le motif de la prime.")
    amount = euros_field(
        "Montant (€)",
        "Alpes-de-Haute-Provence : 2 000 € par logement capté, de nouveau à chaque famille en sous-location.",
        minimum=Decimal("0.01"),
    )
    paid_on = date_field("Versée le")


# The steps a prospect page offers: code in the URL → (service step, form, title, button).
STEPS = {
    "visite": ("visit", VisitForm, "Enregistrer la visite", "Enregistrer la visite"),
    "accord": ("agree", AgreementForm, "Enregistrer l'accord du propriétaire", "Enregistrer l'accord"),
    "refus": ("refuse", RefusalForm, "Enregistrer le refus du propriétaire", "Enregistrer le refus"),
    "ouverture": ("open", OpenUnitForm, "Mettre le logement à disposition", "Mettre à disposition"),
    "prime": (None, IncentiveForm, "Enregistrer une prime versée", "Enregistrer la prime"),
}


# --- lists --------------------------------------------------------------------------------------


class ProspectFilterForm(forms.Form):
    etape = forms.ChoiceField(label="Étape", required=False, choices=[("", "Toutes"), *codes.CaptureStage.choices])
    operateur = forms.TypedChoiceField(label="Structure qui capte", required=False, coerce=int, choices=())
    mode = forms.ChoiceField(label="Mode", required=False, choices=[("", "Tous"), *codes.CaptureMode.choices])
    commune = forms.CharField(
        label="Commune", required=False, max_length=100, help_text="Nom ou code INSEE, par ex. Grenoble ou 38185."
    )

    def __init__(self, *args, operators=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["operateur"].choices = [("", "Toutes"), *operators]


class TargetForm(forms.ModelForm):
    class Meta:
        model = CaptureTarget
        fields = ["label", "mode", "starts_on", "ends_on", "units", "reserved_for_housing_first"]
        widgets = {"starts_on": DATE, "ends_on": DATE}
        labels = {"mode": "Mode (laisser vide pour tous les modes)"}
        help_texts = {
            "label": "Par ex. « Plateforme de captation : 285 logements d'ici fin 2023 ».",
            "reserved_for_housing_first": "Laissez vide s'il n'y a pas de part réservée.",
        }
        error_messages = {
            "label": {"required": "Indiquez l'intitulé de l'objectif."},
            "starts_on": DATE_ERRORS,
            "ends_on": DATE_ERRORS,
            "units": {
                "required": "Indiquez le nombre de logements visés.",
                "invalid": "Indiquez un nombre entier de logements.",
                "min_value": "L'objectif est d'au moins 1 logement.",
            },
            "reserved_for_housing_first": {
                "invalid": "Indiquez un nombre entier de logements.",
                "min_value": "Ce nombre ne peut pas être négatif.",
            },
        }

    def __init__(self, *args, territories=(), **kwargs):
        super().__init__(*args, **kwargs)
        self._territories = {str(t.pk): t for t in territories}
        if len(territories) > 1:
            self.fields["territory"] = forms.ChoiceField(
                label="Territoire", choices=[(str(t.pk), t.name) for t in territories]
            )
            self.order_fields(["territory"])

    def chosen_territory(self):
        if "territory" in self.fields:
            return self._territories[self.cleaned_data["territory"]]
        return next(iter(self._territories.values()), None)

    def values(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}
