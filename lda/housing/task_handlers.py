"""Background tasks of housing, found by `lda.tasks`: `housing.matching_run` (`runs.py`)."""

from lda.housing.runs import matching_run  # noqa: F401
