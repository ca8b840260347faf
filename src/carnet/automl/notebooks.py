"""The notebooks logged with an AutoML run (nbformat), next to a copy of the data they read.

* ``exploration.ipynb``: column profiles, the target's distribution, correlations and missing
  values, with plots;
* ``best_model.ipynb``: rebuilds the best pipeline (or every member of the ensemble) from its
  framework and hyperparameters, retrains it on the same validation splits and prints the score
  beside the one the search recorded.

Both read ``data.parquet`` from their own folder, so the folder (the run's ``notebooks/`` files)
runs anywhere carnet is installed.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

from carnet.automl.metrics import FORECASTING
from carnet.automl.model import EnsembleModel
from carnet.automl.result import AutoMLResult
from carnet.automl.validation import Problem
from carnet.automl.worker import Context

DATA_FILE = "data.parquet"
FOLDER = "notebooks"


def _notebook(cells: list[tuple[str, str]]) -> Any:
    import nbformat

    book = nbformat.v4.new_notebook()
    book.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    for kind, source in cells:
        cell = nbformat.v4.new_markdown_cell(source) if kind == "md" else nbformat.v4.new_code_cell(source)
        book.cells.append(cell)
    return book


def exploration_notebook(problem: Problem) -> Any:
    target = problem.target
    cells = [
        (
            "md",
            f"# Data exploration\n\nThe data of an AutoML {problem.task} search; the target is `{target}`.",
        ),
        (
            "code",
            "import matplotlib\nmatplotlib.use('Agg')\n"
            "import matplotlib.pyplot as plt\nimport pandas as pd\n\n"
            f"data = pd.read_parquet({DATA_FILE!r})\ntarget = {target!r}\ndata.shape",
        ),
        ("md", "## Column profiles"),
        (
            "code",
            "profile = pd.DataFrame({\n"
            "    'dtype': data.dtypes.astype(str),\n"
            "    'missing': data.isna().sum(),\n"
            "    'missing_share': data.isna().mean().round(3),\n"
            "    'distinct': data.nunique(),\n"
            "})\nprofile",
        ),
        ("code", "data.describe(include='all').T"),
        ("md", "## The target"),
        (
            "code",
            "figure, axes = plt.subplots(figsize=(6, 3))\n"
            "if pd.api.types.is_numeric_dtype(data[target]) and data[target].nunique() > 20:\n"
            "    data[target].plot.hist(bins=40, ax=axes)\n"
            "else:\n"
            "    data[target].astype(str).value_counts().plot.bar(ax=axes)\n"
            "axes.set_title(f'Distribution of {target}')\nplt.show()",
        ),
        ("md", "## Correlations between numeric columns"),
        (
            "code",
            "numeric = data.select_dtypes('number')\n"
            "correlations = numeric.corr()\n"
            "if len(correlations) > 1:\n"
            "    figure, axes = plt.subplots(figsize=(7, 6))\n"
            "    image = axes.imshow(correlations, cmap='coolwarm', vmin=-1, vmax=1)\n"
            "    axes.set_xticks(range(len(correlations)), correlations.columns, rotation=90, fontsize=6)\n"
            "    axes.set_yticks(range(len(correlations)), correlations.columns, fontsize=6)\n"
            "    figure.colorbar(image)\n"
            "    plt.show()\n"
            "if target in correlations:\n"
            "    print(correlations[target].drop(target).sort_values(key=abs, ascending=False).head(10))",
        ),
        ("md", "## Missing values"),
        (
            "code",
            "missing = data.isna().mean()\nmissing = missing[missing > 0].sort_values(ascending=False)\n"
            "if missing.empty:\n    print('no missing values')\nelse:\n"
            "    missing.plot.bar(title='share of missing values')\n    plt.show()",
        ),
    ]
    return _notebook(cells)


def _tabular_members(model: Any) -> list[dict[str, Any]]:
    if isinstance(model, EnsembleModel):
        return [
            {"framework": m.framework, "params": m.params, "weight": w}
            for m, w in zip(model.members, model.weights, strict=True)
        ]
    return [{"framework": model.framework, "params": model.params, "weight": 1.0}]


def best_model_notebook(result: AutoMLResult, problem: Problem) -> Any:
    metric = result.metric
    intro = (
        f"# The best model\n\nRebuilds the best {problem.task} model of AutoML run `{result.run.id}`, "
        f"retrains it on the same validation splits ({result.validation}) and reproduces its "
        f"{metric}: **{result.best_score:.6g}** recorded by the search."
    )
    setup = (
        "import json\nimport numpy as np\nimport pandas as pd\n\n"
        f"data = pd.read_parquet({DATA_FILE!r})\ntarget = {problem.target!r}\nseed = {problem.seed}\n"
        f"recorded_score = {result.best_score!r}"
    )
    if problem.task == FORECASTING:
        model = result.best_model
        body = (
            "from carnet.automl.forecasting import backtest_splits, make_forecaster, season_length\n"
            "from carnet.automl.metrics import all_scores\n\n"
            f"framework = {model.framework!r}\nparams = json.loads({json.dumps(json.dumps(model.params))})\n"
            f"horizon = {problem.horizon}\nfreq = {problem.freq!r}\n"
            f"times = pd.DatetimeIndex(pd.to_datetime(data[{problem.time_column!r}]), freq=freq)\n"
            "y = data[target].to_numpy(float)\nm = season_length(freq)\n"
            "windows = []\n"
            "for train, valid in backtest_splits(len(y), horizon):\n"
            "    forecaster = make_forecaster(framework, params, m, seed).fit(y[train], times[train])\n"
            "    predicted = forecaster.forecast(len(valid))\n"
            "    scores = all_scores('forecasting', y[valid], predicted, history=y[train], season_length=m)\n"
            "    windows.append(scores)\n"
            f"score = float(np.mean([w[{metric!r}] for w in windows]))"
        )
    else:
        members = _tabular_members(result.best_model)
        body = (
            "from carnet.automl.featurize import column_kinds\n"
            "from carnet.automl.metrics import METRICS\n"
            "from carnet.automl.model import TabularModel\n"
            "from carnet.automl.splits import tabular_splits\n\n"
            f"task = {problem.task!r}\n"
            "# Each member: framework, hyperparameters and weight (one member unless an ensemble won).\n"
            f"members = json.loads({json.dumps(json.dumps(members, default=str))})\n"
            "X = data.drop(columns=[target])\nX.columns = [str(c) for c in X.columns]\n"
            "if task == 'classification':\n"
            "    classes, y = np.unique(data[target].to_numpy(), return_inverse=True)\n"
            "else:\n"
            "    classes, y = None, data[target].to_numpy(float)\n"
            "kinds = column_kinds(X)\nsplits, _ = tabular_splits(task, y, seed)\n"
            "blend = None\n"
            "for member in members:\n"
            "    shape = (len(y), len(classes)) if classes is not None else len(y)\n"
            "    predicted = np.full(shape, np.nan)\n"
            "    for fold, (train, valid) in enumerate(splits):\n"
            "        model = TabularModel(\n"
            "            member['framework'], member['params'], task, kinds, classes, seed + fold\n"
            "        )\n"
            "        model.fit(X.iloc[train], y[train])\n"
            "        predicted[valid] = model.predict_raw(X.iloc[valid])\n"
            "    weighted = member['weight'] * predicted\n"
            "    blend = weighted if blend is None else blend + weighted\n"
            f"spec = METRICS[task][{metric!r}]\n"
            "covered = ~np.isnan(blend if blend.ndim == 1 else blend[:, 0])\n"
            "if task == 'classification':\n"
            "    score = spec.score(y[covered], blend[covered], np.arange(len(classes)))\n"
            "else:\n"
            "    score = spec.score(y[covered], blend[covered])"
        )
    check = (
        f"print(f'{metric}: retrained {{score:.6g}}, recorded {{recorded_score:.6g}}')\n"
        "assert abs(score - recorded_score) <= 1e-6 * max(1.0, abs(recorded_score)), 'the score differs'"
    )
    cells = [
        ("md", intro),
        ("code", setup),
        ("md", "## Rebuild and retrain on the validation splits"),
        ("code", body),
        ("md", "## The score"),
        ("code", check),
    ]
    return _notebook(cells)


def write_notebooks(folder: Path, result: AutoMLResult, problem: Problem) -> list[Path]:
    """Write ``data.parquet`` and both notebooks into ``folder``; return the notebooks' paths."""
    import nbformat

    data = problem.X.copy()
    data[problem.target] = problem.classes[problem.y] if problem.classes is not None else problem.y
    data.to_parquet(folder / DATA_FILE, index=False)
    paths = []
    for name, book in (
        ("exploration.ipynb", exploration_notebook(problem)),
        ("best_model.ipynb", best_model_notebook(result, problem)),
    ):
        path = folder / name
        nbformat.write(book, path)
        paths.append(path)
    return paths


def log_notebooks(result: AutoMLResult, problem: Problem, context: Context) -> None:
    """Write the notebooks and log them (with the data) under ``notebooks/`` in the AutoML run."""
    with tempfile.TemporaryDirectory(prefix="carnet-automl-") as tmp:
        folder = Path(tmp)
        write_notebooks(folder, result, problem)
        result.run.upload_folder(FOLDER, folder)
