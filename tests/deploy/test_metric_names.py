"""Every metric the alert rules and the Grafana dashboard read exists in /metrics.

The service runs in-process on its embedded defaults and /metrics is scraped from its
API, so a renamed or removed instrument fails here instead of in a silent alert.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families

from .conftest import DEPLOY
from .promql_names import metric_names

# Series Prometheus writes itself (not the service): `up` for every scrape target.
PROMETHEUS_SERIES = frozenset({"up"})

_SUFFIXES = {
    "counter": ("_total", "_created"),
    "gauge": ("",),
    "histogram": ("_bucket", "_count", "_sum", "_created"),
    "summary": ("", "_count", "_sum", "_created"),
}


def exported_names(exposition: str) -> set[str]:
    """Series names in a /metrics text, also of families that have no sample yet."""
    names: set[str] = set()
    for family in text_string_to_metric_families(exposition):
        names.update(family.name + suffix for suffix in _SUFFIXES.get(family.type, ("",)))
        names.update(sample.name for sample in family.samples)
    return names


def rule_expressions() -> dict[str, str]:
    doc = yaml.safe_load((DEPLOY / "prometheus" / "alerts.yml").read_text())
    return {
        rule.get("alert") or rule["record"]: rule["expr"]
        for group in doc["groups"]
        for rule in group["rules"]
    }


def dashboard_expressions() -> dict[str, str]:
    """Every panel query and template-variable query of the dashboard, by where it is."""
    found: dict[str, str] = {}

    def walk(node: Any, where: str) -> None:
        if isinstance(node, dict):
            label = node.get("title") or node.get("name") or where
            for key, value in node.items():
                if key == "expr" and isinstance(value, str):
                    found[f"{label}/{node.get('refId', '')}"] = value
                else:
                    walk(value, label)
        elif isinstance(node, list):
            for item in node:
                walk(item, where)

    dash = json.loads((DEPLOY / "grafana" / "federation.json").read_text())
    walk(dash["panels"], "panels")
    for var in dash["templating"]["list"]:
        if var["type"] == "query":
            query = var["query"]
            found[f"variable {var['name']}"] = query["query"] if isinstance(query, dict) else query
    return found


def unknown_metrics(expressions: dict[str, str], exported: set[str]) -> dict[str, set[str]]:
    """Per expression, the metric names it reads that nobody exports."""
    known = exported | PROMETHEUS_SERIES
    missing = {where: metric_names(expr) - known for where, expr in expressions.items()}
    return {where: names for where, names in missing.items() if names}


@pytest.mark.parametrize(
    ("expr", "names"),
    [
        ("federation_frozen_accounts > 0", {"federation_frozen_accounts"}),
        ('up{job="federation"} == 0', {"up"}),
        (
            "histogram_quantile(0.99, sum by (instance, le) (rate(federation_step_seconds_bucket[5m])))",
            {"federation_step_seconds_bucket"},
        ),
        (
            "sum by (instance) (rate(a_total[15m])) < 0.25 * sum(rate(b_total[1h] offset 15m))",
            {"a_total", "b_total"},
        ),
        ('sum(rate(x_total{instance=~"$instance", status="applied"}[$__rate_interval]))', {"x_total"}),
        ("count(g > 0) or vector(0)", {"g"}),
        ("a / on (instance) group_left (kind) b unless c", {"a", "b", "c"}),
        ('rate(x_total{reason="by (label) sum"}[5m]) > 1e3', {"x_total"}),
        ("label_values(federation_accounts, instance)", {"federation_accounts"}),
    ],
)
def test_metric_names_of_an_expression(expr, names):
    assert metric_names(expr) == names


def test_a_metric_nobody_exports_is_reported():
    exported = {"federation_bus_lag"}
    exprs = {"ok": "federation_bus_lag > 10", "bad": "rate(federation_lag_seconds_total[5m]) > 0"}
    assert unknown_metrics(exprs, exported) == {"bad": {"federation_lag_seconds_total"}}


async def _scrape(client) -> set[str]:
    reply = await client.get("/metrics")
    assert reply.status_code == 200
    return exported_names(reply.text)


async def test_alert_rules_read_only_exported_metrics(client):
    exprs = rule_expressions()
    assert len(exprs) >= 6  # the file was read
    assert unknown_metrics(exprs, await _scrape(client)) == {}


async def test_dashboard_reads_only_exported_metrics(client):
    exprs = dashboard_expressions()
    assert len(exprs) >= 10  # the file was read
    assert unknown_metrics(exprs, await _scrape(client)) == {}
