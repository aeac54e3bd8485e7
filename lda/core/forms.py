"""Form helpers shared by every capability's views."""

from django.core.exceptions import ValidationError


def apply_errors(form, error: ValidationError) -> None:
    """A service's errors onto the form: next to their field when the form has it, else on top."""
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)
