"""Matrix rows of the household import and of the task status page.

Imports are for coordinators and referents; an import (a task) is seen only by the user who
started it, so another user's import answers 404 — in another territory as in ours.
"""

from lda.accounts.roles import Role
from lda.households import importer
from lda.households.task_handlers import IMPORT
from lda.tasks import queue
from lda.tasks.models import Status
from tests.access.matrix_helpers import everyone, only
from tests.factories import user_with_role

IMPORTERS_GET = {Role.COORDINATOR: 200, Role.REFERENT: 200}
# The referent started the import objects below: the coordinator is another user (404).
OWNER_GET = {Role.COORDINATOR: 404, Role.REFERENT: 200}
OWNER_POST = {Role.COORDINATOR: 404, Role.REFERENT: 302}
OWNER_REDIRECT = {Role.COORDINATOR: 404, Role.REFERENT: 302}

ROWS = {
    "imports:upload": ("get", only(IMPORTERS_GET)),
    "imports:template": ("get", only(IMPORTERS_GET)),
    "imports:report": ("get", only(OWNER_GET)),
    "imports:confirm": ("post", only(OWNER_POST)),
    "imports:discard": ("post", only(OWNER_POST)),
    "imports:result": ("get", only(OWNER_GET)),
    # Any signed-in user may open a task page, but only their own task exists for them.
    "imports:task": ("get", {**everyone(404), Role.REFERENT: 200}),
    "imports:task_progress": ("get", {**everyone(404), Role.REFERENT: 286}),
}
ELSEWHERE = {
    "imports:report": (Role.REFERENT, 404),
    "imports:confirm": (Role.REFERENT, 404),
    "imports:discard": (Role.REFERENT, 404),
    "imports:result": (Role.REFERENT, 404),
    "imports:task": (Role.REFERENT, 404),
    "imports:task_progress": (Role.REFERENT, 404),
}

CLEAN_CSV = (
    "Référence ménage;Nom;Prénom;Situation de logement;Date de la saisine;Prescripteur\n"
    "M1;Martin;Léa;rue;01/02/2026;SIAO\n"
).encode()


def objects(territory, where, users):
    owner = users[Role.REFERENT] if where == territory else user_with_role(Role.REFERENT, where)
    organisation = owner.memberships.get().organisation

    def held():
        task = queue.enqueue(
            IMPORT,
            {"organisation_id": organisation.pk, "role": Role.REFERENT},
            user=owner,
            territory=where,
            input_file=CLEAN_CSV,
            input_name="menages.csv",
            held=True,
        )
        task.result = {"check": importer.check(CLEAN_CSV).to_json()}
        task.save(update_fields=["result"])
        return task

    done = held()
    done.status = Status.DONE
    done.result = {**done.result, "households": [], "persons": 0}
    done.save(update_fields=["status", "result"])
    return {
        "imports:report": {"pk": held().pk},
        "imports:confirm": {"pk": held().pk},
        "imports:discard": {"pk": held().pk},
        "imports:result": {"pk": done.pk},
        "imports:task": {"pk": done.pk},
        "imports:task_progress": {"pk": done.pk},
    }
