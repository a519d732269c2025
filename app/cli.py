"""argv -> command -> the final stdout line and the exit code.

Whatever happens, including a bug in magg itself, the last stdout line is
one JSON object with a status, the exit code is 0 exactly when that status
is "ok", and tracebacks go to stderr only.
"""

import os
import sys

from app import EXIT_FAILED, EXIT_INTERNAL, EXIT_OK, EXIT_USAGE, MaggError, __version__
from app.records import record
from app.stdio import Streams, ensure_std_fds

Command = record("Command", "option name argument stdin table help", doc="""One
command of magg's command line.

option: what selects it ("--info"; None for measure, selected by an APP_ID
alone); name: the function of commands.py that runs it; argument: what
follows the option (NONE, OPTIONAL or REQUIRED: an APP_ID); stdin: it reads
the request;
table: the tables function that renders its result on a terminal, or None;
help: its line in --help.""")

NONE, OPTIONAL, REQUIRED = "none", "optional", "required"

COMMANDS = (
    Command("--info", "info", OPTIONAL, False, None,
            '{"has_cancel", "version", "drivers": {NAME: its --info}}'),
    Command("--describe", "describe", REQUIRED, False, None,
            "the union of the drivers' metrics"),
    Command(None, "measure", REQUIRED, True, None,
            "measure: the request is read from stdin and split\n"
            "between the drivers; progress lines, then one result;\n"
            "on a terminal, a live view of the drivers and a table\n"
            "of the result before it"),
    Command("--no-view", "measure", REQUIRED, True, None,
            "measure without the view on a terminal: the protocol's\n"
            "progress lines and the drivers' stderr, as on a pipe"),
    Command("--plan", "plan", REQUIRED, True, "plan_table",
            "show what each driver would receive for the request on\n"
            "stdin and which drivers would be skipped, without\n"
            "measuring (runs only --info/--describe)"),
    Command("--check", "check", REQUIRED, False, "check_table",
            "health check: every driver's --info and --describe, how\n"
            "long each took, the metrics it describes, any problem;\n"
            "exit 0 only when all answered and no metric has two owners"),
    Command("--version", "version", NONE, False, "version_table",
            "magg's version and each driver's version (works without\n"
            "measure.d; a driver that cannot answer is named)"),
    Command("--help", "help", NONE, False, None, "this text"),
)
BY_OPTION = {c.option: c for c in COMMANDS}
BY_OPTION["-h"] = BY_OPTION["--help"]
MEASURE = BY_OPTION[None]


def form(command):
    """How a command is typed: "--info [APP_ID]"."""
    if command.option is None:
        return "APP_ID"
    return command.option + {NONE: "", OPTIONAL: " [APP_ID]", REQUIRED: " APP_ID"}[
        command.argument]


def usage():
    return "usage: measure [%s]" % " | ".join(form(c) for c in COMMANDS)


def command_lines():
    """The commands part of --help, from COMMANDS."""
    lines = []
    for c in COMMANDS:
        for number, text in enumerate(c.help.split("\n")):
            lines.append("  %-18s  %s" % (form(c) if number == 0 else "", text))
    tabled = ", ".join(c.option for c in COMMANDS if c.table)
    lines.append("  %s print a table when stdout is a terminal;" % tabled)
    lines.append("  on a pipe only the final JSON line. The view honours NO_COLOR;")
    lines.append("  TERM=dumb gets plain lines.")
    return "\n".join(lines)




class Usage(MaggError):
    def __init__(self, message):
        MaggError.__init__(self, "%s\n%s" % (message, usage()), status="bad-request",
                           reason="usage", exit_code=EXIT_USAGE)


def parse_args(argv):
    """(Command, app_id) from the command line, as any measure driver takes it."""
    if not argv:
        raise Usage("missing APP_ID")
    first, rest = argv[0], argv[1:]
    command = BY_OPTION.get(first)
    if command is None:
        if first.startswith("-"):
            raise Usage("unknown option %s" % first)
        command, rest = MEASURE, argv
    if command.argument == NONE and rest:
        raise Usage("%s takes no argument" % first)
    if command.argument == OPTIONAL and len(rest) > 1:
        raise Usage("%s takes at most one APP_ID" % first)
    if command.argument == REQUIRED and len(rest) != 1:
        if command is MEASURE:
            raise Usage("measure takes one APP_ID, got %d arguments" % len(argv))
        raise Usage("%s needs exactly one APP_ID" % first)
    return command, (rest[0] if rest else None)


def read_stdin(inbox):
    from app.stdio import read_request
    data = read_request(inbox)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise MaggError("the request on stdin is not UTF-8: %s" % err,
                        status="bad-request", reason="bad-request")


def dispatch(command, app_id, inbox, std, trace=None):
    """Run one command; returns the final object (the exit code follows its status).

    std: magg's stdout and stderr (stdio.Streams); all output goes there.
    """
    from app import commands

    if command.name == "help":
        from app.helptext import HELP
        std.text(HELP % {"version": __version__, "usage": usage(),
                         "commands": command_lines()})
        return {"status": "ok"}
    if command.name == "measure":
        std.view = start_view(std, inbox, no_view=command is not MEASURE)
    text = read_stdin(inbox) if command.stdin else None
    try:
        settings, found = commands.setup()
    except MaggError as err:
        if command.name != "version":
            raise
        # --version works anywhere: magg's own version needs no measure.d.
        from app import health, messages
        std.warn(messages.version_not_asked(err.message))
        return shown(std, command, health.version_report([], __version__))
    session = commands.Session(settings, found.drivers, inbox, std, found=found, trace=trace)
    normal = False
    try:
        result = getattr(commands, command.name)(session, app_id, text)
        normal = True
    finally:
        session.close(normal)
    return shown(std, command, result)


def start_view(std, inbox, no_view):
    """The terminal view of a measurement, or None: on a pipe (the agent's
    case) neither the view nor terminal.py is loaded."""
    if no_view or not os.isatty(1):
        return None
    from app import terminal
    return terminal.start_view(std, inbox)


def shown(std, command, result):
    """The result, after its table when stdout is a terminal: a person reads it."""
    if command.table and os.isatty(1):
        from app import tables
        std.text(getattr(tables, command.table)(result))
    return result


def run(argv):
    """The whole program; returns the exit code.

    The signal inbox stays open until the final line is written: a signal
    that comes after the result is known changes nothing, and must not
    kill magg (SIGUSR1's default action) while it writes that line.
    """
    from app.signals import SignalInbox
    from app.spawn import undo_locale_coercion
    inbox = std = trace = None
    failures = ()
    try:
        ensure_std_fds()
        std = Streams()
        inbox = SignalInbox()
        undo_locale_coercion()
        trace = start_trace(std, argv)
        command, app_id = parse_args(argv)
        final = dispatch(command, app_id, inbox, std, trace)
        code = EXIT_OK if final.get("status") == "ok" else EXIT_FAILED   # --check
    except MaggError as err:
        final = {"status": err.status, "message": err.message, "reason": err.reason}
        code = err.exit_code
        failures = err.failures
    except MemoryError:     # not a bug: the machine's limit; still one clear line
        final = {"status": "failed", "reason": "out-of-memory",
                 "message": "magg ran out of memory (its address space or the machine's "
                            "memory is exhausted); every driver was stopped"}
        code = EXIT_FAILED
    except Exception as err:   # a bug in magg: still one JSON line, trace on stderr
        final = {"status": "failed", "reason": "internal-error",
                 "message": "internal error in magg %s: %s: %s"
                            % (__version__, type(err).__name__, err)}
        code = EXIT_INTERNAL
        if std is not None:
            std.end_view(final, broken=True)    # the view may be what broke
        log_traceback(std)
    try:
        if std is None:
            std = Streams()
        end_view(std, final, failures)
        std.line(final)
        std.finish()
    finally:
        if inbox is not None:
            inbox.close()
        if trace is not None:
            trace.close()
    return code


def end_view(std, final, failures):
    """The view's result table before the final line; a table that fails is a
    traceback on stderr, never a lost final line."""
    try:
        std.end_view(final, failures)
    except Exception:   # a bug in the view: the terminal is put back already
        log_traceback(std)


def start_trace(std, argv):
    """The run's trace when MAGG_TRACE asks for one (trace.py), else None."""
    if not os.environ.get("MAGG_TRACE"):
        return None
    from app.trace import open_trace
    trace = open_trace(os.environ, std.warn)
    if trace is not None:
        trace.run(__version__, argv)
    return trace


def log_traceback(std):
    """The traceback of a bug on stderr, best effort: the final line matters more."""
    import traceback       # not on the start path: only a bug needs it
    text = traceback.format_exc()
    try:
        if std is not None:
            std.log(text.encode("utf-8", "replace"))
        else:
            sys.stderr.write(text)
    except (OSError, ValueError):
        pass
