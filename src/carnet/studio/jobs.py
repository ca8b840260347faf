"""The studio's job pages: the jobs list, a job (live output, snapshot, outputs, cancel, and the
live leaderboard of an AutoML job), the compute targets, and the AutoML form that runs AutoML as
a job. The pages read ``/api/v1/jobs`` and ``/api/v1/compute``."""

from __future__ import annotations

from typing import cast

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse

from carnet.exceptions import CarnetError
from carnet.store.base import TrackingStore
from carnet.store.jobs import job_store
from carnet.studio.pages import NavEntry, add_nav_entry, not_found_page, render_page

router = APIRouter(include_in_schema=False)


@router.get("/jobs")
def jobs_page(request: Request) -> HTMLResponse:
    return render_page(request, "Jobs", "jobs.js")


@router.get("/jobs/{job_id}")
def job_page(request: Request, job_id: str) -> HTMLResponse:
    try:
        job = job_store(cast(TrackingStore, request.app.state.store)).get_job(job_id)
    except CarnetError:
        return not_found_page(request, f"There is no job {job_id!r}.")
    props = {"job_id": job.job_id, "experiment_id": job.experiment_id}
    return render_page(request, f"Job {job.job_id[:8]}", "job.js", props)


@router.get("/compute")
def compute_page(request: Request) -> HTMLResponse:
    return render_page(request, "Compute", "compute.js")


@router.get("/automl/new")
def automl_form_page(request: Request) -> HTMLResponse:
    return render_page(request, "New AutoML job", "automl_form.js")


def install_job_pages(app: FastAPI) -> None:
    """Add the job pages and their links in the navigation to a studio app."""
    app.include_router(router)
    add_nav_entry(NavEntry("Jobs", "/jobs", "/jobs", order=30))
    add_nav_entry(NavEntry("AutoML", "/automl/new", "/automl", order=35))
    add_nav_entry(NavEntry("Compute", "/compute", "/compute", order=40))
