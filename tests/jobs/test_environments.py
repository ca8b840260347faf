"""Job environments: a requirements file or a conda-style YAML file is built once with uv into
a cached virtualenv and reused by the next job with the same spec; a build that fails fails its
job with the build's log; conda packages are refused at submit."""

from __future__ import annotations

import base64
import hashlib
import sys
import zipfile
from pathlib import Path

import pytest

from carnet import Environment, Experiment, ScriptRunConfig, Workspace
from carnet.exceptions import InvalidValue
from carnet.jobs import Worker
from carnet.store.jobs import job_store

PROBE = """
import sys
import carnet_probe
from carnet import Run
print("probe", carnet_probe.VALUE, "python", sys.executable, flush=True)
Run.get_context().log("probe", carnet_probe.VALUE)
"""


def _wheel(folder: Path) -> Path:
    """A tiny pure-Python wheel, built by hand so the test needs no package index."""
    files = {
        "carnet_probe.py": b"VALUE = 7\n",
        "carnet_probe-0.1.dist-info/METADATA": b"Metadata-Version: 2.1\nName: carnet-probe\nVersion: 0.1\n",
        "carnet_probe-0.1.dist-info/WHEEL": b"Wheel-Version: 1.0\nGenerator: hand\nRoot-Is-Purelib: true\n"
        b"Tag: py3-none-any\n",
    }
    record = []
    for name, data in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record.append(f"{name},sha256={digest},{len(data)}")
    record.append("carnet_probe-0.1.dist-info/RECORD,,")
    path = folder / "carnet_probe-0.1-py3-none-any.whl"
    folder.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w") as wheel:
        for name, data in files.items():
            wheel.writestr(name, data)
        wheel.writestr("carnet_probe-0.1.dist-info/RECORD", "\n".join(record) + "\n")
    return path


@pytest.fixture(autouse=True)
def offline_uv(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("UV_OFFLINE", "1")  # builds use only the local wheel


def test_a_spec_is_built_once_and_reused(
    ws: Workspace, experiment: Experiment, worker: Worker, make_folder, tmp_path: Path, env_cache: Path
) -> None:
    wheel = _wheel(tmp_path / "wheels")
    requirements = tmp_path / "requirements.txt"
    requirements.write_text(f"# the probe\n{wheel}\n")
    folder = make_folder("probe", {"train.py": PROBE})
    jobs = job_store(ws.store)

    first = experiment.submit(
        ScriptRunConfig(
            str(folder), "train.py", environment=Environment.from_pip_requirements("probe", requirements)
        )
    )
    first.wait_for_completion()
    second = experiment.submit(
        ScriptRunConfig(str(folder), "train.py", environment=Environment.from_file(requirements))
    )
    second.wait_for_completion()

    first_log, second_log = jobs.read_job_log(first.id).text, jobs.read_job_log(second.id).text
    assert "environment: building" in first_log and "probe 7" in first_log
    assert "environment: reusing" in second_log and "building" not in second_log
    python = first_log.split("python ")[-1].split()[0]
    assert python != sys.executable and python.startswith(str(env_cache))
    assert second.get_metrics() == {"probe": 7.0}
    assert "environment: building" in first.download_file("logs/environment.txt").read_text()


def test_a_conda_style_file_takes_its_pip_dependencies(
    experiment: Experiment, worker: Worker, make_folder, tmp_path: Path
) -> None:
    wheel = _wheel(tmp_path / "wheels")
    spec = tmp_path / "environment.yml"
    spec.write_text(f"name: probe\ndependencies:\n  - python=3.11\n  - pip\n  - pip:\n    - {wheel}\n")
    folder = make_folder("conda", {"train.py": PROBE})
    run = experiment.submit(ScriptRunConfig(str(folder), "train.py", environment=Environment.from_file(spec)))
    run.wait_for_completion()
    assert run.get_metrics() == {"probe": 7.0}


def test_conda_packages_are_refused_at_submit(tmp_path: Path) -> None:
    spec = tmp_path / "environment.yml"
    spec.write_text("dependencies:\n  - numpy=1.26\n  - pip:\n    - requests\n")
    with pytest.raises(InvalidValue, match=r"numpy=1\.26") as refused:
        Environment.from_conda_specification("np", spec)
    assert refused.value.field == "environment"


def test_an_environment_that_fails_to_build_fails_the_job_with_its_log(
    ws: Workspace, experiment: Experiment, worker: Worker, make_folder, tmp_path: Path, env_cache: Path
) -> None:
    requirements = tmp_path / "requirements.txt"
    requirements.write_text(f"{tmp_path / 'missing' / 'nothing-1.0-py3-none-any.whl'}\n")
    folder = make_folder("broken", {"train.py": "print('never runs')\n"})
    run = experiment.submit(
        ScriptRunConfig(str(folder), "train.py", environment=Environment.from_file(requirements))
    )
    details = run.wait_for_completion(raise_on_error=False)
    assert details["status"] == "Failed"
    assert "building the environment failed" in details["error"]
    assert "nothing-1.0-py3-none-any.whl" in details["error"]
    assert "never runs" not in job_store(ws.store).read_job_log(run.id).text
    assert [p.name for p in env_cache.iterdir() if p.is_dir()] == []  # nothing half-built is kept
