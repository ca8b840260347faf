"""Job environments: the worker's own interpreter, or a virtualenv built from a spec and cached.

A spec (a pip requirements file, or a conda-style YAML file whose ``pip:`` dependencies are
taken) is built once with ``uv`` into ``<cache>/<hash of the spec>`` and reused by every later
job with the same spec, on any worker sharing the cache folder (``CARNET_ENV_CACHE``, default
``~/.cache/carnet/envs``). A file lock keeps two workers from building the same one at once; a
build that fails leaves nothing behind, and its log is the job's error.

A built environment sees its own packages first and the worker's after them (a ``.pth`` file
adds the worker's site-packages at the end of ``sys.path``), so carnet itself, which the script
needs for ``Run.get_context()``, is always importable without being in the spec.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import subprocess
import sys
import sysconfig
from collections.abc import Callable, Iterator
from pathlib import Path

from carnet.entities import EnvironmentKind
from carnet.exceptions import CarnetError
from carnet.sdk.script_run import pip_requirements

ENV_CACHE = "CARNET_ENV_CACHE"
READY_MARKER = ".carnet-ready"
BUILD_TIMEOUT_S = 1800


class EnvironmentBuildFailed(CarnetError):
    """``uv`` could not build the environment; the message ends with its log."""


def cache_root() -> Path:
    configured = os.environ.get(ENV_CACHE, "").strip()
    return Path(configured).expanduser() if configured else Path.home() / ".cache" / "carnet" / "envs"


def spec_hash(kind: EnvironmentKind, spec: str) -> str:
    """The cache key: the kind, the spec's meaningful lines and the base interpreter's version."""
    lines = [line.strip() for line in spec.splitlines()]
    meaningful = "\n".join(line for line in lines if line and not line.startswith("#"))
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    return hashlib.sha256(f"{kind.value}\n{version}\n{meaningful}".encode()).hexdigest()[:20]


def python_for(
    kind: EnvironmentKind, spec: str, log: Callable[[str], None], cache: Path | None = None
) -> str:
    """The interpreter a job runs with, building (or reusing) its environment; ``log`` receives
    the build's output line by line."""
    if kind is EnvironmentKind.CURRENT:
        log(f"environment: the worker's interpreter {sys.executable}\n")
        return sys.executable
    root = cache or cache_root()
    key = spec_hash(kind, spec)
    folder = root / key
    python = folder / "bin" / "python"
    if (folder / READY_MARKER).exists():
        log(f"environment: reusing {key} (cached at {folder})\n")
        return str(python)
    requirements = pip_requirements(kind, spec)
    root.mkdir(parents=True, exist_ok=True)
    with _locked(root / f"{key}.lock"):
        if (folder / READY_MARKER).exists():  # built by another worker while we waited
            log(f"environment: reusing {key} (cached at {folder})\n")
            return str(python)
        shutil.rmtree(folder, ignore_errors=True)  # a build that died half-way
        log(f"environment: building {key} in {folder}\n")
        try:
            _build(folder, requirements, log)
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        (folder / READY_MARKER).write_text(key + "\n")
    return str(python)


def _build(folder: Path, requirements: str, log: Callable[[str], None]) -> None:
    from uv import find_uv_bin

    uv = find_uv_bin()
    _run([uv, "venv", "--quiet", "--python", sys.executable, str(folder)], log)
    (folder / "requirements.txt").write_text(requirements, encoding="utf-8")
    python = folder / "bin" / "python"
    if any(line.strip() and not line.strip().startswith("#") for line in requirements.splitlines()):
        _run([uv, "pip", "install", "--python", str(python), "-r", str(folder / "requirements.txt")], log)
    _link_worker_packages(python)


def _run(command: list[str], log: Callable[[str], None]) -> None:
    log("$ " + " ".join(command) + "\n")
    lines: list[str] = []
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace"
    ) as process:
        assert process.stdout is not None
        for line in process.stdout:
            lines.append(line)
            log(line)
        code = process.wait(timeout=BUILD_TIMEOUT_S)
    if code != 0:
        tail = "".join(lines[-30:])
        raise EnvironmentBuildFailed(f"building the environment failed ({command[1]} exited {code}):\n{tail}")


def _link_worker_packages(python: Path) -> None:
    """Put the worker's site-packages after the environment's own (see the module's docstring)."""
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    worker_dirs = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    line = "import site; " + "; ".join(f"site.addsitedir({d!r})" for d in sorted(worker_dirs))
    Path(purelib, "zz_carnet_worker_packages.pth").write_text(line + "\n", encoding="utf-8")


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    import fcntl

    with open(path, "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
