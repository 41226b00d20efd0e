"""`python -m bench.limits` on tiny data, so it never rots: every statement is timed and
the dispatcher works off a real backlog. The figures themselves are not checked."""

from bench.limits import BATCH_SIZES, main


def test_limits_smoke() -> None:
    figures = main(["--smoke"])
    labels = {(timing.label, timing.plan) for timing in figures["timings"]}
    for plan in ("auto", "force_generic_plan"):
        assert ("status (one pair)", plan) in labels
        assert ("100 users by primary key", plan) in labels
        assert {(f"relationships, {size} ids", plan) for size in BATCH_SIZES} <= labels
    assert all(timing.p50_ms > 0 for timing in figures["timings"])
    deliveries = figures["deliveries"]
    # The write cycle queued deliveries and the dispatcher delivered every one of them.
    assert deliveries["deliveries"] > 0
    assert deliveries["per_second"] > 0
    assert deliveries["dispatcher_ms"] > 0
