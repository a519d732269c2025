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

from app import MaggError

STOP_SIGNALS = (signal.SIGUSR1, signal.SIGTERM, signal.SIGINT)

# add PGID / del PGID / end. On end of file (the aggregator is gone) kill
# every group added and not deleted since. Each message costs O(1); the
# set difference is computed once, at the end. A pid reused by a later
# driver leaves the deleted list again when it is added.
_WATCHDOG = r"""
adds=' ' dels=' '
while read -r cmd pg; do
  case $cmd in
    add) adds="$adds$pg "
         case $dels in *" $pg "*) dels="${dels%% $pg *} ${dels#* $pg }" ;; esac ;;
    del) dels="$dels$pg " ;;
    end) exit 0 ;;
  esac
done
for pg in $adds; do
  case $dels in *" $pg "*) ;; *) kill -9 -$pg 2>/dev/null ;; esac
done
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
    """Start one driver in a session of its own; returns its pid.

    os.posix_spawn (Python 3.8+) starts a child without waiting on a status
    pipe as subprocess.Popen does, which makes starting 1000 drivers
    markedly faster. SIGPIPE and SIGXFSZ, which Python ignores, are reset
    for the child as Popen's restore_signals would.
    """
    global _posix_spawn_ok, _environment
    if _posix_spawn_ok:
        try:
            if _environment is None:
                _environment = dict(os.environb)
            return os.posix_spawn(
                argv[0], argv, _environment, setsid=True,
                setsigdef=(signal.SIGPIPE, signal.SIGXFSZ),
                file_actions=[(os.POSIX_SPAWN_DUP2, stdin_fd, 0),
                              (os.POSIX_SPAWN_DUP2, stdout_fd, 1),
                              (os.POSIX_SPAWN_DUP2, stderr_fd, 2)])
        except NotImplementedError:     # no POSIX_SPAWN_SETSID in this libc
            _posix_spawn_ok = False
    return _popen(argv, stdin_fd, stdout_fd, stderr_fd)


_posix_spawn_ok = hasattr(os, "posix_spawn")
# os.environ as a plain dict, converted once: handing posix_spawn the
# os.environ mapping itself re-encodes every variable for every driver.
_environment = None


def _popen(argv, stdin_fd, stdout_fd, stderr_fd):
    """The portable way, for Python 3.6 and 3.7.

    close_fds is off because every descriptor magg opens is non-inheritable
    already; closing thousands of them in each child would be quadratic.
    """
    import subprocess
    proc = subprocess.Popen(argv, stdin=stdin_fd, stdout=stdout_fd, stderr=stderr_fd,
                            close_fds=False, start_new_session=True)
    proc.returncode = 0     # reaped by reap(), with waitpid(-1): Popen must not wait
    return proc.pid


def ensure_std_fds():
    """Open /dev/null on a closed fd 0, 1 or 2.

    Pipes would otherwise get those numbers, and a driver would be handed
    the wrong stream.
    """
    for fd in (0, 1, 2):
        try:
            os.fstat(fd)
        except OSError:
            null = os.open(os.devnull, os.O_RDWR)
            if null != fd:
                os.dup2(null, fd)
                os.close(null)


class Watchdog(object):
    """Kills the listed driver groups if the aggregator dies without saying end.

    Messages are queued and written by flush(), once per batch of spawns
    or loop pass, not once per driver.
    """

    def __init__(self):
        read_end, self._write_end = os.pipe()
        null = os.open(os.devnull, os.O_WRONLY)
        try:
            self.pid = spawn(["/bin/sh", "-c", _WATCHDOG], read_end, null, null)
        finally:
            os.close(read_end)
            os.close(null)
        self._queue = []

    def add(self, pgid):
        self._queue.append("add %d\n" % pgid)

    def forget(self, pgid):
        self._queue.append("del %d\n" % pgid)

    def flush(self):
        if self._queue and self._write_end is not None:
            data = "".join(self._queue).encode("ascii")
            del self._queue[:]
            try:
                while data:
                    data = data[os.write(self._write_end, data):]
            except OSError:
                pass    # the watchdog is gone; the aggregator stops drivers itself

    def close(self, normal=True):
        """normal: nothing left to kill; otherwise let it kill what it knows."""
        if self._write_end is not None:
            if normal:
                self._queue.append("end\n")
            self.flush()
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
