"""README.md's first payment and docs/quickstart.md run exactly as written against a live
stack (the processes `make run` starts): every ```bash block, in order, in one bash, with only
the variables a reader has (API, KEY, SANDBOX, ADMIN). Run twice: ids come from the answers and
external ids are new on every run."""

from __future__ import annotations

import json
import re

from devstack import ROOT, Stack
from tests.e2e.support import Merchant
from tests.ops.runbook import Runbook


def _env(stack: Stack, merchant: Merchant) -> dict[str, str]:
    return {"API": stack.api_url, "SANDBOX": stack.sandbox_url, "KEY": merchant.key}


def test_readme_first_payment_runs_as_written_twice(runbook: Runbook, ops_stack: Stack) -> None:
    merchant = Merchant.new(ops_stack)
    paid: list[int] = []
    for _ in range(2):
        out = runbook.run_document(ROOT / "README.md", env=_env(ops_stack, merchant)).stdout
        documents = [json.loads(d) for d in re.findall(r"^\{.*?^\}", out, re.S | re.M)]
        draft, final = documents[0], documents[-1]
        assert draft["status"] == "draft" and draft["total"] == "115900", out
        assert final["status"] == "fully_paid" and final["amount_paid"] == "115900", out
        assert out.strip().splitlines()[-1] == str(final["id"])  # found by external_id
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
        assert "204" in out.split(), out
        assert "rotated" in out and "revoked" in out, out
    assert "set ADMIN" not in result.stderr
