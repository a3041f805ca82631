"""Search attributes operators filter invoices by (Web UI, `temporal workflow list --query`)."""

from __future__ import annotations

from typing import Any

from temporalio.common import (
    SearchAttributeKey,
    SearchAttributePair,
    SearchAttributeUpdate,
    TypedSearchAttributes,
)

from contracts.invoices import InvoiceSnapshot


class _InvoiceKeys:
    tenant_id = SearchAttributeKey.for_keyword("TenantId")
    invoice_id = SearchAttributeKey.for_int("InvoiceId")
    status = SearchAttributeKey.for_keyword("InvoiceStatus")
    currency = SearchAttributeKey.for_keyword("Currency")
    gateway = SearchAttributeKey.for_keyword("Gateway")

    def pairs(
        self, *, tenant_id: str, invoice_id: int, status: str, currency: str, gateway: str
    ) -> TypedSearchAttributes:
        return TypedSearchAttributes(
            [
                SearchAttributePair(self.tenant_id, tenant_id),
                SearchAttributePair(self.invoice_id, invoice_id),
                SearchAttributePair(self.status, status),
                SearchAttributePair(self.currency, currency),
                SearchAttributePair(self.gateway, gateway),
            ]
        )

    def all_for(self, snapshot: InvoiceSnapshot) -> list[SearchAttributeUpdate[Any]]:
        return [
            self.tenant_id.value_set(snapshot.tenant_id),
            self.invoice_id.value_set(snapshot.invoice_id),
            self.status.value_set(snapshot.status),
            self.currency.value_set(snapshot.currency),
            self.gateway.value_set(snapshot.gateway),
        ]


invoice_search_attributes = _InvoiceKeys()


def status_update(status: str) -> SearchAttributeUpdate[str]:
    return invoice_search_attributes.status.value_set(status)
