"""Models cross between carnet and the real mlflow client (3.17.2) in both directions."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

import carnet.pyfunc
import carnet.sklearn
from carnet.models import infer_signature

pytestmark = [
    # mlflow's own imports and loaders warn about things outside these tests.
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
    pytest.mark.filterwarnings("ignore::FutureWarning"),
    pytest.mark.filterwarnings("ignore::UserWarning"),
]


@pytest.fixture
def mlflow(monkeypatch: pytest.MonkeyPatch) -> Any:
    # MLflow 3.17 refuses every sklearn deserialization without this opt-in.
    monkeypatch.setenv("MLFLOW_ALLOW_PICKLE_DESERIALIZATION", "true")
    pytest.importorskip("mlflow")
    import mlflow.pyfunc
    import mlflow.sklearn

    return mlflow


def test_mlflow_loads_a_carnet_sklearn_model(tmp_path: Path, iris: Any, classifier: Any, mlflow: Any) -> None:
    X, y = iris
    carnet.sklearn.save_model(
        classifier, tmp_path / "m", signature=infer_signature(X, y), input_example=X.head(2)
    )
    loaded = mlflow.pyfunc.load_model(str(tmp_path / "m"))
    np.testing.assert_array_equal(loaded.predict(X), classifier.predict(X))
    assert loaded.metadata.get_input_schema().input_names() == list(X.columns)
    np.testing.assert_array_equal(
        mlflow.sklearn.load_model(str(tmp_path / "m")).predict(X), classifier.predict(X)
    )


def test_carnet_loads_an_mlflow_sklearn_model(
    tmp_path: Path, iris: Any, classifier: Any, mlflow: Any
) -> None:
    X, _ = iris
    mlflow.sklearn.save_model(classifier, str(tmp_path / "m"), input_example=X.head(2))
    loaded = carnet.pyfunc.load_model(tmp_path / "m")
    np.testing.assert_array_equal(loaded.predict(X), classifier.predict(X))
    np.testing.assert_allclose(loaded.predict_proba(X), classifier.predict_proba(X))
    assert loaded.metadata.signature is not None and loaded.metadata.signature.inputs is not None
    assert loaded.metadata.signature.inputs.names == list(X.columns)
    np.testing.assert_array_equal(carnet.sklearn.load_model(tmp_path / "m").predict(X), classifier.predict(X))


def test_carnet_loads_an_mlflow_pickle_only_with_opt_in(
    tmp_path: Path, iris: Any, classifier: Any, mlflow: Any
) -> None:
    from carnet.exceptions import UntrustedModel

    X, _ = iris
    mlflow.sklearn.save_model(classifier, str(tmp_path / "m"), serialization_format="cloudpickle")
    with pytest.raises(UntrustedModel):
        carnet.pyfunc.load_model(tmp_path / "m")
    loaded = carnet.pyfunc.load_model(tmp_path / "m", allow_pickle=True)
    np.testing.assert_array_equal(loaded.predict(X), classifier.predict(X))


class Doubler(carnet.pyfunc.PythonModel):
    def predict(self, context: Any, model_input: Any, params: Any = None) -> Any:
        return model_input * 2


def test_mlflow_loads_a_carnet_python_model(tmp_path: Path, mlflow: Any) -> None:
    carnet.pyfunc.save_model(tmp_path / "m", Doubler())
    loaded = mlflow.pyfunc.load_model(str(tmp_path / "m"))
    np.testing.assert_array_equal(loaded.predict(np.array([1.0, 2.0])), [2.0, 4.0])


def test_carnet_loads_an_mlflow_python_model_with_artifacts(tmp_path: Path, mlflow: Any) -> None:
    class MlflowTripler(mlflow.pyfunc.PythonModel):  # type: ignore[misc]
        def load_context(self, context: Any) -> None:
            self.factor = float(Path(context.artifacts["factor"]).read_text())

        def predict(self, context: Any, model_input: Any, params: Any = None) -> Any:
            return model_input * self.factor

    (tmp_path / "factor.txt").write_text("3")
    mlflow.pyfunc.save_model(
        str(tmp_path / "m"), python_model=MlflowTripler(), artifacts={"factor": str(tmp_path / "factor.txt")}
    )
    loaded = carnet.pyfunc.load_model(tmp_path / "m", allow_pickle=True)
    np.testing.assert_array_equal(loaded.predict(np.array([1.0, 2.0])), [3.0, 6.0])
