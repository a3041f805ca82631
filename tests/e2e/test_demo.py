"""`paytrust demo` is the README's first-payment path: run it as a user would, against a live
stack, and check it really settles an invoice (and fails clearly without one)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from devstack import ROOT, Stack, free_port
from tests.e2e.support import XENDIT_TOTAL, Merchant, idr


def run_demo(env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess[str]:
    full = dict(os.environ)
    full.pop("PAYTRUST_API_KEY", None)
    full.update(env)
    return subprocess.run(
        [sys.executable, "paytrust_cli.py", "demo"],
        cwd=ROOT,
        env=full,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@pytest.mark.slow
def test_demo_pays_an_invoice_through_the_pay_page(stack: Stack, merchant: Merchant) -> None:
    result = run_demo(
        {
            "API_URL": stack.api_url,
            "SANDBOX_URL": stack.sandbox_url,
            "PAYTRUST_API_KEY": merchant.key,
        }
    )
    out = result.stdout
    print(out)
    assert result.returncode == 0, out + result.stderr
    assert "fully_paid" in out
    # The figures it printed are the ones computed here from the inputs.
    assert re.search(rf"total\s+IDR\s+{idr(XENDIT_TOTAL)}\b", out), out
    # It pressed Pay on the HTML page (no fallback to the control API).
    assert "Pressing Pay on the payment page" in out and "Payment received" in out, out
    assert "control API" not in out, out
    invoice_id = int(re.search(r"Invoice #(\d+)", out).group(1))  # type: ignore[union-attr]
    paid = merchant.get(invoice_id)
    assert paid["status"] == "fully_paid" and paid["amount_paid"] == idr(XENDIT_TOTAL)
    assert [t["status"] for t in merchant.transactions(invoice_id)] == ["paid"]


def test_demo_without_a_stack_fails_clearly(tmp_path: Path) -> None:
    port = free_port()  # nobody listens here
    result = run_demo(
        {
            "API_URL": f"http://127.0.0.1:{port}",
            "SANDBOX_URL": f"http://127.0.0.1:{port}",
            "PAYTRUST_API_KEY": "pt_nope",
        },
        timeout=60,
    )
    assert result.returncode == 1
    assert "not reachable" in result.stderr and "make run" in result.stderr, result.stderr


def test_demo_without_a_key_says_where_to_get_one(tmp_path: Path) -> None:
    result = run_demo({"PAYTRUST_DATA_DIR": str(tmp_path)}, timeout=60)
    assert result.returncode == 2
    assert "No API key" in result.stderr and "merchant_api_key" in result.stderr
