"""Times are UTC, truncated to milliseconds so what is stored is exactly what is shown."""

from datetime import UTC, datetime


def utc_now() -> datetime:
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


def to_iso(moment: datetime) -> str:
    """ISO 8601 with milliseconds and Z, as JavaScript's toISOString() writes it."""
    if moment.tzinfo is not UTC:
        moment = moment.astimezone(UTC)
    # isoformat (in C) gives "YYYY-MM-DDTHH:MM:SS.mmm+00:00": a list page formats two of
    # these per row, and strftime took twice as long.
    return f"{moment.isoformat(timespec='milliseconds')[:23]}Z"


def to_iso_or_none(moment: datetime | None) -> str | None:
    return None if moment is None else to_iso(moment)
