"""The public surface of ``import carnet``: ``__all__`` lists exactly the public names, and the
import stays light (no database, dataframe or plotting library until they are needed)."""

from __future__ import annotations
import __future__

import json
import subprocess
import sys
import types

import carnet


def _public_names() -> set[str]:
    """Names ``carnet/__init__.py`` defines or imports for its users: not private, not submodules,
    not the ``from __future__ import annotations`` feature."""
    return {
        name
        for name, value in vars(carnet).items()
        if not name.startswith("_")
        and not isinstance(value, types.ModuleType)
        and value is not __future__.annotations
    } | {"__version__"}


def test_all_is_exactly_the_public_names() -> None:
    assert len(carnet.__all__) == len(set(carnet.__all__)), "duplicates in __all__"
    assert set(carnet.__all__) == _public_names()
    for name in carnet.__all__:
        assert getattr(carnet, name) is not None, name


def test_star_import_gives_the_public_names() -> None:
    namespace: dict[str, object] = {}
    exec("from carnet import *", namespace)
    assert set(namespace) - {"__builtins__"} == set(carnet.__all__)


def test_both_api_styles_are_exported() -> None:
    for name in (
        "Workspace",
        "Experiment",
        "Run",
        "Client",
        "Metric",
        "Param",
        "RunTag",
        "RunStatus",
        "ViewType",
    ):
        assert isinstance(getattr(carnet, name), type), name
    for name in (
        "set_tracking_uri",
        "set_experiment",
        "start_run",
        "end_run",
        "log_metric",
        "log_param",
        "log_artifact",
        "log_table",
        "search_runs",
        "get_run",
    ):
        assert callable(getattr(carnet, name)), name
    assert issubclass(carnet.CarnetError, Exception)
    assert isinstance(carnet.__version__, str) and carnet.__version__


def test_import_carnet_is_light() -> None:
    code = (
        "import sys, json, carnet\n"
        "heavy = ['sqlalchemy', 'pandas', 'matplotlib', 'alembic', 'sklearn']\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in heavy)))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert json.loads(done.stdout) == []
