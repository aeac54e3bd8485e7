"""Sign-in, second factor, sign-out, re-authentication and the user's own account page."""

import base64
import time
from functools import wraps
from urllib.parse import urlencode

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout, update_session_auth_hash
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from django_otp.plugins.otp_totp.models import TOTPDevice

from lda.access.decorators import public, signed_in
from lda.accounts import signin
from lda.accounts.forms import GENERIC_FAILURE, CodeForm, PasswordChangeForm, ReauthForm, SignInForm
from lda.accounts.models import UserSession
from lda.accounts.signals import end_all_sessions
from lda.audit.log import record
from lda.audit.models import Action


def _next_url(request) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or request.session.get("lda_next") or ""
    if candidate and url_has_allowed_host_and_scheme(candidate, {request.get_host()}, request.is_secure()):
        return candidate
    return resolve_url(settings.LOGIN_REDIRECT_URL)


@public
def sign_in(request):
    if request.user.is_authenticated:
        return redirect(_next_url(request))
    form = SignInForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = signin.check_password(request, form.cleaned_data["email"], form.cleaned_data["password"])
        if user is None:
            form.add_error(None, GENERIC_FAILURE)
        else:
            next_url = _next_url(request)
            if signin.needs_second_factor(user):
                signin.start_pending(request, user)
                request.session["lda_next"] = next_url
                if signin.confirmed_device(user):
                    return redirect("accounts:second_factor")
                return redirect("accounts:enrol_second_factor")
            request.session.cycle_key()
            signin.complete(request, user)
            return redirect(next_url)
    context = {"form": form, "next": request.GET.get("next", ""), "proconnect": settings.PROCONNECT_ENABLED}
    return render(request, "accounts/sign_in.html", context)


@public
def second_factor(request):
    user = signin.pending_user(request)
    device = signin.confirmed_device(user) if user else None
    if device is None:
        messages.error(request, "Votre connexion a expiré. Saisissez à nouveau votre mot de passe.")
        return redirect("accounts:login")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if signin.verify_code(request, user, device, form.cleaned_data["code"]):
            next_url = _next_url(request)
            request.session.pop("lda_next", None)
            signin.complete(request, user, device)
            return redirect(next_url)
        form.add_error("code", "Ce code n'est pas valide ou a expiré. Saisissez le code actuellement affiché.")
    return render(request, "accounts/second_factor.html", {"form": form})


def _qr_data_uri(uri: str) -> str:
    return segno.make(uri, error="m").svg_data_uri(scale=5, dark="#000", light="#fff")


@public
def enrol_second_factor(request):
    user = signin.pending_user(request)
    if user is None or signin.confirmed_device(user):
        messages.error(request, "Votre connexion a expiré. Saisissez à nouveau votre mot de passe.")
        return redirect("accounts:login")
    device, _ = TOTPDevice.objects.get_or_create(
        user=user, confirmed=False, defaults={"name": "Application d'authentification"}
    )
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if signin.verify_code(request, user, device, form.cleaned_data["code"]):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            record(
                Action.SECOND_FACTOR_ENROLLED, subject=request, object_type="user", object_id=user.pk, user_id=user.pk
            )
            next_url = _next_url(request)
            request.session.pop("lda_next", None)
            signin.complete(request, user, device)
            messages.success(request, "La double authentification est activée sur votre compte.")
            return redirect(next_url)
        form.add_error("code", "Ce code n'est pas valide. Vérifiez l'heure de votre téléphone et réessayez.")
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    context = {
        "form": form,
        "qr": _qr_data_uri(device.config_url),
        "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
    }
    return render(request, "accounts/enrol_second_factor.html", context)


@require_POST
@signed_in
def sign_out(request):
    record(Action.LOGOUT, subject=request, object_type="user", object_id=request.user.pk)
    key = request.session.session_key
    UserSession.objects.filter(session_key=key).delete()
    logout(request)
    messages.info(request, "Vous êtes déconnecté·e.")
    return redirect("accounts:login")


@signed_in
def reauthenticate(request):
    user = request.user
    device = signin.confirmed_device(user)
    form = ReauthForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        ok = user.check_password(form.cleaned_data["password"])
        if ok and device is not None:
            ok = signin.verify_code(request, user, device, form.cleaned_data["code"])
        elif not ok:
            signin.register_failure(request, user)
        if ok:
            request.session[signin.REAUTH_AT] = time.time()
            record(Action.REAUTH, subject=request, object_type="user", object_id=user.pk)
            return redirect(_next_url(request))
        form.add_error(None, "Mot de passe ou code incorrect.")
    return render(request, "accounts/reauthenticate.html", {"form": form, "device": device, "next": _next_url(request)})


def recent_authentication_required(view):
    """Bulk exports and protected files ask for the password again after 15 minutes (spec 6)."""

    @wraps(view)  # keeps the view's access declaration (lda_access)
    def wrapper(request, *args, **kwargs):
        return reauthentication_needed(request) or view(request, *args, **kwargs)

    return wrapper


def reauthentication_needed(request):
    """The redirect to the password page when the last authentication is over 15 minutes old,
    else None (for views that ask it only for some objects, such as protected files)."""
    if signin.recently_authenticated(request):
        return None
    return redirect(reverse("accounts:reauthenticate") + "?" + urlencode({"next": request.get_full_path()}))


@signed_in
def account(request):
    user = request.user
    form = PasswordChangeForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        user.set_password(form.cleaned_data["new_password1"])
        user.save(update_fields=["password"])
        record(Action.PASSWORD_CHANGED, subject=request, object_type="user", object_id=user.pk)
        current = request.session.session_key
        end_all_sessions(user)
        update_session_auth_hash(request, user)
        UserSession.objects.get_or_create(user=user, session_key=request.session.session_key or current)
        messages.success(request, "Votre mot de passe a été modifié. Vos autres sessions ont été fermées.")
        return redirect("accounts:account")
    memberships = user.memberships.select_related("organisation", "organisation__territory").order_by(
        "organisation__name"
    )
    return render(
        request,
        "accounts/account.html",
        {"form": form, "memberships": memberships, "device": signin.confirmed_device(user)},
    )
