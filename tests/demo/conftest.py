import numpy as np
import pytest

from lda.housing import auction


@pytest.fixture(scope="session", autouse=True)
def compiled_matching_solver():
    """The demo's matching run would otherwise pay the solver's one-off compilation (about 10 s on a
    fresh installation, decision 0020) inside the timed steps: the timings measure the steps."""
    auction.solve(2, 1, np.array([0, 1]), np.array([0, 0]), np.array([3, 2]), 3)


@pytest.fixture(scope="package")
def demo(django_db_setup, django_db_blocker, compiled_matching_solver):
    """The default demo (seed 2026, scale 1), drawn on the tests' reference date, built once for the
    whole package on each worker (a build takes about 35 s) and removed after it."""
    from django.conf import settings

    from lda.demo.territory import build_demo_territory, reset_demo_territories
    from tests.clock import reference_today

    with django_db_blocker.unblock():
        result = build_demo_territory(seed=2026, today=reference_today())
        yield result
        production, settings.PRODUCTION = settings.PRODUCTION, False
        reset_demo_territories()
        settings.PRODUCTION = production


@pytest.fixture
def no_demo(db, settings):
    """For a test that builds a demo of its own: the shared demo is removed inside the test's
    transaction, and comes back when the transaction is rolled back."""
    from lda.demo.territory import reset_demo_territories

    settings.PRODUCTION = False
    reset_demo_territories()


@pytest.fixture
def light_steps(monkeypatch, no_demo):
    """For the tests of the commands themselves (if-empty, reset, refusals): the organisations,
    accounts and second factors only; the households, measures and housing steps are tested on
    the shared demo and by their own builds."""
    from lda.demo import territory

    monkeypatch.setattr(
        territory, "STEPS", [s for s in territory.STEPS if s.name in ("organisations", "users", "totp")]
    )
