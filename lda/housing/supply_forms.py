"""Forms of the housing supply pages. They parse and give French errors field by field; the rules
(territory, residence kind, contingent, references, life cycle) live in `services.py`, whose errors
the views put back next to the field they name."""

from django import forms
from django.utils import timezone

from lda.core.forms import version_field
from lda.housing import codes
from lda.housing.models import ContingentQuota, Residence, Unit
from lda.housing.services import UNIT_FIELDS
from lda.measures.forms import DATE, VersionedForm


def _blank(choices, label="—"):
    return [("", label), *choices]


def _date(label, help_text=""):
    return forms.DateField(label=label, widget=DATE, help_text=help_text)


# --- lists ---------------------------------------------------------------------------------------


class UnitFilterForm(forms.Form):
    etat = forms.ChoiceField(label="État", choices=_blank(codes.UnitStatus.choices, "Tous"), required=False)
    type = forms.ChoiceField(label="Type de logement", choices=_blank(codes.UnitKind.choices, "Tous"), required=False)
    typologie = forms.ChoiceField(
        label="Typologie",
        choices=_blank([(str(v), lab) for v, lab in codes.Typology.choices], "Toutes"),
        required=False,
    )
    commune = forms.ChoiceField(label="Commune", required=False)
    contingent = forms.ChoiceField(label="Contingent", choices=_blank(codes.Contingent.choices, "Tous"), required=False)
    bailleur = forms.ChoiceField(label="Bailleur ou gestionnaire", required=False)

    def __init__(self, *args, landlords=(), communes=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["commune"].choices = _blank([(insee, f"{name} ({insee})") for insee, name in communes], "Toutes")
        self.fields["bailleur"].choices = _blank([(str(pk), name) for pk, name in landlords], "Tous")


class YearForm(forms.Form):
    annee = forms.IntegerField(label="Année", min_value=2000, max_value=2100, required=False)


# --- units ---------------------------------------------------------------------------------------

MONEY = {"min_value": 0, "max_digits": 9, "decimal_places": 2}


class UnitForm(forms.ModelForm):
    """Every field of a unit (spec 3). The choices of landlord, residence and contingent are those
    the user may pick; the version the user started from travels with the form."""

    version = version_field(required=False)

    class Meta:
        model = Unit
        fields = list(UNIT_FIELDS)
        widgets = {"available_on": DATE}
        help_texts = {
            "commune_insee": "5 caractères, par ex. 13055 pour Marseille, 38185 pour Grenoble.",
            "contingent": "Le contingent nommé d'un réservataire, s'il est enregistré ; sinon, indiquez seulement "
            "le type de contingent.",
            "residence": "Pour une place de pension de famille, de résidence accueil, de résidence sociale ou de FJT.",
            "capture_mode": "Pour un logement privé capté : mandat de gestion, sous-location ou bail glissant.",
            "floor": "0 pour le rez-de-chaussée, -1 pour un sous-sol.",
        }

    def __init__(self, *args, landlords=None, residences=None, contingents=None, **kwargs):
        super().__init__(*args, **kwargs)
        # Deny by default: no choice unless the view gives the ones the user may pick.
        self.fields["landlord"].queryset = (
            landlords if landlords is not None else self.fields["landlord"].queryset.none()
        )
        self.fields["residence"].queryset = (
            residences if residences is not None else Residence.objects.none()
        ).order_by("name")
        self.fields["contingent"].queryset = (
            contingents if contingents is not None else ContingentQuota.objects.none()
        ).order_by("label")
        self.fields["contingent_kind"].required = False
        self.fields["contingent_kind"].help_text = "Pris du contingent nommé quand vous en choisissez un."
        for name in ("surface", "rent", "charges"):
            self.fields[name].localize = True
            self.fields[name].widget.is_localized = True

    def clean(self):
        data = super().clean()
        contingent = data.get("contingent")
        if contingent is not None:
            data["contingent_kind"] = contingent.kind  # a named contingent says its kind
        elif not data.get("contingent_kind") and "contingent_kind" not in self.errors:
            self.add_error("contingent_kind", "Indiquez le contingent du logement.")
        return data

    def _post_clean(self):
        # The service validates the whole unit (with its territory); the form checks fields only.
        pass

    def unit_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in UNIT_FIELDS}

    def changes(self, unit) -> dict:
        """The fields whose value differs from the unit's: only those are written."""
        return {name: value for name, value in self.unit_fields().items() if value != getattr(unit, name)}


class UnitCreateForm(UnitForm):
    status = forms.ChoiceField(
        label="Le logement entre dans l'offre",
        choices=[(codes.UnitStatus.AVAILABLE, "Disponible"), (codes.UnitStatus.PROSPECT, "En captation")],
        widget=forms.RadioSelect,
        initial=codes.UnitStatus.AVAILABLE,
    )
    status_on = forms.DateField(label="À la date du", widget=DATE)


# --- status actions ------------------------------------------------------------------------------


class MakeAvailableForm(VersionedForm):
    on = _date("Disponible à partir du", help_text="Date à laquelle le logement entre dans l'offre.")


class WithdrawForm(VersionedForm):
    on = _date("Date du retrait")
    note = forms.CharField(
        label="Motif du retrait",
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Par ex. travaux, vente, reprise par le propriétaire. Pas de numéro de sécurité sociale.",
    )

    def clean_on(self):
        # `services.withdraw_unit` does not check it (yet): a withdrawal is recorded once it happened.
        on = self.cleaned_data["on"]
        if on > timezone.localdate():
            raise forms.ValidationError("La date du retrait ne peut pas être dans le futur.")
        return on


class FreeForm(VersionedForm):
    on = _date("Date de libération", help_text="Date du départ du ménage : le logement redevient disponible.")
    to_siao = forms.TypedChoiceField(
        label="Ce logement libéré est-il confié au SIAO ?",
        choices=[("oui", "Oui, confié au SIAO"), ("non", "Non, attribué par la résidence")],
        coerce=lambda value: value == "oui",
        widget=forms.RadioSelect,
        required=False,
        empty_value=None,
    )

    def __init__(self, *args, residence=None, **kwargs):
        super().__init__(*args, **kwargs)
        if residence is None:
            del self.fields["to_siao"]
        else:
            self.fields["to_siao"].required = True
            self.fields["to_siao"].error_messages["required"] = "Indiquez si ce logement libéré est confié au SIAO."


# --- residences and contingents ------------------------------------------------------------------


class ResidenceForm(forms.ModelForm):
    class Meta:
        model = Residence
        fields = ["name", "kind", "manager", "commune_insee", "commune_name", "places", "siao_share", "opened_on"]
        widgets = {"opened_on": DATE}
        help_texts = {
            "siao_share": "Entre 0 et 1 : 0,30 pour 30 % des logements libérés (seed 002, action 7).",
            "commune_insee": "5 caractères, par ex. 13055.",
        }

    def __init__(self, *args, managers=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["manager"].queryset = managers
        self.fields["siao_share"].localize = True
        self.fields["siao_share"].widget.is_localized = True

    def _post_clean(self):
        pass

    def residence_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class ContingentForm(forms.ModelForm):
    class Meta:
        model = ContingentQuota
        fields = ["label", "kind", "holder", "yearly_target"]
        help_texts = {
            "yearly_target": "Par ex. 30 désignations par an sur le contingent municipal (Marseille).",
            "label": "Par ex. « Contingent de la Ville de Marseille ».",
        }

    def __init__(self, *args, holders=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["holder"].queryset = holders

    def clean(self):
        # `services.create_contingent` skips the (territory, kind, holder) uniqueness: the
        # database would refuse it with an error page.
        data = super().clean()
        holder, kind = data.get("holder"), data.get("kind")
        if (
            holder is not None
            and kind
            and ContingentQuota.objects.filter(territory_id=holder.territory_id, kind=kind, holder=holder).exists()
        ):
            self.add_error("kind", "Ce réservataire a déjà un contingent de ce type sur le territoire.")
        return data

    def _post_clean(self):
        pass

    def contingent_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}
