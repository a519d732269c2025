"""Deadlines: grace_period and OPTUNE_IO_TIMEOUT, with real drivers.

Times are measured from the moment a /bin/sh driver notes its own start
(a millisecond after magg spawned it, so after magg's start-up and --info
round) to the moment the test sees magg's exit.
"""

import re
import time

from fakedriver import write_driver, write_script
from processes import leftovers_after, wait_until


def started_at(path):
    """The time a driver wrote with `date +%s.%N > path`, once it exists."""
    text = wait_until(lambda: path.exists() and path.read_text().strip(), 10)
    assert text, "driver never started"
    return float(text)


def test_grace_period_timeout_stops_every_driver_within_0_2_s_of_the_deadline(
        tmp_path, servo, measure_d, magg, marker):
    (servo / "config.yaml").write_text("magg:\n  grace_period: 1\n"
                                       "  cleanup_grace_period: 5\n")
    start = tmp_path / "start"
    # Hangs after half a line, has no cancel: must get SIGTERM at the deadline.
    write_script(measure_d, "hanger",
                 sh="date +%%s.%%N > %s\nprintf '{\"progress\": 1, \"mess'\nsleep 1000" % start)
    # Supports cancel but also overruns: must get SIGUSR1 at the same deadline.
    write_driver(measure_d, "overrun", cancel="handle", sleep=1000)

    run = magg.measure(servo, {"control": {"duration": 1}})
    ended = time.time()

    assert run.status == "failed" and run.result["reason"] == "timeout", run
    assert run.returncode != 0
    message = run.result["message"]
    assert "timed out after 2 s" in message, message
    assert "warmup + duration + past is 1 s" in message and "grace_period 1 s" in message
    assert "hanger" in message and "overrun" in message      # still running then
    overshoot = ended - (started_at(start) + 2.0)
    print("grace-period deadline overshoot: %.3f s" % overshoot)
    # The upper bound is what a loaded machine can promise; test_supervise.py
    # pins the deadline itself on a fake clock.
    assert -0.05 < overshoot < 2, "stopped %.3f s after the deadline" % overshoot
    assert leftovers_after(marker, 1.0) == []


def test_a_driver_silent_for_optune_io_timeout_minus_1_s_is_failed_as_hung(
        tmp_path, servo, measure_d, magg, marker):
    start = tmp_path / "start"
    write_script(measure_d, "mute", sh="date +%%s.%%N > %s\nsleep 1000" % start)
    write_script(measure_d, "fine", sh="""echo '{"status": "ok", "metrics": {}}'""")

    # The agent-like client kills magg after 3 s without a stdout line, as the
    # agent does: magg must act first (and keep the agent fed meanwhile).
    run = magg.measure(servo, {"control": {"duration": 0}},
                       env=magg.env(OPTUNE_IO_TIMEOUT="3"))
    ended = time.time()

    assert run.killed is None, run
    assert run.status == "failed", run
    message = run.result["message"]
    assert "1 of 2 drivers failed" in message, message
    assert "mute: failed: hung" in message, message
    assert re.search(r"\b2 s\b", message) and "OPTUNE_IO_TIMEOUT" in message, message
    after = ended - started_at(start)
    print("OPTUNE_IO_TIMEOUT=3: hung driver failed after %.3f s" % after)
    # Never early (the silence clock starts at spawn, before `date`); the upper
    # bound is what a loaded machine can promise, test_supervise.py pins it.
    assert 1.9 <= after < 4
    assert leftovers_after(marker, 1.0) == []
