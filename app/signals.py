"""Signals in (as events through a wakeup pipe) and out (to drivers), and reaping."""

import errno
import os
import signal

STOP_SIGNALS = (signal.SIGUSR1, signal.SIGTERM, signal.SIGINT)


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
        self._pending = []
        self.resized = False
        self._old = {}
        try:
            self._old_wakeup = signal.set_wakeup_fd(self._write_fd,
                                                    warn_on_full_buffer=False)
        except TypeError:  # Python 3.6 has no warn_on_full_buffer
            self._old_wakeup = signal.set_wakeup_fd(self._write_fd)
        for signum in STOP_SIGNALS:
            self._old[signum] = signal.signal(signum, self._record)
        self._old[signal.SIGCHLD] = signal.signal(signal.SIGCHLD, _ignore)
        # A parent may leave them blocked (an inherited mask, as some launchers
        # and threads do): magg would never hear the agent's cancel. GNU
        # timeout unblocks its signals the same way.
        signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS + (signal.SIGCHLD,))

    def _record(self, signum, frame):
        self._pending.append(signum)

    def catch_resize(self):
        """Catch SIGWINCH too, for the terminal view: it wakes the loop and sets
        a flag (take_resized); it is no stop signal."""
        self._old[signal.SIGWINCH] = signal.signal(signal.SIGWINCH, self._resize)

    def _resize(self, signum, frame):
        self.resized = True

    def take_resized(self):
        """True once after the terminal was resized."""
        resized, self.resized = self.resized, False
        return resized

    def drain(self):
        """Empty the wakeup pipe; stop signals are then waiting in take_all()."""
        try:
            while os.read(self.fd, 4096):
                pass
        except OSError as err:
            if err.errno not in (errno.EAGAIN, errno.EWOULDBLOCK):
                raise

    def take_all(self):
        """The stop signals not yet acted on, oldest first."""
        taken, self._pending = self._pending, []
        return taken

    def close(self, restore=False):
        """No more wake-ups. The handlers stay (they only note a signal), so a
        signal after the final line changes nothing; restore: put back the
        ones from before (for magg run inside another program, a test)."""
        signal.set_wakeup_fd(self._old_wakeup)
        if restore:
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


def send_group(pgid, signum):
    try:
        os.killpg(pgid, signum)
    except (ProcessLookupError, PermissionError):
        pass


def kill_group(pgid):
    """SIGKILL to a driver's whole process group: its children die with it."""
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
