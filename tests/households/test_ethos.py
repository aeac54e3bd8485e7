"""Each living situation maps to one of the 13 ETHOS categories, and every category is reachable."""

from lda.households.ethos import ETHOS_CATEGORIES, FAMILIES, SITUATION_KINDS, family_of, kind_for_ethos


def test_the_13_categories_each_have_a_situation_kind():
    assert sorted(ETHOS_CATEGORIES) == list(range(1, 14))
    assert {kind.ethos for kind in SITUATION_KINDS} == set(ETHOS_CATEGORIES)
    assert all(kind_for_ethos(n).ethos == n for n in ETHOS_CATEGORIES)


def test_kind_codes_are_unique():
    codes = [kind.code for kind in SITUATION_KINDS]
    assert len(codes) == len(set(codes))


def test_the_figures_families_follow_the_spec():
    # Amiens: street (rough sleeping, camps), shelters/CHRS, family or friends.
    assert FAMILIES["street"] == {1, 11}
    assert FAMILIES["shelter"] == {2, 3, 4, 5, 7}
    assert FAMILIES["family_friends"] == {8}
    assert family_of(9) == "other" and family_of(None) == "other"
