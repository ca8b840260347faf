"""A small Ridge sweep on scikit-learn's diabetes data, logged with carnet, then ranked.

Run it with ./scripts/start (or `python examples/sweep.py` in an environment with carnet and
scikit-learn). Runs land in ./.carnet; list them again with `carnet runs list -e ridge-sweep`.
"""

from __future__ import annotations

import numpy as np
from rich.console import Console
from rich.table import Table
from sklearn.datasets import load_diabetes
from sklearn.linear_model import Ridge
from sklearn.metrics import mean_squared_error, r2_score
from sklearn.model_selection import train_test_split

import carnet

ALPHAS = [0.001, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0]


def main() -> None:
    X, y = load_diabetes(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, random_state=0)

    workspace = carnet.Workspace()
    experiment = carnet.Experiment(workspace, "ridge-sweep")
    with experiment.start_logging(display_name=f"sweep-{len(ALPHAS)}-alphas") as sweep:
        for alpha in ALPHAS:
            with sweep.child_run(f"alpha={alpha}") as run:
                model = Ridge(alpha=alpha).fit(X_train, y_train)
                predicted = model.predict(X_test)
                run.log_param("alpha", alpha)
                run.log("rmse", float(np.sqrt(mean_squared_error(y_test, predicted))))
                run.log("r2", float(r2_score(y_test, predicted)))
                run.log_list("coefficients", model.coef_.tolist())
                for name, coef in zip(load_diabetes().feature_names, model.coef_, strict=True):
                    run.log_row("coefficient_table", feature=name, coef=float(coef))
                sweep.log("rmse_by_alpha", float(np.sqrt(mean_squared_error(y_test, predicted))))

    ranked = carnet.Client().search_runs(
        [experiment.id],
        filter_string=f"attributes.parent_run_id = '{sweep.id}'",
        order_by=["metrics.rmse ASC"],
    )
    table = Table(
        title=f"ridge-sweep: {len(ranked)} runs ranked by rmse (workspace {workspace.tracking_uri})"
    )
    for column in ("rank", "run", "alpha", "rmse", "r2"):
        table.add_column(column, justify="right" if column != "run" else "left")
    for rank, run in enumerate(ranked, start=1):
        table.add_row(
            str(rank),
            run.info.run_name,
            run.data.params["alpha"],
            f"{run.data.metrics['rmse']:.3f}",
            f"{run.data.metrics['r2']:.3f}",
        )
    console = Console()
    console.print(table)
    console.print(f"best: [bold]{ranked[0].info.run_name}[/] (run {ranked[0].info.run_id})")
    console.print("next: [cyan]carnet runs list -e ridge-sweep[/] or [cyan]carnet runs show <run id>[/]")


if __name__ == "__main__":
    main()
