from django import forms
from django.core.exceptions import ValidationError

from lda.accounts.models import ApiToken, Membership, Organisation, Territory, User
from lda.accounts.roles import Role, role_refusal
from lda.core.validators import clean_epci_codes, normalise_digits


class TerritoryForm(forms.ModelForm):
    epci_codes = forms.CharField(
        label="Codes SIREN des EPCI",
        required=False,
        help_text="Séparés par des virgules, 9 chiffres chacun (ex. : 200054807).",
    )

    class Meta:
        model = Territory
        fields = ["name", "departement_code"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["epci_codes"].initial = ", ".join(self.instance.epci_codes or [])

    def clean_epci_codes(self):
        return clean_epci_codes(self.cleaned_data["epci_codes"].split(","))

    def save(self, commit=True):
        self.instance.epci_codes = self.cleaned_data["epci_codes"]
        return super().save(commit)


class OrganisationForm(forms.ModelForm):
    siret = forms.CharField(label="SIRET", max_length=20, help_text="14 chiffres, espaces acceptés.")

    class Meta:
        model = Organisation
        fields = ["territory", "name", "kind", "siret", "email", "phone", "address", "is_active"]

    def __init__(self, *args, territories, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["territory"].queryset = territories
        if territories.count() == 1:
            self.fields["territory"].initial = territories.first()
            self.fields["territory"].widget = forms.HiddenInput()

    def clean_siret(self):
        return normalise_digits(self.cleaned_data["siret"])

    def clean(self):
        cleaned = super().clean()
        territory, siret = cleaned.get("territory"), cleaned.get("siret")
        if territory and siret:
            clash = Organisation.objects.filter(territory=territory, siret=siret).exclude(pk=self.instance.pk)
            if clash.exists():
                self.add_error("siret", "Une organisation de ce territoire porte déjà ce SIRET.")
        return cleaned


class _RoleInOrganisation(forms.Form):
    organisation = forms.ModelChoiceField(label="Organisation", queryset=Organisation.objects.none())
    role = forms.ChoiceField(label="Rôle", choices=Role.choices)

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations

    def clean(self):
        cleaned = super().clean()
        organisation, role = cleaned.get("organisation"), cleaned.get("role")
        refusal = role_refusal(role, organisation) if organisation and role else None
        if refusal:
            self.add_error("role", refusal)
        return cleaned


class UserCreateForm(_RoleInOrganisation):
    email = forms.EmailField(label="Adresse e-mail professionnelle")
    first_name = forms.CharField(label="Prénom", max_length=150)
    last_name = forms.CharField(label="Nom", max_length=150)
    field_order = ["email", "first_name", "last_name", "organisation", "role"]

    def clean_email(self):
        email = self.cleaned_data["email"].strip().lower()
        if User.objects.filter(email__iexact=email).exists():
            raise ValidationError(
                "Un compte existe déjà avec cette adresse. Ajoutez-lui un rattachement depuis sa fiche."
            )
        return email


class UserEditForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["email", "first_name", "last_name"]

    def clean_email(self):
        email = self.cleaned_data["email"].strip().lower()
        if User.objects.filter(email__iexact=email).exclude(pk=self.instance.pk).exists():
            raise ValidationError("Un autre compte utilise déjà cette adresse.")
        return email


class MembershipForm(_RoleInOrganisation):
    def __init__(self, *args, user, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("organisation") and cleaned.get("role"):
            exists = Membership.objects.filter(
                user=self.user, organisation=cleaned["organisation"], role=cleaned["role"]
            )
            if exists.filter(is_active=True).exists():
                raise ValidationError("Ce compte a déjà ce rôle dans cette organisation.")
        return cleaned


class ApiTokenForm(_RoleInOrganisation):
    name = forms.CharField(label="Nom du jeton", max_length=100, help_text="Par exemple : « Logiciel du SIAO ».")
    field_order = ["name", "organisation", "role"]

    def save(self, created_by) -> tuple[ApiToken, str]:
        return ApiToken.issue(
            organisation=self.cleaned_data["organisation"],
            role=self.cleaned_data["role"],
            name=self.cleaned_data["name"],
            created_by=created_by,
        )
