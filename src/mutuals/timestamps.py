"""Times are UTC, truncated to milliseconds so what is stored is exactly what is shown."""

from datetime import UTC, datetime


def utc_now() -> datetime:
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


def to_iso(moment: datetime) -> str:
    """ISO 8601 with milliseconds and Z, as JavaScript's toISOString() writes it."""
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def to_iso_or_none(moment: datetime | None) -> str | None:
    return None if moment is None else to_iso(moment)
