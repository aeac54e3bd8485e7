"""How a view declares what it needs from the access policy. Every view uses exactly one."""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied

from lda.access.policy import PERMISSIONS, actor_for


def public(view):
    """Reachable without signing in (sign-in pages, health check, API schema)."""
    view.lda_access = "public"
    return view


def signed_in(view):
    """Any signed-in user, even without a membership (own account, sign-out)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    wrapper.lda_access = "signed_in"
    return wrapper


def permission(name: str):
    """A signed-in user holding `name` through one of their roles; others get 403."""
    if name not in PERMISSIONS:
        raise ValueError(f"Permission inconnue : {name}")

    def decorate(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            actor = actor_for(request.user)
            if actor.pending_second_factor:
                return redirect_to_login(request.get_full_path())
            if not actor.has(name):
                from lda.audit.log import record_refusal

                record_refusal(request, object_type="permission", object_id=name)
                raise PermissionDenied
            return view(request, *args, **kwargs)

        wrapper.lda_access = f"permission:{name}"
        return wrapper

    return decorate
