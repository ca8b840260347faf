"""Submitting scripts as jobs (Azure ML style): ``ScriptRunConfig``, ``Environment`` and the
submit step behind ``Experiment.submit``.

Submitting checks everything it can before writing anything (the folder, the script, the
compute target, the environment file, the snapshot's size), then creates the job's run, stores
the snapshot with it and queues the job. A failure after the run exists marks it Failed, so no
half-submitted job is left Running.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from carnet.entities import ComputeTarget, EnvironmentKind, RunStatus
from carnet.exceptions import CarnetError, InvalidArgument, InvalidValue
from carnet.validation import check_relative_path

if TYPE_CHECKING:
    from carnet.sdk.experiment import Experiment
    from carnet.sdk.run import Run
    from carnet.store.base import NewRun

JOB_TAG = "carnet.job"


@dataclass(frozen=True)
class Environment:
    """Where a job's Python comes from.

    ``Environment()`` (or ``environment=None``) is the worker's own interpreter ("user-managed").
    ``Environment.from_pip_requirements(name, "requirements.txt")`` and
    ``Environment.from_conda_specification(name, "environment.yml")`` are built once into a
    virtualenv cached under the hash of the spec and reused by later jobs.
    """

    name: str = "current"
    kind: EnvironmentKind = EnvironmentKind.CURRENT
    spec: str = ""

    @classmethod
    def from_pip_requirements(cls, name: str, file_path: str | os.PathLike[str]) -> Environment:
        return cls(name, EnvironmentKind.REQUIREMENTS, _read_spec(file_path))

    @classmethod
    def from_conda_specification(cls, name: str, file_path: str | os.PathLike[str]) -> Environment:
        spec = _read_spec(file_path)
        _check_conda_yaml(spec)
        return cls(name, EnvironmentKind.CONDA, spec)

    @classmethod
    def from_file(cls, file_path: str | os.PathLike[str]) -> Environment:
        """A requirements file (``.txt``) or a conda-style YAML file (``.yml``/``.yaml``)."""
        path = Path(file_path)
        if path.suffix in (".yml", ".yaml"):
            return cls.from_conda_specification(path.stem, path)
        return cls.from_pip_requirements(path.stem, path)


def _read_spec(file_path: str | os.PathLike[str]) -> str:
    path = Path(file_path).expanduser()
    if not path.is_file():
        raise InvalidArgument(f"environment: {str(file_path)!r} is not a file", field="environment")
    return path.read_text(encoding="utf-8")


def _check_conda_yaml(spec: str) -> None:
    pip_requirements(EnvironmentKind.CONDA, spec)


def pip_requirements(kind: EnvironmentKind, spec: str) -> str:
    """The requirements to install: the spec itself, or a conda-style file's pip dependencies.
    Conda packages other than ``python`` and ``pip`` cannot be installed with pip and are refused
    (``InvalidValue`` naming them)."""
    if kind is not EnvironmentKind.CONDA:
        return spec
    import yaml

    try:
        loaded = yaml.safe_load(spec) or {}
    except yaml.YAMLError as exc:
        raise InvalidValue(f"environment: not valid YAML: {exc}", field="environment") from None
    dependencies = loaded.get("dependencies", []) if isinstance(loaded, dict) else None
    if not isinstance(dependencies, list):
        raise InvalidValue(
            "environment: a conda-style file needs a 'dependencies:' list", field="environment"
        )
    pip: list[str] = []
    refused: list[str] = []
    for item in dependencies:
        if isinstance(item, dict) and isinstance(item.get("pip"), list):
            pip.extend(str(p) for p in item["pip"])
        elif isinstance(item, str):
            name = item.split("=")[0].split("<")[0].split(">")[0].strip()
            if name not in ("python", "pip"):
                refused.append(item)
        else:
            refused.append(str(item))
    if refused:
        raise InvalidValue(
            f"environment: conda packages {', '.join(refused)} cannot be installed (carnet builds "
            "environments from pip packages): list them under 'pip:'",
            field="environment",
        )
    return "\n".join(pip) + "\n"


@dataclass
class ScriptRunConfig:
    """What to run: ``script`` (a path inside ``source_directory``) with ``arguments``, on
    ``compute_target`` (a target's name or object; default ``local``), in ``environment``
    (default: the worker's interpreter)."""

    source_directory: str | os.PathLike[str]
    script: str
    arguments: Sequence[Any] | None = None
    compute_target: str | ComputeTarget = "local"
    environment: Environment | None = None
    tags: dict[str, str] = field(default_factory=dict)


def submit(experiment: Experiment, config: ScriptRunConfig, tags: dict[str, str] | None = None) -> Run:
    """Queue ``config`` as a job in ``experiment``; return the job's run."""
    from carnet.sdk.run import Run
    from carnet.sdk.snapshot import SNAPSHOT_ARTIFACT, select_files, write_archive
    from carnet.sdk.source import new_run_request
    from carnet.store.jobs import NewJob, check_new_job, job_store

    if not isinstance(config, ScriptRunConfig):
        raise InvalidArgument(
            f"config: expected a ScriptRunConfig, got {type(config).__name__}", field="config"
        )
    workspace = experiment.workspace
    jobs = job_store(workspace.store)
    compute = config.compute_target
    compute_name = compute.name if isinstance(compute, ComputeTarget) else compute
    arguments = tuple(_argument(a, i) for i, a in enumerate(config.arguments or ()))
    environment = config.environment or Environment()
    script = check_relative_path(config.script, "script")
    selected = select_files(config.source_directory)
    if script not in selected.files:
        where = Path(selected.root, script)
        reason = "is left out by .gitignore or .carnetignore" if where.is_file() else "does not exist"
        raise InvalidArgument(f"script: {script!r} {reason} in {selected.root}", field="script")
    # Checks that need no run first: a bad target or field must not leave a run behind.
    placeholder = "0" * 32
    check_new_job(NewJob(placeholder, script, arguments, compute_name, environment.kind, environment.spec))
    jobs.get_compute_target(compute_name)

    run_tags = {JOB_TAG: "script", **config.tags, **(tags or {})}
    request = new_run_request(experiment.id, tags=run_tags)
    request = _as_job_source(request, selected.root, script)
    entity = workspace.store.create_run(request)
    run = Run(workspace, entity.info)
    try:
        with tempfile.TemporaryDirectory(prefix="carnet-snapshot-") as tmp:
            archive = write_archive(selected, Path(tmp) / "snapshot.tar.gz")
            workspace.store.artifact_repository(entity.info.artifact_uri).log_file(archive, SNAPSHOT_ARTIFACT)
        jobs.submit_job(NewJob(run.id, script, arguments, compute_name, environment.kind, environment.spec))
    except BaseException:
        with contextlib.suppress(CarnetError):  # keep the first error; the run is Failed if possible
            workspace.store.update_run(run.id, status=RunStatus.FAILED)
        raise
    return run


def _as_job_source(request: NewRun, root: Path, script: str) -> NewRun:
    from carnet.sdk.source import _git_state

    commit, dirty = _git_state(root)
    return replace(request, source_type="JOB", source_name=script, git_commit=commit, git_dirty=dirty)


def _argument(value: Any, index: int) -> str:
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, bool):
        return str(value)
    raise InvalidValue(
        f"arguments[{index}]: expected a string or a number, got {type(value).__name__}",
        field="arguments",
    )


def wait(run: Run, show_output: bool, raise_on_error: bool, poll_seconds: float = 0.25) -> dict[str, Any]:
    """Follow the run's job to its end (printing its output as it comes when ``show_output``);
    return the run's details with the job's status and error."""
    import sys
    import time

    from carnet.exceptions import JobFailed
    from carnet.store.jobs import job_store

    jobs = job_store(run.workspace.store)
    cursor = 0
    while True:
        job = jobs.get_job(run.id)
        if show_output:
            while True:  # drain what is there (a read returns a bounded number of chunks)
                log = jobs.read_job_log(run.id, cursor)
                if log.text:
                    sys.stdout.write(log.text)
                    sys.stdout.flush()
                if log.cursor == cursor:
                    break
                cursor = log.cursor
        if job.status.is_terminal:
            break
        time.sleep(poll_seconds)
    details = run.get_details()
    details["status"] = job.status.value
    details["compute"] = job.compute
    details["error"] = job.error
    if raise_on_error and job.status.value != "Completed":
        raise JobFailed(f"job {run.id} ended {job.status.value}: {job.error or 'no error recorded'}")
    return details
