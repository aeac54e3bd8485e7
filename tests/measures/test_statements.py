"""The pure monthly statement (`lda/measures/statements.py`): household-months, starts, ends,
ruptures, the cut-off of the running month, and the properties that make a year the sum of its
months."""

import calendar
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from lda.measures import codes, rules, statements
from lda.measures.statements import Span

VIAL_COST = Decimal("7000")


def span(activated_on, ended_on=None, reason="", code="vial", pk=1, cost=VIAL_COST, household=None):
    return Span(pk, code, cost, activated_on, ended_on, reason, household or pk, code.upper())


# --- the household-month rule --------------------------------------------------------------------


def test_a_measure_active_the_whole_month_counts_one():
    # Activated on the 1st: its months of accompaniment are the calendar months.
    assert statements.household_months(span(date(2025, 1, 1)), 2025, 3) == 1
    assert statements.household_months(span(date(2025, 3, 1), date(2025, 3, 31)), 2025, 3) == 1


def test_a_calendar_month_counts_the_share_of_each_month_of_accompaniment_in_it():
    # Activated on 10/01: March holds 9 days of the month 10/02–09/03 (28 days) and 22 of 10/03–09/04 (31).
    assert statements.household_months(span(date(2025, 1, 10)), 2025, 3) == Fraction(9, 28) + Fraction(22, 31)


def test_twelve_months_of_accompaniment_count_exactly_twelve_whatever_the_day():
    # Issue 20 point 3: from 29/02/2024 the 12 months end on 28/02/2025 and count 12, not 11.9988.
    for activated in (date(2024, 2, 29), date(2025, 8, 31), date(2025, 1, 31), date(2025, 1, 15), date(2025, 3, 1)):
        ended = rules.month_end(activated, 12)
        measure = span(activated, ended)
        total = statements.period_household_months(measure, activated, ended)
        assert total == 12, activated
    leap = span(date(2024, 2, 29), date(2025, 2, 28))
    assert statements.period_household_months(leap, date(2024, 1, 1), date(2025, 12, 31)) == 12


def test_half_of_april_counts_a_half():
    assert statements.household_months(span(date(2025, 4, 16), date(2025, 5, 20)), 2025, 4) == Fraction(1, 2)


def test_activation_and_end_days_are_both_counted():
    one_day = span(date(2025, 1, 31), date(2025, 1, 31))
    assert statements.active_days(one_day, date(2025, 1, 1), date(2025, 1, 31)) == 1
    # Its first month of accompaniment runs 31/01–28/02 (29 days).
    assert statements.household_months(one_day, 2025, 1) == Fraction(1, 29)
    ended_on_first = span(date(2025, 1, 10), date(2025, 2, 1))
    # 01/02 lies in the month 10/01–09/02 (31 days).
    assert statements.household_months(ended_on_first, 2025, 2) == Fraction(1, 31)


def test_a_measure_outside_the_month_counts_nothing():
    assert statements.household_months(span(date(2025, 5, 1)), 2025, 4) == 0
    assert statements.household_months(span(date(2025, 1, 1), date(2025, 3, 31)), 2025, 4) == 0


def test_the_running_month_counts_up_to_the_cut_off_day():
    open_measure = span(date(2025, 1, 1))
    item = statements.month_statement([open_measure], 2025, 6, today=date(2025, 6, 10))
    assert item.cut_off == date(2025, 6, 10)
    assert item.total.household_months == Fraction(10, 30)
    finished = statements.month_statement([open_measure], 2025, 6, today=date(2025, 7, 2))
    assert finished.cut_off is None and finished.total.household_months == 1


@given(day=st.dates(date(2023, 1, 1), date(2029, 12, 31)))
def test_a_month_is_provisional_up_to_its_last_day_included(day):
    # Its last day is still running (found on 29/02/2028: the month read as final on its last day,
    # while the page refused to send it).
    item = statements.month_statement([span(date(2022, 1, 1))], day.year, day.month, today=day)
    assert item.cut_off == day
    before = day.replace(day=1) - timedelta(days=1)
    assert statements.month_statement([span(date(2022, 1, 1))], before.year, before.month, today=day).cut_off is None
    line = statements.funding_line([], day.year, statements.Terms(VIAL_COST, Decimal("0.5"), None), None, day)
    assert line.cut_off == day


def test_starts_ends_ruptures_and_ends_by_reason_of_a_month():
    spans = [
        span(date(2025, 3, 5), pk=1),  # start
        span(date(2024, 12, 1), date(2025, 3, 10), codes.EndReason.RUPTURE, pk=2),
        span(date(2024, 11, 1), date(2025, 3, 20), codes.EndReason.NON_ADHESION, pk=3),
        span(date(2024, 10, 1), date(2025, 3, 31), codes.EndReason.HANDED_OVER, pk=4),
        span(date(2024, 10, 1), date(2025, 2, 28), codes.EndReason.RUPTURE, pk=5),  # ended before
        span(date(2025, 3, 2), date(2025, 3, 2), codes.EndReason.DECEASED, code="fnavdl", pk=6),
    ]
    item = statements.month_statement(spans, 2025, 3)
    vial = next(r for r in item.rows if r.type_code == "vial")
    assert (vial.active, vial.starts, vial.ends, vial.ruptures) == (4, 1, 3, 2)
    assert vial.active_at_end == 2  # the new one and the one ended on the 31st
    assert vial.ends_by_reason == {"rupture": 1, "non_adhesion": 1, "handed_over": 1}
    assert vial.household_months == Fraction(27, 31) + Fraction(10, 31) + Fraction(20, 31) + 1
    assert item.total.active == 5 and item.total.starts == 2 and item.total.ends == 4
    assert item.total.ends_by_reason["deceased"] == 1 and item.total.ruptures == 2
    assert [r.type_code for r in item.rows] == ["fnavdl", "vial"]


def test_ruptures_are_rupture_and_non_adhesion_only():
    assert codes.RUPTURE_REASONS == {codes.EndReason.RUPTURE, codes.EndReason.NON_ADHESION}
    spans = [span(date(2025, 1, 1), date(2025, 1, 15), reason, pk=i) for i, reason in enumerate(codes.EndReason)]
    item = statements.month_statement(spans, 2025, 1)
    assert item.total.ends == len(codes.EndReason) and item.total.ruptures == 2


def test_a_type_with_no_measure_in_the_month_has_no_row():
    item = statements.month_statement([span(date(2025, 5, 1))], 2025, 3)
    assert item.rows == [] and item.total.active == 0


def test_a_vial_measure_run_its_standard_twelve_months_counts_twelve_and_costs_its_unit_cost():
    vial = rules.TypeRules(standard_months=12, max_months=30)
    activated = date(2024, 3, 15)
    ended = rules.end_on(vial, rules.MeasureFacts(activated_on=activated))
    assert ended == date(2025, 3, 14)
    measure = span(activated, ended, codes.EndReason.GOALS_MET)
    total = sum(
        (statements.household_months(measure, y, m) for y, m in statements.months_between(activated, ended)),
        Fraction(0),
    )
    assert total == 12
    paid_2024 = statements.amount_due([measure], 2024)[1]
    paid_2025 = statements.amount_due([measure], 2025)[1]
    assert abs(paid_2024 + paid_2025 - VIAL_COST) <= Decimal("0.01")


# --- properties ----------------------------------------------------------------------------------

days = st.dates(min_value=date(2023, 1, 1), max_value=date(2026, 12, 31))
reasons = st.sampled_from(["", *codes.EndReason.values])


@st.composite
def spans_strategy(draw, max_size=8):
    result = []
    for index in range(draw(st.integers(0, max_size))):
        activated = draw(days)
        length = draw(st.one_of(st.none(), st.integers(0, 900)))
        ended = None if length is None else activated + timedelta(days=length)
        code = draw(st.sampled_from(["vial", "fnavdl", "asell"]))
        result.append(span(activated, ended, draw(reasons) if ended else "", code=code, pk=index + 1))
    return result


def _month_of(activated: date, day: date) -> tuple[date, date]:
    """An independent reading of the month rule: the month of accompaniment holding `day`, found by
    walking anniversaries (the same day of each month, or the day after the last day of a month
    that has no such day)."""
    start, k = activated, 0
    while True:
        k += 1
        index = activated.month - 1 + k
        year, month = activated.year + index // 12, index % 12 + 1
        length = calendar.monthrange(year, month)[1]
        nxt = date(year, month, activated.day) if activated.day <= length else date(year, month, length) + timedelta(1)
        if day < nxt:
            return start, nxt - timedelta(days=1)
        start = nxt


def _day_by_day(measure: Span, until: date) -> Fraction:
    """An independent conversion: each active day weighs 1 / the number of days of its month of
    accompaniment."""
    total = Fraction(0)
    day = measure.activated_on
    last = min(measure.ended_on or until, until)
    while day <= last:
        first, end = _month_of(measure.activated_on, day)
        total += Fraction(1, (end - first).days + 1)
        day += timedelta(days=1)
    return total


@settings(max_examples=60, deadline=None)
@given(activated=days, length=st.integers(0, 800))
def test_household_months_of_a_measure_over_all_months_equal_its_active_days_converted(activated, length):
    ended = activated + timedelta(days=length)
    measure = span(activated, ended)
    total = sum(
        (statements.household_months(measure, y, m) for y, m in statements.months_between(activated, ended)),
        Fraction(0),
    )
    assert total == _day_by_day(measure, ended)
    # Never more months than the calendar months touched (with the 31/28 excess), never less than the whole ones.
    touched = len(list(statements.months_between(activated, ended)))
    assert max(0, touched - 2) * Fraction(28, 31) <= total <= touched * Fraction(31, 28)


@settings(max_examples=60, deadline=None)
@given(spans=spans_strategy(), year=st.integers(2023, 2026), today=days)
def test_a_year_is_the_sum_of_its_months_and_counts_are_never_negative(spans, year, today):
    months = statements.year_of_months(spans, year, today)
    for item in months:
        for row in [*item.rows, item.total]:
            assert min(row.active, row.active_at_end, row.starts, row.ends, row.ruptures) >= 0
            assert row.household_months >= 0
            # A calendar month holds at most 31 days of months of accompaniment of 28 days or more.
            assert row.household_months <= row.active * Fraction(31, 28)
            assert row.ruptures <= row.ends
            assert sum(row.ends_by_reason.values()) == row.ends
            assert all(v >= 0 for v in row.ends_by_reason.values())
    summed = statements.sum_flows(months)
    until = today if today <= date(year, 12, 31) else None
    direct = statements.period_figures(spans, date(year, 1, 1), date(year, 12, 31), until)
    assert summed.household_months == direct.household_months
    assert (summed.starts, summed.ends, summed.ruptures) == (direct.starts, direct.ends, direct.ruptures)
    assert +summed.ends_by_reason == +direct.ends_by_reason
    # Every measure active in the year is active in at least one of its months, and no month has more.
    assert max((m.total.active for m in months), default=0) <= direct.active
    assert sum(m.total.active for m in months) >= direct.active


@settings(max_examples=40, deadline=None)
@given(spans=spans_strategy(max_size=5), year=st.integers(2023, 2026))
def test_the_amount_due_of_a_year_is_the_household_months_times_the_cost_over_twelve(spans, year):
    months, due = statements.amount_due(spans, year)
    expected = sum(
        (
            statements.period_household_months(s, date(year, 1, 1), date(year, 12, 31)) * Fraction(s.unit_cost) / 12
            for s in spans
        ),
        Fraction(0),
    )
    assert due == statements.to_cent(expected)
    assert due >= 0 and due.as_tuple().exponent == -2
    assert months == statements.sum_flows(statements.year_of_months(spans, year)).household_months


# --- the snapshot, the differences, French numbers -----------------------------------------------


def test_the_snapshot_holds_codes_and_numbers_only():
    item = statements.month_statement(
        [span(date(2025, 3, 16), None), span(date(2024, 1, 1), date(2025, 3, 3), "rupture", pk=2)], 2025, 3
    )
    snapshot = statements.to_json(item)
    assert snapshot["total"]["household_months"] == "0.61"  # 16/31 + 3/31
    assert snapshot["types"][0]["ends_by_reason"] == {"rupture": 1}
    assert set(snapshot["types"][0]) == {
        "code",
        "name",
        "active",
        "active_at_end",
        "household_months",
        "starts",
        "ends",
        "ruptures",
        "ends_by_reason",
    }


def test_differences_between_sent_and_current_figures_are_told_in_french():
    before = statements.to_json(statements.month_statement([span(date(2025, 3, 1))], 2025, 3))
    after = statements.to_json(
        statements.month_statement([span(date(2025, 3, 1), date(2025, 3, 15), "rupture")], 2025, 3)
    )
    assert statements.differences(before, before) == []
    lines = statements.differences(before, after)
    assert "VIAL — mois-ménages : 1,00 transmis, 0,48 aujourd'hui" in lines
    assert "VIAL — ruptures : 0 transmis, 1 aujourd'hui" in lines
    assert "VIAL — fins « Rupture de l'accompagnement » : 0 transmis, 1 aujourd'hui" in lines


def test_french_numbers():
    assert statements.french_decimal(Decimal("56000")) == "56\xa0000,00"
    assert statements.euros(Decimal("1234567.5")) == "1\xa0234\xa0567,50\xa0€"
    assert statements.euros(Decimal("-12.345")) == "-12,35\xa0€"
    assert statements.percent(Decimal("0.25")) == "25\xa0%"
    assert statements.percent(Decimal("0.125")) == "12,5\xa0%"
    "56\xa0000,00\xa0€ — « œ »".encode("cp1252")  # what the PDF's Helvetica can print
