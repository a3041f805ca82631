"""The payer's page in a real headless Chromium, driven over the DevTools protocol: pressing
Pay (with a partial amount typed in) sends the paid webhook to the receiver."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from decimal import Decimal

import pytest

from domain.money import Currency
from gateways import EventKind, PaymentItem
from tests.gateways.support import payment_request
from tests.support.chromium import Page, ensure_chromium, launch, open_page


@pytest.fixture
def browser() -> Iterator[int]:
    with launch(ensure_chromium()) as port:
        yield port


@pytest.fixture
async def page(browser: int) -> AsyncIterator[Page]:
    async with open_page(browser) as opened:
        yield opened


async def test_pressing_pay_sends_the_webhook(xendit, midtrans, receiver, page):
    created = await xendit.create_payment(payment_request("75000"))
    await page.call("Page.navigate", url=created.payment_url)
    assert (
        await page.wait_for(
            "document.querySelector('#amount') && document.querySelector('#amount').textContent"
        )
        == "IDR 75,000"
    )
    assert await page.evaluate("document.querySelector('#pay-amount').value") == "75000"

    # A partial payment: the payer types a smaller amount, then presses Pay.
    await page.evaluate("document.querySelector('#pay-amount').value = '50000'")
    await page.evaluate("document.querySelector('button').click()")
    assert "Payment received" in await page.wait_for(
        "document.querySelector('#confirmation') && document.body.innerText"
    )

    [delivery] = await receiver.wait_for(created.reference)
    assert delivery.status == 200, delivery.error
    assert delivery.event is not None and delivery.event.kind is EventKind.PAID
    assert delivery.event.amount == Decimal("50000")

    # Midtrans's redirect_url resolves to the same page; the full amount this time.
    snap = await midtrans.create_payment(payment_request("12000"))
    await page.call("Page.navigate", url=snap.payment_url)
    await page.wait_for("!!document.querySelector('button')")
    await page.evaluate("document.querySelector('button').click()")
    await page.wait_for("!!document.querySelector('#confirmation')")
    [notification] = await receiver.wait_for(snap.reference)
    assert notification.event is not None and notification.event.amount == Decimal("12000")


async def test_checkout_page_shows_the_order_and_returns_to_the_merchant(
    xendit, midtrans, sandbox, page
):
    """Merchant, line items, installment n of m, the amount in the currency's format, the
    expiry in local time; after Pay the payer lands on the merchant's success URL."""
    thanks = f"{sandbox.url}/_sandbox/payments?thanks=1"
    request = payment_request(
        "1234.50",
        Currency.USD,
        installment_number=2,
        items=[PaymentItem(name="Sofa", price=Decimal("1234.50"), quantity=1)],
    ).model_copy(
        update={
            "merchant_name": "Toko Ani",
            "installment_count": 3,
            "success_redirect_url": thanks,
            "failure_redirect_url": f"{sandbox.url}/_sandbox/payments?failed=1",
        }
    )
    created = await xendit.create_payment(request)
    await page.call("Page.navigate", url=created.payment_url)
    text = await page.wait_for("document.querySelector('#pay') && document.body.innerText")
    assert await page.evaluate("document.querySelector('#merchant').textContent") == "Toko Ani"
    assert await page.evaluate("document.querySelector('#amount').textContent") == "USD 1,234.50"
    assert "Installment 2 of 3" in text and "Sofa" in text
    expires = await page.evaluate("document.querySelector('#expires').textContent")
    assert expires and "T" not in expires and "Z" not in expires  # local, not raw ISO
    await page.evaluate("document.querySelector('#pay').click()")
    assert await page.wait_for("location.href.indexOf('thanks=1') >= 0 && location.href")

    # Midtrans: callbacks.finish is followed the same way.
    snap = await midtrans.create_payment(
        payment_request("12000").model_copy(
            update={"merchant_name": "Toko Ani", "success_redirect_url": thanks}
        )
    )
    await page.call("Page.navigate", url=snap.payment_url)
    await page.wait_for("!!document.querySelector('#pay')")
    assert await page.evaluate("document.querySelector('#amount').textContent") == "IDR 12,000"
    await page.evaluate("document.querySelector('#pay').click()")
    assert await page.wait_for("location.href.indexOf('thanks=1') >= 0 && location.href")
