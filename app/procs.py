"""The operating-system edge: starting drivers, signals in, signals out.

Each driver runs in a session (and process group) of its own, so stopping
it can take its children and grandchildren with it. A tiny `sh` watchdog
holds the other end of a pipe only the aggregator writes: if the aggregator
dies, even by SIGKILL, the watchdog reads end-of-file and kills every
driver group it was told about. This works on every POSIX system, unlike
Linux's parent-death signal, and keeps the fast spawn path (no preexec_fn).
"""

import errno
import os
import resource
import signal
import subprocess

from app import MaggError

STOP_SIGNALS = (signal.SIGUSR1, signal.SIGTERM, signal.SIGINT)

# add PGID / del PGID / end. On end of file (the aggregator is gone) kill
# every group still listed.
_WATCHDOG = r"""
groups=' '
while read -r cmd pg; do
  case $cmd in
    add) groups="$groups$pg " ;;
    del) case $groups in *" $pg "*) groups="${groups% $pg *} ${groups#* $pg }" ;; esac ;;
    end) exit 0 ;;
  esac
done
for pg in $groups; do kill -9 -$pg 2>/dev/null; done
"""


def undo_locale_coercion():
    """Give drivers the environment magg was given, not Python's edit of it.

    Python 3.7+ sets LC_CTYPE=C.UTF-8 in its own environment when started
    under the C locale (PEP 538), and children would inherit it. On Linux,
    /proc/self/environ still holds the environment as it was at exec.
    """
    if "LC_CTYPE" not in os.environ:
        return
    try:
        with open("/proc/self/environ", "rb") as handle:
            original = handle.read().split(b"\0")
    except OSError:
        return          # not Linux: nothing to compare with, leave it
    if not any(entry.startswith(b"LC_CTYPE=") for entry in original):
        del os.environ["LC_CTYPE"]


def spawn(argv, stdin_fd, stdout_fd, stderr_fd):
    """Start one driver in a new session; returns the Popen (never waited on).

    close_fds is off because every descriptor the aggregator opens is
    non-inheritable already; closing thousands of them in each child would
    make starting 1000 drivers quadratic.
    """
    return subprocess.Popen(argv, stdin=stdin_fd, stdout=stdout_fd, stderr=stderr_fd,
                            close_fds=False, start_new_session=True)


class Watchdog(object):
    """Kills the listed driver groups if the aggregator dies without saying end."""

    def __init__(self):
        read_end, self._write_end = os.pipe()
        try:
            self._proc = subprocess.Popen(["/bin/sh", "-c", _WATCHDOG], stdin=read_end,
                                          close_fds=False, start_new_session=True)
        finally:
            os.close(read_end)
        self.pid = self._proc.pid

    def _say(self, line):
        try:
            os.write(self._write_end, line.encode("ascii"))
        except OSError:
            pass  # the watchdog is gone; the aggregator stops drivers itself

    def add(self, pgid):
        self._say("add %d\n" % pgid)

    def forget(self, pgid):
        self._say("del %d\n" % pgid)

    def close(self, normal=True):
        """normal: nothing left to kill; otherwise let it kill what it knows."""
        if self._write_end is not None:
            if normal:
                self._say("end\n")
            os.close(self._write_end)
            self._write_end = None


class SignalInbox(object):
    """Signals as events for the poll loop, via signal.set_wakeup_fd.

    The C-level handler writes each signal's number into a pipe the poll
    loop watches, so a signal ends the wait at once instead of waiting for
    the next timeout. SIGCHLD is caught the same way to reap drivers.
    """

    def __init__(self):
        self.fd, self._write_fd = os.pipe()
        os.set_blocking(self.fd, False)
        os.set_blocking(self._write_fd, False)
        self.pending = []
        self._old = {}
        try:
            self._old_wakeup = signal.set_wakeup_fd(self._write_fd,
                                                    warn_on_full_buffer=False)
        except TypeError:  # Python 3.6 has no warn_on_full_buffer
            self._old_wakeup = signal.set_wakeup_fd(self._write_fd)
        for signum in STOP_SIGNALS:
            self._old[signum] = signal.signal(signum, self._record)
        self._old[signal.SIGCHLD] = signal.signal(signal.SIGCHLD, _ignore)

    def _record(self, signum, frame):
        self.pending.append(signum)

    def drain(self):
        """Empty the wakeup pipe; stop signals are then in self.pending."""
        try:
            while os.read(self.fd, 4096):
                pass
        except OSError as err:
            if err.errno not in (errno.EAGAIN, errno.EWOULDBLOCK):
                raise

    def take(self):
        """The first stop signal not yet acted on, or None."""
        return self.pending.pop(0) if self.pending else None

    def close(self):
        signal.set_wakeup_fd(self._old_wakeup)
        for signum, handler in self._old.items():
            signal.signal(signum, handler)
        os.close(self.fd)
        os.close(self._write_fd)


def _ignore(signum, frame):
    pass


def send(pid, signum):
    try:
        os.kill(pid, signum)
    except (ProcessLookupError, PermissionError):
        pass


def kill_group(pgid):
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def reap():
    """[(pid, returncode)] of every child that has exited, without blocking."""
    done = []
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return done
        if pid == 0:
            return done
        if os.WIFSIGNALED(status):
            done.append((pid, -os.WTERMSIG(status)))
        elif os.WIFEXITED(status):
            done.append((pid, os.WEXITSTATUS(status)))


# Per driver run: our ends of its stdin, stdout and stderr pipes; plus the
# child's three ends while one driver is being started, and our own
# descriptors (std streams, wakeup pipe, watchdog, poll, imports).
FDS_PER_DRIVER = 3
FDS_RESERVED = 3 + 32


def ensure_fd_limit(drivers):
    """Raise the soft RLIMIT_NOFILE toward the hard one when drivers need it.

    drivers: the number of driver runs in one round (--info and --describe
    run together, so that round counts every driver twice).
    """
    needed = drivers * FDS_PER_DRIVER + FDS_RESERVED
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < needed:
        target = needed if hard == resource.RLIM_INFINITY else min(hard, needed)
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        except (ValueError, OSError):
            target = soft
        if target < needed:
            raise MaggError(
                "%d drivers need %d file descriptors but the limit is %d (hard "
                "limit %s); raise it (ulimit -n) or use fewer drivers"
                % (drivers, needed, target,
                   "unlimited" if hard == resource.RLIM_INFINITY else hard),
                reason="too-many-drivers")
