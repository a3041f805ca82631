"""Fuzzing the contract: schemathesis generates requests for every operation of the app's own
`/openapi.json` (valid and invalid data) and checks the answers: never a 5xx, and every
response conforms to the document (status code, content type, body schema).

The app is the session `app` fixture, called over its real HTTP listener: it lives on the
test session's event loop (MariaDB pool, Temporal client), so the generated requests are sent
from a thread while that loop keeps serving. Merchant operations carry a valid `X-API-Key`
(of a tenant with a real invoice, whose id is used for half the examples), admin ones the
`X-Admin-Key`; `POST /webhooks/{gateway}` is public (gateway signatures) and is fuzzed
without credentials.

The fuzzing runs against its own api (same database, Temporal and worker queue) whose rate
limit does not throttle the fuzzing keys (`RATE_LIMIT_PER_MINUTE` and
`AUTH_FAILURES_PER_MINUTE` of 10^6), so every generated request reaches the operation. After the
per-operation phase a stateful phase follows the OpenAPI links from `POST /invoices` to
`/invoices/{id}/...` (api/openapi_links.py). The note printed at the end says how many cases
ran per operation.

FUZZ_EXAMPLES (default 15) sets the examples per operation and generation mode;
FUZZ_STATEFUL_EXAMPLES (default 20) the stateful scenarios.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import threading
import time
import warnings
from dataclasses import dataclass, field
from typing import Any

import hypothesis
import requests
import schemathesis
from hypothesis import HealthCheck, Phase
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.generation.stateful import run_state_machine_as_test
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.invoices.helpers import Merchant, in_hours, invoice_body
from tests.security.hardening_support import served_api

MAX_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "15"))
STATEFUL_EXAMPLES = int(os.environ.get("FUZZ_STATEFUL_EXAMPLES", "20"))
UNTHROTTLED = 10**6
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
ADMIN_PATHS = ("/api-keys", "/webhooks/failed/{webhook_event_id}/retry")
PUBLIC_PATHS = ("/health", "/ready", "/metrics", "/webhooks/{gateway}")
# Operations that would destroy the fixtures the others use get ids of objects made for them:
# the key operations only ever that id (a generated one could revoke or rotate our own keys),
# and they run last.
DESTRUCTIVE = {"POST /invoices/{invoice_id}/cancel"}
KEY_OPERATIONS = {"DELETE /api-keys/{api_key_id}", "PUT /api-keys/{api_key_id}/rotate"}
# Each example hashes a key with argon2 (~0.4 s): fewer of them.
SLOW = {"POST /api-keys", "PUT /api-keys/{api_key_id}/rotate"}
SLOW_EXAMPLES = max(3, MAX_EXAMPLES // 4)

# App bugs this fuzzing found, reported and not yet fixed (tests/fuzz/test_known_bugs.py
# reproduces each precisely; remove the entry when fixed). (operation, status, check title)
KNOWN: set[tuple[str, int, str]] = set()  # findings accepted for now: none


@dataclass(frozen=True)
class Finding:
    operation: str
    mode: str
    status: int
    failures: tuple[str, ...]
    request: str


@dataclass
class Report:
    findings: list[Finding] = field(default_factory=list)
    calls: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    stateful: dict[str, int] = field(default_factory=dict)
    statuses: dict[str, set[int]] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add_call(self, operation: str, status: int, *, stateful: bool = False) -> None:
        with self.lock:
            self.calls += 1
            self.counts[operation] = self.counts.get(operation, 0) + 1
            if stateful:
                self.stateful[operation] = self.stateful.get(operation, 0) + 1
            self.statuses.setdefault(operation, set()).add(status)

    def add_finding(
        self, case: Any, mode: str, response: Any, exc: BaseException, **kw: Any
    ) -> None:
        failures = getattr(exc, "exceptions", (exc,))
        self.findings.append(
            Finding(
                operation=f"{case.operation.method.upper()} {case.operation.path}",
                mode=mode,
                status=response.status_code,
                failures=tuple(
                    f"{getattr(f, 'title', type(f).__name__)}: {getattr(f, 'message', str(f))}"[
                        :600
                    ]
                    for f in failures
                ),
                request=case.as_curl_command(**kw)[:1500],
            )
        )

    def is_known(self, finding: Finding) -> bool:
        titles = {f.split(":", 1)[0] for f in finding.failures}
        return all((finding.operation, finding.status, t) in KNOWN for t in titles)

    def distinct(self) -> list[Finding]:
        """One finding per (operation, status, failure titles)."""
        seen: dict[tuple[str, int, tuple[str, ...]], Finding] = {}
        for finding in self.findings:
            titles = tuple(sorted(f.split(":", 1)[0] for f in finding.failures))
            seen.setdefault((finding.operation, finding.status, titles), finding)
        return list(seen.values())


def _auth_for(path: str, merchant_keys: list[str], admin_key: str, index: int) -> dict[str, str]:
    if path in PUBLIC_PATHS:
        return {}
    if path.startswith(ADMIN_PATHS):
        return {"X-Admin-Key": admin_key}
    # Keys in turn: each stays well under its 1000 requests a minute.
    return {"X-API-Key": merchant_keys[index % len(merchant_keys)]}


def _fuzz_operation(
    operation: Any,
    *,
    base_url: str,
    headers: dict[str, str],
    path_parameters: dict[str, Any] | None,
    report: Report,
) -> None:
    session = requests.Session()
    label = f"{operation.method.upper()} {operation.path}"
    examples = SLOW_EXAMPLES if label in SLOW else MAX_EXAMPLES
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
        if label in KEY_OPERATIONS:
            strategies = [
                operation.as_strategy(generation_mode=mode, path_parameters=path_parameters)
            ]
        else:
            strategies = [operation.as_strategy(generation_mode=mode)]
            if path_parameters and mode is GenerationMode.POSITIVE:
                strategies.append(
                    operation.as_strategy(generation_mode=mode, path_parameters=path_parameters)
                )
        for strategy in strategies:
            # Unsatisfiable: nothing to negate (an operation without parameters or body).
            with contextlib.suppress(hypothesis.errors.Unsatisfiable):
                _examples(strategy, mode, examples, base_url, headers, session, report)()


def _examples(
    strategy: Any,
    mode: GenerationMode,
    examples: int,
    base_url: str,
    headers: dict[str, str],
    session: requests.Session,
    report: Report,
) -> Any:
    @hypothesis.settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
        verbosity=hypothesis.Verbosity.quiet,
    )
    @hypothesis.given(case=strategy)
    def run(case: Any) -> None:
        label = f"{case.operation.method.upper()} {case.operation.path}"
        response = case.call(base_url=base_url, session=session, headers=headers, timeout=30)
        report.add_call(label, response.status_code)
        try:
            case.validate_response(response, checks=CHECKS, headers=headers)
        except BaseException as exc:
            report.add_finding(case, mode.value, response, exc, headers=headers, base_url=base_url)

    return run


async def _seed(client, admin_headers, tenant_id: str, sandbox_url: str) -> dict[str, Any]:
    """A tenant with three keys, an invoice in installments with a payment initiated, another
    invoice to cancel, and a key to revoke."""
    keys, key_ids = [], []
    for name in ("fuzz-1", "fuzz-2", "fuzz-3", "victim"):
        created = await client.post(
            "/api-keys", json={"tenant_id": tenant_id, "name": name}, headers=admin_headers
        )
        assert created.status_code == 201, created.text
        keys.append(created.json()["key"])
        key_ids.append(created.json()["id"])
    shop = Merchant(client, {"X-API-Key": keys[0]}, sandbox_url)
    invoice = await shop.create(installments={"count": 3, "interval_days": 7})
    await shop.pay_link(invoice["id"])
    victim_invoice = await shop.create(expires_at=in_hours(48))
    return {
        "keys": keys[:3],
        "victim_key_id": key_ids[3],
        "key_id": key_ids[0],
        "invoice_id": invoice["id"],
        "victim_invoice_id": victim_invoice["id"],
    }


def _stateful(
    schema: Any, *, base_url: str, keys: list[str], admin_key: str, report: Report
) -> None:
    """Scenarios that follow the OpenAPI links: a created invoice's id into its sub-resources.
    `POST /invoices` gets a valid body (its fuzzing is the per-operation phase's job), so the
    links have an invoice to follow."""
    session = requests.Session()

    class Scenario(schema.as_state_machine()):  # type: ignore[misc]
        def before_call(self, case: Any) -> None:
            if case.operation.method.upper() == "POST" and case.operation.path == "/invoices":
                case.body = invoice_body(expires_at=in_hours(48))

        def get_call_kwargs(self, case: Any) -> dict[str, Any]:
            headers = _auth_for(case.operation.path, keys, admin_key, 0)
            return {"base_url": base_url, "session": session, "headers": headers, "timeout": 30}

        def validate_response(self, response: Any, case: Any, **kwargs: Any) -> None:
            label = f"{case.operation.method.upper()} {case.operation.path}"
            report.add_call(label, response.status_code, stateful=True)
            headers = kwargs.get("headers") or {}
            try:
                case.validate_response(response, checks=CHECKS, headers=headers)
            except BaseException as exc:
                report.add_finding(
                    case, "stateful", response, exc, headers=headers, base_url=base_url
                )

    try:
        _run_scenarios(Scenario)
    except hypothesis.errors.FlakyStrategyDefinition as exc:
        # The scenarios' draws depend on the live api's answers (what a created invoice's links
        # lead to), so Hypothesis may see one prefix of choices play out two ways and stop.
        # That is not a finding about the api: the calls made so far were all checked.
        report.notes.append(f"stateful phase stopped early by Hypothesis: {exc}"[:200])


def _run_scenarios(Scenario: Any) -> None:
    run_state_machine_as_test(
        Scenario,
        settings=hypothesis.settings(
            max_examples=STATEFUL_EXAMPLES,
            stateful_step_count=6,
            deadline=None,
            database=None,
            derandomize=True,
            phases=[Phase.generate],
            suppress_health_check=list(HealthCheck),
            verbosity=hypothesis.Verbosity.quiet,
        ),
    )


async def test_the_invoice_links_are_declared(client):
    document = (await client.get("/openapi.json")).json()
    links = document["paths"]["/invoices"]["post"]["responses"]["201"]["links"]
    targets = {link["operationRef"] for link in links.values()}
    for path, item in document["paths"].items():
        if path.startswith("/invoices/{invoice_id}"):
            for method in item:
                pointer = path.replace("/", "~1")
                assert f"#/paths/{pointer}/{method}" in targets, (method, path)
    assert all(
        link["parameters"] == {"invoice_id": "$response.body#/id"} for link in links.values()
    )


async def test_fuzz_the_openapi_contract(client, settings, admin_headers, sandbox, tenant_id):
    unthrottled = settings.model_copy(
        update={
            "rate_limit_per_minute": UNTHROTTLED,
            "auth_failures_per_minute": UNTHROTTLED,
            "sync_per_invoice_per_minute": UNTHROTTLED,
        }
    )
    async with served_api(unthrottled) as (_, api_url):
        await _fuzz_contract(client, api_url, admin_headers, sandbox, tenant_id)


async def _fuzz_contract(client, api_url, admin_headers, sandbox, tenant_id):
    seeded = await _seed(client, admin_headers, tenant_id, sandbox.url)
    document = (await client.get("/openapi.json")).json()
    # Other tests add routes of their own to the shared app (/_test/...): not the contract.
    document["paths"] = {
        path: item for path, item in document["paths"].items() if not path.startswith("/_test")
    }
    schema = schemathesis.openapi.from_dict(document)
    operations = []
    for result in schema.get_all_operations():
        # An operation schemathesis cannot read is a broken document: fail on it.
        assert isinstance(result, Ok), result
        operations.append(result.ok())
    assert len(operations) >= 20
    operations.sort(key=lambda op: f"{op.method.upper()} {op.path}" in KEY_OPERATIONS)
    report = Report()

    def path_parameters_for(operation: Any) -> dict[str, Any] | None:
        label = f"{operation.method.upper()} {operation.path}"
        if "{invoice_id}" in operation.path:
            destructive = label in DESTRUCTIVE
            return {"invoice_id": seeded["victim_invoice_id" if destructive else "invoice_id"]}
        if "{api_key_id}" in operation.path:
            return {"api_key_id": seeded["victim_key_id"]}
        return None

    def fuzz_all() -> None:
        for index, operation in enumerate(operations):
            if operation.path == "/metrics":
                continue  # Prometheus text: nothing to generate
            started = time.monotonic()
            _fuzz_operation(
                operation,
                base_url=api_url,
                headers=_auth_for(
                    operation.path, seeded["keys"], admin_headers["X-Admin-Key"], index
                ),
                path_parameters=path_parameters_for(operation),
                report=report,
            )
            report.seconds[f"{operation.method.upper()} {operation.path}"] = round(
                time.monotonic() - started, 1
            )

    # The app serves on this loop: generate and send from a thread.
    await asyncio.to_thread(fuzz_all)
    await asyncio.to_thread(
        _stateful,
        schema,
        base_url=api_url,
        keys=seeded["keys"],
        admin_key=admin_headers["X-Admin-Key"],
        report=report,
    )

    summary = "\n".join(
        f"{label}: {report.counts.get(label, 0)} cases "
        f"({report.stateful.get(label, 0)} stateful), {report.seconds.get(label)} s, "
        f"statuses {sorted(codes)}"
        for label, codes in sorted(report.statuses.items())
    )
    print(f"fuzz: {report.calls} requests\n{summary}\n" + "\n".join(report.notes))
    assert report.calls > 200
    # The stateful phase followed links from a created invoice into its sub-resources.
    reached = [label for label in report.stateful if "/invoices/{invoice_id}" in label]
    assert reached, report.stateful
    distinct = report.distinct()
    for known in (p for p in distinct if report.is_known(p)):
        warnings.warn(
            f"known contract bug still there: {known.operation} -> {known.status}: "
            f"{known.failures[0][:200]} ({known.request[:300]})",
            stacklevel=1,
        )
    problems = [p for p in distinct if not report.is_known(p)]
    lines = [
        f"\n[{p.mode}] {p.operation} -> {p.status}\n  "
        + "\n  ".join(p.failures)
        + f"\n  request: {p.request}"
        for p in problems
    ]
    assert not problems, f"{len(problems)} contract violations:" + "".join(lines)
