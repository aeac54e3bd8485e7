"""Which function does each kind of task. Domain apps register theirs with `@task_handler`.

A handler is `function(task, progress) -> dict` (the JSON result); it reports progress with
`progress(done, total, label)` and refuses with `TaskError("message en français")`. An atomic
handler runs in one transaction together with the task's completion: all or nothing.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import autodiscover_modules


class TaskError(Exception):
    """An expected failure: its message (French) is shown to the user as is."""


@dataclass(frozen=True)
class Handler:
    kind: str
    function: Callable
    label: str
    atomic: bool = False
    # Where the status page sends the user once the task is done (None: nowhere).
    done_url: Callable | None = None


_HANDLERS: dict[str, Handler] = {}


def task_handler(kind: str, *, label: str, atomic: bool = False, done_url: Callable | None = None):
    def register(function):
        _HANDLERS[kind] = Handler(kind, function, label, atomic, done_url)
        return function

    return register


def handler_for(kind: str) -> Handler:
    """The handler of `kind`; an unknown kind raises, so a typo never queues work nobody does."""
    try:
        return _HANDLERS[kind]
    except KeyError:
        raise ImproperlyConfigured(f"Type de tâche inconnu : {kind}") from None


def kinds() -> set[str]:
    return set(_HANDLERS)


def autodiscover() -> None:
    autodiscover_modules("task_handlers")
