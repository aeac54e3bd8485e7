"""Validators of French administrative identifiers, with French error messages."""

import re

from django.core.exceptions import ValidationError

# SIREN of La Poste: its establishments' SIRETs follow a different checksum (sum of digits % 5).
LA_POSTE_SIREN = "356000000"


def luhn_ok(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def siret_ok(value: str) -> bool:
    if not re.fullmatch(r"\d{14}", value):
        return False
    if value.startswith(LA_POSTE_SIREN):
        return sum(int(c) for c in value) % 5 == 0
    return luhn_ok(value)


def normalise_digits(value: str) -> str:
    return re.sub(r"[\s.]", "", value or "")


def validate_siret(value: str) -> None:
    digits = normalise_digits(value)
    if not re.fullmatch(r"\d{14}", digits):
        raise ValidationError("Le SIRET doit comporter exactement 14 chiffres.", code="siret_format")
    if not siret_ok(digits):
        raise ValidationError("Ce SIRET n'est pas valide (la clé de contrôle ne correspond pas).", code="siret_key")


def validate_siren(value: str) -> None:
    digits = normalise_digits(value)
    if not re.fullmatch(r"\d{9}", digits):
        raise ValidationError("Le code SIREN d'un EPCI doit comporter exactement 9 chiffres.", code="siren_format")
    if not luhn_ok(digits):
        raise ValidationError(f"Le code SIREN {digits} n'est pas valide (clé de contrôle).", code="siren_key")


def clean_epci_codes(codes) -> list[str]:
    """EPCI SIREN codes, normalised to 9 digits, each valid and cited once."""
    cleaned = [normalise_digits(str(code)) for code in codes or [] if str(code).strip()]
    for code in cleaned:
        validate_siren(code)
    if len(set(cleaned)) != len(cleaned):
        raise ValidationError("Un même EPCI est cité deux fois.", code="epci_duplicate")
    return cleaned


# Départements: 01–19, 2A, 2B, 21–95, and overseas 971–976.
_DEPARTEMENT = re.compile(r"^(0[1-9]|1[0-9]|2[AB]|2[1-9]|[3-8][0-9]|9[0-5]|97[1-6])$")


def validate_departement_code(value: str) -> None:
    if not _DEPARTEMENT.match(value or ""):
        raise ValidationError("Code département INSEE inconnu (ex. : 13, 2A, 974).", code="departement")


def validate_commune_code(value: str) -> None:
    """INSEE commune code: département prefix then commune number (5 characters)."""
    if not re.fullmatch(r"(\d{5}|2[AB]\d{3})", value or ""):
        raise ValidationError("Code commune INSEE invalide (5 caractères, ex. : 13055).", code="commune")


# A French social-security number (NIR): sex, year, month, département (2A/2B for Corsica),
# commune, order, optional key — with or without spaces or dots. Spec 6: never stored anywhere.
_NIR_LIKE = re.compile(
    r"(?<![\dA-Za-z])[12][ .]?\d{2}[ .]?(?:0[1-9]|1[0-2]|[2-9]\d)[ .]?(?:\d{2}|2[AaBb])[ .]?\d{3}[ .]?\d{3}(?:[ .]?\d{2})?(?!\d)"
)
NIR_MESSAGE = (
    "Ce texte semble contenir un numéro de sécurité sociale (NIR) : il ne doit jamais être enregistré. "
    "Retirez-le avant d'enregistrer."
)


def contains_nir_like(text: str) -> bool:
    return bool(text) and _NIR_LIKE.search(text) is not None
