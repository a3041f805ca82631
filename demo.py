"""`paytrust demo`: the headless first payment against a running stack (`make run`), written
with the generated Python client (`clients/python`, package `paytrust_client`).

Lists the gateways, creates an IDR invoice (2 × 50000 at 11% VAT), initiates its payment,
presses **Pay** on the sandbox's payment page the way a browser does (GET the page, submit its
HTML form), then polls the invoice until it is `fully_paid` and prints its transactions.

Configuration: `--api-url`/`API_URL` (default http://127.0.0.1:8000), `--sandbox-url`/
`SANDBOX_URL` (default http://127.0.0.1:8090), `--api-key`/`PAYTRUST_API_KEY` (default: the
key `make run` wrote to `var/merchant_api_key`). Exit status 0 on success, 1 on a failed step,
2 when no API key can be found.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import TypeVar
from urllib.parse import urljoin

import httpx
from paytrust_client import AuthenticatedClient
from paytrust_client.api.gateways import list_gateways
from paytrust_client.api.invoices import (
    create_invoice,
    get_invoice,
    initiate_payment,
    list_transactions,
)
from paytrust_client.api.operations import ready
from paytrust_client.models import (
    CustomerIn,
    ErrorEnvelope,
    GatewayList,
    GatewayOut,
    InvoiceCreate,
    InvoiceOut,
    LineItemIn,
    PaymentInitiate,
    PaymentOut,
    TransactionList,
    TransactionOut,
)

ROOT = Path(__file__).resolve().parent
DEFAULT_API_URL = "http://127.0.0.1:8000"
DEFAULT_SANDBOX_URL = "http://127.0.0.1:8090"
FINAL_FAILURES = frozenset({"expired", "cancelled", "failed"})

Printer = Callable[[str], None]


class DemoError(Exception):
    """A step failed; the message says which and what to do about it."""


@dataclass(frozen=True)
class DemoConfig:
    """Where the stack is and whose key to use."""

    api_url: str
    sandbox_url: str
    api_key: str
    timeout: float = 60.0
    gateway: str = "xendit"


@dataclass
class HtmlForm:
    """One `<form>` of a page: its action, method and the fields a browser would submit."""

    action: str
    method: str
    fields: dict[str, str] = field(default_factory=dict)
    has_submit: bool = False


class FormParser(HTMLParser):
    """Collects the page's forms with their `<input>` values (stdlib html.parser only)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[HtmlForm] = []
        self._current: HtmlForm | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Open a form, or add an input/button to the open one."""
        values = {name: value or "" for name, value in attrs}
        if tag == "form":
            self._current = HtmlForm(
                action=values.get("action", ""), method=values.get("method", "get").lower()
            )
            self.forms.append(self._current)
            return
        if self._current is None:
            return
        kind = values.get("type", "submit" if tag == "button" else "text").lower()
        if tag == "button" or (tag == "input" and kind == "submit"):
            if kind == "submit":
                self._current.has_submit = True
                if values.get("name"):
                    self._current.fields[values["name"]] = values.get("value", "")
            return
        if tag == "input" and values.get("name") and kind not in ("checkbox", "radio", "file"):
            self._current.fields[values["name"]] = values.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        """Close the open form."""
        if tag == "form":
            self._current = None


def find_pay_form(html: str) -> HtmlForm | None:
    """The page's payment form: the first POST form with a submit button."""
    parser = FormParser()
    parser.feed(html)
    parser.close()
    return next((f for f in parser.forms if f.method == "post" and f.has_submit), None)


def resolve_api_key(explicit: str | None, root: Path = ROOT) -> str:
    """The merchant key: given, else PAYTRUST_API_KEY, else the one `make run` wrote."""
    if explicit:
        return explicit
    if os.environ.get("PAYTRUST_API_KEY"):
        return os.environ["PAYTRUST_API_KEY"]
    data_dir = Path(os.environ.get("PAYTRUST_DATA_DIR", root / "var"))
    path = data_dir / "merchant_api_key"
    if path.exists() and path.read_text().strip():
        return path.read_text().strip()
    raise DemoError(
        f"No API key: pass --api-key, set PAYTRUST_API_KEY, or start the stack with `make run` "
        f"(it writes {path})."
    )


ResultT = TypeVar("ResultT")


def _expect(result: object, kind: type[ResultT], what: str) -> ResultT:
    """The typed body of a successful call, else a DemoError with the API's error message."""
    if isinstance(result, kind):
        return result
    if isinstance(result, ErrorEnvelope):
        raise DemoError(f"{what} failed: {result.error.code}: {result.error.message}")
    raise DemoError(f"{what} failed: unexpected answer {result!r:.300}")


class Demo:
    """The steps of the first payment, each printed as it happens, through the generated
    Python client (clients/python: `paytrust_client`)."""

    def __init__(self, config: DemoConfig, out: Printer = print) -> None:
        self.config = config
        self.out = out
        self.api = AuthenticatedClient(
            base_url=config.api_url.rstrip("/"),
            token=config.api_key,
            auth_header_name="X-API-Key",
            prefix="",
            timeout=httpx.Timeout(30),
        )
        self.browser = httpx.Client(timeout=30, follow_redirects=True)

    def close(self) -> None:
        """Close both HTTP clients."""
        self.api.get_httpx_client().close()
        self.browser.close()

    def check_stack(self) -> None:
        """Fail early, and clearly, when the api is not running or not ready."""
        try:
            response = ready.sync_detailed(client=self.api)
        except httpx.TransportError as exc:
            raise DemoError(
                f"PayTrust API is not reachable at {self.config.api_url} ({type(exc).__name__})."
                " Start the stack with `make run`, or pass --api-url."
            ) from None
        if response.status_code != 200:
            raise DemoError(
                f"PayTrust API at {self.config.api_url} is not ready: {response.content!r}"
            )

    def gateways(self) -> GatewayOut:
        """Step 1: the gateways; returns the one the demo pays through."""
        body = _expect(list_gateways.sync(client=self.api), GatewayList, "GET /gateways")
        self.out("1. Gateways")
        chosen: GatewayOut | None = None
        for gateway in body.data:
            fees = ", ".join(
                f"{fee.currency} {float(fee.fee_percentage) * 100:g}% + {fee.fee_fixed}"
                for fee in gateway.fees
            )
            self.out(
                f"   #{gateway.id} {gateway.name:<9} "
                f"currencies {', '.join(gateway.supported_currencies)}; fees {fees}"
            )
            if gateway.name == self.config.gateway:
                chosen = gateway
        if chosen is None:
            raise DemoError(f"Gateway {self.config.gateway!r} is not offered by this stack")
        return chosen

    def create_invoice(self, gateway: GatewayOut) -> InvoiceOut:
        """Step 2: an IDR invoice, 2 × 50000 at 11% VAT."""
        external_id = f"demo-{uuid.uuid4().hex[:12]}"
        body = InvoiceCreate(
            external_id=external_id,
            currency="IDR",
            gateway_id=gateway.id,
            description="PayTrust demo order",
            customer=CustomerIn.from_dict({"name": "Ani", "email": "ani@example.com"}),
            line_items=[
                LineItemIn(
                    description="Widget",
                    quantity=2,
                    unit_price="50000",
                    tax_rate="0.11",
                    tax_category="VAT",
                )
            ],
        )
        invoice = _expect(
            create_invoice.sync(client=self.api, body=body, idempotency_key=external_id),
            InvoiceOut,
            "POST /invoices",
        )
        currency = invoice.currency
        self.out(f"2. Invoice #{invoice.id} ({invoice.external_id}) created: {invoice.status}")
        for line in invoice.line_items:
            self.out(
                f"   {line.quantity} × {line.description} @ {line.unit_price}"
                f"  tax {line.tax_category} {line.tax_rate} = {line.tax_amount}"
            )
        for label, value in (
            ("subtotal", invoice.subtotal),
            ("tax", invoice.tax_total),
            (f"fee ({gateway.name})", invoice.service_fee),
            ("total", invoice.total),
        ):
            self.out(f"   {label:<16}{currency} {value:>10}")
        return invoice

    def initiate_payment(self, invoice: InvoiceOut) -> PaymentOut:
        """Step 3: ask the gateway for a payment URL."""
        link = _expect(
            initiate_payment.sync(invoice.id, client=self.api, body=PaymentInitiate()),
            PaymentOut,
            "POST /invoices/{id}/payments",
        )
        self.out(
            f"3. Payment initiated: {link.currency} {link.amount} via {link.gateway}"
            f" (reference {link.gateway_reference})"
        )
        self.out(f"   payment URL: {link.payment_url}")
        return link

    def press_pay(self, link: PaymentOut) -> None:
        """Step 4: open the payment page and submit its form, as the Pay button does; fall
        back to the sandbox control API when the page has no usable form."""
        url = link.payment_url
        try:
            page = self.browser.get(url)
            form = find_pay_form(page.text) if page.status_code == 200 else None
        except httpx.TransportError as exc:
            self.out(f"4. Could not open the payment page ({type(exc).__name__})")
            form = None
        if form is not None:
            action = urljoin(str(page.url), form.action or str(page.url))
            self.out(f"4. Pressing Pay on the payment page: POST {action} {form.fields}")
            result = self.browser.post(action, data=form.fields)
            if result.status_code == 200 and "Payment received" in result.text:
                self.out("   the sandbox says: Payment received")
                return
            self.out(f"   the page answered HTTP {result.status_code}; using the control API")
        else:
            self.out("4. No Pay form on the payment page; using the sandbox control API")
        reference = link.gateway_reference
        control = f"{self.config.sandbox_url.rstrip('/')}/_sandbox/payments/{reference}/pay"
        try:
            response = self.browser.post(control, json={"deliveries": 1})
        except httpx.TransportError as exc:
            raise DemoError(
                f"Gateway sandbox is not reachable at {self.config.sandbox_url} "
                f"({type(exc).__name__}); pass --sandbox-url."
            ) from None
        if response.status_code != 200:
            raise DemoError(f"POST {control} failed: HTTP {response.status_code} {response.text}")
        paid = response.json()
        self.out(f"   sandbox payment {paid.get('reference', reference)}: {paid.get('status')}")

    def wait_fully_paid(self, invoice: InvoiceOut) -> InvoiceOut:
        """Step 5: poll the invoice until `fully_paid`, printing each status it passes."""
        self.out(
            f"5. Waiting for the webhook to settle the invoice (up to {self.config.timeout:g} s)"
        )
        started = time.monotonic()
        deadline = started + self.config.timeout
        last_status: str | None = None
        while True:
            current = _expect(
                get_invoice.sync(invoice.id, client=self.api), InvoiceOut, "GET /invoices/{id}"
            )
            if current.status != last_status:
                last_status = current.status
                self.out(
                    f"   +{time.monotonic() - started:5.2f}s  status {last_status:<15}"
                    f"paid {current.amount_paid} / {current.total}"
                    f"  due {current.amount_due}"
                )
            if last_status == "fully_paid":
                return current
            if last_status in FINAL_FAILURES:
                raise DemoError(f"Invoice #{invoice.id} ended {last_status}, not fully_paid")
            if time.monotonic() >= deadline:
                raise DemoError(
                    f"Invoice #{invoice.id} still {last_status} after {self.config.timeout:g}"
                    " s: is the worker running? (see var/logs/worker.log)"
                )
            time.sleep(0.25)

    def transactions(self, invoice: InvoiceOut) -> list[TransactionOut]:
        """Step 6: the invoice's transactions."""
        body = _expect(
            list_transactions.sync(invoice.id, client=self.api),
            TransactionList,
            "GET /invoices/{id}/transactions",
        )
        self.out(f"6. Transactions of invoice #{invoice.id}")
        for txn in body.data:
            self.out(
                f"   #{txn.id} {txn.status:<8} {txn.currency} {txn.amount}"
                f" via {txn.gateway} ({txn.gateway_transaction_id}) at {txn.paid_at}"
            )
        return body.data

    def run(self) -> InvoiceOut:
        """All the steps; returns the paid invoice."""
        self.out(f"PayTrust demo against {self.config.api_url} (sandbox {self.config.sandbox_url})")
        self.check_stack()
        gateway = self.gateways()
        invoice = self.create_invoice(gateway)
        link = self.initiate_payment(invoice)
        self.press_pay(link)
        paid = self.wait_fully_paid(invoice)
        self.transactions(invoice)
        self.out(f"Done: invoice #{paid.id} is {paid.status}.")
        return paid


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The demo's options (shared by `python demo.py` and `paytrust demo`)."""
    parser.add_argument(
        "--api-url",
        default=os.environ.get("API_URL", DEFAULT_API_URL),
        help=f"PayTrust API base URL (env API_URL, default {DEFAULT_API_URL})",
    )
    parser.add_argument(
        "--sandbox-url",
        default=os.environ.get("SANDBOX_URL", DEFAULT_SANDBOX_URL),
        help=f"gateway sandbox base URL (env SANDBOX_URL, default {DEFAULT_SANDBOX_URL})",
    )
    parser.add_argument(
        "--api-key",
        default=None,
        help="merchant API key (env PAYTRUST_API_KEY, default var/merchant_api_key)",
    )
    parser.add_argument(
        "--timeout", type=float, default=60.0, help="seconds to wait for fully_paid (60)"
    )
    parser.add_argument(
        "--gateway", default="xendit", choices=("xendit", "midtrans"), help="gateway to pay via"
    )


def run_from_args(args: argparse.Namespace, out: Printer = print) -> int:
    """Run the demo with parsed options; the process exit status."""
    try:
        key = resolve_api_key(args.api_key)
    except DemoError as exc:
        print(f"demo: {exc}", file=sys.stderr)
        return 2
    config = DemoConfig(
        api_url=args.api_url,
        sandbox_url=args.sandbox_url,
        api_key=key,
        timeout=args.timeout,
        gateway=args.gateway,
    )
    demo = Demo(config, out)
    try:
        demo.run()
    except DemoError as exc:
        print(f"demo failed: {exc}", file=sys.stderr)
        return 1
    except httpx.HTTPError as exc:
        print(f"demo failed: HTTP error {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    finally:
        demo.close()
    return 0


def main(argv: list[str] | None = None) -> int:
    """`python demo.py [options]`."""
    parser = argparse.ArgumentParser(prog="demo", description=__doc__.split("\n\n")[0])
    add_arguments(parser)
    return run_from_args(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
