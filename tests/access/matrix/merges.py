"""Matrix rows of the duplicates pages: the coordinator's alone; another territory's objects are 404."""

from lda.accounts.roles import Role
from lda.households import merge
from lda.households.services import PersonData
from tests.access.matrix_helpers import only
from tests.factories import user_with_role
from tests.households.helpers import author_of, make_household

COORDINATOR_GET = {Role.COORDINATOR: 200}
COORDINATOR_POST = {Role.COORDINATOR: 302}  # back to a page, with a message

ROWS = {
    "merges:pairs": ("get", only(COORDINATOR_GET)),
    "merges:compare": ("get", only(COORDINATOR_GET)),
    "merges:merge": ("post", only(COORDINATOR_POST)),
    "merges:merge_persons": ("post", only(COORDINATOR_POST)),
    "merges:history": ("get", only(COORDINATOR_GET)),
    "merges:undo": ("post", only(COORDINATOR_POST)),
}
ELSEWHERE = {
    "merges:compare": (Role.COORDINATOR, 404),
    "merges:merge": (Role.COORDINATOR, 404),
    "merges:merge_persons": (Role.COORDINATOR, 404),
    "merges:undo": (Role.COORDINATOR, 404),
}


def objects(territory, where, users):
    worker = users[Role.SOCIAL_WORKER] if where == territory else user_with_role(Role.SOCIAL_WORKER, where)
    a = make_household(worker, persons=[PersonData("Martin", "Léa", is_head=True)])
    b = make_household(worker, persons=[PersonData("Martin", "Lea", is_head=True)])
    c, d = make_household(worker), make_household(worker)
    done = merge.merge_households(c, d, author_of(worker))
    return {
        "merges:compare": {"kept": a.pk, "merged": b.pk},
        "merges:merge": {"kept": a.pk, "merged": b.pk},
        "merges:merge_persons": {"kept": a.persons.get().pk, "merged": b.persons.get().pk},
        "merges:undo": {"pk": done.pk},
    }
