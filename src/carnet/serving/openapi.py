"""The scoring app's OpenAPI document, written from the model's signature: the columns a request
must name, their JSON types, and the model's saved input example as the request example."""

from __future__ import annotations

from typing import Any

from carnet.models.schema import ColSpec, Schema, TensorSpec

_JSON_TYPES: dict[str, dict[str, Any]] = {
    "double": {"type": "number"},
    "float": {"type": "number"},
    "long": {"type": "integer"},
    "integer": {"type": "integer"},
    "boolean": {"type": "boolean"},
    "string": {"type": "string"},
    "binary": {"type": "string", "format": "byte"},
    "datetime": {"type": "string", "format": "date-time"},
}


def _column(spec: ColSpec) -> dict[str, Any]:
    return dict(_JSON_TYPES.get(spec.type, {}))


def _request_schema(schema: Schema | None) -> dict[str, Any]:
    params = {"type": "object", "description": "Inference parameters, passed to the model's predict."}
    if schema is None or schema.is_tensor:
        tensor: dict[str, Any] = {"type": "array", "items": {}}
        if schema is not None:
            tensors = [s for s in schema.specs if isinstance(s, TensorSpec)]
            tensor["description"] = "; ".join(
                f"{s.name or 'input'}: {s.dtype} {list(s.shape)}" for s in tensors
            )
        return {
            "type": "object",
            "properties": {"inputs": tensor, "instances": tensor, "params": params},
        }
    specs = [s for s in schema.specs if isinstance(s, ColSpec)]
    names = [str(s.name) for s in specs]
    record = {
        "type": "object",
        "properties": {str(s.name): _column(s) for s in specs},
        "required": [str(s.name) for s in specs if s.required],
        "additionalProperties": False,
    }
    split = {
        "type": "object",
        "required": ["columns", "data"],
        "properties": {
            "columns": {"type": "array", "items": {"type": "string", "enum": names}},
            "data": {
                "type": "array",
                "items": {"type": "array", "minItems": len(names), "maxItems": len(names)},
            },
        },
    }
    records = {"type": "array", "items": record}
    return {
        "type": "object",
        "description": "Exactly one of dataframe_split, dataframe_records, instances or inputs.",
        "properties": {
            "dataframe_split": split,
            "dataframe_records": records,
            "instances": records,
            "inputs": records,
            "params": params,
        },
    }


def openapi_document(
    schema: Schema | None, *, title: str, version: str, example: dict[str, Any] | None, methods: list[str]
) -> dict[str, Any]:
    body: dict[str, Any] = {"schema": _request_schema(schema)}
    if example is not None:
        body["example"] = example
    error = {
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "error_code": {"type": "string"},
                        "message": {"type": "string"},
                        "field": {"type": "string"},
                    },
                }
            }
        }
    }
    return {
        "openapi": "3.1.0",
        "info": {"title": title, "version": version},
        "paths": {
            "/invocations": {
                "post": {
                    "summary": "Score rows with the model",
                    "parameters": [
                        {
                            "name": "method",
                            "in": "query",
                            "required": False,
                            "schema": {"type": "string", "enum": methods, "default": "predict"},
                        }
                    ],
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": body,
                            "text/csv": {
                                "schema": {"type": "string", "description": "a table with a header row"}
                            },
                        },
                    },
                    "responses": {
                        "200": {
                            "description": "One prediction per row",
                            "content": {
                                "application/json": {
                                    "schema": {
                                        "type": "object",
                                        "properties": {"predictions": {}},
                                        "required": ["predictions"],
                                    }
                                }
                            },
                        },
                        "400": {"description": "The input does not match the model's signature", **error},
                        "413": {"description": "The body is over the size limit", **error},
                        "415": {"description": "Neither JSON nor CSV", **error},
                    },
                }
            },
            "/ping": {
                "get": {
                    "summary": "200 once the model is loaded",
                    "responses": {"200": {"description": "ready"}},
                }
            },
            "/health": {"get": {"summary": "Same as /ping", "responses": {"200": {"description": "ready"}}}},
            "/version": {
                "get": {"summary": "carnet's version", "responses": {"200": {"description": "text"}}}
            },
            "/metrics": {
                "get": {"summary": "Prometheus metrics", "responses": {"200": {"description": "text format"}}}
            },
        },
    }
