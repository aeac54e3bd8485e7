"""Rows of the capture pages (lda/housing/capture_urls.py). The prospect is captured by the social
worker's organisation: its social workers and the territory's coordinator reach it; the State's
agent reads the pipeline and the targets but opens no prospect (404); another territory's
prospect answers 404 to its coordinator."""

from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from lda.accounts.roles import Role
from lda.housing import services
from tests.access.matrix_helpers import only
from tests.factories import user_with_role
from tests.households.helpers import author_of, organisation_of

R = Role
VIEW = {R.COORDINATOR: 200, R.SOCIAL_WORKER: 200, R.STATE_AGENT: 200}
MANAGE = {R.COORDINATOR: 200, R.SOCIAL_WORKER: 200}

ROWS = {
    "housing_capture:prospects": ("get", only(VIEW)),
    "housing_capture:prospect_create": ("get", only(MANAGE)),
    "housing_capture:prospect": ("get", only({**MANAGE, R.STATE_AGENT: 404})),
    "housing_capture:prospect_step": ("get", only(MANAGE)),
    "housing_capture:targets": ("get", only(VIEW)),
    "housing_capture:target_create": ("get", only({R.COORDINATOR: 200})),
}

ELSEWHERE = {name: (R.COORDINATOR, 404) for name in ("housing_capture:prospect", "housing_capture:prospect_step")}


def objects(territory, where, users):
    worker = users[R.SOCIAL_WORKER] if where == territory else user_with_role(R.SOCIAL_WORKER, where)
    prospect = services.create_prospect(
        where,
        author_of(worker),
        operator=organisation_of(worker),
        owner_label="M. D.",
        address="3 rue Lesdiguières",
        commune_insee="38185",
        commune_name="Grenoble",
        typology=2,
        surface=Decimal("40"),
        rent_asked=Decimal("520"),
        contacted_on=timezone.localdate() - timedelta(days=10),
    )
    services.create_target(
        where, author_of(worker), label="Objectif", starts_on=date(2024, 1, 1), ends_on=date(2030, 12, 31), units=10
    )
    return {
        "housing_capture:prospect": {"pk": prospect.pk},
        "housing_capture:prospect_step": {"pk": prospect.pk, "step": "visite"},
    }
