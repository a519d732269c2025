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

    def start(self, argv, stdin_fd, stdout_fd, stderr_fd):
        """The pid of argv started in a session of its own; raises OSError.

        SIGPIPE and SIGXFSZ, which Python ignores, are reset for the child
        as Popen's restore_signals would.
        """
        if self.posix_spawn:
            try:
                return os.posix_spawn(
                    argv[0], argv, self.environment, setsid=True,
                    setsigdef=(signal.SIGPIPE, signal.SIGXFSZ),
                    file_actions=[(os.POSIX_SPAWN_DUP2, stdin_fd, 0),
                                  (os.POSIX_SPAWN_DUP2, stdout_fd, 1),
                                  (os.POSIX_SPAWN_DUP2, stderr_fd, 2)])
            except NotImplementedError:     # no POSIX_SPAWN_SETSID in this libc
                self.posix_spawn = False
        return _popen(argv, stdin_fd, stdout_fd, stderr_fd)


def _popen(argv, stdin_fd, stdout_fd, stderr_fd):
    """The portable way, for Python 3.6 and 3.7.

    close_fds is off because every descriptor magg opens is non-inheritable
    already; closing thousands of them in each child would be quadratic.
    """
    import subprocess
    proc = subprocess.Popen(argv, stdin=stdin_fd, stdout=stdout_fd, stderr=stderr_fd,
                            close_fds=False, start_new_session=True)
    proc.returncode = 0     # reaped with waitpid(-1) by signals.reap(): Popen must not wait
    return proc.pid


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
