"""E-mails of alerts (to be completed: the background task that sends unsent alerts)."""


def schedule():
    """Queues the sending of alerts not yet e-mailed (at most one such task waiting at a time)."""
