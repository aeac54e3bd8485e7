"""Background tasks of the by-name list, found by `lda.tasks` (it discovers `task_handlers` modules)."""

from django.urls import reverse

from lda.accounts.models import Organisation
from lda.households import importer
from lda.tasks import queue
from lda.tasks.registry import TaskError, task_handler

IMPORT = "households.import"
DRY_RUN = "households.import_check"
VALID_ONLY = "valid_only"
REFUSED_HINT = "Corrigez le fichier et déposez-le à nouveau."


def dry_run_check(task, progress):
    """The dry run reads and checks the uploaded file (outside the transaction, like the import)."""
    report = importer.check(bytes(task.input_file or b""), progress=progress)
    if report.refused:
        raise TaskError(" ".join(p.message for p in report.errors) + " " + REFUSED_HINT)
    return report


@task_handler(
    DRY_RUN,
    label="Vérification d'un fichier de ménages",
    atomic=True,  # the held import and the dry run's completion together: both or neither
    prepare=dry_run_check,
    done_url=lambda task: reverse("imports:report", args=[task.result["import"]]),
)
def check_households(task, progress, report):
    """Holds the import of the checked file, with its report, until the user confirms it."""
    held = queue.enqueue(
        IMPORT,
        {"organisation_id": task.payload["organisation_id"], "role": task.payload.get("role", "")},
        user=task.created_by,
        territory=task.territory,
        input_file=bytes(task.input_file or b""),
        input_name=task.input_name,
        held=True,
    )
    held.result = {"check": report.to_json()}
    held.save(update_fields=["result"])
    return {"import": held.pk}


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
