import os
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("role", ["coordinator", "observer"])
def test_shot(live_server, role):
    from playwright.sync_api import sync_playwright

    from lda.households import services
    from tests.conftest import sign_in
    from tests.factories import TerritoryFactory, user_with_role
    from tests.households.helpers import author_of, make_household, orient, verified

    territory = TerritoryFactory(name="Pays d'Aix")
    users = {r: user_with_role(r, territory) for r in ("coordinator", "referent", "observer")}
    today = timezone.localdate()
    coordinator = verified(users["coordinator"])
    for n in range(30):
        h = make_household(users["referent"], last_name=f"N{n}", situation=["street", "chrs", "family_friends"][n % 3],
                           received_on=today - timedelta(days=200 - n))
        orient(coordinator, h, on=today - timedelta(days=190 - n))
        if n < 18:
            h.refresh_from_db()
            services.leave_list(h, author_of(coordinator), today - timedelta(days=20 + n), "housed", "social" if n < 13 else "iml")
    client = Client()
    sign_in(client, users[role])
    cookie = client.cookies["lda-session"].value
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=["--no-sandbox", "--disable-gpu"])
        context = browser.new_context(viewport={"width": 1200, "height": 900})
        context.add_cookies([{"name": "lda-session", "value": cookie, "url": live_server.url}])
        page = context.new_page()
        page.goto(live_server.url + "/chiffres/")
        page.screenshot(path=f"/tmp/figures_{role}.png", full_page=True)
        browser.close()
