"""A proposal's stored explanation (`runs.explanation_json`, or a manual candidate's) as the pages
show it: constraint labels, score terms with sensitive criteria masked for viewers who may not
see that category of the file, affordability figures in percent and euros. Pure: no queries."""

from lda.housing import adapter, constraints
from lda.housing.data import TIER_LABELS

TIER_SHORT = {"dalo": "DALO", "prioritaire": "Prioritaire", "autre": "Autre"}
SEX_LABELS = {"F": "Femmes", "M": "Hommes", "X": "Non renseigné"}
FAMILY_LABELS = {
    "isole": "Personne isolée",
    "monoparentale": "Famille monoparentale",
    "couple": "Couple sans enfant",
    "couple_enfants": "Couple avec enfants",
    "autre": "Autre composition",
}
MASKED = "Critère réservé (catégorie sensible du dossier)"


def tier_label(code: str) -> str:
    return TIER_LABELS.get(code, code)


def figures(affordability: dict | None) -> dict | None:
    """Affordability figures with the taux d'effort in percent (None: resources are nil)."""
    if not affordability:
        return None
    rate = affordability.get("effort_rate")
    return {
        "housing_cost": affordability["housing_cost"],
        "net_cost": affordability["net_cost"],
        "effort_rate_percent": None if rate is None else round(rate * 100, 1),
        "daily_rest_per_uc": affordability["daily_rest_per_uc"],
        "consumption_units": affordability["consumption_units"],
    }


def live_figures(record, unit, rules) -> dict:
    """Today's figures of a household record for a unit, in the stored explanation's shape."""
    a = constraints.affordability(record, adapter.engine_unit(unit), adapter.engine_thresholds(rules))
    return figures(
        {
            "housing_cost": round(a.housing_cost, 2),
            "net_cost": round(a.net_cost, 2),
            "effort_rate": None if a.effort_rate == float("inf") else a.effort_rate,
            "daily_rest_per_uc": round(a.daily_rest_per_uc, 2),
            "consumption_units": a.consumption_units,
        }
    )


def terms(explanation: dict, hidden: set[str]) -> list[dict]:
    """The score term by term; a term whose criterion reveals a category the viewer may not see is
    masked whether met or not, so that neither its label nor its points give it away."""
    rows = []
    for term in explanation.get("terms") or []:
        if term["code"] in hidden:
            rows.append({"code": term["code"], "label": MASKED, "masked": True})
        else:
            rows.append({**term, "masked": False})
    return rows


def present(explanation: dict, hidden: set[str]) -> dict:
    """Everything the coordinator's (or the household's referent's) explanation shows."""
    manual = bool(explanation.get("manual"))
    # Without the file's second gate, totals, the alternative (its points and words) and the free
    # text are withheld too: each would give the masked criteria's points away (as in the API).
    withheld = bool(hidden)
    alternative = None if withheld else explanation.get("alternative") or None
    return {
        "withheld": withheld,
        "manual": manual,
        "tier_label": explanation.get("tier_label") or tier_label(explanation.get("tier", "")),
        "method": explanation.get("method", ""),
        "grid_version": explanation.get("grid_version", ""),
        # Stored as "<territory> <version>": the version is what a reader needs.
        "thresholds_version": (explanation.get("thresholds_version") or "").split(" ")[-1],
        "constraints": [constraints.REASONS.get(c, c) for c in explanation.get("constraints_met") or []],
        "terms": terms(explanation, hidden),
        "household_score": None if withheld else explanation.get("household_score"),
        "pair_score": None if withheld else explanation.get("pair_score"),
        "affordability": figures(explanation.get("affordability")),
        "alternative": alternative,
        "overridden": [constraints.REASONS.get(c, c) for c in explanation.get("overridden") or []],
        "justification": "" if withheld else explanation.get("justification", ""),
    }


def hidden_criteria(sees_sensitive: bool) -> set[str]:
    """The criteria codes to mask: the file's second gate opens every sensitive category at once."""
    return adapter.sensitive_criteria_hidden(lambda category: sees_sensitive)
