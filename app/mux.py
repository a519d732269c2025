"""The one select.poll loop that owns every driver's pipes.

It is CPython's Popen._communicate for many children at once: stdin is
written from a memoryview in PIPE_BUF chunks, stdout and stderr are read in
64 KiB chunks into per-driver line buffers, and the poll timeout is always
the next deadline, kept in a heap. Signals and child exits arrive as events
through the SignalInbox's wakeup pipe. Every way of stopping (a failure
when cancel is allowed, the deadline, SIGUSR1/SIGTERM/SIGINT) goes through
stop(): a polite signal, then SIGKILL to the whole process group once the
driver has exited or cleanup_grace_period has passed.
"""

import collections
import errno
import heapq
import itertools
import os
import select
import signal
import time

from app import procs
from app.child import Child
from app.progress import Progress, as_number, format_percent

READ_SIZE = 65536
# Enough reads to empty a pipe left by an exited driver, yet finite when a
# grandchild that shares the pipe keeps writing.
DRAIN_READS = 64
SPAWN_BATCH = 16
HEARTBEAT = 30.0

Job = collections.namedtuple("Job", "name argv stdin has_cancel")

StopCause = collections.namedtuple("StopCause", "reason message signal")
StopCause.__doc__ = """Why the aggregator stopped the drivers it was running.

reason: "cancelled" (a signal), "timeout" or "failed" (a driver failed and
cancel is allowed); signal: the signal's name for "cancelled"."""

Settings = collections.namedtuple(
    "Settings", "deadline deadline_message io_limit cleanup_grace cancel_on_failure "
                "is_failure report track heartbeat")
Settings.__doc__ = """How one round is supervised.

deadline: monotonic time after which every driver is stopped (or None);
io_limit: seconds a driver may stay silent on stdout (or None);
is_failure(outcome): whether an exited driver failed;
report(percent, message): prints a progress line, or None for commands
that must print nothing but their result (--info, --describe);
track: report the drivers' own progress (else only heartbeats)."""

POLL_IN = select.POLLIN | select.POLLPRI | select.POLLHUP | select.POLLERR
POLL_OUT = select.POLLOUT | select.POLLHUP | select.POLLERR


class Round(object):
    """Runs a set of jobs to completion (or stop); see run()."""

    def __init__(self, jobs, settings, inbox, watchdog):
        self.settings = settings
        self.inbox = inbox
        self.watchdog = watchdog
        self.children = [Child(job) for job in jobs]
        self.by_fd = {}
        self.by_pid = {}
        self.live = 0
        self.poller = select.poll()
        self.timers = []
        self.seq = itertools.count()
        self.stop_cause = None
        self.signalled = False
        self.progress = Progress([c.job.name for c in self.children])
        self.next_beat = None
        self.waiting = collections.deque(self.children)

    # -- timers -------------------------------------------------------------

    def at(self, when, kind, child=None):
        heapq.heappush(self.timers, (when, next(self.seq), kind, child))

    def poll_timeout(self, now):
        if not self.timers:
            return None
        return max(0, int((self.timers[0][0] - now) * 1000) + 1)

    def fire_timers(self, now):
        while self.timers and self.timers[0][0] <= now:
            _, _, kind, child = heapq.heappop(self.timers)
            getattr(self, "on_" + kind)(child, now)

    def on_deadline(self, child, now):
        running = [c.name for c in self.children if c.running]
        message = "%s; still running: %s" % (self.settings.deadline_message,
                                             ", ".join(running) or "none")
        self.stop_all(StopCause("timeout", message, None))

    def on_silence(self, child, now):
        if not child.running or child.stopping or child.problem:
            return
        if child.io_deadline > now:
            self.at(child.io_deadline, "silence", child)
            return
        self.on_events(child, child.fail(
            "hung: printed nothing on stdout for more than %g s (OPTUNE_IO_TIMEOUT - 1)"
            % self.settings.io_limit))
        self.stop(child)     # even when cancel is not allowed: nothing else ends it

    def on_kill(self, child, now):
        if child.running:
            procs.kill_group(child.pid)
            procs.send(child.pid, signal.SIGKILL)

    def on_beat(self, child, now):
        if self.next_beat > now:
            self.at(self.next_beat, "beat")
            return
        self.report(self.progress.aggregate(),
                    "magg: %d of %d drivers still running"
                    % (self.live, len(self.children)))
        self.at(self.next_beat, "beat")

    def report(self, percent, message):
        self.settings.report(format_percent(percent), message)
        self.next_beat = time.monotonic() + self.settings.heartbeat

    # -- starting -----------------------------------------------------------

    def begin(self):
        procs.ensure_fd_limit(len(self.children))
        self.poller.register(self.inbox.fd, select.POLLIN)
        self.by_fd[self.inbox.fd] = None
        now = time.monotonic()
        if self.settings.deadline is not None:
            self.at(self.settings.deadline, "deadline")
        if self.settings.report is not None:
            self.next_beat = now + self.settings.heartbeat
            self.at(self.next_beat, "beat")
        self.take_signals()         # one that came before this round started

    def start_some(self):
        """Start the next SPAWN_BATCH drivers; none once a stop has begun.

        Starting in batches, with a poll pass between them, lets short
        drivers finish and close their pipes meanwhile: every open
        descriptor makes the next exec slower.
        """
        for _ in range(min(SPAWN_BATCH, len(self.waiting))):
            if self.stop_cause is not None:
                break       # a driver that could not start stopped the round
            self.spawn(self.waiting.popleft())
        self.watchdog.flush()
        self.take_signals()
        while self.stop_cause is not None and self.waiting:
            child = self.waiting.popleft()
            child.stopping = True       # never started: stopped before its turn
            child.finish()

    def spawn(self, child):
        stdin_r, stdin_w = os.pipe()
        stdout_r, stdout_w = os.pipe()
        stderr_r, stderr_w = os.pipe()
        try:
            pid = procs.spawn(child.job.argv, stdin_r, stdout_w, stderr_w)
        except OSError as err:
            for fd in (stdin_w, stdout_r, stderr_r):
                os.close(fd)
            child.problem = "cannot start %s: %s" % (child.job.argv[0], err.strerror)
            self.finish(child)
            return
        finally:
            for fd in (stdin_r, stdout_w, stderr_w):
                os.close(fd)
        child.pid = pid
        self.by_pid[pid] = child
        self.watchdog.add(pid)
        self.live += 1
        if len(child.stdin_view):
            self.watch(child, stdin_w, "stdin", POLL_OUT)
        else:
            os.close(stdin_w)
        self.watch(child, stdout_r, "stdout", POLL_IN)
        self.watch(child, stderr_r, "stderr", POLL_IN)
        if self.settings.io_limit:
            child.io_deadline = time.monotonic() + self.settings.io_limit
            self.at(child.io_deadline, "silence", child)

    def watch(self, child, fd, stream, mask):
        os.set_blocking(fd, False)
        child.fds[fd] = stream
        self.by_fd[fd] = child
        self.poller.register(fd, mask)

    def unwatch(self, child, fd):
        self.poller.unregister(fd)
        del self.by_fd[fd]
        stream = child.fds.pop(fd)
        os.close(fd)
        if stream == "stdout":
            self.on_events(child, child.stdout_closed())
        elif stream == "stderr":
            write_stderr(child.stderr_closed())

    # -- the loop -----------------------------------------------------------

    def run(self):
        """(outcomes in job order, StopCause or None)."""
        try:
            self.begin()
            while True:
                if self.waiting:
                    self.start_some()
                if not (self.live or self.waiting):
                    break
                timeout = 0 if self.waiting else self.poll_timeout(time.monotonic())
                for fd, mask in self.poller.poll(timeout):
                    child = self.by_fd.get(fd, False)
                    if child is None:
                        self.inbox.drain()
                        self.take_exits()
                        self.take_signals()
                    elif child is not False:
                        self.on_ready(child, fd, mask)
                self.fire_timers(time.monotonic())
                self.watchdog.flush()
        finally:
            self.abandon()
        return [c.outcome for c in self.children], self.stop_cause

    def on_ready(self, child, fd, mask):
        if child.fds[fd] == "stdin":
            self.feed(child, fd)
            return
        data = read_some(fd)
        if data is not None:
            self.on_data(child, fd, data)

    def on_data(self, child, fd, data):
        if not data:
            self.unwatch(child, fd)
        elif child.fds[fd] == "stdout":
            self.on_stdout(child, data)
        else:
            write_stderr(child.stderr(data))

    def drain(self, child, fd):
        """Read what an exited driver left in a pipe, then close it."""
        for _ in range(DRAIN_READS):
            data = read_some(fd)
            if data is None:
                break
            self.on_data(child, fd, data)
            if not data:
                return
        self.unwatch(child, fd)

    def feed(self, child, fd):
        """Write the next PIPE_BUF chunk of the driver's input."""
        view = child.stdin_view
        try:
            written = os.write(fd, view[:select.PIPE_BUF])
        except BlockingIOError:
            return
        except OSError as err:
            if err.errno not in (errno.EPIPE, errno.EINVAL):
                raise
            written = len(view)    # it exited without reading: not our error
        child.stdin_view = view[written:]
        if not len(child.stdin_view):
            self.unwatch(child, fd)

    def on_stdout(self, child, data):
        if self.settings.io_limit:
            child.io_deadline = time.monotonic() + self.settings.io_limit
        self.on_events(child, child.stdout(data))

    def on_events(self, child, events):
        for kind, obj in events:
            if kind == "progress":
                self.on_progress(child, obj)
            else:
                self.on_failure(child)

    def on_progress(self, child, obj):
        if not self.settings.track:
            return
        value = as_number(obj.get("progress"))
        percent = (self.progress.update(child.name, value) if value is not None
                   else self.progress.aggregate())
        message = obj.get("message")
        self.report(percent, "%s: %s" % (child.name, "" if message is None else message))

    # -- exits and stopping -------------------------------------------------

    def take_exits(self):
        for pid, returncode in procs.reap():
            child = self.by_pid.pop(pid, None)
            if child is not None:
                child.returncode = returncode
                self.exited(child)

    def exited(self, child):
        """The driver is gone: read what it left in its pipes, then judge it."""
        for fd in list(child.fds):
            if child.fds[fd] == "stdin":
                self.unwatch(child, fd)
            else:
                self.drain(child, fd)
        if child.stopping:
            procs.kill_group(child.pid)
        self.watchdog.forget(child.pid)
        self.live -= 1
        self.finish(child)

    def finish(self, child):
        child.finish()
        if self.settings.track:
            self.report(self.progress.update(child.name, 100.0),
                        "%s: finished" % child.name)
        if not child.stopping and self.settings.is_failure(child.outcome):
            self.on_failure(child)

    def on_failure(self, child):
        if self.settings.cancel_on_failure:
            self.stop_all(StopCause("failed", "driver %s failed" % child.name, None))

    def take_signals(self):
        signum = self.inbox.take()
        while signum is not None:
            name = signal.Signals(signum).name
            if self.signalled:
                self.kill_all()        # asked twice: no more grace
            self.signalled = True
            self.stop_all(StopCause("cancelled", "cancelled by %s" % name, name))
            signum = self.inbox.take()

    def stop_all(self, cause):
        if self.stop_cause is None:
            self.stop_cause = cause
            # Once is enough: no driver starts after this (see start_some()).
            for child in self.children:
                self.stop(child)

    def stop(self, child):
        """The stop sequence, step one: SIGUSR1 if it can cancel, else SIGTERM."""
        if not child.running or child.stopping:
            return
        child.stopping = True
        procs.send(child.pid, signal.SIGUSR1 if child.job.has_cancel else signal.SIGTERM)
        self.at(time.monotonic() + self.settings.cleanup_grace, "kill", child)

    def kill_all(self):
        for child in self.children:
            if child.running:
                child.stopping = True
                self.on_kill(child, None)

    def abandon(self):
        """On the way out, whatever happened: no pipe left open, no driver left."""
        for child in self.children:
            if child.running:
                procs.kill_group(child.pid)
                procs.send(child.pid, signal.SIGKILL)
            for fd in list(child.fds):
                self.poller.unregister(fd)
                os.close(fd)
            child.fds.clear()
        if self.live:
            # Reap what was just killed (an error got us here); it is quick.
            for child in self.children:
                if child.pid in self.by_pid:
                    try:
                        os.waitpid(child.pid, 0)
                    except ChildProcessError:
                        pass
        self.poller = None


def read_some(fd):
    """Up to READ_SIZE bytes; b"" at end of file (or a broken pipe), None if none yet."""
    try:
        return os.read(fd, READ_SIZE)
    except (BlockingIOError, InterruptedError):
        return None
    except OSError:
        return b""


def write_stderr(data):
    """Pass driver stderr on; a closed stderr must not stop the aggregator."""
    view = memoryview(data)
    while len(view):
        try:
            view = view[os.write(2, view):]
        except InterruptedError:
            continue
        except OSError:
            return
