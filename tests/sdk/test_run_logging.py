"""Azure ML style logging on a ``Run``: metrics of every kind, params, tags, and bad input.

Every refused call must raise a specific carnet exception whose message names the field, and must
leave nothing half-written: each bad-input test reads the run back afterwards.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import carnet
from carnet.exceptions import (
    CarnetError,
    InvalidArgument,
    InvalidName,
    InvalidValue,
    LimitExceeded,
    ParamConflict,
    RunNotActive,
)


def _nothing_logged(run: carnet.Run) -> None:
    """The run holds no metrics, params, tags, files or children."""
    details = run.get_details()
    assert run.get_metrics() == {}
    assert details["params"] == {}
    assert details["tags"] == {}
    assert run.get_file_names() == []
    assert run.get_children() == []


def _history(run: carnet.Run, key: str) -> list[tuple[int, float]]:
    """The stored points (read with a separate client, after a flush)."""
    run.flush()
    return [
        (m.step, m.value) for m in carnet.Client(run.workspace.tracking_uri).get_metric_history(run.id, key)
    ]


# -- experiments ----------------------------------------------------------------------------------


def test_experiment_is_get_or_create(store_ws: carnet.Workspace) -> None:
    ws = store_ws
    first = carnet.Experiment(ws, "ridge")
    again = carnet.Experiment(ws, "ridge")
    other = carnet.Experiment(ws, "lasso")
    assert first.id == again.id != other.id
    assert first.name == "ridge"
    assert first.info.name == "ridge"
    assert set(ws.experiments) == {"Default", "ridge", "lasso"}
    assert ws.experiments["ridge"].id == first.id
    assert repr(first) == f"Experiment(name='ridge', id={first.id!r})"


# -- numeric metrics ------------------------------------------------------------------------------


def test_log_once_is_a_scalar(run: carnet.Run) -> None:
    run.log("acc", 0.9)
    assert run.get_metrics() == {"acc": 0.9}
    assert run.get_metrics("acc") == {"acc": 0.9}


def test_log_repeatedly_is_a_list_in_logging_order(store_run: carnet.Run) -> None:
    run = store_run
    values = [0.9, 0.5, 0.7, 0.1]
    for value in values:
        run.log("loss", value)
    assert run.get_metrics() == {"loss": values}
    assert _history(run, "loss") == list(enumerate(values))


def test_log_with_explicit_step_then_default_continues(store_run: carnet.Run) -> None:
    run = store_run
    run.log("s", 1.0, step=10)
    run.log("s", 2.0)  # next step: 11
    run.log("s", 3.0, step=5)
    assert _history(run, "s") == [(5, 3.0), (10, 1.0), (11, 2.0)]
    assert run.get_metrics("s") == {"s": [3.0, 1.0, 2.0]}  # in step order


def test_log_accepts_ints_bools_numpy_nan_and_inf(store_run: carnet.Run) -> None:
    run = store_run
    run.log("int", 3)
    run.log("bool", True)
    run.log("np32", np.float32(0.5))
    run.log("np64", np.int64(7))
    run.log("nan", float("nan"))
    run.log("inf", float("-inf"))
    run.log("npbool", np.bool_(True))
    metrics = run.get_metrics()
    assert metrics["int"] == 3.0 and type(metrics["int"]) is float
    assert metrics["bool"] == 1.0
    assert metrics["np32"] == 0.5
    assert metrics["np64"] == 7.0
    assert math.isnan(metrics["nan"])
    assert metrics["inf"] == float("-inf")
    assert metrics["npbool"] == 1.0


def test_log_list(run: carnet.Run) -> None:
    run.log_list("l", [1, 2, 3.5])
    run.log_list("empty-ish", np.array([0.25]))
    assert run.get_metrics() == {"l": [1.0, 2.0, 3.5], "empty-ish": [0.25]}
    assert all(type(v) is float for v in run.get_metrics("l")["l"])


def test_log_list_rejects_non_lists_and_non_numbers(run: carnet.Run) -> None:
    with pytest.raises(InvalidValue, match="l: log_list expects a list") as info:
        run.log_list("l", "123")
    assert info.value.field == "l"
    with pytest.raises(InvalidValue, match="expected a number") as info:
        run.log_list("l", [1, "two", 3])
    assert info.value.field == "l"
    _nothing_logged(run)


# -- rows and tables ------------------------------------------------------------------------------


def test_log_row_columns_fill_with_none(store_run: carnet.Run) -> None:
    run = store_run
    run.log_row("rows", a=1, b="x")
    run.log_row("rows", a=2)
    run.log_row("rows", c=True, a=3)
    assert run.get_metrics() == {
        "rows": {"a": [1, 2, 3], "b": ["x", None, None], "c": [None, None, True]},
    }
    assert [type(v) for v in run.get_metrics("rows")["rows"]["a"]] == [int, int, int]


def test_log_row_accepts_numpy_scalars(run: carnet.Run) -> None:
    run.log_row("np", f=np.float64(1.5), i=np.int64(3), b=np.bool_(True), s=np.str_("x"))
    assert run.get_metrics() == {"np": {"f": [1.5], "i": [3], "b": [True], "s": ["x"]}}
    cells = run.get_metrics("np")["np"]
    assert [type(cells[c][0]) for c in ("f", "i", "b")] == [float, int, bool]


def test_log_row_needs_a_column(run: carnet.Run) -> None:
    with pytest.raises(InvalidValue, match="rows: log_row needs at least one column") as info:
        run.log_row("rows")
    assert info.value.field == "rows"
    _nothing_logged(run)


def test_log_table_from_dict_and_dataframe(store_run: carnet.Run) -> None:
    run = store_run
    import pandas as pd

    run.log_table("t", {"c": [1, 2], "d": ["p", "q"]})
    frame = pd.DataFrame({"x": [1, 2, 3], "y": [0.5, 1.5, 2.5], "z": ["a", "b", "c"]})
    run.log_table("frame", frame)
    run.log_table("t", {"c": [3], "e": [None]})  # a second call appends rows
    assert run.get_metrics() == {
        "t": {"c": [1, 2, 3], "d": ["p", "q", None], "e": [None, None, None]},
        "frame": {"x": [1, 2, 3], "y": [0.5, 1.5, 2.5], "z": ["a", "b", "c"]},
    }


def test_log_table_rejects_ragged_columns(run: carnet.Run) -> None:
    with pytest.raises(InvalidValue) as info:
        run.log_table("t", {"a": [1, 2, 3], "b": [1, 2]})
    assert info.value.field == "t"
    assert "t: columns must have equal lengths" in str(info.value)
    assert "a=3" in str(info.value) and "b=2" in str(info.value)
    _nothing_logged(run)


def test_log_table_rejects_bad_cells_and_non_tables(run: carnet.Run) -> None:
    with pytest.raises(InvalidValue, match=r"t\.a: cells must be numbers") as info:
        run.log_table("t", {"a": [1, [2]]})
    assert info.value.field == "t.a"
    with pytest.raises(InvalidValue, match="value: log_table expects a dict") as info:
        run.log_table("t", [[1, 2]])
    assert info.value.field == "value"
    _nothing_logged(run)


def test_too_many_row_columns(run: carnet.Run) -> None:
    with pytest.raises(LimitExceeded) as info:
        run.log_row("wide", **{f"c{i}": i for i in range(101)})
    assert info.value.field == "wide"
    assert "101 columns; the limit is 100" in str(info.value)
    with pytest.raises(LimitExceeded) as info:
        run.log_table("wide", {f"c{i}": [i] for i in range(101)})
    assert info.value.field == "wide"
    _nothing_logged(run)
    run.log_row("wide", **{f"c{i}": i for i in range(100)})  # the limit itself is fine
    assert len(run.get_metrics("wide")["wide"]) == 100


# -- images ---------------------------------------------------------------------------------------


def test_log_image_png_jpeg_and_figure(run: carnet.Run, png_file: Path, jpeg_file: Path, figure: Any) -> None:
    run.log_image("img", path=png_file)
    run.log_image("photo", path=str(jpeg_file))
    run.log_image("plot", plot=figure)
    run.log_image("plot", plot=figure)
    assert run.get_metrics() == {
        "img": "images/img/00000.png",
        "photo": "images/photo/00000.jpg",
        "plot": ["images/plot/00000.png", "images/plot/00001.png"],
    }
    assert run.get_file_names() == [
        "images/img/00000.png",
        "images/photo/00000.jpg",
        "images/plot/00000.png",
        "images/plot/00001.png",
    ]
    copy = run.download_file("images/img/00000.png", Path("copy.png"))
    assert copy.read_bytes() == png_file.read_bytes()
    assert run.download_file("images/plot/00001.png").read_bytes().startswith(b"\x89PNG\r\n\x1a\n")


def test_log_image_needs_exactly_one_source(run: carnet.Run, png_file: Path, figure: Any) -> None:
    with pytest.raises(InvalidArgument, match="img: log_image needs exactly one of path=") as info:
        run.log_image("img", path=png_file, plot=figure)
    assert type(info.value) is InvalidArgument and info.value.field == "path"
    with pytest.raises(InvalidArgument, match="exactly one of path=") as info:
        run.log_image("img")
    assert type(info.value) is InvalidArgument and info.value.field == "path"
    _nothing_logged(run)


def test_log_image_refuses_a_non_image_file(run: carnet.Run, text_file: Path) -> None:
    with pytest.raises(InvalidValue, match="path: only PNG and JPEG images can be logged") as info:
        run.log_image("img", path=text_file)
    assert info.value.field == "path"
    with pytest.raises(InvalidValue, match="plot: expected a matplotlib Figure") as info:
        run.log_image("img", plot="not a figure")
    assert info.value.field == "plot"
    _nothing_logged(run)


def test_log_image_with_a_bad_step_writes_nothing(run: carnet.Run, png_file: Path) -> None:
    with pytest.raises(InvalidValue, match="step: expected an integer") as info:
        run.log_image("img", path=png_file, step=1.5)
    assert info.value.field == "step"
    _nothing_logged(run)
    run.log_image("img", path=png_file, step=3)
    assert run.get_metrics() == {"img": "images/img/00000.png"}


# -- params and tags ------------------------------------------------------------------------------


def test_log_param_is_immutable(store_run: carnet.Run) -> None:
    run = store_run
    run.log_param("alpha", 0.1)
    run.log_param("alpha", 0.1)  # the same value again is fine
    run.log_params({"solver": "auto", "max_iter": 100})
    with pytest.raises(ParamConflict) as info:
        run.log_param("alpha", 0.2)
    assert info.value.field == "params.alpha"
    assert "'alpha'" in str(info.value) and "'0.1'" in str(info.value) and "'0.2'" in str(info.value)
    assert run.get_details()["params"] == {"alpha": "0.1", "solver": "auto", "max_iter": "100"}


def test_param_conflict_on_a_run_attached_in_a_fresh_workspace(store_uri: str, store_run: carnet.Run) -> None:
    run = store_run
    run.log_param("alpha", 0.1)
    run.flush()
    attached = carnet.Workspace(store_uri).get_run(run.id)
    attached.log_param("alpha", 0.1)
    with pytest.raises(ParamConflict, match="'alpha'") as info:
        attached.log_param("alpha", "0.2")
    assert info.value.field == "params.alpha"
    attached.log_param("beta", 1)
    attached.flush()
    assert run.get_details()["params"] == {"alpha": "0.1", "beta": "1"}


def test_param_value_limit(run: carnet.Run) -> None:
    with pytest.raises(LimitExceeded, match=r"params\.p: value is 6001 characters long") as info:
        run.log_param("p", "x" * 6001)
    assert info.value.field == "params.p"
    run.log_param("q", "x" * 6000)
    assert len(run.get_details()["params"]["q"]) == 6000


def test_tag_value_defaults_to_empty_and_set_tags(run: carnet.Run) -> None:
    run.tag("label")
    run.tag("n", 3)
    run.set_tags({"team": "vision", "n": 4})  # a tag can change
    run.set_tag("mlflow-name", "v")
    assert run.get_tags() == {"label": "", "n": "4", "team": "vision", "mlflow-name": "v"}
    assert run.get_details()["tags"] == run.get_tags()


def test_tag_value_limit(run: carnet.Run) -> None:
    with pytest.raises(LimitExceeded, match=r"tags\.t: value is 8001 characters long") as info:
        run.tag("t", "x" * 8001)
    assert info.value.field == "tags.t"
    _nothing_logged(run)


# -- get_metrics shapes ---------------------------------------------------------------------------


def test_get_metrics_exact_shapes(store_run: carnet.Run, png_file: Path) -> None:
    run = store_run
    run.log("acc", 0.9)
    for value in (0.5, 0.25, 0.125):
        run.log("loss", value)
    run.log_list("l", [1, 2])
    run.log_row("rows", a=1, b="x")
    run.log_row("rows", a=2)
    run.log_table("t", {"c": [1, 2], "d": ["p", "q"]})
    run.log_image("img", path=png_file)
    expected = {
        "acc": 0.9,
        "loss": [0.5, 0.25, 0.125],
        "l": [1.0, 2.0],
        "rows": {"a": [1, 2], "b": ["x", None]},
        "t": {"c": [1, 2], "d": ["p", "q"]},
        "img": "images/img/00000.png",
    }
    assert run.get_metrics() == expected
    assert list(run.get_metrics()) == list(expected)  # in the order first logged
    for name, value in expected.items():
        assert run.get_metrics(name) == {name: value}
    assert run.get_metrics("missing") == {}


def test_get_metrics_recursive_adds_children_by_id(run: carnet.Run) -> None:
    run.log("acc", 0.9)
    child = run.child_run("fold-1")
    child.log("acc", 0.8)
    grandchild = child.child_run("inner")
    grandchild.log("acc", 0.7)
    grandchild.log("loss", 0.1)
    grandchild.complete()
    child.complete()
    assert run.get_metrics(recursive=True) == {
        "acc": 0.9,
        child.id: {"acc": 0.8},
        grandchild.id: {"acc": 0.7, "loss": 0.1},
    }
    assert run.get_metrics("loss", recursive=True) == {child.id: {}, grandchild.id: {"loss": 0.1}}
    assert run.get_metrics() == {"acc": 0.9}


def test_both_metric_kinds_read_back_on_a_fresh_attach(store_uri: str, store_run: carnet.Run) -> None:
    run = store_run
    run.log("m", 1.0)
    run.log_row("r", a=1)
    run.flush()
    attached = carnet.Workspace(store_uri).get_run(run.id)
    attached.log("m", 2.0)  # continues the stored series at the next step
    attached.log_row("r", a=2)
    assert attached.get_metrics() == {"m": [1.0, 2.0], "r": {"a": [1, 2]}}
    assert _history(run, "m") == [(0, 1.0), (1, 2.0)]


# -- bad input: names -----------------------------------------------------------------------------

BAD_NAMES = [
    pytest.param("", InvalidName, id="empty"),
    pytest.param("a" * 300, LimitExceeded, id="overlong"),
    pytest.param("../x", InvalidName, id="dotdot"),
    pytest.param("/abs", InvalidName, id="absolute"),
]


def _op_metric(run: carnet.Run, name: str, png: Path) -> None:
    run.log(name, 1.0)


def _op_log_list(run: carnet.Run, name: str, png: Path) -> None:
    run.log_list(name, [1.0])


def _op_row_name(run: carnet.Run, name: str, png: Path) -> None:
    run.log_row(name, a=1)


def _op_row_column(run: carnet.Run, name: str, png: Path) -> None:
    run.log_row("rows", **{name: 1})


def _op_table_name(run: carnet.Run, name: str, png: Path) -> None:
    run.log_table(name, {"a": [1]})


def _op_table_column(run: carnet.Run, name: str, png: Path) -> None:
    run.log_table("tbl", {"ok": [1], name: [2]})


def _op_image_name(run: carnet.Run, name: str, png: Path) -> None:
    run.log_image(name, path=png)


def _op_param(run: carnet.Run, name: str, png: Path) -> None:
    run.log_param(name, 1)


def _op_tag(run: carnet.Run, name: str, png: Path) -> None:
    run.tag(name, "v")


def _op_child_name(run: carnet.Run, name: str, png: Path) -> None:
    run.child_run(name)


def _op_upload_file(run: carnet.Run, name: str, png: Path) -> None:
    run.upload_file(name, png)


def _op_upload_stream(run: carnet.Run, name: str, png: Path) -> None:
    with open(png, "rb") as stream:
        run.upload_file(name, stream)


def _op_upload_folder(run: carnet.Run, name: str, png: Path) -> None:
    run.upload_folder(name, png.parent)


RUN_OPS: list[Any] = [
    pytest.param(_op_metric, "name", id="metric"),
    pytest.param(_op_log_list, "name", id="log_list"),
    pytest.param(_op_row_name, "name", id="row"),
    pytest.param(_op_row_column, "rows column", id="row-column"),
    pytest.param(_op_table_name, "name", id="table"),
    pytest.param(_op_table_column, "tbl column", id="table-column"),
    pytest.param(_op_image_name, "name", id="image"),
    pytest.param(_op_param, "param", id="param"),
    pytest.param(_op_tag, "tag", id="tag"),
    pytest.param(_op_child_name, "run_name", id="child-run"),
    pytest.param(_op_upload_file, "name", id="upload-file"),
    pytest.param(_op_upload_stream, "name", id="upload-stream"),
    pytest.param(_op_upload_folder, "name", id="upload-folder"),
]


@pytest.mark.parametrize(("op", "field"), RUN_OPS)
def test_bad_names_on_a_run_write_nothing(
    run: carnet.Run, png_file: Path, op: Callable[[carnet.Run, str, Path], None], field: str
) -> None:
    for param in BAD_NAMES:
        bad, error = param.values
        with pytest.raises(error) as info:  # type: ignore[call-overload]
            op(run, bad, png_file)
        assert type(info.value) is error, param.id
        assert info.value.field == field, param.id
        assert str(info.value).startswith(f"{field}: "), param.id
        _nothing_logged(run)
    assert run.get_status() == "Running"


@pytest.mark.parametrize(("bad", "error"), BAD_NAMES)
def test_bad_experiment_and_run_names(
    ws: carnet.Workspace, exp: carnet.Experiment, bad: str, error: type[CarnetError]
) -> None:
    with pytest.raises(error) as info:
        carnet.Experiment(ws, bad)
    assert type(info.value) is error and info.value.field == "name"
    assert str(info.value).startswith("name: ")
    with pytest.raises(error) as info:
        exp.start_logging(display_name=bad)
    assert type(info.value) is error and info.value.field == "run_name"
    assert str(info.value).startswith("run_name: ")
    assert set(ws.experiments) == {"Default", "sdk-tests"}
    assert list(exp.get_runs(include_children=True)) == []


def test_names_at_the_limits_are_accepted(ws: carnet.Workspace, run: carnet.Run) -> None:
    carnet.Experiment(ws, "e" * 256)
    run.log("m" * 250, 1.0)
    run.log_param("p" * 250, 1)
    run.tag("val/loss: a-b_c.d", "ok")  # slashes group, the other punctuation is allowed
    assert run.get_metrics() == {"m" * 250: 1.0}
    assert "e" * 256 in ws.experiments


# -- bad input: values ----------------------------------------------------------------------------


def test_non_numeric_metric_value_writes_nothing(run: carnet.Run) -> None:
    with pytest.raises(InvalidValue) as info:
        run.log("x", "abc")
    assert info.value.field == "x"
    assert str(info.value).startswith("x: expected a number, got str 'abc'")
    with pytest.raises(InvalidValue, match="expected a number"):
        run.log("y", None)
    with pytest.raises(InvalidValue, match="step: expected an integer") as info:
        run.log("z", 1.0, step=1.5)
    assert info.value.field == "step"
    _nothing_logged(run)
    # The refused names are not taken: they can still become any kind of metric.
    run.log_list("x", [1.0])
    run.log_row("y", a=1)
    run.log("z", 2.0)
    assert run.get_metrics() == {"x": [1.0], "y": {"a": [1]}, "z": 2.0}


def test_metric_kind_is_fixed_by_the_first_call(run: carnet.Run) -> None:
    run.log("m", 1.0)
    with pytest.raises(InvalidValue) as info:
        run.log_row("m", a=1)
    assert info.value.field == "m"
    assert "'m' was first logged as a series and cannot be logged as a row" in str(info.value)
    with pytest.raises(InvalidValue, match="first logged as a series"):
        run.log_table("m", {"a": [1]})
    run.log_row("r", a=1)
    with pytest.raises(InvalidValue, match="'r' was first logged as a row and cannot be logged as a series"):
        run.log("r", 1.0)
    assert run.get_metrics() == {"m": 1.0, "r": {"a": [1]}}


def test_metric_kind_is_fixed_across_run_objects(store_uri: str, store_run: carnet.Run) -> None:
    run = store_run
    run.log("m", 1.0)
    run.flush()
    attached = carnet.Workspace(store_uri).get_run(run.id)
    with pytest.raises(InvalidValue, match="'m' was first logged as a series"):
        attached.log_row("m", a=1)
    assert run.get_metrics() == {"m": 1.0}


# -- ended runs -----------------------------------------------------------------------------------

ENDED_RUN_OPS: list[Callable[[carnet.Run, Path], Any]] = [
    lambda run, png: run.log("m", 1.0),
    lambda run, png: run.log_list("l", [1.0]),
    lambda run, png: run.log_row("r", a=1),
    lambda run, png: run.log_table("t", {"a": [1]}),
    lambda run, png: run.log_image("i", path=png),
    lambda run, png: run.log_param("p", 1),
    lambda run, png: run.tag("t", "v"),
    lambda run, png: run.upload_file("f.png", png),
    lambda run, png: run.upload_folder("d", png.parent),
    lambda run, png: run.child_run("kid"),
]


@pytest.mark.parametrize("end", ["complete", "fail", "cancel"])
def test_logging_to_an_ended_run_is_refused(
    store_uri: str, store_exp: carnet.Experiment, png_file: Path, end: str
) -> None:
    exp = store_exp
    run = exp.start_logging()
    getattr(run, end)()
    attached = carnet.Workspace(store_uri).get_run(run.id)
    for target in (run, attached):
        for op in ENDED_RUN_OPS:
            with pytest.raises(RunNotActive) as info:
                op(target, png_file)
            assert info.value.field == "run_id"
            assert run.id in str(info.value)
    assert run.get_metrics() == {}
    assert run.get_file_names() == []
    assert run.get_children() == []
