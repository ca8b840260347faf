"""infer_signature and the input checks at predict time."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from carnet.exceptions import InvalidValue
from carnet.models import ColSpec, ModelSignature, Schema, TensorSpec, enforce_schema, infer_signature


def test_dataframe_columns_get_mlflow_type_names() -> None:
    frame = pd.DataFrame(
        {
            "d": [1.5],
            "f": np.array([1.5], dtype="float32"),
            "l": [1],
            "i": np.array([1], dtype="int32"),
            "b": [True],
            "s": ["x"],
            "by": [b"x"],
            "t": [pd.Timestamp("2024-01-01")],
        }
    )
    signature = infer_signature(frame, pd.Series([1], name="target"))
    assert signature.inputs is not None
    assert [(s.name, s.type) for s in signature.inputs.specs if isinstance(s, ColSpec)] == [
        ("d", "double"),
        ("f", "float"),
        ("l", "long"),
        ("i", "integer"),
        ("b", "boolean"),
        ("s", "string"),
        ("by", "binary"),
        ("t", "datetime"),
    ]
    assert json.loads(signature.to_dict()["outputs"]) == [
        {"type": "long", "name": "target", "required": True}
    ]


def test_numpy_arrays_and_lists_give_tensor_specs() -> None:
    signature = infer_signature(np.zeros((3, 4)), np.array([0, 1, 2]))
    assert signature.to_dict() == {
        "inputs": '[{"type": "tensor", "tensor-spec": {"dtype": "float64", "shape": [-1, 4]}}]',
        "outputs": '[{"type": "tensor", "tensor-spec": {"dtype": "int64", "shape": [-1]}}]',
        "params": None,
    }
    assert infer_signature([[1, 2], [3, 4]]).inputs == Schema((TensorSpec("int64", (-1, 2)),))
    assert infer_signature([{"a": 1.0, "b": "x"}]).inputs == Schema(
        (ColSpec("double", "a"), ColSpec("string", "b"))
    )


def test_signature_round_trips_through_its_dict_form() -> None:
    signature = infer_signature(pd.DataFrame({"a": [1.0], "b": ["x"]}), np.array([1]))
    assert ModelSignature.from_dict(signature.to_dict()) == signature


def test_uninferable_inputs_are_refused() -> None:
    with pytest.raises(InvalidValue, match="'mixed'"):
        infer_signature(pd.DataFrame({"mixed": [1, "a"]}))
    with pytest.raises(InvalidValue, match="empty"):
        infer_signature([])


COLUMNS = Schema((ColSpec("double", "a"), ColSpec("long", "b"), ColSpec("string", "c")))


def test_missing_column_names_it() -> None:
    with pytest.raises(InvalidValue, match="'b'") as info:
        enforce_schema(pd.DataFrame({"a": [1.0], "c": ["x"]}), COLUMNS)
    assert info.value.field == "b"


def test_extra_columns_are_dropped_with_a_warning() -> None:
    frame = pd.DataFrame({"c": ["x"], "extra": [1], "a": [1.0], "b": [2]})
    with pytest.warns(UserWarning, match="'extra'"):
        out = enforce_schema(frame, COLUMNS)
    assert list(out.columns) == ["a", "b", "c"]


def test_safe_widening_is_applied_and_narrowing_refused() -> None:
    out = enforce_schema(
        pd.DataFrame({"a": [1, 2], "b": np.array([1, 2], dtype="int32"), "c": ["x", "y"]}), COLUMNS
    )
    assert out["a"].dtype == np.float64 and out["b"].dtype == np.int64
    with pytest.raises(InvalidValue, match="'b'") as info:
        enforce_schema(pd.DataFrame({"a": [1.0], "b": [1.5], "c": ["x"]}), COLUMNS)
    assert info.value.field == "b"
    with pytest.raises(InvalidValue, match="'a'"):
        enforce_schema(pd.DataFrame({"a": ["one"], "b": [1], "c": ["x"]}), COLUMNS)


def test_rows_as_dicts_and_arrays_are_matched_to_columns() -> None:
    out = enforce_schema([{"a": 1.0, "b": 2, "c": "x"}], COLUMNS)
    assert out.to_dict("records") == [{"a": 1.0, "b": 2, "c": "x"}]
    numeric = Schema((ColSpec("double", "x"), ColSpec("double", "y")))
    assert list(enforce_schema(np.ones((2, 2)), numeric).columns) == ["x", "y"]


def test_tensor_inputs_check_dtype_and_shape() -> None:
    schema = Schema((TensorSpec("float64", (-1, 2)),))
    assert enforce_schema(np.array([[1, 2]], dtype="int32"), schema).dtype == np.float64
    with pytest.raises(InvalidValue, match="shape"):
        enforce_schema(np.ones((2, 3)), schema)
    with pytest.raises(InvalidValue, match="dtype"):
        enforce_schema(np.array([["a", "b"]]), schema)
