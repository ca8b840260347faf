"""What produced a run: the user, the script or notebook, and the git commit of its code.

Captured once per process (the answers do not change while a script runs) and cheaply: git is
asked only when the source file lives in a git work tree.
"""

from __future__ import annotations

import functools
import getpass
import os
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from carnet.store.base import NewRun
from carnet.validation import (
    MAX_TAG_VALUE_LENGTH,
    check_description,
    check_entity_name,
    check_key,
    check_text,
)


@dataclass(frozen=True)
class SourceInfo:
    user: str
    source_type: str  # "SCRIPT", "NOTEBOOK", "INTERACTIVE" or "JOB"
    source_name: str
    git_commit: str | None
    git_dirty: bool | None


def new_run_request(
    experiment_id: str,
    *,
    run_name: str | None = None,
    parent_run_id: str | None = None,
    tags: Mapping[str, Any] | None = None,
    description: str = "",
    start_time: int | None = None,
) -> NewRun:
    """A validated request for a new run, with the user, source and git state of this process."""
    if run_name is not None:
        check_entity_name(run_name, "run_name")
    clean_tags = {
        check_key(k, "tags"): check_text("" if v is None else v, f"tags.{k}", MAX_TAG_VALUE_LENGTH)
        for k, v in (tags or {}).items()
    }
    source = capture_source()
    return NewRun(
        experiment_id=str(experiment_id),
        run_name=run_name,
        start_time=start_time,
        user_id=source.user,
        parent_run_id=parent_run_id,
        source_type=source.source_type,
        source_name=source.source_name,
        git_commit=source.git_commit,
        git_dirty=source.git_dirty,
        description=check_description(description),
        tags=clean_tags,
    )


@functools.lru_cache(maxsize=1)
def capture_source() -> SourceInfo:
    source_type, source_name = _source()
    commit, dirty = _git_state(Path(source_name).parent if source_type == "SCRIPT" else Path.cwd())
    return SourceInfo(_user(), source_type, source_name, commit, dirty)


def _user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no passwd entry in some containers
        return os.environ.get("USER", "unknown")


def _source() -> tuple[str, str]:
    if os.environ.get("CARNET_JOB_ID"):
        return "JOB", os.environ.get("CARNET_JOB_ID", "")
    if "ipykernel" in sys.modules:
        notebook = os.environ.get("JPY_SESSION_NAME") or os.environ.get("VSCODE_NOTEBOOK_PATH") or "notebook"
        return "NOTEBOOK", notebook
    main = sys.modules.get("__main__")
    path = getattr(main, "__file__", None)
    if path:
        return "SCRIPT", str(Path(path).resolve())
    return "INTERACTIVE", "<interactive>"


def _git_state(folder: Path) -> tuple[str | None, bool | None]:
    if not _inside_git(folder):
        return None, None
    try:
        commit = _git(folder, "rev-parse", "HEAD")
        dirty = bool(_git(folder, "status", "--porcelain", "--untracked-files=no"))
    except (OSError, subprocess.SubprocessError):
        return None, None
    return commit or None, dirty if commit else None


def _inside_git(folder: Path) -> bool:
    folder = folder.resolve()
    return any((p / ".git").exists() for p in (folder, *folder.parents))


def _git(folder: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=folder, capture_output=True, text=True, timeout=10, check=True)
    return done.stdout.strip()
