"""Rows of the complex-case commission. The commission built in our territory is attended by the
organisations of the referent, social worker, landlord and prevention agent; the commitment is the
landlord organisation's (others of the attending partners reach the commission, not the commitment)."""

from datetime import timedelta

from django.utils import timezone

from lda.accounts.roles import Role
from lda.households import commission as service
from lda.households.services import Author
from tests.access.matrix_helpers import only
from tests.factories import user_with_role
from tests.households.helpers import make_household, organisation_of

R = Role
PARTNERS = (R.REFERENT, R.SOCIAL_WORKER, R.LANDLORD, R.PREVENTION_AGENT)
COORDINATOR = {R.COORDINATOR: 200}
VIEWERS = {R.COORDINATOR: 200, **{r: 200 for r in PARTNERS}}

ROWS = {
    "commissions:list": ("get", only(VIEWERS)),
    "commissions:create": ("get", only(COORDINATOR)),
    "commissions:my_commitments": ("get", only(VIEWERS)),
    "commissions:detail": ("get", only(VIEWERS)),
    "commissions:edit": ("get", only(COORDINATOR)),
    "commissions:held": ("post", only({R.COORDINATOR: 302})),
    "commissions:case_add": ("get", only(COORDINATOR)),
    "commissions:print_agenda": ("get", only(VIEWERS)),
    "commissions:print_minutes": ("get", only(VIEWERS)),
    "commissions:case_conclusion": ("get", only(COORDINATOR)),
    "commissions:commitment_add": ("get", only(COORDINATOR)),
    # The landlord's organisation committed; other partners do not reach the commitment (404).
    "commissions:commitment_close": (
        "get",
        only({R.COORDINATOR: 200, R.LANDLORD: 200, R.REFERENT: 404, R.SOCIAL_WORKER: 404, R.PREVENTION_AGENT: 404}),
    ),
}

# Another territory's objects: the coordinator, who may act on them at home, gets 404.
ELSEWHERE = {
    name: (R.COORDINATOR, 404)
    for name in (
        "commissions:detail",
        "commissions:edit",
        "commissions:held",
        "commissions:case_add",
        "commissions:print_agenda",
        "commissions:print_minutes",
        "commissions:case_conclusion",
        "commissions:commitment_add",
        "commissions:commitment_close",
    )
}


def objects(territory, where, users):
    if where == territory:
        worker = users[R.SOCIAL_WORKER]
        attendees = [organisation_of(users[r]).pk for r in PARTNERS]
        committed = organisation_of(users[R.LANDLORD])
    else:
        worker = user_with_role(R.SOCIAL_WORKER, where)
        attendees = []
        committed = organisation_of(worker)
    author = Author(user=None, organisation_id=organisation_of(worker).pk)
    held_on = timezone.localdate() - timedelta(days=3)
    commission = service.create_commission(where, author, service.CommissionData(held_on=held_on, attendees=attendees))
    case = service.add_case(
        commission,
        author,
        make_household(worker),
        service.CaseData(presented_by=organisation_of(worker).pk, question="Question"),
    )
    commitment = service.add_commitment(
        case, author, service.CommitmentData(organisation=committed.pk, action="Proposer un T2", due_on=held_on)
    )
    pk = {"pk": commission.pk}
    return {
        "commissions:detail": pk,
        "commissions:edit": pk,
        "commissions:held": pk,
        "commissions:case_add": pk,
        "commissions:print_agenda": pk,
        "commissions:print_minutes": pk,
        "commissions:case_conclusion": {"pk": case.pk},
        "commissions:commitment_add": {"pk": case.pk},
        "commissions:commitment_close": {"pk": commitment.pk},
    }
