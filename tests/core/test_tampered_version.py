"""A tampered or missing hidden version says the file changed meanwhile, never an empty error (issue 18, item 10)."""

import importlib
import inspect
import pkgutil

import pytest
from django import forms
from django.urls import reverse
from django.utils.html import escape

import lda
from lda.core.forms import VERSION_CHANGED
from tests.conftest import sign_in
from tests.households.helpers import make_household

VERSION_NAMES = {"version", "expected_version", "expected_number"}
TAMPERED = ["abc", "", "1.5", "99999999999999999999"]


def _form_classes():
    for info in pkgutil.walk_packages(lda.__path__, "lda."):
        if info.name.endswith("forms"):
            module = importlib.import_module(info.name)
            for _, cls in inspect.getmembers(module, inspect.isclass):
                if issubclass(cls, forms.BaseForm) and cls.__module__ == module.__name__:
                    yield cls


def _version_fields():
    found = []
    for cls in _form_classes():
        for name, field in getattr(cls, "base_fields", {}).items():
            if name in VERSION_NAMES and isinstance(field.widget, forms.HiddenInput):
                found.append((cls, name, field))
    return found


def test_the_version_fields_are_found_in_households_measures_and_housing():
    modules = {cls.__module__ for cls, _, _ in _version_fields()}
    assert {"lda.households.forms", "lda.measures.forms", "lda.housing.proposal_forms"} <= modules


@pytest.mark.parametrize("value", TAMPERED)
def test_every_hidden_version_field_explains_a_tampered_value_in_french(value):
    for cls, name, field in _version_fields():
        if not field.required and value == "":
            continue
        with pytest.raises(forms.ValidationError) as refused:
            field.clean(value)
        assert refused.value.messages == [VERSION_CHANGED], (cls.__name__, name)


@pytest.mark.django_db
@pytest.mark.parametrize("value", TAMPERED)
def test_the_page_lists_the_message_under_the_error_count(client, users, value):
    household = make_household(users["referent"])
    sign_in(client, users["referent"])
    response = client.post(
        reverse("households:situation_add", args=[household.pk]),
        {"version": value, "kind": "chrs", "started_on": "2026-01-01", "detail": "CHRS"},
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert "Le formulaire contient 1 erreur :" in text
    assert f"<li>{escape(VERSION_CHANGED)}</li>" in text
    assert household.situations.count() == 1


@pytest.mark.django_db
def test_the_person_form_shows_a_tampered_version_too(client, users):
    household = make_household(users["referent"])
    sign_in(client, users["referent"])
    response = client.post(
        reverse("households:person_add", args=[household.pk]),
        {"last_name": "Martin", "first_name": "Léa", "birth_date_precision": "day", "sex": "F", "role": "adult"}
        | {"administrative_status": "unknown", "v-version": "abc"},
    )
    assert response.status_code == 200
    assert escape(VERSION_CHANGED) in response.content.decode()
    assert household.persons.count() == 1
