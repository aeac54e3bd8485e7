"""The by-name list in a real browser: a partner's referral, the coordinator's decision, the
timeline; and the accessibility of the list's key pages."""

import re

import pytest
from playwright.sync_api import expect

from lda.accounts.roles import Role
from lda.households.models import Household
from tests.browser.helpers import click_and_wait_for_new_page, sign_in_through_browser, with_password
from tests.browser.test_accessibility import assert_accessible, check, screenshot
from tests.factories import user_with_role
from tests.households.helpers import make_household

pytestmark = pytest.mark.browser


def test_referral_then_orientation_appears_on_the_timeline(page, territory):
    report = {}
    referent = with_password(user_with_role(Role.REFERENT, territory, first_name="Inès"))
    sign_in_through_browser(page, referent)
    page.goto("/menages/saisines/nouvelle/")
    check(page, "nouvelle saisine", report)
    page.get_by_label(re.compile(r"^Nom\b")).fill("Lefèvre")
    page.get_by_label(re.compile(r"^Prénom\b")).fill("Karim")
    page.get_by_label("Date de naissance").fill("1979-05-12")
    page.get_by_label("Sexe").select_option("M")
    page.get_by_label("Place dans le ménage").select_option("adult")
    page.get_by_label("Type de prescripteur").select_option("outreach")
    page.get_by_label("Situation de logement actuelle").select_option("street")
    page.get_by_label("Motif de la saisine").fill("Dort dans un parking depuis l'hiver, demande un logement.")
    click_and_wait_for_new_page(page, page.get_by_role("button", name="Enregistrer la saisine"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Ménage")
    check(page, "fiche ménage (référent)", report)
    household = Household.objects.get()

    page.context.clear_cookies()
    coordinator = with_password(user_with_role(Role.COORDINATOR, territory, first_name="Claire"))
    sign_in_through_browser(page, coordinator)
    page.goto("/menages/saisines/")
    check(page, "saisines à étudier", report)
    click_and_wait_for_new_page(page, page.get_by_role("table").get_by_role("link").first)
    check(page, "étude de la saisine", report)
    page.get_by_label(re.compile(r"^Décision\b")).select_option("oriented")
    page.get_by_label("Mesure d'accompagnement mobilisée").select_option("vial")
    page.get_by_label("Recherche de logement").check()
    click_and_wait_for_new_page(page, page.get_by_role("button", name="Enregistrer la décision"))
    expect(page.get_by_text("La décision est enregistrée.")).to_be_visible()
    timeline = page.get_by_role("region", name="Chronologie")
    expect(timeline.get_by_text("Décision d'orientation")).to_be_visible()
    expect(timeline.get_by_text("Entrée sur la liste")).to_be_visible()
    household.refresh_from_db()
    assert household.status == "on_list"
    check(page, "fiche ménage (coordination)", report)
    screenshot(page, "fiche-menage")
    assert_accessible(report)


def test_list_and_caseload_are_accessible(page, territory):
    referent = with_password(user_with_role(Role.REFERENT, territory, first_name="Inès"))
    for name in ("Martin", "Bernard", "Petit"):
        household = make_household(referent, last_name=name)
        Household.objects.filter(pk=household.pk).update(referent=referent)
    sign_in_through_browser(page, referent)
    report = {}
    page.goto("/menages/")
    expect(page.get_by_role("table")).to_contain_text("MARTIN")
    check(page, "liste des ménages", report)
    screenshot(page, "liste-menages")
    page.goto("/menages/file-active/")
    check(page, "file active", report)
    page.get_by_role("button", name=re.compile("Contact aujourd'hui")).first.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_text("Contact du jour enregistré")).to_be_visible()
    assert_accessible(report)
