"""Exact money: float artefacts convert to the amount the extension showed, formatting is human."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from roo_usage.money import (
    PICO_PER_USD,
    format_usd,
    pico_to_decimal,
    pico_to_text,
    pico_to_usd,
    usd_to_pico,
)


@pytest.mark.parametrize(
    ("value", "pico"),
    [
        (0.058584000000000006, 58_584_000_000),
        (0.1 + 0.2, 300_000_000_000),
        (0.022337999999999997, 22_338_000_000),
        (0.6345817499999999, 634_581_750_000),
        (0.0242145, 24_214_500_000),
        (1e-7, 100_000),
        (3, 3 * PICO_PER_USD),
        ("0.1210125", 121_012_500_000),
        (Decimal("0.000000000001"), 1),
        (0.0, 0),
        (-0.0, 0),
    ],
)
def test_recorded_amounts_convert_to_exact_pico_dollars(value: object, pico: int) -> None:
    assert usd_to_pico(value) == pico  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("value", "pico"), [(1e-13, 0), (5e-13, 0), (1.5e-12, 2), (2.5e-12, 2), (3.5e-12, 4)]
)
def test_amounts_below_a_pico_dollar_round_half_even(value: float, pico: int) -> None:
    assert usd_to_pico(value) == pico


@pytest.mark.parametrize(
    ("value", "pico"),
    [
        (1e15, 10**27),
        (1e16, 10**28),  # raised decimal.InvalidOperation (28-digit context) before
        (1e300, 10**312),
        ("123456789012345678901234567890.5", 1234567890123456789012345678905 * 10**11),
    ],
)
def test_huge_amounts_convert_exactly_instead_of_raising(value: object, pico: int) -> None:
    assert usd_to_pico(value) == pico  # type: ignore[arg-type]


@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf"), "NaN"])
def test_non_finite_amounts_are_a_value_error(value: object) -> None:
    with pytest.raises(ValueError):
        usd_to_pico(value)  # type: ignore[arg-type]


@settings(max_examples=100, deadline=None)
@given(st.floats(min_value=0, max_value=1e6, allow_nan=False, allow_infinity=False))
def test_a_float_converts_to_its_shortest_decimal_rounded_to_the_pico(value: float) -> None:
    expected = Decimal(repr(value)).quantize(Decimal("1e-12"))
    assert usd_to_pico(value) == int(expected.scaleb(12))
    assert abs(pico_to_usd(usd_to_pico(value)) - value) <= 1e-12 + abs(value) * 1e-15


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=10**15), max_size=20))
def test_exact_text_of_a_sum_is_the_sum_of_the_texts(picos: list[int]) -> None:
    total = sum((Decimal(pico_to_text(p)) for p in picos), Decimal(0))
    assert total == Decimal(pico_to_text(sum(picos)))
    assert all("E" not in pico_to_text(p) for p in picos)  # never scientific notation


def test_exact_decimal_forms() -> None:
    assert pico_to_decimal(0) == 0
    assert pico_to_text(165_987_000_000) == "0.165987"
    assert pico_to_text(4_268_052_913_000) == "4.268052913"
    assert pico_to_text(10**12) == "1"
    assert pico_to_text(1) == "0.000000000001"
    assert pico_to_usd(58_584_000_000) == 0.058584


@pytest.mark.parametrize(
    ("pico", "text"),
    [
        (0, "$0.00"),
        (12_345_600_000_000, "$12.35"),
        (1_234_567 * PICO_PER_USD, "$1,234,567.00"),
        (10_000_000_000, "$0.01"),
        (165_987_000_000, "$0.17"),
        (4_200_000_000, "$0.0042"),
        (4_260_000_000, "$0.0043"),
        (5_000_000_000, "$0.0050"),
        (1_000_000, "$0.0000010"),
        (123_456, "$0.00000012"),
        (1, "$0.0000000000010"),
    ],
)
def test_format_usd_keeps_two_significant_digits_for_small_amounts(pico: int, text: str) -> None:
    assert format_usd(pico) == text


@pytest.mark.parametrize(
    ("pico", "text"),
    [
        (999_999_999, "$0.0010"),  # was "$0.00100": rounding reached the next power of ten
        (99_999, "$0.00000010"),
        (9_999_999_999, "$0.01"),  # was "$0.0100"
        (9_949_999_999, "$0.0099"),
    ],
)
def test_format_usd_rounding_up_to_a_power_of_ten_keeps_two_digits(pico: int, text: str) -> None:
    assert format_usd(pico) == text


@settings(max_examples=100, deadline=None)
@given(st.integers(min_value=1, max_value=10**10 - 1))
def test_small_amounts_show_two_significant_digits_close_to_the_amount(pico: int) -> None:
    text = format_usd(pico)
    assert text.startswith("$0.")
    shown = Decimal(text[1:])
    digits = shown.as_tuple().digits
    significant = "".join(map(str, digits)).lstrip("0")
    assert len(significant) <= 2
    exact = pico_to_decimal(pico)
    assert abs(shown - exact) <= exact / 10  # within one unit of the second digit
