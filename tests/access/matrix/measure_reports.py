"""Rows of the monthly statements, funding and annual reports of measures. Operators' social workers
see (and send) their own organisation's; the coordinator sees the territory's, receives the
statements and records the funding agreements; the State's agents read funding."""

from decimal import Decimal

from django.utils import timezone

from lda.accounts.roles import Role
from lda.measures import catalogue
from lda.measures.models import FundingAgreement, MeasureType
from tests.access.matrix_helpers import only
from tests.factories import user_with_role
from tests.households.helpers import organisation_of

R = Role
BOTH = {R.COORDINATOR: 200, R.SOCIAL_WORKER: 200}
COORDINATOR = {R.COORDINATOR: 200}

ROWS = {
    "measure_reports:statement": ("get", only(BOTH)),
    "measure_reports:statement_xlsx": ("get", only(BOTH)),
    # Only the operator sends (the coordinator holds the permission to read, not to send).
    "measure_reports:statement_send": ("post", only({R.SOCIAL_WORKER: 302})),
    "measure_reports:statements_received": ("get", only(COORDINATOR)),
    "measure_reports:funding": ("get", only({**BOTH, R.STATE_AGENT: 200})),
    "measure_reports:agreement_new": ("get", only(COORDINATOR)),
    "measure_reports:agreement_edit": ("get", only(COORDINATOR)),
    "measure_reports:annual": ("get", only(BOTH)),
    "measure_reports:annual_xlsx": ("get", only(BOTH)),
    "measure_reports:annual_pdf": ("get", only(BOTH)),
}

# Another territory's agreement: the coordinator, who edits agreements at home, gets 404.
ELSEWHERE = {"measure_reports:agreement_edit": (R.COORDINATOR, 404)}


def objects(territory, where, users):
    catalogue.install_defaults(where)
    if where == territory:
        operator = organisation_of(users[R.SOCIAL_WORKER])
    else:
        operator = organisation_of(user_with_role(R.SOCIAL_WORKER, where))
    agreement = FundingAgreement.objects.create(
        territory=where,
        operator=operator,
        measure_type=MeasureType.objects.get(territory=where, code="vial"),
        year=timezone.localdate().year,
        households_funded=10,
        advance_paid=Decimal("42000"),
    )
    return {"measure_reports:agreement_edit": {"pk": agreement.pk}}
