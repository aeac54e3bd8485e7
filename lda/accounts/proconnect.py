"""Sign-in with ProConnect, the State's OpenID Connect federation (spec 6).

ProConnect authenticates; LDA authorises. The e-mail of the ProConnect identity must be that of an
active LDA account holding an active membership: no account is ever created from ProConnect. The
platform asks for a two-factor authentication level (`acr`) and checks, server-side, that the ID
token carries one of the accepted values; such a sign-in counts as the second factor that
coordinators and administrators need.
"""

from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from lda.accounts import signin
from lda.accounts.models import User
from lda.audit.log import record
from lda.audit.models import Action

SECOND_FACTOR = "lda_second_factor"
REFUSED = (
    "La connexion avec ProConnect n'a pas abouti : votre identité doit avoir été vérifiée avec une double "
    "authentification, et votre adresse e-mail doit correspondre à un compte LDA actif. Contactez "
    "l'administration de votre territoire si le problème persiste."
)


class ProConnectBackend(OIDCAuthenticationBackend):
    def verify_claims(self, claims):
        return bool(claims.get("email"))

    def filter_users_by_claims(self, claims):
        return User.objects.filter(email__iexact=claims["email"].strip(), is_active=True)

    def update_user(self, user, claims):
        return user  # the administrator keeps names and e-mail; ProConnect only proves identity

    def get_or_create_user(self, access_token, id_token, payload):
        if payload.get("acr") not in settings.PROCONNECT_ACR_VALUES:
            return None
        user = super().get_or_create_user(access_token, id_token, payload)
        if user is None or not user.active_memberships().exists():
            return None
        return user


def _enabled(view):
    def wrapper(request, *args, **kwargs):
        if not settings.PROCONNECT_ENABLED:
            raise Http404
        return view(request, *args, **kwargs)

    wrapper.lda_access = "public"
    wrapper.__name__ = view.__name__
    return wrapper


class _Callback(OIDCAuthenticationCallbackView):
    def login_failure(self):
        record(Action.LOGIN_FAILED, subject=self.request, object_type="user", section="proconnect")
        messages.error(self.request, REFUSED)
        return redirect("accounts:login")

    def login_success(self):
        signin.complete(self.request, self.user)
        self.request.session[SECOND_FACTOR] = "proconnect"
        return redirect(self.success_url)


start = _enabled(OIDCAuthenticationRequestView.as_view())
callback = _enabled(_Callback.as_view())


class ProConnectSecondFactorMiddleware:
    """A ProConnect sign-in at a two-factor level stands for LDA's own second factor."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated and request.session.get(SECOND_FACTOR) == "proconnect":
            request.user.is_verified = lambda: True
        return self.get_response(request)
