"""The ``MLmodel`` file: the YAML description at the root of every model folder.

carnet writes the keys MLflow 3 writes (``flavors``, ``signature``, ``saved_input_example_info``,
``model_uuid``, ``utc_time_created``, ``artifact_path``, ``run_id``, ``model_id``) so either tool
loads the other's models; keys it does not know are kept as read.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from carnet.exceptions import InvalidValue, NotFound
from carnet.models.schema import ModelSignature

MLMODEL_FILE = "MLmodel"
PYFUNC_FLAVOR = "python_function"
_KNOWN = {
    "artifact_path",
    "flavors",
    "model_id",
    "model_size_bytes",
    "model_uuid",
    "run_id",
    "saved_input_example_info",
    "signature",
    "utc_time_created",
    "metadata",
}


def _utc_now() -> str:
    # MLflow writes str() of a naive UTC datetime.
    return str(dt.datetime.now(dt.timezone.utc).replace(tzinfo=None))


@dataclass
class Model:
    """A parsed ``MLmodel`` file (MLflow's ``Model``)."""

    flavors: dict[str, dict[str, Any]] = field(default_factory=dict)
    signature: ModelSignature | None = None
    saved_input_example_info: dict[str, Any] | None = None
    model_uuid: str = field(default_factory=lambda: uuid.uuid4().hex)
    utc_time_created: str = field(default_factory=_utc_now)
    artifact_path: str | None = None
    run_id: str | None = None
    model_id: str | None = None
    model_size_bytes: int | None = None
    metadata: dict[str, Any] | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def add_flavor(self, name: str, **conf: Any) -> Model:
        self.flavors[name] = dict(conf)
        return self

    @property
    def pyfunc_conf(self) -> dict[str, Any] | None:
        return self.flavors.get(PYFUNC_FLAVOR)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.artifact_path is not None:
            out["artifact_path"] = self.artifact_path
        out["flavors"] = self.flavors
        if self.metadata is not None:
            out["metadata"] = self.metadata
        out["model_id"] = self.model_id
        if self.model_size_bytes is not None:
            out["model_size_bytes"] = self.model_size_bytes
        out["model_uuid"] = self.model_uuid
        if self.run_id is not None:
            out["run_id"] = self.run_id
        if self.saved_input_example_info is not None:
            out["saved_input_example_info"] = self.saved_input_example_info
        if self.signature is not None:
            out["signature"] = self.signature.to_dict()
        out["utc_time_created"] = self.utc_time_created
        out.update(self.extra)
        return out

    def to_yaml(self) -> str:
        return yaml.safe_dump(self.to_dict(), default_flow_style=False, sort_keys=True)

    def save(self, path: str | Path) -> None:
        Path(path).write_text(self.to_yaml(), encoding="utf-8")

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Model:
        flavors = data.get("flavors")
        if not isinstance(flavors, dict) or not flavors:
            raise InvalidValue("MLmodel: no 'flavors' mapping; this is not a model folder", field="flavors")
        bad = sorted(str(k) for k, v in flavors.items() if v is not None and not isinstance(v, dict))
        if bad:
            raise InvalidValue(f"MLmodel: flavor(s) {bad} are not mappings", field="flavors")
        signature = data.get("signature")
        if signature is not None and not isinstance(signature, dict):
            raise InvalidValue("MLmodel: 'signature' must be a mapping", field="signature")
        return cls(
            flavors={str(k): dict(v or {}) for k, v in flavors.items()},
            signature=ModelSignature.from_dict(signature) if signature else None,
            saved_input_example_info=data.get("saved_input_example_info"),
            model_uuid=str(data.get("model_uuid") or uuid.uuid4().hex),
            utc_time_created=str(data.get("utc_time_created") or ""),
            artifact_path=data.get("artifact_path"),
            run_id=data.get("run_id"),
            model_id=data.get("model_id"),
            model_size_bytes=data.get("model_size_bytes"),
            metadata=data.get("metadata"),
            extra={k: v for k, v in data.items() if k not in _KNOWN},
        )

    @classmethod
    def load(cls, path: str | Path) -> Model:
        """Read ``path`` (a model folder or its ``MLmodel`` file); say what is wrong when it is not one."""
        path = Path(path)
        file = path / MLMODEL_FILE if path.is_dir() else path
        if not file.is_file():
            raise NotFound(
                f"model: no {MLMODEL_FILE} file in {str(path)!r}; is this a model folder?", field="model"
            )
        try:
            data = yaml.safe_load(file.read_text(encoding="utf-8"))
        except (yaml.YAMLError, UnicodeDecodeError) as e:
            raise InvalidValue(f"MLmodel: {str(file)!r} is not valid YAML ({e})", field="MLmodel") from None
        if not isinstance(data, dict):
            raise InvalidValue(f"MLmodel: {str(file)!r} does not hold a mapping", field="MLmodel")
        return cls.from_dict(data)

    def flavor(self, name: str) -> dict[str, Any]:
        conf = self.flavors.get(name)
        if conf is None:
            raise InvalidValue(
                f"model: no {name!r} flavor (it has {', '.join(sorted(self.flavors))})", field="flavor"
            )
        return conf
