"""Timestamps as JavaScript's toISOString() writes them, whatever the offset they come in."""

from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from mutuals.kit.timestamps import to_iso

offsets = st.integers(min_value=-14 * 60, max_value=14 * 60).map(
    lambda minutes: timezone(timedelta(minutes=minutes))
)


@given(st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(9998, 12, 31)), offsets)
def test_to_iso_is_utc_with_milliseconds_and_z(moment: datetime, offset: timezone) -> None:
    aware = moment.replace(tzinfo=offset)
    in_utc = aware.astimezone(UTC)
    expected = in_utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{in_utc.microsecond // 1000:03d}Z"
    assert to_iso(aware) == expected


def test_to_iso_examples() -> None:
    assert to_iso(datetime(2026, 1, 1, tzinfo=UTC)) == "2026-01-01T00:00:00.000Z"
    moment = datetime(2026, 11, 30, 15, 21, 34, 123999, tzinfo=timezone(timedelta(hours=-3)))
    assert to_iso(moment) == "2026-11-30T18:21:34.123Z"
