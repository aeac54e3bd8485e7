"""The status page of a task, refreshed by htmx until the task ends. Only its creator sees it.

The views build their URLs in the namespace they are mounted in, so a capability can mount them
under its own prefix (the imports do, under /imports/taches/).
"""

from django.core.exceptions import ImproperlyConfigured
from django.shortcuts import render
from django.urls import reverse

from lda.access.decorators import signed_in
from lda.access.policy import get_or_404
from lda.tasks.models import Status, Task
from lda.tasks.registry import handler_for

# htmx stops polling when the answer has this status.
STOP_POLLING = 286


def _context(request, task):
    namespace = request.resolver_match.namespace
    prefix = f"{namespace}:" if namespace else ""
    try:
        handler = handler_for(task.kind)
    except ImproperlyConfigured:
        handler = None
    done_url = ""
    if task.status == Status.DONE and handler and handler.done_url:
        done_url = handler.done_url(task)
    return {
        "task": task,
        "label": handler.label if handler else task.kind,
        "polling": task.status in (Status.QUEUED, Status.RUNNING),
        "poll_url": reverse(f"{prefix}task_progress", args=[task.pk]),
        "page_url": reverse(f"{prefix}task", args=[task.pk]),
        "done_url": done_url,
    }


@signed_in
def status(request, pk):
    task = get_or_404(request.user, Task.objects.defer("input_file"), pk=pk)
    return render(request, "tasks/status.html", _context(request, task))


@signed_in
def progress(request, pk):
    task = get_or_404(request.user, Task.objects.defer("input_file"), pk=pk)
    context = _context(request, task)
    response = render(request, "tasks/progress.html", context)
    if not context["polling"]:
        response.status_code = STOP_POLLING
    return response
