"""What the drills share: a merchant client that behaves like a careful real one (retries
connection errors, 503 and "idempotency key in progress" with the same Idempotency-Key), the
sandbox's control API, and the final money check: every invoice, read through the public API,
against the sandbox's own record of what was paid."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import httpx
from temporalio.client import Client, WorkflowExecutionStatus
from temporalio.service import RPCError

from devstack import Stack

GATEWAY_IDS = {"xendit": 1, "midtrans": 2}
UNIT_PRICE = Decimal(50000)
TAX_RATE = Decimal("0.11")
# Seeded fees (gateway_currency_fees), IDR: xendit 2.9% + 2000, midtrans 2.0% + 4000.
FEES = {"xendit": (Decimal("0.029"), Decimal(2000)), "midtrans": (Decimal("0.02"), Decimal(4000))}


def expected_total(gateway: str, quantity: int) -> Decimal:
    """The invoice total computed here from the inputs (amounts chosen to be exact in IDR)."""
    subtotal = UNIT_PRICE * quantity
    percentage, fixed = FEES[gateway]
    return subtotal + subtotal * TAX_RATE + subtotal * percentage + fixed


def drill_invoice(external_id: str, gateway: str, quantity: int = 2) -> dict[str, Any]:
    return {
        "external_id": external_id,
        "currency": "IDR",
        "gateway_id": GATEWAY_IDS[gateway],
        "description": "drill order",
        "customer": {"name": "Ani", "email": "ani@example.com"},
        "line_items": [
            {
                "description": "Widget",
                "quantity": quantity,
                "unit_price": str(UNIT_PRICE),
                "tax_rate": str(TAX_RATE),
                "tax_category": "VAT",
            }
        ],
    }


def amount(value: str | int | Decimal) -> Decimal:
    return Decimal(str(value))


def idr(value: Decimal) -> str:
    return f"{value.quantize(Decimal(1)):f}"


class DrillError(AssertionError):
    pass


@dataclass
class Client503:
    """Every 503 the api answered, with its body (the drill asserts the envelope)."""

    path: str
    body: Any


@dataclass
class MerchantClient:
    """One tenant on a drill stack, over HTTP only."""

    stack: Stack
    key: str
    tenant_id: str
    http: httpx.AsyncClient = field(init=False)
    sandbox: httpx.AsyncClient = field(init=False)
    stats: Counter[str] = field(default_factory=Counter)
    unavailable: list[Client503] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.http = httpx.AsyncClient(
            base_url=self.stack.api_url,
            headers={"X-API-Key": self.key},
            timeout=httpx.Timeout(90, connect=5),
        )
        self.sandbox = httpx.AsyncClient(base_url=self.stack.sandbox_url, timeout=30)

    @classmethod
    def new(cls, stack: Stack) -> MerchantClient:
        tenant_id = f"drill-{uuid.uuid4().hex[:12]}"
        return cls(stack, stack.create_merchant_key(tenant_id, "drill"), tenant_id)

    async def aclose(self) -> None:
        await self.http.aclose()
        await self.sandbox.aclose()

    async def call(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: dict[str, Any] | None = None,
        idempotency_key: str | None = None,
        deadline: float = 150.0,
    ) -> httpx.Response:
        """The request, retried (same Idempotency-Key) on connection errors, 503 and 409
        "in progress" until it gets any other answer, or fails after `deadline` seconds."""
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else None
        give_up = time.monotonic() + deadline
        last: object = None
        while time.monotonic() < give_up:
            try:
                response = await self.http.request(
                    method, path, json=json, params=params, headers=headers
                )
            except httpx.TransportError as exc:
                self.stats[f"transport:{type(exc).__name__}"] += 1
                last = exc
                await asyncio.sleep(0.3)
                continue
            if response.status_code == 503:
                self.stats["503"] += 1
                self.unavailable.append(Client503(path, _json(response)))
                last = response.text
                await asyncio.sleep(0.5)
                continue
            if response.status_code == 409 and _code(response) == "idempotency_in_progress":
                self.stats["409-in-progress"] += 1
                last = response.text
                await asyncio.sleep(0.5)
                continue
            if response.status_code >= 500:
                self.stats[str(response.status_code)] += 1
                raise DrillError(f"{method} {path}: {response.status_code} {response.text}")
            return response
        raise DrillError(f"{method} {path}: no answer within {deadline}s; last {last!r}")

    async def create_invoice(self, body: dict[str, Any]) -> dict[str, Any]:
        """POST /invoices with Idempotency-Key = external_id. A 409 duplicate_external_id means
        an earlier try created it (its answer was lost with the api): the invoice is looked up."""
        external_id = body["external_id"]
        response = await self.call("POST", "/invoices", json=body, idempotency_key=external_id)
        if response.status_code == 409 and _code(response) == "duplicate_external_id":
            self.stats["create-409-duplicate"] += 1
            found = await self.find_invoice(external_id)
            if found is None:
                raise DrillError(f"{external_id}: 409 duplicate but no such invoice listed")
            return found
        if response.status_code != 201:
            raise DrillError(f"create {external_id}: {response.status_code} {response.text}")
        result: dict[str, Any] = response.json()
        return result

    async def list_invoices(self) -> list[dict[str, Any]]:
        invoices: list[dict[str, Any]] = []
        page = 1
        while True:
            response = await self.call("GET", "/invoices", params={"page": page, "page_size": 200})
            assert response.status_code == 200, response.text
            body = response.json()
            invoices.extend(body["data"])
            if page * 200 >= body["total"]:
                return invoices
            page += 1

    async def find_invoice(self, external_id: str) -> dict[str, Any] | None:
        return next(
            (i for i in await self.list_invoices() if i["external_id"] == external_id), None
        )

    async def get_invoice(self, invoice_id: int) -> dict[str, Any]:
        response = await self.call("GET", f"/invoices/{invoice_id}")
        assert response.status_code == 200, response.text
        result: dict[str, Any] = response.json()
        return result

    async def transactions(self, invoice_id: int) -> list[dict[str, Any]]:
        response = await self.call("GET", f"/invoices/{invoice_id}/transactions")
        assert response.status_code == 200, response.text
        return list(response.json()["data"])

    async def initiate(self, invoice_id: int, idempotency_key: str) -> dict[str, Any]:
        response = await self.call(
            "POST", f"/invoices/{invoice_id}/payments", json={}, idempotency_key=idempotency_key
        )
        if response.status_code != 201:
            raise DrillError(f"initiate {invoice_id}: {response.status_code} {response.text}")
        result: dict[str, Any] = response.json()
        return result

    async def wait_amount_paid(
        self, invoice_id: int, at_least: Decimal, timeout: float = 150
    ) -> dict[str, Any]:
        give_up = time.monotonic() + timeout
        while True:
            invoice = await self.get_invoice(invoice_id)
            if amount(invoice["amount_paid"]) >= at_least:
                return invoice
            if time.monotonic() > give_up:
                raise DrillError(f"invoice {invoice_id} never reached {at_least}: {invoice}")
            await asyncio.sleep(0.5)

    # --- the sandbox (never killed) ----------------------------------------------------------

    async def sandbox_pay(self, reference: str, paid: Decimal, deliveries: int) -> dict[str, Any]:
        body = {"amount": idr(paid), "deliveries": deliveries}
        response = await self.sandbox.post(f"/_sandbox/payments/{reference}/pay", json=body)
        assert response.status_code == 200, response.text
        result: dict[str, Any] = response.json()
        return result

    async def sandbox_faults(self, body: dict[str, Any] | None) -> None:
        if body is None:
            response = await self.sandbox.delete("/_sandbox/faults")
        else:
            response = await self.sandbox.post("/_sandbox/faults", json=body)
        assert response.status_code == 200, response.text

    async def sandbox_payments(self) -> list[dict[str, Any]]:
        response = await self.sandbox.get("/_sandbox/payments")
        assert response.status_code == 200, response.text
        return list(response.json()["data"])


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return response.text


def _code(response: httpx.Response) -> str | None:
    body = _json(response)
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        code = body["error"].get("code")
        return str(code) if code is not None else None
    return None


def assert_error_envelope(body: Any, what: str) -> None:
    assert isinstance(body, dict), f"{what}: not JSON: {body!r}"
    error = body.get("error")
    assert isinstance(error, dict) and error.get("code") and error.get("message"), (
        f"{what}: no error envelope: {body!r}"
    )
    assert "request_id" in body, f"{what}: no request_id: {body!r}"


# --- the final money check ------------------------------------------------------------------


@dataclass
class SandboxPaid:
    reference: str
    transaction_key: str  # what PayTrust records as gateway_transaction_id
    paid_amount: Decimal


def sandbox_paid_by_invoice(payments: list[dict[str, Any]]) -> dict[int, list[SandboxPaid]]:
    """The sandbox's record of money received, grouped by the invoice PayTrust created the
    payment for (Xendit `metadata.invoice_id`, Midtrans `custom_field1`: references are
    opaque)."""
    by_invoice: dict[int, list[SandboxPaid]] = {}
    for payment in payments:
        request = payment["request"]
        invoice_id = int(
            request["metadata"]["invoice_id"]
            if payment["gateway"] == "xendit"
            else request["custom_field1"]
        )
        if payment["status"] != "paid":
            by_invoice.setdefault(invoice_id, [])
            continue
        # Xendit: the invoice id is the transaction id; Midtrans: its transaction_id.
        key = (
            payment["transaction_id"] if payment["gateway"] == "midtrans" else payment["reference"]
        )
        by_invoice.setdefault(invoice_id, []).append(
            SandboxPaid(payment["reference"], key, amount(payment["paid_amount"]))
        )
    return by_invoice


def money_mismatches(
    invoices: list[dict[str, Any]], paid: dict[int, list[SandboxPaid]]
) -> list[str]:
    """Invoices whose amount_paid differs from what the sandbox says was paid for them."""
    wrong = []
    for invoice in invoices:
        expected = sum((p.paid_amount for p in paid.get(invoice["id"], [])), Decimal(0))
        if amount(invoice["amount_paid"]) != expected:
            wrong.append(
                f"invoice {invoice['id']}: amount_paid {invoice['amount_paid']} != {expected}"
            )
    return wrong


async def check_invoice(
    client: MerchantClient, invoice: dict[str, Any], paid: list[SandboxPaid]
) -> list[str]:
    """Everything the money must satisfy for one invoice; the problems found (none = good)."""
    problems: list[str] = []
    iid = invoice["id"]
    total = amount(invoice["total"])
    expected = sum((p.paid_amount for p in paid), Decimal(0))
    amount_paid = amount(invoice["amount_paid"])
    if amount_paid != expected:
        problems.append(f"invoice {iid}: amount_paid {amount_paid} != sandbox {expected}")
    want_status = (
        "fully_paid" if expected >= total else "partially_paid" if expected > 0 else "pending"
    )
    if invoice["status"] != want_status:
        problems.append(f"invoice {iid}: status {invoice['status']}, paid {expected}/{total}")
    overpaid = max(expected - total, Decimal(0))
    if amount(invoice["overpayment_amount"]) != overpaid:
        problems.append(f"invoice {iid}: overpayment {invoice['overpayment_amount']} != {overpaid}")
    transactions = await client.transactions(iid)
    recorded = Counter(t["gateway_transaction_id"] for t in transactions if t["status"] == "paid")
    for payment in paid:
        if recorded[payment.transaction_key] != 1:
            problems.append(
                f"invoice {iid}: sandbox payment {payment.reference} recorded "
                f"{recorded[payment.transaction_key]} times as paid"
            )
    amounts = {
        t["gateway_transaction_id"]: amount(t["amount"])
        for t in transactions
        if t["status"] == "paid"
    }
    for payment in paid:
        if (
            payment.transaction_key in amounts
            and amounts[payment.transaction_key] != payment.paid_amount
        ):
            problems.append(
                f"invoice {iid}: transaction {payment.transaction_key} amount "
                f"{amounts[payment.transaction_key]} != paid {payment.paid_amount}"
            )
    extra = set(recorded) - {p.transaction_key for p in paid}
    if extra:
        problems.append(f"invoice {iid}: paid transactions the sandbox never paid: {extra}")
    return problems


async def workflow_statuses(
    stack: Stack, invoice_ids: list[int]
) -> dict[int, WorkflowExecutionStatus | None]:
    """`invoice-{id}`'s status per invoice (None: no such workflow), via the Temporal API."""
    client = await Client.connect(stack.temporal_target)
    semaphore = asyncio.Semaphore(20)

    async def one(invoice_id: int) -> tuple[int, WorkflowExecutionStatus | None]:
        async with semaphore:
            try:
                described = await client.get_workflow_handle(f"invoice-{invoice_id}").describe()
            except RPCError:
                return invoice_id, None
            return invoice_id, described.status

    return dict(await asyncio.gather(*(one(i) for i in invoice_ids)))
