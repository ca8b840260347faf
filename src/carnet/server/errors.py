"""One place that turns errors into answers: ``{"error_code", "message", "field"?, "error_class"}``.

* a :class:`~carnet.exceptions.CarnetError` answers with its own ``http_status``;
* a request that does not fit the schema (wrong type, missing field, malformed JSON) is a 400
  ``INVALID_PARAMETER_VALUE`` naming the field -- never FastAPI's 422;
* an unknown route is a 404 ``ENDPOINT_NOT_FOUND``; anything unexpected a 500 ``INTERNAL_ERROR``.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from carnet.exceptions import CarnetError, LimitExceeded

logger = logging.getLogger("carnet.server")


class PayloadTooLarge(LimitExceeded):
    """The request body is larger than the server accepts."""

    http_status = 413


def error_response(exc: CarnetError) -> JSONResponse:
    body = exc.to_dict()
    body["error_class"] = type(exc).__name__
    return JSONResponse(body, status_code=exc.http_status)


def _field_of(loc: Sequence[Any]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts)


def validation_message(errors: Sequence[Any]) -> tuple[str, str | None]:
    """A one-line message for the first schema error, and the field it names."""
    if not errors:
        return "invalid request", None
    first = errors[0]
    if first.get("type") == "json_invalid":
        ctx = first.get("ctx") or {}
        return f"malformed JSON body: {ctx.get('error', 'cannot be parsed')}", None
    field = _field_of(first.get("loc", ()))
    msg = str(first.get("msg", "invalid value"))
    if first.get("type") == "missing":
        return f"{field}: missing required field", field or None
    if first.get("type") == "extra_forbidden":
        return f"{field}: unknown field", field or None
    text = f"{field}: {msg}" if field else msg
    if len(errors) > 1:
        text += f" (and {len(errors) - 1} more problem{'s' if len(errors) > 2 else ''})"
    return text, field or None


async def _carnet_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, CarnetError)
    if exc.http_status >= 500:
        logger.error("%s %s failed: %s", request.method, request.url.path, exc)
    return error_response(exc)


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    message, field = validation_message(exc.errors())
    body: dict[str, Any] = {"error_code": "INVALID_PARAMETER_VALUE", "message": message}
    if field:
        body["field"] = field
    body["error_class"] = "InvalidArgument"
    return JSONResponse(body, status_code=400)


_HTTP_CODES = {404: "ENDPOINT_NOT_FOUND", 405: "METHOD_NOT_ALLOWED", 413: "INVALID_PARAMETER_VALUE"}


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    if isinstance(exc.__cause__, CarnetError):  # e.g. the body size limit hit while FastAPI read the body
        return error_response(exc.__cause__)
    status = exc.status_code
    code = _HTTP_CODES.get(status, "INVALID_PARAMETER_VALUE" if status < 500 else "INTERNAL_ERROR")
    if status == 404:
        message = f"no such endpoint: {request.method} {request.url.path}"
    elif status == 405:
        message = f"method {request.method} is not allowed on {request.url.path}"
    else:
        message = str(exc.detail)
    if 400 <= status < 500 and status not in (404, 405, 413):
        status = 400  # e.g. a body FastAPI could not read
    return JSONResponse({"error_code": code, "message": message}, status_code=status, headers=exc.headers)


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    logger.exception("%s %s failed", request.method, request.url.path, exc_info=exc)
    return JSONResponse(
        {"error_code": "INTERNAL_ERROR", "message": f"internal server error: {type(exc).__name__}"},
        status_code=500,
    )


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(CarnetError, _carnet_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
