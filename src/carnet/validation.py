"""Checks applied at the edges (SDK, CLI, API) so that bad input never reaches the store half-way.

The limits are part of carnet's documented contract (see docs/limits.md).
"""

from __future__ import annotations

import math
import numbers
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote, urlparse

from carnet.entities import DatasetInput
from carnet.exceptions import InvalidName, InvalidValue, LimitExceeded

MAX_NAME_LENGTH = 250  # metric, param and tag keys, file names inside a run
MAX_ENTITY_NAME_LENGTH = 256  # experiment and run names
MAX_PARAM_VALUE_LENGTH = 6000
MAX_TAG_VALUE_LENGTH = 8000
MAX_DESCRIPTION_LENGTH = 5000
MAX_ROW_COLUMNS = 100
MAX_TABLE_ROWS = 100_000
MAX_CELL_LENGTH = 1000
MAX_BATCH_METRICS = 10_000
MAX_BATCH_PARAMS = 1000
MAX_BATCH_TAGS = 1000
MAX_ARTIFACT_LOCATION_LENGTH = 2048

# Keys may hold letters, digits and `_ - . / : space`; slashes allow grouping ("val/loss").
_KEY_RE = re.compile(r"^[\w\-. /:]+$")
# A URL escape such as %2F: a name holding one could be decoded into another name on the way.
_PERCENT_ESCAPE_RE = re.compile(r"%[0-9A-Fa-f]{2}")
_ARTIFACT_LOCATION_SCHEMES = ("", "file", "s3")
_MAX_DECODING_ROUNDS = 10
_RUN_ID_RE = re.compile(r"^[0-9a-f]{32}$")


def check_key(value: object, field: str) -> str:
    """Validate a metric, param or tag key; return it unchanged."""
    if not isinstance(value, str):
        raise InvalidName(f"{field}: expected a string, got {type(value).__name__}", field=field)
    if not value or not value.strip():
        raise InvalidName(f"{field}: must not be empty", field=field)
    if len(value) > MAX_NAME_LENGTH:
        raise LimitExceeded(
            f"{field}: {value[:40]!r}... is {len(value)} characters long; the limit is {MAX_NAME_LENGTH}",
            field=field,
        )
    if not _KEY_RE.match(value):
        raise InvalidName(
            f"{field}: {value!r} may only contain letters, digits, spaces and _ - . / :",
            field=field,
        )
    if _is_path_like(value):
        raise InvalidName(f"{field}: {value!r} must not be a path like '../x' or '/x'", field=field)
    return value


def check_entity_name(value: object, field: str) -> str:
    """Validate an experiment or run name: any text, but not empty, overlong or path-like."""
    if not isinstance(value, str):
        raise InvalidName(f"{field}: expected a string, got {type(value).__name__}", field=field)
    if not value.strip():
        raise InvalidName(f"{field}: must not be empty", field=field)
    if len(value) > MAX_ENTITY_NAME_LENGTH:
        raise LimitExceeded(
            f"{field}: {len(value)} characters long; the limit is {MAX_ENTITY_NAME_LENGTH}", field=field
        )
    if _is_path_like(value) or "\x00" in value:
        raise InvalidName(f"{field}: {value!r} must not be a path like '../x'", field=field)
    if _PERCENT_ESCAPE_RE.search(value):
        raise InvalidName(
            f"{field}: {value!r} must not contain URL escapes like '%2F'; write the character itself",
            field=field,
        )
    return value


def check_artifact_location(value: object, field: str = "artifact_location") -> str:
    """Validate an experiment's artifact location: a folder, ``file://`` or ``s3://`` URI with no
    fragment, query, ``;`` parameters or ``..`` segments (also after URL-decoding), which could
    point the location somewhere else once a path is appended to it."""
    if not isinstance(value, str) or not value.strip():
        raise InvalidName(f"{field}: expected a non-empty folder or URI", field=field)
    if len(value) > MAX_ARTIFACT_LOCATION_LENGTH:
        raise LimitExceeded(
            f"{field}: {len(value)} characters long; the limit is {MAX_ARTIFACT_LOCATION_LENGTH}",
            field=field,
        )
    decoded = value
    for _ in range(_MAX_DECODING_ROUNDS):
        once = unquote(decoded)
        if once == decoded:
            break
        decoded = once
    if any(ord(c) < 32 for c in decoded):
        raise InvalidName(f"{field}: must not contain control characters", field=field)
    scheme = urlparse(decoded).scheme.lower()
    if scheme in ("runs", "models"):
        raise InvalidName(f"{field}: {value!r}: a {scheme}:/ URI cannot be an artifact location", field=field)
    if scheme not in _ARTIFACT_LOCATION_SCHEMES and not re.match(r"^[A-Za-z]:[\\/]", decoded):
        raise InvalidName(
            f"{field}: {value!r}: use a folder, a file:// or an s3://bucket/prefix URI", field=field
        )
    if any(mark in decoded for mark in ("#", "?", ";")):
        raise InvalidName(
            f"{field}: {value!r} must not carry a fragment (#), a query (?) or parameters (;)", field=field
        )
    if ".." in decoded.replace("\\", "/").split("/"):
        raise InvalidName(f"{field}: {value!r} must not contain '..' segments", field=field)
    return value


def check_run_id(value: object, field: str = "run_id") -> str:
    """Validate a run id chosen by the client (a run created offline): 32 lowercase hex digits,
    the form the store generates itself."""
    if not isinstance(value, str) or not _RUN_ID_RE.match(value):
        raise InvalidName(
            f"{field}: {value!r} is not a run id (expected 32 lowercase hex digits)", field=field
        )
    return value


def check_relative_path(value: object, field: str) -> str:
    """Validate a path inside a run's artifact folder; return it normalised with '/' separators."""
    if not isinstance(value, str) or not value.strip():
        raise InvalidName(f"{field}: expected a non-empty relative path", field=field)
    if len(value) > MAX_NAME_LENGTH:
        raise LimitExceeded(
            f"{field}: {value[:40]!r}... is {len(value)} characters long; the limit is {MAX_NAME_LENGTH}",
            field=field,
        )
    parts = [p for p in value.replace("\\", "/").split("/") if p not in ("", ".")]
    if value.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", value) or ".." in parts or not parts:
        raise InvalidName(f"{field}: {value!r} must be a relative path inside the run (no '..')", field=field)
    if "\x00" in value:
        raise InvalidName(f"{field}: must not contain NUL characters", field=field)
    return "/".join(parts)


def _is_path_like(value: str) -> bool:
    parts = value.replace("\\", "/").split("/")
    return value.startswith(("/", "\\")) or ".." in parts or "." in parts


def check_number(value: object, field: str) -> float:
    """A metric value: int, float, numpy number or bool; NaN and ±inf are kept."""
    if isinstance(value, float):
        return value
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, bool):
        return float(value)
    flag = _numpy_bool(value)
    if flag is not None:
        return float(flag)
    raise InvalidValue(
        f"{field}: expected a number, got {type(value).__name__} {_short(value)}; "
        "log text with run.log_row/log_table, or as a tag",
        field=field,
    )


def _numpy_bool(value: object) -> bool | None:
    """``bool(value)`` for a numpy boolean scalar (which is not a ``numbers`` type), else None."""
    if getattr(getattr(value, "dtype", None), "kind", None) == "b" and getattr(value, "ndim", None) == 0:
        return bool(value)
    return None


def check_step(value: object, field: str = "step") -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise InvalidValue(f"{field}: expected an integer, got {_short(value)}", field=field)
    return int(value)


def check_text(value: object, field: str, limit: int) -> str:
    """A param or tag value: converted with str(); too long is an error, never a silent cut."""
    text = value if isinstance(value, str) else _to_text(value)
    if len(text) > limit:
        raise LimitExceeded(
            f"{field}: value is {len(text)} characters long; the limit is {limit}", field=field
        )
    return text


def _to_text(value: object) -> str:
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return repr(value)
    return str(value)


def check_cell(value: object, field: str) -> Any:
    """A cell of a row or table: a number, a string, a bool or None (stored as JSON)."""
    if value is None or isinstance(value, (str, bool)):
        if isinstance(value, str) and len(value) > MAX_CELL_LENGTH:
            raise LimitExceeded(f"{field}: text cell longer than {MAX_CELL_LENGTH} characters", field=field)
        return value
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        return float(value)
    flag = _numpy_bool(value)
    if flag is not None:
        return flag
    raise InvalidValue(
        f"{field}: cells must be numbers, strings, booleans or None, got {type(value).__name__}", field=field
    )


def check_columns(columns: Mapping[str, Any], field: str) -> dict[str, list[Any]]:
    """A table given as {column: values}: equal lengths, valid names, valid cells."""
    if not isinstance(columns, Mapping) or not columns:
        raise InvalidValue(
            f"{field}: expected a non-empty dict of column name -> list of values", field=field
        )
    if len(columns) > MAX_ROW_COLUMNS:
        raise LimitExceeded(f"{field}: {len(columns)} columns; the limit is {MAX_ROW_COLUMNS}", field=field)
    out: dict[str, list[Any]] = {}
    lengths: dict[str, int] = {}
    for name, values in columns.items():
        check_key(name, f"{field} column")
        if isinstance(values, (str, bytes)) or not hasattr(values, "__iter__"):
            raise InvalidValue(f"{field}: column {name!r} must be a list of values", field=field)
        cells = [check_cell(v, f"{field}.{name}") for v in values]
        out[name] = cells
        lengths[name] = len(cells)
    if len(set(lengths.values())) > 1:
        shape = ", ".join(f"{k}={n}" for k, n in lengths.items())
        raise InvalidValue(f"{field}: columns must have equal lengths, got {shape}", field=field)
    if next(iter(lengths.values())) > MAX_TABLE_ROWS:
        raise LimitExceeded(f"{field}: more than {MAX_TABLE_ROWS} rows in one call", field=field)
    return out


def check_description(value: object, field: str = "description") -> str:
    if value is None:
        return ""
    return check_text(value, field, MAX_DESCRIPTION_LENGTH)


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


# -- model registry -------------------------------------------------------------------------------

MAX_ALIAS_LENGTH = 255
MAX_VERSION_NUMBER = 2**31 - 1  # the column is a 32-bit integer
MAX_REGISTRY_TAG_VALUE_LENGTH = 100_000
_ALIAS_RE = re.compile(r"^[\w\-]+$")
_RESERVED_ALIAS_RE = re.compile(r"^(latest|v\d+)$", re.IGNORECASE)


def check_model_name(value: object, field: str = "name") -> str:
    """A registered model's name: an entity name without ``/`` or ``:``, which would make
    ``models:/<name>/<version>`` URIs ambiguous."""
    check_entity_name(value, field)
    assert isinstance(value, str)
    if "/" in value or ":" in value:
        raise InvalidName(f"{field}: {value!r} must not contain '/' or ':'", field=field)
    if value != value.strip():
        raise InvalidName(f"{field}: {value!r} must not start or end with spaces", field=field)
    return value


def check_alias(value: object, field: str = "alias") -> str:
    """A model alias: letters, digits, ``_`` and ``-``; ``latest`` and ``v<digits>`` are reserved
    because ``models:/<name>/latest`` and version numbers already mean something."""
    if not isinstance(value, str) or not value:
        raise InvalidName(f"{field}: must be a non-empty string", field=field)
    if len(value) > MAX_ALIAS_LENGTH:
        raise LimitExceeded(
            f"{field}: {len(value)} characters long; the limit is {MAX_ALIAS_LENGTH}", field=field
        )
    if not _ALIAS_RE.match(value):
        raise InvalidName(f"{field}: {value!r} may only contain letters, digits, '_' and '-'", field=field)
    if _RESERVED_ALIAS_RE.match(value):
        raise InvalidValue(
            f"{field}: {value!r} is reserved ('latest' and 'v<number>' name versions already); "
            "pick another alias",
            field=field,
        )
    return value


def check_version_number(value: object, field: str = "version") -> int:
    """A model version: a positive integer, or its decimal string (MLflow sends strings)."""
    if isinstance(value, bool):
        raise InvalidValue(f"{field}: expected a version number, got {value!r}", field=field)
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        number = int(value.strip())
    else:
        raise InvalidValue(f"{field}: expected a version number such as 1, got {_short(value)}", field=field)
    if number < 1:
        raise InvalidValue(f"{field}: version numbers start at 1, got {number}", field=field)
    if number > MAX_VERSION_NUMBER:
        raise InvalidValue(f"{field}: {number} is larger than any version number", field=field)
    return number


def check_user_id(value: object, field: str = "user_id") -> str:
    """Who made a registry change: any text up to the entity-name limit ("" when unknown)."""
    if value is None:
        return ""
    return check_text(value, field, MAX_ENTITY_NAME_LENGTH)


def fully_decoded(value: str) -> str:
    """``value`` URL-decoded until it stops changing (at most 10 rounds): what a path check must
    look at, since each layer that decodes once more could turn ``%252e`` into ``.``."""
    decoded = value
    for _ in range(_MAX_DECODING_ROUNDS):
        once = unquote(decoded)
        if once == decoded:
            break
        decoded = once
    return decoded


def check_model_source_text(value: object, field: str = "source") -> str:
    """The syntax checks of a model version's source, before it is matched against its run or
    logged model: no control characters, no fragment, query or ``;`` parameters, no ``..``
    segment, also after repeated URL-decoding."""
    if not isinstance(value, str) or not value.strip():
        raise InvalidValue(f"{field}: expected a non-empty location", field=field)
    if len(value) > MAX_ARTIFACT_LOCATION_LENGTH:
        raise LimitExceeded(
            f"{field}: {len(value)} characters long; the limit is {MAX_ARTIFACT_LOCATION_LENGTH}",
            field=field,
        )
    decoded = fully_decoded(value)
    if any(ord(c) < 32 for c in decoded):
        raise InvalidValue(f"{field}: must not contain control characters", field=field)
    if any(mark in decoded for mark in ("#", "?", ";")):
        raise InvalidValue(
            f"{field}: {value!r} must not carry a fragment (#), a query (?) or parameters (;)", field=field
        )
    if ".." in decoded.replace("\\", "/").split("/"):
        raise InvalidValue(f"{field}: {value!r} must not contain '..' segments", field=field)
    return value


# -- dataset inputs (MLflow's limits, mlflow/utils/validation.py) ---------------------------------

MAX_DATASET_NAME_LENGTH = 500
MAX_DATASET_DIGEST_LENGTH = 36
MAX_DATASET_SOURCE_TYPE_LENGTH = 36
MAX_DATASET_SOURCE_LENGTH = 65_535
MAX_DATASET_SCHEMA_LENGTH = 1_048_575
MAX_DATASET_PROFILE_LENGTH = 16_777_215
MAX_INPUT_TAG_KEY_LENGTH = 255
MAX_INPUT_TAG_VALUE_LENGTH = 500
MAX_DATASETS_PER_CALL = 1000


def check_dataset_input(item: DatasetInput, field: str = "datasets") -> DatasetInput:
    """A dataset input whose fields are strings within MLflow's limits; name, digest, source type
    and source must be given. Returns it unchanged."""
    dataset = item.dataset
    for name, value, limit, needed in (
        ("name", dataset.name, MAX_DATASET_NAME_LENGTH, True),
        ("digest", dataset.digest, MAX_DATASET_DIGEST_LENGTH, True),
        ("source_type", dataset.source_type, MAX_DATASET_SOURCE_TYPE_LENGTH, True),
        ("source", dataset.source, MAX_DATASET_SOURCE_LENGTH, True),
        ("schema", dataset.schema, MAX_DATASET_SCHEMA_LENGTH, False),
        ("profile", dataset.profile, MAX_DATASET_PROFILE_LENGTH, False),
    ):
        _check_input_text(value, f"{field}.dataset.{name}", limit, needed)
    for key, value in item.tags.items():
        _check_input_text(key, f"{field}.tags.key", MAX_INPUT_TAG_KEY_LENGTH, True)
        _check_input_text(value, f"{field}.tags.value", MAX_INPUT_TAG_VALUE_LENGTH, False)
    return item


def _check_input_text(value: object, field: str, limit: int, needed: bool) -> None:
    if not isinstance(value, str):
        raise InvalidValue(f"{field}: expected a string, got {_short(value)}", field=field)
    if needed and not value:
        raise InvalidValue(f"{field}: must not be empty", field=field)
    if len(value) > limit:
        raise LimitExceeded(
            f"{field}: value is {len(value)} characters long; the limit is {limit}", field=field
        )
