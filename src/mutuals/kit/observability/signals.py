"""One structured log line per request, and Prometheus metrics.

The log line carries the request id, method, route template, status, duration and the
worker's pid; never headers, bodies or query strings, so no credential can reach it.
With several workers, metrics are aggregated across processes through
PROMETHEUS_MULTIPROC_DIR (set by `mutuals serve --workers N`).
"""

import json
import logging
import os
import sys
from datetime import UTC, datetime
from typing import Any, Literal

import orjson
from prometheus_client import (
    Counter,
    Gauge,
    Histogram,
)
from starlette.types import Scope

access_logger = logging.getLogger("mutuals.access")

REQUESTS = Counter(
    "mutuals_http_requests_total", "HTTP requests answered", ["method", "route", "status"]
)
LATENCY = Histogram(
    "mutuals_http_request_duration_seconds",
    "Time to answer an HTTP request",
    ["method", "route"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
)
POOL_IN_USE = Gauge(
    "mutuals_db_pool_connections_in_use",
    "Database connections checked out of the pool",
    multiprocess_mode="livesum",
)


# The structured fields a record may carry (a request's line carries them all).
FIELDS = (
    "request_id",
    "method",
    "route",
    "status",
    "duration_ms",
    "project_id",
    "error_code",
    "pid",
)


class JsonFormatter(logging.Formatter):
    """Log records as one JSON object per line, with the structured fields they carry."""

    FIELDS = FIELDS

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for field in self.FIELDS:
            if hasattr(record, field):
                entry[field] = getattr(record, field)
        if record.exc_info and record.exc_info[0] is not None:
            entry["error"] = record.exc_info[0].__name__
        return json.dumps(entry)


class ConsoleFormatter(logging.Formatter):
    """One short line per record for a person at a terminal:
    `12:00:01 INFO  GET /v7/{projectId}/connections 200 1.2 ms project=… code=… id=…`."""

    def format(self, record: logging.LogRecord) -> str:
        moment = datetime.fromtimestamp(record.created).strftime("%H:%M:%S")
        head = f"{moment} {record.levelname:<5}"
        fields = {field: getattr(record, field, None) for field in FIELDS}
        if fields["route"] is not None:
            line = (
                f"{head} {fields['method']} {fields['route']} {fields['status']} "
                f"{fields['duration_ms']} ms"
            )
            for label, field in (("project", "project_id"), ("code", "error_code")):
                if fields[field]:
                    line += f" {label}={fields[field]}"
            line += f" id={fields['request_id']}"
        else:
            line = f"{head} {record.name}: {record.getMessage()}"
        if record.exc_info and record.exc_info[0] is not None:
            line += f" ({record.exc_info[0].__name__})"
        return line


def project_of(scope: Scope) -> str | None:
    """The project a /v7 request names (as sent, at most a UUID's length)."""
    path: str = scope.get("path", "")
    if not path.startswith("/v7/"):
        return None
    return path[4:].split("/", 1)[0][:36] or None


def route_template(scope: Scope) -> str:
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else "unmatched"


def record_request(scope: Scope, status: int, elapsed: float) -> None:
    route = route_template(scope)
    method = scope["method"]
    REQUESTS.labels(method, route, str(status)).inc()
    LATENCY.labels(method, route).observe(elapsed)
    state = scope.get("state", {})
    access_logger.info(
        "request",
        extra={
            "request_id": state.get("request_id"),
            "method": method,
            "route": route,
            "status": status,
            "duration_ms": round(elapsed * 1000, 2),
            "project_id": project_of(scope),
            "error_code": state.get(ERROR_CODE),
            "pid": os.getpid(),
        },
    )


# Where the middleware keeps the code of an error answer, for the request's log line.
ERROR_CODE = "error_code"


def error_code_of(body: bytes) -> str | None:
    """The `code` of an error body (JSON), or None (the bare credential answers)."""
    try:
        parsed = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None
    code = parsed.get("code") if isinstance(parsed, dict) else None
    return code if isinstance(code, str) else None


LogFormat = Literal["auto", "json", "console"]


def logging_config(level: str = "INFO", log_format: LogFormat = "auto") -> dict[str, Any]:
    """For uvicorn's log_config: one line per record on stdout (JSON for machines, short
    text for a terminal; `auto` picks by whether stdout is one), uvicorn's access log off."""
    if log_format == "auto":
        log_format = "console" if sys.stdout.isatty() else "json"
    formatter = "ConsoleFormatter" if log_format == "console" else "JsonFormatter"
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"line": {"()": f"mutuals.kit.observability.signals.{formatter}"}},
        "handlers": {
            "stdout": {
                "class": "logging.StreamHandler",
                "formatter": "line",
                "stream": "ext://sys.stdout",
            }
        },
        "loggers": {
            "mutuals": {"handlers": ["stdout"], "level": level, "propagate": False},
            "uvicorn": {"handlers": ["stdout"], "level": level, "propagate": False},
            "uvicorn.error": {"level": level},
            "uvicorn.access": {"handlers": [], "level": "WARNING", "propagate": False},
        },
    }
