"""The OpenAPI document and the docs (API.md "Conventions"): a valid OpenAPI 3.1 document that
declares Idempotency-Key on every creating POST, its bounds, and an example (valid against its
schema) for each request body and success response; Swagger UI and ReDoc from the installed
package, rendered by a headless Chromium that cannot reach the internet."""

from __future__ import annotations

import re

import pytest
from jsonschema import Draft202012Validator  # type: ignore[import-untyped]
from openapi_spec_validator import validate

from tests.support.chromium import ensure_chromium, launch, open_page


@pytest.fixture
async def document(client) -> dict:
    response = await client.get("/openapi.json")
    assert response.status_code == 200
    return response.json()


def _operations(document: dict):
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            yield path, method, operation


def _validator(document: dict, schema: dict) -> Draft202012Validator:
    return Draft202012Validator({**schema, "components": document["components"]})


async def test_document_is_valid_openapi(document):
    assert document["openapi"].startswith("3.1")
    validate(document)  # openapi-spec-validator: raises on any violation


async def test_idempotency_key_is_declared_on_every_creating_post(document):
    creating = [
        (path, op)
        for path, method, op in _operations(document)
        if method == "post" and any(code == "201" for code in op["responses"])
    ]
    assert {path for path, _ in creating} >= {
        "/invoices",
        "/invoices/{invoice_id}/payments",
        "/invoices/{invoice_id}/supplementary",
        "/api-keys",
    }
    for path, op in creating:
        [header] = [p for p in op["parameters"] if p["name"] == "Idempotency-Key"]
        assert header["in"] == "header" and header["required"] is False, path
        assert header["schema"]["maxLength"] == 255, path


async def test_bounds_are_declared(document):
    schemas = document["components"]["schemas"]
    invoices = document["paths"]["/invoices"]["get"]["parameters"]
    by_name = {p["name"]: p for p in invoices}
    for name in ("page_size", "limit"):
        bounded = by_name[name]["schema"]["anyOf"][0]
        assert bounded["minimum"] == 1 and bounded["maximum"] == 200, name
    status_ref = by_name["status"]["schema"]["anyOf"][0]["$ref"].rsplit("/", 1)[-1]
    assert "draft" in schemas[status_ref]["enum"]
    currency_ref = by_name["currency"]["schema"]["anyOf"][0]["$ref"].rsplit("/", 1)[-1]
    assert set(schemas[currency_ref]["enum"]) == {"IDR", "MYR", "USD"}
    assert schemas["InvoiceCreate"]["properties"]["external_id"]["maxLength"] == 255
    redirect = schemas["PaymentInitiate"]["properties"]["success_redirect_url"]["anyOf"][0]
    assert redirect["maxLength"] == 2048


async def test_every_request_body_and_success_response_has_a_valid_example(document):
    checked = 0
    for path, method, op in _operations(document):
        media = []
        if "requestBody" in op:
            media.append(("request", op["requestBody"]["content"]["application/json"]))
        for code, response in op["responses"].items():
            content = response.get("content", {}).get("application/json")
            if code.startswith("2") and content and content.get("schema"):
                media.append((code, content))
        for what, content in media:
            assert "example" in content, f"{method.upper()} {path} {what}: no example"
            errors = list(_validator(document, content["schema"]).iter_errors(content["example"]))
            assert not errors, f"{method.upper()} {path} {what}: {errors[0].message}"
            checked += 1
    assert checked >= 30


async def test_docs_assets_come_from_the_installed_package(client):
    for page in ("/docs", "/redoc"):
        html = (await client.get(page)).text
        urls = re.findall(r"""(?:src|href)=["']([^"']+)["']""", html)
        assert urls, page
        for url in urls:
            assert url.startswith("/"), f"{page} loads {url} from elsewhere"
            asset = await client.get(url)
            assert asset.status_code == 200 and len(asset.content) > 100, url


async def test_docs_render_offline_in_chromium(api_url):
    """Swagger UI and ReDoc with every host but 127.0.0.1 unreachable: the operations show."""
    with launch(ensure_chromium(), offline=True) as port:
        async with open_page(port) as page:
            await page.call("Page.navigate", url=f"{api_url}/docs")
            count = await page.wait_for(
                "document.querySelectorAll('.opblock').length >= 20 && "
                "document.querySelectorAll('.opblock').length"
            )
            text = await page.evaluate("document.body.innerText")
            for operation in ("/invoices", "/invoices/{invoice_id}/payments", "/api-keys"):
                assert operation in text
            assert count >= 20
            hosts = await page.evaluate(
                "performance.getEntriesByType('resource').map(e => new URL(e.name).hostname)"
            )
            assert set(hosts) <= {"127.0.0.1"}, hosts

            await page.call("Page.navigate", url=f"{api_url}/redoc")
            await page.wait_for(
                "document.body.innerText.indexOf('Initiate Payment') >= 0 || "
                "document.body.innerText.indexOf('/invoices/{invoice_id}/payments') >= 0"
            )
