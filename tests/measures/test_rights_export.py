"""The measures' sections of the rights export (lda/measures/dossier_sections.py, decision 0023)."""

import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from lda.accounts.roles import Role
from lda.measures import services
from tests.conftest import sign_in
from tests.households.helpers import author_of
from tests.measures.helpers import active_measure

pytestmark = pytest.mark.django_db


def test_the_export_lists_the_measures_and_what_was_recorded_in_them(client, users):
    coordinator, worker = users[Role.COORDINATOR], users[Role.SOCIAL_WORKER]
    measure = active_measure(coordinator, worker)
    services.record_meeting(
        measure, services.MeetingData(timezone.localdate() - timedelta(days=3), "home_visit", 45), author_of(worker)
    )
    sign_in(client, coordinator)
    url = reverse("households:rights_export_json", args=[measure.household_id])
    body = json.loads(client.get(url).content)
    sections = {s["code"]: s for s in body["sections"]}
    (record,) = sections["mesures"]["enregistrements"]
    assert record["type"] == measure.type_version.measure_type.name and record["status"] == "Active"
    (meeting,) = sections["rencontres"]["enregistrements"]
    assert meeting["kind"] == "Visite à domicile" and meeting["measure"].startswith(record["type"])
    pdf = client.get(reverse("households:rights_export_pdf", args=[measure.household_id]))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
