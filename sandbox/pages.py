"""The payer's page behind `payment_url` / `redirect_url`: a small checkout page (merchant,
line items, installment n of m, the amount formatted for its currency, the expiry in the payer's
local time) with an amount field and a **Pay** button that does what
`POST /_sandbox/payments/{reference}/pay` does, then sends the payer back to the merchant's
success (or failure) redirect URL when the payment request named one."""

from __future__ import annotations

import json
from decimal import Decimal
from html import escape
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from sandbox.common import SandboxDep, to_amount
from sandbox.state import Payment, SandboxError
from sandbox.wire import iso_z

router = APIRouter(tags=["pages"], include_in_schema=False)

_STYLE = """
*{box-sizing:border-box}
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:#f3f5f8;
color:#1d2330;margin:0;padding:2rem 1rem}
main{max-width:30rem;margin:0 auto;background:#fff;border-radius:12px;
box-shadow:0 2px 12px rgba(20,30,60,.08);padding:1.75rem}
header{display:flex;justify-content:space-between;align-items:baseline;margin-bottom:1rem}
.merchant{font-size:1.15rem;font-weight:600}.gateway{color:#6b7385;font-size:.85rem}
.description{color:#4a5264;margin:.25rem 0 1rem}
table{width:100%;border-collapse:collapse;font-size:.95rem;margin-bottom:1rem}
td{padding:.4rem 0;border-bottom:1px solid #eceff4}td.num{text-align:right;white-space:nowrap}
.total{display:flex;justify-content:space-between;font-size:1.3rem;font-weight:600;
margin:1rem 0}
.installment{display:inline-block;background:#eef3ff;color:#2c4fb5;border-radius:999px;
padding:.15rem .7rem;font-size:.85rem}
label{display:block;font-size:.85rem;color:#4a5264;margin-bottom:.3rem}
input{width:100%;font-size:1.1rem;padding:.55rem .7rem;border:1px solid #cfd5df;
border-radius:8px;margin-bottom:1rem}
button{width:100%;font-size:1.15rem;padding:.75rem;border:0;border-radius:8px;
background:#2c4fb5;color:#fff;cursor:pointer}button:hover{background:#23408f}
.meta{color:#6b7385;font-size:.8rem;margin-top:1rem}
a.return{display:inline-block;margin-top:1rem}
"""

# Number formatting per currency: thousands separators, the currency's own decimals.
_DECIMALS = {"IDR": 0, "MYR": 2, "USD": 2}


def _page(title: str, content: str, status_code: int = 200, head: str = "") -> HTMLResponse:
    html = (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width,initial-scale=1'>"
        f"<title>{escape(title)}</title><style>{_STYLE}</style>{head}</head>"
        f"<body><main>{content}</main></body></html>"
    )
    return HTMLResponse(html, status_code=status_code)


def format_money(amount: Decimal | int | float | str, currency: str) -> str:
    """`IDR 1,150,000`, `USD 12.50`: the currency's decimals and thousands separators."""
    places = _DECIMALS.get(currency, 2)
    value = Decimal(str(amount)).quantize(Decimal(1).scaleb(-places))
    return f"{currency} {value:,.{places}f}"


def _amount_text(payment: Payment) -> str:
    return format_money(payment.amount, payment.currency)


def _http_url(value: object) -> str | None:
    """A redirect target the page may follow: an absolute http(s) URL, else nothing."""
    if not isinstance(value, str):
        return None
    parts = urlsplit(value)
    return value if parts.scheme in ("http", "https") and parts.hostname else None


def redirect_urls(payment: Payment) -> tuple[str | None, str | None]:
    """(after success, after failure) as the merchant asked the gateway: Xendit's
    success/failure_redirect_url, Midtrans Snap's callbacks.finish/error."""
    body = payment.request
    if payment.gateway == "xendit":
        return _http_url(body.get("success_redirect_url")), _http_url(
            body.get("failure_redirect_url")
        )
    callbacks = body.get("callbacks")
    callbacks = callbacks if isinstance(callbacks, dict) else {}
    return _http_url(callbacks.get("finish")), _http_url(callbacks.get("error"))


def _details(payment: Payment) -> tuple[str | None, list[tuple[str, int, object]], str | None]:
    """(merchant, line items as (name, quantity, unit price), "Installment n of m")."""
    body = payment.request
    lines: list[tuple[str, int, object]] = []
    if payment.gateway == "xendit":
        raw = body.get("metadata")
        metadata: dict[str, Any] = raw if isinstance(raw, dict) else {}
        merchant = metadata.get("merchant")
        for item in body.get("items") or []:
            lines.append((str(item.get("name", "")), int(item.get("quantity", 1)), item["price"]))
        for fee in body.get("fees") or []:
            lines.append((str(fee.get("type", "Fee")), 1, fee.get("value", 0)))
        number, count = metadata.get("installment_number"), metadata.get("installment_count")
        installment = (
            f"Installment {number} of {count}" if number not in (None, "0") and count else None
        )
    else:
        merchant = body.get("custom_field3")
        for item in body.get("item_details") or []:
            lines.append((str(item.get("name", "")), int(item.get("quantity", 1)), item["price"]))
        n_of_m = str(body.get("custom_field2") or "")
        number, _, count = n_of_m.partition("/")
        installment = f"Installment {number} of {count}" if number and count else None
    return (str(merchant) if merchant else None), lines, installment


# The expiry in the payer's own time zone (the UTC text stays when scripts are off).
_LOCAL_TIME = (
    "<script>document.querySelectorAll('time[data-local]').forEach(function(t){"
    "var d=new Date(t.getAttribute('datetime'));if(!isNaN(d)){t.textContent="
    "d.toLocaleString(undefined,{dateStyle:'medium',timeStyle:'short'});}});</script>"
)


def _pay_form(payment: Payment) -> HTMLResponse:
    gateway = "Xendit" if payment.gateway == "xendit" else "Midtrans"
    title = f"{gateway} sandbox payment"
    merchant, lines, installment = _details(payment)
    heading = (
        f"<header><span class='merchant' id='merchant'>{escape(merchant or 'Merchant')}</span>"
        f"<span class='gateway'>{escape(title)}</span></header>"
    )
    if payment.status != "pending":
        return _page(
            title,
            f"{heading}<p id='status'>This payment is {escape(payment.status)}.</p>",
        )
    action = f"/pay/{quote(payment.reference, safe='')}"
    rows = "".join(
        f"<tr class='line'><td>{escape(name)}</td><td class='num'>{quantity} ×</td>"
        f"<td class='num'>{escape(format_money(str(price), payment.currency))}</td></tr>"
        for name, quantity, price in lines
    )
    expires = iso_z(payment.expires_at)
    content = (
        f"{heading}<p class='description'>{escape(payment.description)}</p>"
        + (
            f"<p><span class='installment' id='installment'>{escape(installment)}</span></p>"
            if installment
            else ""
        )
        + (f"<table id='lines'>{rows}</table>" if rows else "")
        + f"<div class='total'><span>Amount due</span>"
        f"<strong id='amount'>{escape(_amount_text(payment))}</strong></div>"
        f"<form method='post' action='{escape(action)}'>"
        f"<label for='pay-amount'>Amount to pay ({escape(payment.currency)})</label>"
        f"<input name='amount' id='pay-amount' inputmode='decimal' value='{payment.amount:f}'>"
        "<button type='submit' id='pay'>Pay</button></form>"
        f"<p class='meta'>Reference {escape(payment.reference)} · expires "
        f"<time id='expires' data-local datetime='{escape(expires)}'>{escape(expires)}</time>"
        f"</p>{_LOCAL_TIME}"
    )
    return _page(title, content)


def _after(title: str, content: str, url: str | None, status_code: int = 200) -> HTMLResponse:
    """A result page that sends the payer back to the merchant's site when it asked to."""
    if url is None:
        return _page(title, content, status_code)
    link = f"<a class='return' id='return' href='{escape(url)}'>Return to the merchant</a>"
    # The URL as a JS string that cannot end the <script> element ("</script>" in a path).
    target = json.dumps(url).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    follow = f"<script>setTimeout(function(){{location.href={target};}},1500);</script>"
    return _page(title, content + link + follow, status_code)


@router.get("/pay/{reference}")
async def pay_page(reference: str, sandbox: SandboxDep) -> HTMLResponse:
    """Xendit's invoice_url (and Midtrans's, through the redirection path)."""
    async with sandbox.lock:
        payment = sandbox.find(reference)
        if payment is None:
            return _page("Not found", "<h1>Payment not found</h1>", 404)
        return _pay_form(payment)


@router.get("/snap/v3/redirection/{token}")
async def snap_redirection(token: str, sandbox: SandboxDep) -> HTMLResponse:
    """Midtrans's redirect_url: the same page, found by Snap token."""
    return await pay_page(token, sandbox)


@router.post("/pay/{reference}")
async def pay_submit(reference: str, request: Request, sandbox: SandboxDep) -> HTMLResponse:
    """The Pay button: a plain form POST (application/x-www-form-urlencoded)."""
    form = parse_qs((await request.body()).decode("utf-8", errors="replace"))
    raw = (form.get("amount") or [""])[0].strip()
    amount = to_amount(raw) if raw else None
    if raw and amount is None:
        return _page("Invalid amount", f"<p id='error'>Invalid amount {escape(raw)}</p>", 400)
    async with sandbox.lock:
        payment = sandbox.find(reference)
        if payment is None:
            return _page("Not found", "<h1>Payment not found</h1>", 404)
        success_url, failure_url = redirect_urls(payment)
        try:
            sandbox.pay(payment, amount, deliveries=1)
        except SandboxError as exc:
            return _after(
                "Payment refused",
                f"<p id='error'>{escape(exc.message)}</p>",
                failure_url,
                exc.status_code,
            )
        paid = format_money(payment.paid_amount or 0, payment.currency)
        return _after(
            "Payment received",
            f"<h1 id='confirmation'>Payment received</h1><p>Paid <strong id='paid'>"
            f"{escape(paid)}</strong> for {escape(payment.reference)}.</p>",
            success_url,
        )
