"""Every formset is bounded: a forged TOTAL_FORMS builds no more forms than the page allows (issue 18, item 5)."""

import ast
import pathlib
import time

import pytest
from django.urls import reverse

from lda.households.models import Household
from lda.households.referral_views import PersonFormSet
from tests.clock import reference_today
from tests.conftest import sign_in

ROOT = pathlib.Path(__file__).resolve().parents[2] / "lda"
FACTORIES = {"formset_factory", "modelformset_factory", "inlineformset_factory"}


def test_every_formset_factory_in_the_code_names_absolute_max_and_validate_max():
    unbounded = []
    for path in ROOT.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", "")) in FACTORIES:
                named = {keyword.arg for keyword in node.keywords}
                if not {"absolute_max", "validate_max", "max_num"} <= named:
                    unbounded.append(f"{path.relative_to(ROOT.parent)}:{node.lineno}")
    assert unbounded == []


def test_a_forged_total_forms_builds_at_most_the_maximum():
    formset = PersonFormSet({"personne-TOTAL_FORMS": "1000000", "personne-INITIAL_FORMS": "0"}, prefix="personne")
    started = time.perf_counter()
    assert not formset.is_valid()
    assert len(formset.forms) <= 12
    assert time.perf_counter() - started < 2
    assert formset.non_form_errors() == ["Veuillez soumettre au plus 12 formulaires."]


@pytest.mark.django_db
def test_the_referral_form_refuses_a_million_persons_in_french_and_saves_nothing(client, users):
    sign_in(client, users["referent"])
    data = {
        "personne-TOTAL_FORMS": "1000000",
        "personne-INITIAL_FORMS": "0",
        "personne-MIN_NUM_FORMS": "1",
        "personne-MAX_NUM_FORMS": "12",
        "personne-0-last_name": "Martin",
        "personne-0-first_name": "Léa",
        "personne-0-birth_date_precision": "day",
        "personne-0-sex": "F",
        "personne-0-role": "adult",
        "personne-0-administrative_status": "unknown",
        "referrer_kind": "association",
        "received_on": reference_today().isoformat(),
        "situation_kind": "street",
    }
    started = time.perf_counter()
    response = client.post(reverse("households:referral_create"), data)
    assert time.perf_counter() - started < 5
    assert response.status_code == 200
    assert "Veuillez soumettre au plus 12 formulaires." in response.content.decode()
    assert not Household.objects.exists()
