"""Automated accessibility check with axe-core on the pages each role sees first.

axe is evaluated through Playwright (DevTools protocol), which the page's Content-Security-Policy
does not apply to: the CSP under test stays exactly the production one. Violations of impact
"serious" or "critical" fail the test; every violation found is printed in the message.
"""

import json
import os
import re
from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from lda.accounts.roles import Role
from tests.browser.helpers import (
    AXE,
    PASSWORD,
    click_and_wait_for_new_page,
    sign_in_through_browser,
    submit_code,
    submit_password,
    with_password,
)
from tests.factories import OrganisationFactory, user_with_role

pytestmark = pytest.mark.browser

BLOCKING = {"serious", "critical"}
_AXE_SOURCE = None


def _axe_source() -> str:
    global _AXE_SOURCE
    if _AXE_SOURCE is None:
        _AXE_SOURCE = AXE.read_text(encoding="utf-8")
    return _AXE_SOURCE


def axe_violations(page) -> list[dict]:
    """Every axe violation on the page as it is now, in a short printable form."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate("() => {\n" + _axe_source() + "\n;return typeof window.axe;}")
    return page.evaluate(
        """async () => {
            const results = await window.axe.run(document, {resultTypes: ["violations"]});
            return results.violations.map((v) => ({
                id: v.id,
                impact: v.impact,
                help: v.help,
                nodes: v.nodes.slice(0, 5).map((n) => ({target: n.target.join(" "), summary: n.failureSummary})),
            }));
        }"""
    )


LAYOUT_PROBLEMS = """() => {
    const problems = [];
    const root = document.documentElement;
    if (root.scrollWidth > window.innerWidth) {
        problems.push(`défilement horizontal : ${root.scrollWidth} px pour ${window.innerWidth} px`);
    }
    const main = document.querySelector("main");
    if (main && main.scrollHeight > main.clientHeight + 1) {
        problems.push(`contenu débordant de <main> sur le pied de page : ${main.scrollHeight} px pour ${main.clientHeight} px`);
    }
    document.querySelectorAll("main img").forEach((img) => {
        if (!img.complete || img.naturalWidth === 0) { problems.push(`image non affichée : ${img.alt}`); }
    });
    return problems;
}"""


def check(page, label: str, report: dict) -> None:
    """Runs axe on the current page and stores its violations, console errors and layout problems."""
    page.wait_for_load_state("load")
    found = axe_violations(page)
    report[label] = {
        "url": page.url,
        "violations": found,
        "console": list(page.console_errors),
        "layout": page.evaluate(LAYOUT_PROBLEMS),
    }
    page.console_errors.clear()


def assert_accessible(report: dict, allowed_console=(), allowed_layout=()) -> None:
    blocking = {label: [v for v in entry["violations"] if v["impact"] in BLOCKING] for label, entry in report.items()}
    console = {
        label: [e for e in entry["console"] if not any(re.search(p, e) for p in allowed_console)]
        for label, entry in report.items()
    }
    layout = {
        label: [p for p in entry["layout"] if not any(re.search(a, p) for a in allowed_layout)]
        for label, entry in report.items()
    }
    details = json.dumps(report, ensure_ascii=False, indent=2)
    assert not any(blocking.values()), f"Violations axe « serious » ou « critical » :\n{details}"
    assert not any(console.values()), f"Erreurs dans la console du navigateur (CSP ?) :\n{details}"
    assert not any(layout.values()), f"Mise en page cassée :\n{details}"


def screenshot(page, name: str) -> None:
    """Full-page screenshot into $LDA_SCREENSHOT_DIR when set, to look at the pages (never committed)."""
    folder = os.environ.get("LDA_SCREENSHOT_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


@pytest.mark.browser
def test_axe_does_find_violations(page):
    """The check itself works: an image without text alternative and pale text are reported."""
    page.goto("/connexion/")
    page.evaluate(
        """() => {
            const main = document.querySelector("main");
            main.appendChild(document.createElement("img"));
            const pale = document.createElement("p");
            pale.textContent = "Texte trop pâle";
            pale.style.color = "#cccccc";
            main.appendChild(pale);
        }"""
    )
    found = {v["id"]: v["impact"] for v in axe_violations(page)}
    assert found.get("image-alt") == "critical"
    assert found.get("color-contrast") == "serious"


@pytest.mark.browser
def test_signed_out_pages(page, territory):
    report = {}
    page.goto("/connexion/")
    check(page, "connexion", report)
    screenshot(page, "connexion")

    submit_password(page, "personne-inconnue@exemple.invalid", "pas le bon")
    expect(page.get_by_role("alert")).to_be_visible()
    check(page, "connexion en erreur", report)

    page.goto("/connexion/mot-de-passe-oublie/")
    check(page, "mot de passe oublié", report)

    page.goto("/page-qui-n-existe-pas/")
    check(page, "page introuvable (404)", report)

    assert_accessible(report, allowed_console=[r"status of 404"])


@pytest.mark.browser
def test_second_factor_pages(page, territory):
    report = {}
    coordinator = with_password(user_with_role(Role.COORDINATOR, territory))
    submit_password(page, coordinator.email, PASSWORD)
    expect(page).to_have_url(re.compile(r"/connexion/code/$"))
    check(page, "code de vérification", report)
    screenshot(page, "code")

    submit_code(page, "12")
    expect(page.get_by_role("alert")).to_be_visible()
    check(page, "code de vérification en erreur", report)

    # An administrator created without a second factor must enrol one at first sign-in.
    newcomer = with_password(user_with_role(Role.ADMIN, territory))
    newcomer.totpdevice_set.all().delete()
    page.context.clear_cookies()
    submit_password(page, newcomer.email, PASSWORD)
    expect(page).to_have_url(re.compile(r"/connexion/double-authentification/$"))
    check(page, "activation de la double authentification", report)
    screenshot(page, "activation-double-authentification")

    # The QR code is checked on its own below (known bug), not here.
    assert_accessible(report, allowed_layout=[r"^image non affichée : Code QR"])


@pytest.mark.browser
def test_enrolment_qr_code_is_displayed(page, territory):
    newcomer = with_password(user_with_role(Role.COORDINATOR, territory))
    newcomer.totpdevice_set.all().delete()
    submit_password(page, newcomer.email, PASSWORD)
    qr = page.get_by_role("img", name="Code QR à scanner avec votre application d'authentification")
    expect(qr).to_be_visible()
    assert qr.evaluate("img => img.complete && img.naturalWidth > 0"), "le code QR ne s'affiche pas"


@pytest.mark.browser
@pytest.mark.parametrize("role", Role.values)
def test_home_page_of_each_role(page, territory, role):
    user = with_password(user_with_role(role, territory, first_name="Alex"))
    sign_in_through_browser(page, user)
    expect(page.get_by_role("heading", level=1)).to_have_text("Bonjour Alex")
    expect(page.get_by_role("heading", name=Role(role).label)).to_be_visible()
    report = {}
    check(page, f"accueil ({role})", report)
    screenshot(page, f"accueil-{role}")
    page.goto(reverse("accounts:account"))
    check(page, f"mon compte ({role})", report)
    assert_accessible(report)


@pytest.mark.browser
def test_administration_pages(page, territory):
    admin = with_password(user_with_role(Role.ADMIN, territory, first_name="Alex"))
    other = user_with_role(Role.SOCIAL_WORKER, territory)
    user_with_role(Role.REFERENT, territory, organisation=OrganisationFactory(territory=territory))
    sign_in_through_browser(page, admin)
    organisation = other.memberships.first().organisation
    report = {}
    for width in (1280, 1024):
        page.set_viewport_size({"width": width, "height": 800})
        page.goto("/")
        check(page, f"accueil administration ({width} px)", report)
    page.set_viewport_size({"width": 1280, "height": 900})
    for label, url in [
        ("comptes", reverse("administration:users")),
        ("fiche d'un compte", reverse("administration:user", args=[other.pk])),
        ("nouveau compte", reverse("administration:user_create")),
        ("organisations", reverse("administration:organisations")),
        ("fiche d'une organisation", reverse("administration:organisation", args=[organisation.pk])),
        ("territoire", reverse("administration:territory")),
        ("jetons d'API", reverse("administration:tokens")),
        ("journal des accès", reverse("audit:log")),
        ("annuaire", reverse("directory")),
    ]:
        page.goto(url)
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        check(page, label, report)
        screenshot(page, "admin-" + url.strip("/").replace("/", "-"))

    # A form sent back with errors.
    page.goto(reverse("administration:user_create"))
    click_and_wait_for_new_page(page, page.get_by_role("button", name="Créer le compte"))
    expect(page.get_by_role("alert")).to_be_visible()
    check(page, "nouveau compte en erreur", report)

    assert_accessible(report)
