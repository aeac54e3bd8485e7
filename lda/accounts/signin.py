"""The sign-in steps: password, then the second factor when the account has or needs one."""

import time

from django.conf import settings
from django.contrib.auth import login
from django.contrib.auth.hashers import make_password
from django.utils import timezone
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from lda.accounts import throttle
from lda.accounts.models import User
from lda.audit.log import record
from lda.audit.models import Action

PENDING_USER = "lda_pending_user"
PENDING_AT = "lda_pending_at"
AUTH_AT = "lda_auth_at"
REAUTH_AT = "lda_reauth_at"
PENDING_SECONDS = 5 * 60
BACKEND = "django.contrib.auth.backends.ModelBackend"


def rules() -> throttle.ThrottleRules:
    return throttle.ThrottleRules(
        delay_after=settings.LDA_LOGIN_DELAY_AFTER,
        lock_after=settings.LDA_LOGIN_LOCK_AFTER,
        lock_seconds=settings.LDA_LOGIN_LOCK_SECONDS,
    )


def _state(user) -> throttle.ThrottleState:
    return throttle.ThrottleState(user.failed_logins, user.last_failed_login_at, user.locked_until)


def _store(user, state: throttle.ThrottleState) -> None:
    user.failed_logins = state.failures
    user.last_failed_login_at = state.last_failure
    user.locked_until = state.locked_until
    user.save(update_fields=["failed_logins", "last_failed_login_at", "locked_until"])


def register_failure(request, user, action=Action.LOGIN_FAILED) -> None:
    before = _state(user)
    after = throttle.after_failure(before, timezone.now(), rules())
    _store(user, after)
    record(action, subject=request, object_type="user", object_id=user.pk, user_id=user.pk)
    if after.locked_until and after.locked_until != before.locked_until:
        record(Action.LOCKED, subject=request, object_type="user", object_id=user.pk, user_id=user.pk)


def check_password(request, email: str, password: str) -> User | None:
    """The user if the password is right and the account may try now; None otherwise.

    Every failure takes the same path and the same time, so nothing tells whether the account exists.
    """
    user = User.objects.filter(email__iexact=(email or "").strip()).first()
    if user is None or not user.is_active:
        make_password(password)  # same cost as a real check
        record(Action.LOGIN_FAILED, subject=request, object_type="user")
        return None
    if not throttle.attempt_allowed(_state(user), timezone.now(), rules()):
        make_password(password)
        record(Action.LOGIN_FAILED, subject=request, object_type="user", object_id=user.pk, user_id=user.pk)
        return None
    if not user.check_password(password):
        register_failure(request, user)
        return None
    return user


def confirmed_device(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def start_pending(request, user) -> None:
    request.session.cycle_key()
    request.session[PENDING_USER] = user.pk
    request.session[PENDING_AT] = time.time()


def pending_user(request) -> User | None:
    user_id = request.session.get(PENDING_USER)
    started = request.session.get(PENDING_AT, 0)
    if user_id is None or time.time() - started > PENDING_SECONDS:
        return None
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None or not throttle.attempt_allowed(_state(user), timezone.now(), rules()):
        return None
    return user


def complete(request, user, device: TOTPDevice | None = None) -> None:
    """Opens the session: throttle reset, session bound to the user, second factor recorded."""
    request.session.pop(PENDING_USER, None)
    request.session.pop(PENDING_AT, None)
    _store(user, throttle.after_success())
    login(request, user, backend=BACKEND)
    if device is not None:
        otp_login(request, device)
    now = time.time()
    request.session[AUTH_AT] = now
    request.session[REAUTH_AT] = now
    record(Action.LOGIN, subject=request, object_type="user", object_id=user.pk, user_id=user.pk)


def verify_code(request, user, device: TOTPDevice, code: str) -> bool:
    code = (code or "").replace(" ", "")
    allowed, _ = device.verify_is_allowed()
    if allowed and code.isdigit() and device.verify_token(code):
        return True
    register_failure(request, user, action=Action.SECOND_FACTOR_FAILED)
    return False


def needs_second_factor(user) -> bool:
    return user.requires_totp() or confirmed_device(user) is not None


def recently_authenticated(request) -> bool:
    return time.time() - request.session.get(REAUTH_AT, 0) <= settings.LDA_REAUTH_SECONDS
