"""Building measures in tests through the real services (so every rule and log entry applies)."""

from datetime import date, timedelta

from django.utils import timezone

from lda.accounts.roles import OrganisationKind, Role
from lda.measures import catalogue, services
from lda.measures.models import MeasureType
from lda.measures.services import Document
from tests.factories import user_with_role
from tests.households.helpers import author_of, make_household, organisation_of

PDF = Document("contrat.pdf", "application/pdf", b"%PDF-1.4\n% contrat signe\n%%EOF\n")


def vial(territory) -> MeasureType:
    catalogue.install_defaults(territory)
    return MeasureType.objects.get(territory=territory, code="vial")


def chef_slisl(territory):
    """A social worker of the Département: the VIAL derogation's second approver."""
    from tests.factories import OrganisationFactory

    departement = OrganisationFactory(territory=territory, kind=OrganisationKind.DEPARTEMENT)
    return user_with_role(Role.SOCIAL_WORKER, territory, organisation=departement)


def open_measure(coordinator, operator_user, *, code="vial", oriented_on=None, household=None):
    """A measure oriented by the coordinator to the operator user's organisation."""
    territory = organisation_of(coordinator).territory
    catalogue.install_defaults(territory)
    household = household or make_household(coordinator, consent_kinds=("association",))
    measure_type = MeasureType.objects.get(territory=territory, code=code)
    oriented_on = oriented_on or timezone.localdate() - timedelta(days=400)
    return services.orient(household, measure_type, organisation_of(operator_user), oriented_on, author_of(coordinator))


def active_measure(coordinator, operator_user, *, activated_on=None, **kwargs):
    """A measure walked through contract, sending and activation (default: activated a year ago)."""
    activated_on = activated_on or timezone.localdate() - timedelta(days=365)
    measure = open_measure(coordinator, operator_user, oriented_on=activated_on - timedelta(days=10), **kwargs)
    operator = author_of(operator_user)
    measure = services.record_contract(measure, activated_on - timedelta(days=5), PDF, operator, measure.version)
    measure = services.send(measure, activated_on - timedelta(days=4), operator, measure.version)
    return services.activate(measure, activated_on, author_of(coordinator), measure.version)


def day(y, m, d):
    return date(y, m, d)
