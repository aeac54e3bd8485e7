"""Creating a task and its changes of status are audited; progress and heartbeats go through
`update()` (no signal), so they do not flood the access log."""

from lda.audit.signals import audit_writes
from lda.tasks.models import Task

audit_writes(Task)
