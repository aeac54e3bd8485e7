"""Background tasks of the by-name list, found by `lda.tasks` (it discovers `task_handlers` modules)."""

from django.urls import reverse

from lda.accounts.models import Organisation
from lda.households import importer
from lda.tasks.registry import TaskError, task_handler

IMPORT = "households.import"
VALID_ONLY = "valid_only"


@task_handler(
    IMPORT,
    label="Import de ménages",
    atomic=True,  # one transaction with the task's completion: all or nothing
    done_url=lambda task: reverse("imports:result", args=[task.pk]),
)
def import_households(task, progress):
    """Checks the stored file again, then writes its households (or only the valid ones)."""
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
    households = report.valid_households
    if not households:
        raise TaskError("Aucun ménage valide à importer. Rien n'a été importé.")
    organisation = Organisation.objects.get(pk=task.payload["organisation_id"])
    written = importer.write(
        households,
        territory=task.territory,
        organisation=organisation,
        user=task.created_by,
        role=task.payload.get("role", ""),
        progress=progress,
    )
    return {"check": report.to_json(), **written}
