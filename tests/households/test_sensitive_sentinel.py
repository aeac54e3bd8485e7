"""Spec 6's second gate, checked with sentinels: a value written in every sensitive field appears
in no page or export of a viewer who may see the file but not its sensitive sections, while the
coordinator sees it (so that the test can fail)."""

import io
import re
import zipfile
from datetime import date

import pytest
from django.urls import reverse

from lda.accounts.roles import Role
from lda.households import services
from lda.households.models import Household
from tests.conftest import sign_in
from tests.factories import user_with_role
from tests.households.helpers import author_of, make_household, orient

pytestmark = pytest.mark.django_db

SENTINEL = "ZZSENTINELLEZZ"
# Labels of sensitive codes used below: they must not show either.
SENSITIVE_LABELS = ["Santé mentale", "Femme victime de violences", "Hébergement pour femmes", "Demande d&#x27;asile"]


@pytest.fixture
def sensitive_file(users, territory):
    """Created by an association that is neither referent nor accompanying: it sees the file only."""
    creator = user_with_role(Role.SOCIAL_WORKER, territory)
    household = make_household(
        creator,
        summary=f"Motif {SENTINEL}",
        situation="women_shelter",
        priority_publics=["violence_victim", "under_25"],
        persons=[
            services.PersonData(
                "Durand", "Inès", birth_date=date(1999, 1, 2), sex="F", administrative_status="asylum_seeker"
            )
        ],
    )
    siao = users[Role.REFERENT].memberships.get().organisation
    Household.objects.filter(pk=household.pk).update(
        referent_organisation=siao, notes=f"Notes {SENTINEL}", protected=True, whereabouts=f"Adresse {SENTINEL}"
    )
    household.refresh_from_db()
    author = author_of(users[Role.REFERENT])
    services.record_situation(household, author, "violence_threat", date.today(), detail=f"Détail {SENTINEL}")
    services.record_need(household, author, "mental_health", "identified")
    orient(users[Role.COORDINATOR], household, comment=f"Commentaire {SENTINEL}")
    return creator, household


def _pages(client, household):
    return {
        "fiche": client.get(reverse("households:detail", args=[household.pk])).content.decode(),
        "liste": _tbody(client.get(reverse("households:list") + "?statut=tous").content.decode()),
        "liste filtrée": _tbody(
            client.get(reverse("households:list") + "?statut=tous&besoin=mental_health").content.decode()
        ),
        "export CSV": client.get(reverse("households:export") + "?statut=tous").content.decode("utf-8-sig"),
        "export Excel": _xlsx_text(client.get(reverse("households:export") + "?statut=tous&format=xlsx").content),
    }


def _tbody(html):
    return "".join(re.findall(r"<tbody>.*?</tbody>", html, re.S))


def _xlsx_text(content):
    with zipfile.ZipFile(io.BytesIO(content)) as book:
        return "".join(book.read(name).decode() for name in book.namelist() if name.endswith(".xml"))


def test_a_viewer_without_the_second_gate_never_sees_sensitive_values(client, sensitive_file):
    creator, household = sensitive_file
    sign_in(client, creator)
    pages = _pages(client, household)
    assert "DURAND" in pages["fiche"]  # the file itself is visible…
    for name, text in pages.items():
        assert SENTINEL not in text, f"valeur sensible dans : {name}"
    for label in SENSITIVE_LABELS:
        assert label not in pages["fiche"], f"catégorie sensible sur la fiche : {label}"
    assert "DURAND" not in pages["liste filtrée"], "un filtre sensible révèle la présence du ménage"


def test_the_coordinator_sees_them_but_not_a_protected_address(client, users, sensitive_file):
    _, household = sensitive_file
    sign_in(client, users[Role.COORDINATOR])
    page = client.get(reverse("households:detail", args=[household.pk])).content.decode()
    for value in (f"Motif {SENTINEL}", f"Notes {SENTINEL}", f"Détail {SENTINEL}", f"Commentaire {SENTINEL}"):
        assert value in page
    assert f"Adresse {SENTINEL}" not in page  # protected file: named people only
    household.protected_viewers.add(users[Role.COORDINATOR])
    assert f"Adresse {SENTINEL}" in client.get(reverse("households:detail", args=[household.pk])).content.decode()


def test_the_timeline_masks_sensitive_events(client, sensitive_file):
    creator, household = sensitive_file
    sign_in(client, creator)
    page = client.get(reverse("households:detail", args=[household.pk])).content.decode()
    assert "Menacé·e de violences" not in page
    assert "Détail réservé aux travailleurs sociaux" in page
