"""Matrix rows of the rights of the person (lda/households/rights_views.py), on a flagged file.

The household is created by our referent's organisation (also its pathway referent) and
accompanied, with consent, by our social worker's association; one person asked for the
restriction of processing, which suspends the sharing: the association's social worker, who would
otherwise open the file, gets 404 on it (tests/access/test_rights_flags_matrix.py checks every
household URL the same way).
"""

from django.utils import timezone

from lda.accounts.roles import Role
from lda.households import services
from lda.households.models import Household
from lda.households.rights import RightsRequest
from tests.access.matrix_helpers import only
from tests.factories import user_with_role
from tests.households.helpers import author_of, make_household, organisation_of

R = Role
RIGHTS = {R.COORDINATOR: 200, R.REFERENT: 200}

ROWS = {
    "households:rights": ("get", only(RIGHTS)),
    "households:rights_export_pdf": ("get", only(RIGHTS)),
    "households:rights_export_json": ("get", only(RIGHTS)),
    "households:field_history": ("get", only({R.COORDINATOR: 200})),
    # The social worker holds households.edit but the restriction hides the file from it.
    "households:person_edit": ("get", only({R.COORDINATOR: 200, R.REFERENT: 200, R.SOCIAL_WORKER: 404})),
}
ELSEWHERE = {name: (R.COORDINATOR, 404) for name in ROWS}


def flagged_household(referent, association=None):
    household = make_household(referent, consent_kinds=["association"])
    Household.objects.filter(pk=household.pk).update(
        referent_organisation=organisation_of(referent), accompanying_organisation=association
    )
    household.refresh_from_db()
    person = household.persons.get()
    on = timezone.localdate(household.created_at)
    services.set_rights(
        household, person, author_of(referent), RightsRequest(True, on, False, None, "Limitation demandée"), None
    )
    return household, person


def objects(territory, where, users):
    if where == territory:
        referent = users[R.REFERENT]
        association = users[R.SOCIAL_WORKER].memberships.get().organisation
    else:
        referent = user_with_role(R.REFERENT, where)
        association = None
    household, person = flagged_household(referent, association)
    args = {"pk": household.pk}
    return {
        "households:rights": args,
        "households:rights_export_pdf": args,
        "households:rights_export_json": args,
        "households:field_history": args,
        "households:person_edit": {"pk": household.pk, "person_pk": person.pk},
    }
