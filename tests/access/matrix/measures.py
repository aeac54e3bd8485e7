"""Rows of the measure pages (lda/measures/urls.py).

The measure built in our territory is an active VIAL measure run by the social worker's
association, for a household our referent's SIAO referred, with a renewal waiting for the
coordinator's opinion. Action pages answer 200 on GET even when the life cycle does not allow the
action now (they say why), so one measure serves every row.

- operator pages: only the operator's social workers (the coordinator holds no `measures.operate`);
- activation and sending back: the coordinator;
- the renewal opinion: the coordinator (the approver VIAL names); the operator holds
  `measures.approve` but is no approver of this measure: 403;
- the contract download: the coordinator and the operator; a referent who sees the household does
  not reach the operator's documents: 404.
"""

from datetime import timedelta

from django.utils import timezone

from lda.accounts.roles import Role
from lda.measures import services
from lda.measures.models import MeasureDocument
from tests.access.matrix_helpers import only
from tests.factories import user_with_role
from tests.households.helpers import author_of, make_household
from tests.measures.helpers import active_measure

R = Role
VIEW = {R.COORDINATOR: 200, R.REFERENT: 200, R.SOCIAL_WORKER: 200}
OPERATOR = {R.SOCIAL_WORKER: 200}
COORDINATOR = {R.COORDINATOR: 200}

ROWS = {
    "measures:list": ("get", only(VIEW)),
    "measures:caseload": ("get", only(OPERATOR)),
    "measures:to_activate": ("get", only(COORDINATOR)),
    "measures:create": ("get", only(COORDINATOR)),
    "measures:detail": ("get", only(VIEW)),
    "measures:document": ("get", only({R.COORDINATOR: 200, R.SOCIAL_WORKER: 200, R.REFERENT: 404})),
    "measures:contract": ("get", only(OPERATOR)),
    "measures:send": ("get", only(OPERATOR)),
    "measures:send_back": ("get", only(COORDINATOR)),
    "measures:activate": ("get", only(COORDINATOR)),
    "measures:entry": ("get", only(OPERATOR)),
    "measures:review": ("get", only(OPERATOR)),
    "measures:renewal_request": ("get", only(OPERATOR)),
    "measures:renewal_decide": ("get", only({R.COORDINATOR: 200})),
    "measures:end": ("get", only(OPERATOR)),
    "measures:abandon": ("get", only(OPERATOR)),
    "measures:referent": ("get", only(OPERATOR)),
}

_OPERATOR_URLS = [name for name, (_, expected) in ROWS.items() if expected[R.SOCIAL_WORKER] == 200]
_COORDINATOR_URLS = ["measures:detail", "measures:document", "measures:send_back", "measures:activate"]

# Another territory's measure (or household): 404 to whoever may act on such objects at home.
ELSEWHERE = {
    **{name: (R.SOCIAL_WORKER, 404) for name in _OPERATOR_URLS if name not in ("measures:list", "measures:caseload")},
    **{name: (R.COORDINATOR, 404) for name in _COORDINATOR_URLS},
    "measures:create": (R.COORDINATOR, 404),
    "measures:renewal_decide": (R.COORDINATOR, 404),
}


def objects(territory, where, users):
    if where == territory:
        coordinator, operator, referent = users[R.COORDINATOR], users[R.SOCIAL_WORKER], users[R.REFERENT]
    else:
        coordinator = user_with_role(R.COORDINATOR, where)
        operator = user_with_role(R.SOCIAL_WORKER, where)
        referent = user_with_role(R.REFERENT, where)
    household = make_household(referent)
    measure = active_measure(coordinator, operator, household=household)
    services.request_renewal(measure, 6, False, timezone.localdate() - timedelta(days=1), author_of(operator), None)
    document = MeasureDocument.objects.filter(measure=measure).values_list("pk", flat=True).first()
    pk = {"pk": measure.pk}
    return {
        **{name: pk for name in ROWS if name not in ("measures:list", "measures:caseload", "measures:to_activate")},
        "measures:create": {"household_pk": household.pk},
        "measures:document": {"pk": document},
    }
