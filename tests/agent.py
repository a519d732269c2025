"""An agent-like client: calls a measure driver the way the servo agent does.

Used by the integration tests and by examples/demo.py. It follows
/work/shared/protocol.md ("How the servo agent calls a measure driver"):

- ``info(cmd, app_id, cwd)``      runs ``CMD --info APP_ID``
- ``describe(cmd, app_id, cwd)``  runs ``CMD --describe APP_ID``
- ``measure(cmd, app_id, request, cwd)`` runs ``CMD APP_ID``, writes the
  request to stdin in ``select.PIPE_BUF`` chunks, closes stdin, then reads
  stdout line by line as it comes: blank lines are ignored, a line with a
  ``progress`` key is a progress line (kept with its arrival time), any line
  that is not a JSON object fails the call, and the last non-progress line is
  the result. All of stderr is kept.
- ``cycle(cmd, app_id, request, cwd)`` does what the agent does for one
  measurement: ``--info``, then ``--describe``, then measure.

``cmd`` is a list: ``["./measure"]`` or ``[sys.executable, "-m", "app"]``.

Every call returns a ``Run``. Nothing here can hang a test: ``io_timeout``
(like the agent's ``OPTUNE_IO_TIMEOUT``, read from ``env`` when not given)
kills a process that prints no stdout line for that long, and ``timeout``
kills one that runs longer than that in all.

Examples::

    run = agent.info(["./measure"], "app1", cwd=servo_dir)
    assert run.ok and run.result["has_cancel"]

    run = agent.measure(cmd, "app1", {"metrics": ["rps"], "control": {"duration": 1}},
                        cwd=servo_dir)
    print(run.progress, run.progress_times, run.result, run.stderr)

    # cancel like the agent does, at the first progress line:
    run = agent.measure(cmd, "app1", request, cwd=servo_dir,
                        on_progress=lambda msg, m: m.cancel())

    # or drive the process yourself:
    m = agent.start_measure(cmd, "app1", request, cwd=servo_dir)
    m.send_signal(signal.SIGTERM)
    run = m.finish()

Stdlib only; runs on Python 3.6+ so the demo can use it anywhere.
"""

import json
import os
import select
import selectors
import signal
import subprocess
import time

# A safety net for tests: no single call may take longer than this by default.
DEFAULT_TIMEOUT = 120.0
# After killing a process, how long to wait for its stdout/stderr to close.
DRAIN_AFTER_KILL = 5.0
READ_SIZE = 32768


class Run(object):
    """What one driver call produced.

    returncode      exit code (negative: killed by that signal), None if unknown
    result          the last non-progress stdout line as a dict, or None
    progress        progress lines (dicts), in order
    progress_times  seconds since start at which each progress line arrived
    stdout          every non-blank stdout line, as text
    stderr          all of stderr, as text
    elapsed         seconds from start to exit
    error           why the agent would fail this call, or None
    killed          why we killed the process ("io_timeout", "timeout"), or None
    """

    def __init__(self):
        self.returncode = None
        self.result = None
        self.progress = []
        self.progress_times = []
        self.stdout = []
        self.stderr = ""
        self.elapsed = 0.0
        self.error = None
        self.killed = None

    @property
    def ok(self):
        """True when the agent would accept the call: no error, status ok."""
        return (self.error is None and isinstance(self.result, dict)
                and self.result.get("status", "ok") == "ok")

    @property
    def status(self):
        return self.result.get("status") if isinstance(self.result, dict) else None

    def __repr__(self):
        return ("Run(returncode=%r, error=%r, result=%r, progress=%d lines, "
                "elapsed=%.2f, stderr=%r)" % (
                    self.returncode, self.error, self.result,
                    len(self.progress), self.elapsed, self.stderr[-2000:]))


class Measurement(object):
    """A running driver call: the process, plus the loop that reads it.

    ``proc`` is the ``subprocess.Popen``. ``send_signal``, ``poll`` and
    ``pid`` are forwarded to it; ``cancel()`` sends what the agent sends
    (SIGUSR1 when ``has_cancel``, else SIGKILL). ``finish()`` reads the
    process to its end and returns the ``Run``.
    """

    def __init__(self, args, cwd, env, stdin_data, io_timeout, timeout, has_cancel):
        self.args = args
        self.has_cancel = has_cancel
        self.run = Run()
        self._io_timeout = io_timeout
        self._timeout = timeout
        self._buf = b""
        self._stderr = []
        self._start = time.monotonic()
        self._last_line = self._start
        self.proc = subprocess.Popen(
            args, cwd=cwd, env=env, stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self._sel = selectors.DefaultSelector()
        self._sel.register(self.proc.stdout, selectors.EVENT_READ)
        self._sel.register(self.proc.stderr, selectors.EVENT_READ)
        self._stdin = memoryview(stdin_data)
        if stdin_data:
            self._sel.register(self.proc.stdin, selectors.EVENT_WRITE)
        else:
            self.proc.stdin.close()
        self._on_progress = None
        self._on_line = None

    @property
    def pid(self):
        return self.proc.pid

    def poll(self):
        return self.proc.poll()

    def send_signal(self, sig):
        """Signal the process; a process that is already gone is fine."""
        if self.proc.returncode is None:
            try:
                self.proc.send_signal(sig)
            except ProcessLookupError:
                pass

    def cancel(self):
        """Cancel as the agent does: SIGUSR1 if the driver has cancel, else SIGKILL."""
        self.send_signal(signal.SIGUSR1 if self.has_cancel else signal.SIGKILL)

    def elapsed(self):
        return time.monotonic() - self._start

    # -- the loop ---------------------------------------------------------

    def write_stdin(self):
        """Write the whole request (while draining output), then close stdin."""
        while self.proc.stdin in self._registered() and self._step():
            pass

    def finish(self, on_progress=None, on_line=None):
        """Read until the process exits; return the Run.

        on_progress(line_dict, measurement) is called for each progress line,
        on_line(line_dict, measurement) for every JSON line, as they arrive.
        """
        self._on_progress = on_progress
        self._on_line = on_line
        while self._registered() and self._step():
            pass
        return self._close()

    def _registered(self):
        return [key.fileobj for key in self._sel.get_map().values()]

    def _step(self):
        """One pass of the loop; False once we gave up on the process."""
        now = time.monotonic()
        wait = self._start + self._timeout - now if self._timeout else None
        if self._io_timeout:
            io_left = self._last_line + self._io_timeout - now
            wait = io_left if wait is None else min(wait, io_left)
        if wait is not None and wait <= 0:
            self._kill("timeout" if self._timeout and now - self._start >= self._timeout
                       else "io_timeout")
            return False
        for key, _ in self._sel.select(wait):
            if key.fileobj is self.proc.stdin:
                self._write_chunk()
            else:
                self._read(key.fileobj)
        return True

    def _write_chunk(self):
        chunk = self._stdin[:select.PIPE_BUF]
        try:
            written = os.write(self.proc.stdin.fileno(), chunk)
        except BrokenPipeError:
            written = len(self._stdin)  # the driver stopped reading: drop the rest
        self._stdin = self._stdin[written:]
        if not self._stdin:
            self._sel.unregister(self.proc.stdin)
            try:
                self.proc.stdin.close()
            except BrokenPipeError:
                pass

    def _read(self, stream):
        data = os.read(stream.fileno(), READ_SIZE)
        if not data:
            self._sel.unregister(stream)
            stream.close()
            if stream is self.proc.stdout and self._buf:
                self._line(self._buf)  # a last line without a newline
                self._buf = b""
            return
        if stream is self.proc.stderr:
            self._stderr.append(data)
            return
        self._buf += data
        *lines, self._buf = self._buf.split(b"\n")
        for line in lines:
            self._line(line)

    def _line(self, raw):
        self._last_line = time.monotonic()
        text = raw.decode("utf-8", "replace").strip()
        if not text:
            return
        run = self.run
        run.stdout.append(text)
        try:
            obj = json.loads(text)
        except ValueError:
            obj = None
        if not isinstance(obj, dict):
            if run.error is None:
                run.error = "stdout line is not a JSON object: %r" % text[:200]
            return
        if self._on_line:
            self._on_line(obj, self)
        if "progress" in obj:
            run.progress.append(obj)
            run.progress_times.append(self._last_line - self._start)
            if self._on_progress:
                self._on_progress(obj, self)
        else:
            run.result = obj

    def _kill(self, why):
        self.run.killed = why
        self.send_signal(signal.SIGKILL)
        # Drain what is left, but not forever: a grandchild may hold the pipes.
        deadline = time.monotonic() + DRAIN_AFTER_KILL
        while self._registered() and time.monotonic() < deadline:
            for key, _ in self._sel.select(deadline - time.monotonic()):
                if key.fileobj is self.proc.stdin:
                    self._sel.unregister(key.fileobj)
                    key.fileobj.close()
                else:
                    self._read(key.fileobj)

    def _close(self):
        for stream in self._registered():
            self._sel.unregister(stream)
            stream.close()
        self._sel.close()
        run = self.run
        try:
            run.returncode = self.proc.wait(timeout=DRAIN_AFTER_KILL)
        except subprocess.TimeoutExpired:
            self.send_signal(signal.SIGKILL)
            run.returncode = self.proc.wait()
        run.elapsed = self.elapsed()
        run.stderr = b"".join(self._stderr).decode("utf-8", "replace")
        if run.killed and run.error is None:
            run.error = "killed after %s (%.1f s)" % (
                "no stdout for %s s" % self._io_timeout if run.killed == "io_timeout"
                else "running for %s s" % self._timeout, run.elapsed)
        elif run.error is None and run.returncode != 0:
            run.error = "exit code %s: %s" % (run.returncode, run.stderr[-2000:])
        elif run.error is None and run.result is None:
            run.error = "no result line on stdout"
        return run


def io_timeout_from(env):
    """OPTUNE_IO_TIMEOUT as the agent reads it: empty or 0 means none."""
    value = (env if env is not None else os.environ).get("OPTUNE_IO_TIMEOUT", "")
    try:
        return float(value) or None
    except ValueError:
        return None


def _encode(request):
    if request is None:
        return b""
    if isinstance(request, bytes):
        return request
    if isinstance(request, str):
        return request.encode("utf-8")
    return json.dumps(request).encode("utf-8")


def start(cmd, args, cwd, stdin=None, env=None, io_timeout=None,
          timeout=DEFAULT_TIMEOUT, has_cancel=True):
    """Start ``cmd + args`` and write ``stdin`` (dict, str or bytes) to it.

    Returns the Measurement once stdin is written and closed.
    """
    if io_timeout is None:
        io_timeout = io_timeout_from(env)
    m = Measurement(list(cmd) + list(args), cwd, env, _encode(stdin),
                    io_timeout, timeout, has_cancel)
    m.write_stdin()
    return m


def call(cmd, args, cwd, stdin=None, on_progress=None, on_line=None, **kw):
    """Run ``cmd + args`` to its end; return the Run."""
    return start(cmd, args, cwd, stdin, **kw).finish(on_progress, on_line)


def _app(app_id):
    return [app_id] if app_id is not None else []


def info(cmd, app_id, cwd, env=None, **kw):
    """``CMD --info APP_ID`` (APP_ID None: just ``--info``)."""
    return call(cmd, ["--info"] + _app(app_id), cwd, env=env, **kw)


def describe(cmd, app_id, cwd, env=None, **kw):
    """``CMD --describe APP_ID``."""
    return call(cmd, ["--describe"] + _app(app_id), cwd, env=env, **kw)


def start_measure(cmd, app_id, request, cwd, env=None, **kw):
    """``CMD APP_ID`` with the request written to stdin; returns the Measurement.

    Use it to signal the process mid-measure, then ``.finish()`` for the Run.
    """
    return start(cmd, _app(app_id), cwd, request, env=env, **kw)


def measure(cmd, app_id, request, cwd, env=None, on_progress=None, on_line=None, **kw):
    """``CMD APP_ID`` with the request on stdin, read to the end; returns the Run."""
    return start_measure(cmd, app_id, request, cwd, env=env, **kw).finish(
        on_progress, on_line)


class Cycle(object):
    """The three Runs of one agent cycle; a step not reached is None."""

    def __init__(self, info=None, describe=None, measure=None):
        self.info = info
        self.describe = describe
        self.measure = measure

    @property
    def ok(self):
        return all(r is not None and r.ok for r in (self.info, self.describe, self.measure))

    @property
    def failed(self):
        """The first step that failed, as (name, Run), or None."""
        for name in ("info", "describe", "measure"):
            run = getattr(self, name)
            if run is not None and not run.ok:
                return name, run
        return None

    def __repr__(self):
        return "Cycle(info=%r, describe=%r, measure=%r)" % (
            self.info, self.describe, self.measure)


def cycle(cmd, app_id, request, cwd, env=None, on_progress=None, on_line=None, **kw):
    """What the agent does for one measurement: --info, --describe, measure.

    Stops at the first step that fails. The measure step knows ``has_cancel``
    from ``--info``, so ``on_progress=lambda line, m: m.cancel()`` cancels the
    way the agent would.
    """
    c = Cycle()
    c.info = info(cmd, app_id, cwd, env=env, **kw)
    if not c.info.ok:
        return c
    c.describe = describe(cmd, app_id, cwd, env=env, **kw)
    if not c.describe.ok:
        return c
    kw["has_cancel"] = bool(c.info.result.get("has_cancel"))
    c.measure = measure(cmd, app_id, request, cwd, env=env,
                        on_progress=on_progress, on_line=on_line, **kw)
    return c
