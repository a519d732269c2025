"""The drivers' pipes and processes of a session: which fd is whose stream, which pid is which run.

This is the OS side of a driver run, and nothing else decides anything
here: the loop asks it to start, feed, read, pause, signal and reap, and
gets back the events that happened. Its state is its registrations, as in
CPython's Popen._communicate: `streams` (fd -> the run's stream it carries,
each registered with the poller unless paused) and `procs` (run -> its
process, and by pid to find a reaped child).
"""

import errno
import os
import select
import signal

from app import signals
from app.events import Closed, Exited, NotStarted, Output, Reaped, Started
from app.spawn import start_with_pipes
from app.subreaper import Orphanage

READ_SIZE = 65536
# Enough reads to empty a pipe left by an exited driver, yet finite when a
# grandchild that shares the pipe keeps writing.
DRAIN_READS = 64

POLL_IN = select.POLLIN | select.POLLPRI | select.POLLHUP | select.POLLERR
POLL_OUT = select.POLLOUT | select.POLLHUP | select.POLLERR


class Stream(object):
    """One pipe end of ours: whose it is, which stream, what is left to write."""

    def __init__(self, run, name, mask, view=None):
        self.run = run
        self.name = name        # "stdin" | "stdout" | "stderr"
        self.mask = mask        # what poll watches it for
        self.view = view        # stdin only: the input not yet written
        self.paused = False     # not registered with the poller for now


class Proc(object):
    """A started driver as the OS knows it: its pid and the pipe ends still open."""

    def __init__(self, run, pid):
        self.run = run
        self.pid = pid
        self.fds = set()        # exact, since fd numbers are reused
        self.reaped = False


class Pipes(object):
    """Every driver run's pipes and process, for one round at a time."""

    def __init__(self, spawner, watchdog, reaper=False):
        self.spawner = spawner
        self.watchdog = watchdog
        self.orphans = Orphanage(reaper)
        self.poller = None
        self.streams = {}
        self.procs = {}
        self.by_pid = {}

    def open_round(self, poller):
        self.poller = poller
        self.orphans.new_round(self._not_orphans())

    def find_orphans(self):
        """[Orphans]: magg's children that are no run's, the watchdog's or an earlier round's."""
        return [self.orphans.find(self._not_orphans())]

    def _not_orphans(self):
        return set(self.by_pid) | {self.watchdog.pid}

    def flush(self):
        """Tell the watchdog about the drivers started and reaped since last time."""
        self.watchdog.flush()

    def spawn(self, run, argv, stdin, has_cancel):
        """Start a run with three fresh pipes: [Started] or [NotStarted].

        has_cancel: what the watchdog sends it if magg dies (SIGUSR1, else SIGKILL).
        """
        try:
            pid, stdin_w, stdout_r, stderr_r = start_with_pipes(self.spawner, argv)
        except OSError as err:
            from app.shebang import why_not_started     # only a failed start needs it
            return [NotStarted(run, why_not_started(argv[0], err))]
        proc = self.procs[run] = self.by_pid[pid] = Proc(run, pid)
        self.watchdog.add(pid, has_cancel)
        if stdin:
            self._watch(proc, stdin_w, Stream(run, "stdin", POLL_OUT, memoryview(stdin)))
        else:
            os.close(stdin_w)
        self._watch(proc, stdout_r, Stream(run, "stdout", POLL_IN))
        self._watch(proc, stderr_r, Stream(run, "stderr", POLL_IN))
        return [Started(run)]

    def ready(self, fd):
        """Events from one fd poll found ready (a stream paused meanwhile is left alone)."""
        stream = self.streams.get(fd)
        if stream is None or stream.paused:
            return []
        if stream.name == "stdin":
            return self._feed(fd, stream)
        data = read_some(fd)
        if data:
            return [Output(stream.run, stream.name, data)]
        return [] if data is None else self._unwatch(fd)

    def pause(self, run, paused):
        """Stop (or start again) watching a run's stderr."""
        proc = self.procs.get(run)
        for fd in sorted(proc.fds) if proc else ():
            stream = self.streams[fd]
            if stream.name == "stderr" and stream.paused != paused:
                stream.paused = paused
                if paused:
                    self.poller.unregister(fd)
                else:
                    self.poller.register(fd, stream.mask)

    def signal(self, run, signum):
        proc = self.procs[run]
        if not proc.reaped:
            signals.send(proc.pid, signum)

    def kill_group(self, run):
        proc = self.procs[run]
        signals.kill_group(proc.pid)
        if not proc.reaped:
            signals.send(proc.pid, signal.SIGKILL)

    def reaped(self, pid, returncode):
        """A child is gone: what it left in its pipes first, then its exit."""
        proc = self.by_pid.pop(pid, None)
        if proc is None:
            return [] if pid == self.watchdog.pid else [Reaped(pid)]
        proc.reaped = True
        events = []
        for fd in sorted(proc.fds):
            if self.streams[fd].name != "stdin":
                events += self._drain(fd)
            else:
                events += self._unwatch(fd)
        self.watchdog.forget(proc.pid)
        return events + [Exited(proc.run, returncode)]

    def abandon(self):
        """On the way out of a round, whatever happened: no pipe open, no child left.

        After a normal round nothing is left to do. After a bug, the drivers
        still running are killed and reaped here (the stop sequence needs a
        working supervisor; this path does not trust it).
        """
        for fd in list(self.streams):
            os.close(fd)
        self.streams.clear()
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

    # -- one pipe -------------------------------------------------------------

    def _watch(self, proc, fd, stream):
        os.set_blocking(fd, False)
        proc.fds.add(fd)
        self.streams[fd] = stream
        self.poller.register(fd, stream.mask)

    def _unwatch(self, fd):
        """Close one pipe end; a closed stdout or stderr is an event."""
        stream = self.streams.pop(fd)
        self.procs[stream.run].fds.discard(fd)
        if not stream.paused:
            self.poller.unregister(fd)
        os.close(fd)
        return [] if stream.name == "stdin" else [Closed(stream.run, stream.name)]

    def _feed(self, fd, stream):
        """Write the next PIPE_BUF chunk of a driver's input."""
        try:
            written = os.write(fd, stream.view[:select.PIPE_BUF])
        except BlockingIOError:
            return []
        except OSError as err:
            if err.errno not in (errno.EPIPE, errno.EINVAL):
                raise
            written = len(stream.view)    # it exited without reading: not our error
        stream.view = stream.view[written:]
        return [] if len(stream.view) else self._unwatch(fd)

    def _drain(self, fd):
        """Read what an exited driver left in a pipe, then close it."""
        stream = self.streams[fd]
        events = []
        for _ in range(DRAIN_READS):
            data = read_some(fd)
            if not data:
                break
            events.append(Output(stream.run, stream.name, data))
        return events + self._unwatch(fd)


def read_some(fd):
    """Up to READ_SIZE bytes; b"" at end of file (or a broken pipe), None if none yet."""
    try:
        return os.read(fd, READ_SIZE)
    except (BlockingIOError, InterruptedError):
        return None
    except OSError:
        return b""
