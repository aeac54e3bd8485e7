"""The synthetic names and identifiers of the demo: pure functions, no database."""

import math
import random
from base64 import b32decode
from binascii import unhexlify
from collections import Counter

import pytest

from lda.core.validators import LA_POSTE_SIREN, luhn_ok, siret_ok
from lda.demo import names
from lda.demo.identifiers import email_slug, staff_email, synthetic_siret
from lda.demo.totp import current_totp, demo_totp_key, demo_totp_secret_base32


def assert_follows(draws: list[str], probabilities: dict[str, float], sigmas: float = 4.5):
    """Each name drawn often enough stays within a few binomial standard deviations of its weight."""
    counts, n = Counter(draws), len(draws)
    for name, p in probabilities.items():
        expected = n * p
        if expected >= 20:
            tolerance = sigmas * math.sqrt(n * p * (1 - p))
            assert abs(counts[name] - expected) <= tolerance, (name, counts[name], round(expected))
    # And overall: the distance between observed and expected distributions is small.
    distance = sum(abs(counts[name] / n - p) for name, p in probabilities.items()) / 2
    assert distance < 0.12


def test_tables_are_large_and_diverse():
    table = names.surnames()
    assert len(table.names) >= 150
    assert len(set(table.names)) == len(table.names)
    for name in ("Martin", "Bernard", "Dubois", "Diallo", "Traoré", "Benali", "Mohamed", "Nguyen", "Yilmaz"):
        assert name in table.names
    origins = Counter(names.surname_origins().values())
    assert {"north_african", "west_african", "comorian", "turkish", "vietnamese", "eastern_european"} <= set(origins)
    for sex in names.SEXES:
        assert len(names.first_names(sex).names) >= 140
    assert {"Marie", "Nathalie", "Camille", "Léa", "Inès", "Fatima", "Aïcha"} <= set(names.first_names("F").names)
    assert {"Jean", "Philippe", "Nicolas", "Thomas", "Mohamed", "Karim", "Mamadou"} <= set(names.first_names("M").names)


def test_martin_is_the_most_frequent_surname():
    rng = random.Random(42)
    counts = Counter(names.surname(rng) for _ in range(5000))
    assert "Martin" in [name for name, _ in counts.most_common(3)]
    assert counts.most_common(1)[0][0] == "Martin"


def test_surname_draws_follow_the_weights():
    rng = random.Random(5)
    draws = names.surnames().draw(rng, k=20000)
    assert_follows(draws, names.surnames().probabilities())


@pytest.mark.parametrize(("sex", "birth_year"), [("F", 1955), ("F", 1972), ("M", 1990), ("M", 2015), ("F", None)])
def test_first_name_draws_follow_the_weights_of_their_generation(sex, birth_year):
    rng = random.Random(11)
    draws = [names.first_name(rng, sex, birth_year) for _ in range(10000)]
    assert_follows(draws, names.first_names(sex, birth_year).probabilities())


def test_first_names_change_with_generations():
    rng = random.Random(3)
    born_1970 = Counter(names.first_name(rng, "F", 1970) for _ in range(3000))
    born_2015 = Counter(names.first_name(rng, "F", 2015) for _ in range(3000))
    assert born_1970["Nathalie"] > 50 and born_2015["Nathalie"] == 0
    assert born_2015["Emma"] > 50 and born_1970["Emma"] == 0


def test_person_names_are_deterministic_and_mostly_coherent_with_the_surname():
    first = [names.person_name(random.Random(9)) for _ in range(3)]
    assert first[0] == first[1] == first[2]
    rng = random.Random(9)
    people = [names.person_name(rng, sex="M", birth_year=1985) for _ in range(4000)]
    west_african = [p for p in people if names.surname_origins()[p.last_name] == "west_african"]
    heritage = set(names.first_names("M", 1985, ("west_african", "arabic")).names)
    assert west_african
    assert sum(p.first_name in heritage for p in west_african) / len(west_african) > 0.6


def test_synthetic_sirets_are_valid_and_unique():
    rng, taken = random.Random(1), set()
    sirets = [synthetic_siret(rng, prefix, taken) for prefix in ("2", "7", "13", "356") for _ in range(250)]
    assert len(set(sirets)) == len(sirets)
    for siret in sirets:
        assert len(siret) == 14 and siret_ok(siret) and luhn_ok(siret[:9])
        assert not siret.startswith(LA_POSTE_SIREN)


def test_staff_emails_are_ascii_and_numbered_for_namesakes():
    assert email_slug("Lê Văn") == "le-van"
    assert email_slug("Aïcha N'Diaye") == "aicha-n-diaye"
    taken: set[str] = set()
    assert staff_email("Léa", "Da Silva", "exemple.invalid", taken) == "lea.da-silva@exemple.invalid"
    assert staff_email("Léa", "Da Silva", "exemple.invalid", taken) == "lea.da-silva2@exemple.invalid"


def test_totp_secret_is_fixed_and_matches_the_key():
    key = demo_totp_key("Admin@demo.lda.fr")
    assert key == demo_totp_key("admin@demo.lda.fr") and len(key) == 40
    secret = demo_totp_secret_base32("admin@demo.lda.fr")
    assert len(secret) == 32 and b32decode(secret) == unhexlify(key)
    code = current_totp("admin@demo.lda.fr", at=1_800_000_000)
    assert len(code) == 6 and code.isdigit()
    # 1 800 000 000 starts a 30-second window: the code holds until its end.
    assert (
        code
        == current_totp("admin@demo.lda.fr", at=1_800_000_029)
        != current_totp("admin@demo.lda.fr", at=1_800_000_030)
    )
