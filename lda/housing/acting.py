"""What the housing pages share when they act: who acts for which organisation, and a service call
whose refusals (French) land on the form, nothing half-saved (each service is one transaction)."""

from django.core.exceptions import ValidationError
from django.utils.http import url_has_allowed_host_and_scheme

from lda.access.policy import PERMISSIONS, actor_for
from lda.core.forms import apply_errors
from lda.households.services import Author
from lda.housing import lifecycle, proposals
from lda.housing.services import Stale

REFUSALS = (lifecycle.TransitionRefused, Stale, proposals.UnitTaken)


def author_in(request, territory_id: int, permission_name: str) -> Author:
    """The user and the organisation through which they hold `permission_name` in the territory."""
    actor = actor_for(request.user)
    allowed = PERMISSIONS[permission_name]
    organisations = [g.organisation_id for g in actor.grants if g.territory_id == territory_id and g.role in allowed]
    return Author(user=request.user, organisation_id=organisations[0] if organisations else actor.organisation_id)


def _call(form, write) -> tuple[bool, object]:
    try:
        result = write()
    except REFUSALS as error:
        form.add_error(None, str(error))
    except ValidationError as error:
        apply_errors(form, error)
    else:
        return True, result
    return False, None


def run(form, write) -> bool:
    """Calls a service; its refusals go onto the form with the user's input kept. True if it wrote."""
    return _call(form, write)[0]


def written(form, write):
    """The same call, returning what the service wrote (None when refused)."""
    return _call(form, write)[1]


def refusal_text(error: Exception) -> str:
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(error)


def safe_next(request, default: str) -> str:
    """The page to go back to after a small action (the shortlist's page), if it is ours."""
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return default
