"""Form helpers shared by every capability's views."""

from django import forms
from django.core.exceptions import ValidationError

# A hidden version that is missing, not a number or out of range was not the one the page showed:
# the page is from before a change (or was altered). The summary says so instead of an empty line.
VERSION_CHANGED = (
    "La fiche a été modifiée entre-temps (ou la page est incomplète) : vos modifications n'ont pas été "
    "enregistrées. Rechargez la page pour partir de la version à jour, puis recommencez."
)
_VERSION_ERRORS = dict.fromkeys(("required", "invalid", "min_value", "max_value"), VERSION_CHANGED)


def version_field(required=True, min_value=None):
    """The hidden field carrying the version the user started from (no lost update), with its French error."""
    return forms.IntegerField(
        widget=forms.HiddenInput,
        required=required,
        min_value=min_value,
        max_value=2**31 - 1,
        error_messages=_VERSION_ERRORS,
    )


def apply_errors(form, error: ValidationError) -> None:
    """A service's errors onto the form: next to their field when the form has it, else on top."""
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)
