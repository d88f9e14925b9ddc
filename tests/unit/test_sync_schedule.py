"""``sync redcap --every``: when the runs happen, with the clock injected."""

from __future__ import annotations

from data_access.redcap.sync import Schedule, SyncResult, run_every

OK = SyncResult("ok", "the project changed")
FAILED = SyncResult("failed", "REDCap answered HTTP 500")


def test_sync_schedule001_backoff_doubles_up_to_its_cap():
    """Every 5 minutes; first retry 60 s, then 120, 240, 480, 960, then the cap: the larger
    of the interval (300 s) and 30 minutes (1800 s)."""
    schedule = Schedule(300, first_retry=60)
    assert [schedule.delay(n) for n in range(8)] == [300, 60, 120, 240, 480, 960, 1800, 1800]
    hourly = Schedule(3600, first_retry=60)
    assert [hourly.delay(n) for n in (1, 6, 7, 8)] == [60, 1920, 3600, 3600]


def test_sync_schedule002_failures_retry_sooner_then_back_off_and_success_resets():
    results = iter([FAILED, FAILED, OK, FAILED, OK])
    slept, seen = [], []
    last = run_every(
        lambda: next(results),
        Schedule(300, first_retry=60, runs=5),
        lambda result, wait: seen.append((result.outcome, wait)),
        sleep=slept.append,
    )
    assert seen == [("failed", 60), ("failed", 120), ("ok", 300), ("failed", 60), ("ok", None)]
    assert slept == [60, 120, 300, 60]
    assert last is not None and last.outcome == "ok"


def test_sync_schedule003_a_run_that_raises_is_a_failure_and_the_loop_goes_on():
    calls = iter([RuntimeError("database is locked"), OK])

    def run():
        item = next(calls)
        if isinstance(item, Exception):
            raise item
        return item

    seen, slept = [], []
    run_every(
        run, Schedule(60, first_retry=5, runs=2), lambda r, w: seen.append((r, w)), slept.append
    )
    assert slept == [5]
    assert seen[0][0].outcome == "failed" and seen[0][1] == 5
    assert seen[0][0].reason == "the run failed: RuntimeError: database is locked"
    assert seen[1][0].outcome == "ok"
