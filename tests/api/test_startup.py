"""FR-084: the api and the worker refuse to start with a bad ADMIN_API_KEY."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from config import validate_admin_key

BAD_KEYS: dict[str, str | None] = {
    "missing": None,
    "empty": "",
    "short": "a" * 31,
    "space": "abcdefghijklmnopqrstuvwxyz 0123456789",
    "non-ascii": "abcdefghijklmnopqrstuvwxyz0123456789é",
}
MESSAGES = {
    "missing": "ADMIN_API_KEY is required and must not be empty",
    "empty": "ADMIN_API_KEY is required and must not be empty",
    "short": "at least 32 characters",
    "space": "Admin key must contain only alphanumeric and symbol characters",
    "non-ascii": "Admin key must contain only alphanumeric and symbol characters",
}


def run_refused(
    program: list[str], repo_root: Path, env: dict[str, str]
) -> subprocess.CompletedProcess[str]:
    """Run the api or the worker as a process that should refuse to start."""
    return subprocess.run(
        [sys.executable, *program],
        cwd=repo_root,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize("case", list(BAD_KEYS))
@pytest.mark.parametrize("program", [["-m", "api.main"], ["worker.py"]], ids=["api", "worker"])
def test_process_refuses_to_start(case, program, repo_root):
    env = {k: v for k, v in os.environ.items() if k != "ADMIN_API_KEY"}
    bad_key = BAD_KEYS[case]
    if bad_key is not None:
        env["ADMIN_API_KEY"] = bad_key
    result = run_refused(program, repo_root, env)
    assert result.returncode != 0
    assert MESSAGES[case] in result.stderr
    assert "Traceback" not in result.stderr
    if bad_key:
        assert bad_key not in result.stderr  # never echo the secret


@pytest.mark.parametrize(
    "key", ["a" * 32, "Abc123!@#$%^&*()_+-=[]{}|;:,.<>?/~`'\"\\xyzXYZ0123456789"]
)
def test_valid_keys_are_accepted(key):
    assert validate_admin_key(key) == key


# --- issue 11: production refuses sandbox gateway secrets -------------------------------------

PRODUCTION_SECRETS = {
    "XENDIT_SECRET_KEY": "xnd_production_0123456789abcdef",
    "XENDIT_CALLBACK_TOKEN": "callback-token-0123456789abcdef",
    "MIDTRANS_SERVER_KEY": "Mid-server-0123456789abcdef",
    "GATEWAY_CREDENTIALS_KEY": "q1ZcGn6c1d3rTjz1y9e0b0ZlOe7oQm1mQ8m1a2B3c4E=",
}
UNSAFE = {
    "missing": ("XENDIT_CALLBACK_TOKEN", "", "XENDIT_CALLBACK_TOKEN is required in production"),
    "short": ("MIDTRANS_SERVER_KEY", "short-key", "at least 16 characters"),
    "sandbox": (
        "XENDIT_SECRET_KEY",
        "xnd_development_sandbox_secret_key",
        "XENDIT_SECRET_KEY is a documented sandbox value",
    ),
    "dev-credentials-key": (
        "GATEWAY_CREDENTIALS_KEY",
        "cGF5dHJ1c3QtZGV2ZWxvcG1lbnQtb25seS1rZXktMDA=",
        "GATEWAY_CREDENTIALS_KEY holds the development key",
    ),
}


def _production_env(**changes: str) -> dict[str, str]:
    env = {**os.environ, "PAYTRUST_ENV": "production", **PRODUCTION_SECRETS}
    env["ADMIN_API_KEY"] = "a" * 32
    env.update(changes)
    return env


@pytest.mark.parametrize("case", list(UNSAFE))
@pytest.mark.parametrize("program", [["-m", "api.main"], ["worker.py"]], ids=["api", "worker"])
def test_production_refuses_unsafe_gateway_secrets(case, program, repo_root):
    name, value, message = UNSAFE[case]
    result = run_refused(program, repo_root, _production_env(**{name: value}))
    assert result.returncode != 0
    assert message in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    if len(value) > 4:
        assert value not in result.stderr  # never echo the secret


def test_production_is_the_default_and_accepts_real_secrets(monkeypatch):
    from pydantic import ValidationError

    from config import Settings

    for name, value in PRODUCTION_SECRETS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("PAYTRUST_ENV")
    assert Settings(admin_api_key="a" * 32).paytrust_env == "production"
    monkeypatch.setenv("MIDTRANS_SERVER_KEY", "SB-Mid-server-sandbox-key")
    with pytest.raises(ValidationError, match="documented sandbox value"):
        Settings(admin_api_key="a" * 32)
    monkeypatch.setenv("PAYTRUST_ENV", "development")
    assert Settings(admin_api_key="a" * 32).paytrust_env == "development"


# --- issue 16: InvoiceWorkflow revisions --------------------------------------------------------


@pytest.mark.parametrize("program", [["-m", "api.main"], ["worker.py"]], ids=["api", "worker"])
def test_a_revision_this_release_does_not_run_is_refused(program, repo_root):
    from contracts.invoices import INVOICE_WORKFLOW_REVISION

    env = {
        **os.environ,
        "ADMIN_API_KEY": "a" * 40,
        "INVOICE_WORKFLOW_REVISION": str(INVOICE_WORKFLOW_REVISION + 1),
    }
    result = run_refused(program, repo_root, env)
    assert result.returncode != 0
    assert f"runs InvoiceWorkflow revisions 0 to {INVOICE_WORKFLOW_REVISION}" in result.stderr
    assert "Traceback" not in result.stderr


def test_starters_use_the_configured_revision(monkeypatch):
    from config import Settings
    from contracts.invoices import INVOICE_WORKFLOW_REVISION, InvoiceStarts

    monkeypatch.setenv("ADMIN_API_KEY", "a" * 40)
    monkeypatch.setenv("PAYTRUST_ENV", "development")
    monkeypatch.delenv("INVOICE_WORKFLOW_REVISION", raising=False)
    assert Settings().invoice_starts.revision == INVOICE_WORKFLOW_REVISION
    monkeypatch.setenv("INVOICE_WORKFLOW_REVISION", "0")
    monkeypatch.setenv("TEMPORAL_TASK_QUEUE", "q1")
    assert Settings().invoice_starts == InvoiceStarts(task_queue="q1", revision=0)
