"""Helpers of the browser journeys: known password, current TOTP code, sign-in through the pages."""

import re
from pathlib import Path

from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
PASSWORD = "un mot de passe de test assez long"


def current_code(user) -> str:
    device = TOTPDevice.objects.get(user=user, confirmed=True)
    return f"{totp(device.bin_key):06d}"


def with_password(user, password: str = PASSWORD):
    user.set_password(password)
    user.save(update_fields=["password"])
    return user


def click_and_wait_for_new_page(page, locator) -> None:
    """Clicks and returns once the next document has loaded (the click itself does not wait for it)."""
    page.evaluate("() => { window.ldaPreviousDocument = true; }")
    locator.click()
    page.wait_for_function("() => window.ldaPreviousDocument === undefined")
    page.wait_for_load_state()


def submit_password(page, email: str, password: str) -> None:
    page.goto("/connexion/")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe").fill(password)
    click_and_wait_for_new_page(page, page.get_by_role("button", name="Se connecter"))


def submit_code(page, code: str) -> None:
    page.get_by_label("Code à 6 chiffres").fill(code)
    click_and_wait_for_new_page(page, page.get_by_role("button", name="Valider"))


def sign_in_through_browser(page, user, password: str = PASSWORD) -> None:
    """The real journey: password, then the code when the account has a second factor."""
    submit_password(page, user.email, password)
    if re.search(r"/connexion/code/$", page.url):
        submit_code(page, current_code(user))
    assert re.search(r"/$", page.url), f"connexion de {user.email} refusée : {page.url}"
