"""Every sentence magg says about a run, in one place.

Progress messages, warnings for stderr, and the text of a round's error.
Validation errors stay beside their validators (request.py, config.py,
drivers.py), because each names the key it checks. Pure.
"""

import json
import signal

STDERR_IN_MESSAGE = 2048
SHORT = 200


def short(obj, limit=SHORT):
    """A value as JSON, cut to limit characters."""
    text = json.dumps(obj, sort_keys=True)
    return text if len(text) <= limit else text[:limit] + "..."


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

def driver_progress(name, message):
    return "%s: %s" % (name, "" if message is None else message)


def driver_finished(name):
    return "%s: finished" % name


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
    return "ignoring OPTUNE_IO_TIMEOUT=%r: not a number" % text


def kept_both(what, key, name, renamed):
    return "%s %r returned by more than one driver; %s's value is kept as %r" % (
        what, key, name, renamed)


# -- why a round ended early ----------------------------------------------------

def cancelled(signum, stopped):
    return "cancelled by %s; stopped drivers: %s" % (
        signal_name(signum), ", ".join(stopped) or "none")


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


def run_modes_for_unknown_drivers(names):
    return ("config.yaml sets %s, but no such driver is in measure.d" % ", ".join(
        "magg.drivers.%s.run" % name for name in names))


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
