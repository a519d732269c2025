"""Whether a measurement shows the view, and which kind (real descriptors: a pty, a pipe)."""

import fcntl
import os
import struct
import subprocess
import sys
import termios

import pytest

from app import terminal

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture
def pty():
    """(master, slave) of a fresh pseudo-terminal of 100 x 30."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
    yield master, slave
    os.close(master)
    os.close(slave)


@pytest.fixture
def pipe():
    read, write = os.pipe()
    yield write
    os.close(read)
    os.close(write)


def test_a_pipe_gets_no_view(pipe):
    assert terminal.detect({"TERM": "xterm"}, out=pipe, err=pipe) is None


def test_no_view_turns_it_off_on_a_terminal(pty):
    assert terminal.detect({"TERM": "xterm"}, no_view=True, out=pty[1], err=pty[1]) is None


def test_a_terminal_gets_the_ansi_view_with_colour_and_its_size(pty):
    found = terminal.detect({"TERM": "xterm-256color"}, out=pty[1], err=pty[1])
    assert found == terminal.Terminal("ansi", True, 100, 30, True)


@pytest.mark.parametrize("environ", [{"TERM": "dumb"}, {"TERM": ""}, {}])
def test_a_dumb_or_unknown_terminal_gets_plain_lines_without_colour(pty, environ):
    found = terminal.detect(environ, out=pty[1], err=pty[1])
    assert (found.kind, found.color) == ("dumb", False)


def test_no_color_set_and_not_empty_turns_colour_off(pty):
    assert not terminal.detect({"TERM": "xterm", "NO_COLOR": "1"}, out=pty[1]).color
    assert terminal.detect({"TERM": "xterm", "NO_COLOR": ""}, out=pty[1]).color


def test_stderr_elsewhere_is_not_joined_to_the_view(pty, pipe):
    assert not terminal.detect({"TERM": "xterm"}, out=pty[1], err=pipe).stderr_joins
    other_master, other_slave = os.openpty()
    try:
        assert not terminal.same_terminal(pty[1], other_slave)
    finally:
        os.close(other_master)
        os.close(other_slave)


def test_a_resize_is_seen_and_an_unknown_size_falls_back(pty, pipe):
    fcntl.ioctl(pty[1], termios.TIOCSWINSZ, struct.pack("HHHH", 12, 40, 0, 0))
    assert terminal.size({}, pty[1]) == (40, 12)
    assert terminal.size({"COLUMNS": "132", "LINES": "x"}, pipe) == (132, 24)
    assert terminal.size({}, pipe) == terminal.FALLBACK


def test_restore_shows_the_cursor_and_turns_autowrap_back_on():
    assert terminal.restore("ansi") == b"\x1b[0m\x1b[?25h\x1b[?7h"
    assert terminal.restore("dumb") == b""


def test_deciding_imports_no_view():
    code = ("import sys, app.terminal as t; t.detect({}); "
            "assert not [m for m in sys.modules if m.startswith('app.view')]")
    subprocess.check_call([sys.executable, "-c", code], cwd=ROOT)
