"""Policy for one round of driver runs: events in, actions out (pure).

The supervisor never touches a file descriptor, a signal or the clock: the
loop hands it events with the current time and executes the actions it
returns, so every rule here is tested with a scripted history and a fake
clock. The rules:

- drivers start one by one while no stop has begun (the loop offers slots);
- a driver's stdout becomes progress, a result or a failure (child.py);
- a failure stops the others when the round allows it;
- the deadline, or a signal to magg, stops every driver; a second signal
  hurries the stop; a driver silent for io_limit seconds is hung, and stopped;
- every stop is the one sequence in stopping.py;
- progress lines and heartbeats come from pacing.py, paced by the agent;
- when the agent stops reading magg's stdout, every driver is stopped;
- driver stderr is passed on up to stderr_limit bytes per driver; while
  magg's own stderr is backlogged the loop reads only the stderr of drivers
  being stopped, and what of it does not fit is dropped and counted.
"""

import collections
import heapq

from app import messages
from app.child import Child
from app.events import (CanSpawn, Closed, Drain, Emit, Exited, NotStarted, Output,
                        ReaderGone, ReaderIdle, Relay, Signalled, Spawn, Started,
                        StderrBacklog, Tick)
from app.merge import driver_failure
from app.progress import as_number
from app.stopping import StopSequence

Job = collections.namedtuple("Job", "name argv stdin has_cancel")

Round = collections.namedtuple("Round", "jobs deadline stop_on_failure judge_exits")
Round.__doc__ = """One set of driver runs and its rules.

deadline: the time (on the supervisor's clock) to stop every driver, or None;
stop_on_failure: a failed driver stops the others (cancel is allowed);
judge_exits: an exit without a status-ok result is a failure (measure); in
the --info/--describe round only broken output is, the rest is judged after."""

Ending = collections.namedtuple("Ending", "reason signum running")
Ending.__doc__ = """Why the supervisor stopped every driver.

reason: "cancelled" (signal signum), "timeout" (running: the names still
running at the deadline), "failed" (a driver failed; cancel allowed) or
"agent-gone" (nobody reads magg's stdout any more)."""


class Silence(object):
    """Hung detection: who has been silent on stdout for `limit` seconds.

    A lazy heap: hearing from a driver only moves its time in a dict; the
    heap entry is corrected when it comes up.
    """

    def __init__(self, limit):
        self.limit = limit
        self._due = {}
        self._heap = []

    def heard(self, driver, now):
        if not self.limit:
            return
        if driver not in self._due:
            heapq.heappush(self._heap, (now + self.limit, driver))
        self._due[driver] = now + self.limit

    def forget(self, driver):
        self._due.pop(driver, None)

    def due(self, now):
        """The drivers silent for too long; each is reported once."""
        hung = []
        while self._heap and self._heap[0][0] <= now:
            _, driver = heapq.heappop(self._heap)
            when = self._due.get(driver)
            if when is not None and when > now:
                heapq.heappush(self._heap, (when, driver))
            elif when is not None:
                del self._due[driver]
                hung.append(driver)
        return hung

    @property
    def wake_at(self):
        while self._heap and self._heap[0][1] not in self._due:
            heapq.heappop(self._heap)
        return self._heap[0][0] if self._heap else None


class Supervisor(object):
    """One round: handle(event, now) -> actions, until done."""

    def __init__(self, round_, settings, reporter=None):
        self.round = round_
        self.children = [Child(job, settings.stderr_limit) for job in round_.jobs]
        self.waiting = collections.deque(range(len(self.children)))
        self.running = 0
        self.stops = StopSequence(settings.cleanup_grace_period)
        self.silence = Silence(settings.io_limit)
        self.reporter = reporter
        self.ending = None
        self.signalled = False
        self.stderr_gone = False
        self.stderr_full = False
        self.dropped = collections.Counter()    # stderr bytes dropped per driver
        self._actions = []

    @property
    def done(self):
        return not self.running and not self.waiting

    @property
    def wants_to_start(self):
        """True while drivers wait for a spawn slot and no stop has begun."""
        return bool(self.waiting) and self.ending is None

    @property
    def wake_at(self):
        """When the supervisor next needs the clock, whatever else happens."""
        times = [self.stops.wake_at, self.silence.wake_at,
                 self.reporter.wake_at if self.reporter else None,
                 self.round.deadline if self.ending is None else None]
        times = [t for t in times if t is not None]
        return min(times) if times else None

    def outcomes(self):
        """Every driver's Outcome, in job order (once done)."""
        return [c.outcome for c in self.children]

    def handle(self, event, now):
        self._actions = []
        self._HANDLERS[type(event)](self, event, now)
        return self._actions

    # -- events -------------------------------------------------------------

    def _can_spawn(self, event, now):
        if self.waiting and self.ending is None:
            driver = self.waiting.popleft()
            job = self.children[driver].job
            self._actions.append(Spawn(driver, job.argv, job.stdin, job.has_cancel))

    def _started(self, event, now):
        self.children[event.driver].started = True
        self.running += 1
        self.silence.heard(event.driver, now)

    def _not_started(self, event, now):
        child = self.children[event.driver]
        child.problem = messages.cannot_start(child.job.argv[0], event.reason)
        self._finish(event.driver, now)

    def _output(self, event, now):
        child = self.children[event.driver]
        if event.stream == "stdout":
            self.silence.heard(event.driver, now)
            self._stdout_events(event.driver, child.stdout(event.data), now)
        elif self.stderr_full and child.stopping:
            child.stderr_dropped(event.data)
            self.dropped[event.driver] += len(event.data)
        else:
            self._relay(child.stderr(event.data))

    def _closed(self, event, now):
        child = self.children[event.driver]
        if event.stream == "stdout":
            self._stdout_events(event.driver, child.stdout_closed(), now)
            return
        self._relay(child.stderr_closed())
        if child.relay.hidden:
            self._note(messages.stderr_not_shown(child.name, child.relay.hidden,
                                                 child.relay.limit))

    def _exited(self, event, now):
        self.children[event.driver].returncode = event.returncode
        self.running -= 1
        self.silence.forget(event.driver)
        self._actions += self.stops.exited(event.driver)
        self._finish(event.driver, now)

    def _signalled(self, event, now):
        if self.signalled:
            self._actions += self.stops.hurry()     # asked twice: no more grace
        self.signalled = True
        self._stop_all(Ending("cancelled", event.signum, []), now)

    def _reader_idle(self, event, now):
        if self.reporter is not None:
            self._emit(self.reporter.reader_idle(now, self.running, len(self.children)))

    def _reader_gone(self, event, now):
        if event.stream == "stdout":
            self._stop_all(Ending("agent-gone", None, []), now)
        else:
            self.stderr_gone = True

    def _stderr_backlog(self, event, now):
        self.stderr_full = event.full

    def _tick(self, event, now):
        deadline = self.round.deadline
        if self.ending is None and deadline is not None and now >= deadline:
            running = [c.name for c in self.children if c.running]
            self._stop_all(Ending("timeout", None, running), now)
        for driver in self.silence.due(now):
            child = self.children[driver]
            if child.running and not child.stopping and not child.problem:
                child.fail(messages.hung(self.silence.limit))
                self._failed(now)
                self._stop(driver, now)     # even when cancel is not allowed
        self._actions += self.stops.due(now)
        if self.reporter is not None:
            self._emit(self.reporter.due(now, self.running, len(self.children)))

    _HANDLERS = {CanSpawn: _can_spawn, Started: _started, NotStarted: _not_started,
                 Output: _output, Closed: _closed, Exited: _exited,
                 Signalled: _signalled, Tick: _tick, ReaderIdle: _reader_idle,
                 ReaderGone: _reader_gone, StderrBacklog: _stderr_backlog}

    # -- rules --------------------------------------------------------------

    def _stdout_events(self, driver, events, now):
        name = self.children[driver].name
        for kind, obj in events:
            if kind == "progress":
                if self.reporter is not None:
                    self._emit(self.reporter.driver_progress(
                        name, as_number(obj.get("progress")), obj.get("message"), now))
            else:
                self._failed(now)

    def _finish(self, driver, now):
        child = self.children[driver]
        outcome = child.finish()
        if self.reporter is not None:
            self._emit(self.reporter.driver_finished(child.name, now))
        if driver in self.dropped:
            self._note(messages.stderr_dropped(child.name, self.dropped[driver]))
        if (not child.stopping and self.round.judge_exits
                and driver_failure(outcome, True) is not None):
            self._failed(now)

    def _failed(self, now):
        if self.round.stop_on_failure:
            self._stop_all(Ending("failed", None, []), now)

    def _stop_all(self, ending, now):
        """Stop every driver, once; none starts after this."""
        if self.ending is not None:
            return
        self.ending = ending
        for driver in range(len(self.children)):
            self._stop(driver, now)
        while self.waiting:
            child = self.children[self.waiting.popleft()]
            child.stopping = True       # never started: stopped before its turn
            child.finish()

    def _stop(self, driver, now):
        child = self.children[driver]
        if child.running and not child.stopping:
            child.stopping = True
            self._actions += self.stops.begin(driver, child.job.has_cancel, now)
            self._actions.append(Drain(driver))  # so it is never stuck on its stderr

    def _emit(self, lines):
        self._actions += [Emit(line) for line in lines]

    def _relay(self, data):
        if data and not self.stderr_gone:
            self._actions.append(Relay(data))

    def _note(self, text):
        self._relay(messages.warning(text).encode("utf-8", "replace"))
