"""The endpoints the studio's pages read beyond the rest of the API: experiment summaries, the runs
table, downsampled chart data, tags on runs in any status, and run and model-version files
(listing, previews with size caps, downloads). Each answer is JSON a page can show as it is."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from fastapi.responses import FileResponse
from starlette.background import BackgroundTask

from carnet.entities import ViewType
from carnet.exceptions import InvalidArgument
from carnet.schemas import to_json
from carnet.schemas.studio import RunsTableRequest, RunTagsRequest
from carnet.server import checks
from carnet.server.deps import StoreDep
from carnet.server.routing import JSONRoute
from carnet.store.artifacts.base import ArtifactRepository
from carnet.store.base import TrackingStore
from carnet.studio import charts, previews, runs_table

router = APIRouter(tags=["studio"], route_class=JSONRoute)

PathQuery = Annotated[str, Query(description="a relative path inside the run's (or version's) files")]


def _json(value: Any) -> Response:
    return Response(to_json(value), media_type="application/json")


@router.get("/experiment-summaries")
def experiment_summaries(store: StoreDep, view: ViewType = ViewType.ACTIVE_ONLY) -> Response:
    """Every experiment with its number of active runs and its last activity (a run started or
    ended, else the experiment's own last update)."""
    found = store.search_experiments(view)
    stats = store.experiment_run_stats([e.experiment_id for e in found])
    answer = []
    for e in found:
        s = stats.get(e.experiment_id)
        answer.append(
            {
                "experiment_id": e.experiment_id,
                "name": e.name,
                "lifecycle_stage": e.lifecycle_stage.value,
                "creation_time": e.creation_time,
                "run_count": s.run_count if s else 0,
                "last_activity": max(e.last_update_time, s.last_activity if s else 0),
                "tags": e.tags,
            }
        )
    return _json({"experiments": answer})


@router.post("/runs/table")
def runs_table_page(body: RunsTableRequest, store: StoreDep) -> Response:
    return _json(
        runs_table.build_table(
            store,
            body.experiment_ids,
            body.filter,
            body.order_by,
            body.max_results,
            body.page_token,
            body.view,
            body.columns,
            body.nested,
            body.auto_columns,
        )
    )


@router.patch("/runs/{run_id}/tags")
def set_run_tags(run_id: str, body: RunTagsRequest, store: StoreDep) -> dict[str, str]:
    checks.check_tags(body.tags)
    checks.check_tags(dict.fromkeys(body.deleted, ""))
    store.set_run_tags(run_id, body.tags, body.deleted)
    return {}


@router.get("/runs/{run_id}/metrics/{key:path}/chart")
def metric_chart(
    run_id: str,
    key: str,
    store: StoreDep,
    x: Annotated[str, Query(description="step, time, relative or metric:<key>")] = "step",
    buckets: Annotated[int, Query(ge=1, le=5000, description="about the chart's width in pixels")] = 1000,
    x_min: float | None = None,
    x_max: float | None = None,
) -> Response:
    return _json(charts.chart_data(store, run_id, key, x=x, buckets=buckets, x_min=x_min, x_max=x_max))


# -- files ----------------------------------------------------------------------------------------


def _run_files(store: TrackingStore, run_id: str) -> ArtifactRepository:
    return store.artifact_repository(store.get_run(run_id).info.artifact_uri)


def _version_files(store: TrackingStore, name: str, version: str) -> ArtifactRepository:
    return store.artifact_repository(store.get_model_version_download_uri(name, version))


def _listing(repo: ArtifactRepository, path: str | None) -> Response:
    if path:
        previews.find_file(repo, path)  # NotFound naming the path, rather than an empty folder
    files = [{"path": f.path, "is_dir": f.is_dir, "size": f.file_size} for f in repo.list_files(path or None)]
    return _json({"files": files})


def _download(repo: ArtifactRepository, path: str) -> FileResponse:
    """The file, streamed from a temporary copy: an image inline (for previews), anything else as
    an attachment, so a browser never renders a logged file as a page."""
    entry = previews.find_file(repo, path)
    if entry.is_dir:
        raise InvalidArgument(f"path: {path!r} is a folder; download its files one by one", field="path")
    folder = tempfile.mkdtemp(prefix="carnet-download-")
    local = repo.download(path, Path(folder) / "file")
    name = Path(path).name
    image_type = previews.IMAGE_TYPES.get(Path(name).suffix.lower())
    return FileResponse(
        local,
        media_type=image_type or "application/octet-stream",
        filename=name,
        content_disposition_type="inline" if image_type else "attachment",
        background=BackgroundTask(shutil.rmtree, folder, ignore_errors=True),
    )


@router.get("/runs/{run_id}/artifacts")
def list_run_files(run_id: str, store: StoreDep, path: str | None = None) -> Response:
    return _listing(_run_files(store, run_id), path)


@router.get("/runs/{run_id}/artifacts/preview")
def preview_run_file(run_id: str, path: PathQuery, store: StoreDep) -> Response:
    return _json(previews.preview(_run_files(store, run_id), path))


@router.get("/runs/{run_id}/artifacts/file")
def download_run_file(run_id: str, path: PathQuery, store: StoreDep) -> FileResponse:
    return _download(_run_files(store, run_id), path)


@router.get("/registered-models/{name}/versions/{version}/files")
def list_version_files(name: str, version: str, store: StoreDep, path: str | None = None) -> Response:
    return _listing(_version_files(store, name, version), path)


@router.get("/registered-models/{name}/versions/{version}/files/preview")
def preview_version_file(name: str, version: str, path: PathQuery, store: StoreDep) -> Response:
    return _json(previews.preview(_version_files(store, name, version), path))


@router.get("/registered-models/{name}/versions/{version}/files/file")
def download_version_file(name: str, version: str, path: PathQuery, store: StoreDep) -> FileResponse:
    return _download(_version_files(store, name, version), path)
