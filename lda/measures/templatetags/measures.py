"""The household page's "Mesures d'accompagnement" section, without the households app importing
the measures app: the template asks this tag, which goes through the access policy."""

from django import template

from lda.access.policy import can, scope
from lda.measures.models import Measure

register = template.Library()


@register.inclusion_tag("measures/_household_measures.html", takes_context=True)
def household_measures(context, household):
    user = context["request"].user
    measures = (
        scope(user, Measure.objects.filter(household=household))
        .select_related("type_version__measure_type", "operator")
        .order_by("-oriented_on", "-pk")
    )
    return {"household": household, "measures": list(measures), "may_orient": can(user, "measures.orient")}
