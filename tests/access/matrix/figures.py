"""Matrix rows of the figures of the by-name list: aggregates for coordination, State and observers."""

from lda.accounts.roles import Role
from tests.access.matrix_helpers import only

FIGURES = {Role.COORDINATOR: 200, Role.STATE_AGENT: 200, Role.OBSERVER: 200}

ROWS = {
    "figures:table": ("get", only(FIGURES)),
    "figures:export": ("get", only(FIGURES)),
}
ELSEWHERE: dict = {}


def objects(territory, where, users):
    return {}
