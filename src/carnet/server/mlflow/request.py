"""Reading MLflow requests: JSON bodies (``application/json`` only) and query strings."""

from __future__ import annotations

import math
from typing import Annotated, Any

import pydantic_core
from fastapi import Depends, Request, Response

from carnet.exceptions import InvalidArgument

Message = dict[str, Any]


async def _json_body(request: Request) -> Message:
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind != "application/json":
        raise InvalidArgument("Bad Request. Content-Type must be one of ['application/json']")
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        body = pydantic_core.from_json(raw)
    except ValueError as exc:
        raise InvalidArgument(f"malformed JSON body: {exc}") from None
    if not isinstance(body, dict):
        raise InvalidArgument("the request body must be a JSON object")
    return body


def _query(request: Request) -> Message:
    """Query parameters as a message: a repeated key becomes a list."""
    out: Message = {}
    for key in request.query_params:
        values = request.query_params.getlist(key)
        out[key] = values if len(values) > 1 else values[0]
    return out


def answer(message: Message) -> Response:
    """A big answer (search pages, metric histories) encoded at once by pydantic-core, skipping
    FastAPI's walk over the returned structure. Non-finite floats become "NaN"/"Infinity"."""
    return Response(pydantic_core.to_json(message, inf_nan_mode="strings"), media_type="application/json")


Body = Annotated[Message, Depends(_json_body)]
Query = Annotated[Message, Depends(_query)]


def required(msg: Message, *names: str) -> Any:
    """The first of ``names`` present in the message (``run_id`` or ``run_uuid``, ...)."""
    for name in names:
        value = msg.get(name)
        if value is not None and value != "":
            return value
    raise InvalidArgument(f"Missing value for required parameter '{names[0]}'", field=names[0])


def text(msg: Message, *names: str) -> str:
    return str(required(msg, *names))


def run_id_of(msg: Message) -> str:
    return text(msg, "run_id", "run_uuid")


def as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def as_int(msg: Message, name: str, default: int | None = None) -> int | None:
    value = msg.get(name)
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        raise InvalidArgument(
            f"Invalid value {value!r} for parameter '{name}': expected an integer", field=name
        )
    try:
        return int(value)
    except (TypeError, ValueError):
        raise InvalidArgument(
            f"Invalid value {value!r} for parameter '{name}': expected an integer", field=name
        ) from None


def as_float(value: Any, name: str) -> float:
    if isinstance(value, bool):
        raise InvalidArgument(
            f"Invalid value {value!r} for parameter '{name}': expected a number", field=name
        )
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str) and value.strip().lower() in (
        "nan",
        "infinity",
        "+infinity",
        "-infinity",
        "inf",
    ):
        return float(value.strip().lower().replace("infinity", "inf"))
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise InvalidArgument(
            f"Invalid value {value!r} for parameter '{name}': expected a number", field=name
        ) from None
    if math.isnan(number):
        return math.nan
    return number


def key_values(items: Any, name: str) -> list[tuple[str, str]]:
    out = []
    for item in as_list(items):
        if not isinstance(item, dict) or "key" not in item:
            raise InvalidArgument(f"Missing value for required parameter '{name}.key'", field=name)
        value = item.get("value")
        out.append((str(item["key"]), "" if value is None else str(value)))
    return out
