"""A measure round as the terminal view shows it now: one Row per driver (pure).

Read from the supervisor's own state when the view draws a frame, at the
view's calm pace: nothing is added to the path every event takes, so a
measurement on a pipe, which has no view, pays nothing for it.

A run's state on the screen follows its lifecycle (child.py): started but
silent is "starting", then "running" from its first stdout line or stderr
byte (a driver that reports progress only every 30 s is no less running);
"stopping" once magg has sent it a stop signal; at its exit "done", or
"failed" when the round counts it as failed (an exit without an ok result,
a hung driver, one that could not start), or "stopped" when magg stopped it
for another reason (a cancel, the deadline, another driver's failure).
"""

from app.child import FINISHED, RUNNING, STOPPED, STOPPING, UNSTARTED, WAITING
from app.view.block import Row

SHOWN = {WAITING: "starting", RUNNING: "running", STOPPING: "stopping",
         FINISHED: "done", STOPPED: "stopped", UNSTARTED: "failed"}


def snapshot(supervisor, now):
    """(aggregate percent, [Row] in job order) of a round with a reporter."""
    reporter = supervisor.reporter
    rows = []
    for run, child in enumerate(supervisor.children):
        percent, message = reporter.latest.get(child.name, (None, None))
        failure = supervisor.failures.get(run)
        spoke = child.name in reporter.latest or bool(child.relay.tail())
        shown = state(child, failure, spoke)
        rows.append(Row(child.name, shown, percent, elapsed(child, now),
                        None if shown == "done" else message,     # said before it ended
                        None if failure is None else reason(failure)))
    return reporter.progress.aggregate(), rows


def state(child, failure, spoke):
    """The word for a run: its lifecycle state, whether it said anything
    (spoke: a progress line or stderr), how it ended."""
    if child.state == RUNNING and not spoke and child.result is None:
        return "starting"
    if child.outcome is not None and failure is not None:
        return "failed"
    return SHOWN[child.state]


def elapsed(child, now):
    """Seconds since it started, frozen at its exit; None before it started."""
    if child.seconds is not None:
        return child.seconds
    return None if child.started_at is None else now - child.started_at


def reason(failure):
    """Why a run failed, short: "aborted: slo-violation", or what magg found
    ("hung: ...", "exit code 1") when the driver said no status of its own."""
    words = [failure.status]
    if failure.reason not in (None, failure.status):
        words.append(failure.reason)
    if words == ["failed"]:
        return failure.message or "failed"
    return ": ".join(str(word) for word in words)
