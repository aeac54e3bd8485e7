"""The retention pages: who sees which households, legal holds placed and lifted with a reason,
French errors tied to their field, bounded queries."""

from datetime import datetime, time, timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from lda.audit.models import AccessLog
from lda.households.models import Household
from lda.retention.models import LegalHold
from tests.clock import reference_today
from tests.households.helpers import make_household

pytestmark = pytest.mark.django_db
TODAY = reference_today()


def old_household(user, referent=None, days=800, **kwargs):
    on = TODAY - timedelta(days=days)
    with time_machine.travel(timezone.make_aware(datetime.combine(on, time(10))), tick=False):
        household = make_household(user, received_on=on, **kwargs)
    Household.objects.filter(pk=household.pk).update(referent=referent)
    return household


def test_the_coordinator_sees_the_territory_a_referent_only_its_own(users, client_for):
    mine = old_household(users["referent"], referent=users["referent"], last_name="Zéphyrin")
    other = old_household(users["social_worker"], last_name="Durand")
    recent = old_household(users["social_worker"], days=30)
    page = client_for("coordinator").get(reverse("retention:due"))
    assert page.status_code == 200
    html = page.content.decode()
    assert mine.reference in html and other.reference in html and recent.reference not in html
    assert "Zéphyrin" not in html and "Durand" not in html  # references only, no name
    html = client_for("referent").get(reverse("retention:due")).content.decode()
    assert mine.reference in html and other.reference not in html


def test_due_page_queries_are_bounded(users, client_for, django_assert_max_num_queries):
    for i in range(3):
        old_household(users["referent"], last_name=f"Nom{i}")
    client = client_for("coordinator")
    client.get(reverse("retention:due"))
    for i in range(10):
        old_household(users["referent"], last_name=f"Autre{i}")
    with django_assert_max_num_queries(16):  # measured: 16 with 3 households and with 13
        assert client.get(reverse("retention:due")).status_code == 200


def test_placing_and_lifting_a_hold(users, client_for):
    household = old_household(users["referent"])
    client = client_for("coordinator")
    page = client.post(reverse("retention:hold_place"), {"reference": household.reference, "reason": ""})
    html = page.content.decode()
    assert page.status_code == 200 and 'href="#id_reason"' in html and "Ce champ est obligatoire." in html
    page = client.post(reverse("retention:hold_place"), {"reference": "INCONNU", "reason": "Procédure"})
    assert "Aucun dossier de ce territoire ne porte cette référence." in page.content.decode()
    assert not LegalHold.objects.exists()
    page = client.post(reverse("retention:hold_place"), {"reference": household.reference, "reason": "Procédure"})
    assert page.status_code == 302
    hold = LegalHold.objects.get()
    assert hold.placed_by == users["coordinator"] and hold.active
    listing = client.get(reverse("retention:holds")).content.decode()
    assert household.reference in listing and "Procédure" in listing
    page = client.post(reverse("retention:hold_lift", args=[hold.pk]), {"lift_reason": " "})
    assert page.status_code == 200 and "Ce champ est obligatoire." in page.content.decode()
    page = client.post(reverse("retention:hold_lift", args=[hold.pk]), {"lift_reason": "Procédure close"})
    assert page.status_code == 302
    hold.refresh_from_db()
    assert hold.lifted_by == users["coordinator"] and hold.lift_reason == "Procédure close"
    logged = AccessLog.objects.filter(object_type="legalhold", object_id=str(hold.pk)).order_by("pk")
    assert [(e.action, e.user_id) for e in logged] == [
        ("create", users["coordinator"].pk),
        ("update", users["coordinator"].pk),
    ]
    assert not AccessLog.objects.filter(section__icontains="Procédure").exists()


def test_a_referent_may_not_place_a_hold(client_for):
    assert client_for("referent").post(reverse("retention:hold_place"), {}).status_code == 403
