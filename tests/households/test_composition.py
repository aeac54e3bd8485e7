"""Composition is computed from the persons (spec 1): adults, children and their ages, single parent."""

from datetime import date
from types import SimpleNamespace as P

from lda.households.composition import composition

TODAY = date(2026, 11, 22)


def test_one_adult_with_children_is_a_single_parent_family_whoever_else_lives_there():
    found = composition(
        [
            P(role="adult", birth_date=date(1990, 1, 1)),
            P(role="child", birth_date=date(2020, 11, 23)),
            P(role="child", birth_date=None),
            P(role="other", birth_date=date(1950, 5, 5)),
        ],
        TODAY,
    )
    assert (found.adults, found.children, found.others, found.size) == (1, 2, 1, 4)
    assert found.children_ages == (5,)  # the day before the birthday; unknown birth dates left out
    assert found.single_parent
    assert str(found) == "1 adulte · 1 autre personne · 2 enfants (5 ans) · famille monoparentale"


def test_two_adults_or_no_child_is_not_a_single_parent_family():
    adult, child = P(role="adult", birth_date=None), P(role="child", birth_date=None)
    assert not composition([adult, adult, child], TODAY).single_parent
    assert not composition([adult], TODAY).single_parent
