import cProfile, pstats
import pytest
from lda.demo.territory import build_demo_territory

@pytest.mark.django_db
def test_prof():
    pr = cProfile.Profile(); pr.enable()
    build_demo_territory(seed=2026)
    pr.disable()
    pstats.Stats(pr).sort_stats("cumulative").print_stats(35)
