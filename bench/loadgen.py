"""Read load with wrk (Lua scripts carry the auth headers and vary the ids)."""

import json
import random
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

LUA_TEMPLATE = """
local requests = {
%(requests)s
}
local thread_id = 0
setup = function(thread)
  thread:set("id", thread_id)
  thread_id = thread_id + 1
end
init = function(args)
  math.randomseed(os.time() * 1000 + id)
end
request = function()
  local r = requests[math.random(#requests)]
  local headers = {}
  if r[2] ~= "" then
    headers["Authorization"] = "Bearer " .. r[2]
  end
  if r[3] ~= nil then
    headers["Content-Type"] = "application/json"
    return wrk.format("POST", r[1], headers, r[3])
  end
  return wrk.format("GET", r[1], headers)
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests":%%d,"duration_us":%%d,"p50_us":%%d,"p99_us":%%d,"errors":%%d,"non2xx":%%d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.connect + e.read + e.write + e.timeout, e.status))
end
"""


@dataclass(frozen=True)
class Figures:
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    errors: int

    def as_row(self) -> tuple[str, str, str]:
        return (
            f"{self.requests_per_second:,.0f}",
            f"{self.p50_ms:.2f}",
            f"{self.p99_ms:.2f}",
        )


def _lua(requests: Sequence[tuple[str, ...]]) -> str:
    """(path, token) for a GET; (path, token, JSON body) for a POST (a Lua long string)."""
    lines = ",\n".join(
        f'  {{"{path}", "{token}"}}' if not body else f'  {{"{path}", "{token}", [[{body}]]}}'
        for path, token, body in ((*request, "")[:3] for request in requests)
    )
    return LUA_TEMPLATE % {"requests": lines}


def run_wrk(
    base: str,
    requests: Sequence[tuple[str, ...]],
    *,
    duration: float,
    warmup: float,
    connections: int,
    threads: int = 2,
) -> Figures:
    """`requests` are (path, bearer token or "") pairs, drawn at random for each request,
    or (path, token, JSON body) for a POST."""
    sample = requests if len(requests) <= 5_000 else random.sample(list(requests), 5_000)
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(_lua(sample))
    try:
        command = ["wrk", f"-t{threads}", f"-c{connections}", "-s", script.name, base]
        if warmup > 0:
            subprocess.run(  # noqa: S603 - fixed argv
                [*command[:-1], f"-d{max(1, round(warmup))}s", base],
                capture_output=True,
                check=True,
            )
        result = subprocess.run(  # noqa: S603 - fixed argv
            [*command[:-1], f"-d{max(1, round(duration))}s", base],
            capture_output=True,
            text=True,
            check=True,
        )
    finally:
        Path(script.name).unlink()
    line = next(line for line in result.stdout.splitlines() if line.startswith('{"requests"'))
    data = json.loads(line)
    seconds = data["duration_us"] / 1e6
    return Figures(
        requests_per_second=data["requests"] / seconds,
        p50_ms=data["p50_us"] / 1000,
        p99_ms=data["p99_us"] / 1000,
        errors=data["errors"] + data["non2xx"],
    )
