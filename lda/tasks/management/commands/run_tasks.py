"""The background worker: `manage.py run_tasks` polls the queue and runs tasks one at a time.

Run one or more of them next to the web server (`make run` starts one). At start, and every
minute, tasks left running by a stopped worker are queued again, and the daily tasks not yet
queued today are queued (once a day whatever the number of workers and restarts: see
`queue.enqueue_daily`). `--once` drains and exits (with `--daily`, after queueing the daily
tasks due).
"""

import signal
import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections, connection

from lda.tasks import queue

MAINTENANCE_SECONDS = 60


class Command(BaseCommand):
    help = "Exécute les tâches de fond (imports…) en attente."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Vide la file puis s'arrête.")
        parser.add_argument(
            "--daily",
            action="store_true",
            help="Avec --once : met d'abord en file les tâches quotidiennes du jour (le worker permanent le fait seul).",
        )
        parser.add_argument("--interval", type=float, default=2.0, help="Secondes entre deux relevés de la file.")
        parser.add_argument(
            "--stale-minutes",
            type=int,
            default=queue.STALE_MINUTES,
            help="Une tâche en cours sans signe de vie depuis ce délai est remise en file.",
        )

    def handle(self, *args, once=False, daily=False, interval=2.0, stale_minutes=queue.STALE_MINUTES, **options):
        # SIGTERM stops the worker like Ctrl-C: a task in progress is rolled back and queued again.
        signal.signal(signal.SIGTERM, _raise_interrupt)
        maintained_at = 0.0
        ran = 0
        try:
            while True:
                if time.monotonic() - maintained_at >= MAINTENANCE_SECONDS:
                    requeued = queue.requeue_stale(stale_minutes)
                    queue.expire_held()
                    if requeued:
                        self.stdout.write(f"{requeued} tâche(s) interrompue(s) remise(s) en file.")
                    if daily or not once:
                        for queued in queue.enqueue_daily():
                            self.stdout.write(f"Tâche quotidienne {queued.pk} ({queued.kind}) mise en file.")
                    maintained_at = time.monotonic()
                if not connection.in_atomic_block:  # (tests run the command inside a transaction)
                    close_old_connections()
                task = queue.claim()
                if task is not None:
                    queue.run_task(task)
                    ran += 1
                    self.stdout.write(f"Tâche {task.pk} ({task.kind}) : {task.get_status_display().lower()}.")
                    continue
                if once:
                    break
                time.sleep(interval)
        except KeyboardInterrupt:
            self.stdout.write("Arrêt du traitement des tâches.")
        if once:
            self.stdout.write(f"{ran} tâche(s) exécutée(s).")


def _raise_interrupt(signum, frame):
    raise KeyboardInterrupt
