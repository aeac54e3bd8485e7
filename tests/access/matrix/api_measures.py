"""Authorisation matrix rows of the measures API (tokens of each role; 401 without a token).

The matrix calls write operations without a body: a token holding the permission and reaching the
measure (run by its organisation, for an operator's write) gets 400 (no JSON body), any other 403
(permission) or 404 (measure out of reach) — the permission and the measure are checked before the
body is read. The object: an active VIAL measure run by the social worker's association, for a
household the referent's organisation follows, with a renewal waiting for the coordinator's opinion.
"""

from django.utils import timezone

from lda.accounts.roles import Role
from lda.measures import services
from tests.access.matrix_helpers import only
from tests.factories import user_with_role
from tests.households.helpers import author_of, organisation_of
from tests.measures.helpers import active_measure

R = Role
VIEWERS = (R.COORDINATOR, R.REFERENT, R.SOCIAL_WORKER)
NO_BODY = 400  # the test client posts an empty form, not JSON


def _api(allowed):
    return only(allowed, anonymous=401)


def _read():
    return ("get", _api({role: 200 for role in VIEWERS}))


def _operate():
    return ("post", _api({R.SOCIAL_WORKER: NO_BODY}))


def _coordinate():
    return ("post", _api({R.COORDINATOR: NO_BODY}))


OPERATOR_WRITES = (
    "api:measure_contract",
    "api:measure_send",
    "api:measure_entry",
    "api:measure_end",
    "api:measure_abandon",
    "api:measure_review_add",
    "api:measure_renewal_request",
    "api:measure_meeting_add",
    "api:measure_outcome_add",
    "api:measure_partner_add",
)
READS = (
    "api:measure",
    "api:measure_reviews",
    "api:measure_renewals",
    "api:measure_meetings",
    "api:measure_outcomes",
    "api:measure_partners",
)
COORDINATOR_WRITES = ("api:measure_send_back", "api:measure_activate")

ROWS = {
    "api:measures": _read(),
    **{name: _read() for name in READS},
    **{name: _operate() for name in OPERATOR_WRITES},
    **{name: _coordinate() for name in COORDINATOR_WRITES},
    "api:measure_orient": _coordinate(),
    # Social workers hold `measures.approve` (the chef SLISL is one), but the operator's association is
    # not an approver of VIAL renewals: refused before the body is read.
    "api:measure_renewal_opinion": _coordinate(),
}

# Another territory's measure: 404 for a token whose role may act on such objects at home.
ELSEWHERE = {
    **{name: 404 for name in READS},
    **{name: (R.SOCIAL_WORKER, 404) for name in OPERATOR_WRITES},
    **{name: (R.COORDINATOR, 404) for name in COORDINATOR_WRITES},
    "api:measure_orient": (R.COORDINATOR, 404),
    "api:measure_renewal_opinion": (R.COORDINATOR, 404),
}


def objects(territory, where, users):
    if where == territory:
        coordinator, operator = users[R.COORDINATOR], users[R.SOCIAL_WORKER]
    else:
        coordinator, operator = user_with_role(R.COORDINATOR, where), user_with_role(R.SOCIAL_WORKER, where)
    measure = active_measure(coordinator, operator)
    if where == territory:
        household = measure.household
        household.referent_organisation = organisation_of(users[R.REFERENT])
        household.save(update_fields=["referent_organisation"])
    renewal = services.request_renewal(measure, 6, False, timezone.localdate(), author_of(operator), measure.version)
    found = {name: {"measure_id": measure.pk} for name in (*READS, *OPERATOR_WRITES, *COORDINATOR_WRITES)}
    found["api:measure_orient"] = {"household_id": measure.household_id}
    found["api:measure_renewal_opinion"] = {"renewal_id": renewal.pk}
    return found
