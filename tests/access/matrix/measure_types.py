"""Rows of the measure-type pages: read by whoever works on measures (and the State's agent),
written by the territory administrator only. Another territory's type answers 404."""

from decimal import Decimal

from lda.accounts.roles import Role
from lda.measures import services
from tests.access.matrix_helpers import only

R = Role
VIEWERS = {r: 200 for r in (R.ADMIN, R.COORDINATOR, R.REFERENT, R.SOCIAL_WORKER, R.STATE_AGENT)}

ROWS = {
    "measure_types:list": ("get", only(VIEWERS)),
    "measure_types:detail": ("get", only(VIEWERS)),
    "measure_types:create": ("get", only({R.ADMIN: 200})),
    "measure_types:edit": ("get", only({R.ADMIN: 200})),
    "measure_types:activation": ("post", only({R.ADMIN: 302})),
    "measure_types:install": ("post", only({R.ADMIN: 302})),
}

# The administrator, who manages the types at home, gets 404 for another territory's type.
ELSEWHERE = {
    name: (R.ADMIN, 404) for name in ("measure_types:detail", "measure_types:edit", "measure_types:activation")
}

VALUES = {
    "target_public": "Public de la matrice",
    "orienting_by": "La coordination",
    "standard_months": 6,
    "max_months": 6,
    "unit_cost": Decimal("1000"),
}


def objects(territory, where, users):
    measure_type = services.create_type(where, "matrice", "Type de la matrice", VALUES, None, "")
    pk = {"pk": measure_type.pk}
    return {"measure_types:detail": pk, "measure_types:edit": pk, "measure_types:activation": pk}
