"""Rows of the operator's team. The social worker manages their organisation's team; the
coordinator reads every operator's team of the territory but manages none (adding: 403; a member:
404, as for an object out of reach)."""

from lda.accounts.roles import Role
from lda.measures import services
from tests.access.matrix_helpers import only
from tests.factories import user_with_role
from tests.households.helpers import organisation_of

R = Role

ROWS = {
    "team:list": ("get", only({R.COORDINATOR: 200, R.SOCIAL_WORKER: 200})),
    "team:add": ("get", only({R.SOCIAL_WORKER: 200})),
    "team:toggle": ("post", only({R.SOCIAL_WORKER: 302, R.COORDINATOR: 404})),
}

ELSEWHERE = {"team:toggle": (R.SOCIAL_WORKER, 404)}


def objects(territory, where, users):
    worker = users[R.SOCIAL_WORKER] if where == territory else user_with_role(R.SOCIAL_WORKER, where)
    member = services.add_staff(
        organisation_of(worker), services.StaffData(first_name="Inès", last_name="Morel", profession="psychologist")
    )
    return {"team:toggle": {"pk": member.pk}}
