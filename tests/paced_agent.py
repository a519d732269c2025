"""The servo agent at its real pace: one backend round trip per progress line.

protocol.md ("The agent's pace"): the agent selects on the driver's stdout
and stderr, reads stdout one line at a time (readline on an unbuffered
pipe), and for every progress line makes one synchronous request to the
optimizer before it reads anything else. Cancel comes back as the answer to
one of those requests; the agent then signals the driver and goes on reading
the lines still queued, one request each, until the final line.

``measure(cmd, app_id, request, cwd, env, round_trip=0.05, ...)`` does that
and returns a ``PacedRun``: every line with the time it was read, the time
the cancel signal was sent, and the time the final line was read. The round
trip is a sleep, because it stands for the backend the agent waits on.

``cancel_at=T`` sends the signal T seconds in, whatever the lines say (the
real agent can only cancel in answer to a progress line, but a test wants
the signal at a known time).

``read_stderr=False`` models an agent whose stderr is never read while the
driver runs (its pipe fills and stays full); stderr is read only once stdout
has ended, so the call can still finish.

Stdlib only, Python 3.6+, so bench/bench.py can use it as well.
"""

import json
import os
import select
import signal
import subprocess
import time

READ_SIZE = 65536


class PacedRun(object):
    """What the paced agent saw.

    lines           [(seconds since start, dict)] for every JSON line read
    progress        the progress dicts, in order
    result          the last non-progress line (dict) or None
    started_wall    time.time() when the call began
    cancelled_at    seconds since start when the signal was sent, or None
    final_at        seconds since start when the last stdout line was read
    returncode      exit status; stderr: all of it, as bytes
    """

    def __init__(self):
        self.started_wall = time.time()     # to compare with times drivers note
        self.lines = []
        self.cancelled_at = None
        self.final_at = None
        self.returncode = None
        self.stderr = b""
        self.garbage = []

    @property
    def progress(self):
        return [obj for _, obj in self.lines if "progress" in obj]

    @property
    def progress_times(self):
        return [t for t, obj in self.lines if "progress" in obj]

    @property
    def result(self):
        results = [obj for _, obj in self.lines if "progress" not in obj]
        return results[-1] if results else None

    def __repr__(self):
        return ("PacedRun(returncode=%r, result=%r, progress=%d lines, cancelled_at=%r, "
                "final_at=%r, stderr=%r)" % (
                    self.returncode, self.result, len(self.progress), self.cancelled_at,
                    self.final_at, self.stderr[-500:]))


class PacedAgent(object):
    """One measure call driven at the agent's pace."""

    def __init__(self, argv, cwd, env, request, round_trip, read_stderr, timeout,
                 cancel_at=None):
        self.round_trip = round_trip
        self.cancel_at = cancel_at
        self.read_stderr = read_stderr
        self.timeout = timeout
        self.run = PacedRun()
        self.proc = subprocess.Popen(argv, cwd=cwd, env=env, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     bufsize=0)
        self.start = time.monotonic()
        self._stderr = []
        self._write_request(json.dumps(request).encode("utf-8"))

    def elapsed(self):
        return time.monotonic() - self.start

    def cancel(self, signum=signal.SIGUSR1):
        """Send the cancel signal now (once)."""
        if self.run.cancelled_at is None:
            self.run.cancelled_at = self.elapsed()
            try:
                self.proc.send_signal(signum)
            except ProcessLookupError:
                pass

    def finish(self, on_progress=None):
        """Read to the end; on_progress(obj, agent) runs after each round trip."""
        out, err = self.proc.stdout.fileno(), self.proc.stderr.fileno()
        watched = [out, err] if self.read_stderr else [out]
        try:
            while out in watched:
                self._check_time()
                wait = 1.0
                if self.cancel_at is not None and self.run.cancelled_at is None:
                    wait = max(0.0, min(wait, self.cancel_at - self.elapsed()))
                    if wait == 0.0:
                        self.cancel()
                ready, _, _ = select.select(watched, [], [], wait)
                if err in ready:
                    if not self._read_stderr_chunk():
                        watched.remove(err)
                if out in ready:
                    line = self._readline(out)
                    if line is None:
                        watched.remove(out)
                    else:
                        self._line(line, on_progress)
            while self._read_stderr_chunk():        # what is left, now stdout ended
                self._check_time()
            self.run.returncode = self.proc.wait(timeout=max(1.0, self._left()))
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()
            self.run.stderr = b"".join(self._stderr)
            self.proc.stdout.close()
            self.proc.stderr.close()
        return self.run

    def _write_request(self, data):
        view = memoryview(data)
        fd = self.proc.stdin.fileno()
        try:
            while len(view):
                view = view[os.write(fd, view[:select.PIPE_BUF]):]
        except BrokenPipeError:
            pass
        self.proc.stdin.close()

    def _readline(self, fd):
        """One line, a byte at a time, as readline does on an unbuffered pipe."""
        data = bytearray()
        while True:
            byte = os.read(fd, 1)
            if not byte:
                return bytes(data) if data else None
            if byte == b"\n":
                return bytes(data)
            data += byte

    def _read_stderr_chunk(self):
        data = os.read(self.proc.stderr.fileno(), READ_SIZE)
        if data:
            self._stderr.append(data)
        return bool(data)

    def _line(self, raw, on_progress):
        text = raw.decode("utf-8", "replace").strip()
        if not text:
            return
        try:
            obj = json.loads(text)
        except ValueError:
            self.run.garbage.append(text)
            return
        now = self.elapsed()
        self.run.lines.append((now, obj))
        self.run.final_at = now
        if isinstance(obj, dict) and "progress" in obj:
            time.sleep(self.round_trip)         # the backend request for this line
            if on_progress is not None:
                on_progress(obj, self)

    def _left(self):
        return self.timeout - self.elapsed()

    def _check_time(self):
        if self._left() <= 0:
            self.proc.kill()
            raise AssertionError("the paced agent gave up after %s s: %r"
                                 % (self.timeout, self.run))


def measure(cmd, app_id, request, cwd, env=None, round_trip=0.05, read_stderr=True,
            on_progress=None, timeout=60.0, cancel_at=None):
    """``CMD APP_ID`` with the request on stdin, read at the agent's pace."""
    agent = PacedAgent(list(cmd) + [app_id], cwd, env, request, round_trip,
                       read_stderr, timeout, cancel_at)
    return agent.finish(on_progress)


def cancel_after(seconds, signum=signal.SIGUSR1):
    """An on_progress that cancels at the first progress answer after `seconds`."""
    def on_progress(obj, agent):
        if agent.elapsed() >= seconds:
            agent.cancel(signum)
    return on_progress
