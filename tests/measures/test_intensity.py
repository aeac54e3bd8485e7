"""The week-by-week intensity (`rules.weekly_intensity`, pure) and the measure page's reading of it
(`activity.intensity`): properties with hypothesis, and the cases the page relies on."""

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from lda.measures import activity, rules

ORIGIN = date(2024, 1, 1)


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


days = st.integers(min_value=0, max_value=400).map(lambda n: ORIGIN + timedelta(days=n))


@st.composite
def periods(draw):
    start = draw(days)
    end = start + timedelta(days=draw(st.integers(min_value=0, max_value=200)))
    return start, end


@st.composite
def meetings_in(draw, start: date, end: date):
    """(day, face_to_face, home_visit) with a home visit always face to face, as the codes say."""
    span = (end - start).days
    rows = []
    for _ in range(draw(st.integers(min_value=0, max_value=40))):
        day = start + timedelta(days=draw(st.integers(min_value=0, max_value=span)))
        home_visit = draw(st.booleans())
        face_to_face = home_visit or draw(st.booleans())
        rows.append((day, face_to_face, home_visit))
    return rows


@st.composite
def scenarios(draw):
    start, end = draw(periods())
    meetings = draw(meetings_in(start, end))
    # The type's intensity from the activation, then reviews on distinct later days.
    review_days = draw(st.lists(st.integers(min_value=1, max_value=(end - start).days + 30), unique=True, max_size=5))
    agreed = [rules.Agreed(start, draw(st.integers(0, 7)), draw(st.integers(0, 3)))]
    agreed += [
        rules.Agreed(start + timedelta(days=n), draw(st.integers(0, 7)), draw(st.integers(0, 3))) for n in review_days
    ]
    # The order they are given in does not matter.
    return meetings, draw(st.permutations(agreed)), start, end


@settings(max_examples=200)
@given(scenarios())
def test_weeks_are_the_consecutive_mondays_from_start_to_end(scenario):
    meetings, agreed, start, end = scenario
    weeks = rules.weekly_intensity(meetings, list(agreed), start, end)
    mondays = [w.monday for w in weeks]
    assert mondays[0] == monday_of(start)
    assert mondays[-1] == monday_of(end)
    assert all(b - a == timedelta(days=7) for a, b in zip(mondays, mondays[1:], strict=False))
    assert all(m.weekday() == 0 for m in mondays)


@settings(max_examples=200)
@given(scenarios())
def test_the_weeks_add_up_to_the_meetings_in_range(scenario):
    meetings, agreed, start, end = scenario
    weeks = rules.weekly_intensity(meetings, list(agreed), start, end)
    assert sum(w.meetings for w in weeks) == sum(1 for _, f, _ in meetings if f)
    assert sum(w.home_visits for w in weeks) == sum(1 for _, _, h in meetings if h)
    for week in weeks:
        inside = [m for m in meetings if week.monday <= m[0] <= week.monday + timedelta(days=6)]
        assert week.meetings == sum(1 for _, f, _ in inside if f)
        assert week.home_visits == sum(1 for _, _, h in inside if h)
        assert week.home_visits <= week.meetings  # a home visit is a meeting


@settings(max_examples=200)
@given(scenarios())
def test_a_week_is_below_iff_a_count_is_below_what_was_agreed(scenario):
    meetings, agreed, start, end = scenario
    for week in rules.weekly_intensity(meetings, list(agreed), start, end):
        expected = week.meetings < week.agreed_meetings or week.home_visits < week.agreed_home_visits
        assert week.below == expected


@settings(max_examples=200)
@given(scenarios())
def test_each_week_is_held_to_the_latest_agreement_before_its_end(scenario):
    meetings, agreed, start, end = scenario
    for week in rules.weekly_intensity(meetings, list(agreed), start, end):
        sunday = week.monday + timedelta(days=6)
        before = [a for a in agreed if a.since <= sunday]
        if not before:
            assert (week.agreed_meetings, week.agreed_home_visits) == (0, 0)
            continue
        latest = max(before, key=lambda a: a.since)
        assert (week.agreed_meetings, week.agreed_home_visits) == (
            latest.meetings_per_week,
            latest.home_visits_per_week,
        )


@settings(max_examples=100)
@given(scenarios())
def test_meeting_the_most_ever_agreed_every_week_is_never_below(scenario):
    _, agreed, start, end = scenario
    start = monday_of(start)
    visits = max(a.home_visits_per_week for a in agreed)
    count = max(max(a.meetings_per_week for a in agreed), visits)
    mondays = [w.monday for w in rules.weekly_intensity([], list(agreed), start, end)]
    plenty = [(monday, True, n < visits) for monday in mondays for n in range(count)]
    assert not any(w.below for w in rules.weekly_intensity(plenty, list(agreed), start, end))


# --- a bug found by the properties: meetings outside [start, end] in the edge weeks count ----------


def test_meetings_outside_the_period_are_not_counted():
    start, end = date(2025, 1, 8), date(2025, 1, 15)  # Wednesday to Wednesday
    before, after = (date(2025, 1, 6), True, True), (date(2025, 1, 17), True, False)
    weeks = rules.weekly_intensity([before, after], [rules.Agreed(start, 3, 1)], start, end)
    assert sum(w.meetings for w in weeks) == 0


# --- the page's reading: the active period, partial weeks, the agreement of each review ----------


def test_before_activation_there_is_no_intensity():
    assert activity.intensity([], 3, 1, [], None, None, date(2025, 3, 1)) is None


def test_only_whole_weeks_of_the_active_period_are_judged():
    # Activated on Wednesday 8 January, seen on Wednesday 29 January: the first and the current
    # weeks are partial (shown, not judged); 13–19 and 20–26 January are judged.
    monday_13, monday_20 = date(2025, 1, 13), date(2025, 1, 20)
    meetings = [(monday_13 + timedelta(days=n), "outside") for n in range(3)]
    meetings += [(monday_13 + timedelta(days=3), "home_visit")]
    meetings += [(monday_20, "phone"), (monday_20 + timedelta(days=1), "phone"), (monday_20, "escort")]
    meetings += [(date(2025, 1, 6), "home_visit")]  # before the activation: not counted
    result = activity.intensity(meetings, 3, 1, [], date(2025, 1, 8), None, date(2025, 1, 29))
    rows = {r.monday: r for r in result.rows}
    assert [r.monday for r in result.rows] == [date(2025, 1, 27), monday_20, monday_13, date(2025, 1, 6)]
    assert not rows[date(2025, 1, 6)].complete and not rows[date(2025, 1, 27)].complete
    assert rows[date(2025, 1, 6)].week.home_visits == 0
    assert not rows[monday_13].below  # 4 meetings, 1 home visit
    assert rows[monday_20].below  # phone calls are not meetings: 1 meeting, no home visit
    assert rows[monday_20].meetings_below and rows[monday_20].home_visits_below
    assert (result.judged, result.below) == (2, 1)


def test_a_review_sets_the_intensity_from_the_week_it_was_held():
    activated = date(2025, 1, 6)  # a Monday
    review = (date(2025, 4, 9), 1, 0)  # a Wednesday: from that week on, one meeting, no home visit
    week_before, week_of_review = date(2025, 3, 31), date(2025, 4, 7)
    meetings = [(week_before, "outside"), (week_of_review, "outside")]
    result = activity.intensity(meetings, 3, 1, [review], activated, None, date(2025, 4, 30))
    rows = {r.monday: r for r in result.rows}
    assert (rows[week_before].week.agreed_meetings, rows[week_before].below) == (3, True)
    assert (rows[week_of_review].week.agreed_meetings, rows[week_of_review].below) == (1, False)


def test_an_ended_measure_is_followed_until_its_end():
    result = activity.intensity([], 3, 1, [], date(2025, 1, 6), date(2025, 2, 2), date(2025, 6, 1))
    assert result.end == date(2025, 2, 2)
    assert [r.monday for r in result.rows][0] == date(2025, 1, 27)
    assert result.judged == 4 and result.below == 4


def test_a_type_without_intensity_is_never_below():
    result = activity.intensity([], 0, 0, [], date(2025, 1, 6), None, date(2025, 3, 2))
    assert result.judged == 8 and result.below == 0


KINDS = ["home_visit", "outside", "phone", "escort", "collective"]


@settings(max_examples=200)
@given(
    periods(),
    st.lists(st.tuples(st.integers(-30, 260), st.sampled_from(KINDS)), max_size=40),
    st.integers(0, 60),
)
def test_the_page_counts_exactly_the_face_to_face_meetings_of_the_active_period(period, raw, after_end):
    """Whatever lies before the activation or after the end (or today) is left out, phone calls are
    not meetings, and every judged week lies wholly within the active period."""
    activated, ended = period
    today = ended + timedelta(days=after_end)
    meetings = [(activated + timedelta(days=n), kind) for n, kind in raw]
    result = activity.intensity(meetings, 3, 1, [], activated, ended, today)
    inside = [k for d, k in meetings if activated <= d <= ended]
    assert sum(r.week.meetings for r in result.rows) == sum(1 for k in inside if k != "phone")
    assert sum(r.week.home_visits for r in result.rows) == inside.count("home_visit")
    assert all(activated <= r.monday and r.sunday <= ended for r in result.rows if r.complete)
    assert result.below == sum(1 for r in result.rows if r.complete and r.week.below)
    assert [r.monday for r in result.rows] == sorted((r.monday for r in result.rows), reverse=True)


def test_a_review_held_on_the_activation_day_replaces_the_types_intensity():
    day = date(2025, 1, 6)
    result = activity.intensity([], 3, 1, [(day, 1, 0)], day, None, date(2025, 1, 19))
    assert {(r.week.agreed_meetings, r.week.agreed_home_visits) for r in result.rows} == {(1, 0)}
