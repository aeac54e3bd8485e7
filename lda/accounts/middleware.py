import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect

from lda.accounts.signin import AUTH_AT
from lda.audit.log import record
from lda.audit.models import Action


class SessionLifetimeMiddleware:
    """Ends a session 12 hours after sign-in whatever the activity (idle expiry is the cookie's)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            started = request.session.get(AUTH_AT)
            if started is None or time.time() - started > settings.LDA_SESSION_ABSOLUTE_SECONDS:
                record(Action.SESSION_EXPIRED, subject=request, object_type="user", object_id=request.user.pk)
                logout(request)
                messages.info(request, "Votre session a expiré. Merci de vous reconnecter.")
                return redirect("accounts:login")
        return self.get_response(request)
