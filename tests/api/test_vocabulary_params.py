"""The API's lists of names (filters, path parameters, bodies) are the core's vocabulary."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from federation_ai.api.app import create_app
from federation_ai.core.vocabulary import (
    OPERATOR_MODES,
    RISK_LIMIT_KEYS,
    ROLES,
    DecisionType,
    Role,
    Status,
)
from federation_ai.settings import load_settings

SPEC: dict[str, Any] = create_app(
    SimpleNamespace(settings=load_settings(environ={}), reads=None)  # type: ignore[arg-type]
).openapi()


def _param(path: str, method: str, name: str) -> dict[str, Any]:
    params = SPEC["paths"][path][method]["parameters"]
    return next(p["schema"] for p in params if p["name"] == name)


@pytest.mark.parametrize(
    ("name", "enum"), [("role", Role), ("type", DecisionType), ("status", Status)]
)
def test_decision_filters_list_every_member_inline(name, enum):
    schema = _param("/api/federation/decisions", "get", name)
    assert schema["anyOf"][0] == {"enum": [m.value for m in enum], "type": "string"}


@pytest.mark.parametrize("action", ["enable", "disable"])
def test_role_actions_take_the_deciding_roles(action):
    schema = _param(f"/api/federation/roles/{{role}}/{action}", "post", "role")
    assert schema["enum"] == list(ROLES)


def test_mode_and_risk_bodies_follow_the_core_lists():
    bodies = SPEC["components"]["schemas"]
    assert bodies["ModeRequest"]["properties"]["mode"]["enum"] == list(OPERATOR_MODES)
    assert set(RISK_LIMIT_KEYS) <= set(bodies["RiskRequest"]["properties"])
