"""Funding of measures (pure part of `lda/measures/statements.py`), on VIAL's terms: 7 000 € per
household and year, 60 % advance, direct and indirect costs (personnel aside) capped at 25 % of the
amount paid."""

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lda.measures import statements
from lda.measures.statements import AgreementFacts, Span, Terms

VIAL = Terms(Decimal("7000"), Decimal("0.60"), Decimal("0.25"))


def whole_year(n, year=2025, cost=Decimal("7000")):
    return [Span(i, "vial", cost, date(year - 1, 6, 1), None, "", i) for i in range(n)]


def line(spans, agreement=None, terms=VIAL, year=2025, today=None):
    return statements.funding_line(spans, year, terms, agreement, today, "vial", "VIAL")


def test_ten_households_funded_make_an_advance_of_42_000():
    funded = line([], AgreementFacts(10, Decimal("42000")))
    assert funded.advance_expected == Decimal("42000.00")
    assert statements.euros(funded.advance_expected) == "42\xa0000,00\xa0€"


def test_96_household_months_are_due_56_000():
    funded = line(whole_year(8), AgreementFacts(10, Decimal("42000")))
    assert funded.household_months == 96
    assert funded.amount_due == Decimal("56000.00")
    assert funded.advance_paid == Decimal("42000.00")
    assert funded.balance == Decimal("14000.00")
    assert funded.balance_label == "14\xa0000,00\xa0€ restant à verser à l'opérateur"


def test_the_indirect_cost_cap_is_25_percent_of_the_amount_paid():
    within = line(whole_year(8), AgreementFacts(10, Decimal("42000"), Decimal("14000")))
    assert within.cap.limit == Decimal("14000.00") and within.cap.ok is True
    assert within.cap.message == "Plafond respecté (marge 0,00\xa0€)"
    over = line(whole_year(8), AgreementFacts(10, Decimal("42000"), Decimal("15000.50")))
    assert over.cap.ok is False and over.cap.exceeded_by == Decimal("1000.50")
    assert over.cap.message == "Plafond dépassé de 1\xa0000,50\xa0€"


def test_the_cap_applies_to_direct_and_indirect_costs_together():
    # Issue 20 point 4, seed 003: "les charges directes et indirectes, plafonnées à hauteur de 25%
    # maximum du montant versé par le Département" — 14 000 € here, shared by both kinds of costs.
    both = line(whole_year(8), AgreementFacts(10, Decimal("42000"), Decimal("9000"), direct_costs=Decimal("5000.01")))
    assert both.cap.declared == Decimal("14000.01")
    assert both.cap.ok is False and both.cap.exceeded_by == Decimal("0.01")
    at_cap = line(whole_year(8), AgreementFacts(10, Decimal("42000"), Decimal("9000"), direct_costs=Decimal("5000")))
    assert at_cap.cap.ok is True
    direct_only = line(whole_year(8), AgreementFacts(10, Decimal("42000"), None, direct_costs=Decimal("14000.01")))
    assert direct_only.cap.ok is False and direct_only.cap.exceeded_by == Decimal("0.01")


@given(
    st.integers(0, 3_000_000),
    st.one_of(st.none(), st.integers(0, 3_000_000)),
    st.one_of(st.none(), st.integers(0, 3_000_000)),
)
def test_the_cap_is_exact_to_the_cent_at_under_and_over(due_cents, direct, indirect):
    # A base of `due_cents`; the declared costs at the limit, one cent under and one cent over.
    base = Decimal(due_cents) / 100
    limit = statements.to_cent(Decimal("0.25") * base)
    declared = None if direct is None and indirect is None else Decimal((direct or 0) + (indirect or 0)) / 100
    check = statements.cap_check(VIAL, base, declared)
    assert check.limit == limit
    if declared is None:
        assert check.ok is None
    else:
        assert check.ok is (declared <= limit)
    for delta, ok in ((Decimal("0"), True), (Decimal("-0.01"), True), (Decimal("0.01"), False)):
        if limit + delta < 0:
            continue
        agreement = AgreementFacts(1, Decimal("0"), limit + delta - Decimal("0.00"), direct_costs=Decimal("0"))
        assert statements.cap_check(VIAL, base, statements.capped_costs(agreement)).ok is ok


def test_cap_without_declaration_or_without_cap():
    undeclared = line(whole_year(1), AgreementFacts(1, Decimal("0"))).cap.message
    assert undeclared == "Charges directes et indirectes non déclarées"
    no_cap = Terms(Decimal("2500"), Decimal("0.5"), None)
    checked = line(whole_year(1), AgreementFacts(1, Decimal("0"), Decimal("10")), terms=no_cap)
    assert checked.cap.ok is None and checked.cap.message == "Pas de plafond pour ce type"


def test_without_agreement_nothing_was_paid_and_no_advance_is_expected():
    alone = line(whole_year(2))
    assert alone.agreement is None and alone.advance_expected is None
    assert alone.advance_paid == Decimal("0.00") and alone.balance == alone.amount_due == Decimal("14000.00")


def test_an_advance_larger_than_the_amount_due_leaves_a_negative_balance():
    short = line(whole_year(3), AgreementFacts(10, Decimal("42000")))
    assert short.amount_due == Decimal("21000.00") and short.balance == Decimal("-21000.00")
    assert short.balance_label == "21\xa0000,00\xa0€ versés en trop (à reprendre)"


def test_each_measure_is_paid_at_its_own_versions_cost():
    spans = whole_year(1) + whole_year(1, cost=Decimal("8400"))
    assert line(spans).amount_due == Decimal("15400.00")


def test_amounts_are_rounded_to_the_cent_once_per_line():
    # One day of a 31-day month of accompaniment (10/01–09/02): 7000 / 12 / 31 = 18.8172… €
    one_day = [Span(1, "vial", Decimal("7000"), date(2025, 1, 10), date(2025, 1, 10), "rupture", 1)]
    assert line(one_day).amount_due == Decimal("18.82")
    # Three such days are rounded together (56.45), not as 3 × 18.82 (56.46).
    three = [Span(i, "vial", Decimal("7000"), date(2025, 1, 10), date(2025, 1, 10), "rupture", i) for i in range(3)]
    assert line(three).amount_due == Decimal("56.45")
    assert isinstance(line(three).amount_due, Decimal)


def test_twelve_months_from_a_leap_day_are_funded_exactly_the_unit_cost():
    # Issue 20 point 3: 29/02/2024 + 12 months was 11.9988 household-months (6 999,29 €).
    spans = [Span(1, "vial", Decimal("7000"), date(2024, 2, 29), date(2025, 2, 28), "", 1)]
    total = statements.amount_due(spans, 2024)[1] + statements.amount_due(spans, 2025)[1]
    assert statements.amount_due(spans, 2024)[0] + statements.amount_due(spans, 2025)[0] == 12
    assert total == Decimal("7000.00")


def test_the_running_year_counts_up_to_today():
    spans = whole_year(1, year=2025)
    half = line(spans, today=date(2025, 6, 30))
    assert half.cut_off == date(2025, 6, 30)
    assert half.household_months == 6 and half.amount_due == Decimal("3500.00")
    assert line(spans, today=date(2026, 1, 5)).cut_off is None


def test_a_measure_ending_mid_year_is_paid_for_its_days():
    ended = [Span(1, "vial", Decimal("7000"), date(2024, 1, 1), date(2025, 4, 15), "rupture", 1)]
    paid = line(ended)
    assert paid.household_months == 3 + statements.Fraction(15, 30)
    assert paid.amount_due == Decimal("2041.67")  # 3.5 × 7000 / 12


@pytest.mark.parametrize("households, share, expected", [(0, "0.60", "0.00"), (3, "0.5", "10500.00")])
def test_advance_expected(households, share, expected):
    terms = Terms(Decimal("7000"), Decimal(share), None)
    assert statements.advance_expected(terms, AgreementFacts(households, Decimal("0"))) == Decimal(expected)


def test_a_full_year_of_one_household_costs_the_unit_cost():
    assert line(whole_year(1)).amount_due == Decimal("7000.00")
