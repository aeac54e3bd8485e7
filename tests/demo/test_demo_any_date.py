"""The demo holds its calibration on any reference date, not only on the day it was written.

A fresh clone's suite turned red on 2026-12-07: the demo was drawn from the machine's clock and a
ratio checked on a small sample (Un chez-soi d'abord's ruptures) went over its bound on that day.
Here the households and measures steps are drawn on 24 other dates over two years (month ends, a
leap day, the changes of summer time, the turn of the year) and checked each time.
"""

import pytest
import time_machine

from lda.accounts.models import Territory
from lda.demo.catalogue import MAIN
from lda.demo.territory import STEPS, build_demo_territory
from lda.measures import codes, rules, services
from lda.measures.models import Measure
from tests.clock import SWEEP_DATES, morning

S = codes.MeasureStatus
DRAWN = ("organisations", "users", "households", "measures")


@pytest.mark.parametrize("today", SWEEP_DATES, ids=str)
def test_the_measures_are_calibrated_on_any_reference_date(today, no_demo):
    with time_machine.travel(morning(today), tick=True):
        build_demo_territory(seed=2026, steps=[s for s in STEPS if s.name in DRAWN], today=today)
        main = Territory.objects.get(name=MAIN.name)
        measures = Measure.objects.filter(territory=main)
        assert 250 <= measures.count() <= 400
        assert set(measures.values_list("status", flat=True)) == set(S.values)
        chez_soi = Measure.objects.filter(type_version__measure_type__code="chez_soi", activated_on__isnull=False)
        broken = chez_soi.filter(end_reason__in=codes.RUPTURE_REASONS).count()
        assert chez_soi.count() >= 10 and broken / chez_soi.count() <= 0.15
        for measure in (
            measures.exclude(activated_on=None).select_related("type_version").prefetch_related("renewals", "reviews")
        ):
            end = rules.end_on(measure.rules, services.facts_of(measure))
            assert end <= rules.latest_end_on(measure.rules, measure.activated_on), measure
            if measure.status == S.ACTIVE:
                assert measure.ended_on is None and end >= today
            if measure.status == S.ENDED:
                assert measure.activated_on <= measure.ended_on <= today
