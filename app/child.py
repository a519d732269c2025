"""One driver's run as the supervisor sees it: bytes in, meaning out (pure).

No file descriptor is touched here, so the protocol side of a driver (what
counts as a progress line, a result, a failure) is tested without processes.
"""

from app import messages
from app.bounds import OutOfBounds, loads
from app.lines import LineSplitter, LineTooLong, StderrRelay
from app.merge import Outcome


class Child(object):
    """A driver's job, its process state, and what its streams said so far."""

    def __init__(self, job, stderr_limit=0):
        self.job = job
        self.name = job.name
        self.started = False
        self.lines = LineSplitter()
        self.relay = StderrRelay(job.name, limit=stderr_limit)
        self.result = None
        self.problem = None
        self.stopping = False
        self.returncode = None
        self.outcome = None

    @property
    def running(self):
        return self.started and self.returncode is None

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
                if self.stopping:
                    continue    # cut off by our own stop: not the driver's fault
                excerpt = line[:messages.SHORT].decode("utf-8", "replace")
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

    def stderr(self, data):
        """Bytes to pass on to the aggregator's stderr, prefixed with the name."""
        return self.relay.feed(data)

    def stderr_dropped(self, data):
        """Bytes magg could not pass on: kept for the tail, nothing else."""
        self.relay.keep(data)

    def stderr_closed(self):
        return self.relay.close()

    def finish(self):
        self.outcome = Outcome(self.name, self.returncode, self.result, self.problem,
                               self.stopping, self.relay.tail())
        return self.outcome
