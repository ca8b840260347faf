"""The job queue contract over SQLite, PostgreSQL and a carnet server (the REST store): states,
claims, heartbeats, the reaper, output, cancel and compute targets, with the errors callers see."""

from __future__ import annotations

import threading
import time
from collections import Counter

import pytest

from carnet.entities import ComputeTarget, EnvironmentKind, JobStatus, RunStatus
from carnet.exceptions import AlreadyExists, InvalidArgument, InvalidState, NotFound
from carnet.store import NewRun, TrackingStore
from carnet.store.jobs import JobStore, NewJob, job_store


@pytest.fixture
def jobs(store: TrackingStore) -> JobStore:
    return job_store(store)


def _queue(store: TrackingStore, compute: str = "local", **fields: object) -> str:
    run = store.create_run(NewRun(experiment_id="0"))
    job_store(store).submit_job(NewJob(run.info.run_id, "train.py", compute=compute, **fields))  # type: ignore[arg-type]
    return run.info.run_id


def test_a_job_goes_through_its_states_and_ends_its_run(store: TrackingStore, jobs: JobStore) -> None:
    job_id = _queue(store, arguments=("--alpha", "0.5"))
    queued = jobs.get_job(job_id)
    assert (queued.status, queued.arguments, queued.run_id) == (JobStatus.QUEUED, ("--alpha", "0.5"), job_id)
    claimed = jobs.claim_job("w1", ["local"])
    assert claimed is not None and claimed.job_id == job_id
    assert (claimed.status, claimed.worker_id, claimed.attempts) == (JobStatus.PREPARING, "w1", 1)
    assert claimed.start_time is not None
    running = jobs.set_job_status(job_id, "w1", JobStatus.RUNNING)
    assert running.running_time is not None
    jobs.append_job_log(job_id, "w1", "line 1\n")
    jobs.append_job_log(job_id, "w1", "line 2\n")
    first = jobs.read_job_log(job_id)
    assert first.text == "line 1\nline 2\n"
    assert jobs.read_job_log(job_id, first.cursor).text == ""
    done = jobs.set_job_status(job_id, "w1", "Completed")
    assert done.status is JobStatus.COMPLETED and done.end_time is not None
    assert store.get_run(job_id).info.status is RunStatus.COMPLETED
    assert jobs.claim_job("w2", ["local"]) is None


def test_jobs_are_claimed_oldest_first_and_listed_newest_first(store: TrackingStore, jobs: JobStore) -> None:
    first, second = _queue(store), _queue(store)
    page = jobs.search_jobs()
    assert [j.job_id for j in page.jobs] == [second, first]
    claimed = jobs.claim_job("w", ["local"])
    assert claimed is not None and claimed.job_id == first
    assert [j.job_id for j in jobs.search_jobs(status=["Queued"]).jobs] == [second]
    assert [j.job_id for j in jobs.search_jobs(max_results=1).jobs] == [second]
    assert jobs.search_jobs(max_results=1).next_page_token is not None


def test_failed_job_keeps_its_error_and_fails_its_run(store: TrackingStore, jobs: JobStore) -> None:
    job_id = _queue(store)
    jobs.claim_job("w", ["local"])
    jobs.set_job_status(job_id, "w", "Running")
    failed = jobs.set_job_status(job_id, "w", "Failed", "the script exited with code 3")
    assert failed.error == "the script exited with code 3"
    assert store.get_run(job_id).info.status is RunStatus.FAILED


def test_cancel_queued_running_and_finished_jobs(store: TrackingStore, jobs: JobStore) -> None:
    queued = _queue(store)
    assert jobs.cancel_job(queued).status is JobStatus.CANCELED
    assert store.get_run(queued).info.status is RunStatus.CANCELED
    running = _queue(store)
    jobs.claim_job("w", ["local"])
    asked = jobs.cancel_job(running)
    assert asked.status is JobStatus.PREPARING and asked.cancel_requested
    assert jobs.heartbeat_job(running, "w").cancel_requested
    jobs.set_job_status(running, "w", "Canceled")
    with pytest.raises(InvalidState, match="already ended as Canceled: there is nothing to cancel"):
        jobs.cancel_job(running)


def test_a_worker_that_no_longer_holds_a_job_is_refused(store: TrackingStore, jobs: JobStore) -> None:
    job_id = _queue(store)
    jobs.claim_job("w1", ["local"])
    with pytest.raises(InvalidState, match="no longer held by worker 'w2'"):
        jobs.heartbeat_job(job_id, "w2")
    with pytest.raises(InvalidState):
        jobs.append_job_log(job_id, "w2", "x")
    with pytest.raises(InvalidState, match="cannot move"):
        jobs.set_job_status(job_id, "w1", "Queued")


def test_reaper_requeues_a_preparing_job_and_fails_a_running_one(
    store: TrackingStore, jobs: JobStore
) -> None:
    preparing, running = _queue(store), _queue(store)
    jobs.claim_job("dead", ["local"])
    jobs.claim_job("dead", ["local"])
    jobs.set_job_status(running, "dead", "Running")
    time.sleep(1.2)
    reaped = {j.job_id: j for j in jobs.reap_jobs(1000)}
    assert reaped[preparing].status is JobStatus.QUEUED and reaped[preparing].worker_id is None
    assert reaped[running].status is JobStatus.FAILED
    assert "sent no heartbeat" in (reaped[running].error or "")
    assert store.get_run(running).info.status is RunStatus.FAILED
    again = jobs.claim_job("alive", ["local"])
    assert again is not None and again.job_id == preparing and again.attempts == 2
    assert jobs.reap_jobs(60_000) == []


def test_concurrent_claims_never_hand_one_job_to_two_workers(store: TrackingStore, jobs: JobStore) -> None:
    queued = {_queue(store) for _ in range(12)}
    claimed: list[str] = []
    lock = threading.Lock()

    def claim_all(worker: str) -> None:
        while True:
            job = jobs.claim_job(worker, ["local"])
            if job is None:
                return
            with lock:
                claimed.append(job.job_id)

    threads = [threading.Thread(target=claim_all, args=(f"w{i}",)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert Counter(claimed) == Counter(queued)


def test_max_concurrent_jobs_of_a_target_holds_over_every_worker(
    store: TrackingStore, jobs: JobStore
) -> None:
    jobs.create_compute_target(ComputeTarget("small", "local", max_concurrent_jobs=1))
    first, second = _queue(store, compute="small"), _queue(store, compute="small")
    assert jobs.claim_job("w1", ["small"]).job_id == first  # type: ignore[union-attr]
    assert jobs.claim_job("w2", ["small"]) is None
    jobs.set_job_status(first, "w1", "Completed")
    assert jobs.claim_job("w2", ["small"]).job_id == second  # type: ignore[union-attr]


def test_compute_targets(store: TrackingStore, jobs: JobStore) -> None:
    assert [t.name for t in jobs.list_compute_targets()] == ["local"]
    created = jobs.create_compute_target(ComputeTarget("cluster", "ray", address="http://127.0.0.1:8265"))
    assert created.kind == "ray" and created.created_time > 0
    with pytest.raises(AlreadyExists):
        jobs.create_compute_target(ComputeTarget("cluster", "ray", address="http://x:8265"))
    updated = jobs.update_compute_target(ComputeTarget("cluster", "ray", 4, "http://127.0.0.1:8266"))
    assert jobs.get_compute_target("cluster") == updated
    jobs.delete_compute_target("cluster")
    with pytest.raises(NotFound) as missing:
        jobs.get_compute_target("cluster")
    assert missing.value.field == "compute_target"
    with pytest.raises(InvalidState, match="built in"):
        jobs.delete_compute_target("local")


@pytest.mark.parametrize(
    ("target", "field"),
    [
        (ComputeTarget("bad name!", "local"), "name"),
        (ComputeTarget("k8s", "kubernetes"), "kind"),
        (ComputeTarget("cluster", "ray"), "address"),
        (ComputeTarget("many", "local", max_concurrent_jobs=-1), "max_concurrent_jobs"),
    ],
)
def test_bad_compute_targets_name_the_field(jobs: JobStore, target: ComputeTarget, field: str) -> None:
    with pytest.raises(InvalidArgument) as refused:
        jobs.create_compute_target(target)
    assert refused.value.field == field


def test_a_target_with_unfinished_jobs_cannot_be_deleted(store: TrackingStore, jobs: JobStore) -> None:
    jobs.create_compute_target(ComputeTarget("busy", "local"))
    _queue(store, compute="busy")
    with pytest.raises(InvalidState, match="unfinished"):
        jobs.delete_compute_target("busy")


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"script": "../outside.py"}, "script"),
        ({"script": "/etc/passwd"}, "script"),
        ({"compute": "nowhere"}, "compute_target"),
        ({"arguments": ("ok", 3)}, "arguments"),
        ({"environment_kind": EnvironmentKind.REQUIREMENTS}, "environment"),
    ],
)
def test_bad_submissions_name_the_field_and_queue_nothing(
    store: TrackingStore, jobs: JobStore, fields: dict[str, object], field: str
) -> None:
    run = store.create_run(NewRun(experiment_id="0"))
    new = NewJob(**{"run_id": run.info.run_id, "script": "train.py", **fields})  # type: ignore[arg-type]
    with pytest.raises((InvalidArgument, NotFound)) as refused:
        jobs.submit_job(new)
    assert refused.value.field == field
    assert jobs.search_jobs().jobs == []


def test_unknown_jobs_and_second_jobs_for_a_run(store: TrackingStore, jobs: JobStore) -> None:
    with pytest.raises(NotFound) as missing:
        jobs.get_job("0" * 32)
    assert missing.value.field == "job_id"
    job_id = _queue(store)
    with pytest.raises(AlreadyExists):
        jobs.submit_job(NewJob(job_id, "train.py"))
