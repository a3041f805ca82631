"""Hypothesis strategies shared by the domain property tests."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import strategies as st

from domain.money import Currency
from domain.totals import FeeSchedule, LineItemInput

currencies = st.sampled_from(list(Currency))


def at_scale(
    currency: Currency, min_units: int = 0, max_units: int = 10**12
) -> st.SearchStrategy[Decimal]:
    """Amounts on the currency's grid, drawn as integer counts of its smallest unit."""
    return st.integers(min_units, max_units).map(lambda u: Decimal(u).scaleb(-currency.scale))


tax_rates = st.integers(0, 10_000).map(lambda n: Decimal(n).scaleb(-4))


def fee_schedules(currency: Currency) -> st.SearchStrategy[FeeSchedule]:
    return st.builds(
        FeeSchedule,
        fee_percentage=st.integers(0, 1_000).map(lambda n: Decimal(n).scaleb(-4)),
        fee_fixed=at_scale(currency, 0, 500_000),
    )


def line_items(currency: Currency) -> st.SearchStrategy[list[LineItemInput]]:
    line = st.builds(
        LineItemInput,
        quantity=st.integers(1, 1_000),
        unit_price=at_scale(currency, 0, 10**9),
        tax_rate=tax_rates,
    )
    return st.lists(line, min_size=1, max_size=8)
