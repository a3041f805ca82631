"""README.md's first payment and docs/quickstart.md run exactly as written against a live
stack (the processes `make run` starts): every ```bash block, in order, in one bash, with only
the variables a reader has (API, KEY, SANDBOX, ADMIN). Run twice: ids come from the answers and
external ids are new on every run."""

from __future__ import annotations

import json
import os
import re

from devstack import ROOT, Stack
from notify.demo_receiver import register_demo_receiver
from tests.e2e.support import Merchant
from tests.ops.runbook import Runbook


def _env(stack: Stack, merchant: Merchant) -> dict[str, str]:
    return {"API": stack.api_url, "SANDBOX": stack.sandbox_url, "KEY": merchant.key}


def test_readme_first_payment_runs_as_written_twice(runbook: Runbook, ops_stack: Stack) -> None:
    merchant = Merchant.new(ops_stack)
    # As `make run` does for its demo tenant: an endpoint at the sandbox's `demo` receiver.
    register_demo_receiver(ops_stack.api_url, ops_stack.sandbox_url, merchant.key)
    paid: list[int] = []
    for _ in range(2):
        out = runbook.run_document(ROOT / "README.md", env=_env(ops_stack, merchant)).stdout
        documents = [json.loads(d) for d in re.findall(r"^\{\n.*?^\}", out, re.S | re.M)]
        draft, final = documents[0], documents[-1]
        assert draft["status"] == "draft" and draft["total"] == "115900", out
        assert final["status"] == "fully_paid" and final["amount_paid"] == "115900", out
        lines = out.splitlines()
        assert str(final["id"]) in lines, out  # found by external_id
        received = [json.loads(line) for line in lines if line.startswith('{"type":')]
        assert {"type": "invoice.paid", "seq": 4, "verified": True} in received, out
        assert all(event["verified"] for event in received), out
        assert any("invoice.paid" in line for line in lines if not line.startswith("{")), out
        paid.append(final["id"])
    assert paid[0] != paid[1]
    for invoice_id in paid:
        assert merchant.get(invoice_id)["status"] == "fully_paid"


def test_quickstart_runs_as_written_twice(runbook: Runbook, ops_stack: Stack) -> None:
    merchant = Merchant.new(ops_stack)
    for _ in range(2):
        result = runbook.run_document(
            ROOT / "docs" / "quickstart.md", env=_env(ops_stack, merchant)
        )
        out = result.stdout
        assert '"status": "fully_paid"' in out, out
        assert '"status": "partially_paid"' in out and '"amount_paid": "40000"' in out, out
        assert "Invalid query parameter 'status'" in out, out
        assert '"status":"succeeded","refund_amount":"15900","source":"merchant"' in out, out
        assert "Refund amount 100001 exceeds refundable amount 100000" in out, out
        assert "204" in out.split(), out
        assert "rotated" in out and "revoked" in out, out
    assert "set ADMIN" not in result.stderr


def test_python_client_example_runs_as_written(ops_stack: Stack) -> None:
    """docs/examples/python-client.md: its ```python block, run with the project's Python."""
    import subprocess
    import sys

    from tests.ops.runbook import FENCE

    page = ROOT / "docs" / "examples" / "python-client.md"
    [code] = [m.group(2) for m in FENCE.finditer(page.read_text()) if m.group(1) == "python"]
    merchant = Merchant.new(ops_stack)
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**os.environ, "API": ops_stack.api_url, "KEY": merchant.key},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.strip().splitlines()
    assert re.fullmatch(r"invoice \d+: draft, total IDR 115900", lines[0]), lines
    assert re.fullmatch(r"invoice \d+: fully_paid, paid 115900", lines[-1]), lines
