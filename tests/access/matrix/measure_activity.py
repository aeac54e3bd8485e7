"""Rows of a measure's follow-up (meetings, intensity, partners, outcomes). The measure is run by
the social worker's organisation, for a household whose file the referent's organisation created:
the coordinator, the referent and the operator read it; only the operator records."""

from lda.accounts.roles import Role
from tests.access.matrix_helpers import only
from tests.factories import user_with_role
from tests.households.helpers import make_household
from tests.measures.helpers import active_measure

R = Role
READERS = {R.COORDINATOR: 200, R.REFERENT: 200, R.SOCIAL_WORKER: 200}
OPERATOR = {R.SOCIAL_WORKER: 200}

ROWS = {
    "measure_activity:meetings": ("get", only(READERS)),
    "measure_activity:intensity": ("get", only(READERS)),
    "measure_activity:meeting_add": ("get", only(OPERATOR)),
    "measure_activity:partner_add": ("get", only(OPERATOR)),
    "measure_activity:outcome_add": ("get", only(OPERATOR)),
}

# Another territory's measure: the coordinator (reads) and the social worker (records) get 404.
ELSEWHERE = {
    "measure_activity:meetings": (R.COORDINATOR, 404),
    "measure_activity:intensity": (R.COORDINATOR, 404),
    "measure_activity:meeting_add": (R.SOCIAL_WORKER, 404),
    "measure_activity:partner_add": (R.SOCIAL_WORKER, 404),
    "measure_activity:outcome_add": (R.SOCIAL_WORKER, 404),
}


def objects(territory, where, users):
    if where == territory:
        coordinator, worker, creator = users[R.COORDINATOR], users[R.SOCIAL_WORKER], users[R.REFERENT]
    else:
        coordinator = user_with_role(R.COORDINATOR, where)
        worker = user_with_role(R.SOCIAL_WORKER, where)
        creator = user_with_role(R.REFERENT, where)
    household = make_household(creator, consent_kinds=("association",))
    measure = active_measure(coordinator, worker, household=household)
    return {name: {"pk": measure.pk} for name in ROWS}
