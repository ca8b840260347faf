"""Store contract: the model registry (registered models, versions, stages, aliases, tags, search,
history) over SQLite, PostgreSQL and a carnet server."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from carnet.entities import LoggedModel, ModelStage, ModelVersion, Run
from carnet.exceptions import AlreadyExists, InvalidArgument, InvalidFilter, InvalidValue, NotFound
from carnet.store import NewLoggedModel, TrackingStore

MakeRun = Callable[..., Run]


@pytest.fixture
def run(make_run: MakeRun) -> Run:
    return make_run()


@pytest.fixture
def logged_model(store: TrackingStore, experiment_id: str, run: Run) -> LoggedModel:
    return store.create_logged_model(
        NewLoggedModel(experiment_id=experiment_id, name="model", source_run_id=run.info.run_id)
    )


def model_source(run: Run, path: str = "model") -> str:
    return str(Path(run.info.artifact_uri) / path)


def register(store: TrackingStore, run: Run, name: str = "iris", **fields: object) -> ModelVersion:
    return store.create_model_version(name, model_source(run), run_id=run.info.run_id, **fields)  # type: ignore[arg-type]


# -- registered models ----------------------------------------------------------------------------


def test_create_and_get_a_registered_model(store: TrackingStore) -> None:
    created = store.create_registered_model("iris", tags={"team": "vision"}, description="flowers")
    assert created.name == "iris"
    assert created.tags == {"team": "vision"}
    assert created.description == "flowers"
    assert created.aliases == {} and created.latest_versions == []
    assert created.creation_timestamp == created.last_updated_timestamp > 0
    assert store.get_registered_model("iris") == created


def test_a_taken_name_already_exists(store: TrackingStore) -> None:
    store.create_registered_model("iris")
    with pytest.raises(AlreadyExists):
        store.create_registered_model("iris")


@pytest.mark.parametrize("name", ["", "   ", "a/b", "a:b", "../x", "x%2Fy", "n" * 300])
def test_bad_model_names_are_refused(store: TrackingStore, name: str) -> None:
    with pytest.raises(InvalidArgument):
        store.create_registered_model(name)


def test_unknown_model_is_not_found(store: TrackingStore) -> None:
    with pytest.raises(NotFound):
        store.get_registered_model("nope")
    with pytest.raises(NotFound):
        store.delete_registered_model("nope")
    with pytest.raises(NotFound):
        store.create_model_version("nope", "models:/m-" + "0" * 32)


def test_rename_keeps_versions_and_aliases(store: TrackingStore, run: Run) -> None:
    store.create_registered_model("iris")
    register(store, run)
    store.set_registered_model_alias("iris", "champion", 1)
    renamed = store.rename_registered_model("iris", "iris-v2")
    assert renamed.name == "iris-v2"
    assert renamed.aliases == {"champion": 1}
    assert store.get_model_version("iris-v2", 1).name == "iris-v2"
    with pytest.raises(NotFound):
        store.get_registered_model("iris")
    store.create_registered_model("other")
    with pytest.raises(AlreadyExists):
        store.rename_registered_model("other", "iris-v2")


def test_update_description_and_tags(store: TrackingStore) -> None:
    store.create_registered_model("iris")
    assert store.update_registered_model("iris", "new text").description == "new text"
    store.set_registered_model_tag("iris", "team", "a")
    store.set_registered_model_tag("iris", "team", "b")
    assert store.get_registered_model("iris").tags == {"team": "b"}
    store.delete_registered_model_tag("iris", "team")
    assert store.get_registered_model("iris").tags == {}
    with pytest.raises(NotFound):
        store.delete_registered_model_tag("iris", "team")


def test_delete_removes_the_model_and_its_versions(store: TrackingStore, run: Run) -> None:
    store.create_registered_model("iris")
    register(store, run)
    store.delete_registered_model("iris")
    with pytest.raises(NotFound):
        store.get_model_version("iris", 1)
    assert store.search_model_versions("name = 'iris'").versions == []


# -- versions -------------------------------------------------------------------------------------


def test_versions_are_numbered_per_model(store: TrackingStore, run: Run) -> None:
    store.create_registered_model("iris")
    store.create_registered_model("wine")
    first = register(store, run, tags={"k": "v"}, description="first", user_id="ada")
    assert (first.name, first.version, first.current_stage, first.status) == (
        "iris",
        1,
        ModelStage.NONE,
        "READY",
    )
    assert first.source == model_source(run)
    assert first.run_id == run.info.run_id
    assert first.tags == {"k": "v"} and first.description == "first" and first.user_id == "ada"
    assert register(store, run).version == 2
    assert register(store, run, "wine").version == 1
    assert store.get_model_version("iris", "2").version == 2
    assert store.get_model_version("iris", 1) == first


def test_numbers_are_not_reused_after_a_delete(store: TrackingStore, run: Run) -> None:
    store.create_registered_model("iris")
    register(store, run)
    register(store, run)
    store.delete_model_version("iris", 2)
    with pytest.raises(NotFound):
        store.get_model_version("iris", 2)
    assert register(store, run).version == 3


def test_unknown_or_malformed_version(store: TrackingStore) -> None:
    store.create_registered_model("iris")
    with pytest.raises(NotFound):
        store.get_model_version("iris", 7)
    with pytest.raises(InvalidValue):
        store.get_model_version("iris", "abc")
    with pytest.raises(InvalidValue):
        store.get_model_version("iris", 0)


def test_version_from_a_logged_model(store: TrackingStore, run: Run, logged_model: LoggedModel) -> None:
    store.create_registered_model("iris")
    version = store.create_model_version(
        "iris", f"models:/{logged_model.model_id}", model_id=logged_model.model_id
    )
    assert version.model_id == logged_model.model_id
    assert version.run_id == run.info.run_id  # the logged model's source run: lineage to the experiment
    assert version.source == f"models:/{logged_model.model_id}"
    assert store.get_model_version_download_uri("iris", 1) == logged_model.artifact_location
    # model_id may be left out: the source names it
    assert (
        store.create_model_version("iris", f"models:/{logged_model.model_id}").model_id
        == logged_model.model_id
    )


def test_version_inside_a_logged_model_folder(store: TrackingStore, logged_model: LoggedModel) -> None:
    store.create_registered_model("iris")
    source = str(Path(logged_model.artifact_location) / "MLmodel")
    version = store.create_model_version("iris", source, model_id=logged_model.model_id)
    assert store.get_model_version_download_uri("iris", version.version) == source


def test_version_from_a_runs_uri(store: TrackingStore, run: Run) -> None:
    store.create_registered_model("iris")
    version = store.create_model_version("iris", f"runs:/{run.info.run_id}/model")
    assert version.run_id == run.info.run_id
    assert store.get_model_version_download_uri("iris", 1) == model_source(run)


def test_update_and_tag_a_version(store: TrackingStore, run: Run) -> None:
    store.create_registered_model("iris")
    register(store, run)
    assert store.update_model_version("iris", 1, "better").description == "better"
    store.set_model_version_tag("iris", 1, "validated", "yes")
    assert store.get_model_version("iris", 1).tags == {"validated": "yes"}
    store.delete_model_version_tag("iris", 1, "validated")
    assert store.get_model_version("iris", 1).tags == {}
    with pytest.raises(NotFound):
        store.delete_model_version_tag("iris", 1, "validated")


# -- stages ---------------------------------------------------------------------------------------


def test_transition_and_latest_versions(store: TrackingStore, run: Run) -> None:
    store.create_registered_model("iris")
    for _ in range(3):
        register(store, run)
    store.transition_model_version_stage("iris", 1, "production")
    moved = store.transition_model_version_stage("iris", 2, ModelStage.STAGING)
    assert moved.current_stage is ModelStage.STAGING
    latest = {v.current_stage: v.version for v in store.get_latest_versions("iris")}
    assert latest == {ModelStage.NONE: 3, ModelStage.STAGING: 2, ModelStage.PRODUCTION: 1}
    assert [v.version for v in store.get_latest_versions("iris", ["Production"])] == [1]
    assert store.get_latest_versions("iris", ["Archived"]) == []
    model = store.get_registered_model("iris")
    assert sorted(v.version for v in model.latest_versions) == [1, 2, 3]


def test_archive_existing_versions(store: TrackingStore, run: Run) -> None:
    store.create_registered_model("iris")
    for _ in range(3):
        register(store, run)
    store.transition_model_version_stage("iris", 1, "Production")
    store.transition_model_version_stage("iris", 2, "Production")
    store.transition_model_version_stage(
        "iris", 3, "Production", archive_existing_versions=True, user_id="bo"
    )
    stages = {v: store.get_model_version("iris", v).current_stage for v in (1, 2, 3)}
    assert stages == {1: ModelStage.ARCHIVED, 2: ModelStage.ARCHIVED, 3: ModelStage.PRODUCTION}
    archived = [e for e in store.get_model_version_history("iris") if e.to_value == "Archived"]
    assert sorted((e.version, e.from_value, e.user_id) for e in archived) == [
        (1, "Production", "bo"),
        (2, "Production", "bo"),
    ]


def test_bad_stages_are_refused(store: TrackingStore, run: Run) -> None:
    store.create_registered_model("iris")
    register(store, run)
    with pytest.raises(InvalidValue) as info:
        store.transition_model_version_stage("iris", 1, "Foo")
    assert "stage" in info.value.message
    with pytest.raises(InvalidValue):
        store.transition_model_version_stage("iris", 1, "Archived", archive_existing_versions=True)
    with pytest.raises(InvalidValue):
        store.get_latest_versions("iris", ["Foo"])


# -- aliases --------------------------------------------------------------------------------------


def test_aliases_set_resolve_move_delete(store: TrackingStore, run: Run) -> None:
    store.create_registered_model("iris")
    register(store, run)
    register(store, run)
    store.set_registered_model_alias("iris", "champion", 1)
    assert store.get_model_version_by_alias("iris", "champion").version == 1
    assert store.get_model_version("iris", 1).aliases == ["champion"]
    store.set_registered_model_alias("iris", "champion", "2")
    assert store.get_model_version_by_alias("iris", "champion").version == 2
    assert store.get_model_version("iris", 1).aliases == []
    assert store.get_registered_model("iris").aliases == {"champion": 2}
    store.delete_registered_model_alias("iris", "champion")
    with pytest.raises(NotFound):
        store.get_model_version_by_alias("iris", "champion")
    with pytest.raises(NotFound):
        store.delete_registered_model_alias("iris", "champion")


@pytest.mark.parametrize("alias", ["latest", "LATEST", "v1", "V12"])
def test_reserved_aliases_are_refused(store: TrackingStore, run: Run, alias: str) -> None:
    store.create_registered_model("iris")
    register(store, run)
    with pytest.raises(InvalidValue):
        store.set_registered_model_alias("iris", alias, 1)


def test_alias_to_an_unknown_version(store: TrackingStore) -> None:
    store.create_registered_model("iris")
    with pytest.raises(NotFound):
        store.set_registered_model_alias("iris", "champion", 3)
    with pytest.raises(InvalidArgument):
        store.set_registered_model_alias("iris", "bad alias!", 1)


def test_deleting_a_version_drops_its_aliases(store: TrackingStore, run: Run) -> None:
    store.create_registered_model("iris")
    register(store, run)
    store.set_registered_model_alias("iris", "champion", 1)
    store.delete_model_version("iris", 1)
    assert store.get_registered_model("iris").aliases == {}
    with pytest.raises(NotFound):
        store.get_model_version_by_alias("iris", "champion")


# -- history --------------------------------------------------------------------------------------


def test_history_records_every_change(store: TrackingStore, run: Run) -> None:
    store.create_registered_model("iris")
    register(store, run, user_id="ada")
    register(store, run)
    store.transition_model_version_stage("iris", 1, "Staging", user_id="ada")
    store.transition_model_version_stage("iris", 1, "Production", user_id="bo")
    store.set_registered_model_alias("iris", "champion", 1, user_id="bo")
    store.set_registered_model_alias("iris", "champion", 2, user_id="cy")
    store.delete_model_version("iris", 2)
    events = [
        (e.version, e.kind, e.from_value, e.to_value, e.user_id)
        for e in store.get_model_version_history("iris")
    ]
    assert events == [
        (1, "created", None, model_source(run), "ada"),
        (2, "created", None, model_source(run), ""),
        (1, "stage", "None", "Staging", "ada"),
        (1, "stage", "Staging", "Production", "bo"),
        (1, "alias_set", None, "champion", "bo"),
        (1, "alias_deleted", "champion", None, "cy"),
        (2, "alias_set", None, "champion", "cy"),
        (2, "alias_deleted", "champion", None, ""),
        (2, "deleted", "None", None, ""),
    ]
    only_one = store.get_model_version_history("iris", 1)
    assert {e.version for e in only_one} == {1} and len(only_one) == 5
    assert all(e.name == "iris" and e.timestamp > 0 for e in only_one)


# -- search ---------------------------------------------------------------------------------------


def test_search_registered_models(store: TrackingStore) -> None:
    store.create_registered_model("iris-a", tags={"team": "a"})
    store.create_registered_model("iris-b", tags={"team": "b", "mlflow.prompt.is_prompt": "false"})
    store.create_registered_model("wine", tags={"team": "a"})
    store.create_registered_model("prompt", tags={"mlflow.prompt.is_prompt": "true"})

    def names(filter_string: str | None = None, **kw: object) -> list[str]:
        return [m.name for m in store.search_registered_models(filter_string, **kw).models]  # type: ignore[arg-type]

    assert names() == ["iris-a", "iris-b", "prompt", "wine"]
    assert names("name LIKE 'iris%'") == ["iris-a", "iris-b"]
    assert names("tags.team = 'a'") == ["iris-a", "wine"]
    assert names("name ILIKE 'IRIS%' AND tag.`mlflow.prompt.is_prompt` != 'true'") == ["iris-a", "iris-b"]
    assert names("tag.`mlflow.prompt.is_prompt` != 'true'") == ["iris-a", "iris-b", "wine"]
    assert names("name IN ('wine', 'iris-b')") == ["iris-b", "wine"]
    assert names(order_by=["name DESC"]) == ["wine", "prompt", "iris-b", "iris-a"]
    with pytest.raises(InvalidFilter):
        store.search_registered_models("metrics.x > 1")


def test_search_registered_models_pages(store: TrackingStore) -> None:
    for i in range(5):
        store.create_registered_model(f"m{i}")
    first = store.search_registered_models(max_results=2)
    assert [m.name for m in first.models] == ["m0", "m1"] and first.next_page_token
    second = store.search_registered_models(max_results=2, page_token=first.next_page_token)
    third = store.search_registered_models(max_results=2, page_token=second.next_page_token)
    assert [m.name for m in second.models + third.models] == ["m2", "m3", "m4"]
    assert third.next_page_token is None
    with pytest.raises(InvalidArgument):
        store.search_registered_models(max_results=0)


def test_search_model_versions(store: TrackingStore, make_run: MakeRun) -> None:
    run_a, run_b = make_run(), make_run()
    store.create_registered_model("iris")
    store.create_registered_model("wine")
    register(store, run_a, tags={"ok": "yes"})
    register(store, run_b)
    register(store, run_a, "wine")

    def found(filter_string: str | None = None, **kw: object) -> list[tuple[str, int]]:
        page = store.search_model_versions(filter_string, **kw)  # type: ignore[arg-type]
        return [(v.name, v.version) for v in page.versions]

    assert found() == [("iris", 2), ("iris", 1), ("wine", 1)]
    assert found("name = 'iris'") == [("iris", 2), ("iris", 1)]
    assert found(f"run_id = '{run_a.info.run_id}'") == [("iris", 1), ("wine", 1)]
    assert found("name = 'iris' AND version_number > 1") == [("iris", 2)]
    assert found("tags.ok = 'yes'") == [("iris", 1)]
    assert found(f"source_path LIKE '{run_b.info.artifact_uri}%'") == [("iris", 2)]
    assert found(order_by=["version_number ASC", "name DESC"]) == [("wine", 1), ("iris", 1), ("iris", 2)]
    page = store.search_model_versions(max_results=2)
    assert len(page.versions) == 2 and page.next_page_token
    rest = store.search_model_versions(max_results=2, page_token=page.next_page_token)
    assert [(v.name, v.version) for v in rest.versions] == [("wine", 1)]


# -- where a version's files may be (CVE-2023-1177 and its family) --------------------------------


def _bad_sources(run: Run) -> list[str]:
    inside = run.info.artifact_uri
    return [
        "file:///etc/",  # CVE-2023-1177: any folder of the server
        "/etc/passwd",  # CVE-2023-1176: an absolute path
        "file:/etc",  # CVE-2024-3573: a scheme misread as local
        "//evil-host/share",  # an empty scheme naming another host
        f"{inside}/../../../../etc",  # CVE-2023-2356: a relative escape from the run
        f"{inside}\\..\\..\\..\\etc",  # CVE-2023-2780: backslashes
        f"{inside}/%2e%2e/%2e%2e/%2e%2e",  # CVE-2023-6909: URL-encoded dots
        f"{inside}/%252e%252e/%252e%252e",  # encoded twice
        f"{inside}/model#/../../../../etc",  # CVE-2024-1483: a fragment
        f"{inside}/model?x=../../etc",  # a query
        f"{inside}/model;/../../etc",  # ;-parameters
        f"{inside}-sibling/model",  # a sibling folder that merely starts like the run's
        "s3://bucket/model",  # a remote location the run does not own
        "mlflow-artifacts:/0/x",  # an unresolved proxy URI
        f"file://evil-host{inside}/model",  # file: with a host
    ]


def test_sources_outside_the_run_are_refused(store: TrackingStore, run: Run) -> None:
    store.create_registered_model("iris")
    for source in _bad_sources(run):
        with pytest.raises(InvalidArgument):
            store.create_model_version("iris", source, run_id=run.info.run_id)
    assert store.search_model_versions("name = 'iris'").versions == []


def test_a_symlink_out_of_the_run_is_refused(store: TrackingStore, run: Run) -> None:
    folder = Path(run.info.artifact_uri)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "escape").symlink_to("/etc")
    store.create_registered_model("iris")
    with pytest.raises(InvalidValue):
        store.create_model_version("iris", str(folder / "escape"), run_id=run.info.run_id)


def test_a_source_needs_a_run_or_a_logged_model(store: TrackingStore, run: Run) -> None:
    store.create_registered_model("iris")
    with pytest.raises(InvalidValue):
        store.create_model_version("iris", model_source(run))


def test_models_uri_must_match_model_id(
    store: TrackingStore, run: Run, logged_model: LoggedModel, make_run: MakeRun
) -> None:
    store.create_registered_model("iris")
    other = "m-" + "1" * 32
    with pytest.raises(InvalidValue):
        store.create_model_version("iris", f"models:/{logged_model.model_id}", model_id=other)
    with pytest.raises(InvalidValue):
        store.create_model_version("iris", "models:/iris/1")  # a registry URI is not a logged model
    with pytest.raises(NotFound):
        store.create_model_version("iris", f"models:/{other}")
    with pytest.raises(InvalidValue):
        store.create_model_version("iris", f"runs:/{run.info.run_id}/model", run_id=make_run().info.run_id)
    with pytest.raises(InvalidValue):  # a run's folder is not the logged model's
        store.create_model_version("iris", model_source(run), model_id=logged_model.model_id)


def test_concurrent_registrations_get_distinct_numbers(store: TrackingStore, run: Run) -> None:
    from concurrent.futures import ThreadPoolExecutor

    store.create_registered_model("iris")
    with ThreadPoolExecutor(max_workers=6) as pool:
        numbers = list(pool.map(lambda _: register(store, run).version, range(18)))
    assert sorted(numbers) == list(range(1, 19))
    created = [e for e in store.get_model_version_history("iris") if e.kind == "created"]
    assert sorted(e.version for e in created) == list(range(1, 19))


def test_oversized_input_is_refused_cleanly(store: TrackingStore, run: Run) -> None:
    store.create_registered_model("iris")
    with pytest.raises(InvalidArgument):
        register(store, run, user_id="u" * 300)
    with pytest.raises(InvalidArgument):
        register(store, run, description="d" * 6000)
    with pytest.raises(InvalidArgument):
        register(store, run, tags={"k" * 300: "v"})
    with pytest.raises(InvalidValue):
        store.get_model_version("iris", 10**12)
    with pytest.raises(InvalidArgument):
        store.set_registered_model_alias("iris", "a" * 300, 1)
    register(store, run)
    with pytest.raises(InvalidArgument):
        store.transition_model_version_stage("iris", 1, "Staging", user_id="u" * 300)
    assert store.get_model_version("iris", 1).current_stage is ModelStage.NONE
