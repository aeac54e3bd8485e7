"""Background tasks of the by-name list, found by `lda.tasks` (it discovers `task_handlers` modules)."""

from django.urls import reverse

from lda.accounts.models import Organisation
from lda.households import importer
from lda.tasks.registry import TaskError, task_handler

IMPORT = "households.import"
VALID_ONLY = "valid_only"


def check_import(task, progress):
    """Reads and checks the stored file again, outside the write transaction (on SQLite it holds the
    write lock from its start: parsing 10 000 rows inside it made reads wait and fail)."""
    progress(0, 0, "Vérification du fichier")
    report = importer.check(bytes(task.input_file or b""))
    if report.refused:
        raise TaskError(
            "Le fichier est refusé : " + " ".join(p.message for p in report.errors) + " Rien n'a été importé."
        )
    valid_only = task.payload.get("mode") == VALID_ONLY
    if report.errors and not valid_only:
        raise TaskError(
            "Le fichier contient des erreurs : corrigez-les, ou choisissez d'importer seulement les ménages valides. "
            "Rien n'a été importé."
        )
    if not report.valid_households:
        raise TaskError("Aucun ménage valide à importer. Rien n'a été importé.")
    return report


@task_handler(
    IMPORT,
    label="Import de ménages",
    atomic=True,  # one short transaction with the task's completion: all or nothing
    prepare=check_import,
    done_url=lambda task: reverse("imports:result", args=[task.pk]),
)
def import_households(task, progress, report):
    """Writes the households of the checked file (or only the valid ones), in one transaction."""
    organisation = Organisation.objects.get(pk=task.payload["organisation_id"])
    written = importer.write(
        report.valid_households,
        territory=task.territory,
        organisation=organisation,
        user=task.created_by,
        role=task.payload.get("role", ""),
        progress=progress,
    )
    return {"check": report.to_json(), **written}
