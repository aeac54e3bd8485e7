import numpy as np
import pytest

from lda.housing import auction


@pytest.fixture(scope="session", autouse=True)
def compiled_matching_solver():
    """The demo's matching run would otherwise pay the solver's one-off compilation (about 10 s on a
    fresh installation, decision 0020) inside the timed steps: the timings measure the steps."""
    auction.solve(2, 1, np.array([0, 1]), np.array([0, 0]), np.array([3, 2]), 3)
