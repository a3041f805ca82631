"""The financial report's daily rollups (`db.reports`) equal the raw aggregation over the
invoices: random invoices over a few days, then random initiations, payments (late ones on
expired and cancelled invoices too), refunds, cancellations, expiries and archived
transactions, each in its own transaction calling `sync_report_rollup` as the activities do;
then random ranges, day-aligned and mid-day, compared rollup-based vs raw."""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, text

from db.engine import create_engine, create_session_factory, transaction
from db.models import ArchiveTransaction, Invoice, LineItem
from db.reports import TOTAL_FIELDS, ReportRepository, counted, sync_report_rollup

BASE = datetime(2026, 3, 10)
RATES = (Decimal("0"), Decimal("0.06"), Decimal("0.11"))
CATEGORIES = (None, "", "VAT", "SST")

line = st.tuples(
    st.sampled_from(RATES), st.sampled_from(CATEGORIES), st.integers(min_value=0, max_value=900)
)
invoice = st.fixed_dictionaries(
    {
        "currency": st.sampled_from(["IDR", "USD"]),
        "gateway_id": st.sampled_from([1, 2]),
        "second": st.integers(min_value=0, max_value=4 * 86400 - 1),
        "lines": st.lists(line, min_size=1, max_size=3),
    }
)
operation = st.tuples(
    st.integers(min_value=0, max_value=11),
    st.sampled_from(["initiate", "pay", "refund", "cancel", "expire", "archive"]),
    st.integers(min_value=1, max_value=700),
)
moment = st.integers(min_value=-3600, max_value=5 * 86400)


async def scenario(
    url: str,
    specs: list[dict[str, Any]],
    ops: list[tuple[int, str, int]],
    ranges: list[tuple[int, int, bool]],
) -> None:
    engine = create_engine(url, pool_size=2, max_overflow=0)
    sessions = create_session_factory(engine)
    tenant = f"roll-{uuid.uuid4().hex[:12]}"
    ids: list[int] = []
    try:
        for spec in specs:
            async with transaction(sessions) as session:
                subtotal = sum((Decimal(s) for _, _, s in spec["lines"]), Decimal(0))
                tax = sum((r * Decimal(s) for r, _, s in spec["lines"]), Decimal(0))
                created = BASE + timedelta(seconds=spec["second"])
                row = Invoice(
                    tenant_id=tenant,
                    external_id=uuid.uuid4().hex,
                    status="draft",
                    currency=spec["currency"],
                    gateway_id=spec["gateway_id"],
                    metadata_={},
                    subtotal=subtotal,
                    tax_total=tax,
                    service_fee=Decimal(3),
                    total=subtotal + tax + 3,
                    amount_paid=Decimal(0),
                    amount_refunded=Decimal(0),
                    overpayment_amount=Decimal(0),
                    fee_percentage=Decimal("0.0200"),
                    fee_fixed=Decimal(3),
                    expires_at=created + timedelta(days=1),
                    created_at=created,
                    updated_at=created,
                )
                session.add(row)
                await session.flush()
                for position, (rate, category, amount) in enumerate(spec["lines"]):
                    session.add(
                        LineItem(
                            tenant_id=tenant,
                            invoice_id=row.id,
                            position=position,
                            description="x",
                            quantity=1,
                            unit_price=Decimal(amount),
                            subtotal=Decimal(amount),
                            tax_rate=rate,
                            tax_category=category,
                            tax_amount=rate * amount,
                        )
                    )
                await sync_report_rollup(session, row, new=True)
                ids.append(row.id)
        for index, kind, amount in ops:
            invoice_id = ids[index % len(ids)]
            async with transaction(sessions) as session:
                row = (
                    await session.execute(
                        select(Invoice).where(Invoice.id == invoice_id).with_for_update()
                    )
                ).scalar_one()
                apply(row, kind, Decimal(amount))
                if kind == "archive":
                    session.add(archived_transaction(row, amount))
                await sync_report_rollup(session, row)
        async with sessions() as session:
            for start, length, aligned in ranges:
                lo = BASE + timedelta(seconds=start)
                hi = lo + timedelta(seconds=length)
                if aligned:
                    lo = datetime.combine(lo.date(), datetime.min.time())
                    hi = datetime.combine(hi.date(), datetime.max.time())
                rolled = await ReportRepository(session, tenant).financial_sums(lo, hi)
                raw = (
                    await ReportRepository(session, tenant).currency_totals(lo, hi),
                    await ReportRepository(session, tenant).tax_breakdown(lo, hi),
                    await ReportRepository(session, tenant).fee_breakdown(lo, hi),
                )
                assert normalized(rolled) == normalized(raw), (lo, hi)
                assert rolled[0] == sorted(rolled[0], key=lambda r: r["currency"])
    finally:
        async with engine.begin() as conn:
            await conn.execute(
                text("DELETE FROM report_daily_totals WHERE tenant_id = :t"), {"t": tenant}
            )
            await conn.execute(
                text("DELETE FROM report_daily_taxes WHERE tenant_id = :t"), {"t": tenant}
            )
        await engine.dispose()


def apply(row: Invoice, kind: str, amount: Decimal) -> None:
    """What the invoice activities do to the row's money and status (simplified rules)."""
    if kind == "initiate" and row.status == "draft":
        row.status = "pending"
    elif kind == "pay" and row.status != "draft":
        row.amount_paid += amount
        if row.status in ("pending", "partially_paid"):
            row.status = "fully_paid" if row.amount_paid >= row.total else "partially_paid"
    elif kind == "refund" and row.amount_refunded + amount <= row.amount_paid:
        row.amount_refunded += amount
    elif kind == "cancel" and row.status in ("draft", "pending") and row.amount_paid == 0:
        row.status = "cancelled"
    elif kind == "expire" and row.status in ("draft", "pending", "partially_paid"):
        row.status = "expired"


def archived_transaction(row: Invoice, amount: int) -> ArchiveTransaction:
    """A payment transaction moved to the archive: invoice money is unchanged by archival."""
    return ArchiveTransaction(
        id=10**12 + uuid.uuid4().int % 10**9,
        tenant_id=row.tenant_id,
        invoice_id=row.id,
        installment_number=None,
        gateway_id=row.gateway_id,
        gateway_transaction_id=uuid.uuid4().hex,
        amount=Decimal(amount),
        currency=row.currency,
        status="paid",
        overpayment_amount=Decimal(0),
        refunded_amount=Decimal(0),
        paid_at=row.created_at,
        created_at=row.created_at,
        updated_at=row.created_at,
    )


def normalized(parts: tuple[list[dict[str, Any]], ...]) -> tuple[Any, ...]:
    totals, taxes, fees = parts
    return (
        {r["currency"]: tuple(_num(r[k]) for k in TOTAL_FIELDS) for r in totals},
        {
            (r["currency"], _num(r["tax_rate"]), r["tax_category"]): (
                _num(r["taxable_amount"]),
                _num(r["tax_amount"]),
            )
            for r in taxes
        },
        {(r["currency"], r["gateway"]): _num(r["amount"]) for r in fees},
    )


def _num(value: Any) -> Decimal:
    return Decimal(value if value is not None else 0).normalize()


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    specs=st.lists(invoice, min_size=1, max_size=12),
    ops=st.lists(operation, max_size=30),
    ranges=st.lists(st.tuples(moment, moment, st.booleans()), min_size=1, max_size=4),
)
def test_rollup_report_equals_raw_aggregation(
    database_url: str,
    specs: list[dict[str, Any]],
    ops: list[tuple[int, str, int]],
    ranges: list[tuple[int, int, bool]],
) -> None:
    asyncio.run(scenario(database_url, specs, ops, [(s, abs(n), a) for s, n, a in ranges]))


def test_counted_statuses_are_the_reports() -> None:
    assert not counted("draft") and not counted("cancelled")
    assert all(counted(s) for s in ("pending", "partially_paid", "fully_paid", "expired"))
