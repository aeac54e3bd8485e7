"""The household import in a real browser: the upload leads to the dry run's progress page, the
worker checks the file, the page offers the report (the rejected row with its line), the user
imports the valid households and reads the result; the pages pass the accessibility check."""

import re

import pytest
from playwright.sync_api import expect

from lda.accounts.roles import Role
from lda.households.models import Household
from lda.households.task_handlers import DRY_RUN, IMPORT
from lda.tasks import queue
from lda.tasks.models import Task
from tests.browser.helpers import click_and_wait_for_new_page, sign_in_through_browser, with_password
from tests.browser.test_accessibility import assert_accessible, check, screenshot
from tests.factories import user_with_role
from tests.households.import_helpers import as_csv, row

pytestmark = pytest.mark.browser


def test_upload_watch_the_dry_run_then_import_the_valid_households(page, territory, tmp_path):
    report = {}
    referent = with_password(user_with_role(Role.REFERENT, territory, first_name="Inès"))
    sheet = tmp_path / "menages.csv"
    sheet.write_bytes(as_csv([row(), row(Référence_ménage="M2", Nom="", Prénom="Ali")]))

    sign_in_through_browser(page, referent)
    page.goto("/imports/")
    check(page, "dépôt d'un import", report)
    page.get_by_label("Fichier à importer").set_input_files(str(sheet))
    click_and_wait_for_new_page(page, page.get_by_role("button", name="Vérifier le fichier"))
    dry_run = Task.objects.get(kind=DRY_RUN)
    assert re.search(rf"/imports/taches/{dry_run.pk}/$", page.url)
    expect(page.get_by_role("heading", name="Vérification d'un fichier de ménages")).to_be_visible()
    check(page, "avancement de la vérification", report)

    # The worker checks the file; the page, polling, offers the report once it is done.
    assert queue.run_pending() == 1
    result = page.get_by_role("link", name="Voir le résultat")
    expect(result).to_be_visible()
    click_and_wait_for_new_page(page, result)
    held = Task.objects.get(kind=IMPORT)
    assert page.url.endswith(f"/imports/{held.pk}/")
    expect(page.get_by_text("Nom manquant.")).to_be_visible()
    check(page, "rapport de vérification", report)
    screenshot(page, "import-rapport")

    page.once("dialog", lambda dialog: dialog.accept())  # "Importer seulement les 1 ménages valides ?"
    click_and_wait_for_new_page(page, page.get_by_role("button", name="Importer seulement les 1 ménages valides"))
    assert queue.run_pending() == 1
    result = page.get_by_role("link", name="Voir le résultat")
    expect(result).to_be_visible()
    click_and_wait_for_new_page(page, result)
    assert page.url.endswith(f"/imports/{held.pk}/resultat/")
    assert Household.objects.count() == 1
    check(page, "résultat de l'import", report)
    assert_accessible(report)
