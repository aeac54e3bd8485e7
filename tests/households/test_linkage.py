"""Duplicate detection: the pure score, the prefilter of the database, the coordinator's pairs."""

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lda.households import linkage
from lda.households.linkage import THRESHOLD, PersonRecord, compare, jaro_winkler, phonetic
from lda.households.services import PersonData
from tests.households.helpers import make_household

P = PersonRecord
BORN = date(1985, 4, 2)


# --- the pure score -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b", "reason"),
    [
        (P("Martin", "Léa", birth_date=BORN), P("MARTIN", "lea", birth_date=BORN), "mêmes nom et prénom"),
        (P("N'Diaye", "Aïssatou", birth_date=BORN), P("n diaye", "Aissatou", birth_date=BORN), "mêmes nom et prénom"),
        (P("Martin", "Léa", birth_date=BORN), P("Léa", "Martin", birth_date=BORN), "mêmes noms dans un autre ordre"),
        (P("Roussel", "Sandrine", birth_date=BORN), P("Rousel", "Sandrnie", birth_date=BORN), "orthographe proche"),
        (
            P("Dupont", "Jean", birth_date=BORN),
            P("Dupond", "Jean", birth_date=BORN),
            "noms qui se prononcent de la même façon",
        ),
        (
            P("Lefebvre", "Catherine", birth_date=BORN),
            P("Lefèvre", "Katherine", birth_date=BORN),
            "noms qui se prononcent de la même façon",
        ),
        (
            P("Martinez", "Marie-Claire", birth_date=BORN),
            P("Martinez", "Marie", birth_date=BORN),
            "nom composé en partie identique",
        ),
        (
            P("Dubois", "Anne", aliases="Moreau", birth_date=BORN),
            P("Moreau", "Anne", birth_date=BORN),
            "mêmes nom et prénom (par un autre nom connu)",
        ),
    ],
)
def test_names_written_differently_are_recognised(a, b, reason):
    result = compare(a, b)
    assert result.likely
    assert result.reasons[0] == reason


@pytest.mark.parametrize(
    ("b", "reason"),
    [
        (P("Martin", "Léa", birth_date=BORN), "même date de naissance"),
        (P("Martin", "Léa", birth_date=BORN + timedelta(days=1)), "dates de naissance à un jour près"),
        (P("Martin", "Léa", birth_date=date(1985, 2, 4)), "jour et mois inversés"),
        (P("Martin", "Léa", birth_date=date(1985, 1, 1), precision="year"), "même année de naissance"),
        (
            P("Martin", "Léa", birth_date=date(1987, 7, 1), precision="approximate"),
            "année de naissance proche (date approximative)",
        ),
        (P("Martin", "Léa", birth_date=date(1985, 4, 1), precision="month"), "même mois de naissance"),
        (P("Martin", "Léa"), "date de naissance inconnue d'un côté"),
    ],
)
def test_dates_with_their_precision(b, reason):
    result = compare(P("Martin", "Léa", birth_date=BORN), b)
    assert result.likely
    assert result.reasons[1] == reason


@pytest.mark.parametrize(
    "b",
    [
        P("Martin", "Léa", birth_date=date(1990, 4, 2)),  # a homonym born another year
        P("Martin", "Léa", birth_date=date(1985, 9, 20)),  # same year, another day: not the same person
        P("Martin", "Léa", birth_date=date(1982, 1, 1), precision="year"),
        P("Durand", "Paul", birth_date=BORN),  # same date alone never makes a duplicate
        P("Martin", "Paul", birth_date=BORN),
    ],
)
def test_different_people_are_not_flagged(b):
    assert compare(P("Martin", "Léa", birth_date=BORN), b).score < THRESHOLD


def test_phonetic_key_and_jaro_winkler():
    assert phonetic("Mohamed") == phonetic("Mohammed")
    assert phonetic("Philippe") == phonetic("Filipe")
    assert phonetic("Martin") != phonetic("Martine")
    assert jaro_winkler("martha", "marhta") == pytest.approx(0.961, abs=0.001)
    assert jaro_winkler("abc", "xyz") == 0.0


names = st.text(alphabet="abcdefghijklmnopqrstuvwxyzéèàç- '", min_size=1, max_size=20).filter(lambda s: s.strip("- '"))
dates = st.one_of(st.none(), st.dates(min_value=date(1920, 1, 1), max_value=date(2026, 1, 1)))
precisions = st.sampled_from(["day", "month", "year", "approximate"])
records = st.builds(P, names, names, st.sampled_from(["", "Dupont", "Léa Martin"]), dates, precisions)


@given(records, records)
def test_score_is_bounded_and_symmetric_enough(a, b):
    ab, ba = compare(a, b), compare(b, a)
    assert 0.0 <= ab.score <= 1.0
    assert abs(ab.score - ba.score) < 0.05


@given(records)
def test_a_record_is_a_duplicate_of_itself_or_of_its_upper_case(a):
    upper = P(a.last_name.upper(), a.first_name.upper(), a.aliases, a.birth_date, a.precision)
    if linkage.fold(a.last_name) and linkage.fold(a.first_name):
        assert compare(a, upper).likely


@given(st.text(max_size=30), st.text(max_size=30))
def test_jaro_winkler_is_a_similarity(a, b):
    value = jaro_winkler(a, b)
    assert 0.0 <= value <= 1.0
    assert jaro_winkler(a, a) == 1.0
    assert value == pytest.approx(jaro_winkler(b, a), abs=1e-9) or a[:4] != b[:4]


# --- the database adapter -------------------------------------------------------------------------


@pytest.fixture
def social_worker(users):
    return users["social_worker"]


def _person(last, first, born=BORN, **kw):
    return PersonData(last, first, birth_date=born, is_head=True, **kw)


def test_possible_duplicates_finds_variants_in_one_query(territory, social_worker, django_assert_max_num_queries):
    household = make_household(social_worker, persons=[_person("Martin", "Léa")])
    other = make_household(social_worker, persons=[_person("Durand", "Paul", born=date(1970, 1, 1))])
    asked = [
        _person("Durand", "Paul", born=date(1971, 5, 5)),  # homonym-free stranger
        _person("Lea", "MARTIN", born=BORN + timedelta(days=1)),
    ]
    with django_assert_max_num_queries(1):
        found = linkage.possible_duplicates(territory.pk, asked)
    assert [m.household_id for m in found] == [household.pk]
    match = found[0]
    assert match.household_reference == household.reference
    assert match.index == 1
    assert "mêmes noms dans un autre ordre" in match.reasons
    assert other.pk not in {m.household_id for m in found}


@pytest.mark.parametrize(
    "asked",
    [
        _person("Martin", "Léa", born=date(1985, 2, 4)),
        _person("Martim", "Léa", born=BORN),
        _person("Martin", "Léa", born=date(1985, 1, 1), birth_date_precision="year"),
        _person("Martin", "Léa", born=date(1984, 1, 1), birth_date_precision="approximate"),
        _person("Martin", "Léa", born=None),
        _person("Dubois", "Léa", born=None, aliases="Martin"),
    ],
)
def test_possible_duplicates_reaches_every_kind_of_variant(territory, social_worker, asked):
    household = make_household(social_worker, persons=[_person("Martin", "Léa")])
    assert [m.household_id for m in linkage.possible_duplicates(territory.pk, [asked])] == [household.pk]


def test_possible_duplicates_ignores_other_territories_merged_and_excluded(
    territory, other_territory, social_worker, users
):
    from lda.households import merge
    from tests.households.helpers import author_of

    kept = make_household(social_worker, persons=[_person("Martin", "Léa")])
    gone = make_household(social_worker, persons=[_person("Martin", "Léa")])
    merge.merge_households(kept, gone, author_of(users["coordinator"]))
    asked = [_person("Martin", "Léa")]
    assert {m.household_id for m in linkage.possible_duplicates(territory.pk, asked)} == {kept.pk}
    assert linkage.possible_duplicates(territory.pk, asked, exclude_household_id=kept.pk) == []
    assert linkage.possible_duplicates(other_territory.pk, asked) == []
    assert linkage.possible_duplicates(territory.pk, [PersonData("", "")]) == []


def test_possible_duplicates_respects_the_limit(territory, social_worker):
    for _ in range(4):
        make_household(social_worker, persons=[_person("Martin", "Léa")])
    assert len(linkage.possible_duplicates(territory.pk, [_person("Martin", "Léa")], limit=2)) == 2


def test_duplicate_pairs_of_the_territory(territory, social_worker, django_assert_max_num_queries):
    a = make_household(social_worker, persons=[_person("Lefebvre", "Catherine")])
    b = make_household(social_worker, persons=[_person("Lefèvre", "Katherine", born=date(1985, 2, 4))])
    c = make_household(social_worker, persons=[_person("Roussel", "Sandrine", born=date(1990, 3, 3))])
    d = make_household(social_worker, persons=[_person("Rousel", "Sandrnie", born=date(1990, 3, 4))])
    make_household(social_worker, persons=[_person("Durand", "Paul", born=date(1990, 3, 3))])
    with django_assert_max_num_queries(1):
        pairs = linkage.duplicate_pairs(territory.pk)
    found = {frozenset({p.first.household_id, p.second.household_id}) for p in pairs}
    assert found == {frozenset({a.pk, b.pk}), frozenset({c.pk, d.pk})}
    assert all(p.score >= THRESHOLD for p in pairs)
    assert len(linkage.duplicate_pairs(territory.pk, limit=1)) == 1


def test_pairs_skip_oversized_blocks():
    rows = [
        linkage.PersonRow(i, i, f"R{i}", P("Martin", "Léa", birth_date=date(1950, 1, 1) + timedelta(days=400 * i)))
        for i in range(linkage.BLOCK_CAP + 1)
    ]
    assert linkage.pairs_among(rows, 10) == []
    assert len(linkage.pairs_among(rows[:3] + [linkage.PersonRow(99, 99, "R99", rows[0].record)], 10)) == 1
