"""Synthetic identifiers for the demo: SIRET numbers, addresses, phone numbers, e-mail addresses."""

import random
import re
import unicodedata

from lda.core.validators import LA_POSTE_SIREN, luhn_ok, siret_ok

# Numbers ARCEP reserves for fiction (04 65 71 00 00 to 04 65 71 99 99): they ring nobody.
FICTION_PHONE_PREFIX = "04 65 71"

STREETS = (
    "rue des Lilas",
    "rue Victor-Hugo",
    "avenue Jean-Jaurès",
    "boulevard de la Libération",
    "rue de la République",
    "place de la Mairie",
    "chemin des Oliviers",
    "allée des Pins",
    "rue Pasteur",
    "avenue des Platanes",
    "rue du Marché",
    "rue de la Gare",
    "impasse des Cigales",
    "boulevard des Tilleuls",
    "rue Émile-Zola",
    "avenue de la Résistance",
    "rue des Écoles",
    "quai du Port",
    "rue Jules-Ferry",
    "traverse des Amandiers",
)


def luhn_check_digit(partial: str) -> str:
    """The digit that, appended to `partial`, makes the whole number pass the Luhn check."""
    return next(d for d in "0123456789" if luhn_ok(partial + d))


def synthetic_siret(rng: random.Random, prefix: str, taken: set[str]) -> str:
    """A 14-digit, Luhn-valid SIRET whose SIREN (also Luhn-valid) starts with `prefix`, unused in `taken`."""
    while True:
        body = prefix + "".join(rng.choice("0123456789") for _ in range(8 - len(prefix)))
        siren = body + luhn_check_digit(body)
        # La Poste's SIRETs follow another checksum; a head office is usually establishment 0001…0099.
        nic = f"{rng.randint(1, 99):04d}"
        siret = siren + nic + luhn_check_digit(siren + nic)
        if siren != LA_POSTE_SIREN and siret_ok(siret) and siret not in taken:
            taken.add(siret)
            return siret


def synthetic_address(rng: random.Random, cities: tuple[tuple[str, str, int], ...]) -> str:
    postcode, city, _ = rng.choices(cities, weights=[weight for _, _, weight in cities])[0]
    return f"{rng.randint(1, 120)} {rng.choice(STREETS)}, {postcode} {city}"


def fiction_phone(rng: random.Random) -> str:
    return f"{FICTION_PHONE_PREFIX} {rng.randint(0, 99):02d} {rng.randint(0, 99):02d}"


def email_slug(text: str) -> str:
    """ASCII, lower case, words joined by hyphens: "Lê Văn" → "le-van", "N'Diaye" → "n-diaye"."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def staff_email(first_name: str, last_name: str, domain: str, taken: set[str]) -> str:
    """first.last@domain, numbered (first.last2@…) when a namesake already works there."""
    local = f"{email_slug(first_name)}.{email_slug(last_name)}"
    email, number = f"{local}@{domain}", 1
    while email in taken:
        number += 1
        email = f"{local}{number}@{domain}"
    taken.add(email)
    return email
