"""The payer's page behind `payment_url` / `redirect_url`: the amount, an amount field and a
**Pay** button that does what `POST /_sandbox/payments/{reference}/pay` does."""

from __future__ import annotations

from html import escape
from urllib.parse import parse_qs, quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from sandbox.common import SandboxDep, to_amount
from sandbox.state import Payment, SandboxError

router = APIRouter(tags=["pages"], include_in_schema=False)

_STYLE = (
    "body{font-family:sans-serif;max-width:32rem;margin:3rem auto}"
    "button{font-size:1.2rem;padding:.5rem 2rem}input{font-size:1.1rem}"
)


def _page(title: str, content: str, status_code: int = 200) -> HTMLResponse:
    html = (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{escape(title)}</title>"
        f"<style>{_STYLE}</style></head><body>{content}</body></html>"
    )
    return HTMLResponse(html, status_code=status_code)


def _amount_text(payment: Payment) -> str:
    return f"{payment.currency} {payment.amount:f}"


def _pay_form(payment: Payment) -> HTMLResponse:
    gateway = "Xendit" if payment.gateway == "xendit" else "Midtrans"
    title = f"{gateway} sandbox payment"
    if payment.status != "pending":
        return _page(
            title,
            f"<h1>{escape(title)}</h1><p id='status'>This payment is {escape(payment.status)}.</p>",
        )
    action = f"/pay/{quote(payment.reference, safe='')}"
    content = (
        f"<h1>{escape(title)}</h1>"
        f"<p>{escape(payment.description)}</p>"
        f"<p>Amount due: <strong id='amount'>{escape(_amount_text(payment))}</strong></p>"
        f"<form method='post' action='{escape(action)}'>"
        f"<label>Amount to pay ({escape(payment.currency)}) "
        f"<input name='amount' id='pay-amount' value='{payment.amount:f}'></label> "
        "<button type='submit' id='pay'>Pay</button></form>"
        f"<p><small>Reference {escape(payment.reference)}; expires "
        f"{escape(payment.expires_at.isoformat())}</small></p>"
    )
    return _page(title, content)


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
        try:
            sandbox.pay(payment, amount, deliveries=1)
        except SandboxError as exc:
            return _page(
                "Payment refused", f"<p id='error'>{escape(exc.message)}</p>", exc.status_code
            )
        paid = f"{payment.currency} {payment.paid_amount:f}"
        return _page(
            "Payment received",
            f"<h1 id='confirmation'>Payment received</h1><p>Paid <strong id='paid'>"
            f"{escape(paid)}</strong> for {escape(payment.reference)}.</p>",
        )
