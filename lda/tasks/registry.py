"""Which function does each kind of task. Domain apps register theirs with `@task_handler`.

A handler is `function(task, progress) -> dict` (the JSON result); it reports progress with
`progress(done, total, label)` and refuses with `TaskError("message en français")`. An atomic
handler runs in one transaction together with the task's completion: all or nothing. Its
`prepare(task, progress)`, when given, runs first and outside that transaction (reading and
checking a file, say): on SQLite the transaction holds the write lock from its first statement
(IMMEDIATE), so only the writing should be inside it; the handler then gets what `prepare` returned
as a third argument.

A kind declared `@daily` is queued by the worker once a day (`queue.enqueue_daily`), for jobs such
as raising the alerts due today.
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
    # Runs before the handler, outside its transaction; its result is the handler's third argument.
    prepare: Callable | None = None


_HANDLERS: dict[str, Handler] = {}


def task_handler(
    kind: str, *, label: str, atomic: bool = False, done_url: Callable | None = None, prepare: Callable | None = None
):
    def register(function):
        _HANDLERS[kind] = Handler(kind, function, label, atomic, done_url, prepare)
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


@dataclass(frozen=True)
class Daily:
    """A task kind the worker queues once a day, from `hour` (local time) on."""

    kind: str
    hour: int = 0


_DAILY: dict[str, Daily] = {}


def daily(kind: str, *, hour: int = 0):
    """Declares `kind` (which has a `@task_handler`) as run once a day by the worker, from `hour`
    o'clock on. Stack it on the handler: `@daily(KIND, hour=6)` above `@task_handler(KIND, …)`."""
    if not 0 <= hour <= 23:
        raise ImproperlyConfigured(f"Heure invalide pour la tâche quotidienne {kind} : {hour}")

    def register(function):
        _DAILY[kind] = Daily(kind, hour)
        return function

    return register


def daily_kinds() -> list[Daily]:
    return sorted(_DAILY.values(), key=lambda d: d.kind)


def autodiscover() -> None:
    autodiscover_modules("task_handlers")
