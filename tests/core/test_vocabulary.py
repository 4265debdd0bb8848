"""The core's vocabulary: every name the step writes is a member of its enum."""

from __future__ import annotations

import json

import pytest
from hypothesis import given

from federation_ai.core import FederationState, InvalidEvent, parse_event, step
from federation_ai.core import vocabulary as v
from federation_ai.core.apply import APPLY
from federation_ai.core.arbiter import FROZEN_RULES, PINNED_TYPES
from federation_ai.core.decisions import APPLIED, SUPERSEDED, VETOED
from federation_ai.core.step import DUPLICATE, OUT_OF_ORDER, PROCESSED
from federation_ai.core.step import ROLES as STEP_ROLES
from federation_ai.core.vocabulary import DecisionType, EventType, Outcome, Role, Scope, Status
from tests.core.test_properties import CFG, PROPS, envelopes, streams


@pytest.mark.parametrize(
    ("constant", "member"),
    [
        (v.SNAPSHOT, EventType.SNAPSHOT),
        (v.HEALTH, EventType.HEALTH),
        (v.MODEL, EventType.MODEL),
        (v.TRADE, EventType.TRADE),
        (v.OPERATOR, EventType.OPERATOR),
        (PROCESSED, Outcome.PROCESSED),
        (DUPLICATE, Outcome.DUPLICATE),
        (OUT_OF_ORDER, Outcome.OUT_OF_ORDER),
        (APPLIED, Status.APPLIED),
        (SUPERSEDED, Status.SUPERSEDED),
        (VETOED, Status.VETOED),
    ],
)
def test_hot_path_constants_are_the_plain_strings_of_their_members(constant, member):
    assert constant == member
    assert type(constant) is str  # a plain str: the fast comparisons and orjson keys


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        (v.ROLES, ("supervisor", "cro", "ceo", "cio", "cfo", "researcher")),
        (tuple(name for name, _ in STEP_ROLES), v.ROLES),
        (tuple(v.RANK), tuple(Role)),
        (v.SCOPES, ("viewer", "operator", "admin")),
        (tuple(v.SCOPE_LEVEL), tuple(Scope)),
    ],
)
def test_derived_tables_follow_the_enums(table, expected):
    assert table == expected
    assert all(type(x) is str for x in table)


def test_rank_is_the_role_order_lowest_first():
    assert list(v.RANK.values()) == list(range(1, len(Role) + 1))


@pytest.mark.parametrize("enum", [EventType, DecisionType, Role, Status, Outcome, Scope])
def test_members_serialize_as_their_values(enum):
    for member in enum:
        assert json.dumps({"x": member}) == json.dumps({"x": member.value})
        assert f"{member}" == str(member) == member.value


@PROPS
@given(streams)
def test_every_decision_and_outcome_is_in_the_vocabulary(stream):
    state = FederationState()
    for env in envelopes(stream):
        try:
            result = step(state, parse_event(env), CFG)
        except InvalidEvent:
            continue
        assert result.outcome in set(Outcome)
        for d in result.decisions:
            assert d.decision_type in set(DecisionType)
            assert d.role_source in set(Role)
            assert d.status in set(Status)


def test_every_decision_type_has_its_change_to_the_policy():
    assert set(APPLY) == set(DecisionType)
    assert all(type(k) is str for k in APPLY)


@pytest.mark.parametrize("table", [PINNED_TYPES, FROZEN_RULES])
def test_arbiter_tables_are_keyed_by_decision_types(table):
    assert set(table) <= set(DecisionType)
    assert all(type(k) is str for k in table)
