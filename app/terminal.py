"""Whether a measurement shows the terminal view, and which kind (the OS edge).

Decided once, from the environment and magg's stdout, before the view
(app/view/) is imported at all: on a pipe, which is how the servo agent
runs magg, nothing here changes a byte of the output.

- no view: stdout is not a terminal, or `--no-view` was given. A flag and
  not an environment variable, because magg passes its environment to
  every driver unchanged: a MAGG_NO_VIEW exported in a shell would reach
  the drivers (and the agent's own runs) without anybody asking for it.
- "dumb": TERM is `dumb`, empty or unset (Emacs' shell, `env -i`): no
  colour, no cursor movement, progress as plain lines.
- "ansi": any other TERM: the live block, redrawn in place.
Colour is on for "ansi" unless NO_COLOR is set and not empty (no-color.org).
"""

import collections
import os
import stat

Terminal = collections.namedtuple("Terminal", "kind color width height stderr_joins")
Terminal.__doc__ = """What the view needs to know about magg's terminal.

kind: "ansi" or "dumb"; color: True or False; width, height: cells;
stderr_joins: magg's stderr is the same terminal, so drivers' stderr lines
go through the view (above the block, escaped) instead of straight to fd 2."""

FALLBACK = (80, 24)


def detect(environ, no_view=False, out=1, err=2):
    """A Terminal when a measurement should show the view, else None."""
    kind = view_kind(environ, no_view, out)
    if kind is None:
        return None
    width, height = size(environ, out)
    return Terminal(kind, color(environ, kind), width, height, same_terminal(out, err))


def view_kind(environ, no_view=False, fd=1):
    """None (no view), "dumb" or "ansi"."""
    if no_view or not os.isatty(fd):
        return None
    return "dumb" if environ.get("TERM", "") in ("", "dumb") else "ansi"


def color(environ, kind):
    return kind == "ansi" and not environ.get("NO_COLOR")


def size(environ, fd=1):
    """(columns, lines) of the terminal on fd.

    Asked of the terminal first, so a resize is seen (COLUMNS and LINES,
    when a shell exports them, keep the size the shell saw at the time);
    then those variables; then 80 x 24.
    """
    try:
        measured = os.get_terminal_size(fd)
        columns, lines = measured.columns, measured.lines
    except (OSError, ValueError):
        columns = lines = 0
    return (columns if columns > 0 else _positive(environ.get("COLUMNS"), FALLBACK[0]),
            lines if lines > 0 else _positive(environ.get("LINES"), FALLBACK[1]))


def _positive(text, default):
    try:
        value = int(text)
    except (TypeError, ValueError):
        return default
    return value if value > 0 else default


def same_terminal(out=1, err=2):
    """True when fds out and err are the same terminal device."""
    try:
        first, second = os.fstat(out), os.fstat(err)
    except OSError:
        return False
    return (os.isatty(err) and stat.S_ISCHR(first.st_mode) and
            stat.S_ISCHR(second.st_mode) and first.st_rdev == second.st_rdev)


def restore(kind):
    """Bytes that put back what the view may have changed (attributes, the
    cursor, autowrap), for every way out of a run; harmless if it changed
    nothing. The view is imported by then: a view of that kind was shown."""
    if kind != "ansi":
        return b""
    from app.view.live import RESTORE
    return RESTORE.encode("ascii")


def start_view(std, inbox):
    """The measurement's Viewer (viewer.py) when this terminal can show it, else None."""
    term = detect(os.environ, False)
    if term is None:
        return None
    from app.viewer import Viewer
    return Viewer(term, inbox, std)
