"""The measure page's activity sections: meetings and weekly intensity, partners, outcomes."""


def section(measure, actor, today) -> dict:
    """Context for `measures/_activity.html`, in a bounded number of queries."""
    return {}
