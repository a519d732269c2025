"""The one select.poll loop: the only code that touches pipes, signals and the clock.

It is CPython's Popen._communicate for many children at once: stdin is
written from a memoryview in PIPE_BUF chunks, stdout and stderr are read in
64 KiB chunks, and the poll timeout is always the supervisor's next wake-up.
Signals and child exits arrive through the SignalInbox's wakeup pipe.
magg's own stdout and stderr are outboxes (stdio.py) the loop writes when
they can take it, so a reader that lags never stalls the loop.

The loop turns what the OS says into events for the supervisor and carries
out the actions it returns; it decides nothing. Its state is its
registrations: `streams` (fd -> the driver stream it carries), `procs`
(driver -> its process) with `by_pid` to find a reaped child, and the
driver stderr pipes it stops reading while magg's own stderr is backlogged
(`paused`), except those of drivers being stopped (`draining`).
"""

import errno
import os
import select
import signal
import time

from app import signals
from app.events import (CanSpawn, Closed, Drain, Emit, Exited, KillGroup, NotStarted,
                        Output, ReaderGone, ReaderIdle, Relay, Signal, Signalled, Spawn,
                        Started, StderrBacklog, Tick)
from app.fdlimit import ensure_fd_limit
from app.spawn import start_with_pipes

READ_SIZE = 65536
# Enough reads to empty a pipe left by an exited driver, yet finite when a
# grandchild that shares the pipe keeps writing.
DRAIN_READS = 64
# Drivers started between two poll passes: short drivers finish and close
# their pipes meanwhile, and every open descriptor slows the next exec.
SPAWN_BATCH = 16
# poll() takes a C int of milliseconds; a far-off wake-up (a deadline of
# 1e300 s) waits in steps of this many seconds instead of overflowing.
LONGEST_WAIT = 3600.0
# How often to look whether the agent has read the last progress line
# (FIONREAD on the stdout pipe); no event says so.
IDLE_CHECK_MS = 10
# magg's stderr backlog at which the loop stops reading the drivers' stderr,
# and at which it starts again.
BACKLOG_HIGH = 256 * 1024
BACKLOG_LOW = 64 * 1024

POLL_IN = select.POLLIN | select.POLLPRI | select.POLLHUP | select.POLLERR
POLL_OUT = select.POLLOUT | select.POLLHUP | select.POLLERR


class Stream(object):
    """One registered pipe end: whose it is, which stream, what is left to write."""

    def __init__(self, driver, name, view=None):
        self.driver = driver
        self.name = name        # "stdin" | "stdout" | "stderr"
        self.view = view        # stdin only: the input not yet written


class Proc(object):
    def __init__(self, driver, pid):
        self.driver = driver
        self.pid = pid
        self.fds = set()        # its pipe ends still open; exact, since fd numbers are reused
        self.reaped = False


class Loop(object):
    """Runs rounds: one supervisor at a time, over one session's OS resources."""

    def __init__(self, inbox, watchdog, spawner, std, clock=time.monotonic):
        self.inbox = inbox
        self.watchdog = watchdog
        self.spawner = spawner
        self.std = std              # stdio.Streams: magg's own stdout and stderr
        self.clock = clock
        self.poller = None
        self.supervisor = None
        self.streams = {}
        self.procs = {}
        self.by_pid = {}
        self.paused = set()
        self.draining = set()
        self.backlogged = False
        self.awaiting_idle = False  # a progress line written, not yet read
        self.told_gone = set()      # readers gone that this round's supervisor knows of

    def run(self, supervisor, runs):
        """Run one round to its end; runs: how many driver runs it has."""
        ensure_fd_limit(runs)
        self.supervisor = supervisor
        self.poller = select.poll()
        self.poller.register(self.inbox.fd, select.POLLIN)
        try:
            self.tell_state()
            for signum in self.inbox.take_all():   # one that came before this round
                self.dispatch(Signalled(signum))
            while not supervisor.done:
                self.offer_spawns()
                if supervisor.done:
                    break
                self.watch_own_output()
                for fd, mask in self.poller.poll(self.timeout()):
                    if fd == self.inbox.fd:
                        self.on_wakeup()
                    elif fd in (1, 2):
                        self.on_own_output(fd, mask)
                    elif fd in self.streams and fd not in self.paused:
                        self.on_ready(fd)
                self.check_idle()
                wake_at = supervisor.wake_at
                if wake_at is not None and wake_at <= self.clock():
                    self.dispatch(Tick())
                self.watchdog.flush()
        finally:
            self.abandon()

    def offer_spawns(self):
        for _ in range(SPAWN_BATCH):
            if not self.supervisor.wants_to_start:
                break
            self.dispatch(CanSpawn())
        self.watchdog.flush()

    def timeout(self):
        """Milliseconds until the next thing to do (0 while drivers wait to start)."""
        if self.supervisor.wants_to_start:
            return 0
        wake_at = self.supervisor.wake_at
        wait = None
        if wake_at is not None:
            left = wake_at - self.clock()
            if left != left:            # NaN: no clock can reach it; wait in long steps
                left = LONGEST_WAIT
            wait = int(max(0.0, min(left, LONGEST_WAIT)) * 1000) + 1
        if self.awaiting_idle and not self.std.out.pending:
            wait = IDLE_CHECK_MS if wait is None else min(wait, IDLE_CHECK_MS)
        return wait

    def dispatch(self, event):
        for action in self.supervisor.handle(event, self.clock()):
            self.ACTIONS[type(action)](self, action)

    # -- actions ------------------------------------------------------------

    def spawn(self, action):
        try:
            pid, stdin_w, stdout_r, stderr_r = start_with_pipes(self.spawner, action.argv)
        except OSError as err:
            self.dispatch(NotStarted(action.driver, err.strerror or str(err)))
            return
        proc = self.procs[action.driver] = self.by_pid[pid] = Proc(action.driver, pid)
        self.watchdog.add(pid, action.has_cancel)
        if action.stdin:
            self.watch(proc, stdin_w, Stream(action.driver, "stdin",
                                             memoryview(action.stdin)), POLL_OUT)
        else:
            os.close(stdin_w)
        self.watch(proc, stdout_r, Stream(action.driver, "stdout"), POLL_IN)
        self.watch(proc, stderr_r, Stream(action.driver, "stderr"), POLL_IN)
        self.dispatch(Started(action.driver))

    def send_signal(self, action):
        proc = self.procs[action.driver]
        if not proc.reaped:
            signals.send(proc.pid, action.signum)

    def kill_group(self, action):
        proc = self.procs[action.driver]
        signals.kill_group(proc.pid)
        if not proc.reaped:
            signals.send(proc.pid, signal.SIGKILL)

    def emit_line(self, action):
        self.std.line(action.line)
        self.awaiting_idle = True
        self.after_output()

    def relay_bytes(self, action):
        self.std.log(action.data)
        self.after_output()

    def drain_stderr(self, action):
        """Keep reading a stopped driver's stderr, so it is never stuck writing it."""
        self.draining.add(action.driver)
        for fd in self.procs[action.driver].fds & self.paused:
            self.paused.discard(fd)
            self.poller.register(fd, POLL_IN)

    ACTIONS = {Spawn: spawn, Signal: send_signal, KillGroup: kill_group,
               Emit: emit_line, Relay: relay_bytes, Drain: drain_stderr}

    # -- magg's own stdout and stderr -----------------------------------------

    def watch_own_output(self):
        """Ask poll for room where output waits; POLLERR says a reader left."""
        for outbox in (self.std.out, self.std.err):
            if not outbox.gone:
                self.poller.register(outbox.fd, select.POLLOUT if outbox.pending else 0)

    def on_own_output(self, fd, mask):
        outbox = self.std.out if fd == 1 else self.std.err
        if mask & select.POLLOUT:
            outbox.flush()
        elif mask & (select.POLLERR | select.POLLHUP | select.POLLNVAL):
            outbox.lost()
        self.after_output()

    def after_output(self):
        """Tell the supervisor what changed: a reader gone, a backlog begun or ended."""
        for name, outbox in (("stdout", self.std.out), ("stderr", self.std.err)):
            if outbox.gone and name not in self.told_gone:
                self.told_gone.add(name)
                try:
                    self.poller.unregister(outbox.fd)
                except KeyError:
                    pass        # not registered yet in this round
                self.dispatch(ReaderGone(name))
        pending = self.std.err.pending
        if not self.backlogged and pending >= BACKLOG_HIGH:
            self.set_backlog(True)
        elif self.backlogged and pending <= BACKLOG_LOW:
            self.set_backlog(False)

    def set_backlog(self, full):
        """Stop or resume reading driver stderr; drivers being stopped are always read."""
        self.backlogged = full
        for fd, stream in self.streams.items():
            if stream.name != "stderr" or stream.driver in self.draining:
                continue
            if full and fd not in self.paused:
                self.paused.add(fd)
                self.poller.unregister(fd)
            elif not full and fd in self.paused:
                self.paused.discard(fd)
                self.poller.register(fd, POLL_IN)
        self.dispatch(StderrBacklog(full))

    def check_idle(self):
        if self.awaiting_idle and self.std.out.idle():
            self.awaiting_idle = False
            self.dispatch(ReaderIdle())

    def tell_state(self):
        """A new supervisor hears what earlier rounds left: readers gone, backlog."""
        self.told_gone = set()
        if self.backlogged:
            self.dispatch(StderrBacklog(True))
        self.after_output()

    # -- pipes --------------------------------------------------------------

    def watch(self, proc, fd, stream, mask):
        os.set_blocking(fd, False)
        proc.fds.add(fd)
        self.streams[fd] = stream
        if stream.name == "stderr" and self.backlogged:
            self.paused.add(fd)         # started while magg's stderr is backlogged
        else:
            self.poller.register(fd, mask)

    def unwatch(self, fd):
        """Close one pipe end; the supervisor hears of a closed stdout/stderr."""
        stream = self.streams.pop(fd)
        self.procs[stream.driver].fds.discard(fd)
        if fd in self.paused:
            self.paused.discard(fd)
        else:
            self.poller.unregister(fd)
        os.close(fd)
        if stream.name != "stdin":
            self.dispatch(Closed(stream.driver, stream.name))

    def on_ready(self, fd):
        stream = self.streams[fd]
        if stream.name == "stdin":
            self.feed(fd, stream)
            return
        data = read_some(fd)
        if data:
            self.dispatch(Output(stream.driver, stream.name, data))
        elif data is not None:
            self.unwatch(fd)

    def feed(self, fd, stream):
        """Write the next PIPE_BUF chunk of a driver's input."""
        try:
            written = os.write(fd, stream.view[:select.PIPE_BUF])
        except BlockingIOError:
            return
        except OSError as err:
            if err.errno not in (errno.EPIPE, errno.EINVAL):
                raise
            written = len(stream.view)    # it exited without reading: not our error
        stream.view = stream.view[written:]
        if not len(stream.view):
            self.unwatch(fd)

    def drain(self, fd):
        """Read what an exited driver left in a pipe, then close it."""
        for _ in range(DRAIN_READS):
            data = read_some(fd)
            if not data:
                break
            self.dispatch(Output(self.streams[fd].driver, self.streams[fd].name, data))
        self.unwatch(fd)

    # -- signals and exits --------------------------------------------------

    def on_wakeup(self):
        self.inbox.drain()
        for pid, returncode in signals.reap():
            proc = self.by_pid.pop(pid, None)
            if proc is not None:
                self.exited(proc, returncode)
        for signum in self.inbox.take_all():
            self.dispatch(Signalled(signum))

    def exited(self, proc, returncode):
        """The driver is gone: what it left in its pipes first, then its exit."""
        proc.reaped = True
        for fd in sorted(proc.fds):
            if self.streams[fd].name == "stdin":
                self.unwatch(fd)
            else:
                self.drain(fd)
        self.watchdog.forget(proc.pid)
        self.dispatch(Exited(proc.driver, returncode))

    def abandon(self):
        """On the way out of a round, whatever happened: no pipe open, no child left.

        After a normal round nothing is left to do. After a bug, the drivers
        still running are killed and reaped here (the stop sequence needs a
        working supervisor; this path does not trust it).
        """
        for fd in list(self.streams):
            os.close(fd)
        self.streams.clear()
        self.paused.clear()
        self.draining.clear()
        for proc in list(self.by_pid.values()):
            signals.kill_group(proc.pid)
            signals.send(proc.pid, signal.SIGKILL)
            try:
                os.waitpid(proc.pid, 0)
            except ChildProcessError:
                pass
        self.procs.clear()
        self.by_pid.clear()
        self.poller = None
        self.supervisor = None


def read_some(fd):
    """Up to READ_SIZE bytes; b"" at end of file (or a broken pipe), None if none yet."""
    try:
        return os.read(fd, READ_SIZE)
    except (BlockingIOError, InterruptedError):
        return None
    except OSError:
        return b""
