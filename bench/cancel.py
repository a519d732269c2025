"""Cancel latency: SIGUSR1 to magg while two drivers that obey cancel measure.

The clock starts when the signal is sent, after magg has relayed a
progress line from each driver (both are then inside their measure), and
stops when magg has been reaped: its stop sequence (SIGUSR1 to the
drivers, wait for them, SIGKILL their groups, final line) is inside.
"""

import json
import os
import select
import signal
import subprocess
import time

from common import APP_ID, fail, make_servo, median, progress, trivial_drivers
from report import SUPERVISION, SUPERVISION_HEADER, Section, ms, target

KEY = "cancel"
DRIVERS = 2
REPS, QUICK_REPS = 7, 3
PROGRESS_TIMEOUT = 30
TARGET_S = 0.1

# Obeys cancel: on SIGUSR1 it stops its sleep and exits at once. `wait` is
# interrupted by a trapped signal; a foreground `sleep` would not be.
CANCEL_DRIVER = """#!/bin/sh
case "$1" in
  --info) echo '{"has_cancel": true, "version": "1.0"}' ;;
  --describe) echo '{"status": "ok", "metrics": {}}' ;;
  *) cat >/dev/null
     trap 'kill $pid 2>/dev/null; echo "{\\"status\\": \\"cancelled\\", \\"reason\\": \\"cancelled\\", \\"message\\": \\"cancelled\\"}"; exit 3' USR1
     sleep 600 & pid=$!
     echo '{"progress": 0, "message": "measuring"}'
     wait $pid ;;
esac
"""


def measure(session):
    runner = session.runner
    reps = session.pick(REPS, QUICK_REPS)
    drivers = trivial_drivers(DRIVERS, CANCEL_DRIVER)
    servo = make_servo(session.base, "cancel", drivers, request={"control": {}})
    argv = runner.magg(APP_ID)
    latencies, codes = [], []
    for _ in range(reps):
        latency, code = cancel_once(runner, argv, servo, drivers)
        latencies.append(latency)
        codes.append(code)
    result = {"drivers": DRIVERS, "reps": reps,
              "median_s": median(latencies), "max_s": max(latencies),
              "latencies_s": latencies, "exit_codes": codes}
    progress("cancel: median %.3f s, max %.3f s" % (result["median_s"], result["max_s"]))
    return result


def cancel_once(runner, argv, servo, drivers):
    """(seconds from SIGUSR1 to magg reaped, magg's exit code) of one run."""
    with open(os.path.join(servo, "request.json"), "rb") as stdin:
        proc = subprocess.Popen(argv, cwd=servo, env=runner.env, stdin=stdin,
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    buffer = bytearray()
    if not read_until(proc, buffer, ["%s: measuring" % d for d in drivers],
                      PROGRESS_TIMEOUT):
        proc.kill()
        proc.wait()
        fail("cancel: no progress line from every driver within %d s; got %r"
             % (PROGRESS_TIMEOUT, bytes(buffer)))
    start = time.perf_counter()
    os.kill(proc.pid, signal.SIGUSR1)
    # Keep reading so magg never blocks on a full stdout pipe.
    while True:
        data = proc.stdout.read(65536)
        if not data:
            break
        buffer.extend(data)
    _, status, _ = os.wait4(proc.pid, 0)
    latency = time.perf_counter() - start
    proc.returncode = os.WEXITSTATUS(status) if os.WIFEXITED(status) else -1
    proc.stdout.close()
    runner.settle()
    final = json.loads(bytes(buffer).splitlines()[-1].decode())
    if final.get("reason") != "cancelled":
        fail("cancel: magg did not report a cancel: %r" % final)
    return latency, proc.returncode


def read_until(proc, buffer, wanted, timeout):
    """Read proc's stdout until every string in wanted was seen in a line."""
    deadline = time.monotonic() + timeout
    fd = proc.stdout.fileno()
    missing = set(wanted)
    while missing:
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        ready, _, _ = select.select([fd], [], [], left)
        if not ready:
            continue
        data = os.read(fd, 65536)
        if not data:
            return False
        buffer.extend(data)
        for line in bytes(buffer).splitlines():
            missing = {w for w in missing if w.encode() not in line}
    return True


def report(c):
    return [Section(SUPERVISION, SUPERVISION_HEADER, [
        ["cancel: SIGUSR1 -> magg exited", c["reps"], ms(c["median_s"]),
         "max %s" % ms(c["max_s"])]])]


def targets(c):
    return [target("cancel", "cancel latency (median)", TARGET_S, "s", c["median_s"])]
