"""Store contract: logged models (create, read, finalize, tags, params, delete, search) and the
models a run produced."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from carnet.entities import LoggedModel, LoggedModelStatus, ModelOutput, Run
from carnet.exceptions import InvalidArgument, InvalidFilter, InvalidState, NotFound, ParamConflict
from carnet.store import NewLoggedModel, NewRun, TrackingStore
from carnet.utils import now_ms

MakeRun = Callable[..., Run]
UNKNOWN_MODEL = "m-" + "0" * 32


@pytest.fixture
def make_model(store: TrackingStore, experiment_id: str) -> Callable[..., LoggedModel]:
    """``make_model(**fields)``: log a model (in ``experiment_id`` unless told otherwise)."""

    def make(**fields: object) -> LoggedModel:
        fields.setdefault("experiment_id", experiment_id)
        return store.create_logged_model(NewLoggedModel(**fields))  # type: ignore[arg-type]

    return make


def test_create_with_every_field_reads_back(
    store: TrackingStore, experiment_id: str, make_run: MakeRun, make_model: Callable[..., LoggedModel]
) -> None:
    run = make_run()
    before = now_ms()
    created = make_model(
        name="classifier",
        model_type="sklearn",
        source_run_id=run.info.run_id,
        creator_id="ada",
        tags={"team": "vision"},
        params={"C": "1.0", "solver": "lbfgs"},
    )
    assert re.fullmatch(r"m-[0-9a-f]{32}", created.model_id)
    location = Path(store.get_experiment(experiment_id).artifact_location)
    assert created == LoggedModel(
        model_id=created.model_id,
        experiment_id=experiment_id,
        name="classifier",
        artifact_location=str(location / "models" / created.model_id / "artifacts"),
        status=LoggedModelStatus.PENDING,
        creation_timestamp_ms=created.creation_timestamp_ms,
        last_updated_timestamp_ms=created.creation_timestamp_ms,
        creator_id="ada",
        model_type="sklearn",
        source_run_id=run.info.run_id,
        status_message="",
        tags={"team": "vision"},
        params={"C": "1.0", "solver": "lbfgs"},
    )
    assert created.creation_timestamp_ms >= before
    assert created.artifact_uri == created.artifact_location
    assert store.get_logged_model(created.model_id) == created


def test_a_model_without_a_name_gets_one(make_model: Callable[..., LoggedModel]) -> None:
    first, second = make_model(), make_model()
    assert first.name and second.name
    assert first.model_id != second.model_id
    assert first.source_run_id is None


def test_create_refuses_unknown_or_deleted_experiment_and_unknown_run(
    store: TrackingStore, experiment_id: str, make_run: MakeRun
) -> None:
    with pytest.raises(NotFound):
        store.create_logged_model(NewLoggedModel(experiment_id="999"))
    with pytest.raises(InvalidArgument):
        store.create_logged_model(NewLoggedModel(experiment_id="not-a-number"))
    with pytest.raises(NotFound):
        store.create_logged_model(NewLoggedModel(experiment_id=experiment_id, source_run_id="f" * 32))
    other = store.create_experiment("other")
    foreign_run = store.create_run(NewRun(experiment_id=other))
    with pytest.raises(InvalidState):
        store.create_logged_model(
            NewLoggedModel(experiment_id=experiment_id, source_run_id=foreign_run.info.run_id)
        )
    store.delete_experiment(other)
    with pytest.raises(InvalidState):
        store.create_logged_model(NewLoggedModel(experiment_id=other))
    assert store.search_logged_models([experiment_id]).models == []


@pytest.mark.parametrize("model_id", [UNKNOWN_MODEL, "m-123", "abc", "M-" + "A" * 32, "run-id"])
def test_unknown_or_malformed_ids_are_not_found(store: TrackingStore, model_id: str) -> None:
    with pytest.raises(NotFound) as info:
        store.get_logged_model(model_id)
    assert model_id in info.value.message
    for call in (
        lambda: store.finalize_logged_model(model_id, LoggedModelStatus.READY),
        lambda: store.delete_logged_model(model_id),
        lambda: store.set_logged_model_tags(model_id, {"a": "b"}),
        lambda: store.delete_logged_model_tag(model_id, "a"),
        lambda: store.log_logged_model_params(model_id, {"a": "b"}),
    ):
        with pytest.raises(NotFound):
            call()


def test_finalize_sets_the_status(store: TrackingStore, make_model: Callable[..., LoggedModel]) -> None:
    model = make_model(name="m")
    ready = store.finalize_logged_model(model.model_id, LoggedModelStatus.READY)
    assert ready.status is LoggedModelStatus.READY
    assert ready.last_updated_timestamp_ms >= model.last_updated_timestamp_ms
    assert store.get_logged_model(model.model_id).status is LoggedModelStatus.READY
    failed = store.finalize_logged_model(model.model_id, LoggedModelStatus.UPLOAD_FAILED, "disk full")
    assert (failed.status, failed.status_message) == (LoggedModelStatus.UPLOAD_FAILED, "disk full")


def test_status_names_parse_from_carnet_and_mlflow_forms() -> None:
    assert LoggedModelStatus.parse("ready") is LoggedModelStatus.READY
    assert LoggedModelStatus.parse("LOGGED_MODEL_UPLOAD_FAILED") is LoggedModelStatus.UPLOAD_FAILED
    with pytest.raises(InvalidArgument):
        LoggedModelStatus.parse("DONE")


def test_tags_are_set_overwritten_and_deleted(
    store: TrackingStore, make_model: Callable[..., LoggedModel]
) -> None:
    model = make_model(tags={"a": "1"})
    store.set_logged_model_tags(model.model_id, {"a": "2", "b": "x"})
    assert store.get_logged_model(model.model_id).tags == {"a": "2", "b": "x"}
    store.delete_logged_model_tag(model.model_id, "a")
    assert store.get_logged_model(model.model_id).tags == {"b": "x"}
    with pytest.raises(NotFound):
        store.delete_logged_model_tag(model.model_id, "a")


def test_params_are_added_and_immutable(store: TrackingStore, make_model: Callable[..., LoggedModel]) -> None:
    model = make_model(params={"lr": "0.1"})
    store.log_logged_model_params(model.model_id, {"lr": "0.1", "depth": "3"})
    assert store.get_logged_model(model.model_id).params == {"lr": "0.1", "depth": "3"}
    with pytest.raises(ParamConflict):
        store.log_logged_model_params(model.model_id, {"depth": "4", "new": "x"})
    assert store.get_logged_model(model.model_id).params == {"lr": "0.1", "depth": "3"}


def test_deleted_model_is_hidden(
    store: TrackingStore, experiment_id: str, make_run: MakeRun, make_model: Callable[..., LoggedModel]
) -> None:
    run = make_run()
    kept, gone = make_model(name="kept"), make_model(name="gone")
    store.log_run_outputs(run.info.run_id, [ModelOutput(kept.model_id), ModelOutput(gone.model_id, 2)])
    store.delete_logged_model(gone.model_id)
    with pytest.raises(NotFound):
        store.get_logged_model(gone.model_id)
    with pytest.raises(NotFound):
        store.delete_logged_model(gone.model_id)
    assert [m.name for m in store.search_logged_models([experiment_id]).models] == ["kept"]
    assert store.get_run_outputs(run.info.run_id) == [ModelOutput(kept.model_id, 0)]


def test_run_outputs_list_the_models_a_run_produced(
    store: TrackingStore, make_run: MakeRun, make_model: Callable[..., LoggedModel]
) -> None:
    run, other = make_run(), make_run()
    first, second = make_model(), make_model()
    assert store.get_run_outputs(run.info.run_id) == []
    store.log_run_outputs(run.info.run_id, [ModelOutput(first.model_id, 0)])
    store.log_run_outputs(run.info.run_id, [ModelOutput(second.model_id, 5), ModelOutput(first.model_id, 3)])
    assert store.get_run_outputs(run.info.run_id) == [
        ModelOutput(first.model_id, 3),
        ModelOutput(second.model_id, 5),
    ]
    assert store.get_run_outputs(other.info.run_id) == []
    with pytest.raises(NotFound):
        store.log_run_outputs(run.info.run_id, [ModelOutput(UNKNOWN_MODEL)])
    with pytest.raises(NotFound):
        store.log_run_outputs("f" * 32, [ModelOutput(first.model_id)])
    with pytest.raises(NotFound):
        store.get_run_outputs("f" * 32)
    assert len(store.get_run_outputs(run.info.run_id)) == 2  # the failed calls wrote nothing


@pytest.fixture
def catalog(
    store: TrackingStore, experiment_id: str, make_run: MakeRun, make_model: Callable[..., LoggedModel]
) -> dict[str, LoggedModel]:
    """Four models, created in this order: alpha (ready), beta, gamma (failed), delta."""
    run = make_run()
    made = {
        "alpha": make_model(name="alpha", model_type="sklearn", tags={"team": "a"}, params={"lr": "0.1"}),
        "beta": make_model(
            name="beta", source_run_id=run.info.run_id, tags={"team": "b"}, params={"lr": "0.2"}
        ),
        "gamma": make_model(name="gamma", model_type="torch", tags={"team": "a", "big": "yes"}),
        "delta": make_model(name="delta"),
    }
    store.finalize_logged_model(made["alpha"].model_id, LoggedModelStatus.READY)
    store.finalize_logged_model(made["gamma"].model_id, LoggedModelStatus.UPLOAD_FAILED)
    return made


def _names(
    store: TrackingStore, experiment_id: str, filter_string: str | None = None, **kw: object
) -> list[str]:
    page = store.search_logged_models([experiment_id], filter_string, **kw)  # type: ignore[arg-type]
    return [m.name for m in page.models]


@pytest.mark.parametrize(
    ("filter_string", "expected"),
    [
        ("name = 'alpha'", {"alpha"}),
        ("attributes.name != 'alpha'", {"beta", "gamma", "delta"}),
        ("name LIKE '%a'", {"alpha", "beta", "gamma", "delta"}),
        ("name LIKE 'ga%'", {"gamma"}),
        ("name ILIKE 'AL%'", {"alpha"}),
        ("name IN ('alpha', 'delta')", {"alpha", "delta"}),
        ("status = 'READY'", {"alpha"}),
        ("status = 'LOGGED_MODEL_UPLOAD_FAILED'", {"gamma"}),
        ("status != 'PENDING'", {"alpha", "gamma"}),
        ("model_type = 'torch'", {"gamma"}),
        ("model_type IS NULL", {"beta", "delta"}),
        ("source_run_id IS NOT NULL", {"beta"}),
        ("tags.team = 'a'", {"alpha", "gamma"}),
        ("tags.team = 'a' AND tags.big = 'yes'", {"gamma"}),
        ("tags.big IS NULL", {"alpha", "beta", "delta"}),
        ("params.lr = '0.2' OR name = 'delta'", {"beta", "delta"}),
        ("NOT params.lr = '0.1'", {"beta", "gamma", "delta"}),
        ("params.lr != '0.1'", {"beta"}),
        ("creation_timestamp > 0", {"alpha", "beta", "gamma", "delta"}),
        ("last_updated_timestamp < 0", set()),
    ],
)
def test_search_filters(
    store: TrackingStore,
    experiment_id: str,
    catalog: dict[str, LoggedModel],
    filter_string: str,
    expected: set[str],
) -> None:
    assert set(_names(store, experiment_id, filter_string)) == expected


def test_search_by_model_id(
    store: TrackingStore, experiment_id: str, catalog: dict[str, LoggedModel]
) -> None:
    model_id = catalog["beta"].model_id
    assert _names(store, experiment_id, f"model_id = '{model_id}'") == ["beta"]


@pytest.mark.parametrize(
    "filter_string",
    ["metrics.acc > 0.5", "foo.bar = 'x'", "name = ", "unknown = 'x'", "status = 'DONE'", "name = 1"],
)
def test_search_refuses_bad_filters(
    store: TrackingStore, experiment_id: str, catalog: dict[str, LoggedModel], filter_string: str
) -> None:
    with pytest.raises(InvalidFilter):
        store.search_logged_models([experiment_id], filter_string)


def test_search_order_and_pages(
    store: TrackingStore, experiment_id: str, catalog: dict[str, LoggedModel]
) -> None:
    # Newest first by default (ties on the millisecond broken by creation order is not promised).
    newest_first = _names(store, experiment_id)
    assert set(newest_first) == set(catalog)
    assert _names(store, experiment_id, order_by=["name"]) == ["alpha", "beta", "delta", "gamma"]
    assert _names(store, experiment_id, order_by=["name DESC"]) == ["gamma", "delta", "beta", "alpha"]
    # models lacking the param sort last either way
    assert _names(store, experiment_id, order_by=["params.lr DESC", "name"]) == [
        "beta",
        "alpha",
        "delta",
        "gamma",
    ]
    assert _names(store, experiment_id, order_by=["params.lr ASC", "name"]) == [
        "alpha",
        "beta",
        "delta",
        "gamma",
    ]
    seen, token = [], None
    while True:
        page = store.search_logged_models([experiment_id], order_by=["name"], max_results=3, page_token=token)
        seen += [m.name for m in page.models]
        token = page.next_page_token
        if token is None:
            break
    assert seen == ["alpha", "beta", "delta", "gamma"]
    with pytest.raises(InvalidFilter):
        store.search_logged_models([experiment_id], page_token="not-a-token")
    with pytest.raises(InvalidFilter):
        store.search_logged_models([experiment_id], order_by=["metrics.acc"])
    with pytest.raises(InvalidArgument):
        store.search_logged_models([experiment_id], max_results=0)


def test_search_spans_experiments_and_checks_them(
    store: TrackingStore, experiment_id: str, make_model: Callable[..., LoggedModel]
) -> None:
    other = store.create_experiment("other")
    make_model(name="here")
    make_model(name="there", experiment_id=other)
    assert _names(store, experiment_id) == ["here"]
    assert set(m.name for m in store.search_logged_models([experiment_id, other]).models) == {"here", "there"}
    with pytest.raises(NotFound):
        store.search_logged_models([experiment_id, "999"])
    with pytest.raises(InvalidArgument):
        store.search_logged_models([])
