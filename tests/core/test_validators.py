import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from lda.core.validators import (
    luhn_ok,
    siret_ok,
    validate_commune_code,
    validate_departement_code,
    validate_siren,
    validate_siret,
)
from tests.factories import luhn_digit


@pytest.mark.parametrize("siret", ["73282932000074", "35600000000010", "732 829 320 00074"])
def test_valid_sirets(siret):
    validate_siret(siret)


@pytest.mark.parametrize(
    ("siret", "message"),
    [("7328293200007", "14 chiffres"), ("73282932000075", "clé de contrôle"), ("ABCDEFGHIJKLMN", "14 chiffres")],
)
def test_invalid_sirets_get_a_french_error(siret, message):
    with pytest.raises(ValidationError) as error:
        validate_siret(siret)
    assert message in error.value.messages[0]


@given(st.text(alphabet="0123456789", min_size=13, max_size=13))
def test_any_siret_with_its_luhn_key_is_valid_and_any_other_key_is_not(partial):
    if partial.startswith("356000000"):
        return
    key = luhn_digit(partial)
    assert siret_ok(partial + key)
    for other in "0123456789":
        if other != key:
            assert not siret_ok(partial + other)


def test_la_poste_establishments_follow_their_own_rule():
    assert siret_ok("35600000000010")  # sum of digits is a multiple of 5
    assert not luhn_ok("35600000000010")


def test_epci_lists_are_normalised_and_cited_once():
    from lda.core.validators import clean_epci_codes

    assert clean_epci_codes([" 200 054 807", ""]) == ["200054807"]
    with pytest.raises(ValidationError, match="deux fois"):
        clean_epci_codes(["200054807", "200 054 807"])


def test_epci_siren():
    validate_siren("200054807")  # Métropole d'Aix-Marseille-Provence
    with pytest.raises(ValidationError):
        validate_siren("200054808")


@pytest.mark.parametrize("code", ["01", "13", "2A", "2B", "95", "971", "976"])
def test_departement_codes(code):
    validate_departement_code(code)


@pytest.mark.parametrize("code", ["00", "20", "96", "977", "2C", "1", ""])
def test_unknown_departement_codes(code):
    with pytest.raises(ValidationError):
        validate_departement_code(code)


def test_commune_codes():
    validate_commune_code("13055")
    validate_commune_code("2A004")
    with pytest.raises(ValidationError):
        validate_commune_code("1305")
