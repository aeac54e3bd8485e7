"""Forms of the territory's matching settings (issue 5 points 4, 5 and 7's taxonomy), and the
plain-French reading of a grid or rules version with what each version changed.

The administrator types points, percentages and euros; the services receive the stored values
(criteria as a list, 30 % → Decimal("0.300")). Whole-version checks stay in `services.check_grid`
/ `services.check_rules`, so a form and the API agree.
"""

from dataclasses import dataclass
from decimal import Decimal

from django import forms
from django.utils.text import slugify

from lda.core.forms import version_field
from lda.housing import adapter, codes, constraints
from lda.housing.models import RefusalReason
from lda.measures.type_forms import (
    CHECKBOXES,
    Change,
    FormSection,
    FrenchDecimalField,
    euros,
    percent,
    percent_of,
    share_of,
)

PER_MONTH = "anciennete"  # the one criterion counted per month on the list
POINTS = (-1000, 1000)
SIZES = range(1, 9)  # household sizes of the typology table; 8 stands for 8 persons and more
KINDS = codes.UnitKind.choices


def _points_field(label, help_text="", required=False, minimum=POINTS[0]):
    return forms.IntegerField(
        label=label,
        help_text=help_text,
        required=required,
        min_value=minimum,
        max_value=POINTS[1],
        error_messages={
            "required": "Indiquez un nombre de points.",
            "invalid": "Indiquez un nombre entier de points.",
            "min_value": f"Indiquez un nombre de points entre {minimum} et {POINTS[1]}.",
            "max_value": f"Indiquez un nombre de points entre {minimum} et {POINTS[1]}.",
        },
    )


def parse_points(text: str) -> list[int]:
    """'30, 20 ; 10' → [30, 20, 10], in the order typed (a rank per value). ValueError otherwise."""
    parts = [p.strip() for p in (text or "").replace(";", ",").split(",")]
    values = []
    for part in parts:
        if not part:
            continue
        if not part.isdigit():
            raise ValueError(part)
        values.append(int(part))
    return values


def _pts(n: int) -> str:
    return f"{n} point{'s' if abs(n) > 1 else ''}"


def _yes(value) -> str:
    return "oui" if value else "non"


def _labels(choices, values) -> str:
    names = dict(choices)
    return ", ".join(str(names.get(v, v)) for v in values) or "aucun"


# --- reading a grid version -----------------------------------------------------------------------


def criterion_text(c: dict | None) -> str:
    if c is None:
        return "ne compte pas"
    if c.get("per_month"):
        cap = c.get("cap_months")
        return f"{_pts(c['points'])} par mois" + (f", {cap} mois au plus" if cap else ", sans plafond")
    return _pts(c["points"])


def wish_text(points) -> str:
    if not points:
        return "aucun point par rang de vœu"
    return " ; ".join(f"vœu n° {rank} : {_pts(p)}" for rank, p in enumerate(points, start=1))


GRID_LABELS = {
    "wish_points": "Points selon le rang de la commune dans les vœux",
    "later_wish_points": "Points d'une commune acceptée au-delà de ces rangs",
    "any_commune_points": "Points quand le ménage accepte toute commune",
    "refusal_lowers_priority": "Un refus non légitime abaisse la cotation",
    "refusal_penalty": "Points retirés par refus non légitime",
}


def grid_value_text(name, value) -> str:
    if name == "wish_points":
        return wish_text(value)
    if name == "refusal_lowers_priority":
        return _yes(value)
    return _pts(value)


def grid_changes(previous, current) -> list[Change]:
    """What a grid version changed from the one before, criterion by criterion then field by field."""
    if previous is None:
        return []
    before = {c["code"]: c for c in previous.criteria}
    after = {c["code"]: c for c in current.criteria}
    found = []
    for code in [*after, *(c for c in before if c not in after)]:
        b, a = before.get(code), after.get(code)
        if criterion_text(b) != criterion_text(a):
            label = (a or b).get("label") or adapter.CRITERIA.get(code, code)
            found.append(Change(label, criterion_text(b), criterion_text(a)))
    for name, label in GRID_LABELS.items():
        b, a = getattr(previous, name), getattr(current, name)
        if b != a:
            found.append(Change(label, grid_value_text(name, b), grid_value_text(name, a)))
    return found


# --- reading a rules version ----------------------------------------------------------------------

RULES_LABELS = {
    "max_effort_rate": "Taux d'effort maximal après aide au logement",
    "min_daily_rest_per_uc": "Reste à vivre minimal par unité de consommation et par jour",
    "max_active_proposals": "Propositions en cours par ménage, au plus",
    "typologies_by_size": "Typologies selon la taille du ménage",
    "kind_rules": "Publics des logements spécifiques",
    "open_contingents": "Contingents ouverts à tous les ménages",
}


def size_label(size: int, top: int) -> str:
    if size >= top:
        return f"{size} personnes et plus"
    return f"{size} personne{'s' if size > 1 else ''}"


def typologies_text(table: dict) -> list[str]:
    top = max((int(k) for k in table), default=1)
    return [
        f"{size_label(int(k), top)} : {', '.join(codes.Typology(t).label for t in sorted(v))}"
        for k, v in sorted(table.items(), key=lambda item: int(item[0]))
    ]


def kind_rule_text(rule: dict | None) -> str:
    if not rule or (rule.get("max_persons") is None and not rule.get("publics")):
        return "ouvert à tous les ménages"
    parts = []
    if rule.get("max_persons") is not None:
        n = rule["max_persons"]
        parts.append(f"{n} personne{'s' if n > 1 else ''} au plus")
    if rule.get("publics"):
        parts.append("réservé à : " + _labels(codes.Public.choices, rule["publics"]))
    return " ; ".join(parts)


def kind_rules_text(rules: dict) -> list[str]:
    return [f"{label} : {kind_rule_text(rules.get(kind))}" for kind, label in KINDS if rules.get(kind)]


def rules_value_text(name, value) -> str:
    if name == "max_effort_rate":
        return percent(value)
    if name == "min_daily_rest_per_uc":
        return f"{euros(value)} par jour et par unité de consommation"
    if name == "typologies_by_size":
        return "\n".join(typologies_text(value))
    if name == "kind_rules":
        return "\n".join(kind_rules_text(value)) or "aucun"
    if name == "open_contingents":
        return _labels(codes.Contingent.choices, value)
    return str(value)


def _rules_comparable(name, value):
    if name in ("max_effort_rate", "min_daily_rest_per_uc"):
        return Decimal(str(value)).normalize()
    if name == "typologies_by_size":
        return {int(k): sorted(v) for k, v in value.items()}
    if name == "kind_rules":
        return {
            k: (v.get("max_persons"), sorted(v.get("publics") or ()))
            for k, v in value.items()
            if kind_rule_text(v) != "ouvert à tous les ménages"
        }
    if name == "open_contingents":
        return sorted(value)
    return value


def rules_changes(previous, current) -> list[Change]:
    if previous is None:
        return []
    found = []
    for name, label in RULES_LABELS.items():
        b, a = getattr(previous, name), getattr(current, name)
        if _rules_comparable(name, b) != _rules_comparable(name, a):
            found.append(Change(label, rules_value_text(name, b), rules_value_text(name, a)))
    return found


def min_surface_text() -> list[str]:
    """The legal minimum surface, read from `constraints.min_surface` (never typed twice)."""
    top = max(SIZES)
    return [f"{size_label(n, top)} : {constraints.min_surface(n)} m²" for n in SIZES]


# --- the forms ------------------------------------------------------------------------------------


class _Values:
    """A dict read like a version (for the `*_changes` functions)."""

    def __init__(self, values: dict):
        self.__dict__.update(values)


class VersionForm(forms.Form):
    note = forms.CharField(
        label="Motif du changement",
        max_length=300,
        help_text="Il reste dans l'historique des versions, par ex. « Délibération du 12 mars 2026 ».",
        error_messages={
            "required": "Indiquez le motif du changement (délibération, avenant…).",
            "max_length": "Le motif tient en 300 caractères au plus.",
        },
    )
    expected_number = version_field(min_value=1)
    sections_spec: list[tuple[str, tuple[str, ...]]] = []

    def __init__(self, *args, current=None, **kwargs):
        self.current = current
        super().__init__(*args, **kwargs)

    def order_by_sections(self):
        self.order_fields([name for _, names in self.sections_spec for name in names])

    def sections(self) -> list[FormSection]:
        groups = [FormSection(self, title, names) for title, names in self.sections_spec]
        return [g for g in groups if g.fields]

    def values(self) -> dict:
        raise NotImplementedError

    def changes(self) -> list[Change]:
        raise NotImplementedError

    def clean(self):
        cleaned = super().clean()
        if self.current is not None and not self.errors and not self.changes():
            raise forms.ValidationError(
                "Rien n'a changé : il n'y a pas de nouvelle version à enregistrer.", code="unchanged"
            )
        return cleaned


class GridForm(VersionForm):
    """A new version of the scoring grid: points per criterion (blank: the criterion does not
    count), the months on the list and their cap, the wish points, the refusal setting."""

    wish_points = forms.CharField(
        label=GRID_LABELS["wish_points"],
        required=False,
        max_length=100,
        help_text="Points du vœu n° 1, n° 2… séparés par des virgules, par ex. 30, 20, 10.",
    )
    later_wish_points = _points_field(GRID_LABELS["later_wish_points"], required=True, minimum=0)
    any_commune_points = _points_field(GRID_LABELS["any_commune_points"], required=True, minimum=0)
    refusal_lowers_priority = forms.BooleanField(
        label=GRID_LABELS["refusal_lowers_priority"],
        required=False,
        help_text="Désactivé par défaut : en Logement d'abord, refuser une proposition est normal.",
    )
    refusal_penalty = _points_field(
        GRID_LABELS["refusal_penalty"], "Seulement si la case ci-dessus est cochée.", required=True, minimum=0
    )

    def __init__(self, *args, current=None, **kwargs):
        labels = {c["code"]: c["label"] for c in (current.criteria if current else [])}
        super().__init__(*args, current=current, **kwargs)
        for code, label in adapter.CRITERIA.items():
            if code == PER_MONTH:
                continue
            self.fields[f"points_{code}"] = _points_field(
                labels.get(code, label), "Laissez vide : le critère ne compte pas."
            )
        self.fields[f"points_{PER_MONTH}"] = _points_field(
            "Points par mois d'ancienneté de la demande", "Laissez vide : l'ancienneté ne compte pas."
        )
        self.fields["cap_months"] = forms.IntegerField(
            label="Mois comptés au plus",
            required=False,
            min_value=1,
            max_value=240,
            help_text="Plafond de l'ancienneté, par ex. 60 ; vide : sans plafond.",
            error_messages={
                "invalid": "Indiquez un nombre entier de mois.",
                "min_value": "Le plafond est un nombre de mois entre 1 et 240.",
                "max_value": "Le plafond est un nombre de mois entre 1 et 240.",
            },
        )
        self.sections_spec = [
            ("Critères de situation", tuple(f"points_{c}" for c in adapter.CRITERIA if c != PER_MONTH)),
            ("Ancienneté de la demande", (f"points_{PER_MONTH}", "cap_months")),
            ("Vœux de commune", ("wish_points", "later_wish_points", "any_commune_points")),
            ("Refus", ("refusal_lowers_priority", "refusal_penalty")),
            ("Motif", ("note",)),
        ]
        self.order_by_sections()
        if current is not None and not self.is_bound:
            self.initial = {**initial_grid(current), **self.initial}

    def clean_wish_points(self):
        try:
            values = parse_points(self.cleaned_data["wish_points"])
        except ValueError:
            raise forms.ValidationError(
                "Indiquez des nombres entiers de points séparés par des virgules, par ex. 30, 20, 10."
            ) from None
        if len(values) > 10 or any(v > POINTS[1] for v in values):
            raise forms.ValidationError("Indiquez au plus 10 nombres entiers entre 0 et 1000.")
        return values

    def clean(self):
        d = self.cleaned_data
        if d.get("refusal_lowers_priority") and not d.get("refusal_penalty") and not self.has_error("refusal_penalty"):
            self.add_error("refusal_penalty", "Indiquez combien de points un refus non légitime retire.")
        if not self.errors and not self._criteria():
            self.add_error(None, "La grille compte au moins un critère : indiquez des points pour l'un d'eux.")
        if d.get("cap_months") and d.get(f"points_{PER_MONTH}") is None and not self.has_error("cap_months"):
            self.add_error("cap_months", "Un plafond n'a de sens que si l'ancienneté compte : indiquez ses points.")
        return super().clean()

    def _criteria(self) -> list[dict]:
        d = self.cleaned_data
        out = []
        for code, label in adapter.CRITERIA.items():
            points = d.get(f"points_{code}")
            if points is None:
                continue
            per_month = code == PER_MONTH
            out.append(
                {
                    "code": code,
                    "label": self.fields[f"points_{code}"].label if not per_month else label,
                    "points": points,
                    "per_month": per_month,
                    "cap_months": d.get("cap_months") if per_month else None,
                }
            )
        return out

    def values(self) -> dict:
        d = self.cleaned_data
        return {
            "criteria": self._criteria(),
            "wish_points": d.get("wish_points") or [],
            "later_wish_points": d.get("later_wish_points") or 0,
            "any_commune_points": d.get("any_commune_points") or 0,
            "refusal_lowers_priority": bool(d.get("refusal_lowers_priority")),
            "refusal_penalty": d.get("refusal_penalty") or 0,
        }

    def changes(self) -> list[Change]:
        return grid_changes(self.current, _Values(self.values()))


def initial_grid(grid) -> dict:
    initial = {f"points_{c['code']}": c["points"] for c in grid.criteria}
    per_month = next((c for c in grid.criteria if c.get("per_month")), None)
    initial["cap_months"] = per_month.get("cap_months") if per_month else None
    initial["wish_points"] = ", ".join(str(p) for p in grid.wish_points)
    for name in ("later_wish_points", "any_commune_points", "refusal_lowers_priority", "refusal_penalty"):
        initial[name] = getattr(grid, name)
    initial["expected_number"] = grid.number
    return initial


class RulesForm(VersionForm):
    max_effort_rate = FrenchDecimalField(
        label="Taux d'effort maximal après aide au logement (%)",
        help_text="Entre 5 et 60 %, par ex. 30. (Loyer + charges − aide au logement) ÷ ressources.",
        min_value=Decimal("5"),
        max_value=Decimal("60"),
        max_digits=4,
        decimal_places=1,
        localize=True,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
        error_messages={
            "required": "Indiquez le taux d'effort maximal.",
            "invalid": "Indiquez un pourcentage, par ex. 30 ou 27,5.",
            "min_value": "Le taux d'effort maximal est compris entre 5 et 60 %%.",
            "max_value": "Le taux d'effort maximal est compris entre 5 et 60 %%.",
            "max_digits": "Le taux d'effort maximal est compris entre 5 et 60 %%.",
            "max_whole_digits": "Le taux d'effort maximal est compris entre 5 et 60 %%.",
            "max_decimal_places": "Indiquez au plus un chiffre après la virgule.",
        },
    )
    min_daily_rest_per_uc = FrenchDecimalField(
        label="Reste à vivre minimal (€ par jour et par unité de consommation)",
        help_text="Entre 0 et 50 €, par ex. 10. Unités de consommation : 1 pour le premier adulte, 0,5 par autre "
        "personne de 14 ans ou plus, 0,3 par enfant.",
        min_value=Decimal("0"),
        max_value=Decimal("50"),
        max_digits=6,
        decimal_places=2,
        localize=True,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
        error_messages={
            "required": "Indiquez le reste à vivre minimal.",
            "invalid": "Indiquez un montant en euros, par ex. 10 ou 12,50.",
            "min_value": "Le reste à vivre minimal est compris entre 0 et 50 €.",
            "max_value": "Le reste à vivre minimal est compris entre 0 et 50 €.",
            "max_digits": "Le reste à vivre minimal est compris entre 0 et 50 €.",
            "max_whole_digits": "Le reste à vivre minimal est compris entre 0 et 50 €.",
            "max_decimal_places": "Indiquez au plus deux chiffres après la virgule (les centimes).",
        },
    )
    max_active_proposals = forms.IntegerField(
        label=RULES_LABELS["max_active_proposals"],
        min_value=1,
        max_value=3,
        help_text="De 1 à 3 : un ménage n'est pas proposé pour plus de logements à la fois.",
        error_messages={
            "required": "Indiquez le nombre de propositions en cours au plus.",
            "invalid": "Indiquez un nombre entier de 1 à 3.",
            "min_value": "Un ménage a de 1 à 3 propositions en cours au plus.",
            "max_value": "Un ménage a de 1 à 3 propositions en cours au plus.",
        },
    )
    open_contingents = forms.MultipleChoiceField(
        label=RULES_LABELS["open_contingents"],
        choices=codes.Contingent.choices,
        required=False,
        widget=CHECKBOXES,
        help_text="Les autres (par ex. Action Logement, pour les salariés) demandent que le ménage y soit éligible.",
        error_messages={"invalid_choice": "Choisissez des contingents de la liste."},
    )

    def __init__(self, *args, current=None, **kwargs):
        super().__init__(*args, current=current, **kwargs)
        top = max(SIZES)
        for size in SIZES:
            self.fields[f"typologies_{size}"] = forms.MultipleChoiceField(
                label=f"Ménage de {size_label(size, top)}",
                choices=codes.Typology.choices,
                widget=CHECKBOXES,
                error_messages={
                    "required": "Cochez au moins une typologie.",
                    "invalid_choice": "Choisissez des typologies de la liste.",
                },
            )
        for kind, label in KINDS:
            self.fields[f"max_persons_{kind}"] = forms.IntegerField(
                label=f"{label} : personnes au plus",
                required=False,
                min_value=1,
                max_value=20,
                help_text="Vide : pas de limite.",
                error_messages={
                    "invalid": "Indiquez un nombre entier de personnes.",
                    "min_value": "Indiquez un nombre de personnes entre 1 et 20.",
                    "max_value": "Indiquez un nombre de personnes entre 1 et 20.",
                },
            )
            self.fields[f"publics_{kind}"] = forms.MultipleChoiceField(
                label=f"{label} : réservé à",
                choices=codes.Public.choices,
                required=False,
                widget=CHECKBOXES,
                help_text="Rien de coché : ouvert à tous les publics.",
                error_messages={"invalid_choice": "Choisissez des publics de la liste."},
            )
        self.sections_spec = [
            ("Solvabilité", ("max_effort_rate", "min_daily_rest_per_uc")),
            ("Propositions", ("max_active_proposals",)),
            ("Typologies selon la taille du ménage", tuple(f"typologies_{s}" for s in SIZES)),
            (
                "Publics des logements spécifiques",
                tuple(name for kind, _ in KINDS for name in (f"max_persons_{kind}", f"publics_{kind}")),
            ),
            ("Contingents", ("open_contingents",)),
            ("Motif", ("note",)),
        ]
        self.order_by_sections()
        if current is not None and not self.is_bound:
            self.initial = {**initial_rules(current), **self.initial}

    def values(self) -> dict:
        d = self.cleaned_data
        kind_rules = {}
        for kind, _ in KINDS:
            most, publics = d.get(f"max_persons_{kind}"), sorted(d.get(f"publics_{kind}") or ())
            if most is not None or publics:
                kind_rules[kind] = {"max_persons": most, "publics": publics}
        return {
            "max_effort_rate": share_of(d["max_effort_rate"]),
            "min_daily_rest_per_uc": d["min_daily_rest_per_uc"].quantize(Decimal("0.01")),
            "max_active_proposals": d["max_active_proposals"],
            "typologies_by_size": {str(s): sorted(int(t) for t in d[f"typologies_{s}"]) for s in SIZES},
            "kind_rules": kind_rules,
            "open_contingents": sorted(d.get("open_contingents") or ()),
        }

    def changes(self) -> list[Change]:
        return rules_changes(self.current, _Values(self.values()))


def initial_rules(rules) -> dict:
    initial = {
        "max_effort_rate": percent_of(rules.max_effort_rate),
        "min_daily_rest_per_uc": rules.min_daily_rest_per_uc,
        "max_active_proposals": rules.max_active_proposals,
        "open_contingents": list(rules.open_contingents),
        "expected_number": rules.number,
    }
    table = {int(k): v for k, v in rules.typologies_by_size.items()}
    top = max(table) if table else 1
    for size in SIZES:
        initial[f"typologies_{size}"] = [str(t) for t in table.get(min(size, top), [])]
    for kind, rule in rules.kind_rules.items():
        initial[f"max_persons_{kind}"] = rule.get("max_persons")
        initial[f"publics_{kind}"] = list(rule.get("publics") or ())
    return initial


# --- refusal reasons --------------------------------------------------------------------------------


class ReasonForm(forms.ModelForm):
    """A reason the territory adds to the shipped taxonomy; its code is made from its label."""

    legitimate = forms.TypedChoiceField(
        label="Motif légitime ?",
        choices=[("1", "Oui : le refus est fondé"), ("0", "Non : le refus n'est pas fondé")],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
        help_text="Seul un refus non légitime peut abaisser la cotation, si le territoire l'a choisi.",
        error_messages={"required": "Indiquez si le motif est légitime.", "invalid_choice": "Répondez oui ou non."},
    )

    class Meta:
        model = RefusalReason
        fields = ["label", "side"]
        labels = {"label": "Motif", "side": "Refus du fait de"}
        error_messages = {
            "label": {"required": "Indiquez le motif.", "max_length": "Le motif tient en 200 caractères au plus."},
            "side": {"required": "Indiquez qui refuse.", "invalid_choice": "Indiquez qui refuse."},
        }

    def __init__(self, *args, territory=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.territory = territory
        self.instance.territory = territory
        self.fields["side"].choices = [("", "—"), *codes.RefusalSide.choices]

    def clean_label(self):
        label = " ".join(self.cleaned_data["label"].split())
        if not slugify(label):
            raise forms.ValidationError("Le motif doit contenir des lettres ou des chiffres.")
        if RefusalReason.objects.filter(territory=self.territory, label__iexact=label).exists():
            raise forms.ValidationError("Ce motif existe déjà dans la liste du territoire.")
        return label

    def save(self, commit=True):
        reason = super().save(commit=False)
        reason.legitimate = self.cleaned_data["legitimate"]
        reason.code = unique_code(self.territory, self.cleaned_data["side"], reason.label)
        if commit:
            reason.save()
        return reason


def unique_code(territory, side, label) -> str:
    base = slugify(f"{side}-{label}")[:36].strip("-")
    taken = set(RefusalReason.objects.filter(territory=territory, code__startswith=base).values_list("code", flat=True))
    code, n = base, 2
    while code in taken:
        code, n = f"{base}-{n}", n + 1
    return code


@dataclass(frozen=True)
class Line:
    label: str
    text: str


def describe_rules(rules) -> list[Line]:
    return [Line(RULES_LABELS[name], rules_value_text(name, getattr(rules, name))) for name in RULES_LABELS]
