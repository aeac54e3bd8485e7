"""The forms of the measure-type pages, and the plain-French reading of a type's rules.

The administrator types months, euros and percentages; the services receive the values the
models store (lists of months, approver codes, shares as decimals: 60 % → 0.600). Consistency
errors come from the rule engine (`TypeRules.problems()`), so the form and the services agree.

`describe()` and `changes()` are pure: they turn a version's values into French sentences and say,
field by field, what a version changed from the one before it.
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django import forms

from lda.core.forms import version_field
from lda.households.codes import Sensitive
from lda.measures import codes, rules
from lda.measures.services import VERSION_FIELDS

CHECKBOXES = forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"})
TEXT = forms.Textarea(attrs={"rows": 3})
DECIMAL = forms.TextInput(attrs={"inputmode": "decimal"})
SHARE_STEP = Decimal("0.001")
MAX_MONTHS = 240

# --- conversions (pure) -----------------------------------------------------------------------


def parse_months(text: str) -> list[int]:
    """'3, 6 ; 12' → [3, 6, 12] (sorted, without repeats). Raises ValueError on anything else."""
    parts = [p.strip() for p in (text or "").replace(";", ",").split(",")]
    months = set()
    for part in parts:
        if not part:
            continue
        if not part.isdigit():
            raise ValueError(part)
        months.add(int(part))
    return sorted(months)


def months_text(months) -> str:
    """[3, 6, 12] → '3, 6, 12' (what the form field shows)."""
    return ", ".join(str(m) for m in months or ())


def share_of(percent: Decimal | None) -> Decimal | None:
    """60 (%) → Decimal('0.600'), as stored."""
    if percent is None:
        return None
    return (Decimal(percent) / 100).quantize(SHARE_STEP, rounding=ROUND_HALF_UP)


def percent_of(share: Decimal | None) -> Decimal | None:
    """Decimal('0.600') → Decimal('60'), as typed."""
    if share is None:
        return None
    value = (Decimal(share) * 100).quantize(Decimal("0.1"))
    return value.to_integral_value() if value == value.to_integral_value() else value


def _grouped(integer: str) -> str:
    groups = []
    while len(integer) > 3:
        groups.insert(0, integer[-3:])
        integer = integer[:-3]
    groups.insert(0, integer)
    return "\u202f".join(groups)


def euros(amount: Decimal | None) -> str:
    """Decimal('7000.00') → '7 000 €'; cents only when there are some ('12,50 €')."""
    if amount is None:
        return "—"
    amount = Decimal(amount).quantize(Decimal("0.01"))
    sign = "-" if amount < 0 else ""
    integer, cents = f"{abs(amount):.2f}".split(".")
    text = _grouped(integer) + ("" if cents == "00" else f",{cents}")
    return f"{sign}{text}\u00a0€"


def percent(share: Decimal | None) -> str:
    """Decimal('0.600') → '60 %'; Decimal('0.125') → '12,5 %'."""
    if share is None:
        return "—"
    return f"{str(percent_of(share)).replace('.', ',')}\u00a0%"


def _months(n: int) -> str:
    return f"{n} mois"


def _and(items: list[str]) -> str:
    if not items:
        return ""
    if len(items) == 1:
        return items[0]
    return ", ".join(items[:-1]) + " et " + items[-1]


def approvers_text(approver_codes) -> str:
    labels = [codes.APPROVERS[c].label if c in codes.APPROVERS else c for c in approver_codes or ()]
    return _and(labels) or "personne"


def _yes(value: bool) -> str:
    return "oui" if value else "non"


# --- plain-French reading of a version ----------------------------------------------------------

# The label of each version field, as the administrator reads it (form, detail page, history).
LABELS: dict[str, str] = {
    "target_public": "Public visé",
    "orienting_by": "Qui oriente",
    "standard_months": "Durée standard (mois)",
    "max_months": "Durée maximale absolue (mois)",
    "pre_housing_months": "Début possible avant l'entrée dans le logement (mois)",
    "pre_housing_reduces_sliding_lease": "La sous-location en bail glissant est réduite d'autant",
    "review_months": "Bilans (mois)",
    "informal_review_months": "Bilans informels (mois)",
    "renewal_step_months": "Durée d'un renouvellement (mois, au plus)",
    "renewal_cap_months": "Cumul des renouvellements (mois, au plus)",
    "renewal_approvers": "Un renouvellement est accordé par",
    "derogation_months": "Renouvellement dérogatoire (mois, au plus)",
    "derogation_approvers": "Une dérogation est accordée par",
    "meetings_per_week": "Rencontres avec le ou la référent·e par semaine (au moins)",
    "home_visits_per_week": "Visites à domicile par semaine (au moins)",
    "availability": "Disponibilité de l'équipe",
    "unit_cost": "Coût par ménage et par an (€)",
    "advance_share": "Avance versée à la signature de la convention (%)",
    "indirect_cost_cap": "Plafond des charges directes et indirectes, hors frais de personnel (% du montant versé)",
    "monthly_aid": "Aide mensuelle versée au ménage (€)",
    "monthly_count": "Comptage mensuel transmis à la coordination",
    "re_entry": "Droit au recommencement (allers-retours possibles)",
    "hand_over_required": "La sortie nomme le relais de droit commun",
}


def value_text(name: str, value) -> str:
    """One stored value as the history shows it."""
    if name in ("review_months", "informal_review_months"):
        return months_text(value) or "aucun"
    if name in ("renewal_approvers", "derogation_approvers"):
        return approvers_text(value)
    if name in ("advance_share", "indirect_cost_cap"):
        return percent(value) if value is not None else "aucun"
    if name in ("unit_cost", "monthly_aid"):
        return euros(value) if value is not None else "aucune"
    if name == "pre_housing_months":
        return "sans limite" if value is None else _months(value)
    if isinstance(value, bool):
        return _yes(value)
    if isinstance(value, int):
        return _months(value) if name.endswith("_months") else str(value)
    return str(value or "—")


@dataclass(frozen=True)
class Line:
    label: str
    text: str


def describe(v) -> list[Line]:
    """The rules of a version (model or any object with the version fields) in plain French."""
    lines = [Line("Public visé", v.target_public), Line("Qui oriente", v.orienting_by)]
    lines.append(Line("Durée standard", _months(v.standard_months)))
    if v.pre_housing_months is None:
        lines.append(Line("Avant l'entrée dans le logement", "Pas de limite : la mesure peut commencer à tout moment."))
    else:
        text = f"La mesure peut commencer jusqu'à {_months(v.pre_housing_months)} avant l'entrée dans le logement"
        text += (
            " ; la sous-location en bail glissant est alors réduite d'autant."
            if v.pre_housing_reduces_sliding_lease
            else "."
        )
        lines.append(Line("Avant l'entrée dans le logement", text))
    informal = set(v.informal_review_months or ())
    reviews = [f"{m} mois" + (" (informel)" if m in informal else "") for m in v.review_months or ()]
    lines.append(Line("Bilans", ("À " + _and(reviews) + ".") if reviews else "Aucun bilan prévu."))
    if v.renewal_cap_months:
        lines.append(
            Line(
                "Renouvellements",
                f"Par périodes de {_months(v.renewal_step_months)} au plus, {_months(v.renewal_cap_months)} "
                f"au total, accordés par : {approvers_text(v.renewal_approvers)}.",
            )
        )
    else:
        lines.append(Line("Renouvellements", "Aucun renouvellement prévu."))
    if v.derogation_months:
        lines.append(
            Line(
                "Dérogation",
                f"Un renouvellement de plus, de {_months(v.derogation_months)} au plus, avec l'accord de : "
                f"{approvers_text(v.derogation_approvers)}.",
            )
        )
    else:
        lines.append(Line("Dérogation", "Aucune dérogation prévue."))
    lines.append(Line("Durée maximale absolue", f"{_months(v.max_months)}, renouvellements compris."))
    intensity = f"Au moins {v.meetings_per_week} rencontre{'s' if v.meetings_per_week > 1 else ''} par semaine"
    intensity += f" et au moins {v.home_visits_per_week} visite{'s' if v.home_visits_per_week > 1 else ''} à domicile"
    intensity += " par semaine, modulées selon les besoins aux bilans."
    lines.append(Line("Intensité", intensity))
    if v.availability:
        lines.append(Line("Disponibilité de l'équipe", v.availability))
    lines.append(Line("Coût", f"{euros(v.unit_cost)} par ménage et par an."))
    payment = f"{percent(v.advance_share)} en avance à la signature de la convention, le solde chaque année"
    payment += " sur les résultats et le rapport d'activité."
    lines.append(Line("Versement", payment))
    if v.indirect_cost_cap is not None:
        lines.append(
            Line(
                "Charges directes et indirectes",
                f"{percent(v.indirect_cost_cap)} au plus du montant versé (hors frais de personnel).",
            )
        )
    if v.monthly_aid is not None:
        lines.append(Line("Aide au ménage", f"{euros(v.monthly_aid)} par mois."))
    lines.append(
        Line(
            "Comptage",
            "L'opérateur compte les mesures mois par mois et transmet le relevé à la coordination."
            if v.monthly_count
            else "Pas de relevé mensuel à transmettre.",
        )
    )
    lines.append(
        Line(
            "Droit au recommencement",
            "Oui : après une fin, le ménage peut recommencer une mesure de ce type."
            if v.re_entry
            else "Non : pas de nouvelle mesure de ce type après une fin.",
        )
    )
    lines.append(
        Line(
            "Sortie",
            "Par un relais vers l'accompagnement de droit commun, qui est nommé."
            if v.hand_over_required
            else "Le relais de droit commun n'est pas exigé.",
        )
    )
    return lines


def summary(v) -> list[str]:
    """The main rules of a version, short (the list of types)."""
    reviews = months_text(v.review_months)
    intensity = f"{v.meetings_per_week} rencontre{'s' if v.meetings_per_week > 1 else ''}"
    if v.home_visits_per_week:
        intensity += f" et {v.home_visits_per_week} visite{'s' if v.home_visits_per_week > 1 else ''} à domicile"
    return [
        f"{_months(v.standard_months)}, {_months(v.max_months)} au plus",
        f"bilans à {reviews} mois" if reviews else "aucun bilan",
        f"{intensity} par semaine au moins",
        f"{euros(v.unit_cost)} par ménage et par an",
    ]


@dataclass(frozen=True)
class Change:
    label: str
    before: str
    after: str


def _comparable(name, value):
    if name in ("review_months", "informal_review_months"):
        return sorted(value or ())
    if name in ("renewal_approvers", "derogation_approvers"):
        return sorted(value or ())
    if isinstance(value, Decimal):
        return value.normalize()
    if name in ("target_public", "orienting_by", "availability"):
        return (value or "").strip()
    return value


def changes(previous, current) -> list[Change]:
    """What `current` changed from `previous`, field by field, in the form's order."""
    if previous is None:
        return []
    found = []
    for name in VERSION_FIELDS:
        before, after = getattr(previous, name), getattr(current, name)
        if _comparable(name, before) != _comparable(name, after):
            found.append(Change(LABELS[name], value_text(name, before), value_text(name, after)))
    return found


# --- the forms ----------------------------------------------------------------------------------


def _months_field(label, help_text, required=True, minimum=0):
    return forms.IntegerField(
        label=label,
        help_text=help_text,
        required=required,
        min_value=minimum,
        max_value=MAX_MONTHS,
        error_messages={
            "min_value": f"Indiquez un nombre de mois d'au moins {minimum}.",
            "max_value": f"Indiquez au plus {MAX_MONTHS} mois.",
            "invalid": "Indiquez un nombre entier de mois.",
        },
    )


def _count_field(label, help_text):
    return forms.IntegerField(
        label=label,
        help_text=help_text,
        min_value=0,
        max_value=21,
        error_messages={
            "min_value": "Ce nombre ne peut pas être négatif.",
            "max_value": "Indiquez au plus 21 par semaine.",
            "invalid": "Indiquez un nombre entier.",
        },
    )


class FrenchDecimalField(forms.DecimalField):
    """Accepts what people type: « 7 000 », « 7000,50 € », « 60 % »."""

    def to_python(self, value):
        if isinstance(value, str):
            value = "".join(value.replace("€", "").replace("%", "").split())
        return super().to_python(value)


def _euros_field(label, help_text, required=True):
    return FrenchDecimalField(
        label=label,
        help_text=help_text,
        required=required,
        min_value=0,
        max_digits=10,
        decimal_places=2,
        localize=True,
        widget=DECIMAL,
        error_messages={
            "min_value": "Un montant ne peut pas être négatif.",
            "invalid": "Indiquez un montant en euros, par exemple 7000 ou 7000,50.",
            "max_decimal_places": "Indiquez au plus deux chiffres après la virgule (les centimes).",
            "max_digits": "Ce montant est trop élevé.",
            "max_whole_digits": "Ce montant est trop élevé.",
        },
    )


def _percent_field(label, help_text, required=True):
    return FrenchDecimalField(
        label=label,
        help_text=help_text,
        required=required,
        min_value=0,
        max_value=100,
        max_digits=4,
        decimal_places=1,
        localize=True,
        widget=DECIMAL,
        error_messages={
            "min_value": "Un pourcentage est compris entre 0 et 100 %%.",
            "max_value": "Un pourcentage est compris entre 0 et 100 %%.",
            "invalid": "Indiquez un pourcentage, par exemple 60 ou 12,5.",
            "max_decimal_places": "Indiquez au plus un chiffre après la virgule.",
            "max_digits": "Un pourcentage est compris entre 0 et 100 %%.",
            "max_whole_digits": "Un pourcentage est compris entre 0 et 100 %%.",
        },
    )


class MonthsListField(forms.CharField):
    """'3, 6, 12' ↔ [3, 6, 12]."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", 200)
        super().__init__(**kwargs)

    def prepare_value(self, value):
        if isinstance(value, list | tuple):
            return months_text(value)
        return value

    def to_python(self, value):
        text = super().to_python(value)
        try:
            months = parse_months(text)
        except ValueError:
            raise forms.ValidationError(
                "Indiquez des nombres entiers de mois séparés par des virgules, par exemple 3, 6, 12."
            ) from None
        if any(m > MAX_MONTHS for m in months):
            raise forms.ValidationError(f"Un bilan tombe au plus à {MAX_MONTHS} mois.")
        return months


# Sections of the form, in order: (title, field names).
SECTIONS: list[tuple[str, tuple[str, ...]]] = [
    ("Le type", ("territory", "code", "name", "reveals")),
    ("Public et orientation", ("target_public", "orienting_by")),
    (
        "Durée",
        ("standard_months", "pre_housing_months", "pre_housing_reduces_sliding_lease"),
    ),
    ("Bilans", ("review_months", "informal_review_months")),
    (
        "Renouvellements et dérogation",
        (
            "renewal_step_months",
            "renewal_cap_months",
            "renewal_approvers",
            "derogation_months",
            "derogation_approvers",
            "max_months",
        ),
    ),
    ("Intensité de l'accompagnement", ("meetings_per_week", "home_visits_per_week", "availability")),
    ("Financement", ("unit_cost", "advance_share", "indirect_cost_cap", "monthly_aid")),
    ("Suivi et sortie", ("monthly_count", "re_entry", "hand_over_required")),
    ("Motif", ("change_note",)),
]


class TypeVersionForm(forms.Form):
    """Every rule of a version. Used to edit a type (a new version) and, with the type's code and
    name, to create one."""

    target_public = forms.CharField(
        label=LABELS["target_public"],
        widget=TEXT,
        max_length=2000,
        help_text="Qui la mesure accompagne, comme le dit la convention ou l'appel à projets.",
    )
    orienting_by = forms.CharField(
        label=LABELS["orienting_by"],
        widget=TEXT,
        max_length=2000,
        help_text="Qui décide d'orienter un ménage vers la mesure, et après quelle étude.",
    )
    standard_months = _months_field(
        LABELS["standard_months"], "Durée d'une mesure sans renouvellement, à partir de l'activation.", minimum=1
    )
    max_months = _months_field(
        LABELS["max_months"],
        "Plafond que rien ne dépasse : durée standard + renouvellements + dérogation. Exemple VIAL : 12 + 12 + 6 = 30.",
        minimum=1,
    )
    pre_housing_months = _months_field(
        LABELS["pre_housing_months"],
        "Laissez vide si la mesure n'a pas de limite avant l'entrée dans le logement. Exemple VIAL : 3.",
        required=False,
    )
    pre_housing_reduces_sliding_lease = forms.BooleanField(
        label=LABELS["pre_housing_reduces_sliding_lease"],
        required=False,
        help_text="Cochez si les mois passés avant l'entrée sont retirés de la période de bail glissant.",
    )
    review_months = MonthsListField(
        label=LABELS["review_months"],
        help_text="Mois des bilans après l'activation, séparés par des virgules, ex. 3, 6, 12. "
        "Au plus la durée standard ; un bilan suit aussi chaque renouvellement.",
    )
    informal_review_months = MonthsListField(
        label=LABELS["informal_review_months"],
        help_text="Parmi les bilans ci-dessus, ceux qui sont informels (jamais signalés en retard), ex. 3.",
    )
    renewal_step_months = _months_field(
        LABELS["renewal_step_months"], "0 si la mesure ne se renouvelle pas. Exemple VIAL : 6."
    )
    renewal_cap_months = _months_field(
        LABELS["renewal_cap_months"], "Total des renouvellements ordinaires. Exemple VIAL : 12 (24 mois en tout)."
    )
    renewal_approvers = forms.MultipleChoiceField(
        label=LABELS["renewal_approvers"],
        choices=codes.APPROVER_CHOICES,
        required=False,
        widget=CHECKBOXES,
        help_text="Chaque personne cochée doit donner son accord.",
    )
    derogation_months = _months_field(
        LABELS["derogation_months"],
        "Un seul renouvellement de plus, une fois les renouvellements ordinaires épuisés ; 0 si aucun.",
    )
    derogation_approvers = forms.MultipleChoiceField(
        label=LABELS["derogation_approvers"],
        choices=codes.APPROVER_CHOICES,
        required=False,
        widget=CHECKBOXES,
        help_text="Tous les accords cochés sont nécessaires. Exemple VIAL : la coordination et le chef du SLISL.",
    )
    meetings_per_week = _count_field(
        LABELS["meetings_per_week"], "Intensité de départ ; chaque bilan fixe celle de la période suivante."
    )
    home_visits_per_week = _count_field(LABELS["home_visits_per_week"], "Comptées parmi les rencontres.")
    availability = forms.CharField(
        label=LABELS["availability"],
        widget=TEXT,
        max_length=2000,
        required=False,
        help_text="Par exemple : joignable jusqu'à 22 h et le week-end, astreinte téléphonique.",
    )
    unit_cost = _euros_field(LABELS["unit_cost"], "En euros, ex. 7000. Sert au calcul du montant dû par opérateur.")
    advance_share = _percent_field(
        LABELS["advance_share"], "En pourcentage, ex. 60 pour 60 %. Le solde est versé sur résultats."
    )
    indirect_cost_cap = _percent_field(
        LABELS["indirect_cost_cap"], "En pourcentage, ex. 25. Laissez vide s'il n'y a pas de plafond.", required=False
    )
    monthly_aid = _euros_field(
        LABELS["monthly_aid"], "En euros par mois, ex. 500. Laissez vide s'il n'y en a pas.", required=False
    )
    monthly_count = forms.BooleanField(label=LABELS["monthly_count"], required=False)
    re_entry = forms.BooleanField(
        label=LABELS["re_entry"], required=False, help_text="Un ménage peut recommencer une mesure après une fin."
    )
    hand_over_required = forms.BooleanField(
        label=LABELS["hand_over_required"],
        required=False,
        help_text="La fin « relais vers le droit commun » doit dire quel service prend le relais.",
    )
    change_note = forms.CharField(
        label="Motif du changement",
        max_length=300,
        help_text="Il reste dans l'historique des versions, ex. « Avenant 2026 à la convention : coût porté à "
        "7 500 € ».",
    )
    expected_number = version_field(min_value=1)

    def __init__(self, *args, current=None, **kwargs):
        self.current = current
        if current is not None:
            initial = initial_from(current)
            initial["expected_number"] = current.number
            initial.update(kwargs.pop("initial", None) or {})
            kwargs["initial"] = initial
        super().__init__(*args, **kwargs)
        self.order_fields([name for _, names in SECTIONS for name in names])

    def values(self) -> dict:
        """What the services receive: the stored forms of the values."""
        d = self.cleaned_data
        values = {name: d.get(name) for name in VERSION_FIELDS}
        values["advance_share"] = share_of(d.get("advance_share") or Decimal(0))
        values["indirect_cost_cap"] = share_of(d.get("indirect_cost_cap"))
        values["target_public"] = (d.get("target_public") or "").strip()
        values["orienting_by"] = (d.get("orienting_by") or "").strip()
        values["availability"] = (d.get("availability") or "").strip()
        return values

    def clean(self):
        cleaned = super().clean()
        needed = [name for name in rules.TypeRules.__dataclass_fields__]
        if all(name in cleaned for name in needed):
            engine = rules.TypeRules(**{name: _as_rule(cleaned[name]) for name in needed})
            for name, message in engine.problems().items():
                if name in self.fields and not self.has_error(name):
                    self.add_error(name, message)
        if self.current is not None and not self.errors:
            if not changes(self.current, _Values(self.values())):
                raise forms.ValidationError(
                    "Aucune règle n'a changé : il n'y a pas de nouvelle version à enregistrer.", code="unchanged"
                )
        return cleaned


class _Values:
    """A dict read like a version (for `changes`)."""

    def __init__(self, values: dict):
        self.__dict__.update(values)


def _as_rule(value):
    return tuple(value) if isinstance(value, list) else value


class TypeCreateForm(TypeVersionForm):
    territory = forms.ChoiceField(label="Territoire", choices=())
    code = forms.SlugField(
        label="Code",
        max_length=30,
        help_text="Identifiant court, en minuscules, sans espace ni accent, ex. ald-jeunes. Il ne change plus.",
        error_messages={"invalid": "Le code ne contient que des lettres sans accent, des chiffres, - et _."},
    )
    name = forms.CharField(
        label="Nom",
        max_length=120,
        help_text="Tel qu'il apparaît aux partenaires, ex. « Logement d'abord jeunes (18–25 ans) ».",
    )
    reveals = forms.ChoiceField(
        label="Le nom du type révèle-t-il une information sensible ?",
        choices=[("", "Non"), *Sensitive.choices],
        required=False,
        help_text=(
            "Par exemple un dispositif réservé aux personnes ayant des troubles psychiques : ses mesures ne "
            "sont alors montrées, par le dossier du ménage, qu'aux personnes qui voient cette catégorie."
        ),
    )

    def __init__(self, *args, territories=(), **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["expected_number"]
        self.fields["change_note"].label = "Origine des règles"
        self.fields["change_note"].required = False
        self.fields[
            "change_note"
        ].help_text = "Facultatif : la convention ou le texte d'où viennent ces règles ; il reste dans l'historique."
        if len(territories) > 1:
            self.fields["territory"].choices = [(str(t.pk), t.name) for t in territories]
        else:
            del self.fields["territory"]
            self.territory = territories[0] if territories else None
        self._territories = {str(t.pk): t for t in territories}

    def clean_code(self):
        return self.cleaned_data["code"].lower()

    def chosen_territory(self):
        if "territory" in self.fields:
            return self._territories[self.cleaned_data["territory"]]
        return self.territory


def initial_from(version) -> dict:
    """A version's values as the form shows them (percentages, months lists)."""
    initial = {name: getattr(version, name) for name in VERSION_FIELDS}
    initial["advance_share"] = percent_of(version.advance_share)
    initial["indirect_cost_cap"] = percent_of(version.indirect_cost_cap)
    initial["review_months"] = months_text(version.review_months)
    initial["informal_review_months"] = months_text(version.informal_review_months)
    initial["renewal_approvers"] = list(version.renewal_approvers or ())
    initial["derogation_approvers"] = list(version.derogation_approvers or ())
    return initial


class FormSection:
    """A titled group of a form's fields, read by `includes/form.html` like a form of its own (its
    errors are listed once, in the page's summary, and next to each field)."""

    def __init__(self, form, title, names):
        self.title = title
        self.fields = [form[name] for name in names if name in form.fields]
        self.errors = {}

    def non_field_errors(self):
        return []

    def hidden_fields(self):
        return []

    def visible_fields(self):
        return self.fields


def sections(form) -> list[FormSection]:
    groups = [FormSection(form, title, names) for title, names in SECTIONS]
    return [g for g in groups if g.fields]
