"""Nothing around magg wedges it: its parent, the OS, the terminal it runs in.

Stop signals are answered while the request is still arriving; a parent's
blocked signal mask or ignored signals reach neither magg nor its drivers;
a magg that was stopped (SIGSTOP, a frozen container) reads what waited
before it judges silence; the request has a size; a deleted current
directory, no process slot for the watchdog and exhausted memory each end
with a clear final line and exit 1.
"""

import fcntl
import json
import os
import pty
import resource
import select
import signal
import subprocess
import sys
import termios
import time

import pytest

from aggregator import ARTIFACT, SAFETY
from fakedriver import write_driver, write_script
from processes import leftovers_after, wait_until

REQUEST = json.dumps({"control": {"duration": 0}}).encode()


def catches(pid, signum):
    """True once the process has a handler for signum (/proc's SigCgt mask)."""
    try:
        with open("/proc/%d/status" % pid) as handle:
            fields = dict(line.split(":", 1) for line in handle if ":" in line)
    except OSError:
        return False
    return bool(int(fields["SigCgt"].strip(), 16) & (1 << (signum - 1)))


def final(stdout):
    lines = [line for line in stdout.decode("utf-8", "replace").splitlines() if line.strip()]
    return json.loads(lines[-1])


def send(proc, data):
    """The whole request, then end of file, as the agent writes it."""
    proc.stdin.write(data)
    proc.stdin.close()
    proc.stdin = None       # so communicate() does not flush it again


def start(magg, servo, **kw):
    kw.setdefault("env", magg.env())
    return subprocess.Popen(magg.cmd + ["app1"], cwd=str(servo), stdin=kw.pop("stdin", subprocess.PIPE),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kw)


# -- stop signals at every moment -----------------------------------------------------------

@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM, signal.SIGUSR1],
                         ids=lambda s: s.name)
def test_a_stop_signal_while_the_request_arrives_cancels_with_the_final_line(
        signum, servo, measure_d, magg, tmp_path):
    started = tmp_path / "started"
    write_driver(measure_d, "prom", record=str(started))
    proc = start(magg, servo)
    proc.stdin.write(REQUEST[:5])       # a slow writer: the rest never comes
    proc.stdin.flush()
    assert wait_until(lambda: catches(proc.pid, signal.SIGCHLD), SAFETY)   # magg's own inbox
    proc.send_signal(signum)
    out, err = proc.communicate(timeout=SAFETY)

    assert proc.returncode == 3, (out, err)
    line = final(out)
    assert line["status"] == "failed" and line["reason"] == "cancelled"
    assert signum.name in line["message"] and "reading the request" in line["message"]
    assert not started.exists()         # no driver was started


def test_ctrl_c_at_a_terminal_while_a_person_types_the_request_cancels(servo, measure_d, magg):
    write_driver(measure_d, "prom")
    master, slave = pty.openpty()

    def own_terminal():
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)

    proc = subprocess.Popen(magg.cmd + ["app1"], cwd=str(servo), env=magg.env(),
                            stdin=slave, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                            start_new_session=True, preexec_fn=own_terminal)
    os.close(slave)
    try:
        assert wait_until(lambda: catches(proc.pid, signal.SIGCHLD), SAFETY)
        os.write(master, b'{"control": ')        # half typed...
        os.write(master, b"\x03")                # ...then Ctrl-C
        out, _ = proc.communicate(timeout=SAFETY)
    finally:
        os.close(master)
    assert proc.returncode == 3
    assert final(out)["reason"] == "cancelled" and "SIGINT" in final(out)["message"]


# -- a parent that blocks or ignores signals ------------------------------------------------

# A sh driver (Python would ignore SIGPIPE itself): notes the signal mask and
# the ignored signals it started with, and SIGUSR1 when it comes.
RECORDS_SIGNALS = """
while read -r key value; do        # builtins only: no fork while it reads
  case $key in SigBlk:|SigIgn:) echo "$key $value" ;; esac
done < /proc/$$/status > %(masks)s
trap 'echo SIGUSR1 > %(got)s; echo "{\\"status\\": \\"failed\\", \\"reason\\": \\"canceled\\"}"; exit 3' USR1
echo '{"progress": 10, "message": "started"}'
sleep 1000 &
wait $!
"""

GLIBC_INTERNAL = (1 << 31) | (1 << 32)

# The parent of magg: blocks the signals magg relies on, ignores others
# (as nohup and some launchers do), then becomes magg.
BLOCKING_PARENT = r'''
import os, signal, sys
signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGUSR1, signal.SIGTERM, signal.SIGINT,
                                          signal.SIGCHLD, signal.SIGHUP})
for s in (signal.SIGHUP, signal.SIGQUIT, signal.SIGUSR2):
    signal.signal(s, signal.SIG_IGN)
os.execv(sys.argv[1], sys.argv[1:])
'''


def test_a_blocked_signal_mask_reaches_neither_magg_nor_its_drivers(
        tmp_path, servo, measure_d, magg, marker):
    masks, got = tmp_path / "masks", tmp_path / "got"
    write_script(measure_d, "exec", sh=RECORDS_SIGNALS % {"masks": masks, "got": got},
                 has_cancel=True)
    proc = subprocess.Popen([sys.executable, "-c", BLOCKING_PARENT] + magg.cmd + ["app1"],
                            cwd=str(servo), env=magg.env(), stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    send(proc, REQUEST)
    assert wait_until(masks.exists, SAFETY)
    proc.send_signal(signal.SIGUSR1)        # the agent's cancel
    out, err = proc.communicate(timeout=SAFETY)

    assert proc.returncode == 3, (out, err)
    assert final(out)["reason"] == "cancelled"
    assert got.read_text().split() == ["SIGUSR1"]
    fields = masks.read_text().split()
    assert fields[0::2] == ["SigBlk:", "SigIgn:"]
    blocked, ignored = (int(mask, 16) for mask in fields[1::2])
    assert blocked == 0
    # Signals 32 and 33 are glibc's own (SIGCANCEL, SIGSETXID): its posix_spawn
    # leaves them ignored and no program can see or change that; glibc installs
    # its handlers for them when it needs them.
    assert ignored & ~GLIBC_INTERNAL == 0, "ignored in the driver: %x" % ignored
    assert leftovers_after(marker, 1.0) == []


# -- a paused magg --------------------------------------------------------------------------

# Reports once at once, then its result after P["after"] seconds, and says so.
LATE_RESULT = r'''
out(json.dumps({"progress": 10, "message": "started"}) + "\n")
note(P["started"], "started")
time.sleep(P["after"])
out(json.dumps({"status": "ok", "metrics": {"x": {"value": 1}}}) + "\n")
note(P["done"], "done")
'''


def paused_run(tmp_path, servo, measure_d, magg, config, after, stopped_for):
    """magg stopped right after the driver started, for stopped_for seconds; the
    driver's result comes after `after` seconds (awaited when it comes meanwhile)."""
    started, done = tmp_path / "started", tmp_path / "done"
    (servo / "config.yaml").write_text(config)
    write_script(measure_d, "prom", py=LATE_RESULT, metrics=["x"], after=after,
                 started=str(started), done=str(done))
    proc = start(magg, servo, env=magg.env(OPTUNE_IO_TIMEOUT="2"))
    send(proc, REQUEST)
    assert wait_until(started.exists, SAFETY)
    proc.send_signal(signal.SIGSTOP)        # a job-control stop, a frozen container
    stopped_at = time.monotonic()
    if after < stopped_for:
        assert wait_until(done.exists, SAFETY)  # its result waits unread in magg's pipe
    time.sleep(max(0.0, stopped_for - (time.monotonic() - stopped_at)))
    proc.send_signal(signal.SIGCONT)
    woke = time.monotonic()
    out, err = proc.communicate(timeout=SAFETY)
    return proc.returncode, final(out), time.monotonic() - woke


def test_a_magg_stopped_longer_than_optune_io_timeout_keeps_a_finished_measurement(
        tmp_path, servo, measure_d, magg):
    # OPTUNE_IO_TIMEOUT 2: a driver silent for 1 s is hung; magg is stopped for 3 s.
    code, line, _ = paused_run(tmp_path, servo, measure_d, magg, "magg:\n  grace_period: 1\n",
                               after=0.2, stopped_for=3.0)
    assert (code, line["status"]) == (0, "ok"), line
    assert line["metrics"] == {"x": {"value": 1}}


def test_a_deadline_that_passed_while_magg_was_stopped_still_stops_the_round(
        tmp_path, servo, measure_d, magg):
    # duration 0 and grace_period 1: the deadline passes while magg is stopped,
    # and the driver is still running when magg wakes.
    code, line, took = paused_run(tmp_path, servo, measure_d, magg,
                                  "magg:\n  grace_period: 1\n  cleanup_grace_period: 1\n",
                                  after=60, stopped_for=3.0)
    assert code == 1 and line["reason"] == "timeout", line
    assert took < SAFETY


# -- every input has a size -----------------------------------------------------------------

def test_a_request_that_never_ends_is_a_bad_request_with_bounded_memory(servo, measure_d,
                                                                        magg):
    write_driver(measure_d, "prom")

    def at_most_one_gib():
        resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))

    with open("/dev/zero", "rb") as zero:
        proc = start(magg, servo, stdin=zero, preexec_fn=at_most_one_gib)
        out, err = proc.communicate(timeout=SAFETY)
    assert proc.returncode == 1, err[-2000:]
    line = final(out)
    assert line["status"] == "bad-request" and "256 MiB" in line["message"]


def test_a_50_mb_request_works_as_before(servo, measure_d, magg):
    write_script(measure_d, "exec", sh='echo \'{"status": "ok", "metrics": {}}\'')
    big = {"control": {"duration": 0, "userdata": {"blob": "x" * (50 * 1024 * 1024)}}}
    run = magg.measure(servo, big)
    assert run.ok, run


def test_exhausted_memory_ends_with_a_clear_final_line_and_exit_1(servo, measure_d, magg):
    write_driver(measure_d, "prom")

    def little_memory():
        resource.setrlimit(resource.RLIMIT_AS, (200 << 20, 200 << 20))

    proc = start(magg, servo, preexec_fn=little_memory)
    out, err = proc.communicate(b'{"control": {"userdata": "' + b"x" * (120 << 20) + b'"}}',
                                timeout=SAFETY)
    assert proc.returncode == 1, err[-2000:]
    line = final(out)
    assert line["reason"] == "out-of-memory" and "memory" in line["message"]
    assert b"Traceback" not in out


# -- odd places: the current directory, the process limit ----------------------------------

def test_a_deleted_current_directory_is_named_with_exit_1(tmp_path, magg):
    gone = str(tmp_path / "servo-old")

    def enter_and_delete():
        os.chdir(gone)
        os.rmdir(gone)

    for args in (["--info", "app1"], ["app1"]):
        os.mkdir(gone)
        proc = subprocess.run(magg.cmd + args, input=REQUEST, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, env=magg.env(), preexec_fn=enter_and_delete,
                              timeout=SAFETY)
        assert proc.returncode == 1, proc
        line = final(proc.stdout)
        assert "current directory no longer exists" in line["message"], line


NOBODY = 65534


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to run magg as uid 65534")
def test_no_process_slot_for_the_watchdog_is_a_clear_error(public_servo):
    python = "/usr/bin/python3"
    if not os.path.exists(ARTIFACT) or not os.access(python, os.X_OK):
        pytest.skip("needs dist/measure.pyz (make dist) and /usr/bin/python3")

    def nobody_with_one_process():
        os.setgroups([])
        os.setgid(NOBODY)
        os.setuid(NOBODY)
        resource.setrlimit(resource.RLIMIT_NPROC, (1, 1))   # magg itself

    env = {"PATH": "/usr/bin:/bin", "HOME": str(public_servo)}
    proc = subprocess.run([python, ARTIFACT, "--info", "app1"], cwd=str(public_servo),
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                          preexec_fn=nobody_with_one_process, timeout=SAFETY)
    assert proc.returncode == 1, proc
    line = final(proc.stdout)
    assert "watchdog" in line["message"] and "ulimit -u" in line["message"], line


@pytest.fixture
def public_servo(tmp_path_factory):
    """A servo directory uid 65534 can read (pytest's tmp_path is root-only)."""
    import shutil
    import tempfile
    from fakedriver import make_servo
    root = tempfile.mkdtemp(prefix="magg-world-")
    os.chmod(root, 0o755)
    servo = make_servo(os.path.join(root, "servo"))
    write_script(os.path.join(servo, "measure.d"), "exec", sh="true")
    for path in (servo, os.path.join(servo, "measure.d")):
        os.chmod(path, 0o755)
    yield servo
    shutil.rmtree(root, ignore_errors=True)
