"""A measure in a real browser: the operator records the signed contract and sends it, the
coordinator activates the measure, the operator records a rupture, and the coordinator sees the
alert at once; the key pages of measures pass the accessibility check."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from lda.accounts.roles import Role
from lda.measures.models import Alert, Measure
from tests.browser.helpers import click_and_wait_for_new_page, sign_in_through_browser, with_password
from tests.browser.test_accessibility import assert_accessible, check, screenshot
from tests.factories import user_with_role
from tests.households.helpers import make_household, verified
from tests.measures.helpers import open_measure

pytestmark = pytest.mark.browser

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def submit(page, name):
    click_and_wait_for_new_page(page, page.get_by_role("button", name=name))


def open_action(page, name):
    click_and_wait_for_new_page(page, page.get_by_role("link", name=name))


def switch_to(page, cookies):
    """Back to a session signed in earlier (a second sign-in within the same 30 s would reuse the
    TOTP code, which the second factor rightly refuses)."""
    page.context.clear_cookies()
    page.context.add_cookies(cookies)


def test_contract_activation_rupture_and_the_coordinators_alert(page, territory):
    report = {}
    today = timezone.localdate()
    coordinator = with_password(user_with_role(Role.COORDINATOR, territory, first_name="Claire"))
    operator = with_password(user_with_role(Role.SOCIAL_WORKER, territory, first_name="Yanis"))
    household = make_household(verified(coordinator), last_name="Moreau", consent_kinds=("association",))
    measure = open_measure(verified(coordinator), operator, household=household, oriented_on=today - timedelta(days=20))

    # The operator records the contract signed by the household, with the document, and sends it.
    sign_in_through_browser(page, operator)
    page.goto("/mesures/file-active/")
    check(page, "mesures suivies (opérateur)", report)
    click_and_wait_for_new_page(page, page.get_by_role("link", name=re.compile(household.reference)).first)
    check(page, "page de la mesure (orientée)", report)
    open_action(page, "Enregistrer le contrat signé")
    check(page, "enregistrer le contrat", report)
    page.get_by_label(re.compile(r"^Date de signature")).fill(str(today - timedelta(days=3)))
    page.get_by_label(re.compile(r"^Contrat signé")).set_input_files(
        {"name": "contrat-moreau.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    submit(page, "Enregistrer")
    expect(page.get_by_text("Le contrat signé est enregistré.")).to_be_visible()
    open_action(page, "Transmettre à la coordination")
    page.get_by_label(re.compile(r"^Date de transmission")).fill(str(today - timedelta(days=2)))
    submit(page, "Transmettre")
    measure.refresh_from_db()
    assert measure.status == "sent"
    operator_session = page.context.cookies()

    # The coordinator finds it among the contracts to activate, and activates it.
    page.context.clear_cookies()
    sign_in_through_browser(page, coordinator)
    page.goto("/mesures/a-activer/")
    check(page, "contrats à activer", report)
    click_and_wait_for_new_page(page, page.get_by_role("link", name=re.compile(household.reference)).first)
    open_action(page, "Activer la mesure")
    check(page, "activer la mesure", report)
    page.get_by_label(re.compile(r"^Date d'activation")).fill(str(today - timedelta(days=1)))
    submit(page, "Activer")
    expect(page.get_by_text("Active", exact=True).first).to_be_visible()
    measure.refresh_from_db()
    assert measure.status == "active" and measure.activated_by_id == coordinator.pk
    check(page, "page de la mesure (active, coordination)", report)
    screenshot(page, "mesure-active")
    coordinator_session = page.context.cookies()

    # The operator records a rupture.
    switch_to(page, operator_session)
    page.goto(f"/mesures/{measure.pk}/")
    open_action(page, "Terminer la mesure")
    check(page, "terminer la mesure", report)
    page.get_by_label(re.compile(r"^Date de fin")).fill(str(today))
    page.get_by_label(re.compile(r"^Motif de fin")).select_option("rupture")
    submit(page, "Terminer la mesure")
    measure.refresh_from_db()
    assert measure.status == "ended" and measure.end_reason == "rupture"

    # The coordinator sees the alert at once.
    assert Alert.objects.filter(measure=measure, kind="exit", audience="coordinator", closed_at=None).exists()
    switch_to(page, coordinator_session)
    page.goto("/alertes/")
    alerts = page.get_by_role("main")
    expect(alerts.get_by_text("Sortie, rupture ou non-adhésion").first).to_be_visible()
    expect(alerts.get_by_text(household.reference).first).to_be_visible()
    check(page, "alertes (coordination)", report)
    assert Measure.objects.get(pk=measure.pk).ended_on == today
    assert_accessible(report)
