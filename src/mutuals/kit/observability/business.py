"""What the graph does, for dashboards: changes counted once committed, refusals by limit.

Counted after the commit (db.Database.transaction reads what `events.record` noted on the
connection), so a rolled-back change is never counted.
"""

from collections.abc import Iterable

from prometheus_client import Counter

GRAPH_CHANGES = Counter(
    "mutuals_graph_changes_total",
    "Committed changes by event type (connection.requested, follow.created, block.created, …)",
    ["type"],
)
RATE_LIMITED = Counter(
    "mutuals_rate_limited_total", "Requests refused with 429, by rate-limit group", ["group"]
)

# Where a transaction's connection keeps the event types it recorded until it commits.
RECORDED_EVENTS = "mutuals_recorded_events"


def count_committed(event_types: Iterable[str]) -> None:
    for event_type in event_types:
        GRAPH_CHANGES.labels(event_type).inc()
