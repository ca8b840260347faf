"""Model signatures: what a model takes and returns, written into ``MLmodel`` as MLflow does.

A schema is either named columns (``ColSpec``: a DataFrame's columns) or tensors (``TensorSpec``:
numpy arrays). ``inputs`` and ``outputs`` are stored as JSON strings inside the YAML file, in
MLflow's exact form, so either tool reads the other's signatures.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from carnet.exceptions import InvalidValue

COLUMN_TYPES = ("double", "float", "long", "integer", "boolean", "string", "binary", "datetime")


@dataclass(frozen=True)
class ColSpec:
    """One column: its type (one of ``COLUMN_TYPES``, or a richer MLflow type kept as read), its
    name (None for an unnamed single column), and whether inputs must have it."""

    type: str
    name: str | None = None
    required: bool = True
    # MLflow's array/object/map types: kept so a signature round-trips, checked for presence only.
    raw: dict[str, Any] = field(default_factory=dict, compare=False)

    def to_dict(self) -> dict[str, Any]:
        if self.raw:
            return dict(self.raw)
        out: dict[str, Any] = {"type": self.type}
        if self.name is not None:
            out["name"] = self.name
        out["required"] = self.required
        return out


@dataclass(frozen=True)
class TensorSpec:
    """A numpy array: its dtype name (``float64``, ``int64``, ...) and shape, -1 for any length."""

    dtype: str
    shape: tuple[int, ...]
    name: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "type": "tensor",
            "tensor-spec": {"dtype": self.dtype, "shape": list(self.shape)},
        }
        if self.name is not None:
            out["name"] = self.name
        return out


Spec = ColSpec | TensorSpec


@dataclass(frozen=True)
class Schema:
    specs: tuple[Spec, ...]

    def __post_init__(self) -> None:
        kinds = {isinstance(s, TensorSpec) for s in self.specs}
        if len(kinds) > 1:
            raise InvalidValue("signature: a schema mixes columns and tensors", field="signature")

    @property
    def is_tensor(self) -> bool:
        return bool(self.specs) and isinstance(self.specs[0], TensorSpec)

    @property
    def names(self) -> list[str | None]:
        return [s.name for s in self.specs]

    def to_json(self) -> str:
        return json.dumps([s.to_dict() for s in self.specs])

    @classmethod
    def from_json(cls, text: str) -> Schema:
        try:
            items = json.loads(text)
        except (TypeError, ValueError) as e:
            raise InvalidValue(f"signature: not valid JSON ({e})", field="signature") from None
        if not isinstance(items, list):
            raise InvalidValue("signature: a schema is a JSON list of column specs", field="signature")
        return cls(tuple(_spec_from_dict(item) for item in items))


def _spec_from_dict(item: Any) -> Spec:
    if not isinstance(item, dict) or "type" not in item:
        raise InvalidValue(f"signature: {item!r} is not a column or tensor spec", field="signature")
    name = item.get("name")
    if item["type"] == "tensor":
        spec = item.get("tensor-spec") or {}
        try:
            return TensorSpec(str(spec["dtype"]), tuple(int(d) for d in spec["shape"]), name)
        except (KeyError, TypeError, ValueError):
            raise InvalidValue(f"signature: malformed tensor spec {item!r}", field="signature") from None
    required = bool(item.get("required", True))
    if item["type"] in COLUMN_TYPES:
        return ColSpec(str(item["type"]), name, required)
    return ColSpec(str(item["type"]), name, required, raw=dict(item))


@dataclass(frozen=True)
class ModelSignature:
    """The inputs a model accepts and the outputs it returns (either may be unknown)."""

    inputs: Schema | None = None
    outputs: Schema | None = None
    params: Any = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "inputs": self.inputs.to_json() if self.inputs is not None else None,
            "outputs": self.outputs.to_json() if self.outputs is not None else None,
            "params": self.params,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ModelSignature:
        inputs, outputs = data.get("inputs"), data.get("outputs")
        return cls(
            Schema.from_json(inputs) if inputs else None,
            Schema.from_json(outputs) if outputs else None,
            data.get("params"),
        )
