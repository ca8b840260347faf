"""The server process stays lean: no ML libraries, and no SDK, at import time."""

from __future__ import annotations

import subprocess
import sys


def test_server_imports_no_ml_libraries() -> None:
    code = (
        "import sys, carnet.server.app, carnet.store.rest\n"
        "heavy = sorted(m for m in ('sklearn', 'matplotlib', 'pandas') if m in sys.modules)\n"
        "print(','.join(heavy))\n"
    )
    command = [sys.executable, "-c", code]
    result = subprocess.run(command, capture_output=True, text=True, timeout=60, check=True)
    assert result.stdout.strip() == ""
