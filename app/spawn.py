"""Starting a driver: its own session, its three pipes, magg's environment.

Each driver runs in a session (and process group) of its own, so stopping
it can take its children and grandchildren with it.
"""

import os
import signal


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


class Spawner(object):
    """Starts drivers; one per session, so the environment is converted once.

    os.posix_spawn (Python 3.8+) starts a child without waiting on a status
    pipe as subprocess.Popen does, which makes starting 1000 drivers
    markedly faster. Handing it os.environ itself would re-encode every
    variable for every driver, hence the plain dict made once here.
    """

    def __init__(self):
        self.posix_spawn = hasattr(os, "posix_spawn")
        self.environment = dict(os.environb) if self.posix_spawn else None
        self.ignored = ignored_signals()

    def start(self, argv, stdin_fd, stdout_fd, stderr_fd):
        """The pid of argv started in a session of its own; raises OSError.

        Every driver starts with an empty signal mask and every signal at its
        default, whatever magg's parent left it (an inherited mask, signals
        set to be ignored, as nohup does): a driver must hear its SIGUSR1.
        Signals magg handles are reset by exec itself; those ignored
        (SIGPIPE and SIGXFSZ by Python, others by the parent) are reset here.
        """
        if self.posix_spawn:
            try:
                return os.posix_spawn(
                    argv[0], argv, self.environment, setsid=True, setsigmask=(),
                    setsigdef=self.ignored,
                    file_actions=[(os.POSIX_SPAWN_DUP2, stdin_fd, 0),
                                  (os.POSIX_SPAWN_DUP2, stdout_fd, 1),
                                  (os.POSIX_SPAWN_DUP2, stderr_fd, 2)])
            except NotImplementedError:     # no POSIX_SPAWN_SETSID in this libc
                self.posix_spawn = False
        return _popen(argv, stdin_fd, stdout_fd, stderr_fd, self.ignored)


def ignored_signals():
    """The signals magg ignores now (Python's own, and any its parent set to ignore)."""
    ignored = []
    for signum in sorted(_catchable()):
        try:
            if signal.getsignal(signum) == signal.SIG_IGN:
                ignored.append(signum)
        except (ValueError, OSError):
            pass
    return tuple(ignored)


def _catchable():
    valid = getattr(signal, "valid_signals", None)     # Python 3.8+
    numbers = valid() if valid else range(1, getattr(signal, "NSIG", 65))
    return set(numbers) - {signal.SIGKILL, signal.SIGSTOP}


def _popen(argv, stdin_fd, stdout_fd, stderr_fd, ignored):
    """The portable way, for Python 3.6 and 3.7.

    close_fds is off because every descriptor magg opens is non-inheritable
    already; closing thousands of them in each child would be quadratic. The
    child's signals are set right before exec only when magg's own need it
    (a blocked signal, or one ignored beyond what restore_signals resets):
    preexec_fn costs speed.
    """
    import subprocess
    extra = [s for s in ignored if s not in (signal.SIGPIPE, signal.SIGXFSZ)]
    blocked = signal.pthread_sigmask(signal.SIG_BLOCK, [])
    preexec = (lambda: _default_signals(extra)) if extra or blocked else None
    proc = subprocess.Popen(argv, stdin=stdin_fd, stdout=stdout_fd, stderr=stderr_fd,
                            close_fds=False, start_new_session=True, preexec_fn=preexec)
    proc.returncode = 0     # reaped with waitpid(-1) by signals.reap(): Popen must not wait
    return proc.pid


def _default_signals(ignored):
    """In the child, before exec: an empty mask, and no signal ignored."""
    for signum in ignored:
        signal.signal(signum, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_SETMASK, [])


def start_with_pipes(spawner, argv):
    """(pid, stdin_w, stdout_r, stderr_r): argv started with three fresh pipes.

    The child's ends are closed here whatever happens; on OSError ours are
    closed too and the error goes up.
    """
    stdin_r, stdin_w = os.pipe()
    stdout_r, stdout_w = os.pipe()
    stderr_r, stderr_w = os.pipe()
    try:
        pid = spawner.start(argv, stdin_r, stdout_w, stderr_w)
    except OSError:
        for fd in (stdin_w, stdout_r, stderr_r):
            os.close(fd)
        raise
    finally:
        for fd in (stdin_r, stdout_w, stderr_w):
            os.close(fd)
    return pid, stdin_w, stdout_r, stderr_r
