"""Rights of the person (spec 6), the pure part: which fields the rectification history keeps
values of, how a value reads in French, the checks of a restriction or opposition request, and
what a viewer is shown of a history line.

- A field of the person's **own data** (identity, birth, composition, demand, wishes, consent…)
  keeps its old and new values: the person may ask what was recorded and when it changed.
- A **working** field (referent, next review, notes, protected mode…) keeps only the fact, the
  author and the date: notes are the workers' text, not the person's data, and stay out of it.
- A value of a sensitive category (legal status, priority publics revealing violence or health)
  is shown only to who passes the second gate; a protected file's whereabouts only to the named
  people. The database keeps them so that the person's own export is complete.
"""

from dataclasses import dataclass
from datetime import date

from lda.households import codes

WHEREABOUTS = "whereabouts"

# Working fields: the history says that they changed, never their values.
WORKING_FIELDS = frozenset(
    {
        "referent",
        "referent_organisation",
        "accompanying_organisation",
        "next_review_on",
        "notes",
        "protected",
        "status",
        "last_contact_on",
    }
)

# Fields whose values belong to a sensitive category (or to the protected file's whereabouts).
FIELD_SECTIONS: dict[str, str] = {
    "administrative_status": codes.Sensitive.LEGAL,
    "priority_publics": codes.Sensitive.VIOLENCE,  # may reveal violence, prison, mental health
    "notes": codes.Sensitive.NOTES,
    "rights_reason": codes.Sensitive.NOTES,
    "whereabouts": WHEREABOUTS,
}

MASKED = "réservé"


def format_value(value, field=None) -> str:
    """The value as the pages show it: a choice's label, a date in French, oui/non, a list joined."""
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    choices = dict(field.flatchoices) if field is not None and getattr(field, "flatchoices", None) else {}
    if isinstance(value, (list, tuple)):
        return ", ".join(str(choices.get(v, v)) for v in value) or "—"
    if hasattr(value, "_meta"):  # a related object
        return str(value)
    return str(choices.get(value, value))


@dataclass(frozen=True)
class Change:
    field: str
    label: str
    section: str
    values_kept: bool
    old_value: str
    new_value: str


def changes_of(model, before: dict, after: dict) -> list[Change]:
    """The changes between two states of an object's fields (names → raw values), in field order."""
    result = []
    for name, new in after.items():
        old = before.get(name)
        if old == new:
            continue
        field = model._meta.get_field(name)
        kept = name not in WORKING_FIELDS
        result.append(
            Change(
                field=name,
                label=str(field.verbose_name).capitalize(),
                section=FIELD_SECTIONS.get(name, ""),
                values_kept=kept,
                old_value=format_value(old, field) if kept else "",
                new_value=format_value(new, field) if kept else "",
            )
        )
    return result


def shown(values_kept: bool, section: str, sees_sensitive: bool, sees_whereabouts: bool) -> bool:
    """Whether a viewer reads a history line's values."""
    if not values_kept:
        return False
    if section == WHEREABOUTS:
        return sees_whereabouts
    if section:
        return sees_sensitive
    return True


# --- restriction and opposition ------------------------------------------------------------------


@dataclass(frozen=True)
class RightsRequest:
    restricted: bool
    restricted_on: date | None
    opposed: bool
    opposed_on: date | None
    reason: str = ""


def check_rights(request: RightsRequest, today: date, household_created_on: date | None = None) -> dict[str, str]:
    """French errors per field (empty when the request holds). A flag needs the date the person
    asked, neither in the future nor before the file existed, and a reason; a date without its flag
    is refused rather than silently dropped."""
    errors: dict[str, str] = {}
    for flag, on, name, what in (
        (request.restricted, request.restricted_on, "restricted_on", "la limitation"),
        (request.opposed, request.opposed_on, "opposed_on", "l'opposition"),
    ):
        if flag and on is None:
            errors[name] = f"Indiquez la date à laquelle la personne a demandé {what}."
        elif not flag and on is not None:
            errors[name] = f"Une date n'a de sens que si {what} est cochée."
        elif on is not None and on > today:
            errors[name] = "La date de la demande ne peut pas être dans le futur."
        elif on is not None and household_created_on is not None and on < household_created_on:
            errors[name] = (
                f"La date de la demande ne peut pas précéder la création du dossier ({household_created_on:%d/%m/%Y})."
            )
    if (request.restricted or request.opposed) and not request.reason.strip():
        errors["reason"] = "Indiquez le motif ou l'objet de la demande de la personne."
    return errors
