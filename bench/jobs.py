"""The bench's load clients run in processes of their own (off the measuring process's
event loop): each takes a JSON job on stdin and prints one JSON line of figures."""

import json
import subprocess
import sys
from typing import Any


def run_job(module: str, job: dict[str, Any]) -> dict[str, Any]:
    """Runs `python -m <module>` on `job`; the figures it printed last."""
    result = subprocess.run(  # noqa: S603 - our own module, fixed argv
        [sys.executable, "-m", module],
        input=json.dumps(job),
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"{module} failed:\n{result.stderr[-2000:]}")
    figures: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return figures
