"""The benchmark's own code on tiny data for a second per workload, so it never rots.

The figures are not checked (they are not a test of speed); what is checked is that every
workload ran, answered without errors, and produced a table.
"""

import shutil
from pathlib import Path

import pytest

from bench.__main__ import main
from tests.databases import in_ci


def test_bench_smoke(tmp_path: Path) -> None:
    if shutil.which("wrk") is None:
        if in_ci():
            pytest.fail("wrk must be installed in CI (.ci/run installs it)")
        pytest.skip("wrk is not installed (apt-get install wrk)")
    output = tmp_path / "BENCHMARKS.md"
    output.write_text("# Benchmarks\n\n<!-- bench:table -->\nold\n<!-- bench:table -->\n\nnotes\n")
    report = main(["--smoke", "--write", str(output)])
    configs = {row.config for row in report.rows}
    assert configs == {
        "SQLite, 1 worker",
        "PostgreSQL, 1 worker",
        "PostgreSQL, 2 workers",
        "SQLite, 1 worker, 2,000 users",
        "PostgreSQL, 2 workers, 2,000 users",
    }
    workloads = {row.workload for row in report.rows}
    assert {"bare /healthz", "status between two users", "my connections page 1 (hub)"} <= workloads
    # Per configuration: 5 reads, list and count for each growth user, for each follow star
    # (10 and 100 in the tiny plan) and for each viewer of the hub (0 and 20 blocks); page 1
    # and the deep page by number and by cursor (connections only: the tiny plan has no
    # big follower project); 8 discovery workloads under load and again with one client;
    # the write cycle, the follow cycle and the mix; write cycles without and with a webhook,
    # and with a webhook from one client.
    # Finding users, on a project of its own per database: five workloads (suggestions for
    # 1, 2 and 3 characters, signed in, a search), each at one client and at 32.
    assert len(report.rows) == 3 * (5 + 2 * 2 + 2 * 2 + 2 * 2 + 3 + 8 * 2 + 3 + 3) + 2 * 5 * 2
    assert {
        "suggestions, 1-character queries (1 client)",
        "search, a misspelt full name (32 clients)",
    } <= workloads
    assert {
        "typical caller: relationships, 100 ids",
        "discovery: suggestions, 20 x 20 (1 client)",
        "growth 100: my connections page 5,000 by cursor",
    } <= workloads
    assert {
        "followers 100: page 1 (public)",
        "follow cycle: follow, unfollow",
        "hub count, viewer with 20 blocks",
        "write cycle, one webhook on every event",
    } <= workloads
    hooked = [
        row for row in report.rows if row.workload == "write cycle, one webhook on every event"
    ]
    assert all("commit to delivery p50" in row.note for row in hooked)
    assert [row for row in report.rows if row.figures.errors] == []
    assert all(row.figures.requests_per_second > 0 for row in report.rows)
    # The service against the floor on each PostgreSQL configuration: four reads and the
    # write cycles against the raw client and against the floor app.
    compared = [(row.config, row.workload, row.note) for row in report.comparisons]
    assert len(compared) == 2 * 6
    assert ("PostgreSQL, 2 workers", "status between two users", "") in compared
    assert all(row.service.requests_per_second > 0 for row in report.comparisons)
    assert all(row.floor.requests_per_second > 0 for row in report.comparisons)
    assert all(row.service.errors == 0 and row.floor.errors == 0 for row in report.comparisons)
    written = output.read_text()
    assert "The service against the floor" in written
    assert "old" not in written
    assert written.startswith("# Benchmarks") and written.endswith("notes\n")
    assert "| PostgreSQL, 2 workers | bare /healthz |" in written
