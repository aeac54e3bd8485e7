"""Rows of the territory's matching settings (lda/housing/settings_urls.py): read by the
territory's partners, changed by its administrator only. Another territory's refusal reason
answers 404 to the administrator."""

from lda.accounts.roles import Role
from lda.housing import services
from lda.housing.models import RefusalReason
from tests.access.matrix_helpers import only

R = Role
VIEW = {r: 200 for r in (R.COORDINATOR, R.REFERENT, R.SOCIAL_WORKER, R.LANDLORD, R.ADMIN, R.STATE_AGENT)}

ROWS = {
    "housing_settings:grid": ("get", only(VIEW)),
    "housing_settings:grid_edit": ("get", only({R.ADMIN: 200})),
    "housing_settings:rules": ("get", only(VIEW)),
    "housing_settings:rules_edit": ("get", only({R.ADMIN: 200})),
    "housing_settings:reasons": ("get", only(VIEW)),
    "housing_settings:reason_create": ("get", only({R.ADMIN: 200})),
    "housing_settings:reason_activation": ("post", only({R.ADMIN: 302})),
    "housing_settings:install": ("post", only({R.ADMIN: 302})),
}

ELSEWHERE = {"housing_settings:reason_activation": (R.ADMIN, 404)}


def objects(territory, where, users):
    services.install_defaults(where)
    reason = RefusalReason.objects.filter(territory=where).order_by("pk").first()
    return {"housing_settings:reason_activation": {"pk": reason.pk}}
