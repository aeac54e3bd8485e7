from django import forms, template

register = template.Library()


@register.filter
def control(field):
    """Renders a form field's widget with Bootstrap classes and the ARIA links to its help and errors."""
    widget = field.field.widget
    css = "form-select" if isinstance(widget, forms.Select) else "form-control"
    attrs = {"class": css + (" is-invalid" if field.errors else "")}
    if field.errors:
        attrs["aria-invalid"] = "true"
    if field.help_text or field.errors:
        attrs["aria-describedby"] = f"{field.id_for_label}-aide"
    return field.as_widget(attrs=attrs)
