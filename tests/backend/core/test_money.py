from decimal import Decimal

import pytest

from stockscan.core.money import quantize_money


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        ("90.475", "EUR", "90.48"),
        ("0.125", "EUR", "0.13"),
        ("1499.5", "XOF", "1500"),
        ("1498.49", "XOF", "1498"),
        ("2.0005", "TND", "2.001"),
    ],
)
def test_amounts_are_rounded_half_up_to_the_currencys_minor_unit(amount, currency, expected):
    rounded = quantize_money(Decimal(amount), currency)
    assert str(rounded) == expected
