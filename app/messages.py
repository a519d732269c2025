"""Every sentence magg says about a run, in one place.

Progress messages, warnings for stderr, and the text of a round's error.
Validation errors stay beside their validators (request.py, config.py,
drivers.py), because each names the key it checks. Pure.
"""

import errno
import signal

from app.bounds import SHORT, short, short_text
from app.printable import printable

STDERR_IN_MESSAGE = 2048
def signal_name(signum):
    try:
        return signal.Signals(signum).name
    except ValueError:
        return "signal %d" % signum


def describe_exit(returncode):
    if returncode is None:
        return "did not run"
    if returncode < 0:
        return "killed by %s" % signal_name(-returncode)
    return "exit code %d" % returncode


# -- what one driver did wrong ------------------------------------------------

def cannot_start(path, reason):
    return "cannot start %s: %s" % (path, reason)


def not_json(line):
    return "printed a stdout line that is not a JSON object: %r" % line


def out_of_bounds(line, why):
    return "printed a stdout line that %s: %r" % (why, line)


def hung(seconds):
    return ("hung: printed nothing on stdout for more than %g s (OPTUNE_IO_TIMEOUT - 1)"
            % seconds)


def no_result():
    return "ended without a result"


def info_lacks(missing, result):
    return "--info lacks %s: %s" % (" and ".join(missing), short(result))


def not_ok(result):
    return "result without status ok: %s" % short(result)


def with_exit(text, returncode):
    exit_text = describe_exit(returncode)
    return "%s (%s)" % (text, exit_text) if text else exit_text


# -- progress lines -------------------------------------------------------------

FINISHED = "finished"
# A merged progress message names every driver that spoke; beyond this it
# is cut, since the agent sends each message on to the optimizer.
PROGRESS_MESSAGE = 1024


def driver_progress(name, message):
    return "%s: %s" % (name, "" if message is None else message)


def merged_progress(said, standing=None):
    """One message from {driver: its latest message}, in the order they spoke,
    after the standing message when there is one (who magg waits for)."""
    parts = [standing] if standing else []
    parts += [driver_progress(name, message) for name, message in said.items()]
    text = "; ".join(parts)
    if len(text) <= PROGRESS_MESSAGE:
        return text
    return text[:PROGRESS_MESSAGE - 3] + "..."


def done(stopped, failure):
    """What a driver's progress says once its run is over: never "finished" for a failure."""
    if stopped:
        return "stopped"
    return FINISHED if failure is None else failed_words(failure)


def failed_words(failure):
    """"failed (aborted: slo-violation)", "failed (backend)", or just "failed"."""
    words = [] if failure.status == "failed" else [failure.status]
    if failure.reason not in (None, failure.status, "failed"):
        words.append(failure.reason)
    return "failed (%s)" % ": ".join(words) if words else "failed"


def waiting_for(failures, waited, cannot_cancel):
    """Who failed, and whom magg waits for because the round may not stop them."""
    text = "%s; waiting for %s to finish" % (
        ", ".join("%s %s" % (f.name, failed_words(f)) for f in failures), ", ".join(waited))
    if cannot_cancel:
        text += " (%s cannot cancel)" % ", ".join(cannot_cancel)
    return text


def heartbeat(running, total):
    return "magg: %d of %d drivers still running" % (running, total)


# -- warnings on stderr ---------------------------------------------------------

def warning(text):
    return "magg: %s\n" % text


def unowned_metrics(names):
    return "no driver describes the requested metric(s) %s; they are left out" % (
        ", ".join(names))


def unknown_overrides(names):
    return ("control.userdata has overrides for %s, but no such driver is in "
            "measure.d" % ", ".join(names))


def bad_io_timeout(text):
    return "ignoring OPTUNE_IO_TIMEOUT=%r: not a number" % short_text(text)


def stderr_not_shown(name, hidden, limit):
    return ("%d bytes of %s's stderr not shown: magg.stderr_limit is %d bytes per driver"
            % (hidden, name, limit))


def stderr_dropped(name, dropped):
    return ("%d bytes of %s's stderr dropped while stopping it: magg's own stderr "
            "was not being read" % (dropped, name))


def kept_both(what, key, name, renamed):
    return "%s %r returned by more than one driver; %s's value is kept as %r" % (
        what, key, name, renamed)


# -- why a round ended early ----------------------------------------------------

def no_watchdog(err):
    why = err.strerror or str(err)
    if err.errno == errno.EAGAIN:
        why += " (no process left under the user's process limit, ulimit -u)"
    return ("cannot start magg's watchdog (/bin/sh), which stops the drivers if magg is "
            "killed: %s; no driver was started" % why)


def cancelled_reading(signum):
    return "cancelled by %s while reading the request; no driver was started" % (
        signal_name(signum))


def cancelled(signum, stopped):
    return "cancelled by %s; stopped drivers: %s" % (
        signal_name(signum), ", ".join(stopped) or "none")


def agent_gone():
    return "nobody reads magg's stdout any more (the agent is gone); every driver was stopped"


def timed_out(limit, longest, grace_period, running):
    return ("measurement timed out after %g s: the longest warmup + duration + "
            "past is %g s, plus grace_period %g s; still running: %s" % (
                limit, longest, grace_period, ", ".join(running) or "none"))


# -- a round's error ------------------------------------------------------------

def stderr_excerpt(tail):
    return tail[-STDERR_IN_MESSAGE:].decode("utf-8", "replace").rstrip()


def failures(failed, total, what, tails, stopped):
    """The message naming every failed driver, its status, message, stderr."""
    lines = ["%d of %d drivers failed %s:" % (len(failed), total, what)]
    for f in failed:
        lines.append("- %s: %s: %s" % (f.name, f.status, f.message))
        excerpt = stderr_excerpt(tails.get(f.name, b""))
        if excerpt:
            lines.append("  stderr (last %d bytes): %s" % (
                STDERR_IN_MESSAGE, excerpt.replace("\n", "\n    ")))
    if stopped:
        lines.append("stopped: %s" % ", ".join(stopped))
    return "\n".join(lines)


def describe_not_object(name, metrics):
    return "driver %s: --describe metrics must be an object, got %s" % (
        name, type(metrics).__name__)


def described_twice(owners):
    return "a metric must be described by one driver only: " + "; ".join(
        "%s (described by %s)" % (metric, ", ".join(names))
        for metric, names in owners)


def result_not_object(name, key):
    return "driver %s returned %s that is not an object" % (name, key)


# -- run modes, userdata routing, operators' commands ---------------------------

def skipped_never():
    return "run: never (switched off in config.yaml)"


def skipped_not_requested():
    return "run: when-requested, and the request names no metric it describes"


def settings_for_unknown_drivers(configs):
    """configs: {name: DriverConfig} for names that are not in measure.d."""
    def named(name, config):
        keys = ["magg.drivers.%s.run: %s" % (name, config.run)]
        if config.force_cancel:
            keys.append("magg.drivers.%s.force_cancel: true" % name)
        return ", ".join(keys)
    return ("config.yaml sets %s, but no such driver is in measure.d"
            % "; ".join(named(name, configs[name]) for name in sorted(configs)))


def unused_userdata(names):
    return ("control.userdata.%s is named after a driver but holds no `control`: "
            "it is not an override, and no driver gets it" % ", control.userdata.".join(
                names))


def nothing_to_measure(skipped):
    return "no driver measures this request: " + "; ".join(
        "%s: %s" % (name, why) for name, why in sorted(skipped.items()))


def version_not_asked(message):
    return "only magg's own version: the drivers were not asked (%s)" % message


def check_failed(problems):
    return "%d problem(s): %s" % (len(problems), "; ".join(problems))


def clash(metric, names):
    return "%s is described by %s" % (metric, " and ".join(names))


# -- what is in measure.d, and who may change it ------------------------------

def not_drivers(ignored):
    """ignored: {file name: why}; names are file names, so made printable."""
    return printable("executables in measure.d that are not drivers, so not run: %s; "
                     "rename one to run it, or remove it" % ", ".join(
                         "%s (%s)" % (name, why) for name, why in sorted(ignored.items())))


def unsafe(path, why):
    return printable("%s can be changed by someone other than magg's user and root: %s; "
                     "they could run code as magg's user (--check reports it as a problem)"
                     % (path, why))


def unsafe_problem(why):
    return "can be changed by someone other than magg's user and root: %s" % why


# Cancel-capable drivers named in a warning, at most; the others are counted.
NAMED_ABLE = 5


def mixed_cancel(able, unable):
    """able: drivers that can be stopped on a failure; unable: those that cannot."""
    shown = ", ".join(able[:NAMED_ABLE]) + (
        " and %d more" % (len(able) - NAMED_ABLE) if len(able) > NAMED_ABLE else "")
    return ("cancel abilities differ: %s can cancel, %s cannot; when a driver fails (an "
            "SLO abort, say), magg waits for %s to finish, and the agent's cancel reaches "
            "magg as SIGKILL (magg's has_cancel is false); set %s to stop %s too "
            "(SIGTERM, then SIGKILL of its process group)"
            % (shown, ", ".join(unable), " and ".join(unable),
               " and ".join("magg.drivers.%s.force_cancel: true" % n for n in unable),
               "it" if len(unable) == 1 else "them"))
