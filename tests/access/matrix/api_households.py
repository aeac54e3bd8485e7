"""Authorisation matrix rows of the by-name list API (tokens of each role; 401 without a token).

The matrix calls write operations without a body: a token holding the permission and reaching the
household gets 400 (no JSON body) or 422 (PATCH: no version), any other 403 (permission) or 404 (household out of
reach) — the permission and the household are checked before the body is read.
"""

from lda.accounts.roles import Role
from tests.access.matrix_helpers import only
from tests.factories import user_with_role
from tests.households.helpers import make_household, organisation_of

R = Role
FILE = (R.COORDINATOR, R.REFERENT, R.SOCIAL_WORKER)
NO_BODY = 400  # the test client posts an empty form, not JSON
REFERRERS = (R.COORDINATOR, R.REFERENT, R.SOCIAL_WORKER, R.LANDLORD, R.PREVENTION_AGENT)


def _answer(roles, code):
    return {role: code for role in roles}


def _api(allowed):
    return only(allowed, anonymous=401)


ROWS = {
    "api:households": ("get", _api(_answer(FILE, 200))),
    "api:household_create": ("post", _api(_answer(REFERRERS, NO_BODY))),
    "api:household": ("get", _api(_answer(FILE, 200))),
    "api:household_update": ("patch", _api(_answer(FILE, 422))),
    "api:household_persons": ("get", _api(_answer(FILE, 200))),
    "api:household_person_add": ("post", _api(_answer(FILE, NO_BODY))),
    "api:household_situations": ("get", _api(_answer(FILE, 200))),
    "api:household_situation_add": ("post", _api(_answer(FILE, NO_BODY))),
    "api:referrals": ("get", _api(_answer(FILE, 200))),
    # Landlords and prevention agents may refer, but an existing household is not theirs to reach.
    "api:household_referral_add": (
        "post",
        _api({**_answer(FILE, NO_BODY), R.LANDLORD: 404, R.PREVENTION_AGENT: 404}),
    ),
    "api:household_orientation_add": ("post", _api({R.COORDINATOR: NO_BODY})),
    "api:household_exit": ("post", _api(_answer((R.COORDINATOR, R.REFERENT), NO_BODY))),
    "api:household_events": ("get", _api(_answer(FILE, 200))),
}

# Another territory's household: 404 for a referent token (the orientation needs the coordinator's
# permission, refused first: it is tried by tests/api/test_households_api_privacy.py).
ELSEWHERE = {
    name: 404
    for name in (
        "api:household",
        "api:household_update",
        "api:household_persons",
        "api:household_person_add",
        "api:household_situations",
        "api:household_situation_add",
        "api:household_referral_add",
        "api:household_exit",
        "api:household_events",
    )
}


def objects(territory, where, users):
    if where == territory:
        # Referred by the association, followed by the SIAO: both the social worker and the referent reach it.
        household = make_household(users[R.SOCIAL_WORKER])
        household.referent_organisation = organisation_of(users[R.REFERENT])
        household.save(update_fields=["referent_organisation"])
    else:
        household = make_household(user_with_role(R.SOCIAL_WORKER, where))
    return {
        name: {"household_id": household.pk}
        for name in ROWS
        if name not in ("api:households", "api:referrals", "api:household_create")
    }
