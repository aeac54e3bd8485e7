"""Security headers on every response and a clean `check --deploy` in production (spec 6)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

from lda.accounts.roles import Role
from lda.core.exports import safe_cell
from tests.conftest import sign_in

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_headers_on_the_sign_in_page(client):
    response = client.get(reverse("accounts:login"))
    csp = response["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "default-src 'self'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp and "script-src 'self'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Request-ID"]


@pytest.mark.django_db
def test_signed_in_pages_are_never_cached(client, users):
    sign_in(client, users[Role.REFERENT])
    assert client.get(reverse("home"))["Cache-Control"] == "no-store"


@pytest.mark.django_db
def test_session_cookie_is_httponly_and_samesite(client, users):
    response = client.post(
        reverse("accounts:login"), {"email": users[Role.REFERENT].email, "password": "un mot de passe assez long"}
    )
    cookie = response.cookies["lda-session"]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    # The browser tests set DJANGO_ALLOW_ASYNC_UNSAFE in this process: a real server never has it.
    inherited = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {
        **inherited,
        "LDA_ENV": "production",
        "SECRET_KEY": "z8!qL2-production-like-secret-key-for-the-deploy-check-0123456789",
        "ALLOWED_HOSTS": "lda.exemple.fr",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'deploy.sqlite3'}",
        "EMAIL_HOST": "smtp.exemple.fr",
        "DJANGO_SETTINGS_MODULE": "lda.settings",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("missing", "overrides"),
    [("SECRET_KEY", {"SECRET_KEY": ""}), ("LDA_DEBUG", {"LDA_DEBUG": "true"}), ("EMAIL_HOST", {"EMAIL_HOST": ""})],
)
def test_production_refuses_to_start_when_unsafe(tmp_path, missing, overrides):
    env = {
        **os.environ,
        "LDA_ENV": "production",
        "SECRET_KEY": "z8!qL2-production-like-secret-key-for-the-deploy-check-0123456789",
        "EMAIL_HOST": "smtp.exemple.fr",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "lda.settings",
        **overrides,
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode != 0 and missing in result.stderr


@pytest.mark.django_db
def test_a_client_cannot_choose_its_request_id(client, settings):
    chosen = "client-chosen-id-1234"
    assert client.get(reverse("accounts:login"), HTTP_X_REQUEST_ID=chosen)["X-Request-ID"] != chosen
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    assert client.get(reverse("accounts:login"), HTTP_X_REQUEST_ID=chosen)["X-Request-ID"] == chosen


@pytest.mark.parametrize("value", ["=1+1", "+33 6", "-2", "@SUM(A1)", "\tx"])
def test_spreadsheet_cells_cannot_carry_formulas(value):
    assert safe_cell(value).startswith("'")


def test_ordinary_cells_are_left_alone():
    assert safe_cell("Marseille") == "Marseille" and safe_cell(None) == "" and safe_cell(12) == "12"


@pytest.mark.django_db
def test_errors_are_in_french(client, users):
    assert "Page introuvable" in client.get("/nulle-part/").content.decode()
    sign_in(client, users[Role.REFERENT])
    assert "Accès refusé" in client.get(reverse("administration:users")).content.decode()
