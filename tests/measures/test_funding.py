"""Funding of measures (pure part of `lda/measures/statements.py`), on VIAL's terms: 7 000 € per
household and year, 60 % advance, indirect costs capped at 25 % of the amount paid."""

from datetime import date
from decimal import Decimal

import pytest

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


def test_cap_without_declaration_or_without_cap():
    assert line(whole_year(1), AgreementFacts(1, Decimal("0"))).cap.message == "Charges indirectes non déclarées"
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
    # One day of January: 7000 / 12 / 31 = 18.8172… €
    one_day = [Span(1, "vial", Decimal("7000"), date(2025, 1, 31), date(2025, 1, 31), "rupture", 1)]
    assert line(one_day).amount_due == Decimal("18.82")
    # Three such days are rounded together (56.45), not as 3 × 18.82 (56.46).
    three = [Span(i, "vial", Decimal("7000"), date(2025, 1, 31), date(2025, 1, 31), "rupture", i) for i in range(3)]
    assert line(three).amount_due == Decimal("56.45")
    assert isinstance(line(three).amount_due, Decimal)


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
