"""The sandbox's memory: payments, refunds and the webhooks they cause.

It is a test double, so state lives in memory behind one asyncio lock. The wire shapes (Xendit
invoice objects and callbacks, Midtrans notifications and status answers) are built here, from
GATEWAYS.md.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import itertools
import secrets
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_DOWN, Decimal
from typing import Any, Final, Literal

from sandbox.delivery import Dispatcher
from sandbox.faults import Faults, SandboxGateway
from sandbox.settings import SandboxSettings
from sandbox.wire import dumps, midtrans_time, utc_now, xendit_time

# Decimal places of the currencies the sandbox's Xendit accepts (Midtrans: IDR only).
SCALES: Final[dict[str, int]] = {"IDR": 0, "VND": 0, "MYR": 2, "USD": 2, "THB": 2, "PHP": 2}
SANDBOX_USER_ID: Final = "5f0c3a2e9d1b4c0017a1b2c3"
SANDBOX_MERCHANT_ID: Final = "G000000000"
MERCHANT_NAME: Final = "PayTrust Sandbox"

Status = Literal["pending", "paid", "expired", "refunded", "partially_refunded"]


class SandboxError(Exception):
    """A control or page action that does not fit the payment's state (answered 404/409/400)."""

    def __init__(self, status_code: int, message: str) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.message = message


def scale_of(currency: str) -> int:
    """Decimal places of a currency the sandbox knows (2 for anything unexpected)."""
    return SCALES.get(currency, 2)


def at_scale(amount: Decimal, currency: str) -> Decimal:
    """Truncate to the currency's scale, as Xendit does with IDR decimals."""
    return amount.quantize(Decimal(1).scaleb(-scale_of(currency)), rounding=ROUND_DOWN)


def wire_number(amount: Decimal, currency: str) -> int | Decimal:
    """A JSON number: an integer for zero-decimal currencies."""
    value = at_scale(amount, currency)
    return int(value) if scale_of(currency) == 0 else value


def two_decimals(amount: Decimal) -> str:
    """Midtrans's amount strings: "10000.00"."""
    return f"{amount.quantize(Decimal('0.01')):f}"


@dataclass
class Refund:
    refund_id: str
    chargeback_id: int
    amount: Decimal
    reason: str
    created_at: datetime
    status: Literal["SUCCEEDED", "FAILED"]
    idempotency_key: str | None
    reference_id: str | None
    metadata: dict[str, Any] | None = None
    failure_code: str | None = None

    def view(self) -> dict[str, Any]:
        return {
            "refund_id": self.refund_id,
            "amount": f"{self.amount:f}",
            "status": self.status,
            "reason": self.reason,
            "idempotency_key": self.idempotency_key,
            "reference_id": self.reference_id,
            "failure_code": self.failure_code,
            "created_at": xendit_time(self.created_at),
        }


PLATFORM_ACCOUNT: Final[dict[str, str]] = {
    "xendit": "platform-xendit",
    "midtrans": "platform-midtrans",
}


@dataclass
class Account:
    """One merchant account at the gateway: its own keys and notification URL.

    Xendit: `secret_key` (API) and `callback_token` (sent on callbacks); Midtrans: `secret_key`
    is the server key (API and signatures) and `client_key` the public one. The platform
    accounts come from settings; `/_sandbox/accounts` adds more.
    """

    id: str
    gateway: SandboxGateway
    secret_key: str
    callback_token: str | None
    client_key: str | None
    webhook_url: str

    def view(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "gateway": self.gateway,
            "secret_key": self.secret_key,
            "server_key": self.secret_key if self.gateway == "midtrans" else None,
            "callback_token": self.callback_token,
            "client_key": self.client_key,
            "webhook_url": self.webhook_url,
        }


@dataclass
class Payment:
    """One Xendit invoice or Midtrans Snap order, held by one merchant account."""

    gateway: SandboxGateway
    reference: str  # Xendit invoice id / Midtrans order_id
    merchant_reference: str  # external_id / order_id
    amount: Decimal
    currency: str
    description: str
    created_at: datetime
    expires_at: datetime
    payment_url: str
    request: dict[str, Any]
    status: Status = "pending"
    updated_at: datetime = field(default_factory=utc_now)
    token: str | None = None
    transaction_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    payment_id: str | None = None
    paid_amount: Decimal | None = None
    paid_at: datetime | None = None
    expired_at: datetime | None = None
    refunds: list[Refund] = field(default_factory=list)
    account_id: str = ""

    @property
    def refunded_amount(self) -> Decimal:
        return sum((r.amount for r in self.refunds if r.status == "SUCCEEDED"), Decimal(0))

    @property
    def gross_amount(self) -> Decimal:
        """What Midtrans reports as gross_amount: the amount paid once paid, else the order's."""
        return self.paid_amount if self.paid_amount is not None else self.amount

    def view(self) -> dict[str, Any]:
        """The control API's view (`GET /_sandbox/payments`)."""
        return {
            "gateway": self.gateway,
            "reference": self.reference,
            "merchant_reference": self.merchant_reference,
            "amount": f"{self.amount:f}",
            "currency": self.currency,
            "status": self.status,
            "paid_amount": None if self.paid_amount is None else f"{self.paid_amount:f}",
            "refunded_amount": f"{self.refunded_amount:f}",
            "payment_url": self.payment_url,
            "token": self.token,
            "transaction_id": self.transaction_id if self.gateway == "midtrans" else None,
            "created_at": xendit_time(self.created_at),
            "expires_at": xendit_time(self.expires_at),
            "request": self.request,
            "account_id": self.account_id,
            "refunds": [refund.view() for refund in self.refunds],
        }


class Sandbox:
    """All sandbox state and the actions on it; one instance per app."""

    def __init__(self, settings: SandboxSettings) -> None:
        self.settings = settings
        self.lock = asyncio.Lock()
        self.faults = Faults()
        self.dispatcher = Dispatcher(
            self.faults,
            retry_time_scale=settings.retry_time_scale,
            timeout_seconds=settings.webhook_timeout_seconds,
        )
        self.payments: dict[str, Payment] = {}
        self._by_token: dict[str, str] = {}
        self._by_transaction_id: dict[str, str] = {}
        # Refunds by idempotency key: per account at Xendit (its idempotency-key header), per
        # transaction at Midtrans (refund_key); and Xendit reference_ids, unique per account.
        self._refund_keys: dict[tuple[str, str], tuple[Payment, Refund]] = {}
        self._reference_ids: dict[tuple[str, str], Refund] = {}
        self._chargeback_ids = itertools.count(1000)
        self._timers: dict[str, asyncio.Task[None]] = {}
        self.accounts: dict[str, Account] = {
            PLATFORM_ACCOUNT["xendit"]: Account(
                id=PLATFORM_ACCOUNT["xendit"],
                gateway="xendit",
                secret_key=settings.xendit_secret_key.get_secret_value(),
                callback_token=settings.xendit_callback_token.get_secret_value(),
                client_key=None,
                webhook_url=settings.xendit_webhook_url,
            ),
            PLATFORM_ACCOUNT["midtrans"]: Account(
                id=PLATFORM_ACCOUNT["midtrans"],
                gateway="midtrans",
                secret_key=settings.midtrans_server_key.get_secret_value(),
                callback_token=None,
                client_key=None,
                webhook_url=settings.midtrans_webhook_url,
            ),
        }

    # -- merchant accounts (the caller holds the lock) ----------------------------------------

    def add_account(self, gateway: SandboxGateway, webhook_url: str | None) -> Account:
        """A new merchant account with fresh keys, notifying `webhook_url` (or nowhere yet)."""
        account_id = f"acct-{secrets.token_hex(6)}"
        account = Account(
            id=account_id,
            gateway=gateway,
            secret_key="",
            callback_token=None,
            client_key=None,
            webhook_url=webhook_url or "",
        )
        self._new_keys(account)
        self.accounts[account_id] = account
        return account

    def rotate_account(self, account: Account) -> Account:
        """New keys for the same account: its payments stay its own."""
        self._new_keys(account)
        return account

    @staticmethod
    def _new_keys(account: Account) -> None:
        if account.gateway == "xendit":
            account.secret_key = f"xnd_development_{secrets.token_hex(16)}"
            account.callback_token = secrets.token_urlsafe(24)
        else:
            account.secret_key = f"SB-Mid-server-{secrets.token_urlsafe(18)}"
            account.client_key = f"SB-Mid-client-{secrets.token_urlsafe(12)}"

    def account(self, account_id: str) -> Account:
        account = self.accounts.get(account_id)
        if account is None:
            raise SandboxError(404, f"No account {account_id!r}")
        return account

    def account_of(self, payment: Payment) -> Account:
        return (
            self.accounts.get(payment.account_id)
            or self.accounts[PLATFORM_ACCOUNT[payment.gateway]]
        )

    async def start(self) -> None:
        """Start webhook delivery."""
        await self.dispatcher.start()

    async def stop(self) -> None:
        """Stop timers and webhook delivery."""
        for task in self._timers.values():
            task.cancel()
        for task in list(self._timers.values()):
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self.dispatcher.stop()

    async def reset(self) -> None:
        """Forget every payment, delivery and fault."""
        async with self.lock:
            for task in self._timers.values():
                task.cancel()
            self._timers.clear()
            self.payments.clear()
            self._by_token.clear()
            self._by_transaction_id.clear()
            self._refund_keys.clear()
            self._reference_ids.clear()
            self.faults.clear()
            self.dispatcher.release_held()
            self.dispatcher.clear_log()

    # -- look-ups ------------------------------------------------------------------------------

    def find(self, key: str) -> Payment | None:
        """By reference (invoice id / order_id), Midtrans token or Midtrans transaction_id."""
        reference = key
        if key not in self.payments:
            reference = self._by_token.get(key) or self._by_transaction_id.get(key) or key
        return self.payments.get(reference)

    def get(self, key: str) -> Payment:
        """Like `find`, or a 404 `SandboxError`."""
        payment = self.find(key)
        if payment is None:
            raise SandboxError(404, f"No payment {key!r}")
        return payment

    def order_id_taken(self, order_id: str) -> bool:
        """Midtrans order ids are single-use."""
        payment = self.payments.get(order_id)
        return payment is not None and payment.gateway == "midtrans"

    # -- creation -----------------------------------------------------------------------------

    def add_xendit_invoice(
        self,
        *,
        external_id: str,
        amount: Decimal,
        currency: str,
        description: str,
        duration_seconds: int,
        request: dict[str, Any],
        account_id: str = PLATFORM_ACCOUNT["xendit"],
    ) -> Payment:
        """Store a new PENDING Xendit invoice (the caller holds the lock)."""
        invoice_id = secrets.token_hex(12)
        now = utc_now()
        payment = Payment(
            gateway="xendit",
            reference=invoice_id,
            merchant_reference=external_id,
            amount=at_scale(amount, currency),
            currency=currency,
            description=description,
            created_at=now,
            updated_at=now,
            expires_at=now + timedelta(seconds=duration_seconds),
            payment_url=f"{self.settings.public_base_url}/pay/{invoice_id}",
            request=request,
            account_id=account_id,
        )
        self._add(payment)
        return payment

    def add_midtrans_order(
        self,
        *,
        order_id: str,
        gross_amount: Decimal,
        expires_at: datetime,
        description: str,
        request: dict[str, Any],
        account_id: str = PLATFORM_ACCOUNT["midtrans"],
    ) -> Payment:
        """Store a new Snap order and its token (the caller holds the lock)."""
        token = str(uuid.uuid4())
        now = utc_now()
        payment = Payment(
            gateway="midtrans",
            reference=order_id,
            merchant_reference=order_id,
            amount=gross_amount,
            currency="IDR",
            description=description,
            created_at=now,
            updated_at=now,
            expires_at=expires_at,
            payment_url=f"{self.settings.public_base_url}/snap/v3/redirection/{token}",
            request=request,
            token=token,
            account_id=account_id,
        )
        self._add(payment)
        self._by_token[token] = order_id
        self._by_transaction_id[payment.transaction_id] = order_id
        return payment

    def _add(self, payment: Payment) -> None:
        self.payments[payment.reference] = payment
        self._timers[payment.reference] = asyncio.create_task(
            self._expire_when_due(payment.reference), name=f"expire-{payment.reference}"
        )

    async def _expire_when_due(self, reference: str) -> None:
        payment = self.payments[reference]
        delay = (payment.expires_at - utc_now()).total_seconds()
        await asyncio.sleep(max(0.0, delay))
        async with self.lock:
            self._timers.pop(reference, None)
            if self.payments.get(reference) is payment and payment.status == "pending":
                self._mark_expired(payment)
                self._send_expired(payment)

    # -- actions (the caller holds the lock) ---------------------------------------------------

    def pay(self, payment: Payment, amount: Decimal | None, deliveries: int) -> None:
        """Mark paid (any amount: under/overpayment allowed) and send the paid webhook."""
        if payment.status != "pending":
            raise SandboxError(409, f"Payment {payment.reference} is {payment.status}")
        paid = payment.amount if amount is None else amount
        if paid <= 0:
            raise SandboxError(400, "amount must be positive")
        if at_scale(paid, payment.currency) != paid:
            raise SandboxError(
                400, f"amount {paid} has more decimals than {payment.currency} allows"
            )
        now = utc_now()
        payment.status = "paid"
        payment.paid_amount = paid
        payment.paid_at = now
        payment.updated_at = now
        payment.payment_id = f"pay-{uuid.uuid4()}"
        for _ in range(deliveries):
            if payment.gateway == "xendit":
                self._send_xendit(payment, self.xendit_invoice(payment), event="PAID")
            else:
                self._send_midtrans(payment, self.midtrans_notification(payment), "settlement")

    def expire(self, payment: Payment) -> None:
        """Expire a pending payment and send the gateway's expiry webhook."""
        if payment.status != "pending":
            raise SandboxError(409, f"Payment {payment.reference} is {payment.status}")
        self._mark_expired(payment)
        self._send_expired(payment)

    def _mark_expired(self, payment: Payment) -> None:
        now = utc_now()
        payment.status = "expired"
        payment.expired_at = now
        payment.updated_at = now

    def _send_expired(self, payment: Payment) -> None:
        if payment.gateway == "xendit":
            self._send_xendit(payment, self.xendit_invoice(payment), event="EXPIRED")
        else:
            self._send_midtrans(payment, self.midtrans_notification(payment), "expire")

    @staticmethod
    def _key_scope(payment: Payment) -> str:
        return payment.account_id if payment.gateway == "xendit" else payment.reference

    def refund_for_key(
        self, payment: Payment, idempotency_key: str | None
    ) -> tuple[Payment, Refund] | None:
        """The refund an idempotency key already made (Xendit: any invoice of the account)."""
        if not idempotency_key:
            return None
        return self._refund_keys.get((self._key_scope(payment), idempotency_key))

    def reference_id_taken(self, payment: Payment, reference_id: str | None) -> bool:
        """Xendit refund reference_ids are unique per account."""
        return bool(reference_id) and (payment.account_id, str(reference_id)) in (
            self._reference_ids
        )

    def refund(
        self,
        payment: Payment,
        amount: Decimal | None,
        reason: str,
        *,
        idempotency_key: str | None = None,
        reference_id: str | None = None,
        metadata: dict[str, Any] | None = None,
        fail: bool = False,
        failure_code: str | None = None,
    ) -> tuple[Refund, bool]:
        """Refund part or all of what was paid and send the webhook(s).

        Returns the refund and whether it is new; a repeated idempotency key returns the
        first refund and sends nothing. `fail`: the gateway accepted the request and then
        failed the refund (Xendit's `refund.failed`, with `failure_code`).
        """
        known = self.refund_for_key(payment, idempotency_key)
        if known is not None:
            return known[1], False
        if payment.status not in ("paid", "partially_refunded"):
            raise SandboxError(409, f"Payment {payment.reference} is {payment.status}")
        assert payment.paid_amount is not None
        remaining = payment.paid_amount - payment.refunded_amount
        value = remaining if amount is None else amount
        if value <= 0 or at_scale(value, payment.currency) != value:
            raise SandboxError(400, f"Refund amount {value} is not a valid amount")
        if value > remaining:
            raise SandboxError(400, f"Refund amount {value} exceeds the refundable {remaining}")
        now = utc_now()
        refund = Refund(
            refund_id=(
                (idempotency_key or f"rfk-{uuid.uuid4()}")
                if payment.gateway == "midtrans"
                else f"rfd-{uuid.uuid4()}"
            ),
            chargeback_id=next(self._chargeback_ids),
            amount=value,
            reason=reason,
            created_at=now,
            status="FAILED" if fail else "SUCCEEDED",
            idempotency_key=idempotency_key,
            reference_id=reference_id,
            metadata=metadata,
            failure_code=(failure_code or "REFUND_FAILED") if fail else None,
        )
        payment.refunds.append(refund)
        payment.updated_at = now
        if not fail:
            payment.status = "refunded" if value == remaining else "partially_refunded"
        if idempotency_key:
            self._refund_keys[(self._key_scope(payment), idempotency_key)] = (payment, refund)
        if reference_id and payment.gateway == "xendit":
            self._reference_ids[(payment.account_id, reference_id)] = refund
        if payment.gateway == "xendit":
            event = "refund.failed" if fail else "refund.succeeded"
            envelope = {
                "event": event,
                "business_id": SANDBOX_USER_ID,
                "created": xendit_time(now),
                "data": self.xendit_refund(payment, refund),
            }
            self._send_xendit(payment, envelope, event=event)
        elif not fail:
            # Midtrans notifies twice per refund: once without, once with bank_confirmed_at.
            transaction_status, _ = self.midtrans_transaction_status(payment)
            first = self.midtrans_notification(payment)
            self._send_midtrans(payment, first, transaction_status)
            second = self.midtrans_notification(payment, bank_confirmed=True)
            self._send_midtrans(payment, second, transaction_status)
        return refund, True

    # -- wire shapes --------------------------------------------------------------------------

    def xendit_invoice(self, payment: Payment) -> dict[str, Any]:
        """The invoice object (API answers and the flat callback body)."""
        status = {"pending": "PENDING", "expired": "EXPIRED"}.get(payment.status, "PAID")
        body: dict[str, Any] = {
            "id": payment.reference,
            "external_id": payment.merchant_reference,
            "user_id": SANDBOX_USER_ID,
            "status": status,
            "merchant_name": MERCHANT_NAME,
            "amount": wire_number(payment.amount, payment.currency),
            "currency": payment.currency,
            "description": payment.description,
            "invoice_url": payment.payment_url,
            "expiry_date": xendit_time(payment.expires_at),
            "created": xendit_time(payment.created_at),
            "updated": xendit_time(payment.updated_at),
        }
        for key in ("items", "fees", "metadata", "payer_email", "customer"):
            if key in payment.request:
                body[key] = payment.request[key]
        if payment.paid_amount is not None and payment.paid_at is not None:
            body.update(
                {
                    "paid_amount": wire_number(payment.paid_amount, payment.currency),
                    "paid_at": xendit_time(payment.paid_at),
                    "payment_method": "BANK_TRANSFER",
                    "payment_channel": "BCA",
                    "payment_destination": "8808999912345678",
                    "payment_id": payment.payment_id,
                }
            )
        return body

    def xendit_refund(self, payment: Payment, refund: Refund) -> dict[str, Any]:
        """A Xendit refund object (API answer and webhook `data`)."""
        body: dict[str, Any] = {
            "id": refund.refund_id,
            "invoice_id": payment.reference,
            "payment_id": payment.payment_id,
            "reference_id": refund.reference_id,
            "currency": payment.currency,
            "amount": wire_number(refund.amount, payment.currency),
            "status": refund.status,
            "reason": refund.reason,
            "created": xendit_time(refund.created_at),
            "updated": xendit_time(refund.created_at),
        }
        if refund.metadata:
            body["metadata"] = refund.metadata
        if refund.failure_code:
            body["failure_code"] = refund.failure_code
        return body

    def midtrans_transaction_status(self, payment: Payment) -> tuple[str, str]:
        """(transaction_status, status_code) as Midtrans reports them."""
        return {
            "pending": ("pending", "201"),
            "paid": ("settlement", "200"),
            "expired": ("expire", "407"),
            "refunded": ("refund", "200"),
            "partially_refunded": ("partial_refund", "200"),
        }[payment.status]

    def midtrans_notification(
        self, payment: Payment, *, bank_confirmed: bool = False
    ) -> dict[str, Any]:
        """The notification body (also the status answer), signed with the server key."""
        transaction_status, status_code = self.midtrans_transaction_status(payment)
        gross = two_decimals(payment.gross_amount)
        body: dict[str, Any] = {
            "transaction_time": midtrans_time(payment.created_at),
            "transaction_status": transaction_status,
            "transaction_id": payment.transaction_id,
            "status_message": "midtrans payment notification",
            "status_code": status_code,
            "signature_key": self.midtrans_signature(
                payment.reference, status_code, gross, self.account_of(payment).secret_key
            ),
            "payment_type": "bank_transfer",
            "order_id": payment.reference,
            "merchant_id": SANDBOX_MERCHANT_ID,
            "gross_amount": gross,
            "fraud_status": "accept",
            "currency": "IDR",
            "expiry_time": midtrans_time(payment.expires_at),
        }
        if payment.paid_at is not None:
            body["settlement_time"] = midtrans_time(payment.paid_at)
            body["va_numbers"] = [{"bank": "bca", "va_number": "12345678901"}]
        succeeded = [r for r in payment.refunds if r.status == "SUCCEEDED"]
        if succeeded:
            body["refund_amount"] = two_decimals(payment.refunded_amount)
            entries = []
            for index, refund in enumerate(succeeded):
                entry: dict[str, Any] = {
                    "refund_chargeback_id": refund.chargeback_id,
                    "refund_amount": two_decimals(refund.amount),
                    "created_at": midtrans_time(refund.created_at),
                    "reason": refund.reason,
                    "refund_key": refund.refund_id,
                }
                if index < len(succeeded) - 1 or bank_confirmed:
                    entry["bank_confirmed_at"] = midtrans_time(utc_now())
                entries.append(entry)
            body["refunds"] = entries
        return body

    @staticmethod
    def midtrans_signature(order_id: str, status_code: str, gross_amount: str, key: str) -> str:
        """SHA-512 over order_id + status_code + gross_amount + server key (GATEWAYS.md)."""
        return hashlib.sha512(f"{order_id}{status_code}{gross_amount}{key}".encode()).hexdigest()

    # -- sending ------------------------------------------------------------------------------

    def _send_xendit(self, payment: Payment, body: dict[str, Any], *, event: str) -> None:
        account = self.account_of(payment)
        token = account.callback_token or ""
        wrong = self.faults.take_wrong_signature()
        if wrong:
            token = "wrong-" + secrets.token_hex(8)
        self.dispatcher.new(
            gateway="xendit",
            url=account.webhook_url,
            reference=payment.reference,
            event=event,
            body=dumps(body),
            headers={"content-type": "application/json", "x-callback-token": token},
            signature_valid=not wrong,
        )

    def _send_midtrans(self, payment: Payment, body: dict[str, Any], event: str) -> None:
        account = self.account_of(payment)
        wrong = self.faults.take_wrong_signature()
        if wrong:
            body = {**body, "signature_key": hashlib.sha512(secrets.token_bytes(16)).hexdigest()}
        self.dispatcher.new(
            gateway="midtrans",
            url=account.webhook_url,
            reference=payment.reference,
            event=event,
            body=dumps(body),
            headers={"content-type": "application/json"},
            signature_valid=not wrong,
        )
