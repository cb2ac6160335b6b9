"""Custom LSP methods and their parameters: the one source of truth for method names.

Mirrored by ``client-vscode/src/common/protocol.ts`` and ``client-nvim/lua/roo_usage.lua``;
every payload is shown as JSON in ``protocol.md``. Params are validated here with pydantic
inside the handlers, so bad input becomes a JSON-RPC -32602 error naming the field.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal, TypeVar

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)
from pygls.exceptions import JsonRpcInvalidParams
from pygls.protocol import (
    JsonRPCNotification,
    JsonRPCRequestMessage,
    JsonRPCResponseMessage,
    default_converter,
)

from roo_usage.records import Source
from roo_usage.timezone import parse_day, zone

USAGE_SUMMARY = "roo/usageSummary"
USAGE_CHANGED = "roo/usageChanged"
RECORD_USAGE = "roo/recordUsage"
RESCAN = "roo/rescan"

NonNegativeInt = Annotated[int, Field(ge=0)]
NonNegativeNumber = Annotated[float, Field(ge=0)]


class _Params(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)


def _day(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    if not isinstance(value, str):
        raise ValueError("expected a day in YYYY-MM-DD form")
    return parse_day(value)


class SummaryParams(_Params):
    scope: Literal["all", "current"] = "all"
    workspaces: list[str] | None = None
    since: date | None = None
    until: date | None = None
    time_zone: str | None = Field(default=None, alias="timeZone")

    _parse_since = field_validator("since", "until", mode="before")(_day)

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        if value is not None:
            zone(value)
        return value

    @model_validator(mode="after")
    def _ordered_days(self) -> SummaryParams:
        if self.since and self.until and self.since > self.until:
            raise ValueError(f"since ({self.since}) is after until ({self.until})")
        return self


class RequestRecord(_Params):
    ts: NonNegativeInt
    tokens_in: NonNegativeInt | None = Field(default=None, alias="tokensIn")
    tokens_out: NonNegativeInt | None = Field(default=None, alias="tokensOut")
    cache_reads: NonNegativeInt | None = Field(default=None, alias="cacheReads")
    cache_writes: NonNegativeInt | None = Field(default=None, alias="cacheWrites")
    cost: NonNegativeNumber | None = None
    mode: str | None = None
    model: str | None = None
    input_includes_cache: bool = Field(default=True, alias="inputIncludesCache")


class TaskSnapshot(_Params):
    id: Annotated[str, Field(min_length=1)]
    ts: NonNegativeInt | None = None
    tokens_in: NonNegativeInt = Field(default=0, alias="tokensIn")
    tokens_out: NonNegativeInt = Field(default=0, alias="tokensOut")
    cache_reads: NonNegativeInt = Field(default=0, alias="cacheReads")
    cache_writes: NonNegativeInt = Field(default=0, alias="cacheWrites")
    total_cost: NonNegativeNumber = Field(default=0, alias="totalCost")
    workspace: str | None = None
    mode: str | None = None
    parent_task_id: str | None = Field(default=None, alias="parentTaskId")
    root_task_id: str | None = Field(default=None, alias="rootTaskId")
    api_config_name: str | None = Field(default=None, alias="apiConfigName")
    input_includes_cache: bool = Field(default=True, alias="inputIncludesCache")


class RecordUsageParams(_Params):
    source: Source
    task: TaskSnapshot | None = None
    task_id: str | None = Field(default=None, alias="taskId", min_length=1)
    workspace: str | None = None
    requests: list[RequestRecord] | None = None

    @model_validator(mode="after")
    def _one_shape(self) -> RecordUsageParams:
        if (self.task is None) == (self.requests is None):
            raise ValueError("give either task or requests")
        if self.requests is not None and not self.task_id:
            raise ValueError("taskId is required with requests")
        return self


ParamsModel = TypeVar("ParamsModel", bound=BaseModel)


def parse_params(model: type[ParamsModel], params: Any) -> ParamsModel:
    """Validated params, or a JSON-RPC -32602 error whose message names the field."""
    try:
        return model.model_validate(params if params is not None else {})
    except ValidationError as exc:
        raise JsonRpcInvalidParams(message=describe_error(exc)) from None


def describe_error(error: ValidationError | ValueError) -> str:
    """``Invalid params: scope: Input should be 'all' or 'current'`` (names the field)."""
    if isinstance(error, ValidationError):
        parts = []
        for item in error.errors():
            where = ".".join(str(p) for p in item["loc"]) or "params"
            message = str(item["msg"]).removeprefix("Value error, ")
            parts.append(f"{where}: {message}")
        return "Invalid params: " + "; ".join(parts)
    return f"Invalid params: {error}"


def plain_converter() -> Any:
    """A pygls converter that hands custom-method params to handlers as plain dicts.

    pygls would otherwise turn them into namedtuples (renaming keys that are not identifiers).
    Standard LSP messages keep their lsprotocol types. Used by the server and by test clients.
    """
    converter = default_converter()  # type: ignore[no-untyped-call]
    for cls in (JsonRPCRequestMessage, JsonRPCNotification, JsonRPCResponseMessage):
        converter.register_structure_hook(cls, lambda obj, c: c(**obj))
    return converter
