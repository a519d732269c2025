"""argv -> command -> the final stdout line and the exit code.

Whatever happens, including a bug in magg itself, the last stdout line is
one JSON object with a status, the exit code is 0 exactly when that status
is "ok", and tracebacks go to stderr only.
"""

import os
import sys

from app import EXIT_INTERNAL, EXIT_OK, EXIT_USAGE, MaggError, __version__
from app.stdio import emit, ensure_std_fds, write_stderr

USAGE = "usage: measure [--info [APP_ID] | --describe APP_ID | --plan APP_ID | APP_ID]"

HELP = """\
magg %(version)s: run every servo measure driver in ./measure.d as one driver.

%(usage)s
       measure --version | --help

  --info [APP_ID]     {"has_cancel", "version", "drivers": {NAME: its --info}}
  --describe APP_ID   the union of the drivers' metrics
  APP_ID              measure: the request is read from stdin and split
                      between the drivers; progress lines, then one result
  --plan APP_ID       show what each driver would receive for the request on
                      stdin, without measuring (runs only --info/--describe)
  --version           magg's version and each driver's version

Layout (the current directory is the servo directory):
  ./measure           this file
  ./config.yaml       configuration for every driver; magg reads its `magg` section
  ./measure.d/NAME    the drivers: every executable regular file (links followed)

config.yaml, section `magg` (all optional):
  grace_period: 0          seconds added to the longest warmup+duration+past;
                           then every driver is stopped. 0: no time limit
  force_cancel: false      stop all drivers when one fails, even if some
                           cannot cancel (default: only if all can)
  cleanup_grace_period: 300  seconds a stopped driver gets before SIGKILL

Stopping: SIGUSR1 (cancel) to drivers with has_cancel, SIGTERM to the others,
then SIGKILL to each driver's process group once it exited or after
cleanup_grace_period. SIGUSR1, SIGTERM or SIGINT to magg stop every driver.

Exit codes: 0 ok; 1 failed (a driver, the request, config.yaml, measure.d);
  2 usage error; 3 cancelled by a signal; 70 internal error in magg.
The last stdout line is always one JSON object with a "status".
"""


class Usage(MaggError):
    def __init__(self, message):
        MaggError.__init__(self, "%s\n%s" % (message, USAGE), status="bad-request",
                           reason="usage", exit_code=EXIT_USAGE)


def parse_args(argv):
    """(command, app_id) from the command line, as any measure driver takes it."""
    if not argv:
        raise Usage("missing APP_ID")
    first, rest = argv[0], argv[1:]
    if first in ("--help", "-h", "--version"):
        if rest:
            raise Usage("%s takes no argument" % first)
        return ("version" if first == "--version" else "help"), None
    if first == "--info":
        if len(rest) > 1:
            raise Usage("--info takes at most one APP_ID")
        return "info", (rest[0] if rest else None)
    if first in ("--describe", "--plan"):
        if len(rest) != 1:
            raise Usage("%s needs exactly one APP_ID" % first)
        return first.lstrip("-"), rest[0]
    if first.startswith("-"):
        raise Usage("unknown option %s" % first)
    if rest:
        raise Usage("measure takes one APP_ID, got %d arguments" % len(argv))
    return "measure", first


def read_stdin():
    data = sys.stdin.buffer.read() if sys.stdin is not None else b""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise MaggError("the request on stdin is not UTF-8: %s" % err,
                        status="bad-request", reason="bad-request")


def dispatch(command, app_id, inbox):
    """Run one command; returns the final object (status ok)."""
    from app.commands import Session
    from app.config import load_settings
    from app.drivers import discover

    if command == "help":
        sys.stdout.write(HELP % {"version": __version__, "usage": USAGE})
        return {"status": "ok"}
    text = read_stdin() if command in ("measure", "plan") else None
    settings = load_settings(os.environ)
    session = Session(settings, discover(itself=sys.argv[0]), inbox, emit, write_stderr)
    normal = False
    try:
        if command == "info":
            result = session.info(app_id)
        elif command == "describe":
            result = session.describe(app_id)
        elif command == "plan":
            result = session.plan(app_id, text)
        elif command == "version":
            drivers = session.versions()
            sys.stdout.write("magg %s\n" % __version__)
            for name, version in drivers.items():
                sys.stdout.write("  %s %s\n" % (name, version))
            result = {"status": "ok", "version": __version__, "drivers": drivers}
        else:
            result = session.measure(app_id, text)
        normal = True
        return result
    finally:
        session.close(normal)


def run(argv):
    """The whole program; returns the exit code."""
    from app.signals import SignalInbox
    from app.spawn import undo_locale_coercion
    inbox = None
    try:
        ensure_std_fds()
        inbox = SignalInbox()
        undo_locale_coercion()
        command, app_id = parse_args(argv)
        emit(dispatch(command, app_id, inbox))
        return EXIT_OK
    except MaggError as err:
        final = {"status": err.status, "message": err.message, "reason": err.reason}
        code = err.exit_code
    except Exception as err:   # a bug in magg: still one JSON line, trace on stderr
        import traceback       # not on the start path: only a bug needs it
        traceback.print_exc(file=sys.stderr)
        final = {"status": "failed", "reason": "internal-error",
                 "message": "internal error in magg %s: %s: %s"
                            % (__version__, type(err).__name__, err)}
        code = EXIT_INTERNAL
    finally:
        if inbox is not None:
            inbox.close()
    try:
        emit(final)
    except (OSError, ValueError):
        pass
    return code
