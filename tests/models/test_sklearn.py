"""carnet.sklearn: round trips, the trust rule, and inputs checked at predict time."""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import carnet.pyfunc
import carnet.sklearn
from carnet.exceptions import AlreadyExists, InvalidArgument, InvalidValue, NotFound, UntrustedModel
from carnet.models import Model, infer_signature


def test_round_trip_with_skops_by_default(tmp_path: Path, iris: Any, classifier: Any) -> None:
    X, y = iris
    model = carnet.sklearn.save_model(classifier, tmp_path / "m", signature=infer_signature(X, y))
    assert model.flavors["sklearn"]["serialization_format"] == "skops"
    assert (tmp_path / "m" / "model.skops").is_file()
    for name in ("MLmodel", "requirements.txt", "python_env.yaml", "conda.yaml"):
        assert (tmp_path / "m" / name).is_file()
    assert "scikit-learn==" in (tmp_path / "m" / "requirements.txt").read_text()

    loaded = carnet.sklearn.load_model(tmp_path / "m")
    np.testing.assert_array_equal(loaded.predict(X), classifier.predict(X))

    pyfunc = carnet.pyfunc.load_model(tmp_path / "m")
    np.testing.assert_array_equal(pyfunc.predict(X), classifier.predict(X))
    np.testing.assert_allclose(pyfunc.predict_proba(X), classifier.predict_proba(X))
    assert pyfunc.metadata.signature == infer_signature(X, y)
    assert pyfunc.get_raw_model().__class__ is classifier.__class__


def test_input_example_is_saved_and_gives_the_signature(tmp_path: Path, iris: Any, classifier: Any) -> None:
    from carnet.models.folder import load_input_example

    X, _ = iris
    model = carnet.sklearn.save_model(classifier, tmp_path / "m", input_example=X.head(3))
    assert model.saved_input_example_info == {
        "artifact_path": "input_example.json",
        "serving_input_path": "serving_input_example.json",
        "type": "dataframe",
        "pandas_orient": "split",
    }
    assert model.signature is not None and model.signature.inputs is not None
    assert model.signature.inputs.names == list(X.columns)
    pd.testing.assert_frame_equal(load_input_example(tmp_path / "m", model), X.head(3))


def test_pyfunc_predict_checks_the_signature(tmp_path: Path, iris: Any, classifier: Any) -> None:
    X, y = iris
    carnet.sklearn.save_model(classifier, tmp_path / "m", signature=infer_signature(X, y))
    pyfunc = carnet.pyfunc.load_model(tmp_path / "m")
    with pytest.raises(InvalidValue, match="'petal_width'"):
        pyfunc.predict(X.drop(columns=["petal_width"]))
    with pytest.warns(UserWarning, match="'note'"):
        out = pyfunc.predict(X.assign(note="x"))
    np.testing.assert_array_equal(out, classifier.predict(X))
    with pytest.raises(InvalidValue, match="'sepal_length'"):
        pyfunc.predict(X.assign(sepal_length="long"))
    # Integers widen to the signature's doubles.
    np.testing.assert_array_equal(pyfunc.predict(X.round().astype("int64")), classifier.predict(X.round()))


def test_skops_types_outside_the_default_trust_need_the_caller(tmp_path: Path, iris: Any) -> None:
    from sklearn.tree import DecisionTreeClassifier

    X, y = iris
    tree = DecisionTreeClassifier(random_state=0).fit(X, y)
    # The author's list goes into MLmodel for MLflow; carnet does not trust it on its own.
    carnet.sklearn.save_model(tree, tmp_path / "m", trusted_types=["sklearn.tree._tree.Tree"])
    with pytest.raises(UntrustedModel, match=r"sklearn\.tree\._tree\.Tree"):
        carnet.sklearn.load_model(tmp_path / "m")
    loaded = carnet.sklearn.load_model(tmp_path / "m", trusted_types=["sklearn.tree._tree.Tree"])
    np.testing.assert_array_equal(loaded.predict(X), tree.predict(X))


@pytest.mark.parametrize("serialization_format", ["pickle", "cloudpickle"])
def test_pickles_load_only_when_the_caller_opts_in(
    tmp_path: Path, iris: Any, classifier: Any, serialization_format: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    X, _ = iris
    carnet.sklearn.save_model(classifier, tmp_path / "m", serialization_format=serialization_format)
    assert (tmp_path / "m" / "model.pkl").is_file()
    monkeypatch.delenv("CARNET_ALLOW_PICKLE", raising=False)
    says = (
        r"allow_pickle=True \(--allow-pickle to carnet serve or carnet predict\) "
        r"or set CARNET_ALLOW_PICKLE=1"
    )
    with pytest.raises(UntrustedModel, match=says):
        carnet.sklearn.load_model(tmp_path / "m")
    with pytest.raises(UntrustedModel):
        carnet.pyfunc.load_model(tmp_path / "m")
    loaded = carnet.sklearn.load_model(tmp_path / "m", allow_pickle=True)
    np.testing.assert_array_equal(loaded.predict(X), classifier.predict(X))
    monkeypatch.setenv("CARNET_ALLOW_PICKLE", "1")
    np.testing.assert_array_equal(carnet.pyfunc.load_model(tmp_path / "m").predict(X), classifier.predict(X))
    with pytest.raises(UntrustedModel):
        carnet.sklearn.load_model(tmp_path / "m", allow_pickle=False)


def test_a_pickle_is_never_opened_without_opt_in(tmp_path: Path, classifier: Any) -> None:
    carnet.sklearn.save_model(classifier, tmp_path / "m", serialization_format="pickle")
    # Replace the data with a payload that would run code if unpickled.
    (tmp_path / "m" / "model.pkl").write_bytes(pickle.dumps(_Boom()))
    with pytest.raises(UntrustedModel):
        carnet.sklearn.load_model(tmp_path / "m")


class _Boom:
    def __reduce__(self) -> Any:
        return (pytest.fail, ("the pickle was opened",))


def test_bad_folders_say_what_is_wrong(tmp_path: Path, classifier: Any) -> None:
    with pytest.raises(NotFound, match="no MLmodel file"):
        carnet.pyfunc.load_model(tmp_path)
    (tmp_path / "MLmodel").write_text("flavors: [unclosed\n")
    with pytest.raises(InvalidValue, match="not valid YAML"):
        Model.load(tmp_path)
    (tmp_path / "MLmodel").write_text("flavors: {sklearn: model.pkl}\n")
    with pytest.raises(InvalidValue, match=r"\['sklearn'\] are not mappings"):
        Model.load(tmp_path)
    (tmp_path / "MLmodel").write_text("run_id: abc\n")
    with pytest.raises(InvalidValue, match="no 'flavors'"):
        carnet.pyfunc.load_model(tmp_path)
    carnet.sklearn.save_model(classifier, tmp_path / "m")
    with pytest.raises(AlreadyExists):
        carnet.sklearn.save_model(classifier, tmp_path / "m")
    with pytest.raises(InvalidArgument, match="serialization_format"):
        carnet.sklearn.save_model(classifier, tmp_path / "n", serialization_format="joblib")


def test_unknown_loader_modules_are_refused(tmp_path: Path, classifier: Any) -> None:
    carnet.sklearn.save_model(classifier, tmp_path / "m")
    text = (
        (tmp_path / "m" / "MLmodel").read_text().replace("loader_module: mlflow.sklearn", "loader_module: os")
    )
    (tmp_path / "m" / "MLmodel").write_text(text)
    with pytest.raises(InvalidValue, match="loader_module 'os'"):
        carnet.pyfunc.load_model(tmp_path / "m")
