"""OpenAPI links: the invoice `POST /invoices` creates is the one its sub-resources take.

Declared on the 201 of `POST /invoices` for every operation under `/invoices/{invoice_id}`
(by `operationRef`, so they follow the routes as they are), so clients and stateful fuzzing
(schemathesis) can chain a created invoice into `/invoices/{id}/...`.
"""

from __future__ import annotations

from typing import Any

INVOICE_PATH = "/invoices/{invoice_id}"
METHODS = ("get", "post", "put", "patch", "delete")


def _pointer(path: str) -> str:
    return path.replace("~", "~0").replace("/", "~1")


def add_invoice_links(document: dict[str, Any]) -> dict[str, Any]:
    """Add the links to `document` (in place, idempotent) and return it."""
    paths = document.get("paths", {})
    created = paths.get("/invoices", {}).get("post", {}).get("responses", {}).get("201")
    if created is None:
        return document
    links: dict[str, Any] = {}
    for path, item in sorted(paths.items()):
        if path != INVOICE_PATH and not path.startswith(INVOICE_PATH + "/"):
            continue
        for method in METHODS:
            if method not in item:
                continue
            suffix = path.removeprefix(INVOICE_PATH).strip("/").replace("/", "_") or "invoice"
            name = f"{method}_{suffix}"
            links[name] = {
                "operationRef": f"#/paths/{_pointer(path)}/{method}",
                "parameters": {"invoice_id": "$response.body#/id"},
                "description": f"{method.upper()} {path} of the created invoice",
            }
    created["links"] = links
    return document
