from lda.access.policy import scoped
from lda.audit.models import AccessLog


@scoped(AccessLog)
def _access_log(actor, qs):
    return qs.filter(territory_id__in=actor.territories("audit.view"))
