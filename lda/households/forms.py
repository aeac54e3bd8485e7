"""Forms of the by-name list. They parse and give French errors; the rules live in services."""

from django import forms
from django.utils import timezone

from lda.accounts.roles import OrganisationKind
from lda.core.forms import version_field
from lda.households import codes
from lda.households.ethos import ETHOS_CATEGORIES, KIND_CHOICES
from lda.households.services import birth_date_problem

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _date(label, required=True, help_text=""):
    return forms.DateField(label=label, required=required, widget=DATE, help_text=help_text)


def _blank(choices, label="—"):
    return [("", label), *choices]


class VersionedForm(forms.Form):
    """Carries the version the user started from: a save over someone else's is refused."""

    version = version_field()


class PersonForm(forms.Form):
    last_name = forms.CharField(label="Nom", max_length=100)
    first_name = forms.CharField(label="Prénom", max_length=100)
    aliases = forms.CharField(
        label="Autres noms ou graphies",
        max_length=300,
        required=False,
        help_text="Nom d'usage, surnom, autre orthographe.",
    )
    birth_date = _date(
        "Date de naissance",
        required=False,
        help_text="Si seule l'année est connue, indiquez le 1er janvier et la précision « Année seulement ».",
    )
    birth_date_precision = forms.ChoiceField(
        label="Précision de la date", choices=codes.DatePrecision.choices, initial=codes.DatePrecision.DAY
    )
    sex = forms.ChoiceField(label="Sexe", choices=codes.Sex.choices, initial=codes.Sex.UNKNOWN)
    role = forms.ChoiceField(label="Place dans le ménage", choices=codes.PersonRole.choices)
    administrative_status = forms.ChoiceField(
        label="Situation administrative",
        choices=codes.AdministrativeStatus.choices,
        initial=codes.AdministrativeStatus.UNKNOWN,
        help_text="Seulement ce qui compte pour l'accès au logement. Jamais de numéro de sécurité sociale.",
    )
    confirm_distinct = forms.BooleanField(
        label="J'ai vérifié : il ne s'agit pas d'une personne déjà connue", required=False, widget=forms.HiddenInput
    )

    def clean_birth_date(self):
        value = self.cleaned_data.get("birth_date")
        if problem := birth_date_problem(value):
            raise forms.ValidationError(problem)
        return value


class ReferralForm(forms.Form):
    """The fiche saisine: who refers, when, why, and the household's current situation."""

    referrer_kind = forms.ChoiceField(label="Type de prescripteur", choices=codes.ReferrerKind.choices)
    received_on = _date("Date de la saisine")
    situation_kind = forms.ChoiceField(label="Situation de logement actuelle", choices=_blank(KIND_CHOICES))
    situation_since = _date("Dans cette situation depuis le", required=False)
    summary = forms.CharField(
        label="Motif de la saisine",
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text="Les faits utiles à l'orientation. Pas de jugement, pas de numéro de sécurité sociale.",
    )
    priority_publics = forms.MultipleChoiceField(
        label="Publics prioritaires",
        choices=codes.PriorityPublic.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    consent_given = forms.BooleanField(
        label="La personne a été informée et accepte le partage avec les partenaires cochés ci-dessous", required=False
    )
    consent_on = _date("Date de l'information et de l'accord", required=False)
    consent_kinds = forms.MultipleChoiceField(
        label="Catégories de partenaires autorisées",
        choices=OrganisationKind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, new_household=True, **kwargs):
        super().__init__(*args, **kwargs)
        if new_household:
            self.fields["situation_kind"].required = True
        else:
            self.fields["situation_kind"].required = False
            self.fields["situation_kind"].label = "Nouvelle situation de logement (si elle a changé)"
            for name in ("priority_publics", "consent_given", "consent_on", "consent_kinds"):
                del self.fields[name]

    def clean(self):
        data = super().clean()
        if data.get("consent_given") and not data.get("consent_on"):
            self.add_error("consent_on", "Indiquez la date à laquelle la personne a donné son accord.")
        if data.get("consent_given") and not data.get("consent_kinds"):
            self.add_error("consent_kinds", "Cochez au moins une catégorie de partenaires.")
        for name in ("received_on", "situation_since", "consent_on"):
            value = data.get(name)
            if value and value > timezone.localdate():
                self.add_error(name, "Cette date ne peut pas être dans le futur.")
        return data


class DecisionForm(VersionedForm):
    decision = forms.ChoiceField(label="Décision", choices=codes.Decision.choices, widget=forms.RadioSelect)
    decided_on = _date("Date de la décision")
    measure = forms.ChoiceField(
        label="Mesure d'accompagnement mobilisée", choices=_blank(codes.MeasureCode.choices, "Aucune"), required=False
    )
    housing_search = forms.BooleanField(label="Recherche de logement", required=False)
    accompanying_organisation = forms.ModelChoiceField(
        label="Opérateur qui accompagne", queryset=None, required=False, empty_label="—"
    )
    reason = forms.ChoiceField(
        label="Motif (réorientation ou clôture)", choices=_blank(codes.DecisionReason.choices), required=False
    )
    comment = forms.CharField(label="Commentaire", widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def __init__(self, *args, organisations=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["accompanying_organisation"].queryset = organisations
        self.fields["decision"].widget = forms.Select(choices=codes.Decision.choices)


class SituationForm(VersionedForm):
    kind = forms.ChoiceField(label="Situation de logement", choices=_blank(KIND_CHOICES))
    started_on = _date("Depuis le")
    detail = forms.CharField(
        label="Précision", max_length=200, required=False, help_text="Nom de la structure, commune…"
    )


class ExitForm(VersionedForm):
    reason = forms.ChoiceField(label="Motif de sortie", choices=_blank(codes.ExitReason.choices))
    on = _date("Date de sortie")
    housed_in = forms.ChoiceField(
        label="Type de logement (si logé)",
        choices=_blank(codes.HomeType.choices),
        required=False,
        help_text="« Logé » veut dire un bail ou une convention d'occupation, pas une place d'hébergement.",
    )


class ReturnForm(VersionedForm):
    on = _date("Date du retour")


class ContactForm(VersionedForm):
    on = _date("Date du contact")


class NeedForm(VersionedForm):
    kind = forms.ChoiceField(label="Besoin", choices=codes.NeedKind.choices)
    status = forms.ChoiceField(label="État", choices=codes.NeedStatus.choices)


class ResourceForm(VersionedForm):
    kind = forms.ChoiceField(label="Type de ressource", choices=codes.ResourceKind.choices)
    monthly_amount = forms.DecimalField(
        label="Montant mensuel (€)", min_value=0, max_digits=8, decimal_places=2, initial=0
    )
    person = forms.ModelChoiceField(label="Personne", queryset=None, required=False, empty_label="Le ménage")
    requested_on = _date("Droit demandé le", required=False)
    opened_on = _date("Droit ouvert le", required=False, help_text="Laissez vide si le droit n'est pas encore ouvert.")

    def __init__(self, *args, persons=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = persons


class HouseholdForm(VersionedForm):
    """The editable parts of the file. Fields the user may not see are removed, never shown empty."""

    priority_publics = forms.MultipleChoiceField(
        label="Publics prioritaires",
        choices=codes.PriorityPublic.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    referent = forms.ModelChoiceField(label="Référent·e de parcours", queryset=None, required=False, empty_label="—")
    next_review_on = _date("Prochain point de situation", required=False)
    sne_number = forms.CharField(label="Numéro unique de demande de logement social", max_length=30, required=False)
    sne_filed_on = _date("Date de dépôt de la demande", required=False)
    sne_renewed_on = _date("Date de renouvellement", required=False)
    sne_active = forms.BooleanField(label="Demande active", required=False)
    dalo_recognised = forms.BooleanField(label="Reconnu prioritaire DALO", required=False)
    dalo_on = _date("Date de la décision DALO", required=False)
    accepted_communes = forms.CharField(
        label="Communes acceptées", required=False, help_text="Codes INSEE séparés par des virgules (ex. 13001, 13055)."
    )
    refused_communes = forms.CharField(
        label="Communes refusées", required=False, help_text="Codes INSEE séparés par des virgules."
    )
    wished_home_types = forms.MultipleChoiceField(
        label="Types de logement souhaités",
        choices=codes.HomeType.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    has_pets = forms.BooleanField(label="Animaux de compagnie", required=False)
    needs_ground_floor = forms.BooleanField(label="Rez-de-chaussée ou ascenseur nécessaire", required=False)
    needs_accessible = forms.BooleanField(label="Logement accessible en fauteuil", required=False)
    wants_to_live_alone = forms.NullBooleanField(
        label="Souhaite vivre seul·e",
        required=False,
        widget=forms.Select(choices=[("unknown", "Non renseigné"), ("true", "Oui"), ("false", "Non")]),
    )
    consent_given = forms.BooleanField(label="Accord pour le partage", required=False)
    consent_on = _date("Date de l'information et de l'accord", required=False)
    consent_kinds = forms.MultipleChoiceField(
        label="Catégories de partenaires autorisées",
        choices=OrganisationKind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    protected = forms.BooleanField(
        label="Dossier protégé", required=False, help_text="L'adresse n'est visible que des personnes habilitées."
    )
    protected_viewers = forms.ModelMultipleChoiceField(
        label="Personnes habilitées à voir l'adresse d'un dossier protégé",
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Vous en faites toujours partie.",
    )
    whereabouts = forms.CharField(label="Adresse ou lieu où joindre le ménage", max_length=300, required=False)
    notes = forms.CharField(
        label="Notes",
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text="Des faits utiles à l'accompagnement. Pas de jugement, pas de numéro de sécurité sociale.",
    )

    def __init__(self, *args, referents=None, staff=None, sees_sensitive=False, sees_whereabouts=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["referent"].queryset = referents
        self.fields["protected_viewers"].queryset = staff
        if not sees_sensitive:
            del self.fields["notes"]
            # Sensitive priority publics stay as they are; the user edits only the others.
            self.fields["priority_publics"].choices = [
                c for c in codes.PriorityPublic.choices if c[0] not in codes.PRIORITY_SENSITIVE
            ]
        if not sees_whereabouts:
            # Who cannot see the address cannot lift the protection nor choose who sees it.
            for name in ("whereabouts", "protected", "protected_viewers"):
                del self.fields[name]

    def _communes(self, name):
        raw = self.cleaned_data.get(name, "")
        values = [v.strip() for v in raw.replace(";", ",").split(",") if v.strip()]
        wrong = [v for v in values if not (len(v) == 5 and v[:2].isalnum() and v[2:].isdigit())]
        if wrong:
            raise forms.ValidationError(f"Code INSEE de commune invalide : {', '.join(wrong)}.")
        return sorted(set(values))

    def clean_accepted_communes(self):
        return self._communes("accepted_communes")

    def clean_refused_communes(self):
        return self._communes("refused_communes")

    def clean(self):
        data = super().clean()
        both = set(data.get("accepted_communes") or []) & set(data.get("refused_communes") or [])
        if both:
            self.add_error(
                "refused_communes",
                f"Une commune ne peut pas être à la fois acceptée et refusée : {', '.join(sorted(both))}.",
            )
        if data.get("consent_given") and not data.get("consent_on"):
            self.add_error("consent_on", "Indiquez la date à laquelle la personne a donné son accord.")
        if data.get("dalo_recognised") and not data.get("dalo_on"):
            self.add_error("dalo_on", "Indiquez la date de la décision DALO.")
        return data


class ListFilterForm(forms.Form):
    """The list's filters. Every field optional; wrong values are ignored, never an error page."""

    q = forms.CharField(label="Nom ou référence", required=False)
    statut = forms.ChoiceField(
        label="Statut",
        required=False,
        choices=[
            ("actifs", "Suivis (saisine, étude, commission, sur la liste)"),
            ("tous", "Tous"),
            *codes.HouseholdStatus.choices,
        ],
    )
    ethos = forms.TypedChoiceField(label="Situation (ETHOS)", required=False, coerce=int, empty_value=None, choices=[])
    public = forms.ChoiceField(
        label="Public prioritaire", required=False, choices=_blank(codes.PriorityPublic.choices, "Tous")
    )
    besoin = forms.ChoiceField(
        label="Besoin non satisfait", required=False, choices=_blank(codes.NeedKind.choices, "Tous")
    )
    referent = forms.TypedChoiceField(label="Référent·e", required=False, coerce=int, empty_value=None, choices=[])
    organisation = forms.TypedChoiceField(
        label="Organisation", required=False, coerce=int, empty_value=None, choices=[]
    )
    anciennete = forms.TypedChoiceField(
        label="Sur la liste depuis au moins",
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", "—"), ("3", "3 mois"), ("6", "6 mois"), ("12", "1 an"), ("24", "2 ans")],
    )
    tri = forms.ChoiceField(
        label="Trier par",
        required=False,
        choices=[
            ("-recent", "Dossiers récents d'abord"),
            ("anciennete", "Plus longue attente d'abord"),
            ("contact", "Dernier contact le plus ancien"),
            ("reference", "Référence"),
        ],
    )

    def __init__(self, *args, referents=(), organisations=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["ethos"].choices = [("", "Toutes"), *((k, f"{k}. {v}") for k, v in ETHOS_CATEGORIES.items())]
        self.fields["referent"].choices = [("", "Tous"), *referents]
        self.fields["organisation"].choices = [("", "Toutes"), *organisations]


class PersonEditForm(VersionedForm, PersonForm):
    """Rectifying a person's identity; the legal status only for who passes the second gate."""

    def __init__(self, *args, sees_sensitive=True, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["confirm_distinct"]
        if not sees_sensitive:
            del self.fields["administrative_status"]


class RightsForm(VersionedForm):
    """A person's restriction or opposition (RGPD art. 18 and 21), or lifting it."""

    person = forms.TypedChoiceField(label="Personne concernée", coerce=int, choices=())
    restricted = forms.BooleanField(
        label="Limitation du traitement demandée",
        required=False,
        help_text="Les données sont conservées, mais ni partagées, ni proposées à un bailleur, ni exportées.",
    )
    restricted_on = _date("Date de la demande de limitation", required=False)
    opposed = forms.BooleanField(
        label="Opposition exprimée",
        required=False,
        help_text="Le dossier n'est plus partagé avec les partenaires ni proposé à un bailleur.",
    )
    opposed_on = _date("Date de l'opposition", required=False)
    reason = forms.CharField(
        label="Motif ou objet de la demande",
        max_length=300,
        required=False,
        help_text="Ce que la personne demande, en quelques mots. Jamais de numéro de sécurité sociale.",
    )

    def __init__(self, *args, persons=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].choices = [(p.pk, str(p)) for p in persons]
