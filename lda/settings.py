"""LDA settings: one file, every value read from the environment (see README, "Configuration").

Development is the default (SQLite file in var/, local e-mail to the console). A territory's
server sets LDA_ENV=production, which turns on every transport-security setting and requires a
real secret key.
"""

import json
from pathlib import Path

import dj_database_url
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from lda.core.env import env_bool, env_int, env_list, env_str
from lda.core.strict_templates import UNDEFINED

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("LDA_VAR_DIR", str(BASE_DIR / "var")))

LDA_ENV = env_str("LDA_ENV", "development")
if LDA_ENV not in {"development", "production"}:
    raise ImproperlyConfigured("LDA_ENV doit valoir development ou production.")
PRODUCTION = LDA_ENV == "production"

DEBUG = env_bool("LDA_DEBUG", False)
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured(
        "LDA_DEBUG est interdit en production : il afficherait des données dans les pages d'erreur."
    )
SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if PRODUCTION:
        raise ImproperlyConfigured("SECRET_KEY est obligatoire en production.")
    SECRET_KEY = "dev-only-not-secret-" + "x" * 40
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "" if PRODUCTION else "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "ninja",
    "lda.core",
    "lda.portal",
    "lda.accounts",
    "lda.audit",
    "lda.tasks",
    "lda.households",
    "lda.measures",
    "lda.housing",
    "lda.retention",
    "lda.administration",
    "lda.api",
    "lda.demo",
]

MIDDLEWARE = [
    "lda.core.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "lda.accounts.proconnect.ProConnectSecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "lda.accounts.middleware.SessionLifetimeMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "lda.core.middleware.NoStoreMiddleware",
]

ROOT_URLCONF = "lda.urls"
WSGI_APPLICATION = "lda.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                "lda.portal.context_processors.navigation",
            ],
            "string_if_invalid": UNDEFINED if env_bool("LDA_STRICT_TEMPLATES", False) else "",
        },
    }
]

# Database: an embedded SQLite file unless DATABASE_URL names another (PostgreSQL in production).
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'lda.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 0),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # WAL lets readers work while a writer writes; IMMEDIATE avoids upgrade deadlocks.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Authentication (spec 6): Argon2, e-mail sign-in, lengths by role, common passwords refused.
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend"]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "lda.accounts.passwords.LengthByRoleValidator"},
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "lda.accounts.passwords.FrenchCommonPasswordValidator"},
]
# ProConnect (the State's OpenID Connect federation): on when the territory sets a client id.
PROCONNECT_CLIENT_ID = env_str("PROCONNECT_CLIENT_ID")
PROCONNECT_ENABLED = bool(PROCONNECT_CLIENT_ID)
# Two-factor levels accepted in the ID token's `acr` claim (re-checked server-side).
PROCONNECT_ACR_VALUES = env_list(
    "PROCONNECT_ACR_VALUES",
    "eidas2,eidas3,https://proconnect.gouv.fr/assurance/self-asserted-2fa,"
    "https://proconnect.gouv.fr/assurance/consistency-checked-2fa",
)
if PROCONNECT_ENABLED:
    PROCONNECT_URL = env_str("PROCONNECT_URL").rstrip("/")
    if not PROCONNECT_URL:
        raise ImproperlyConfigured("PROCONNECT_URL est obligatoire quand PROCONNECT_CLIENT_ID est renseigné.")
    AUTHENTICATION_BACKENDS.append("lda.accounts.proconnect.ProConnectBackend")
    OIDC_RP_CLIENT_ID = PROCONNECT_CLIENT_ID
    OIDC_RP_CLIENT_SECRET = env_str("PROCONNECT_CLIENT_SECRET")
    OIDC_OP_AUTHORIZATION_ENDPOINT = f"{PROCONNECT_URL}/authorize"
    OIDC_OP_TOKEN_ENDPOINT = f"{PROCONNECT_URL}/token"
    OIDC_OP_USER_ENDPOINT = f"{PROCONNECT_URL}/userinfo"
    OIDC_OP_JWKS_ENDPOINT = f"{PROCONNECT_URL}/jwks"
OIDC_RP_SIGN_ALGO = env_str("PROCONNECT_SIGN_ALGO", "RS256")
OIDC_RP_SCOPES = "openid email given_name usual_name siret"
OIDC_CREATE_USER = False
OIDC_AUTHENTICATION_CALLBACK_URL = "accounts:proconnect_callback"
OIDC_TIMEOUT = 10
OIDC_AUTH_REQUEST_EXTRA_PARAMS = {
    "claims": json.dumps({"id_token": {"acr": {"essential": True, "values": PROCONNECT_ACR_VALUES}}})
}

LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"
OTP_TOTP_ISSUER = env_str("LDA_TOTP_ISSUER", "LDA")

# Sessions (spec 6): 30 minutes idle (renewed on each request), 12 hours absolute.
SESSION_COOKIE_AGE = 30 * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
LDA_SESSION_ABSOLUTE_SECONDS = 12 * 60 * 60
LDA_REAUTH_SECONDS = 15 * 60
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_SECURE = PRODUCTION
SESSION_COOKIE_NAME = "__Host-lda-session" if PRODUCTION else "lda-session"
CSRF_COOKIE_NAME = "__Host-lda-csrf" if PRODUCTION else "lda-csrf"

# Lockout (spec 6): progressive delay after 5 failures, 15-minute lock after 10.
LDA_LOGIN_DELAY_AFTER = 5
LDA_LOGIN_LOCK_AFTER = 10
LDA_LOGIN_LOCK_SECONDS = 15 * 60

# Transport and browser security.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("LDA_BEHIND_PROXY", PRODUCTION) else None
SECURE_SSL_REDIRECT = PRODUCTION and env_bool("LDA_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = 63072000 if PRODUCTION else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = PRODUCTION
SECURE_HSTS_PRELOAD = PRODUCTION
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}

# French only: the users are French partners; codes stay ASCII in the database.
LANGUAGE_CODE = "fr-fr"
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
WHITENOISE_USE_FINDERS = not PRODUCTION
WHITENOISE_AUTOREFRESH = not PRODUCTION
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))

# E-mail: printed on the console in development, SMTP when EMAIL_HOST is set.
EMAIL_HOST = env_str("EMAIL_HOST")
if PRODUCTION and not EMAIL_HOST:
    # Without it, invitation and password links would be printed into the server's logs.
    raise ImproperlyConfigured("EMAIL_HOST est obligatoire en production (invitations, mots de passe oubliés).")
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend" if EMAIL_HOST else "django.core.mail.backends.console.EmailBackend"
)
EMAIL_PORT = env_int("EMAIL_PORT", 587)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "LDA <ne-pas-repondre@lda.invalid>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Audit (spec 6): consultation log kept 12 months, 3 years for protected files.
LDA_AUDIT_RETENTION_DAYS = 365
LDA_AUDIT_PROTECTED_RETENTION_DAYS = 3 * 365

# Statistics shown to roles that may not see names hide counts below this threshold (spec 6: 11,
# configurable upward only).
LDA_SUPPRESSION_THRESHOLD = max(11, env_int("LDA_SUPPRESSION_THRESHOLD", 11))

# Request bodies: a signed contract of up to 5 MB, sent base64-encoded through the API (×4/3).
DATA_UPLOAD_MAX_MEMORY_SIZE = 8 * 1024 * 1024

# Logs carry the request id and never personal data (no query strings, no form values).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "lda.core.middleware.RequestIdLogFilter"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["request_id"]}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        # Django's request logger prints full URLs (query strings may hold names): keep warnings only.
        "django.request": {"level": "ERROR"},
        "django.server": {"level": "WARNING"},
    },
}

NINJA_PAGINATION_PER_PAGE = 50
CSRF_FAILURE_VIEW = "lda.portal.views.csrf_failure"
