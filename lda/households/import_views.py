"""Import of households from a spreadsheet: upload and dry run, report, confirmation, result.

The uploaded file is kept only in the task rows: the upload stores it in a dry-run task
(`task_handlers.check_households`, in the background, with its progress page), which hands it to a
held import task with its report; that one waits for the user's confirmation, then its file is
purged when the import ends (`task_handlers.import_households`).
"""

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from lda.access.decorators import permission
from lda.access.policy import PERMISSIONS, actor_for, get_or_404
from lda.accounts.models import Territory
from lda.households import importer
from lda.households.ethos import SITUATION_KINDS
from lda.households.models import Household, Person
from lda.households.task_handlers import DRY_RUN, IMPORT, VALID_ONLY
from lda.tasks import queue
from lda.tasks.models import Status, Task

PROBLEMS_PER_PAGE = 200
HOUSEHOLDS_PER_PAGE = 100
TEMPLATE_NAME = "modele-import-menages.xlsx"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class UploadForm(forms.Form):
    fichier = forms.FileField(
        label="Fichier à importer",
        help_text=(
            f"Classeur Excel (.xlsx) ou fichier .csv (séparé par des points-virgules ou des virgules), "
            f"{importer.MAX_BYTES // (1024 * 1024)} Mo et {importer.MAX_ROWS:,} lignes au plus.".replace(",", " ")
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )

    def clean_fichier(self):
        upload = self.cleaned_data["fichier"]
        if upload.size > importer.MAX_BYTES:
            raise forms.ValidationError(
                f"Le fichier dépasse {importer.MAX_BYTES // (1024 * 1024)} Mo : découpez-le en plusieurs fichiers."
            )
        return upload


def _importing_grant(user):
    """The membership the user imports for (its organisation creates the households)."""
    allowed = PERMISSIONS["households.import"]
    return next(grant for grant in actor_for(user).grants if grant.role in allowed)


def _imports(user):
    return Task.objects.for_user(user).filter(kind=IMPORT).defer("input_file", "result")


def _get_import(request, pk):
    return get_or_404(request.user, Task.objects.filter(kind=IMPORT).defer("input_file"), pk=pk)


@permission("households.import")
def upload(request):
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        # The file is only stored here: the dry run reads and checks it in the background.
        upload = form.cleaned_data["fichier"]
        grant = _importing_grant(request.user)
        task = queue.enqueue(
            DRY_RUN,
            {"organisation_id": grant.organisation_id, "role": grant.role},
            user=request.user,
            territory=Territory.objects.get(pk=grant.territory_id),
            input_file=upload.read(importer.MAX_BYTES + 1),
            input_name=upload.name,
        )
        return redirect("imports:task", pk=task.pk)
    return render(
        request,
        "imports/upload.html",
        {
            "form": form,
            "columns": importer.COLUMNS,
            "situations": SITUATION_KINDS,
            "recent": _imports(request.user)[:10],
        },
    )


@permission("households.import")
def template(request):
    response = HttpResponse(importer.template_workbook(), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{TEMPLATE_NAME}"'
    return response


def ranges(lines: list[int]) -> str:
    """[4, 5, 6, 9] → '4 à 6, 9': the excluded lines, readable."""
    parts, start, previous = [], None, None
    for line in sorted(set(lines)):
        if start is None:
            start = previous = line
        elif line == previous + 1:
            previous = line
        else:
            parts.append(f"{start}" if start == previous else f"{start} à {previous}")
            start = previous = line
    if start is not None:
        parts.append(f"{start}" if start == previous else f"{start} à {previous}")
    return ", ".join(parts)


@permission("households.import")
def report(request, pk):
    task = _get_import(request, pk)
    check = (task.result or {}).get("check") or {"summary": {}, "problems": [], "excluded_lines": [], "clean": False}
    page = Paginator(check["problems"], PROBLEMS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "imports/report.html",
        {
            "task": task,
            "check": check,
            "summary": check["summary"],
            "page": page,
            "excluded": ranges(check["excluded_lines"]),
            "held": task.status == Status.HELD,
            "valid_only": VALID_ONLY,
        },
    )


@require_POST
@permission("households.import")
def confirm(request, pk):
    task = _get_import(request, pk)
    check = (task.result or {}).get("check") or {}
    mode = request.POST.get("mode", "all")
    if task.status != Status.HELD:
        return redirect("imports:task", pk=task.pk)
    if mode != VALID_ONLY and not check.get("clean"):
        messages.error(
            request,
            "Le fichier contient des erreurs : corrigez-les et déposez-le à nouveau, "
            "ou choisissez d'importer seulement les ménages valides.",
        )
        return redirect("imports:report", pk=task.pk)
    if mode == VALID_ONLY and not check.get("summary", {}).get("valid_households"):
        messages.error(request, "Aucun ménage de ce fichier n'est valide : rien ne peut être importé.")
        return redirect("imports:report", pk=task.pk)
    queue.release(task, mode=VALID_ONLY if mode == VALID_ONLY else "all")
    return redirect("imports:task", pk=task.pk)


@require_POST
@permission("households.import")
def discard(request, pk):
    task = _get_import(request, pk)
    if task.status == Status.HELD:
        queue.discard(task)
        messages.success(request, "Import abandonné : le fichier a été supprimé.")
    return redirect("imports:upload")


@permission("households.import")
def result(request, pk):
    task = _get_import(request, pk)
    if task.status != Status.DONE:
        return redirect("imports:task", pk=task.pk)
    created = task.result.get("households", [])
    page = Paginator(created, HOUSEHOLDS_PER_PAGE).get_page(request.GET.get("page"))
    ids = [row[0] for row in page.object_list]
    heads = Person.objects.filter(is_head=True).only("household_id", "first_name", "last_name")
    visible = {
        h.pk: h
        for h in Household.objects.for_user(request.user)
        .filter(pk__in=ids)
        .only("pk", "reference")
        .prefetch_related(Prefetch("persons", queryset=heads, to_attr="heads"))
    }
    rows = []
    for pk_, reference, file_reference in page.object_list:
        household = visible.get(pk_)
        head = household.heads[0] if household and household.heads else None
        rows.append(
            {"pk": pk_ if household else None, "reference": reference, "file_reference": file_reference, "head": head}
        )
    check = task.result.get("check", {})
    return render(
        request,
        "imports/result.html",
        {
            "task": task,
            "page": page,
            "rows": rows,
            "count": len(created),
            "persons": task.result.get("persons", 0),
            "excluded": ranges(check.get("excluded_lines", [])),
        },
    )
