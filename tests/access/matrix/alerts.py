"""Rows of the alert inbox of measures. The alert built is an exit told to the coordinator of the
territory: the social worker of the operator sees the inbox but not that alert (404)."""

from lda.accounts.roles import Role
from lda.measures.models import Alert
from tests.access.matrix_helpers import only
from tests.factories import user_with_role
from tests.measures.helpers import open_measure

R = Role

ROWS = {
    "alerts:list": ("get", only({R.COORDINATOR: 200, R.SOCIAL_WORKER: 200})),
    "alerts:close": ("post", only({R.COORDINATOR: 302, R.SOCIAL_WORKER: 404})),
}

# Another territory's alert: its coordinator may close alerts at home, here the answer is 404.
ELSEWHERE = {"alerts:close": (R.COORDINATOR, 404)}


def objects(territory, where, users):
    if where == territory:
        coordinator, operator = users[R.COORDINATOR], users[R.SOCIAL_WORKER]
    else:
        coordinator, operator = user_with_role(R.COORDINATOR, where), user_with_role(R.SOCIAL_WORKER, where)
    measure = open_measure(coordinator, operator)
    alert = Alert.objects.create(
        territory_id=measure.territory_id,
        measure=measure,
        kind="exit",
        due_on=measure.oriented_on,
        audience=Alert.Audience.COORDINATOR,
    )
    return {"alerts:close": {"pk": alert.pk}}
