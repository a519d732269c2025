"""magg run on a pseudo-terminal, as an operator runs it by hand, and read back
through a terminal emulator (pyte) into what a person sees.

    with OnTerminal(magg, servo, [APP_ID], request, columns=100, lines=40) as term:
                                        # cmd=magg.cmd_after(...): a bug injected
        term.wait_for("running")        # reads magg's output until the screen shows it
        term.resize(50, 20)             # TIOCSWINSZ: the kernel sends SIGWINCH
        term.interrupt()                # ^C typed at the terminal
        code = term.finish()            # reads to the end; magg's exit code
    term.screen.rows(); term.raw        # the emulated screen; every byte magg wrote

magg gets the pty as its controlling terminal in a session of its own, so
^C and a resize reach it as they would from a real terminal; the request
comes from a file on stdin (`< request.json`). Nothing here sleeps: every
wait reads until what it waits for has arrived, within SAFETY seconds.
"""

import fcntl
import json
import os
import select
import struct
import subprocess
import termios
import time

from viewscreen import Screen

SAFETY = 30.0


def make_controlling(fd):
    """For preexec_fn: after setsid, fd (the pty) becomes the controlling terminal."""
    return lambda: fcntl.ioctl(fd, termios.TIOCSCTTY, 0)


def set_size(fd, columns, lines):
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", lines, columns, 0, 0))


class OnTerminal(object):
    """One magg run with its stdout (and by default stderr) on a fresh pty."""

    def __init__(self, magg, servo, args, request=None, columns=100, lines=40, env=None,
                 stderr=None, cmd=None):
        self.master, self.slave = os.openpty()
        set_size(self.slave, columns, lines)
        self.modes = termios.tcgetattr(self.slave)
        self.screen = Screen(columns, lines)
        self.raw = b""
        path = os.path.join(str(servo), "request.json")
        with open(path, "w") as handle:
            handle.write("" if request is None else json.dumps(request))
        with open(path, "rb") as stdin:
            self.proc = subprocess.Popen(
                (cmd or magg.cmd) + list(args), cwd=str(servo), env=env or magg.env(TERM="xterm"),
                stdin=stdin, stdout=self.slave,
                stderr=self.slave if stderr is None else stderr,
                start_new_session=True, preexec_fn=make_controlling(1))
        self.deadline = time.monotonic() + SAFETY

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        os.close(self.master)
        os.close(self.slave)

    def read(self, timeout):
        """Feed what magg wrote within timeout seconds to the screen; False if nothing."""
        if not select.select([self.master], [], [], max(0.0, timeout))[0]:
            return False
        data = os.read(self.master, 65536)
        self.raw += data
        self.screen.stream.feed(data)
        return True

    def wait_for(self, needle):
        """Read until the screen shows needle (a string, or a test of the screen)."""
        seen = needle if callable(needle) else (lambda screen: needle in screen.text())
        while not seen(self.screen):
            left = self.deadline - time.monotonic()
            ended = self.proc.poll() is not None and not self.read(0)
            if left <= 0 or ended:
                raise AssertionError("never shown: %r\n%s" % (needle, self.screen.text()))
            self.read(min(left, 0.5))
        return self.screen

    def interrupt(self):
        os.write(self.master, b"\x03")

    def resize(self, columns, lines):
        self.screen.resize(columns, lines)
        set_size(self.master, columns, lines)

    def finish(self):
        """Read everything until magg has exited; its exit code."""
        while self.proc.poll() is None:
            assert time.monotonic() < self.deadline, "magg did not end:\n" + self.screen.text()
            self.read(0.2)
        while self.read(0):
            pass
        return self.proc.returncode

    def lines(self):
        """What magg wrote, as lines (the terminal's CRLF undone)."""
        return self.raw.decode("utf-8", "replace").replace("\r\n", "\n").split("\n")

    def final(self):
        """The final JSON line: the last line that is not empty."""
        return json.loads([line for line in self.lines() if line.strip()][-1])
