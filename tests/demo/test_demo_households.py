import pytest

from lda.demo.territory import build_demo_territory


@pytest.mark.django_db
def test_smoke():
    result = build_demo_territory(seed=2026)
    print(result.counts, result.seconds)
