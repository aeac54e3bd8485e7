"""Matrix rows of the retention pages: households nearing the end of their retention (the
coordinator and the administrator, the territory's; a referent, its own households' warnings) and
legal holds (the coordinator and the administrator). Another territory's hold is 404."""

from lda.accounts.roles import Role
from lda.retention import services
from tests.access.matrix_helpers import only
from tests.factories import user_with_role
from tests.households.helpers import make_household

R = Role
MANAGERS = {R.COORDINATOR: 200, R.ADMIN: 200}

ROWS = {
    "retention:due": ("get", only({**MANAGERS, R.REFERENT: 200})),
    "retention:holds": ("get", only(MANAGERS)),
    "retention:hold_place": ("get", only(MANAGERS)),
    "retention:hold_lift": ("get", only(MANAGERS)),
}
ELSEWHERE = {"retention:hold_lift": (R.COORDINATOR, 404)}


def objects(territory, where, users):
    if where == territory:
        referent, coordinator = users[R.REFERENT], users[R.COORDINATOR]
    else:
        referent, coordinator = user_with_role(R.REFERENT, where), user_with_role(R.COORDINATOR, where)
    household = make_household(referent)
    hold = services.place_hold(where.pk, household.reference, "Procédure en cours", coordinator)
    return {"retention:hold_lift": {"pk": hold.pk}}
