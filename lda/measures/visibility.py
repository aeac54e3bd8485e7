"""Who sees what of a measure, in one place for the pages, the activity sections and the API.

- **Working notes** (review obstacles, documents, approval comments): the coordinator of the
  measure's territory and the staff of the operator running it.
- **Sensitive parts** (health partners and outcomes): those, and whoever passes the household's
  second gate (`households.visibility.access`).
"""

from lda.accounts.models import Organisation
from lda.accounts.roles import Role
from lda.households.visibility import FILE_ROLES, FileFacts, access


def operates(actor, measure) -> bool:
    """The measure is run by one of the actor's organisations (operator actions)."""
    return measure.operator_id in actor.organisations("measures.operate")


def sees_working_notes(actor, measure) -> bool:
    return any(
        (g.role == Role.COORDINATOR and g.territory_id == measure.territory_id)
        or (g.role in FILE_ROLES and g.organisation_id == measure.operator_id)
        for g in actor.grants
    )


def sees_sensitive(actor, measure, organisation_kinds: dict[int, str] | None = None) -> bool:
    """`organisation_kinds` (the actor's organisations' kinds) is read from the database unless given."""
    if sees_working_notes(actor, measure):
        return True
    ids = [g.organisation_id for g in actor.grants if g.role in FILE_ROLES]
    if not ids:
        return False
    if organisation_kinds is None:
        organisation_kinds = dict(Organisation.objects.filter(pk__in=ids).values_list("pk", "kind"))
    return access(actor, FileFacts.of(measure.household), organisation_kinds).sensitive
