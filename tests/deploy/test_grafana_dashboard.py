"""deploy/grafana/federation.json: importable, on a chosen data source, valid PromQL."""

from __future__ import annotations

import json
import os
import shutil
import subprocess

import pytest
import yaml

from .conftest import DEPLOY
from .test_metric_names import dashboard_expressions

DASHBOARD = DEPLOY / "grafana" / "federation.json"
# Grafana's variables, as Grafana substitutes them before the query reaches Prometheus
GRAFANA_VARIABLES = {"$__rate_interval": "1m", "$instance": ".*"}


def _panels() -> list[dict]:
    dash = json.loads(DASHBOARD.read_text())
    out = []
    for panel in dash["panels"]:
        out.append(panel)
        out.extend(panel.get("panels", []))
    return out


def test_dashboard_is_importable_with_a_stable_uid():
    dash = json.loads(DASHBOARD.read_text())
    assert dash["uid"] == "federation-ai"
    assert dash.get("id") is None  # an id would clash with the importing Grafana's own
    variables = {v["name"]: v for v in dash["templating"]["list"]}
    assert variables["datasource"]["type"] == "datasource"
    assert variables["datasource"]["query"] == "prometheus"


def test_every_query_uses_the_chosen_data_source():
    for panel in _panels():
        if panel["type"] == "row":
            continue
        assert panel["datasource"]["uid"] == "${datasource}", panel["title"]
        assert panel["targets"], panel["title"]
        for target in panel["targets"]:
            assert target["datasource"]["uid"] == "${datasource}", panel["title"]


def test_panels_do_not_overlap_and_ids_are_unique():
    cells: dict[tuple[int, int], str] = {}
    ids = [p["id"] for p in _panels()]
    assert len(ids) == len(set(ids))
    for panel in _panels():
        pos = panel["gridPos"]
        assert pos["x"] + pos["w"] <= 24, panel["title"]
        for x in range(pos["x"], pos["x"] + pos["w"]):
            for y in range(pos["y"], pos["y"] + pos["h"]):
                assert (x, y) not in cells, f"{panel['title']} overlaps {cells[(x, y)]}"
                cells[(x, y)] = panel["title"]


def test_every_panel_query_is_valid_promql(tmp_path):
    promtool = shutil.which("promtool")
    if promtool is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("promtool is missing (Debian package prometheus; required when CI=true)")
        pytest.skip("promtool is missing (Debian package prometheus)")
    rules = []
    for where, query in dashboard_expressions().items():
        if where.startswith("variable "):
            continue  # Grafana's label_values(), not PromQL
        expr = query
        for variable, value in GRAFANA_VARIABLES.items():
            expr = expr.replace(variable, value)
        rules.append({"record": f"dashboard:query_{len(rules)}", "expr": expr})
    path = tmp_path / "dashboard-queries.yml"
    path.write_text(yaml.safe_dump({"groups": [{"name": "dashboard", "rules": rules}]}))
    result = subprocess.run(
        [promtool, "check", "rules", str(path)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"{len(rules)} rules found" in result.stdout
