"""End to end: a Ridge alpha sweep on the diabetes data, logged once in Azure ML style and once in
MLflow style, then the best run found with ``search_runs`` in each; over SQLite and PostgreSQL."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

import carnet
import carnet as mlflow

ALPHAS = [0.001, 0.01, 0.1, 0.5, 1.0, 5.0]


def _split() -> tuple[Any, Any, Any, Any, list[str]]:
    from sklearn.datasets import load_diabetes
    from sklearn.model_selection import train_test_split

    data = load_diabetes()
    x_train, x_test, y_train, y_test = train_test_split(
        data.data, data.target, test_size=0.25, random_state=0
    )
    return x_train, x_test, y_train, y_test, list(data.feature_names)


def _fit(alpha: float, split: tuple[Any, Any, Any, Any, list[str]]) -> tuple[float, np.ndarray, np.ndarray]:
    """RMSE on the test set, the coefficients and the test residuals of Ridge(alpha)."""
    from sklearn.linear_model import Ridge

    x_train, x_test, y_train, y_test, _ = split
    model = Ridge(alpha=alpha).fit(x_train, y_train)
    residuals = y_test - model.predict(x_test)
    return float(np.sqrt(np.mean(residuals**2))), model.coef_, residuals


@pytest.fixture(scope="module")
def sweep() -> dict[float, tuple[float, np.ndarray, np.ndarray]]:
    split = _split()
    return {alpha: _fit(alpha, split) for alpha in ALPHAS}


def _residual_plot(residuals: np.ndarray, alpha: float) -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(3, 2), dpi=50)
    ax.scatter(range(len(residuals)), residuals, s=4)
    ax.axhline(0.0, color="black", linewidth=0.5)
    ax.set_title(f"residuals, alpha={alpha}")
    return fig


def test_ridge_sweep_in_both_styles_finds_the_best_alpha(
    store_uri: str, sweep: dict[float, tuple[float, np.ndarray, np.ndarray]]
) -> None:
    import matplotlib.pyplot as plt

    features = _split()[4]
    truth = {alpha: rmse for alpha, (rmse, _, _) in sweep.items()}
    best_alpha = min(truth, key=truth.__getitem__)
    runner_up = sorted(truth.values())[1]
    assert runner_up - truth[best_alpha] > 1e-9, "the sweep needs a unique best alpha"

    # Azure ML style.
    ws = carnet.Workspace(store_uri)
    azure = carnet.Experiment(ws, "diabetes-ridge-azure")
    for alpha, (rmse, coef, residuals) in sweep.items():
        with azure.start_logging(display_name=f"alpha={alpha}") as run:
            run.log_param("alpha", alpha)
            run.tag("model", "ridge")
            run.log("rmse", rmse)
            run.log_row("coefficients", **dict(zip(features, coef.tolist(), strict=True)))
            fig = _residual_plot(residuals, alpha)
            run.log_image("residuals", plot=fig)
            plt.close(fig)

    # MLflow style, into a second experiment.
    mlflow.set_tracking_uri(store_uri)
    mlflow.set_experiment("diabetes-ridge-mlflow")
    for alpha, (rmse, _, _) in sweep.items():
        with mlflow.start_run(run_name=f"alpha={alpha}"):
            mlflow.log_param("alpha", alpha)
            mlflow.log_metric("rmse", rmse)

    best_azure = mlflow.search_runs(
        experiment_names=["diabetes-ridge-azure"], order_by=["metrics.rmse ASC"], max_results=1
    )
    best_mlflow = mlflow.search_runs(order_by=["metrics.rmse ASC"], max_results=1)
    assert len(best_azure) == 1 and len(best_mlflow) == 1
    picked_azure = float(best_azure["params.alpha"].iloc[0])
    picked_mlflow = float(best_mlflow["params.alpha"].iloc[0])
    assert picked_azure == best_alpha
    assert picked_mlflow == best_alpha
    assert picked_azure == picked_mlflow
    assert math.isclose(best_azure["metrics.rmse"].iloc[0], truth[best_alpha], rel_tol=1e-12)
    assert math.isclose(best_mlflow["metrics.rmse"].iloc[0], truth[best_alpha], rel_tol=1e-12)
    assert best_azure["tags.mlflow.runName"].iloc[0] == f"alpha={best_alpha}"

    # The whole ranking agrees with the independent computation, in both experiments.
    ranking = [a for a, _ in sorted(truth.items(), key=lambda item: item[1])]
    for frame in (
        mlflow.search_runs(experiment_names=["diabetes-ridge-azure"], order_by=["metrics.rmse ASC"]),
        mlflow.search_runs(order_by=["metrics.rmse ASC"]),
    ):
        assert [float(a) for a in frame["params.alpha"]] == ranking
        assert set(frame["status"]) == {"FINISHED"}

    # The Azure-style run keeps everything it logged.
    best_run = ws.get_run(best_azure["run_id"].iloc[0])
    metrics = best_run.get_metrics()
    assert metrics["rmse"] == truth[best_alpha]
    assert list(metrics["coefficients"]) == features
    assert np.allclose([v[0] for v in metrics["coefficients"].values()], sweep[best_alpha][1])
    assert metrics["residuals"] == "images/residuals/00000.png"
    assert best_run.get_file_names() == ["images/residuals/00000.png"]
    assert best_run.get_details()["tags"] == {"model": "ridge"}
    assert len(list(azure.get_runs())) == len(ALPHAS)
