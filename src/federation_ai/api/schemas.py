"""Request bodies of the operator actions (SPEC §8), validated strictly.

Unknown fields are rejected, numbers must be finite and positive, fractions <= 1,
and a reason is required where the action changes policy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from federation_ai.core.ids import ID_PATTERN, MAX_ID_LENGTH
from federation_ai.core.vocabulary import OPERATOR_MODES, RISK_LIMIT_KEYS

Reason = Annotated[str, Field(min_length=1, max_length=1000, pattern=r"\S")]
OptionalReason = Annotated[str | None, Field(default=None, max_length=1000)]
AccountId = Annotated[str, Field(min_length=1, max_length=MAX_ID_LENGTH, pattern=ID_PATTERN)]
Minutes = Annotated[
    float, Field(gt=0, le=525_600, description="Pin length; omit to pin until changed.")
]
Positive = Annotated[float, Field(gt=0, le=1_000)]
Fraction = Annotated[float, Field(gt=0, le=1)]

RISK_LIMITS = RISK_LIMIT_KEYS
# The modes an operator may pin (a Literal of the core's list, checked as plain strings).
if TYPE_CHECKING:
    OperatorMode = str
else:
    OperatorMode = Literal[OPERATOR_MODES]


class _Body(BaseModel):
    model_config = ConfigDict(
        extra="forbid", strict=True, allow_inf_nan=False, str_strip_whitespace=True
    )

    account_id: AccountId = "default"

    def command_fields(self) -> dict[str, Any]:
        """The body's fields that go into the ``operator.command`` payload."""
        return self.model_dump(exclude={"account_id"}, exclude_none=True)


class ModeRequest(_Body):
    """Pin the trading mode. ``force: true`` (admin) also lifts a freeze."""

    mode: OperatorMode
    reason: Reason
    duration_minutes: Minutes | None = None
    force: bool = False

    def command_fields(self) -> dict[str, Any]:
        fields = super().command_fields()
        if not self.force:
            fields.pop("force", None)
        return fields


class RiskRequest(_Body):
    """Override some risk limits (merged into the current ones) at the current tier."""

    max_leverage: Positive | None = None
    max_position_size_pct: Fraction | None = None
    max_exposure_pct: Positive | None = None
    max_drawdown_pct: Fraction | None = None
    stop_loss_multiplier: Positive | None = None
    reason: Reason
    duration_minutes: Minutes | None = None

    @model_validator(mode="after")
    def _some_limit(self) -> RiskRequest:
        if all(getattr(self, name) is None for name in RISK_LIMITS):
            raise ValueError(f"give at least one of {', '.join(RISK_LIMITS)}")
        return self


class RoleRequest(_Body):
    """Enable or disable a role; the reason is optional."""

    reason: OptionalReason


class PeakResetRequest(_Body):
    """Reset the drawdown peak to the current NAV (admin)."""

    reason: Reason


class ReanchorRequest(_Body):
    """Re-anchor the account's clock (its last event time) to ``clock_at`` or now (admin)."""

    reason: Reason
    clock_at: Annotated[
        str | None,
        Field(
            default=None,
            min_length=1,
            max_length=64,
            description="RFC 3339 with a zone, at most ingest.max_future_skew_s ahead; "
            "omit for the command's own time (now)",
        ),
    ]


class OperatorResult(BaseModel):
    """What an operator action did: its event and every decision it produced."""

    event_id: str
    account_id: str
    outcome: str
    decisions: list[dict[str, Any]]


class IngestResponse(BaseModel):
    event_id: str | None
    account_id: str | None
    outcome: str
    decisions: list[dict[str, Any]]
    conflict: str | None = Field(
        default=None,
        description="Only on a duplicate whose content differs from the event first "
        "taken with that id (still ignored): why.",
    )


class DecisionList(BaseModel):
    items: list[dict[str, Any]]
    next_cursor: str | None
