from lda.access.policy import scoped
from lda.tasks.models import Task


@scoped(Task)
def _tasks(actor, qs):
    """A user sees the tasks they started, nobody else's (they may hold an uploaded file)."""
    if actor.user_id is None:
        return qs.none()
    return qs.filter(created_by_id=actor.user_id)
