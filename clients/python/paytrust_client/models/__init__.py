"""Contains all the data models used in inputs/outputs"""

from .adjust_installments_request import AdjustInstallmentsRequest
from .api_key_create import ApiKeyCreate
from .api_key_out import ApiKeyOut
from .api_key_rotate import ApiKeyRotate
from .api_key_with_secret import ApiKeyWithSecret
from .attempt_out import AttemptOut
from .audit_entry import AuditEntry
from .cancel_in import CancelIn
from .credentials import Credentials
from .credentials_update import CredentialsUpdate
from .currency import Currency
from .currency_section import CurrencySection
from .customer_in import CustomerIn
from .delivery_accepted import DeliveryAccepted
from .delivery_list import DeliveryList
from .delivery_out import DeliveryOut
from .discrepancy_list import DiscrepancyList
from .discrepancy_out import DiscrepancyOut
from .endpoint_create import EndpointCreate
from .endpoint_list import EndpointList
from .endpoint_out import EndpointOut
from .endpoint_patch import EndpointPatch
from .endpoint_with_secret import EndpointWithSecret
from .error_body import ErrorBody
from .error_envelope import ErrorEnvelope
from .event_list import EventList
from .event_out import EventOut
from .event_out_data import EventOutData
from .failed_webhook import FailedWebhook
from .fee_line import FeeLine
from .financial_report import FinancialReport
from .gateway_account_create import GatewayAccountCreate
from .gateway_account_create_gateway import GatewayAccountCreateGateway
from .gateway_account_list import GatewayAccountList
from .gateway_account_out import GatewayAccountOut
from .gateway_account_out_credentials import GatewayAccountOutCredentials
from .gateway_account_out_status import GatewayAccountOutStatus
from .gateway_fee_out import GatewayFeeOut
from .gateway_list import GatewayList
from .gateway_out import GatewayOut
from .health import Health
from .health_checks import HealthChecks
from .http_validation_error import HTTPValidationError
from .installment_change_in import InstallmentChangeIn
from .installment_list import InstallmentList
from .installment_out import InstallmentOut
from .installments_in import InstallmentsIn
from .invoice_create import InvoiceCreate
from .invoice_create_metadata_type_0 import InvoiceCreateMetadataType0
from .invoice_out import InvoiceOut
from .invoice_out_customer_type_0 import InvoiceOutCustomerType0
from .invoice_out_metadata import InvoiceOutMetadata
from .invoice_patch import InvoicePatch
from .invoice_patch_metadata_type_0 import InvoicePatchMetadataType0
from .invoice_status import InvoiceStatus
from .line_item_in import LineItemIn
from .line_item_out import LineItemOut
from .list_deliveries_status_type_0 import ListDeliveriesStatusType0
from .overpayment_out import OverpaymentOut
from .page_api_key_out import PageApiKeyOut
from .page_audit_entry import PageAuditEntry
from .page_failed_webhook import PageFailedWebhook
from .page_invoice_out import PageInvoiceOut
from .payment_initiate import PaymentInitiate
from .payment_out import PaymentOut
from .pending_refund_list import PendingRefundList
from .receive_account_webhook_gateway import ReceiveAccountWebhookGateway
from .receive_webhook_gateway import ReceiveWebhookGateway
from .refund_create import RefundCreate
from .refund_fail import RefundFail
from .refund_list import RefundList
from .refund_out import RefundOut
from .refund_out_source import RefundOutSource
from .refund_out_status import RefundOutStatus
from .refund_part_out import RefundPartOut
from .refund_part_out_status import RefundPartOutStatus
from .rotate_secret import RotateSecret
from .supplementary_create import SupplementaryCreate
from .supplementary_create_metadata_type_0 import SupplementaryCreateMetadataType0
from .tax_line import TaxLine
from .transaction_list import TransactionList
from .transaction_out import TransactionOut
from .validation_error import ValidationError
from .validation_error_context import ValidationErrorContext
from .webhook_accepted import WebhookAccepted
from .webhook_accepted_status import WebhookAcceptedStatus

__all__ = (
    "AdjustInstallmentsRequest",
    "ApiKeyCreate",
    "ApiKeyOut",
    "ApiKeyRotate",
    "ApiKeyWithSecret",
    "AttemptOut",
    "AuditEntry",
    "CancelIn",
    "Credentials",
    "CredentialsUpdate",
    "Currency",
    "CurrencySection",
    "CustomerIn",
    "DeliveryAccepted",
    "DeliveryList",
    "DeliveryOut",
    "DiscrepancyList",
    "DiscrepancyOut",
    "EndpointCreate",
    "EndpointList",
    "EndpointOut",
    "EndpointPatch",
    "EndpointWithSecret",
    "ErrorBody",
    "ErrorEnvelope",
    "EventList",
    "EventOut",
    "EventOutData",
    "FailedWebhook",
    "FeeLine",
    "FinancialReport",
    "GatewayAccountCreate",
    "GatewayAccountCreateGateway",
    "GatewayAccountList",
    "GatewayAccountOut",
    "GatewayAccountOutCredentials",
    "GatewayAccountOutStatus",
    "GatewayFeeOut",
    "GatewayList",
    "GatewayOut",
    "HTTPValidationError",
    "Health",
    "HealthChecks",
    "InstallmentChangeIn",
    "InstallmentList",
    "InstallmentOut",
    "InstallmentsIn",
    "InvoiceCreate",
    "InvoiceCreateMetadataType0",
    "InvoiceOut",
    "InvoiceOutCustomerType0",
    "InvoiceOutMetadata",
    "InvoicePatch",
    "InvoicePatchMetadataType0",
    "InvoiceStatus",
    "LineItemIn",
    "LineItemOut",
    "ListDeliveriesStatusType0",
    "OverpaymentOut",
    "PageApiKeyOut",
    "PageAuditEntry",
    "PageFailedWebhook",
    "PageInvoiceOut",
    "PaymentInitiate",
    "PaymentOut",
    "PendingRefundList",
    "ReceiveAccountWebhookGateway",
    "ReceiveWebhookGateway",
    "RefundCreate",
    "RefundFail",
    "RefundList",
    "RefundOut",
    "RefundOutSource",
    "RefundOutStatus",
    "RefundPartOut",
    "RefundPartOutStatus",
    "RotateSecret",
    "SupplementaryCreate",
    "SupplementaryCreateMetadataType0",
    "TaxLine",
    "TransactionList",
    "TransactionOut",
    "ValidationError",
    "ValidationErrorContext",
    "WebhookAccepted",
    "WebhookAcceptedStatus",
)
