"""What every bench scenario shares: servos of drivers, timed runs, medians.

A scenario (see bench.py's docstring) gets a Session: the Runner, which
starts magg (the artifact) and shell commands the same way and times them,
a scratch directory, and whether this is a --quick run. What it prints is
report.py's. Standard library only.
"""

import json
import os
import shutil
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ARTIFACT = os.path.join(ROOT, "dist", "measure.pyz")
APP_ID = "app"

MARKER = "MAGG_BENCH_MARKER"             # in every child's environment, see settle()
SETTLE_TIMEOUT = 30                     # seconds to wait for stragglers

# A trivial driver: one metric of its own, answers at once.
TRIVIAL_DRIVER = """#!/bin/sh
case "$1" in
  --info) echo '{"has_cancel": true, "version": "1.0"}' ;;
  --describe) echo '{"status": "ok", "metrics": {"%(metric)s": {"unit": "count"}}}' ;;
  *) cat >/dev/null
     echo '{"status": "ok", "metrics": {"%(metric)s": {"value": 1, "unit": "count"}}}' ;;
esac
"""


class Session(object):
    """What a scenario's measure() gets: the runner, a scratch directory, the mode."""

    def __init__(self, runner, base, quick):
        self.runner = runner
        self.base = base
        self.quick = quick
        self.python = runner.python
        self.artifact = ARTIFACT

    def pick(self, full, quick):
        """full (repetitions, sizes...), or quick in a --quick (smoke) run."""
        return quick if self.quick else full


# -- helpers ------------------------------------------------------------------


def fail(message):
    sys.stderr.write("bench: %s\n" % message)
    sys.exit(1)


def progress(message):
    sys.stderr.write("bench: %s\n" % message)
    sys.stderr.flush()


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


# -- servo directories ----------------------------------------------------------


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


# -- timed runs -------------------------------------------------------------------


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
