"""The measure page's activity sections: meetings and weekly intensity, partners, outcomes.

`section(measure, actor, today)` gives the context of `measures/_activity.html` in a fixed number
of queries whatever the number of meetings (one for the days and kinds of every meeting, one for
the latest ones, one each for reviews, partners and outcomes, at most one for the viewer's
organisation kinds). The weekly intensity comes from the pure `rules.weekly_intensity`.

Health partners (CSAPA, CMP, psychiatry…), health outcomes and partners' free-text names reveal
sensitive categories (spec 6): they are shown to the coordinator, to the measure's operator and to
whoever passes the household file's second gate; others see that something is masked, not what.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from lda.measures import codes, lifecycle, rules, visibility

RECENT_MEETINGS = 5
PAGE_WEEKS = 12
SENSITIVE_OUTCOMES = frozenset({codes.OutcomeKind.HEALTH, codes.OutcomeKind.MENTAL_HEALTH})
BELOW_TEXT = "en dessous de l'intensité convenue"


# --- weekly intensity (pure) ---------------------------------------------------------------------


@dataclass(frozen=True)
class WeekRow:
    """One week of the intensity table. A week only partly within the active period (the week of
    the activation, the current one, the week of the end) is shown but not judged."""

    week: rules.Week
    complete: bool

    @property
    def monday(self) -> date:
        return self.week.monday

    @property
    def sunday(self) -> date:
        return self.week.monday + timedelta(days=6)

    @property
    def below(self) -> bool:
        return self.complete and self.week.below

    @property
    def meetings_below(self) -> bool:
        return self.complete and self.week.meetings < self.week.agreed_meetings

    @property
    def home_visits_below(self) -> bool:
        return self.complete and self.week.home_visits < self.week.agreed_home_visits


@dataclass(frozen=True)
class Intensity:
    start: date
    end: date
    rows: list[WeekRow]  # most recent first

    @property
    def judged(self) -> int:
        return sum(1 for r in self.rows if r.complete)

    @property
    def below(self) -> int:
        return sum(1 for r in self.rows if r.below)

    @property
    def current(self) -> rules.Week | None:
        return self.rows[0].week if self.rows else None


def active_period(activated_on: date | None, ended_on: date | None, today: date) -> tuple[date, date] | None:
    """From the activation to the end (or today); None before the activation."""
    if activated_on is None:
        return None
    end = min(ended_on, today) if ended_on else today
    if end < activated_on:
        return None
    return activated_on, end


def agreements(type_meetings: int, type_home_visits: int, start: date, reviews) -> list[rules.Agreed]:
    """The type's intensity from the activation, then each review's from the day it was held.
    `reviews` are (held_on, meetings_per_week, home_visits_per_week)."""
    agreed = [rules.Agreed(start, type_meetings, type_home_visits)]
    agreed += [rules.Agreed(held_on, m, h) for held_on, m, h in sorted(reviews, key=lambda r: r[0])]
    return agreed


def intensity(
    meetings, type_meetings: int, type_home_visits: int, reviews, activated_on, ended_on, today: date
) -> Intensity | None:
    """`meetings` are (day, kind); only those of the active period count."""
    period = active_period(activated_on, ended_on, today)
    if period is None:
        return None
    start, end = period
    counted = [
        (day, kind in codes.FACE_TO_FACE, kind == codes.MeetingKind.HOME_VISIT)
        for day, kind in meetings
        if start <= day <= end
    ]
    weeks = rules.weekly_intensity(counted, agreements(type_meetings, type_home_visits, start, reviews), start, end)
    rows = [WeekRow(w, w.monday >= start and w.monday + timedelta(days=6) <= end) for w in weeks]
    rows.reverse()
    return Intensity(start, end, rows)


def measure_intensity(measure, meetings, reviews, today: date) -> Intensity | None:
    version = measure.type_version
    return intensity(
        meetings,
        version.meetings_per_week,
        version.home_visits_per_week,
        reviews,
        measure.activated_on,
        measure.ended_on,
        today,
    )


# --- the section (who sees what: `lda/measures/visibility.py`) -------------------------------------


@dataclass(frozen=True)
class PartnerGroup:
    category: str
    label: str
    partners: list
    masked: int = 0  # how many are hidden from this viewer


def partner_groups(partners, sensitive: bool) -> list[PartnerGroup]:
    """Every category, in the order of `codes.PartnerCategory`, with the partners mobilised."""
    groups = []
    for category, label in codes.PartnerCategory.choices:
        rows = [p for p in partners if p.category == category]
        hidden = category == codes.PartnerCategory.HEALTH and not sensitive
        groups.append(PartnerGroup(category, label, [] if hidden else rows, len(rows) if hidden else 0))
    return groups


def outcome_origin(outcome) -> str:
    if outcome.review_id is not None:
        return str(outcome.review)
    if outcome.at_end:
        return "Fin de la mesure"
    return "Hors bilan"


def recent_caption(count: int) -> str:
    if count <= 1:
        return "La semaine en cours"
    return f"Les {count} dernières semaines, la plus récente d'abord"


def section(measure, actor, today) -> dict:
    """Context for `measures/_activity.html`, in a bounded number of queries: one key, `activity`
    (the template reads `activity.…`), to merge into the page's context."""
    meetings = list(measure.meetings.order_by().values_list("held_on", "kind"))
    recent = list(measure.meetings.select_related("staff").order_by("-held_on", "-pk")[:RECENT_MEETINGS])
    reviews = list(
        measure.reviews.order_by("held_on").values_list("held_on", "meetings_per_week", "home_visits_per_week")
    )
    partners = list(measure.partners.order_by("category", "kind", "since", "pk"))
    outcomes = list(measure.outcomes.select_related("review").order_by("-recorded_on", "-pk"))
    sensitive = visibility.sees_sensitive(actor, measure)
    weekly = measure_intensity(measure, meetings, reviews, today)
    may_operate = visibility.operates(actor, measure)
    shown_outcomes = [o for o in outcomes if sensitive or o.kind not in SENSITIVE_OUTCOMES]
    for outcome in shown_outcomes:
        outcome.origin = outcome_origin(outcome)
    context = {
        "measure": measure,
        "sensitive": sensitive,
        "meeting_count": len(meetings),
        "recent_meetings": recent,
        "intensity": weekly,
        "recent_weeks": weekly.rows[:PAGE_WEEKS] if weekly else [],
        "recent_caption": recent_caption(len(weekly.rows[:PAGE_WEEKS]) if weekly else 0),
        "below_text": BELOW_TEXT,
        "agreed_meetings": reviews[-1][1] if reviews else measure.type_version.meetings_per_week,
        "agreed_home_visits": reviews[-1][2] if reviews else measure.type_version.home_visits_per_week,
        "agreed_at_review": bool(reviews),
        "partner_groups": partner_groups(partners, sensitive),
        "partner_count": len(partners),
        "outcomes": shown_outcomes,
        "masked_outcomes": len(outcomes) - len(shown_outcomes),
        "may_record_meeting": may_operate and lifecycle.allowed(measure.status, "record_meeting"),
        "may_mobilise_partner": may_operate and lifecycle.allowed(measure.status, "mobilise_partner"),
        "may_record_outcome": may_operate and lifecycle.allowed(measure.status, "record_outcome"),
    }
    return {"activity": context}
