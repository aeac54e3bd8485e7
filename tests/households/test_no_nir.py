"""Spec 6: no social-security number (NIR) anywhere — free text that looks like one is refused."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from lda.core.validators import contains_nir_like
from lda.households import services
from tests.households.helpers import author_of, make_household

NIRS = ["1 85 04 13 055 123 45", "285041305512345", "1.85.04.2A.055.123", "2850413055123"]
NOT_NIRS = ["Rendez-vous le 12/03/2025 à 14 h", "Tél. 06 12 34 56 78", "Logement T3 de 65 m², loyer 512 €", "13055"]


@pytest.mark.parametrize("text", NIRS)
def test_nir_like_numbers_are_recognised(text):
    assert contains_nir_like(f"Numéro : {text}.")


@pytest.mark.parametrize("text", NOT_NIRS)
def test_ordinary_figures_are_not(text):
    assert not contains_nir_like(text)


@given(
    st.integers(1, 2),
    st.integers(0, 99),
    st.integers(1, 12),
    st.integers(1, 95),
    st.integers(0, 999),
    st.integers(0, 999),
)
def test_every_well_formed_nir_is_recognised(sex, year, month, dept, commune, order):
    assert contains_nir_like(f"{sex}{year:02d}{month:02d}{dept:02d}{commune:03d}{order:03d}")


@pytest.mark.django_db
def test_services_refuse_a_nir_in_free_text_naming_the_field(users):
    household = make_household(users["referent"])
    author = author_of(users["referent"])
    with pytest.raises(ValidationError) as error:
        services.record_situation(household, author, "chrs", date.today(), detail="NIR 285041305512345")
    assert "detail" in error.value.message_dict
    household.refresh_from_db()
    with pytest.raises(ValidationError) as error:
        services.update_household(household, author, household.version, notes="sécu : 1 85 04 13 055 123 45")
    assert "notes" in error.value.message_dict
    household.refresh_from_db()
    assert household.notes == ""
