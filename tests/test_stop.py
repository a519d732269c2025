"""The one stop sequence, with real drivers: who gets which signal, when
SIGKILL follows, what happens to children and grandchildren, and what magg
does when it is signalled (or killed) itself.

Leftover processes are found by the marker each run carries in its
environment (see processes.py), whoever their parent is by then.
"""

import json
import os
import signal
import time

import pytest

from aggregator import SAFETY, reports
from fakedriver import read_records, write_driver, write_script
from processes import (alive, children_of, describe_process, leftovers_after,
                       marked_pids, process_state, wait_until)

NOW = {"control": {"duration": 0}}


def signals_received(path):
    """[(signal name, time)] a SIGNALLED driver noted."""
    if not path.exists():
        return []
    return [(line.split()[0], float(line.split()[1]))
            for line in path.read_text().splitlines()]


# Notes every SIGUSR1/SIGTERM it gets; obeys them (failed result, exit 3)
# unless P["obey"] is false, then keeps running until SIGKILL.
SIGNALLED = r'''
def on_signal(signum, frame):
    note(P["signals"], "%s %f" % (signal.Signals(signum).name, time.time()))
    if P["obey"]:
        out(json.dumps({"status": "failed", "reason": "canceled", "message": "stopped"}) + "\n")
        os._exit(3)

signal.signal(signal.SIGUSR1, on_signal)
signal.signal(signal.SIGTERM, on_signal)
note(P["ready"], "ready")
out(json.dumps({"progress": 5, "message": "running"}) + "\n")
while True:
    time.sleep(1000)
'''

# Fails once the drivers it waits for are ready (so they are surely running).
FAILS_AFTER = r'''
for path in P["after"]:
    wait_for_file(path)
err("failing on purpose\n")
out(json.dumps({"status": "failed", "reason": "test", "message": "failed on purpose"}) + "\n")
sys.exit(1)
'''


def broken_stopped(total, stopped):
    """The final line when FAILS_AFTER failed and magg stopped the others."""
    return {"status": "failed", "reason": "test",
            "message": "1 of %d drivers failed to measure:\n"
                       "- broken: failed: failed on purpose (exit code 1)\n"
                       "  stderr (last 2048 bytes): failing on purpose\n"
                       "stopped: %s" % (total, stopped)}


# Starts a grandchild, writes its pid (whole, by rename), reports, waits.
LOADGEN = "sleep 1000 &\necho $! > %s.tmp && mv %s.tmp %s\necho '{\"progress\": 5}'\nwait"


def signalled(measure_d, tmp_path, name, has_cancel, obey=True):
    """A SIGNALLED driver; returns (its signals file, its ready file)."""
    signals, ready = tmp_path / (name + ".signals"), tmp_path / (name + ".ready")
    write_script(measure_d, name, py=SIGNALLED, has_cancel=has_cancel, obey=obey,
                 signals=str(signals), ready=str(ready))
    return signals, ready


# -- the sequence ---------------------------------------------------------------

def test_driver_ignoring_cancel_is_sigkilled_after_cleanup_grace_period(
        tmp_path, servo, measure_d, magg, marker):
    (servo / "config.yaml").write_text("magg:\n  cleanup_grace_period: 1\n")
    d = measure_d
    signals, ready = signalled(d, tmp_path, "stubborn", has_cancel=True, obey=False)
    write_script(d, "broken", py=FAILS_AFTER, has_cancel=True, after=[str(ready)])

    run = magg.measure(servo, NOW)
    ended = time.time()

    assert run.result == broken_stopped(2, "stubborn"), run
    received = signals_received(signals)
    assert [name for name, _ in received] == ["SIGUSR1"]
    waited = ended - received[0][1]
    print("SIGUSR1 ignored: magg ended %.3f s after it (cleanup_grace_period 1)" % waited)
    # Not before the grace period; the upper bound is what a loaded machine
    # can promise (test_supervise.py pins the exact kill time on a fake clock).
    assert 0.95 <= waited < 5
    assert leftovers_after(marker, 1.0) == []


def test_driver_without_cancel_gets_sigterm_never_sigusr1(tmp_path, servo, measure_d, magg):
    (servo / "config.yaml").write_text("magg:\n  force_cancel: true\n"
                                       "  cleanup_grace_period: 1\n")
    d = measure_d
    # obey=False: a SIGUSR1 sent by mistake would be noted, not end the driver.
    plain, plain_ready = signalled(d, tmp_path, "plain", has_cancel=False, obey=False)
    polite, polite_ready = signalled(d, tmp_path, "polite", has_cancel=True)
    write_script(d, "broken", py=FAILS_AFTER, after=[str(plain_ready), str(polite_ready)])

    run = magg.measure(servo, NOW)

    assert [name for name, _ in signals_received(plain)] == ["SIGTERM"]
    assert [name for name, _ in signals_received(polite)] == ["SIGUSR1"]
    assert run.result == broken_stopped(3, "plain, polite"), run


def test_failing_driver_does_not_stop_others_when_cancel_is_not_allowed(
        tmp_path, servo, measure_d, magg):
    d = measure_d                      # no config: force_cancel false; "slow" has no cancel
    write_script(d, "bad1", py=r"""
err("bad1 cannot connect\n")
sys.exit(2)
""")
    write_script(d, "bad2", py=r"""
out(json.dumps({"status": "failed", "reason": "no-data", "message": "no data"}) + "\n")
sys.exit(1)
""")
    done, release = tmp_path / "slow.done", tmp_path / "release"
    write_script(d, "slow", py=r"""
out(json.dumps({"progress": 1, "message": "waiting"}) + "\n")
wait_for_file(P["release"])
note(P["done"], "finished normally")
out(json.dumps({"status": "ok", "metrics": {"slow": {"value": 3}}}) + "\n")
""", metrics=["slow"], release=str(release), done=str(done))
    seen = []

    def on_progress(line, m):
        # magg has handled both failures and says it waits: had it stopped
        # slow instead, the signal would have gone out before this line.
        if line["message"].startswith("bad1 failed, bad2 failed (no-data); "
                                      "waiting for slow to finish (slow cannot cancel)"):
            seen.append(line["message"])
            release.write_text("go")

    run = magg.measure(servo, {"metrics": ["slow"], "control": {}}, on_progress=on_progress)

    assert seen, run.stdout
    assert done.read_text() == "finished normally\n"
    assert run.returncode == 1, run
    assert run.result == {
        "status": "failed", "reason": "failed",
        "message": "2 of 3 drivers failed to measure:\n"
                   "- bad1: failed: exit code 2\n"
                   "  stderr (last 2048 bytes): bad1 cannot connect\n"
                   "- bad2: failed: no data (exit code 1)"}


# -- children and grandchildren ------------------------------------------------------

def test_stopped_driver_takes_its_grandchildren_with_it(tmp_path, servo, measure_d, magg,
                                                        marker):
    (servo / "config.yaml").write_text("magg:\n  force_cancel: true\n"
                                       "  cleanup_grace_period: 5\n")
    d = measure_d
    pidfile = tmp_path / "grandchild.pid"
    write_script(d, "loadgen", sh=LOADGEN % ((pidfile,) * 3))
    write_script(d, "broken", py=FAILS_AFTER, after=[str(pidfile)])

    run = magg.measure(servo, NOW)

    assert run.status == "failed" and "stopped: loadgen" in run.result["message"], run
    grandchild = int(pidfile.read_text())
    assert wait_until(lambda: not alive(grandchild), 1.0), describe_process(grandchild)
    assert leftovers_after(marker, 1.0) == []


def test_driver_that_finishes_normally_keeps_its_background_child(tmp_path, servo, magg,
                                                                  marker):
    pidfile = tmp_path / "background.pid"
    # The background child keeps the driver's stdout and stderr open.
    write_script(servo / "measure.d", "hook",
                 sh="sleep 1000 &\necho $! > %s\necho '{\"status\": \"ok\", \"metrics\": {}}'"
                 % pidfile)

    run = magg.measure(servo, NOW)

    assert run.ok, run
    assert run.elapsed < 5, "magg waited for the pipes the background child holds"
    background = int(pidfile.read_text())
    # magg and its watchdog have gone; only the load generator is left.
    assert wait_until(lambda: marked_pids(marker) == [background], 2.0), \
        [(p, describe_process(p)) for p in marked_pids(marker)]
    assert alive(background)
    # (the marker fixture kills it)


def test_finished_drivers_are_reaped_while_others_still_run(tmp_path, measure_d, servo,
                                                             magg):
    d = measure_d
    release = tmp_path / "release"
    for i in range(5):
        write_script(d, "quick%d" % i, sh="""echo '{"status": "ok", "metrics": {}}'""")
    write_script(d, "long", py=r'''
out(json.dumps({"progress": 1, "message": "waiting"}) + "\n")
wait_for_file(P["release"])
out(json.dumps({"status": "ok", "metrics": {}}) + "\n")
''', release=str(release))
    finished = set()
    zombies = []

    def on_progress(line, m):
        finished.update(name for name, said in reports(line) if said == "finished")
        if len(finished) == 5 and not release.exists():
            zombies.extend(pid for pid in children_of(m.pid) if process_state(pid) == "Z")
            release.write_text("go")

    run = magg.measure(servo, NOW, on_progress=on_progress)

    assert run.ok, run
    assert release.exists(), finished
    assert zombies == []


def test_driver_flooding_output_while_being_stopped_is_drained_not_killed(tmp_path, servo,
                                                                          magg):
    (servo / "config.yaml").write_text("magg:\n  cleanup_grace_period: 30\n")
    done = tmp_path / "loud.done"
    # On cancel it writes 8 MiB to stdout and to stderr before its final line:
    # it only gets to exit if magg keeps reading while it waits for it.
    write_script(servo / "measure.d", "loud", py=r'''
def on_usr1(signum, frame):
    for _ in range(128):
        sys.stderr.buffer.write(b"e" * 65535 + b"\n")
        out(json.dumps({"progress": 50, "message": "x" * 65000}) + "\n")
    sys.stderr.flush()
    out(json.dumps({"status": "failed", "reason": "canceled", "message": "canceled"}) + "\n")
    note(P["done"], "wrote everything")
    os._exit(3)

signal.signal(signal.SIGUSR1, on_usr1)
out(json.dumps({"progress": 5, "message": "running"}) + "\n")
while True:
    time.sleep(1000)
''', has_cancel=True, done=str(done))
    sent = []

    def on_progress(line, m):
        if ("loud", "running") in reports(line) and not sent:
            sent.append(time.monotonic())
            m.send_signal(signal.SIGTERM)

    run = magg.measure(servo, NOW, on_progress=on_progress)
    took = time.monotonic() - sent[0]

    assert run.result["reason"] == "cancelled", run
    assert done.read_text() == "wrote everything\n"
    assert took < 5, "magg stopped reading the pipes of a stopping driver"


# -- signals to magg ----------------------------------------------------------------

@pytest.mark.parametrize("signum", [signal.SIGUSR1, signal.SIGTERM, signal.SIGINT],
                         ids=lambda s: s.name)
def test_signal_to_magg_cancels_at_once(tmp_path, servo, measure_d, magg,
                                                     marker, signum):
    d = measure_d
    records = tmp_path / "records"
    write_driver(d, "cancellable", cancel="handle", progress=[[10, "started"]], sleep=60,
                 record=str(records))
    write_driver(d, "plain", cancel="default", info={"has_cancel": False, "version": "1"},
                 progress=[[10, "started"]], sleep=60, record=str(records))
    sent = []

    def on_progress(line, m):
        if not sent:
            sent.append(time.monotonic())
            m.send_signal(signum)

    run = magg.measure(servo, NOW, on_progress=on_progress)
    took = time.monotonic() - sent[0]

    print("%s to magg: final line after %.3f s" % (signum.name, took))
    assert run.result["status"] == "failed" and run.result["reason"] == "cancelled", run
    assert signum.name in run.result["message"]
    assert [line for line in run.stdout if "progress" not in json.loads(line)] \
        == [json.dumps(run.result)], "exactly one final line"
    assert run.returncode == 3
    # At once, not after the drivers' 60 s: the latency itself is `make
    # bench`'s to measure, and test_supervise.py's on a fake clock.
    assert took < 5
    assert leftovers_after(marker, 1.0) == []


def test_no_driver_or_grandchild_outlives_magg_killed_with_sigkill(tmp_path, servo,
                                                                   measure_d, magg, marker):
    # stubborn says has_cancel and ignores SIGUSR1: the watchdog gives it the
    # grace, as the agent's cancel would (tests/test_watchdog.py has the details).
    (servo / "config.yaml").write_text("magg:\n  cleanup_grace_period: 1\n")
    d = measure_d
    pidfile = tmp_path / "grandchild.pid"
    write_driver(d, "cancellable", cancel="handle", progress=[[10, "started"]], sleep=60)
    write_driver(d, "stubborn", cancel="ignore", info={"has_cancel": True, "version": "1"},
                 progress=[[10, "started"]], sleep=60)
    write_script(d, "loadgen", sh=LOADGEN % ((pidfile,) * 3))
    m = magg.start_measure(servo, NOW)
    killed = []
    started = set()

    def on_progress(line, m):
        started.update(name for name, _ in reports(line))
        if started >= {"cancellable", "stubborn", "loadgen"} and not killed:
            assert wait_until(pidfile.exists, 10)
            m.send_signal(signal.SIGKILL)
            killed.append(time.monotonic())
            left = leftovers_after(marker, 1.0 + 1.0)
            killed.append((time.monotonic() - killed[0], left))
            raise StopReading()

    try:
        m.finish(on_progress=on_progress)
    except StopReading:
        pass
    finally:
        for stream in (m.proc.stdout, m.proc.stderr):
            stream.close()
    gone_after, left = killed[1]
    print("SIGKILL to magg: every marked process gone after %.3f s" % gone_after)
    assert left == []
    assert not alive(int(pidfile.read_text()))
    assert m.proc.wait(SAFETY) == -signal.SIGKILL


class StopReading(Exception):
    pass


def test_a_second_signal_to_magg_skips_the_cleanup_grace_period(tmp_path, servo, magg,
                                                                 marker):
    (servo / "config.yaml").write_text("magg:\n  cleanup_grace_period: 300\n")
    signals = tmp_path / "signals"
    write_script(servo / "measure.d", "stubborn", py=SIGNALLED, has_cancel=True,
             signals=str(signals), ready=str(tmp_path / "ready"), obey=False)
    m = magg.start_measure(servo, NOW)
    second = []

    def on_progress(line, m):
        if not second:
            m.send_signal(signal.SIGTERM)
            # the polite SIGUSR1 reached the driver, which ignores it: ask again
            assert wait_until(lambda: signals_received(signals), 10)
            second.append(time.monotonic())
            m.send_signal(signal.SIGTERM)

    run = m.finish(on_progress=on_progress)
    took = time.monotonic() - second[0]

    assert [name for name, _ in signals_received(signals)] == ["SIGUSR1"]
    assert run.result["reason"] == "cancelled", run
    assert took < 5, "the second signal waited for cleanup_grace_period (300 s)"
    assert leftovers_after(marker, 1.0) == []


def test_a_driver_that_cannot_start_stops_the_round_before_later_drivers_start(
        tmp_path, measure_d, servo, magg):
    d = measure_d
    # answers --info, then loses its executable bit: the measure round cannot start it
    write_script(d, "a-vanishing", has_cancel=True, prelude='chmod a-x "$0"', sh="")
    records = tmp_path / "records"
    write_driver(d, "b-later", record=str(records))

    run = magg.measure(servo, NOW)

    assert run.returncode != 0
    assert "a-vanishing" in run.result["message"], run.result
    assert "cannot start" in run.result["message"], run.result
    # cancel is allowed (both have has_cancel), so b-later, next in the same
    # batch, is never started for measuring
    assert [r["argv"][1:] for r in read_records(records, "start")] == [["--info", "app1"]]
