"""docs/deployment.md documents every setting (config.Settings), so it cannot drift."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_every_setting_is_documented() -> None:
    from config import Settings

    text = (ROOT / "docs/deployment.md").read_text()
    documented = set(re.findall(r"^\| `([A-Z0-9_]+)` \|", text, flags=re.M))
    fields = {name.upper() for name in Settings.model_fields}
    assert fields <= documented, f"undocumented settings: {sorted(fields - documented)}"
    assert documented <= fields, f"documented but not settings: {sorted(documented - fields)}"


def test_production_gateway_urls_are_documented() -> None:
    text = (ROOT / "docs/deployment.md").read_text()
    for line in (
        "XENDIT_BASE_URL=https://api.xendit.co",
        "MIDTRANS_SNAP_BASE_URL=https://app.midtrans.com",
        "MIDTRANS_API_BASE_URL=https://api.midtrans.com",
    ):
        assert line in text
