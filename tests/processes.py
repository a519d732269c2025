"""The processes a test started, found again whoever their parent is now.

Every magg run in the suites carries MAGG_TEST_MARKER=<token> in its
environment (see aggregator.py and the `marker` fixture in conftest.py);
drivers and their children inherit it, so /proc/*/environ tells which
processes are left over from a test. Linux only, like the suites that use it.
"""

import os
import select
import signal
import time
import uuid

MARKER_VAR = "MAGG_TEST_MARKER"


def new_marker():
    return uuid.uuid4().hex


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


def children_of(ppid):
    """The pids whose parent is ppid."""
    pids = []
    for entry in os.listdir("/proc"):
        try:
            with open("/proc/%s/status" % entry) as f:
                if "\nPPid:\t%d\n" % ppid in f.read():
                    pids.append(int(entry))
        except (OSError, ValueError):
            continue
    return pids


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
