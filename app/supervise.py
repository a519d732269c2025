"""Policy for one round of driver runs: events in, actions out (pure).

The supervisor never touches a file descriptor, a signal or the clock: the
loop hands it events with the current time and executes the actions it
returns, so every rule here is tested with a scripted history and a fake
clock, and a recorded trace replays exactly. The rules:

- drivers start one by one while no stop has begun (the loop offers slots);
- a driver's stdout becomes progress, a result or a failure (child.py);
- a failure stops the others when the round allows it;
- the deadline, or a signal to magg, stops every driver; a second signal
  hurries the stop; a driver silent for io_limit seconds is hung, and stopped;
- every stop is the one sequence in stopping.py, and a stopped round stops
  the orphans that came to magg too (orphans.py);
- progress lines and heartbeats come from pacing.py, paced by the agent;
- when the agent stops reading magg's stdout, every driver is stopped;
- driver stderr follows stderr.py: passed on, paused while magg's own
  stderr is backlogged, always read (and if need be dropped) while stopping.
"""

from app import messages
from app.child import RUNNING, STOPPED, STOPPING, WAITING
from app.events import (CanSpawn, Closed, Emit, Exited, NotStarted, Orphans, Output,
                        ReaderGone, ReaderIdle, Reaped, Signalled, Spawn, Started,
                        StderrPending, Tick)
from app.merge import Failure, driver_failure
from app.orphans import OrphanStops
from app.pacing import QUIET
from app.progress import as_number
from app.rounds import Ending, Runs
from app.stderr import StderrRoute
from app.stopping import StopSequence

def found_failure(child):
    """The Failure of a run the aggregator found at fault itself, while it runs."""
    return Failure(child.name, "failed", "failed", child.problem)


class Supervisor(object):
    """One round: handle(event, now) -> actions, until done."""

    def __init__(self, round_, settings, reporter=None):
        self.round = round_
        self.settings = settings
        self.runs = Runs(round_.jobs, settings.stderr_limit, settings.io_limit)
        self.children = self.runs.children
        self.stops = StopSequence(settings.cleanup_grace_period)
        self.orphans = OrphanStops(settings.cleanup_grace_period)
        self.reporter = reporter
        self.pace = QUIET if reporter is None else reporter
        self.stderr = StderrRoute()
        self.failures = {}                  # run -> its Failure, the first found
        self.ending = None
        self.signalled = False      # pragma: no mutate (None would be as false)
        self._actions = []          # pragma: no mutate (handle() sets it before any use)

    @property
    def done(self):
        return not self.runs.live and not self.orphans.busy

    @property
    def wants_to_start(self):
        """True while drivers wait for a spawn slot and no stop has begun."""
        return bool(self.runs.waiting) and self.ending is None

    @property
    def wake_at(self):
        """When the supervisor next needs the clock, whatever else happens."""
        times = [self.stops.wake_at, self.orphans.wake_at, self.runs.hung_at,
                 self.pace.wake_at, self.round.deadline if self.ending is None else None]
        times = [t for t in times if t is not None]
        return min(times) if times else None

    def outcomes(self):
        """Every run's Outcome, in job order (once done)."""
        return self.runs.outcomes()

    def handle(self, event, now):
        self._actions = []
        self._HANDLERS[type(event)](self, event, now)
        return self._actions

    # -- events -------------------------------------------------------------

    def _can_spawn(self, event, now):
        if self.wants_to_start:
            run = self.runs.waiting.popleft()
            job = self.children[run].job
            self._actions.append(Spawn(run, job.argv, job.stdin, job.has_cancel))

    def _started(self, event, now):
        self._move(event.run, "start", now)
        self.runs.heard(event.run, now)
        self._act(self.stderr.started(event.run))

    def _not_started(self, event, now):
        child = self.children[event.run]
        child.problem = messages.cannot_start(child.job.argv[0], event.reason)
        self._move(event.run, "cannot-start", now)

    def _output(self, event, now):
        child = self.children[event.run]
        if event.stream == "stdout":
            self.runs.heard(event.run, now)
            self._stdout_events(event.run, child.stdout(event.data), now)
        else:
            self._act(self.stderr.data(child, event.data))

    def _closed(self, event, now):
        child = self.children[event.run]
        if event.stream == "stdout":
            self._stdout_events(event.run, child.stdout_closed(), now)
        else:
            self._act(self.stderr.closed(event.run, child))

    def _exited(self, event, now):
        child = self.children[event.run]
        child.returncode = event.returncode
        self.runs.exited(event.run)
        if child.state == STOPPING:
            self._act(self.stops.exited(event.run))
        self._move(event.run, "exit", now)
        self._act(self.orphans.look())

    def _signalled(self, event, now):
        if self.signalled:      # asked twice: no more grace
            self._act(self.stops.hurry(self.runs.in_state(STOPPING)))
            self._act(self.orphans.hurry())
        self.signalled = True
        self._stop_all(Ending("cancelled", event.signum, []), now)

    def _reader_idle(self, event, now):
        self._emit(self.pace.reader_idle(now, self.runs.running, len(self.runs)))

    def _reader_gone(self, event, now):
        if event.stream == "stdout":
            self._stop_all(Ending("agent-gone", None, []), now)
        else:
            self.stderr.gone = True

    def _stderr_pending(self, event, now):
        self._act(self.stderr.pending(event.size, self.children))

    def _orphans(self, event, now):
        self._act(self.orphans.found(event.pids, now))

    def _reaped(self, event, now):
        self._act(self.orphans.reaped(event.pid))

    def _tick(self, event, now):
        deadline = self.round.deadline
        if self.ending is None and deadline is not None and now >= deadline and self.runs.live:
            running = [self.children[run].name for run in self.runs.in_state(RUNNING, STOPPING)]
            self._stop_all(Ending("timeout", None, running), now)
        for run in self.runs.silent(now):
            child = self.children[run]
            if child.state == RUNNING and not child.problem:
                child.fail(messages.hung(self.settings.io_limit))
                self._stop(run, now)     # even when cancel is not allowed
                self._failed(run, found_failure(child), now)
        self._act(self.stops.due(now) + self.orphans.due(now))
        self._emit(self.pace.due(now, self.runs.running, len(self.runs)))

    _HANDLERS = {CanSpawn: _can_spawn, Started: _started, NotStarted: _not_started,
                 Output: _output, Closed: _closed, Exited: _exited,
                 Signalled: _signalled, Tick: _tick, ReaderIdle: _reader_idle,
                 ReaderGone: _reader_gone, StderrPending: _stderr_pending,
                 Orphans: _orphans, Reaped: _reaped}

    # -- rules --------------------------------------------------------------

    def _move(self, run, step, now):
        """One lifecycle step of a run; what follows when the run is over."""
        child = self.children[run]
        if not self.runs.move(run, step, now):
            return
        failure = None
        if child.state != STOPPED and self.round.judge_exits:
            failure = driver_failure(child.outcome, True)
        if failure is not None:
            self._failed(run, failure, now, tell=False)
        elif self.failures:
            self._tell_waiting(now, tell=False)
        self._emit(self.pace.driver_done(       # says the standing message too, if any
            child.name, messages.done(child.state == STOPPED, failure), now))
        self._act(self.stderr.finished(child))

    def _stdout_events(self, run, events, now):
        name = self.children[run].name
        for kind, obj in events:
            if kind == "progress":
                self._emit(self.pace.driver_progress(
                    name, as_number(obj.get("progress")), obj.get("message"), now))
            else:
                self._failed(run, found_failure(self.children[run]), now)

    def _failed(self, run, failure, now, tell=True):
        """A run failed: the others are stopped if the round allows it, else waited for."""
        self.failures.setdefault(run, failure)
        if self.round.stop_on_failure:
            self._stop_all(Ending("failed", None, []), now)
        else:
            self._tell_waiting(now, tell)

    def _tell_waiting(self, now, tell):
        """From now on progress lines say who failed and whom magg waits for, and why.

        tell: send a line now if the pace allows (else the next line says it).
        """
        waited = [self.children[run] for run in self.runs.in_state(WAITING, RUNNING)]
        if not waited:
            return
        self.pace.note(messages.waiting_for(
            [self.failures[run] for run in sorted(self.failures)],
            [c.name for c in waited], [c.name for c in waited if not c.job.has_cancel]))
        if tell:
            self._emit(self.pace.due(now, self.runs.running, len(self.runs)))

    def _stop_all(self, ending, now):
        """Stop every driver, once; none starts after this."""
        if self.ending is not None:
            return
        self.ending = ending
        for run in range(len(self.runs)):
            self._stop(run, now)
        self._act(self.orphans.begin())
        while self.runs.waiting:    # never started: stopped before its turn
            self._move(self.runs.waiting.popleft(), "stop", now)

    def _stop(self, run, now):
        child = self.children[run]
        if child.state == RUNNING:
            child.move("stop", now)
            self._act(self.stops.begin(run, child.job.has_cancel, now))
            self._act(self.stderr.stopping(run))

    def _act(self, actions):
        """Actions to take, after those decided before them for the same event."""
        self._actions.extend(actions)

    def _emit(self, lines):
        self._act(Emit(line) for line in lines)
