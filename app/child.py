"""One driver run as the supervisor sees it: its lifecycle, and bytes in, meaning out (pure).

No file descriptor is touched here, so the protocol side of a driver (what
counts as a progress line, a result, a failure) is tested without processes.

A run's lifecycle is one state, and these are all its moves:

    waiting --start--> running --exit--> finished
       |                  |
       |                stop
       |                  v
       +------stop--->  stopping --exit--> stopped
       |                                   (waiting --stop--> stopped: never started)
       +--cannot-start--> unstarted

finished, stopped and unstarted are final: the run has its Outcome.
"""

from app import messages
from app.bounds import SHORT, OutOfBounds, loads
from app.lines import LineSplitter, LineTooLong, StderrRelay
from app.merge import Outcome

WAITING = "waiting"         # not started yet
RUNNING = "running"         # started, not asked to stop
STOPPING = "stopping"       # asked to stop, not exited yet
FINISHED = "finished"       # exited on its own
STOPPED = "stopped"         # exited after magg stopped it, or stopped before its turn
UNSTARTED = "unstarted"     # could not be started

MOVES = {
    WAITING: {"start": RUNNING, "stop": STOPPED, "cannot-start": UNSTARTED},
    RUNNING: {"stop": STOPPING, "exit": FINISHED},
    STOPPING: {"exit": STOPPED},
}
FINAL = (FINISHED, STOPPED, UNSTARTED)


class Child(object):
    """A job's run: its state, what its streams said so far, and at the end its Outcome."""

    def __init__(self, job, stderr_limit=0):
        self.job = job
        self.name = job.name
        self.state = WAITING
        self.lines = LineSplitter()
        self.relay = StderrRelay(job.name, limit=stderr_limit)
        self.result = None
        self.problem = None
        self.returncode = None
        self.started_at = None
        self.seconds = None
        self.outcome = None

    def move(self, step, now):
        """Take one step of the lifecycle; True when the run has reached a final state."""
        try:
            self.state = MOVES[self.state][step]
        except KeyError:
            raise RuntimeError("a %s run of %s cannot %s" % (self.state, self.name, step))
        if self.state == RUNNING:
            self.started_at = now
        if self.state in FINAL:
            if self.started_at is not None:
                self.seconds = now - self.started_at
            self.outcome = Outcome(self.name, self.returncode, self.result, self.problem,
                                   self.state == STOPPED, self.relay.tail(), self.seconds)
            return True
        return False

    @property
    def running(self):
        """Started and not exited: it has a process."""
        return self.state in (RUNNING, STOPPING)

    def stdout(self, data):
        """Events from a chunk of stdout: ("progress", obj) or ("failed", None)."""
        if self.problem:
            return []         # failed already: the loop discards, keeping it unblocked
        try:
            lines = self.lines.feed(data)
        except LineTooLong as err:
            return self.fail(str(err))
        return self.parse(lines)

    def stdout_closed(self):
        return self.parse(self.lines.close())

    def parse(self, lines):
        events = []
        for line in lines:
            line = line.strip()
            if not line or self.problem:
                continue
            obj = refused = None
            try:
                obj = loads(line.decode("utf-8"))
            except OutOfBounds as err:
                refused = str(err)
            except ValueError:      # not UTF-8, not JSON
                pass
            if not isinstance(obj, dict):
                if self.state == STOPPING:
                    continue    # cut off by our own stop: not the driver's fault
                excerpt = line[:SHORT].decode("utf-8", "replace")
                events += self.fail(messages.out_of_bounds(excerpt, refused) if refused
                                    else messages.not_json(excerpt))
            elif "progress" in obj:
                events.append(("progress", obj))
            else:
                self.result = obj     # the agent's rule: the last non-progress line
        return events

    def fail(self, problem):
        """Record a failure the aggregator found itself; the first one counts."""
        if self.problem is None:
            self.problem = problem
        return [("failed", None)]
