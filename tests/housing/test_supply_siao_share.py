"""The residence's SIAO share (seed 002 action 7: 30 % of freed units): the pure rule
`lifecycle.siao_due` as properties, and `services.residence_share` over recorded liberations."""

import math
from decimal import Decimal
from fractions import Fraction

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from lda.housing import lifecycle, services
from tests.factories import OrganisationFactory
from tests.housing.supply_helpers import free, make_residence, occupy, residence_unit

# A share as the model stores it: three decimals between 0 and 1.
shares = st.integers(0, 1000).map(lambda n: Fraction(n, 1000))


def _hand_every_due(freed: int, share: Fraction) -> list[int]:
    """Handed counts after each freed unit, handing exactly the units that are due."""
    handed, counts = 0, []
    for n in range(freed):
        if lifecycle.siao_due(n, handed, float(share)):
            handed += 1
        counts.append(handed)
    return counts


@given(freed=st.integers(1, 300), share=shares)
def test_handing_each_due_unit_keeps_the_share_within_one_unit(freed, share):
    for n, handed in enumerate(_hand_every_due(freed, share), start=1):
        floor = math.floor(share * n)
        assert floor <= handed <= floor + 1, (n, handed, share)


@given(freed=st.integers(0, 300), share=shares, handed=st.integers(0, 300))
def test_a_unit_is_due_exactly_while_the_share_is_not_reached(freed, share, handed):
    handed = min(handed, freed)
    due = lifecycle.siao_due(freed, handed, float(share))
    assert due == (handed < share * (freed + 1))


@given(freed=st.integers(0, 300), share=shares.filter(lambda s: s > 0), handed=st.integers(0, 300))
def test_a_due_unit_kept_by_the_residence_leaves_the_next_one_due(freed, share, handed):
    handed = min(handed, freed)
    if lifecycle.siao_due(freed, handed, float(share)):
        assert lifecycle.siao_due(freed + 1, handed, float(share))


@given(freed=st.integers(0, 300))
def test_no_share_means_never_due_and_a_full_share_always_due(freed):
    assert not lifecycle.siao_due(freed, 0, 0.0)
    assert lifecycle.siao_due(freed, freed, 1.0)


def test_thirty_percent_hands_the_first_the_fourth_and_the_seventh():
    due, handed = [], 0
    for n in range(10):
        if lifecycle.siao_due(n, handed, 0.3):
            handed += 1
            due.append(n + 1)
    assert due == [1, 4, 7]


# --- through the services ------------------------------------------------------------------------


@pytest.mark.django_db
def test_residence_share_counts_liberations_and_says_which_is_due(territory):
    residence = make_residence(territory, OrganisationFactory(territory=territory), share=Decimal("0.300"))
    units = [residence_unit(residence, f"PF-{i}") for i in range(4)]
    assert services.residence_share(residence) == {
        "freed": 0,
        "handed": 0,
        "share": None,
        "target": 0.3,
        "next_due_to_siao": True,
    }
    for unit in units:
        occupy(unit)
    free(units[0], to_siao=True)
    share = services.residence_share(residence)
    assert (share["freed"], share["handed"], share["next_due_to_siao"]) == (1, 1, False)
    free(units[1], to_siao=False)
    free(units[2], to_siao=False)
    share = services.residence_share(residence)
    assert (share["freed"], share["handed"], share["next_due_to_siao"]) == (3, 1, True)
    assert share["share"] == pytest.approx(1 / 3)
    free(units[3], to_siao=True)
    assert services.residence_share(residence)["handed"] == 2


@pytest.mark.django_db
def test_a_residence_unit_cannot_be_freed_without_saying_whether_the_siao_gets_it(territory):
    residence = make_residence(territory, OrganisationFactory(territory=territory))
    unit = occupy(residence_unit(residence, "PF-1"))
    with pytest.raises(ValidationError) as error:
        free(unit, to_siao=None)
    assert "to_siao" in error.value.message_dict
    unit.refresh_from_db()
    assert unit.status == "occupied"
