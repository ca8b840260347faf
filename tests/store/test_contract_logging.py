"""Store contract: the batch write path (``log_batch``): params, tags, metric points, records."""

from __future__ import annotations

import math
from collections.abc import Callable

import pytest

from carnet.entities import Metric, MetricInfo, MetricKind, MetricRecord, Param, Run, RunStatus, RunTag
from carnet.exceptions import InvalidValue, ParamConflict, RunNotActive
from carnet.store import LogBatch, MetricDeclaration, RecordWrite, TrackingStore

MakeRun = Callable[..., Run]
INF = float("inf")
NAN = float("nan")


@pytest.fixture
def run_id(make_run: MakeRun) -> str:
    return make_run(run_name="logging").info.run_id


def _assert_untouched(
    store: TrackingStore, run_id: str, params: dict[str, str], tags: dict[str, str]
) -> None:
    """Only what was there before: these params and tags, no metric of any kind."""
    data = store.get_run(run_id).data
    assert data.params == params
    assert data.tags == tags
    assert data.metrics == {}
    assert store.get_metric_infos(run_id) == []


# -- params ------------------------------------------------------------------------------------


def test_params_written(store: TrackingStore, run_id: str) -> None:
    store.log_batch(run_id, LogBatch(params=[Param("lr", "0.1"), Param("model", "cnn"), Param("empty", "")]))
    store.log_batch(run_id, LogBatch(params=[Param("epochs", "10")]))
    assert store.get_run(run_id).data.params == {"lr": "0.1", "model": "cnn", "empty": "", "epochs": "10"}


def test_same_param_same_value_is_fine(store: TrackingStore, run_id: str) -> None:
    store.log_batch(run_id, LogBatch(params=[Param("lr", "0.1")]))
    store.log_batch(run_id, LogBatch(params=[Param("lr", "0.1"), Param("lr", "0.1"), Param("bs", "32")]))
    assert store.get_run(run_id).data.params == {"lr": "0.1", "bs": "32"}


def test_param_conflict_writes_nothing_of_the_batch(store: TrackingStore, run_id: str) -> None:
    store.log_batch(run_id, LogBatch(params=[Param("lr", "0.1")], tags=[RunTag("keep", "yes")]))
    bad = LogBatch(
        params=[Param("new", "n"), Param("lr", "0.2")],
        metrics=[Metric("loss", 0.5, 100, 0)],
        tags=[RunTag("t", "x"), RunTag("keep", "overwritten")],
        records=[RecordWrite("row", MetricKind.ROW, {"a": 1}, 100)],
        declarations=[MetricDeclaration("declared", MetricKind.SERIES, "described")],
        deleted_tags=["keep"],
        batch_id="batch-1",
    )
    with pytest.raises(ParamConflict) as info:
        store.log_batch(run_id, bad)
    assert info.value.error_code == "INVALID_PARAMETER_VALUE"
    assert "lr" in info.value.message
    assert "0.1" in info.value.message
    assert "0.2" in info.value.message
    _assert_untouched(store, run_id, {"lr": "0.1"}, {"keep": "yes"})
    assert store.get_metric_history(run_id, "loss") == []
    assert store.get_metric_records(run_id, "row") == []

    # The failed batch did not claim its id: the corrected batch under the same id is applied.
    fixed = LogBatch(params=[Param("new", "n")], metrics=[Metric("loss", 0.5, 100, 0)], batch_id="batch-1")
    store.log_batch(run_id, fixed)
    assert store.get_run(run_id).data.params == {"lr": "0.1", "new": "n"}
    assert store.get_metric_history(run_id, "loss") == [Metric("loss", 0.5, 100, 0)]


def test_duplicate_param_key_with_two_values_in_one_batch(store: TrackingStore, run_id: str) -> None:
    batch = LogBatch(
        params=[Param("a", "1"), Param("b", "x"), Param("b", "y")],
        metrics=[Metric("m", 1.0, 1, 0)],
        tags=[RunTag("t", "v")],
    )
    with pytest.raises(ParamConflict, match="'b'"):
        store.log_batch(run_id, batch)
    _assert_untouched(store, run_id, {}, {})


# -- tags --------------------------------------------------------------------------------------


def test_tags_upsert_and_delete(store: TrackingStore, make_run: MakeRun) -> None:
    run_id = make_run(tags={"initial": "1", "gone": "soon"}).info.run_id
    store.log_batch(run_id, LogBatch(tags=[RunTag("a", "1"), RunTag("b", "2")]))
    store.log_batch(
        run_id, LogBatch(tags=[RunTag("a", "changed"), RunTag("b", "first"), RunTag("b", "last")])
    )
    assert store.get_run(run_id).data.tags == {"initial": "1", "gone": "soon", "a": "changed", "b": "last"}

    # Deleting a tag that does not exist is not an error; a tag both set and deleted is set.
    store.log_batch(
        run_id, LogBatch(tags=[RunTag("c", "3")], deleted_tags=["gone", "never-there", "c", "initial"])
    )
    assert store.get_run(run_id).data.tags == {"a": "changed", "b": "last", "c": "3"}
    store.log_batch(run_id, LogBatch(deleted_tags=["a"]))
    assert store.get_run(run_id).data.tags == {"b": "last", "c": "3"}


def test_empty_tag_value_is_kept(store: TrackingStore, run_id: str) -> None:
    store.log_batch(run_id, LogBatch(tags=[RunTag("note", "")]))
    assert store.get_run(run_id).data.tags == {"note": ""}


# -- metric points -----------------------------------------------------------------------------


def test_nan_and_infinities_kept_exactly(store: TrackingStore, run_id: str) -> None:
    store.log_batch(
        run_id,
        LogBatch(
            metrics=[
                Metric("nan", NAN, 10, 0),
                Metric("pinf", INF, 10, 0),
                Metric("ninf", -INF, 10, 0),
                Metric("mixed", 1.5, 10, 0),
                Metric("mixed", NAN, 11, 1),
                Metric("mixed", INF, 12, 2),
                Metric("mixed", -INF, 13, 3),
                Metric("mixed", -0.25, 14, 4),
            ]
        ),
    )
    [nan_point] = store.get_metric_history(run_id, "nan")
    assert math.isnan(nan_point.value)
    assert (nan_point.key, nan_point.timestamp, nan_point.step) == ("nan", 10, 0)
    assert store.get_metric_history(run_id, "pinf") == [Metric("pinf", INF, 10, 0)]
    assert store.get_metric_history(run_id, "ninf") == [Metric("ninf", -INF, 10, 0)]
    mixed = store.get_metric_history(run_id, "mixed")
    assert [(m.step, m.timestamp) for m in mixed] == [(0, 10), (1, 11), (2, 12), (3, 13), (4, 14)]
    assert mixed[0].value == 1.5
    assert math.isnan(mixed[1].value)
    assert mixed[2].value == INF
    assert mixed[3].value == -INF
    assert mixed[4].value == -0.25

    latest = store.get_run(run_id).data.metrics
    assert set(latest) == {"nan", "pinf", "ninf", "mixed"}
    assert math.isnan(latest["nan"])
    assert latest["pinf"] == INF
    assert latest["ninf"] == -INF
    assert latest["mixed"] == -0.25

    infos = {i.name: i for i in store.get_metric_infos(run_id)}
    assert infos["nan"].last_value is not None and math.isnan(infos["nan"].last_value)
    assert infos["pinf"].last_value == INF
    assert infos["ninf"].last_value == -INF
    assert (infos["mixed"].last_value, infos["mixed"].last_step, infos["mixed"].count) == (-0.25, 4, 5)


@pytest.mark.parametrize("last", [INF, -INF, NAN])
def test_latest_value_may_be_non_finite(store: TrackingStore, run_id: str, last: float) -> None:
    store.log_batch(run_id, LogBatch(metrics=[Metric("m", 1.0, 1, 0), Metric("m", last, 2, 1)]))
    value = store.get_run(run_id).data.metrics["m"]
    info = store.get_metric_infos(run_id)[0]
    assert info.last_value is not None
    if math.isnan(last):
        assert math.isnan(value)
        assert math.isnan(info.last_value)
    else:
        assert value == last
        assert info.last_value == last
    assert (info.last_step, info.last_timestamp) == (1, 2)


def test_latest_value_is_highest_step_then_timestamp(store: TrackingStore, run_id: str) -> None:
    store.log_batch(
        run_id,
        LogBatch(metrics=[Metric("m", 1.0, 100, 5), Metric("m", 2.0, 200, 3), Metric("m", 3.0, 50, 5)]),
    )
    assert store.get_run(run_id).data.metrics == {"m": 1.0}
    info = store.get_metric_infos(run_id)[0]
    assert (info.last_value, info.last_step, info.last_timestamp, info.count) == (1.0, 5, 100, 3)

    # A lower step logged later does not win; an equal (step, timestamp) logged later does.
    store.log_batch(run_id, LogBatch(metrics=[Metric("m", 9.0, 999, 4)]))
    assert store.get_run(run_id).data.metrics == {"m": 1.0}
    store.log_batch(run_id, LogBatch(metrics=[Metric("m", 4.0, 100, 5)]))
    assert store.get_run(run_id).data.metrics == {"m": 4.0}
    store.log_batch(run_id, LogBatch(metrics=[Metric("m", 5.0, 101, 5)]))
    info = store.get_metric_infos(run_id)[0]
    assert (info.last_value, info.last_step, info.last_timestamp, info.count) == (5.0, 5, 101, 6)
    assert store.get_run(run_id).data.metrics == {"m": 5.0}


def test_same_batch_id_twice_is_stored_once(store: TrackingStore, run_id: str) -> None:
    batch = LogBatch(
        metrics=[Metric("m", 1.0, 10, 0), Metric("m", 2.0, 11, 1)],
        params=[Param("p", "1")],
        tags=[RunTag("t", "1")],
        records=[RecordWrite("row", MetricKind.ROW, {"a": 1}, 10)],
        batch_id="0f" * 16,
    )
    store.log_batch(run_id, batch)
    store.log_batch(run_id, batch)
    assert store.get_metric_history(run_id, "m") == [Metric("m", 1.0, 10, 0), Metric("m", 2.0, 11, 1)]
    assert [(r.seq, r.payload) for r in store.get_metric_records(run_id, "row")] == [(0, {"a": 1})]
    assert [(i.name, i.count) for i in store.get_metric_infos(run_id)] == [("row", 1), ("m", 2)]


def test_different_batch_ids_are_both_stored(store: TrackingStore, run_id: str, make_run: MakeRun) -> None:
    store.log_batch(run_id, LogBatch(metrics=[Metric("m", 1.0, 10, 0)], batch_id="a"))
    store.log_batch(run_id, LogBatch(metrics=[Metric("m", 1.0, 10, 0)], batch_id="b"))
    store.log_batch(run_id, LogBatch(metrics=[Metric("m", 1.0, 10, 0)]))  # no id: always applied
    assert store.get_metric_history(run_id, "m") == [Metric("m", 1.0, 10, 0)] * 3
    # Batch ids are per run: another run may use the same id.
    other = make_run().info.run_id
    store.log_batch(other, LogBatch(metrics=[Metric("m", 7.0, 10, 0)], batch_id="a"))
    assert store.get_metric_history(other, "m") == [Metric("m", 7.0, 10, 0)]


@pytest.mark.parametrize("status", [RunStatus.COMPLETED, RunStatus.FAILED, RunStatus.CANCELED])
def test_writing_to_a_finished_run_is_refused(
    store: TrackingStore, make_run: MakeRun, status: RunStatus
) -> None:
    run_id = make_run(tags={"t": "0"}).info.run_id
    store.log_batch(run_id, LogBatch(params=[Param("p", "0")]))
    store.update_run(run_id, status=status)
    batch = LogBatch(
        metrics=[Metric("m", 1.0, 1, 0)],
        params=[Param("q", "1")],
        tags=[RunTag("t", "1")],
        records=[RecordWrite("r", MetricKind.ROW, {"a": 1}, 1)],
        deleted_tags=["t"],
    )
    with pytest.raises(RunNotActive) as info:
        store.log_batch(run_id, batch)
    assert run_id in info.value.message
    assert info.value.error_code == "INVALID_STATE"
    _assert_untouched(store, run_id, {"p": "0"}, {"t": "0"})


def test_writing_to_a_deleted_run_is_refused(store: TrackingStore, run_id: str) -> None:
    store.delete_run(run_id)
    with pytest.raises(RunNotActive, match=run_id):
        store.log_batch(run_id, LogBatch(metrics=[Metric("m", 1.0, 1, 0)], params=[Param("p", "1")]))
    _assert_untouched(store, run_id, {}, {})
    store.restore_run(run_id)
    store.log_batch(run_id, LogBatch(metrics=[Metric("m", 1.0, 1, 0)]))
    assert store.get_run(run_id).data.metrics == {"m": 1.0}


# -- kinds, records and declarations -----------------------------------------------------------


def test_kind_mismatch_series_then_row(store: TrackingStore, run_id: str) -> None:
    store.log_batch(run_id, LogBatch(metrics=[Metric("acc", 0.5, 1, 0)]))
    batch = LogBatch(
        records=[RecordWrite("acc", MetricKind.ROW, {"a": 1}, 2)],
        params=[Param("p", "1")],
        metrics=[Metric("other", 1.0, 2, 0)],
    )
    with pytest.raises(InvalidValue) as info:
        store.log_batch(run_id, batch)
    assert "acc" in info.value.message
    assert info.value.error_code == "INVALID_PARAMETER_VALUE"
    assert store.get_run(run_id).data.params == {}
    assert [(i.name, i.kind, i.count) for i in store.get_metric_infos(run_id)] == [
        ("acc", MetricKind.SERIES, 1)
    ]
    assert store.get_metric_records(run_id, "acc") == []


def test_kind_mismatch_row_then_series(store: TrackingStore, run_id: str) -> None:
    store.log_batch(run_id, LogBatch(records=[RecordWrite("r", MetricKind.ROW, {"a": 1}, 1)]))
    with pytest.raises(InvalidValue, match="'r'"):
        store.log_batch(run_id, LogBatch(metrics=[Metric("r", 1.0, 2, 0)]))
    with pytest.raises(InvalidValue, match="'r'"):
        store.log_batch(run_id, LogBatch(records=[RecordWrite("r", MetricKind.TABLE, {"a": [1]}, 2)]))
    with pytest.raises(InvalidValue, match="'r'"):
        store.log_batch(run_id, LogBatch(declarations=[MetricDeclaration("r", MetricKind.IMAGE)]))
    assert store.get_metric_history(run_id, "r") == []
    assert [(r.seq, r.kind, r.payload) for r in store.get_metric_records(run_id, "r")] == [
        (0, MetricKind.ROW, {"a": 1})
    ]


def test_kind_mismatch_within_one_batch(store: TrackingStore, run_id: str) -> None:
    batch = LogBatch(
        records=[
            RecordWrite("x", MetricKind.ROW, {"a": 1}, 1),
            RecordWrite("x", MetricKind.IMAGE, {"p": 1}, 1),
        ]
    )
    with pytest.raises(InvalidValue):
        store.log_batch(run_id, batch)
    assert store.get_metric_infos(run_id) == []


def test_records_read_back_in_order(store: TrackingStore, run_id: str) -> None:
    rows = [{"epoch": 1, "acc": 0.5, "note": "warm"}, {"epoch": 2, "acc": 0.75, "extra": None}]
    table = {"label": ["cat", "dog"], "score": [0.9, 0.1], "ok": [True, False]}
    image = {"path": "images/sample/0.png", "width": 32, "height": 16, "caption": "first"}
    store.log_batch(
        run_id,
        LogBatch(
            records=[
                RecordWrite("eval_row", MetricKind.ROW, rows[0], 1000),
                RecordWrite("confusion", MetricKind.TABLE, table, 1001),
                RecordWrite("eval_row", MetricKind.ROW, rows[1], 1002),
                RecordWrite("sample", MetricKind.IMAGE, image, 1003),
            ]
        ),
    )
    store.log_batch(run_id, LogBatch(records=[RecordWrite("eval_row", MetricKind.ROW, {"epoch": 3}, 1004)]))

    assert store.get_metric_records(run_id, "eval_row") == [
        MetricRecord("eval_row", MetricKind.ROW, 0, rows[0], 1000),
        MetricRecord("eval_row", MetricKind.ROW, 1, rows[1], 1002),
        MetricRecord("eval_row", MetricKind.ROW, 2, {"epoch": 3}, 1004),
    ]
    assert store.get_metric_records(run_id, "confusion") == [
        MetricRecord("confusion", MetricKind.TABLE, 0, table, 1001)
    ]
    assert store.get_metric_records(run_id, "sample") == [
        MetricRecord("sample", MetricKind.IMAGE, 0, image, 1003)
    ]
    assert store.get_metric_records(run_id, "unknown") == []
    # Structured metrics have no numeric value: they are not among the run's latest metrics.
    assert store.get_run(run_id).data.metrics == {}
    assert [(i.name, i.kind, i.count, i.last_value, i.last_step) for i in store.get_metric_infos(run_id)] == [
        ("eval_row", MetricKind.ROW, 3, None, None),
        ("confusion", MetricKind.TABLE, 1, None, None),
        ("sample", MetricKind.IMAGE, 1, None, None),
    ]


def test_record_payload_keeps_non_finite_numbers(store: TrackingStore, run_id: str) -> None:
    store.log_batch(run_id, LogBatch(records=[RecordWrite("r", MetricKind.ROW, {"a": INF, "b": NAN}, 1)]))
    [record] = store.get_metric_records(run_id, "r")
    assert record.payload["a"] == INF
    assert math.isnan(record.payload["b"])


def test_declarations_appear_in_metric_infos(store: TrackingStore, run_id: str) -> None:
    store.log_batch(
        run_id,
        LogBatch(
            declarations=[
                MetricDeclaration("loss", MetricKind.SERIES, "training loss"),
                MetricDeclaration("per_class", MetricKind.TABLE, "accuracy per class", ("label", "acc")),
                MetricDeclaration("lrs", MetricKind.LIST),
            ],
            metrics=[Metric("loss", 0.9, 100, 0), Metric("loss", 0.4, 200, 1)],
        ),
    )
    assert store.get_metric_infos(run_id) == [
        MetricInfo("loss", MetricKind.SERIES, "training loss", 2, 0.4, 1, 200),
        MetricInfo("per_class", MetricKind.TABLE, "accuracy per class", 0, None, None, None),
        MetricInfo("lrs", MetricKind.LIST, "", 0, None, None, None),
    ]
    # A declared metric without points has no latest value.
    assert store.get_run(run_id).data.metrics == {"loss": 0.4}

    # A later description fills an empty one but never replaces a set one.
    store.log_batch(
        run_id,
        LogBatch(
            declarations=[
                MetricDeclaration("loss", MetricKind.SERIES, "another text"),
                MetricDeclaration("lrs", MetricKind.LIST, "learning rates"),
            ],
            metrics=[Metric("lrs", 0.01, 300, 0)],
        ),
    )
    assert [(i.name, i.description, i.count) for i in store.get_metric_infos(run_id)] == [
        ("loss", "training loss", 2),
        ("per_class", "accuracy per class", 0),
        ("lrs", "learning rates", 1),
    ]


def test_list_kind_takes_numeric_points(store: TrackingStore, run_id: str) -> None:
    store.log_batch(
        run_id,
        LogBatch(
            declarations=[MetricDeclaration("lrs", MetricKind.LIST)],
            metrics=[Metric("lrs", 0.1, 1, 0), Metric("lrs", 0.05, 1, 1)],
        ),
    )
    store.log_batch(run_id, LogBatch(metrics=[Metric("lrs", 0.01, 2, 2)]))
    assert store.get_metric_history(run_id, "lrs") == [
        Metric("lrs", 0.1, 1, 0),
        Metric("lrs", 0.05, 1, 1),
        Metric("lrs", 0.01, 2, 2),
    ]
    [info] = store.get_metric_infos(run_id)
    assert (info.kind, info.count, info.last_value) == (MetricKind.LIST, 3, 0.01)


def test_empty_batch_changes_nothing(store: TrackingStore, run_id: str) -> None:
    store.log_batch(run_id, LogBatch())
    _assert_untouched(store, run_id, {}, {})
