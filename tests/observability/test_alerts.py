"""deploy/prometheus: the alert rules parse, are well formed, and reference only metrics the
code registers (no promtool on PyPI: a structural check of the rule file instead)."""

from __future__ import annotations

import re
from pathlib import Path

import yaml  # type: ignore[import-untyped]  # PyYAML (via uvicorn[standard]); no stubs
from prometheus_client import REGISTRY

import observability.metrics  # noqa: F401 - registers the metrics
from tests.conftest import ROOT

RULES = ROOT / "deploy" / "prometheus" / "alerts.yml"
CONFIG = ROOT / "deploy" / "prometheus" / "prometheus.yml"
DURATION = re.compile(r"^(\d+(ms|s|m|h|d|w|y))+$")
METRIC = re.compile(r"\b((?:paytrust|temporal)_[a-z0-9_]+)")
# Series Prometheus itself provides for every target.
BUILTIN = {"up"}
PROMQL_FUNCS = {
    "sum",
    "rate",
    "increase",
    "histogram_quantile",
    "by",
    "and",
    "or",
    "unless",
}


def registered_series() -> set[str]:
    """Series names our registry can expose (counters as _total, histograms as _bucket...)."""
    names: set[str] = set()
    for family in REGISTRY.collect():
        if not family.name.startswith("paytrust_"):
            continue
        if family.type == "counter":
            names |= {f"{family.name}_total", f"{family.name}_created"}
        elif family.type == "histogram":
            names |= {f"{family.name}_{s}" for s in ("bucket", "sum", "count", "created")}
        else:
            names.add(family.name)
    return names


def rules() -> list[dict]:
    document = yaml.safe_load(RULES.read_text())
    assert isinstance(document, dict) and set(document) == {"groups"}
    found = []
    group_names = [group["name"] for group in document["groups"]]
    assert len(group_names) == len(set(group_names))
    for group in document["groups"]:
        assert set(group) <= {"name", "interval", "rules", "limit"}
        assert group["rules"], group["name"]
        found.extend(group["rules"])
    return found


def balanced(expr: str) -> bool:
    depth = {"(": 0, "[": 0, "{": 0}
    closing = {")": "(", "]": "[", "}": "{"}
    in_string = False
    for char in expr:
        if char == '"':
            in_string = not in_string
        if in_string:
            continue
        if char in depth:
            depth[char] += 1
        elif char in closing:
            depth[closing[char]] -= 1
            if depth[closing[char]] < 0:
                return False
    return not in_string and all(v == 0 for v in depth.values())


def test_rules_are_well_formed():
    alerts = rules()
    names = [rule["alert"] for rule in alerts]
    assert len(names) == len(set(names))
    for rule in alerts:
        assert set(rule) <= {"alert", "expr", "for", "keep_firing_for", "labels", "annotations"}
        assert re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", rule["alert"])
        expr = rule["expr"].strip()
        assert expr and balanced(expr), rule["alert"]
        if "for" in rule:
            assert DURATION.match(rule["for"]), rule["for"]
        for window in re.findall(r"\[([^\]]+)\]", expr):
            assert DURATION.match(window), (rule["alert"], window)
        assert rule["labels"]["severity"] in {"page", "ticket"}
        assert rule["annotations"]["summary"]
        # A comparison makes it an alert condition.
        assert re.search(r"(>|<|==|!=)\s*[\d.]+\s*$", expr) or " and " in expr, rule["alert"]


def test_every_metric_referenced_is_registered_by_the_code():
    known = registered_series()
    assert "paytrust_webhook_processing_total" in known
    missing: dict[str, set[str]] = {}
    for rule in rules():
        for name in METRIC.findall(rule["expr"]):
            if name not in known:
                missing.setdefault(rule["alert"], set()).add(name)
        bare = set(re.findall(r"\b([a-z_]+)\s*\{", rule["expr"])) - PROMQL_FUNCS
        for name in bare:
            if not name.startswith(("paytrust_", "temporal_")):
                assert name in BUILTIN, (rule["alert"], name)
    assert not missing, f"alerts reference metrics the code does not register: {missing}"


def test_webhook_slo_alert_is_there():
    by_name = {rule["alert"]: rule for rule in rules()}
    slo = by_name["WebhookSuccessRateBelowSLO"]
    assert "[1h]" in slo["expr"] and "0.99" in slo["expr"]
    assert 'outcome="processed"' in slo["expr"]
    assert "WebhookPermanentlyFailed" in by_name
    assert "ApiHigh5xxRatio" in by_name
    assert "GatewayErrorRatioHigh" in by_name


def test_lost_notifications_alert_compares_sync_with_all_payments() -> None:
    lost = {rule["alert"]: rule for rule in rules()}["PaymentNotificationsLost"]
    assert 'paytrust_payments_applied_total{source="sync"}[1h]' in lost["expr"]
    assert "> 0.05" in lost["expr"]


def test_metric_names_in_code_match_the_grep_of_the_sources():
    """The names come from the sources too (observability/metrics.py, activities/): a metric defined
    elsewhere than the registry we imported would be caught here."""
    sources = [ROOT / "observability" / "metrics.py", *sorted((ROOT / "activities").glob("*.py"))]
    declared = set()
    for path in sources:
        declared |= set(re.findall(r"\"(paytrust_[a-z0-9_]+)\"", Path(path).read_text()))
    for rule in rules():
        for name in METRIC.findall(rule["expr"]):
            base = re.sub(r"_(total|bucket|sum|count)$", "", name)
            assert base in declared or name in declared, name


def test_prometheus_config_loads_the_rules():
    config = yaml.safe_load(CONFIG.read_text())
    assert "alerts.yml" in config["rule_files"]
    jobs = {job["job_name"] for job in config["scrape_configs"]}
    assert {"paytrust-api", "paytrust-worker", "paytrust-worker-sdk"} <= jobs
