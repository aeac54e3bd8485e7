"""The browser tier: a few journeys in Debian's headless Chromium, driven by Playwright.

These tests need /usr/bin/chromium and axe-core (node_modules/axe-core, installed by `make test`
through npm). When one is missing they are skipped with the reason, except when
LDA_REQUIRE_BROWSER=1 (set by CI): then they fail, so the tier can never vanish silently.
"""

import os
import re
from pathlib import Path

# Playwright's sync API runs an event loop in this thread: Django would refuse ORM calls.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

import pytest  # noqa: E402
from django_otp.oath import totp  # noqa: E402
from django_otp.plugins.otp_totp.models import TOTPDevice  # noqa: E402

CHROMIUM = Path(os.environ.get("LDA_CHROMIUM", "/usr/bin/chromium"))
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    # Without these, Chromium's own outbound connections are refused en masse on a closed network.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PASSWORD = "un mot de passe de test assez long"
TIMEOUT_MS = 10_000


def _missing() -> list[str]:
    missing = []
    if not CHROMIUM.exists():
        missing.append(f"Chromium introuvable ({CHROMIUM} ; sous Debian : apt-get install chromium)")
    if not AXE.exists():
        missing.append(f"axe-core introuvable ({AXE} ; installé par `make test` via npm ci)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing.append("paquet Python playwright absent (requirements-dev.txt)")
    return missing


def pytest_collection_modifyitems(config, items):
    """Every test of this folder is a browser test, marked or not, and so is skipped or failed together."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser():
    missing = _missing()
    if missing:
        reason = "Tests navigateur impossibles : " + " ; ".join(missing) + "."
        if os.environ.get("LDA_REQUIRE_BROWSER") == "1":
            pytest.fail(reason + " LDA_REQUIRE_BROWSER=1 les rend obligatoires.", pytrace=False)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    """A fresh browser profile (no cookies) for each test, in French, with console errors collected."""
    context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900}, base_url=live_server.url)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.console_errors = []
    page.on("console", lambda message: message.type == "error" and page.console_errors.append(message.text))
    page.on("pageerror", lambda error: page.console_errors.append(str(error)))
    yield page
    context.close()


def current_code(user) -> str:
    device = TOTPDevice.objects.get(user=user, confirmed=True)
    return f"{totp(device.bin_key):06d}"


def with_password(user, password: str = PASSWORD):
    user.set_password(password)
    user.save(update_fields=["password"])
    return user


def submit_password(page, email: str, password: str) -> None:
    page.goto("/connexion/")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe", exact=False).fill(password)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_load_state()


def sign_in_through_browser(page, user, password: str = PASSWORD) -> None:
    """The real journey: password, then the code when the account has a second factor."""
    submit_password(page, user.email, password)
    if re.search(r"/connexion/code/$", page.url):
        page.get_by_label("Code à 6 chiffres").fill(current_code(user))
        page.get_by_role("button", name="Valider").click()
        page.wait_for_url(re.compile(r"/$"))
