"""The household page's "Propositions de logement" section, without the households app importing
housing: the template asks this tag, which goes through the access policy."""

from django import template

from lda.access.policy import can, scope
from lda.housing.models import Proposal

register = template.Library()


@register.inclusion_tag("housing/_household_proposals.html", takes_context=True)
def household_proposals(context, household):
    user = context["request"].user
    rows = (
        scope(user, Proposal.objects.filter(household=household))
        .select_related("unit", "refusal_reason")
        .order_by("-created_at", "-pk")
    )
    return {"proposals": list(rows), "may_open": can(user, "housing.proposals.view")}
