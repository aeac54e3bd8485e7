"""API authentication: one bearer token per organisation and role; the access policy decides the rest."""

from datetime import timedelta
from functools import wraps

from django.utils import timezone
from ninja.errors import HttpError
from ninja.security import HttpBearer

from lda.access.policy import PERMISSIONS, actor_for_token
from lda.accounts.models import ApiToken, hash_token


class OrganisationToken(HttpBearer):
    def authenticate(self, request, token):
        found = (
            ApiToken.objects.select_related("organisation")
            .filter(key_hash=hash_token(token), revoked_at__isnull=True, organisation__is_active=True)
            .first()
        )
        if found is None:
            return None
        now = timezone.now()
        if found.last_used_at is None or now - found.last_used_at > timedelta(minutes=5):
            ApiToken.objects.filter(pk=found.pk).update(last_used_at=now)
        request.api_token = found
        request.actor = actor_for_token(found)
        return found


def api_permission(name: str):
    """Declares the permission an API operation needs; refusals are logged and answered in French."""
    if name not in PERMISSIONS:
        raise ValueError(f"Permission inconnue : {name}")

    def decorate(function):
        @wraps(function)
        def wrapper(request, *args, **kwargs):
            if not request.actor.has(name):
                from lda.audit.log import record_refusal

                record_refusal(request, object_type="permission", object_id=name)
                raise HttpError(403, "Ce jeton n'a pas le droit d'effectuer cette opération.")
            return function(request, *args, **kwargs)

        wrapper.lda_access = f"permission:{name}"
        return wrapper

    return decorate
