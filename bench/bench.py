#!/usr/bin/env python3
"""`make bench`: what the aggregator (magg) adds to a measurement, in one run.

Operators ask what magg costs next to running the drivers themselves, and
whether it holds up with many or noisy drivers (issue 6). This script
answers on the built artifact, dist/measure.pyz, copied as `measure` into
throw-away servo directories, and compares it with the least work any
aggregator must do: the same driver invocations started in parallel by a
plain `sh` loop.

Scenarios (one function each, below):
  overhead   --info, --describe and measure with 1..1000 trivial sh drivers,
             magg against the sh loop, interleaved A B A B so noise hits both
  noisy      four drivers writing 50 MB of stderr each: wall time, peak RSS
  cancel     SIGUSR1 to magg while two drivers measure: time until it exits
  deadline   a hung driver, grace_period 1 + duration 1: lateness after 2 s
  startup    first run (unpacking) and warm runs of --info, against
             `python3 -c pass` on the same interpreter
  slow agent an agent that spends 50 ms per progress line (the backend
             round trip) reading four drivers that report 20 times a second:
             magg against a pass-through relaying every line (slow_agent.py)

Every Python process is started by the real interpreter's path (a pyenv
shim adds tens of milliseconds to each start), and the artifact is run as
`REAL_PYTHON ./measure ...`, bypassing its `#!/usr/bin/env python3`
shebang. The environment is passed on as it is (PYTHONDONTWRITEBYTECODE=1
stays set if it is), except PYTHONPATH, which is removed so the repository's
app/ cannot shadow the artifact's, and SHIV_ROOT, which points into the
temporary directory so the unpacked bundle is this run's own.

Standard library only. Prints a plain-text table and writes the same data
as JSON (bench/results.json by default, --out FILE otherwise).
"""

import argparse
import datetime
import hashlib
import json
import os
import platform
import select
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time

import slow_agent

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ARTIFACT = os.path.join(ROOT, "dist", "measure.pyz")
DEFAULT_OUT = os.path.join(ROOT, "bench", "results.json")
APP_ID = "app"

# Full run / --quick (a smoke run for tests/test_bench.py).
DRIVER_COUNTS = (1, 10, 100, 1000)
QUICK_DRIVER_COUNTS = (1, 10, 100)
OVERHEAD_REPS = {1: 7, 10: 7, 100: 7, 1000: 5}
QUICK_OVERHEAD_REPS = 3
NOISY_DRIVERS = 4
NOISY_BYTES = 50 * 1000 * 1000          # per driver: "50 MB"
QUICK_NOISY_BYTES = 5 * 1000 * 1000
NOISY_REPS, QUICK_NOISY_REPS = 3, 1
CANCEL_DRIVERS = 2
CANCEL_REPS, QUICK_CANCEL_REPS = 7, 3
DEADLINE_GRACE = 1                      # config.yaml magg.grace_period
DEADLINE_DURATION = 1                   # request control.duration
DEADLINE_REPS, QUICK_DEADLINE_REPS = 5, 1
FIRST_RUN_REPS, QUICK_FIRST_RUN_REPS = 5, 1
WARM_REPS, QUICK_WARM_REPS = 21, 5
SLOW_AGENT_REPS, QUICK_SLOW_AGENT_REPS = 3, 1

TIME = "/usr/bin/time"                  # GNU time, for the RSS cross-check
MARKER = "MAGG_BENCH_MARKER"             # in every child's environment, see settle()
SETTLE_TIMEOUT = 30                     # seconds to wait for stragglers
RSS_SAMPLE_INTERVAL = 0.002             # seconds between /proc/PID/status reads
RUN_TIMEOUT = 600                       # seconds: no scenario should come near
PROGRESS_TIMEOUT = 30

# The targets of issue 6: (key, what, limit, unit).
TARGETS = (
    ("ratio_100_info", "ratio magg/shell, --info, 100 drivers", 2.0, "x"),
    ("ratio_100_describe", "ratio magg/shell, --describe, 100 drivers", 2.0, "x"),
    ("ratio_100_measure", "ratio magg/shell, measure, 100 drivers", 2.0, "x"),
    ("ratio_1000_info", "ratio magg/shell, --info, 1000 drivers", 1.3, "x"),
    ("ratio_1000_describe", "ratio magg/shell, --describe, 1000 drivers", 1.3, "x"),
    ("ratio_1000_measure", "ratio magg/shell, measure, 1000 drivers", 1.3, "x"),
    ("noisy_rss", "noisy drivers: magg peak RSS", 40.0, "MiB"),
    ("cancel", "cancel latency (median)", 0.1, "s"),
    ("deadline", "deadline lateness (median, from process start)", 0.1, "s"),
    ("warm_start", "warm start above python -c pass (median)", 0.040, "s"),
    ("slow_agent_lines", "slow agent: progress lines received per second", 1.5, "/s"),
    ("slow_agent_cancel", "slow agent: SIGUSR1 to final line read", 1.0, "s"),
)

# A trivial driver: one metric of its own, answers at once.
TRIVIAL_DRIVER = """#!/bin/sh
case "$1" in
  --info) echo '{"has_cancel": true, "version": "1.0"}' ;;
  --describe) echo '{"status": "ok", "metrics": {"%(metric)s": {"unit": "count"}}}' ;;
  *) cat >/dev/null
     echo '{"status": "ok", "metrics": {"%(metric)s": {"value": 1, "unit": "count"}}}' ;;
esac
"""

# Writes BYTES of stderr, in 100-byte lines, while measuring.
NOISY_DRIVER = """#!/bin/sh
case "$1" in
  --info) echo '{"has_cancel": true, "version": "1.0"}' ;;
  --describe) echo '{"status": "ok", "metrics": {"%(metric)s": {"unit": "count"}}}' ;;
  *) cat >/dev/null
     yes 'noise noise noise noise noise noise noise noise noise noise noise noise noise noise noise noise' \\
       | head -c %(bytes)d >&2
     echo '{"status": "ok", "metrics": {"%(metric)s": {"value": 1, "unit": "count"}}}' ;;
esac
"""

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

# Hangs in measure, has no cancel (so magg sends SIGTERM, which kills it).
# Notes when its measure call started, so the bench can tell start-up and
# the --info round apart from the deadline itself.
HUNG_DRIVER = """#!/bin/sh
case "$1" in
  --info) echo '{"has_cancel": false, "version": "1.0"}' ;;
  --describe) echo '{"status": "ok", "metrics": {}}' ;;
  *) date +%s.%N >> measure_started
     cat >/dev/null
     sleep 600 & wait ;;
esac
"""


# -- helpers ------------------------------------------------------------------


def fail(message):
    sys.stderr.write("bench: %s\n" % message)
    sys.exit(1)


def median(values):
    return statistics.median(values) if values else None


def real_python(requested):
    """The interpreter's real path: never a pyenv shim, never a venv wrapper.

    A venv's python is a symlink (or copy) next to a pyvenv.cfg that makes
    every start read it; the pyenv shim is a shell script that execs pyenv.
    Both would be timed as part of every Python start.
    """
    candidates = [requested] if requested else [
        getattr(sys, "_base_executable", None), sys.executable]
    for candidate in candidates:
        if not candidate:
            continue
        path = os.path.realpath(shutil.which(candidate) or candidate)
        try:
            with open(path, "rb") as handle:
                if handle.read(2) == b"#!":
                    continue        # a shim script, not an interpreter
        except OSError:
            continue
        if os.access(path, os.X_OK):
            return path
    fail("no real Python interpreter found (tried %s); pass --python PATH"
         % ", ".join(c for c in candidates if c))


def python_version(python):
    out = subprocess.run([python, "-c", "import sys; print(sys.version.split()[0])"],
                         stdout=subprocess.PIPE, check=True)
    return out.stdout.decode().strip()


def machine_info(python):
    model = "unknown"
    try:
        with open("/proc/cpuinfo") as handle:
            for line in handle:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return {
        "uname": " ".join(platform.uname()),
        "nproc": os.cpu_count(),
        "cpu_model": model,
        "python": python,
        "python_version": python_version(python),
        "date": datetime.datetime.now(datetime.timezone.utc).strftime(
            "%Y-%m-%d %H:%M:%S UTC"),
        "loadavg_at_start": os.getloadavg(),
        "PYTHONDONTWRITEBYTECODE": os.environ.get("PYTHONDONTWRITEBYTECODE", ""),
    }


def write_executable(path, text):
    with open(path, "w") as handle:
        handle.write(text)
    os.chmod(path, 0o755)


def make_servo(base, name, drivers, config=None, request=None):
    """A servo directory: ./measure (the artifact), ./measure.d/*, config, request.

    drivers: {name: script text}.
    """
    servo = os.path.join(base, name)
    os.makedirs(os.path.join(servo, "measure.d"))
    shutil.copy2(ARTIFACT, os.path.join(servo, "measure"))
    for driver, text in drivers.items():
        write_executable(os.path.join(servo, "measure.d", driver), text)
    if config is not None:
        with open(os.path.join(servo, "config.yaml"), "w") as handle:
            handle.write(config)
    if request is not None:
        with open(os.path.join(servo, "request.json"), "w") as handle:
            json.dump(request, handle)
    return servo


def trivial_drivers(count, template=TRIVIAL_DRIVER, **extra):
    width = len(str(count))
    names = ["d%0*d" % (width, i) for i in range(count)]
    return {n: template % dict(extra, metric="m_" + n) for n in names}


class Runner(object):
    """Starts magg (the artifact) and shell commands the same way, and times them."""

    def __init__(self, python, env):
        self.python = python
        self.env = env
        self.marker = ("%s=%d" % (MARKER, os.getpid())).encode()
        self.env[MARKER] = str(os.getpid())
        self.stragglers = 0

    def settle(self):
        """Wait until no process started by this bench is left, untimed.

        Every child carries MARKER in its environment, and so do its
        descendants (magg's drivers and watchdog). A process still running
        after its parent exited (a leak, or work finishing late) would steal
        CPU from the next, differently timed run; waiting here keeps the
        alternating runs apart, and the count is reported.
        """
        deadline = time.monotonic() + SETTLE_TIMEOUT
        seen = False
        while time.monotonic() < deadline:
            if not marked_pids(self.marker):
                return
            if not seen:
                self.stragglers += 1
                seen = True
            time.sleep(0.01)
        fail("processes with %s still run %d s after their run ended: %s"
             % (self.marker.decode(), SETTLE_TIMEOUT, marked_pids(self.marker)))

    def magg(self, *args):
        return [self.python, "./measure"] + list(args)

    def run(self, argv, cwd, stdin_path=None, stdout_path=None, stderr_path=None,
            expect=None):
        """Wall seconds of one run, from just before fork to after it was reaped.

        expect: the status the last stdout line must have (checked after the
        clock stopped), so a broken setup cannot pass for a fast one.
        """
        stdin = open(stdin_path, "rb") if stdin_path else subprocess.DEVNULL
        stdout = open(stdout_path, "wb") if stdout_path else subprocess.DEVNULL
        stderr = open(stderr_path, "wb") if stderr_path else subprocess.DEVNULL
        try:
            start = time.perf_counter()
            proc = subprocess.Popen(argv, cwd=cwd, env=self.env, stdin=stdin,
                                    stdout=stdout, stderr=stderr)
            _, status, _ = os.wait4(proc.pid, 0)
            elapsed = time.perf_counter() - start
            proc.returncode = os.waitstatus_to_exitcode(status) \
                if hasattr(os, "waitstatus_to_exitcode") else status
        finally:
            for handle in (stdin, stdout, stderr):
                if handle is not subprocess.DEVNULL:
                    handle.close()
        self.settle()
        if expect is not None:
            check_status(stdout_path, stderr_path, expect, argv, cwd)
        return elapsed


def marked_pids(marker):
    """Pids whose environment holds marker (NAME=VALUE, as bytes)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/environ" % entry, "rb") as handle:
                if marker + b"\0" in handle.read():
                    found.append(int(entry))
        except OSError:
            continue
    return found


def last_json_line(path):
    with open(path, "rb") as handle:
        lines = [l for l in handle.read().splitlines() if l.strip()]
    try:
        return json.loads(lines[-1].decode()) if lines else {}
    except ValueError:
        return {}


def check_status(stdout_path, stderr_path, expect, argv, cwd):
    final = last_json_line(stdout_path)
    if final.get("status") != expect:
        tail = ""
        if stderr_path:
            with open(stderr_path, "rb") as handle:
                tail = handle.read()[-2000:].decode("utf-8", "replace")
        fail("%s in %s: expected status %r, got %r\n%s"
             % (" ".join(argv), cwd, expect, final, tail))


def vm_hwm_kib(pid):
    """VmHWM (peak resident set) of pid itself, or None once it has exited."""
    try:
        with open("/proc/%d/status" % pid, "rb") as handle:
            for line in handle:
                if line.startswith(b"VmHWM:"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return None


# -- scenarios ----------------------------------------------------------------


def shell_loop(command):
    """The least work any aggregator must do: the invocations, in parallel."""
    if command == "--info":
        return 'for d in measure.d/*; do "$d" --info %s >/dev/null & done; wait' % APP_ID
    if command == "--describe":
        return ('for d in measure.d/*; do "$d" --describe %s >/dev/null & done; wait'
                % APP_ID)
    return ('for d in measure.d/*; do "$d" --info {0} >/dev/null & '
            '"$d" --describe {0} >/dev/null & done; wait; '
            'for d in measure.d/*; do "$d" {0} <request.json >/dev/null & done; wait'
            ).format(APP_ID)


def overhead(runner, base, counts, reps_for):
    """magg against a plain sh loop, per command and number of drivers.

    The sh loop starts exactly the driver invocations magg starts (for
    measure: every --info and --describe together, then every measure with
    the request on stdin) and throws their output away; magg must also read,
    check and merge it. Runs alternate magg, sh, magg, sh ... so load spikes
    hit both; the ratio is taken per pair, then its median.

    The sh loop gives every driver the whole request; magg gives each its
    own share (smaller). measure's request names every metric, so magg runs
    the --describe round as the agent's requests make it do.
    """
    rows = []
    for count in counts:
        drivers = trivial_drivers(count)
        request = {"metrics": ["m_" + n for n in drivers], "control": {}}
        servo = make_servo(base, "overhead-%d" % count, drivers, request=request)
        out = os.path.join(base, "overhead-%d.out" % count)
        err = os.path.join(base, "overhead-%d.err" % count)
        for command in ("--info", "--describe", "measure"):
            if command == "measure":
                argv, stdin = runner.magg(APP_ID), os.path.join(servo, "request.json")
            else:
                argv, stdin = runner.magg(command, APP_ID), None
            shell = ["/bin/sh", "-c", shell_loop(command)]

            def magg_once():
                return runner.run(argv, servo, stdin, out, err, expect="ok")

            def shell_once():
                return runner.run(shell, servo)

            magg_once(), shell_once()          # warm-up: page cache, dentries
            magg_times, shell_times = [], []
            for _ in range(reps_for(count)):
                magg_times.append(magg_once())
                shell_times.append(shell_once())
            ratios = [m / s for m, s in zip(magg_times, shell_times)]
            rows.append({
                "command": command, "drivers": count, "reps": len(magg_times),
                "magg_median_s": median(magg_times),
                "shell_median_s": median(shell_times),
                "ratio_median": median(ratios),
                "magg_s": magg_times, "shell_s": shell_times,
            })
            progress("overhead %-10s %4d drivers: magg %.3f s, sh %.3f s, ratio %.2f"
                     % (command, count, rows[-1]["magg_median_s"],
                        rows[-1]["shell_median_s"], rows[-1]["ratio_median"]))
    return rows


def child_of(parent):
    """The pid of parent's child (the first found in /proc), or None."""
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % entry, "rb") as handle:
                fields = handle.read().rsplit(b")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == parent:
            return int(entry)
    return None


def run_sampling_rss(runner, argv, cwd, stdin_path, stdout_path, time_path):
    """(wall s, VmHWM KiB of magg itself, /usr/bin/time %M KiB or None) of one run.

    Two views of the peak RSS, because they differ in what they cover:
    - VmHWM from /proc/PID/status is the aggregator's own high-water mark.
      It vanishes once the process is a zombie, so a thread reads it every
      RSS_SAMPLE_INTERVAL and keeps the last value; being a high-water mark,
      that misses only growth in the last interval before exit.
    - `/usr/bin/time -f %M` (wait4's ru_maxrss) is, on Linux, the maximum of
      the process's own peak and the peaks of every descendant reaped below
      it, drivers included. It also counts the launcher: exec folds the
      pre-exec (forked) image's peak into the child's, so wait4 called from
      this Python script would report at least this script's RSS. That is
      why magg runs under /usr/bin/time, a small C program, for this view.
    The target is checked on VmHWM; %M is the cross-check.
    """
    timed = os.path.exists(TIME)
    if timed:
        argv = [TIME, "-f", "%M", "-o", time_path] + argv
    with open(stdin_path, "rb") as stdin, open(stdout_path, "wb") as stdout:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, cwd=cwd, env=runner.env, stdin=stdin,
                                stdout=stdout, stderr=subprocess.DEVNULL)
        peak = [None]
        done = threading.Event()

        def sample():
            pid = proc.pid
            while timed and not done.is_set():
                pid = child_of(proc.pid)
                if pid is not None:
                    break
                time.sleep(RSS_SAMPLE_INTERVAL / 4)
            while not done.is_set():
                value = vm_hwm_kib(pid)
                if value is None:
                    break
                peak[0] = value
                time.sleep(RSS_SAMPLE_INTERVAL)

        sampler = threading.Thread(target=sample)
        sampler.start()
        os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - start
        proc.returncode = 0
        done.set()
        sampler.join()
    runner.settle()
    check_status(stdout_path, None, "ok", argv, cwd)
    time_kib = None
    if timed:
        with open(time_path) as handle:
            time_kib = int(handle.read().split()[-1])
    return elapsed, peak[0], time_kib


def noisy(runner, base, nbytes, reps):
    """Four drivers writing nbytes of stderr each during one measure.

    magg relays every stderr line (prefixed with the driver's name) to its
    own stderr, here /dev/null, and keeps only a bounded tail per driver,
    so its memory must not grow with the noise. The sh loop, with the
    drivers' stderr going straight to /dev/null, is shown for scale only.
    """
    drivers = trivial_drivers(NOISY_DRIVERS, NOISY_DRIVER, bytes=nbytes)
    request = {"metrics": ["m_" + n for n in drivers], "control": {}}
    servo = make_servo(base, "noisy", drivers, request=request)
    stdin = os.path.join(servo, "request.json")
    out = os.path.join(base, "noisy.out")
    time_out = os.path.join(base, "noisy.time")
    argv = runner.magg(APP_ID)
    shell = ["/bin/sh", "-c", shell_loop("measure")]
    walls, hwms, maxrss, shell_walls = [], [], [], []
    for _ in range(reps):
        wall, hwm, rss = run_sampling_rss(runner, argv, servo, stdin, out, time_out)
        walls.append(wall)
        hwms.append(hwm)
        maxrss.append(rss)
        shell_walls.append(runner.run(shell, servo))
    result = {
        "drivers": NOISY_DRIVERS, "stderr_bytes_per_driver": nbytes, "reps": reps,
        "magg_median_s": median(walls), "shell_median_s": median(shell_walls),
        "peak_rss_mib": max(hwms) / 1024.0,
        "time_maxrss_mib": (max(maxrss) / 1024.0) if None not in maxrss else None,
        "magg_s": walls, "shell_s": shell_walls,
        "vm_hwm_kib": hwms, "time_maxrss_kib": maxrss,
        "rss_method": "peak RSS = VmHWM of the magg process itself from /proc/PID/"
                      "status, sampled every %g s until it exits; cross-check: "
                      "/usr/bin/time -f %%M around magg = max over magg and every "
                      "descendant reaped below it (drivers included)"
                      % RSS_SAMPLE_INTERVAL,
    }
    progress("noisy: %.2f s, VmHWM %.1f MiB, /usr/bin/time %%M %s MiB"
             % (result["magg_median_s"], result["peak_rss_mib"],
                result["time_maxrss_mib"]))
    return result


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


def cancel(runner, base, reps):
    """SIGUSR1 to magg while two drivers that obey cancel measure.

    The clock starts when the signal is sent, after magg has relayed a
    progress line from each driver (both are then inside their measure),
    and stops when magg has been reaped: its stop sequence (SIGUSR1 to the
    drivers, wait for them, SIGKILL their groups, final line) is inside.
    """
    drivers = trivial_drivers(CANCEL_DRIVERS, CANCEL_DRIVER)
    servo = make_servo(base, "cancel", drivers, request={"control": {}})
    argv = runner.magg(APP_ID)
    latencies, codes = [], []
    for _ in range(reps):
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
        latencies.append(time.perf_counter() - start)
        proc.returncode = os.WEXITSTATUS(status) if os.WIFEXITED(status) else -1
        proc.stdout.close()
        runner.settle()
        codes.append(proc.returncode)
        final = json.loads(bytes(buffer).splitlines()[-1].decode())
        if final.get("reason") != "cancelled":
            fail("cancel: magg did not report a cancel: %r" % final)
    result = {"drivers": CANCEL_DRIVERS, "reps": reps,
              "median_s": median(latencies), "max_s": max(latencies),
              "latencies_s": latencies, "exit_codes": codes}
    progress("cancel: median %.3f s, max %.3f s" % (result["median_s"], result["max_s"]))
    return result


def deadline(runner, base, reps):
    """A hung driver; config grace_period 1, request duration 1: a 2 s limit.

    From outside only the process start is visible, so lateness is exit
    time minus (start + 2 s): it includes magg's start-up, reading
    config.yaml (PyYAML is imported for it) and the --info round. The hung
    driver also notes when its measure call began, just after magg set the
    deadline, which gives a second, closer view: exit minus (that + 2 s).
    """
    config = "magg:\n  grace_period: %d\n" % DEADLINE_GRACE
    servo = make_servo(base, "deadline", {"hung": HUNG_DRIVER}, config=config,
                       request={"control": {"duration": DEADLINE_DURATION}})
    stdin = os.path.join(servo, "request.json")
    out = os.path.join(base, "deadline.out")
    err = os.path.join(base, "deadline.err")
    stamp = os.path.join(servo, "measure_started")
    runner.run(runner.magg("--plan", APP_ID), servo, stdin, out, err, expect="ok")
    limit = last_json_line(out)["time_limit"]["deadline"]
    late_start, late_round = [], []
    for _ in range(reps):
        if os.path.exists(stamp):
            os.unlink(stamp)
        wall_start = time.time()
        wall = runner.run(runner.magg(APP_ID), servo, stdin, out, err, expect="failed")
        wall_end = wall_start + wall
        final = last_json_line(out)
        if final.get("reason") != "timeout":
            fail("deadline: expected a timeout, got %r" % final)
        with open(stamp) as handle:
            started = float(handle.read().split()[0])
        late_start.append(wall - limit)
        late_round.append(wall_end - (started + limit))
    result = {"grace_period": DEADLINE_GRACE, "duration": DEADLINE_DURATION,
              "deadline_s": limit, "reps": reps,
              "late_from_start_median_s": median(late_start),
              "late_from_measure_median_s": median(late_round),
              "late_from_start_s": late_start, "late_from_measure_s": late_round}
    progress("deadline: %.3f s late from start, %.3f s from the measure round"
             % (result["late_from_start_median_s"], result["late_from_measure_median_s"]))
    return result


def startup(runner, base, first_reps, warm_reps):
    """--info with one driver: the first run (unpacking) and warm runs.

    The first run gets a fresh, empty SHIV_ROOT each time, so it unpacks the
    bundle and writes the .pyc files magg compiles when it unpacks. Warm runs
    use the already unpacked SHIV_ROOT. Both alternate with
    `python -c pass` on the same interpreter: the floor of any Python start.
    """
    servo = make_servo(base, "startup", trivial_drivers(1))
    out = os.path.join(base, "startup.out")
    err = os.path.join(base, "startup.err")
    argv = runner.magg("--info", APP_ID)
    bare = [runner.python, "-c", "pass"]
    shared_root = runner.env["SHIV_ROOT"]

    first, first_bare = [], []
    for i in range(first_reps):
        runner.env["SHIV_ROOT"] = os.path.join(base, "shiv-first-%d" % i)
        try:
            first.append(runner.run(argv, servo, None, out, err, expect="ok"))
        finally:
            runner.env["SHIV_ROOT"] = shared_root
        first_bare.append(runner.run(bare, servo))

    runner.run(argv, servo, None, out, err, expect="ok")     # warm-up
    warm, warm_bare = [], []
    for _ in range(warm_reps):
        warm.append(runner.run(argv, servo, None, out, err, expect="ok"))
        warm_bare.append(runner.run(bare, servo))
    result = {
        "first_reps": first_reps, "warm_reps": warm_reps,
        "first_median_s": median(first), "warm_median_s": median(warm),
        "python_pass_median_s": median(warm_bare + first_bare),
        "warm_above_pass_median_s": median([w - b for w, b in zip(warm, warm_bare)]),
        "first_above_pass_median_s": median([f - b for f, b in zip(first, first_bare)]),
        "first_s": first, "warm_s": warm, "python_pass_s": warm_bare,
    }
    progress("startup: first %.3f s, warm %.3f s, python -c pass %.3f s"
             % (result["first_median_s"], result["warm_median_s"],
                result["python_pass_median_s"]))
    return result


# -- report -------------------------------------------------------------------


def judge(results):
    """[{target, value, limit, met}] for every target of issue 6 that was run."""
    values = {}
    for row in results["overhead"]:
        key = "ratio_%d_%s" % (row["drivers"], row["command"].lstrip("-"))
        values[key] = row["ratio_median"]
    values["noisy_rss"] = results["noisy"]["peak_rss_mib"]
    values["cancel"] = results["cancel"]["median_s"]
    values["deadline"] = results["deadline"]["late_from_start_median_s"]
    values["warm_start"] = results["startup"]["warm_above_pass_median_s"]
    values["slow_agent_lines"] = results["slow_agent"]["magg"]["lines_per_s"]
    values["slow_agent_cancel"] = results["slow_agent"]["magg"]["cancel_to_final_s"]
    verdicts = []
    for key, what, limit, unit in TARGETS:
        if key in values:
            verdicts.append({"key": key, "target": what, "value": values[key],
                             "limit": limit, "unit": unit,
                             "met": values[key] <= limit})
    return verdicts


def table(rows, header):
    widths = [max(len(str(r[i])) for r in [header] + rows) for i in range(len(header))]
    lines = ["  ".join(str(c).ljust(w) if i == 0 else str(c).rjust(w)
                       for i, (c, w) in enumerate(zip(row, widths)))
             for row in [header] + rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def ms(seconds):
    return "%.1f ms" % (seconds * 1000.0)


def render(results):
    m, s = results["machine"], results["settings"]
    out = [
        "magg benchmark, %s%s" % (m["date"], " (--quick)" if s["quick"] else ""),
        "machine: %s; %s CPUs: %s" % (m["uname"], m["nproc"], m["cpu_model"]),
        "load average before the run: %s (other work on the machine adds noise)"
        % " ".join("%.2f" % x for x in m["loadavg_at_start"]),
        "interpreter (every row): %s (Python %s), PYTHONDONTWRITEBYTECODE=%s"
        % (m["python"], m["python_version"], m["PYTHONDONTWRITEBYTECODE"] or "unset"),
        "artifact: %s sha256 %s, run as `%s`"
        % (s["artifact"], s["artifact_sha256"][:16], s["invocation"]),
        "",
        "Overhead: magg against a plain sh loop starting the same driver invocations "
        "(medians; ratio = median of per-pair magg/sh)",
    ]
    out.append(table(
        [[r["command"], r["drivers"], r["reps"], ms(r["magg_median_s"]),
          ms(r["shell_median_s"]), "%.2f" % r["ratio_median"]]
         for r in results["overhead"]],
        ["command", "drivers", "reps", "magg", "sh loop", "magg/sh"]))
    n, c, d, st = (results["noisy"], results["cancel"], results["deadline"],
                   results["startup"])
    out += ["", "Supervision and start-up (medians)"]
    out.append(table([
        ["noisy: %d drivers x %d MB stderr, wall" % (n["drivers"],
                                                  n["stderr_bytes_per_driver"] // 10**6),
         n["reps"], "%.3f s" % n["magg_median_s"],
         "sh loop %.3f s" % n["shell_median_s"]],
        ["noisy: magg peak RSS (VmHWM)", n["reps"], "%.1f MiB" % n["peak_rss_mib"],
         "time %%M %s" % ("n/a" if n["time_maxrss_mib"] is None
                          else "%.1f MiB" % n["time_maxrss_mib"])],
        ["cancel: SIGUSR1 -> magg exited", c["reps"], ms(c["median_s"]),
         "max %s" % ms(c["max_s"])],
        ["deadline %gs: exit - (start + %gs)" % (d["deadline_s"], d["deadline_s"]),
         d["reps"], ms(d["late_from_start_median_s"]),
         "from measure round %s" % ms(d["late_from_measure_median_s"])],
        ["startup: first run (unpack), --info", st["first_reps"],
         ms(st["first_median_s"]), "+%s over pass" % ms(st["first_above_pass_median_s"])],
        ["startup: warm run, --info", st["warm_reps"], ms(st["warm_median_s"]),
         "+%s over pass" % ms(st["warm_above_pass_median_s"])],
        ["startup: python -c pass", st["warm_reps"] + st["first_reps"],
         ms(st["python_pass_median_s"]), ""],
    ], ["scenario", "reps", "value", "note"]))
    sa = results["slow_agent"]
    out += ["", "Slow agent: %d drivers x 20 progress lines/s, %d ms per progress line "
                "read (medians of %d)" % (sa["drivers"], sa["round_trip_s"] * 1000,
                                          sa["reps"])]
    out.append(table(
        [["progress lines received per second", "%.1f" % sa["magg"]["lines_per_s"],
          "%.1f" % sa["pass_through"]["lines_per_s"]],
         ["SIGUSR1 -> final line read", ms(sa["magg"]["cancel_to_final_s"]),
          ms(sa["pass_through"]["cancel_to_final_s"])]],
        ["", "magg", "pass-through (cat)"]))
    out += ["", "Targets"]
    out.append(table(
        [[t["target"], fmt_value(t["value"], t["unit"]),
          "<= " + fmt_value(t["limit"], t["unit"]), "met" if t["met"] else "MISSED"]
         for t in results["targets"]],
        ["target", "value", "limit", "verdict"]))
    out += ["", "RSS: " + n["rss_method"] + ".",
            "Runs after which a process of the run was still alive (waited for, "
            "untimed, before the next run): %d" % s["runs_with_stragglers"]]
    return "\n".join(out)


def fmt_value(value, unit):
    if unit == "x":
        return "%.2f" % value
    if unit == "/s":
        return "%.1f/s" % value
    if unit == "s":
        return ms(value)
    return "%.1f %s" % (value, unit)


def progress(message):
    sys.stderr.write("bench: %s\n" % message)
    sys.stderr.flush()


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="smoke run: fewer repetitions, up to 100 drivers, 5 MB noise")
    parser.add_argument("--out", default=DEFAULT_OUT,
                        help="JSON results file (default: bench/results.json)")
    parser.add_argument("--python", default=None,
                        help="interpreter to run the artifact with (default: the real "
                             "interpreter behind the one running this script)")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    if not os.path.isfile(ARTIFACT):
        fail("%s does not exist yet: build it first with `make dist` (the numbers "
             "must come from the artifact, not from app/)" % ARTIFACT)
    python = real_python(args.python)
    with open(ARTIFACT, "rb") as handle:
        sha = hashlib.sha256(handle.read()).hexdigest()
    quick = args.quick
    with tempfile.TemporaryDirectory(prefix="magg-bench-") as base:
        env = dict(os.environ, SHIV_ROOT=os.path.join(base, "shiv"))
        env.pop("PYTHONPATH", None)
        runner = Runner(python, env)
        results = {
            "machine": machine_info(python),
            "settings": {
                "quick": quick, "artifact": os.path.relpath(ARTIFACT, ROOT),
                "artifact_sha256": sha,
                "invocation": "%s ./measure ARGS (shebang bypassed)" % python,
                "shell": "/bin/sh -> %s" % os.path.realpath("/bin/sh"),
                "magg_stdout": "a file (last line checked after timing)",
                "magg_stderr": "a file, /dev/null for noisy drivers",
            },
        }
        counts = QUICK_DRIVER_COUNTS if quick else DRIVER_COUNTS
        results["overhead"] = overhead(
            runner, base, counts,
            lambda n: QUICK_OVERHEAD_REPS if quick else OVERHEAD_REPS[n])
        results["noisy"] = noisy(runner, base,
                                 QUICK_NOISY_BYTES if quick else NOISY_BYTES,
                                 QUICK_NOISY_REPS if quick else NOISY_REPS)
        results["cancel"] = cancel(runner, base,
                                   QUICK_CANCEL_REPS if quick else CANCEL_REPS)
        results["deadline"] = deadline(runner, base,
                                       QUICK_DEADLINE_REPS if quick else DEADLINE_REPS)
        results["startup"] = startup(
            runner, base, QUICK_FIRST_RUN_REPS if quick else FIRST_RUN_REPS,
            QUICK_WARM_REPS if quick else WARM_REPS)
        results["slow_agent"] = slow_agent.slow_agent(
            runner, base, QUICK_SLOW_AGENT_REPS if quick else SLOW_AGENT_REPS,
            make_servo, write_executable, quick)
        progress("slow agent: magg %.1f lines/s, cancel %.3f s; pass-through %.1f "
                 "lines/s, cancel %.3f s" % (
                     results["slow_agent"]["magg"]["lines_per_s"],
                     results["slow_agent"]["magg"]["cancel_to_final_s"],
                     results["slow_agent"]["pass_through"]["lines_per_s"],
                     results["slow_agent"]["pass_through"]["cancel_to_final_s"]))
    results["machine"]["loadavg_at_end"] = os.getloadavg()
    results["settings"]["runs_with_stragglers"] = runner.stragglers
    results["targets"] = judge(results)
    text = render(results)
    print(text)
    results["table"] = text
    with open(args.out, "w") as handle:
        json.dump(results, handle, indent=2)
        handle.write("\n")
    progress("wrote %s" % args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
