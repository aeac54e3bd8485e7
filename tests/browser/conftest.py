"""The browser tier: a few journeys in Debian's headless Chromium, driven by Playwright.

These tests need /usr/bin/chromium and axe-core (node_modules/axe-core, installed by `make test`
through npm). When one is missing they are skipped with the reason, except when
LDA_REQUIRE_BROWSER=1 (set by CI): then they fail, so the tier can never vanish silently.
"""

import os
from pathlib import Path

import pytest

from tests.browser.helpers import AXE

CHROMIUM = Path(os.environ.get("LDA_CHROMIUM", "/usr/bin/chromium"))
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


@pytest.fixture(scope="package")
def browser():
    """One Chromium for the tests of this folder, closed before the rest of the suite goes on."""
    missing = _missing()
    if missing:
        reason = "Tests navigateur impossibles : " + " ; ".join(missing) + "."
        if os.environ.get("LDA_REQUIRE_BROWSER") == "1":
            pytest.fail(reason + " LDA_REQUIRE_BROWSER=1 les rend obligatoires.", pytrace=False)
        pytest.skip(reason)
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=TIMEOUT_MS)

    # Playwright's sync API keeps an event loop running in this thread while it is open, and Django
    # refuses ORM calls under a running loop: allow them, only for as long as the browser is open.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


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
