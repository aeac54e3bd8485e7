"""Sign-in journeys in a real browser: second factor, no second factor, lockout, keyboard only."""

import re

import pytest
from playwright.sync_api import expect

from lda.accounts.forms import GENERIC_FAILURE
from lda.accounts.roles import Role
from tests.browser.helpers import PASSWORD, current_code, submit_code, submit_password, with_password
from tests.factories import user_with_role

pytestmark = pytest.mark.browser

HOME = re.compile(r"/$")
CODE_PAGE = re.compile(r"/connexion/code/$")


@pytest.mark.browser
def test_coordinator_signs_in_with_password_then_totp_code(page, territory):
    coordinator = with_password(user_with_role(Role.COORDINATOR, territory, first_name="Dominique"))

    submit_password(page, coordinator.email, PASSWORD)

    expect(page).to_have_url(CODE_PAGE)
    expect(page.get_by_role("heading", level=1)).to_have_text("Code de vérification")
    submit_code(page, current_code(coordinator))

    expect(page).to_have_url(HOME)
    expect(page.get_by_role("heading", level=1)).to_have_text("Bonjour Dominique")
    expect(page.get_by_role("heading", name="Coordination Logement d'abord")).to_be_visible()
    expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible()
    assert page.console_errors == []


@pytest.mark.browser
def test_wrong_totp_code_keeps_the_coordinator_on_the_code_page(page, territory):
    coordinator = with_password(user_with_role(Role.COORDINATOR, territory))
    right = current_code(coordinator)
    wrong = f"{(int(right) + 500_000) % 1_000_000:06d}"

    submit_password(page, coordinator.email, PASSWORD)
    submit_code(page, wrong)

    expect(page).to_have_url(CODE_PAGE)
    expect(page.get_by_role("alert")).to_contain_text("Ce code n'est pas valide ou a expiré")
    # The error summary takes the focus, for screen-reader and keyboard users.
    expect(page.locator(".lda-error-summary")).to_be_focused()
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/connexion/"))


@pytest.mark.browser
def test_referent_without_second_factor_lands_directly_on_home(page, territory):
    referent = with_password(user_with_role(Role.REFERENT, territory, first_name="Sacha"))

    submit_password(page, referent.email, PASSWORD)

    expect(page).to_have_url(HOME)
    expect(page.get_by_role("heading", level=1)).to_have_text("Bonjour Sacha")
    expect(page.get_by_role("heading", name=Role.REFERENT.label)).to_be_visible()
    assert page.console_errors == []


@pytest.mark.browser
def test_locked_account_is_refused_with_the_same_message_as_an_unknown_address(page, territory, settings):
    # Only the lock after 10 failures matters here, not the 1, 2, 4… second waits after the 5th.
    settings.LDA_LOGIN_DELAY_AFTER = 100
    assert settings.LDA_LOGIN_LOCK_AFTER == 10
    referent = with_password(user_with_role(Role.REFERENT, territory))

    submit_password(page, "personne-inconnue@exemple.invalid", PASSWORD)
    expect(page.get_by_role("alert")).to_be_visible()
    unknown_address_message = page.get_by_role("alert").inner_text()
    assert GENERIC_FAILURE in unknown_address_message

    for attempt in range(1, 11):
        submit_password(page, referent.email, f"mauvais mot de passe n° {attempt}")
        expect(page.get_by_role("alert")).to_have_text(unknown_address_message)
        referent.refresh_from_db()
        assert (referent.locked_until is not None) == (attempt == 10), f"après {attempt} échecs"

    submit_password(page, referent.email, PASSWORD)

    expect(page).to_have_url(re.compile(r"/connexion/$"))
    expect(page.get_by_role("alert")).to_have_text(unknown_address_message)
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/connexion/"))


@pytest.mark.browser
def test_sign_in_with_the_keyboard_only(page, territory):
    referent = with_password(user_with_role(Role.REFERENT, territory, first_name="Noa"))
    page.goto("/connexion/")
    email = page.get_by_label("Adresse e-mail")
    expect(email).to_be_focused()  # autofocus

    # Back up to the top of the page: the brand link, then the skip link, which leads back to the content.
    page.keyboard.press("Shift+Tab")
    expect(page.get_by_role("link", name="LDA Logement d'abord")).to_be_focused()
    page.keyboard.press("Shift+Tab")
    skip_link = page.get_by_role("link", name="Aller au contenu")
    expect(skip_link).to_be_focused()
    expect(skip_link).to_be_in_viewport()  # off-screen until focused
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"#contenu$"))
    expect(page.locator("main#contenu")).to_be_focused()

    page.keyboard.press("Tab")
    expect(email).to_be_focused()
    page.keyboard.type(referent.email)
    page.keyboard.press("Tab")
    expect(page.get_by_label("Mot de passe")).to_be_focused()
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")

    # The browser keeps the #contenu fragment across the redirection.
    expect(page).to_have_url(re.compile(r"/(#contenu)?$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Bonjour Noa")
    # On a page without autofocus, the very first Tab reaches the skip link.
    page.goto("/")
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Aller au contenu")).to_be_focused()


@pytest.mark.browser
@pytest.mark.parametrize("path", ["/connexion/", "/connexion/mot-de-passe-oublie/"])
def test_skip_link_is_the_first_focusable_element(page, path):
    page.goto(path)
    first = page.evaluate(
        """() => {
            const focusable = 'a[href], button:not([disabled]), input:not([disabled]):not([type=hidden]),'
                + ' select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';
            const element = document.querySelector(focusable);
            return element && element.textContent.trim();
        }"""
    )
    assert first == "Aller au contenu"
