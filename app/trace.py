"""MAGG_TRACE=PATH: a run written down so that it replays without processes.

For a bug report, or to turn something seen in the field into a unit test:
every event the loop hands a round's supervisor, with the time it handed
it over, and every action it got back, as JSON lines appended to PATH.
The supervisor is pure (events and the time in, actions out), so a fresh
one fed the same events at the same times must return the same actions;
tests/replay.py checks exactly that.

The lines, in order:
  {"magg": VERSION, "argv": [...], "pid": PID, "time": UNIX TIME}  once per run
  {"round": {...}}     before each round: everything the supervisor is made of
  {"t": T, "event": E, "actions": [A, ...]}   one per event
  {"truncated": LIMIT}  once, when the file reached LIMIT bytes
A record (event or action) is [its type name, its fields...]; bytes are
{"bytes": the bytes as Latin-1 text}.

Tracing never changes a run: it goes only to a regular file that is not
magg's stdout, it is bounded (the file grows to at most LIMIT bytes, runs
appended included, then tracing stops with one "truncated" line), and when
the file cannot be opened or written, one warning goes to stderr and the
run goes on untraced.
"""

import json
import os
import stat
import time

from app import events

TRACE_VAR = "MAGG_TRACE"
LIMIT = 64 * 1024 * 1024

_TYPES = {kind.__name__: kind for kind in events.EVENTS + events.ACTIONS}


# -- the format (pure) ------------------------------------------------------------

def encode(value):
    """A record, list, dict or scalar as JSON-ready data."""
    if isinstance(value, bytes):
        return {"bytes": value.decode("latin-1")}
    if type(value).__name__ in _TYPES and isinstance(value, tuple):
        return [type(value).__name__] + [encode(v) for v in value]
    if isinstance(value, (list, tuple)):
        return [encode(v) for v in value]
    if isinstance(value, dict):
        return {k: encode(v) for k, v in value.items()}
    return value


def decode_value(data):
    if isinstance(data, dict):
        if set(data) == {"bytes"}:
            return data["bytes"].encode("latin-1")
        return {k: decode_value(v) for k, v in data.items()}
    if isinstance(data, list):
        return [decode_value(v) for v in data]
    return data


def decode(data):
    """An event or action from its encoded form."""
    return _TYPES[data[0]](*[decode_value(v) for v in data[1:]])


def describe_round(supervisor):
    """What a round's supervisor is made of, for the "round" line."""
    rules, settings, reporter = supervisor.round, supervisor.settings, supervisor.reporter
    described = {
        "jobs": [encode(list(job)) for job in rules.jobs],
        "deadline": rules.deadline, "stop_on_failure": rules.stop_on_failure,
        "judge_exits": rules.judge_exits,
        "settings": {"cleanup_grace_period": settings.cleanup_grace_period,
                     "io_limit": settings.io_limit, "stderr_limit": settings.stderr_limit},
        "reporter": None,
    }
    if reporter is not None:
        pacer = reporter.pacer
        described["reporter"] = {
            "names": list(reporter.names), "track": reporter.track,
            "pacer": {"interval": pacer.interval, "heartbeat": pacer.heartbeat,
                      "ready": pacer.ready, "last": pacer.last, "sent_any": pacer.sent_any}}
    return described


# -- the file (the edge) ------------------------------------------------------------

class Trace(object):
    """The trace file of one run; every write is one whole line, or nothing."""

    def __init__(self, fd, size, warn, limit=LIMIT):
        self.fd = fd
        self.size = size
        self.warn = warn
        self.limit = limit

    def run(self, version, argv):
        self._write({"magg": version, "argv": argv, "pid": os.getpid(),
                     "time": time.time()})

    def round(self, supervisor):
        self._write({"round": describe_round(supervisor)})

    def step(self, now, event, actions):
        self._write({"t": now, "event": encode(event), "actions": encode(actions)})

    def _write(self, obj):
        if self.fd is None:
            return
        data = (json.dumps(obj) + "\n").encode("utf-8")
        if self.size + len(data) > self.limit:
            data = (json.dumps({"truncated": self.limit}) + "\n").encode("utf-8")
            self._put(data)
            self.close()
            return
        self._put(data)

    def _put(self, data):
        try:
            while data:
                written = os.write(self.fd, data)
                self.size += written
                data = data[written:]
        except OSError as err:
            self.warn("cannot write the trace %s any more (%s); the run goes on untraced"
                      % (os.environ.get(TRACE_VAR), err.strerror or err))
            self.close()

    def close(self):
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None


def open_trace(environ, warn):
    """The Trace that MAGG_TRACE asks for, or None; warn(text) says why not."""
    path = environ.get(TRACE_VAR)
    if not path:
        return None
    try:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NONBLOCK
                     | os.O_CLOEXEC, 0o600)
    except OSError as err:
        warn("cannot open the trace %s: %s; the run goes on untraced"
             % (path, err.strerror or err))
        return None
    why = _unfit(fd)
    if why:
        os.close(fd)
        warn("not writing the trace to %s: %s; the run goes on untraced" % (path, why))
        return None
    return Trace(fd, os.fstat(fd).st_size, warn)


def _unfit(fd):
    """Why a trace cannot go to fd, or None."""
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        return "it is not a regular file"
    for std, name in ((1, "stdout"), (2, "stderr")):
        try:
            other = os.fstat(std)
        except OSError:
            continue
        if (other.st_dev, other.st_ino) == (info.st_dev, info.st_ino):
            return "it is magg's %s" % name
    if info.st_size >= LIMIT:
        return "it already holds %d bytes (at most %d)" % (info.st_size, LIMIT)
    return None
