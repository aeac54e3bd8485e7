"""Who sees which piece of a measure (spec 6), as a pure function of the actor and the measure's
facts, asked alike by the pages, the activity sections, the API and the e-mails. `access()`
answers for one measure; `team_filter()` and `names_filter()` say the same in SQL (the documents'
scope is `team_filter`); `tests/measures/test_visibility.py` checks that both forms agree.

Reaching a measure (`scopes.measure_filter`: the household file, running it, a renewal waiting for
one's opinion) is not seeing all of it. Pieces, and who sees them:

- **names** (the head of household's surname and first name, the link to the file): the measure's
  team — the coordinator of its territory and the staff of the operator running it — and whoever
  sees the household file (`households.visibility.access(...).file`). An approver reaching the
  measure only because a renewal waits for its opinion sees the household's reference and what the
  decision needs, never a name;
- **documents** (the signed contract: list, file name, size, download), **working notes** (the
  obstacles written at a review) and **comments** (the free text of renewal opinions): the team
  only; an approver also reads the comment it wrote itself (`comment_visible`);
- **sensitive parts** (health partners and outcomes): the team, and whoever passes the household
  file's second gate.

E-mails are outside the pages and the access log: they carry `IN_EMAIL` — none of these pieces
(the household reference, the measure type, the kind and date of the alert, a link).
"""

from dataclasses import dataclass

from django.db.models import Q

from lda.accounts.roles import Role
from lda.households.models import Household
from lda.households.scopes import _organisation_kinds, household_filter
from lda.households.visibility import FILE_ROLES, FileFacts
from lda.households.visibility import access as file_access


@dataclass(frozen=True)
class MeasureFacts:
    """What the rule reads of a measure: its territory, its operator and its household's facts."""

    territory_id: int
    operator_id: int
    household: FileFacts

    @classmethod
    def of(cls, measure) -> "MeasureFacts":
        return cls(
            territory_id=measure.territory_id,
            operator_id=measure.operator_id,
            household=FileFacts.of(measure.household),
        )


@dataclass(frozen=True)
class MeasureAccess:
    names: bool = False  # head of household's names, link to the household file
    documents: bool = False  # signed documents: list, file names, download
    comments: bool = False  # free text of the renewal opinions (others' ones)
    working_notes: bool = False  # obstacles written at the reviews
    sensitive: bool = False  # health partners and outcomes


# What an e-mail about a measure carries, whoever receives it: none of the pieces above.
IN_EMAIL = MeasureAccess()


def in_team(actor, territory_id: int, operator_id: int) -> bool:
    """The coordinator of the measure's territory, or a referent or social worker of its operator."""
    return any(
        (g.role == Role.COORDINATOR and g.territory_id == territory_id)
        or (g.role in FILE_ROLES and g.organisation_id == operator_id)
        for g in actor.grants
    )


def access(actor, facts: MeasureFacts, organisation_kinds: dict[int, str]) -> MeasureAccess:
    """`organisation_kinds` maps the actor's organisations to their kind (for the household's consent)."""
    team = in_team(actor, facts.territory_id, facts.operator_id)
    household = file_access(actor, facts.household, organisation_kinds)
    return MeasureAccess(
        names=team or household.file,
        documents=team,
        comments=team,
        working_notes=team,
        sensitive=team or household.sensitive,
    )


def of(actor, measure, organisation_kinds: dict[int, str] | None = None) -> MeasureAccess:
    """`access()` for a measure row (its household loaded); the actor's organisation kinds are read
    once per actor unless given (an API token gives its own)."""
    kinds = _organisation_kinds(actor) if organisation_kinds is None else organisation_kinds
    return access(actor, MeasureFacts.of(measure), kinds)


def comment_visible(actor, pieces: MeasureAccess, approval) -> bool:
    """An opinion's comment: for who sees comments, and for whoever wrote it (the user, or the token)."""
    if pieces.comments:
        return True
    if actor.user_id is not None and approval.user_id == actor.user_id:
        return True
    return actor.token_id is not None and approval.api_token_id == actor.token_id


# --- the SQL twins ----------------------------------------------------------------------------------


def team_filter(actor) -> Q:
    """A Q on Measure: the measures whose team the actor belongs to (documents, notes, comments)."""
    condition = Q(pk__in=[])
    territories = {g.territory_id for g in actor.grants if g.role == Role.COORDINATOR}
    if territories:
        condition |= Q(territory_id__in=territories)
    operators = {g.organisation_id for g in actor.grants if g.role in FILE_ROLES}
    if operators:
        condition |= Q(operator_id__in=operators)
    return condition


def names_filter(actor) -> Q:
    """A Q on Measure: the measures whose household's names the actor sees."""
    return team_filter(actor) | Q(household__in=Household.objects.filter(household_filter(actor)).values("pk"))


# --- the questions the pages and the API ask --------------------------------------------------------


def operates(actor, measure) -> bool:
    """The measure is run by one of the actor's organisations (operator actions)."""
    return measure.operator_id in actor.organisations("measures.operate")


def sees_working_notes(actor, measure) -> bool:
    return in_team(actor, measure.territory_id, measure.operator_id)


def sees_sensitive(actor, measure, organisation_kinds: dict[int, str] | None = None) -> bool:
    """`organisation_kinds` (the actor's organisations' kinds) is read from the database unless given."""
    if sees_working_notes(actor, measure):
        return True
    return of(actor, measure, organisation_kinds).sensitive
