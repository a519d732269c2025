"""Daemons a driver leaves behind (setsid and a double fork) are stopped with a
stopped round, and left alone when every driver finished normally.

magg is a child subreaper while it measures (Linux), so such a daemon is
re-parented to magg when the driver's child that forked it exits.
"""

import json
import os
import signal

import pytest

from fakedriver import write_script
from processes import alive, leftovers_after, wait_until

# Double-forks a daemon that leaves the driver's session and holds none of
# its pipes, then waits for the daemon's pid file and reports it.
DAEMONISE = r'''
def daemon():
    os.setsid()
    if os.fork():
        os._exit(0)                     # the middle child: its exit orphans the daemon
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    if P["ignore_term"]:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    with open(P["pidfile"] + ".tmp", "w") as f:
        f.write(str(os.getpid()))
    os.rename(P["pidfile"] + ".tmp", P["pidfile"])
    while True:
        time.sleep(1000)

child = os.fork()
if child == 0:
    daemon()
os.waitpid(child, 0)
wait_for_file(P["pidfile"])
out(json.dumps({"progress": 10, "message": "daemon started"}) + "\n")
if P["finish"]:
    out(json.dumps({"status": "ok", "metrics": {}}) + "\n")
    sys.exit(0)
while True:
    time.sleep(1000)
'''

# Fails once the daemon is up.
FAILS = r'''
wait_for_file(P["pidfile"])
out(json.dumps({"status": "failed", "reason": "test", "message": "failing on purpose"}) + "\n")
sys.exit(1)
'''


def daemoniser(tmp_path, measure_d, finish=False, ignore_term=False):
    pidfile = tmp_path / "daemon.pid"
    write_script(measure_d, "exec", py=DAEMONISE, has_cancel=True, pidfile=str(pidfile),
                 finish=finish, ignore_term=ignore_term)
    return pidfile


def daemon_pid(pidfile):
    return int(pidfile.read_text())


def cancel_when_started(line, m):
    if "daemon started" in line.get("message", "") and not getattr(m, "sent", False):
        m.sent = True
        m.send_signal(signal.SIGUSR1)


@pytest.mark.parametrize("how", ["cancel", "deadline", "another-failed"])
def test_a_daemon_of_a_stopped_driver_is_gone_once_magg_has_exited(
        how, tmp_path, servo, measure_d, magg, marker):
    config = "magg:\n  cleanup_grace_period: 5\n"
    if how == "deadline":
        config += "  grace_period: 1\n"
    (servo / "config.yaml").write_text(config)
    pidfile = daemoniser(tmp_path, measure_d)
    if how == "another-failed":
        write_script(measure_d, "slo", py=FAILS, has_cancel=True, pidfile=str(pidfile))

    run = magg.measure(servo, {"control": {"duration": 0}},
                       on_progress=cancel_when_started if how == "cancel" else None)

    expected = {"cancel": "cancelled", "deadline": "timeout", "another-failed": "test"}[how]
    assert run.result["reason"] == expected, run
    daemon = daemon_pid(pidfile)
    assert not alive(daemon), "the daemon outlived magg"
    assert leftovers_after(marker, 1.0) == []


def test_a_daemon_that_ignores_sigterm_is_killed_after_cleanup_grace_period(
        tmp_path, servo, measure_d, magg, marker):
    (servo / "config.yaml").write_text("magg:\n  cleanup_grace_period: 1\n")
    pidfile = daemoniser(tmp_path, measure_d, ignore_term=True)

    run = magg.measure(servo, {"control": {}}, on_progress=cancel_when_started)

    assert run.result["reason"] == "cancelled", run
    assert run.elapsed >= 1.0       # it waited out the grace for the daemon
    assert not alive(daemon_pid(pidfile))
    assert leftovers_after(marker, 1.0) == []


def test_a_driver_that_finishes_normally_keeps_its_daemon(tmp_path, servo, measure_d, magg):
    pidfile = daemoniser(tmp_path, measure_d, finish=True)

    run = magg.measure(servo, {"control": {}})

    assert run.ok, run
    daemon = daemon_pid(pidfile)
    try:
        assert alive(daemon), "magg stopped a daemon of a driver that finished normally"
    finally:
        os.kill(daemon, signal.SIGKILL)
        wait_until(lambda: not alive(daemon), 5)
    assert json.loads(run.stdout[-1])["status"] == "ok"
