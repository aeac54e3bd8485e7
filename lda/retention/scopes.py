"""Who reaches the retention records: the territory's coordinator and administrator all of them;
a referent the warnings of the households it or its organisation is referent of."""

from django.db.models import Q

from lda.access.policy import scoped
from lda.retention.models import Anonymisation, LegalHold, RetentionNotice, RetentionRules

TERRITORY_WIDE = "retention.holds"  # held by the coordinator and the administrator


def territory_filter(actor, prefix: str = "") -> Q:
    return Q(**{f"{prefix}territory_id__in": actor.territories(TERRITORY_WIDE)})


@scoped(RetentionRules)
@scoped(LegalHold)
@scoped(Anonymisation)
def _territory_rows(actor, queryset):
    return queryset.filter(territory_filter(actor))


@scoped(RetentionNotice)
def _notices(actor, queryset):
    referent_orgs = {g.organisation_id for g in actor.grants if g.role == "referent"}
    mine = Q(household__referent_organisation_id__in=referent_orgs)
    if referent_orgs:
        mine |= Q(household__referent_id=actor.user_id)
    return queryset.filter(territory_filter(actor) | mine)
