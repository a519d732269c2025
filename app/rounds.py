"""A round of driver runs: its jobs and rules, why it ended, and its runs (pure).

The supervisor (supervise.py) decides what to do about each event; what it
decides about is kept here: the Child of every run, which runs still wait
for a spawn slot, and how many are not over yet.
"""

import collections

from app.child import Child
from app.heapmap import HeapMap
from app.records import record

Job = record("Job", "name argv stdin has_cancel", doc="""One call of one driver in a round.

name: the driver's name; argv: the command; stdin: bytes for its stdin;
has_cancel: what its --info said (SIGUSR1 stops it; else SIGTERM).""")

Round = record("Round", "jobs deadline stop_on_failure judge_exits", doc="""One set of
driver runs and its rules.

deadline: the time (on the supervisor's clock) to stop every driver, or None;
stop_on_failure: a failed driver stops the others (cancel is allowed);
judge_exits: an exit without a status-ok result is a failure (measure); in
the --info/--describe round only broken output is, the rest is judged after.""")

Ending = record("Ending", "reason signum running", doc="""Why the supervisor stopped
every driver.

reason: "cancelled" (signal signum), "timeout" (running: the names still
running at the deadline), "failed" (a driver failed; cancel allowed) or
"agent-gone" (nobody reads magg's stdout any more).""")


class Runs(object):
    """The runs of a round, by run number: each one's Child, and who waits to start."""

    def __init__(self, jobs, stderr_limit, io_limit=None):
        self.children = [Child(job, stderr_limit) for job in jobs]
        self.waiting = collections.deque(range(len(self.children)))
        self.live = len(self.children)      # runs not in a final state
        self.io_limit = io_limit
        self.silence = HeapMap()            # run -> when it counts as hung

    def __getitem__(self, run):
        return self.children[run]

    def __len__(self):
        return len(self.children)

    @property
    def running(self):
        """Runs started and not over (a spawn being made counts)."""
        return self.live - len(self.waiting)

    def move(self, run, step, now):
        """One lifecycle step of a run; True when that made it over."""
        if not self.children[run].move(step, now):
            return False
        self.live -= 1
        return True

    def in_state(self, *states):
        """The runs in one of these lifecycle states, in run order."""
        return [run for run, child in enumerate(self.children) if child.state in states]

    def outcomes(self):
        return [child.outcome for child in self.children]

    # -- silence on stdout: OPTUNE_IO_TIMEOUT ----------------------------------

    def heard(self, run, now):
        """The run printed on stdout (or started): its silence starts again."""
        if self.io_limit:
            self.silence.set(run, now + self.io_limit)

    def exited(self, run):
        self.silence.discard(run)

    def silent(self, now):
        """The runs silent on stdout for io_limit seconds, each told once."""
        return self.silence.pop_due(now)

    @property
    def hung_at(self):
        first = self.silence.first()
        return None if first is None else first[0]
