"""The gateway boundary without the network: references, models, encoding, errors, registry."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from pydantic import BaseModel, SecretStr, ValidationError

from config import Settings
from domain.money import Currency
from gateways import (
    GatewayError,
    GatewayRejected,
    GatewayUnavailable,
    MidtransGateway,
    PaymentGateway,
    PaymentRequest,
    WebhookAuthError,
    WebhookPayloadError,
    XenditGateway,
    build_gateways,
    close_gateways,
    new_merchant_reference,
)
from gateways.base import json_dumps
from gateways.wire import JAKARTA
from sandbox.settings import SandboxSettings


def test_merchant_references_are_opaque_and_random():
    references = {new_merchant_reference() for _ in range(1000)}
    assert len(references) == 1000
    for reference in references:
        assert re.fullmatch(r"pt-[0-9a-f]{24}", reference)
    # Two requests for the same invoice, installment and attempt still differ.
    assert _request().merchant_reference != _request().merchant_reference


def _request(**overrides):
    fields = {
        "invoice_id": 1,
        "amount": Decimal("10000"),
        "currency": Currency.IDR,
        "description": "x",
        "expires_at": datetime.now(UTC) + timedelta(hours=1),
    }
    fields.update(overrides)
    return PaymentRequest(**fields)


def test_payment_request_validates_money_and_time():
    assert re.fullmatch(r"pt-[0-9a-f]{24}", _request().merchant_reference)
    jakarta = datetime(2026, 11, 26, 17, 0, tzinfo=JAKARTA)
    assert _request(expires_at=jakarta).expires_at == datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
    with pytest.raises(ValidationError, match="timezone-aware"):
        _request(expires_at=datetime(2026, 1, 1))
    with pytest.raises(ValidationError, match="decimal places"):
        _request(amount=Decimal("10000.5"))
    with pytest.raises(ValidationError, match="decimal places"):
        _request(amount=Decimal("10.123"), currency=Currency.USD)
    with pytest.raises(ValidationError):
        _request(attempt=0)
    with pytest.raises(ValidationError):
        _request(amount=Decimal(0))


def test_json_dumps_writes_decimals_as_exact_numbers():
    body = {"amount": Decimal("12.50"), "idr": 38633, "items": [{"price": Decimal("0.10")}]}
    assert json_dumps(body) == b'{"amount":12.50,"idr":38633,"items":[{"price":0.10}]}'
    with pytest.raises(TypeError):
        json_dumps({"amount": 12.5})


def test_error_classes_say_whether_to_retry():
    assert GatewayUnavailable("down", status_code=503).retryable is True
    assert GatewayRejected("no", status_code=400).retryable is False
    auth = WebhookAuthError("bad token")
    payload = WebhookPayloadError("bad body")
    assert isinstance(auth, GatewayError) and auth.status_code == 401 and not auth.retryable
    assert isinstance(payload, GatewayError) and payload.status_code == 400


async def test_build_gateways_from_real_settings():
    settings = Settings(admin_api_key=SecretStr("A" * 16 + "b" * 8 + "1234!@#$"))
    gateways = build_gateways(settings)
    try:
        assert set(gateways) == {"xendit", "midtrans"}
        assert isinstance(gateways["xendit"], XenditGateway)
        assert isinstance(gateways["midtrans"], MidtransGateway)
        for name, gateway in gateways.items():
            assert isinstance(gateway, PaymentGateway)
            assert gateway.name == name
        assert gateways["midtrans"].supported_currencies == frozenset({Currency.IDR})
    finally:
        await close_gateways(gateways)


def test_sandbox_defaults_match_paytrust_defaults():
    """A dev stack with no configuration: the sandbox accepts what PayTrust sends."""
    sandbox = SandboxSettings()
    for name in ("xendit_secret_key", "xendit_callback_token", "midtrans_server_key"):
        default = Settings.model_fields[name].default
        assert getattr(sandbox, name).get_secret_value() == default.get_secret_value()
    for name in ("xendit_base_url", "midtrans_snap_base_url", "midtrans_api_base_url"):
        assert Settings.model_fields[name].default == f"http://127.0.0.1:{sandbox.port}"
    assert sandbox.xendit_webhook_url == "http://127.0.0.1:8000/webhooks/xendit"
    assert sandbox.public_base_url == "http://127.0.0.1:8090"


class _Keys(BaseModel):
    """Any object with the settings' attributes will do (GatewaySettings is structural)."""

    gateway_timeout_seconds: float = 0.5
    xendit_base_url: str = "http://127.0.0.1:9"
    xendit_secret_key: SecretStr = SecretStr("k")
    xendit_callback_token: SecretStr = SecretStr("t")
    midtrans_snap_base_url: str = "http://127.0.0.1:9"
    midtrans_api_base_url: str = "http://127.0.0.1:9"
    midtrans_server_key: SecretStr = SecretStr("m")


async def test_unreachable_gateway_is_retryable():
    gateways = build_gateways(_Keys())
    try:
        for gateway in gateways.values():
            with pytest.raises(GatewayUnavailable) as caught:
                await gateway.get_status("nothing")
            assert caught.value.retryable
    finally:
        await close_gateways(gateways)
