"""FR-084: the api and the worker refuse to start with a bad ADMIN_API_KEY."""

from __future__ import annotations

import os
import subprocess
import sys

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


@pytest.mark.parametrize("case", list(BAD_KEYS))
@pytest.mark.parametrize("program", [["-m", "api.main"], ["worker.py"]], ids=["api", "worker"])
def test_process_refuses_to_start(case, program, repo_root):
    env = {k: v for k, v in os.environ.items() if k != "ADMIN_API_KEY"}
    bad_key = BAD_KEYS[case]
    if bad_key is not None:
        env["ADMIN_API_KEY"] = bad_key
    result = subprocess.run(
        [sys.executable, *program],
        cwd=repo_root,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
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
