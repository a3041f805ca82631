"""The pure rules of merchant webhooks: filters, the retry schedule, the URL guard's address
classes, secrets and their encryption."""

from __future__ import annotations

import base64
from datetime import timedelta

import pytest

from domain.errors import DomainError
from domain.events import RETRY_DELAYS, matches, retry_delay, validate_filters
from notify.secrets import SecretBox, new_secret
from notify.urlguard import UnsafeUrl, check_url, parse_url


def test_filters() -> None:
    assert matches(["*"], "invoice.paid")
    assert matches(["refund.*"], "refund.succeeded")
    assert not matches(["refund.*"], "invoice.paid")
    assert matches(["invoice.paid"], "invoice.paid")
    assert not matches(["invoice.paid"], "invoice.partially_paid")
    assert validate_filters(["invoice.paid", "invoice.paid", "refund.*"]) == [
        "invoice.paid",
        "refund.*",
    ]
    for bad in (["invoice.nope"], ["nope.*"], [], ["ping"]):
        with pytest.raises(DomainError):
            validate_filters(bad)


def test_retry_schedule_is_the_contracts_and_scales() -> None:
    assert [d.total_seconds() for d in RETRY_DELAYS] == [5, 300, 1800, 7200, 18000, 36000, 36000]
    assert sum(RETRY_DELAYS, timedelta()) == timedelta(hours=27, minutes=35, seconds=5)
    assert retry_delay(1, 1.0) == timedelta(seconds=5)
    assert retry_delay(7, 1.0) == timedelta(hours=10)
    assert retry_delay(8, 1.0) is None  # the 8th attempt was the last
    assert retry_delay(2, 0.001) == timedelta(seconds=0.3)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/x",
        "http://10.1.2.3/x",
        "http://192.168.0.1/x",
        "http://172.16.0.1/x",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/x",
        "http://[fd00::1]/x",
        "http://[::ffff:127.0.0.1]/x",
        "http://0.0.0.0/x",
        "http://localhost/x",
    ],
)
async def test_private_addresses_are_refused(url: str) -> None:
    with pytest.raises(UnsafeUrl):
        await check_url(url, allow_private=False)
    await check_url(url, allow_private=True)


async def test_public_literal_addresses_pass() -> None:
    await check_url("https://93.184.215.14/hook", allow_private=False)


@pytest.mark.parametrize(
    "url", ["ftp://example.com/x", "https://", "https://user:pw@example.com/", "http://[::1"]
)
def test_malformed_urls(url: str) -> None:
    with pytest.raises(UnsafeUrl):
        parse_url(url)


def test_secrets_are_32_random_bytes_and_encrypted() -> None:
    secret = new_secret()
    assert secret.startswith("whsec_")
    assert len(base64.b64decode(secret.removeprefix("whsec_"))) == 32
    assert new_secret() != secret
    box = SecretBox("some key material of an operator")
    sealed = box.seal(secret)
    assert secret not in sealed and box.open(sealed) == secret
    assert "key material" not in repr(box)
