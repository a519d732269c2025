"""Helpers for the supervision tests: run the aggregator from source against
real driver processes, and find every process it (or its drivers) left behind.

Every aggregator run gets MAGG_TEST_MARKER=<uuid> in its environment; drivers
and their children inherit it, so /proc/*/environ tells which processes a
test started, whoever their parent is now.
"""

import json
import os
import select
import signal
import sys
import time
import uuid

import pytest

from fakedriver import _shebang, _write_executable

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# MAGG_TEST_PYTHON runs the aggregator on another interpreter (see
# test_old_pythons.py); PyYAML then comes from the build's staging dir.
AGGREGATOR_PYTHON = os.environ.get("MAGG_TEST_PYTHON") or sys.executable
CMD = [AGGREGATOR_PYTHON, "-m", "app"]
PYTHONPATH = (REPO if AGGREGATOR_PYTHON == sys.executable
              else os.pathsep.join([REPO, os.path.join(REPO, "build", "site-packages")]))
MARKER_VAR = "MAGG_TEST_MARKER"


def aggregator_env(marker, **extra):
    """The environment for one aggregator run: app importable, marker set."""
    env = dict(os.environ)
    env.pop("OPTUNE_IO_TIMEOUT", None)
    env.pop("MAGG_TEST_PYTHON", None)
    env["PYTHONPATH"] = PYTHONPATH
    env[MARKER_VAR] = marker
    env.update(extra)
    return env


# -- processes by marker -----------------------------------------------------

def process_state(pid):
    """The one-letter state of a process (R, S, Z, ...), or None once it is gone."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            stat = f.read()
    except OSError:
        return None
    return stat.rsplit(")", 1)[1].split()[0]


def alive(pid):
    """Running or sleeping; a zombie is dead (it only waits to be reaped)."""
    return process_state(pid) not in (None, "Z")


def marked_pids(marker):
    """Live (non-zombie) processes whose environment holds this marker."""
    token = ("%s=%s" % (MARKER_VAR, marker)).encode()
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/environ" % entry, "rb") as f:
                env = f.read()
        except OSError:
            continue
        if token in env.split(b"\0") and alive(int(entry)):
            pids.append(int(entry))
    return pids


def wait_until(predicate, timeout, step=0.02):
    """Poll predicate until true or the deadline; returns its last value."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() >= deadline:
            return value
        time.sleep(step)


def leftovers_after(marker, timeout):
    """[(pid, command)] of marked processes still alive after up to timeout s."""
    deadline = time.monotonic() + timeout
    while True:
        pids = marked_pids(marker)
        if not pids or time.monotonic() >= deadline:
            return [(pid, describe_process(pid)) for pid in pids]
        time.sleep(0.02)


def describe_process(pid):
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            return f.read().replace(b"\0", b" ").decode("utf-8", "replace").strip()
    except OSError:
        return "?"


def kill_marked(marker):
    for pid in marked_pids(marker):
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass


@pytest.fixture
def marker():
    """A fresh marker; whatever still carries it at the end of the test is killed."""
    token = uuid.uuid4().hex
    yield token
    kill_marked(token)


# -- drivers -----------------------------------------------------------------

PY_PRELUDE = r'''
import json, os, signal, subprocess, sys, time

P = json.loads(%(params)r)
MODE = sys.argv[1] if len(sys.argv) > 1 else ""


def out(text):
    sys.stdout.write(text)
    sys.stdout.flush()


def err(text):
    sys.stderr.write(text)
    sys.stderr.flush()


def note(path, text):
    """Append a line to a file the test reads (it awaits these, never sleeps)."""
    with open(path, "a") as f:
        f.write(text + "\n")


def wait_for_file(path, timeout=60):
    end = time.time() + timeout
    while not os.path.exists(path) and time.time() < end:
        time.sleep(0.01)


if MODE == "--info":
    out(json.dumps({"has_cancel": P["has_cancel"], "version": "1"}) + "\n")
    sys.exit(0)
if MODE == "--describe":
    out(json.dumps({"status": "ok", "metrics": dict((m, {}) for m in P["metrics"])}) + "\n")
    sys.exit(0)
request = json.loads(sys.stdin.read() or "{}") if P["read_stdin"] else None
'''


def write_py(measure_d, name, body, has_cancel=False, metrics=(), read_stdin=True,
             **params):
    """A Python driver: --info/--describe answered, then `body` measures.

    In body: P (has_cancel, metrics, params), request (stdin as JSON, unless
    read_stdin is false), out(), err(), note(path, text), wait_for_file(path).
    """
    import textwrap
    os.makedirs(str(measure_d), exist_ok=True)
    params.update(has_cancel=has_cancel, metrics=list(metrics), read_stdin=read_stdin)
    text = (_shebang() + "\n" + PY_PRELUDE % {"params": json.dumps(params)}
            + textwrap.dedent(body))
    return _write_executable(os.path.join(str(measure_d), name), text)


SH_PRELUDE = """#!/bin/sh
case "$1" in
--info) echo '{"has_cancel": %(has_cancel)s, "version": "1"}'; exit 0 ;;
--describe) echo '{"status": "ok", "metrics": %(metrics)s}'; exit 0 ;;
esac
cat >/dev/null
"""


def write_sh(measure_d, name, body, has_cancel=False, metrics=()):
    """A /bin/sh driver: --info/--describe answered, stdin read, then `body`."""
    os.makedirs(str(measure_d), exist_ok=True)
    described = json.dumps(dict((m, {}) for m in metrics))
    text = SH_PRELUDE % {"has_cancel": json.dumps(has_cancel),
                         "metrics": described} + body + "\n"
    return _write_executable(os.path.join(str(measure_d), name), text)


# -- reading a stream as it comes --------------------------------------------

class StreamReader(object):
    """Lines of one pipe, read as they arrive, with a deadline per wait."""

    def __init__(self, stream):
        self.fd = stream.fileno()
        self.buf = b""
        self.lines = []
        self.eof = False

    def read_until(self, predicate, timeout):
        """Read lines until predicate(line) holds for one; return it (or None)."""
        deadline = time.monotonic() + timeout
        checked = 0
        while True:
            for line in self.lines[checked:]:
                if predicate(line):
                    return line
            checked = len(self.lines)
            left = deadline - time.monotonic()
            if self.eof or left <= 0:
                return None
            ready, _, _ = select.select([self.fd], [], [], left)
            if ready:
                self._read()

    def _read(self):
        data = os.read(self.fd, 65536)
        if not data:
            self.eof = True
            if self.buf:
                self.lines.append(self.buf.decode("utf-8", "replace"))
                self.buf = b""
            return
        self.buf += data
        *done, self.buf = self.buf.split(b"\n")
        self.lines.extend(line.decode("utf-8", "replace") for line in done)

    def read_all(self, timeout):
        self.read_until(lambda line: False, timeout)
        return self.lines
