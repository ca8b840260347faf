"""The scoring app: MLflow's scoring protocol around one loaded model.

``POST /invocations`` (JSON or CSV, ``?method=predict_proba`` on request), ``GET /ping`` and
``/health`` (200 once the model is loaded, which is before the app exists), ``/version``,
``/metrics`` (Prometheus text) and ``/openapi.json`` (from the model's signature). A plain
Starlette app: the scoring path is short enough that a framework's per-request work would show.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from carnet.exceptions import CarnetError
from carnet.models.schema import ColSpec
from carnet.serving.openapi import openapi_document
from carnet.serving.protocol import PayloadTooLarge, encode_predictions, parse_request
from carnet.serving.scorer import Scorer

DEFAULT_MAX_BODY_BYTES = 64 * 1024 * 1024


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("carnet")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "0+unknown"


def _error(exc: CarnetError) -> Response:
    body = {**exc.to_dict(), "error_class": type(exc).__name__}
    return JSONResponse(body, status_code=exc.http_status)


def serving_example(model_path: Path | None, model: Any) -> dict[str, Any] | None:
    """The model's saved input example as a request body (``serving_input_example.json``)."""
    info = getattr(model.metadata, "saved_input_example_info", None) or {}
    name = info.get("serving_input_path")
    if model_path is None or not name:
        return None
    try:
        example = json.loads((Path(model_path) / str(name)).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return example if isinstance(example, dict) else None


async def _read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge(f"body: the request is over the limit of {limit} bytes", field="body")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(f"body: the request is over the limit of {limit} bytes", field="body")
        chunks.append(chunk)
    return b"".join(chunks)


def create_scoring_app(
    scorer: Scorer,
    *,
    name: str = "model",
    model_path: Path | None = None,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
) -> Starlette:
    """An ASGI app answering MLflow's scoring protocol with ``scorer``'s model."""
    version = _version()
    metrics = scorer.metrics
    methods = [m for m in ("predict", "predict_proba") if m == "predict" or _safe_method(scorer, m)]
    document = openapi_document(
        scorer.input_schema,
        title=f"carnet scoring: {name}",
        version=version,
        example=serving_example(model_path, scorer.model),
        methods=methods,
    )
    openapi_body = json.dumps(document).encode()
    schema = scorer.input_schema
    doubles = (
        schema is not None
        and not schema.is_tensor
        and all(isinstance(s, ColSpec) and s.type == "double" and not s.raw for s in schema.specs)
    )

    async def invocations(request: Request) -> Response:
        started = time.perf_counter()
        rows = 0
        try:
            body = await _read_body(request, max_body_bytes)
            parsed = parse_request(body, request.headers.get("content-type"), doubles=doubles)
            method = scorer.method(request.query_params.get("method") or _method_param(parsed.params))
            data = scorer.check_columns(parsed.data)
            rows = parsed.rows
            predictions = await scorer.score(data, method, parsed.params)
            response: Response = Response(encode_predictions(predictions), media_type="application/json")
        except CarnetError as exc:
            response = _error(exc)
        except Exception as exc:  # the model itself failed on this input: say why, stay up
            response = JSONResponse(
                {
                    "error_code": "BAD_REQUEST",
                    "message": f"model_input: the model failed on this input: {type(exc).__name__}: {exc}",
                    "field": "model_input",
                },
                status_code=400,
            )
        metrics.record(response.status_code, time.perf_counter() - started, rows)
        return response

    async def ping(request: Request) -> Response:
        return Response(b"\n", media_type="application/json")

    async def get_version(request: Request) -> Response:
        return PlainTextResponse(version)

    async def get_metrics(request: Request) -> Response:
        return PlainTextResponse(metrics.render(), media_type="text/plain; version=0.0.4")

    async def openapi(request: Request) -> Response:
        return Response(openapi_body, media_type="application/json")

    app = Starlette(
        routes=[
            Route("/invocations", invocations, methods=["POST"]),
            Route("/ping", ping, methods=["GET"]),
            Route("/health", ping, methods=["GET"]),
            Route("/version", get_version, methods=["GET"]),
            Route("/metrics", get_metrics, methods=["GET"]),
            Route("/openapi.json", openapi, methods=["GET"]),
        ],
    )
    app.state.scorer = scorer
    return app


def _method_param(params: dict[str, Any]) -> str | None:
    # MLflow's sklearn flavor reads the method from params as "predict_method"; take it, then drop it
    # so it is not passed on to predict.
    value = params.pop("predict_method", None)
    return None if value is None else str(value)


def _safe_method(scorer: Scorer, method: str) -> bool:
    try:
        scorer.method(method)
        return True
    except CarnetError:
        return False
