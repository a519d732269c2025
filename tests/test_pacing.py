"""The agent sets the pace: a slow or vanished agent never stalls magg.

The client is paced_agent.py: like the real servo agent it reads magg's
stdout a line at a time and spends a fixed time (the backend round trip) on
every progress line, reading nothing else meanwhile. The drivers report 20
to 50 times a second, as busy real drivers do.
"""

import json
import os
import select
import signal
import subprocess
import time

import paced_agent
from fakedriver import write_script
from processes import leftovers_after, wait_until

ROUND_TRIP = 0.05

# Reports every 20 ms for P["seconds"] (ignoring control.duration, like a
# load generator with its own duration), writing P["stderr"] bytes of log
# per report; on SIGUSR1 prints a failed result and exits 3.
CHATTY = r'''
def on_usr1(signum, frame):
    out(json.dumps({"status": "failed", "reason": "cancelled", "message": "cancelled"}) + "\n")
    os._exit(3)

signal.signal(signal.SIGUSR1, on_usr1)
note(P["started"], "%f" % time.time())
log = ("x" * 99 + "\n") * (P["stderr"] // 100)
steps = int(P["seconds"] / 0.02)
for i in range(steps):
    out(json.dumps({"progress": 100 * i // steps, "message": "step %d" % i}) + "\n")
    if log:
        err(log)
    time.sleep(0.02)
out(json.dumps({"status": "ok", "metrics": {P["metric"]: {"value": i}}}) + "\n")
'''


def chatty_drivers(servo, count=4, seconds=3.0, stderr=0):
    for i in range(count):
        write_script(servo / "measure.d", "d%d" % i, py=CHATTY, has_cancel=True,
                     metrics=["m%d" % i], seconds=seconds, stderr=stderr,
                     metric="m%d" % i, started=str(servo / ("started-d%d" % i)))


def paced(magg, servo, request=None, **kw):
    kw.setdefault("round_trip", ROUND_TRIP)
    return paced_agent.measure(magg.cmd, "app1", request or {"control": {}}, str(servo),
                               magg.env(), **kw)


def final_line(run):
    """The last line is the result; the exit code agrees with its status."""
    assert run.lines and "progress" not in run.lines[-1][1], run
    assert (run.returncode == 0) == (run.result["status"] == "ok"), run
    return run.result


def test_cancel_while_the_agent_lags_reaches_it_within_a_second(servo, magg, marker):
    chatty_drivers(servo, seconds=20.0)

    run = paced(magg, servo, on_progress=paced_agent.cancel_after(1.0))

    assert final_line(run)["reason"] == "cancelled", run
    assert run.final_at - run.cancelled_at < 1.0, run
    assert leftovers_after(marker, 2.0) == []


def test_a_grace_period_deadline_reaches_a_lagging_agent_within_a_second(servo, magg):
    (servo / "config.yaml").write_text("magg:\n  grace_period: 1\n")
    chatty_drivers(servo, seconds=20.0)

    run = paced(magg, servo, {"control": {"duration": 1}})

    assert final_line(run)["reason"] == "timeout", run
    measure_started = min(float((servo / ("started-d%d" % i)).read_text().split()[0])
                          for i in range(4))
    deadline = measure_started + 2.0
    assert run.started_wall + run.final_at - deadline < 1.0, run


def test_the_agent_gets_about_one_progress_line_a_second_and_a_whole_result(servo, magg):
    chatty_drivers(servo, seconds=3.0)

    run = paced(magg, servo)

    assert final_line(run) == {"status": "ok", "annotations": {}, "metrics": {
        "m%d" % i: {"value": 149} for i in range(4)}}
    times = run.progress_times
    assert 2 <= len(times) <= run.final_at + 1, run
    assert all(later - earlier > 0.9 for earlier, later in zip(times, times[1:])), times
    percents = [p["progress"] for p in run.progress]
    assert percents == sorted(percents), percents


def test_a_merged_line_names_what_each_driver_said_last(servo, magg):
    chatty_drivers(servo, count=2, seconds=2.0)

    run = paced(magg, servo)

    merged = [p["message"] for p in run.progress if ";" in p["message"]]
    assert merged, run.progress
    assert all(m.count("d0: ") <= 1 and m.count("d1: ") <= 1 for m in merged), merged


def test_progress_interval_zero_sends_as_fast_as_the_agent_reads(servo, magg):
    (servo / "config.yaml").write_text("magg:\n  progress_interval: 0\n")
    chatty_drivers(servo, count=2, seconds=1.5)

    run = paced(magg, servo, round_trip=0.1)

    assert final_line(run)["status"] == "ok"
    # one line per round trip, and never a queue: the result comes as the
    # drivers finish, not after 150 round trips
    assert run.final_at < 1.5 + 1.5, run
    assert 8 <= len(run.progress) <= run.final_at / 0.1 + 2, run


def test_an_agent_that_never_reads_stderr_still_cancels_within_a_second(
        servo, magg, marker):
    chatty_drivers(servo, seconds=20.0, stderr=64 * 1024)

    run = paced(magg, servo, read_stderr=False, cancel_at=2.0)

    assert final_line(run)["reason"] == "cancelled", run
    assert run.final_at - run.cancelled_at < 1.0, run
    assert leftovers_after(marker, 2.0) == []


def test_stderr_past_stderr_limit_is_cut_with_a_line_saying_how_much(servo, magg):
    (servo / "config.yaml").write_text("magg:\n  stderr_limit: 1000\n")
    write_script(servo / "measure.d", "noisy", py=r'''
err(("y" * 99 + "\n") * 500)
out(json.dumps({"status": "ok", "metrics": {}}) + "\n")
''')
    write_script(servo / "measure.d", "quiet", py=r'''
err("one line\n")
out(json.dumps({"status": "ok", "metrics": {}}) + "\n")
''')

    run = paced(magg, servo)

    assert final_line(run)["status"] == "ok"
    stderr = run.stderr.decode()
    shown = [line for line in stderr.splitlines() if line.startswith("[noisy] ")]
    assert sum(len(line) - len("[noisy] ") + 1 for line in shown) == 1000
    assert "49000 bytes of noisy's stderr not shown: magg.stderr_limit is 1000" in stderr
    assert "[quiet] one line" in stderr


def test_when_the_agent_goes_away_every_driver_is_stopped_and_magg_exits(
        servo, magg, marker):
    chatty_drivers(servo, seconds=60.0)
    proc = subprocess.Popen(magg.cmd + ["app1"], cwd=str(servo), env=magg.env(),
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL)
    proc.stdin.write(b'{"control": {}}')
    proc.stdin.close()
    assert select.select([proc.stdout], [], [], 30)[0]
    assert proc.stdout.readline().startswith(b'{"progress"')

    proc.stdout.close()                         # the agent is gone

    assert proc.wait(timeout=10) != 0
    assert leftovers_after(marker, 2.0) == []


def test_when_nobody_reads_stderr_any_more_the_measurement_goes_on(servo, magg):
    chatty_drivers(servo, count=2, seconds=1.0, stderr=10000)
    read_end, write_end = os.pipe()
    os.close(read_end)                          # stderr's reader is gone from the start
    try:
        proc = subprocess.run(magg.cmd + ["app1"], cwd=str(servo), env=magg.env(),
                              input=b'{"control": {}}', stdout=subprocess.PIPE,
                              stderr=write_end, timeout=30)
    finally:
        os.close(write_end)

    assert proc.returncode == 0
    assert json.loads(proc.stdout.splitlines()[-1])["status"] == "ok"
