"""Matching in a real browser: the coordinator launches a run, watches its progress until it is
done, opens the shortlists, reads a proposal's explanation, sends the shortlist to the landlord and
records the committee's decision (allocated, rank 1); the pages pass the accessibility check."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from lda.accounts.roles import Role
from lda.housing import codes, services
from lda.housing.models import MatchingRun, Proposal
from lda.tasks import queue
from tests.browser.helpers import click_and_wait_for_new_page, sign_in_through_browser, with_password
from tests.browser.test_accessibility import assert_accessible, check, screenshot
from tests.factories import user_with_role
from tests.households.helpers import verified
from tests.housing.helpers import household_on_list, landlord_user, make_unit, organisation_of

pytestmark = pytest.mark.browser


def submit(page, name):
    click_and_wait_for_new_page(page, page.get_by_role("button", name=name))


def test_launch_a_run_read_an_explanation_send_and_allocate(page, territory):
    report = {}
    coordinator = with_password(user_with_role(Role.COORDINATOR, territory, first_name="Claire"))
    services.install_defaults(territory)
    household = household_on_list(verified(coordinator), dalo=True, last_name="Moreau")
    unit = make_unit(territory, organisation_of(landlord_user(territory)), reference="LGT-NAVIGATEUR")

    sign_in_through_browser(page, coordinator)
    page.goto("/logement/rapprochements/")
    check(page, "rapprochements", report)
    submit(page, "Lancer le rapprochement")
    run = MatchingRun.objects.get(territory=territory)
    assert re.search(rf"/logement/taches/{run.task_id}/$", page.url)
    check(page, "avancement du rapprochement", report)

    # The worker takes the task; the page, polling, offers the result once it is done.
    assert queue.run_pending() == 1
    result = page.get_by_role("link", name="Voir le résultat")
    expect(result).to_be_visible()
    click_and_wait_for_new_page(page, result)
    assert page.url.endswith(f"/logement/rapprochements/{run.pk}/")
    expect(page.get_by_role("heading", name=re.compile("Logement LGT-NAVIGATEUR"))).to_be_visible()
    check(page, "rapprochement terminé", report)
    screenshot(page, "rapprochement")

    # The explanation of the proposal.
    click_and_wait_for_new_page(page, page.get_by_role("link", name=household.reference))
    expect(page.get_by_role("heading", name="Pourquoi ce ménage sur ce logement")).to_be_visible()
    expect(page.get_by_text("Reconnu prioritaire et urgent (DALO)")).to_be_visible()
    check(page, "explication d'une proposition", report)
    screenshot(page, "proposition-candidate")

    # Back to the shortlist, sent to the landlord.
    page.go_back()
    page.wait_for_load_state()
    submit(page, re.compile("^Transmettre au bailleur"))
    expect(page.get_by_text("1 candidature transmise au bailleur pour le logement LGT-NAVIGATEUR.")).to_be_visible()
    proposal = Proposal.objects.get(unit=unit)
    assert proposal.status == codes.ProposalStatus.SENT

    # The committee's decision: allocated, rank 1.
    click_and_wait_for_new_page(page, page.get_by_role("link", name=household.reference))
    page.get_by_role("radio", name="Attribué", exact=True).check()
    page.get_by_label(re.compile("^Rang donné par la commission")).select_option("1")
    page.get_by_label(re.compile("^Date de la commission")).fill(str(timezone.localdate()))
    submit(page, "Enregistrer la décision")
    expect(page.get_by_text("La décision de la commission est enregistrée.")).to_be_visible()
    check(page, "proposition attribuée", report)
    screenshot(page, "proposition-attribuee")
    proposal.refresh_from_db()
    assert (proposal.status, proposal.committee_rank) == (codes.ProposalStatus.ALLOCATED, 1)
    unit.refresh_from_db()
    assert unit.status == codes.UnitStatus.ALLOCATED
    assert_accessible(report)
