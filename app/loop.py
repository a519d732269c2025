"""The one select.poll loop: the only code that waits, and the one that dispatches.

It is CPython's Popen._communicate for many children at once: every pipe
of every driver (pipes.py) and magg's own stdout and stderr (stdio.py) are
registered with one poller, and the poll timeout is always the
supervisor's next wake-up. Signals and child exits arrive through the
SignalInbox's wakeup pipe.

The loop turns what the OS says into events for the supervisor and carries
out the actions it returns; it decides nothing. Events the loop produces
while it carries out actions (a spawn gives Started, a read gives Output)
join a queue and are handed over one at a time, in order, after the
actions of the event before: the supervisor is never called while it is
still answering.

On a terminal a measurement has a view (viewer.py, reached through
std.view): the loop wakes when it wants to draw and lets it draw once per
pass; it reads the supervisor's state itself, at its own pace.
"""

import collections
import select
import time

from app import signals
from app.events import (CanSpawn, Emit, FindOrphans, KillGroup, KillOrphan, Pause, Relay,
                        Resume, Signal, SignalOrphan, Signalled, Spawn, Tick)

# Drivers started between two poll passes: short drivers finish and close
# their pipes meanwhile, and every open descriptor slows the next exec.
SPAWN_BATCH = 16
# poll() takes a C int of milliseconds; a far-off wake-up (a deadline of
# 1e300 s) waits in steps of this many seconds instead of overflowing.
LONGEST_WAIT = 3600.0


class Loop(object):
    """Runs rounds: one supervisor at a time, over one session's OS resources."""

    def __init__(self, inbox, pipes, std, clock=time.monotonic, trace=None):
        self.inbox = inbox
        self.pipes = pipes
        self.std = std              # stdio.Streams: magg's own stdout and stderr
        self.clock = clock
        self.trace = trace
        self.supervisor = None
        self.queue = collections.deque()

    def run(self, supervisor):
        """Run one round to its end."""
        self.supervisor = supervisor
        poller = select.poll()
        poller.register(self.inbox.fd, select.POLLIN)
        self.pipes.open_round(poller)
        self.std.new_round(poller)
        if self.trace is not None:
            self.trace.round(supervisor)
        try:
            self.dispatch(self.std.news())
            self.dispatch([Signalled(s) for s in self.inbox.take_all()])  # from before
            while not supervisor.done:
                self.offer_spawns()
                if supervisor.done:
                    break
                self.draw()
                self.std.watch()
                self.serve(poller.poll(self.timeout()))
                self.dispatch(self.std.idle_news())
                wake_at = supervisor.wake_at
                if wake_at is not None and wake_at <= self.clock():
                    # What is ready is read before the time is judged: after a
                    # SIGSTOP (a frozen container, a paused VM) poll's timeout has
                    # long passed, and output that waits unread is no silence.
                    self.serve(poller.poll(0))
                    self.dispatch([Tick()])
                self.pipes.flush()
            self.draw(last=True)
        finally:
            self.queue.clear()
            self.pipes.abandon()
            self.supervisor = None

    def offer_spawns(self):
        for _ in range(SPAWN_BATCH):
            if not self.supervisor.wants_to_start:
                break
            self.dispatch([CanSpawn()])
        self.pipes.flush()

    def timeout(self):
        """Milliseconds until the next thing to do (0 while drivers wait to start)."""
        if self.supervisor.wants_to_start:
            return 0
        wake_at = self.supervisor.wake_at
        wait = None
        if wake_at is not None:
            left = wake_at - self.clock()
            if left != left:            # NaN: no clock can reach it; wait in long steps
                left = LONGEST_WAIT
            wait = int(max(0.0, min(left, LONGEST_WAIT)) * 1000) + 1
        idle = self.std.wait_ms()
        view = self.std.view
        frame = None if view is None else view.wait_ms(self.clock())
        if frame is not None:
            idle = frame if idle is None else min(idle, frame)
        if idle is not None:
            wait = idle if wait is None else min(wait, idle)
        return wait

    def draw(self, last=False):
        """The terminal view, when a measurement shows one, at its own calm pace
        (viewer.py); what it wrote counts in magg's stderr backlog."""
        view = self.std.view
        if view is not None:
            view.draw(self.supervisor, self.clock(), last)
            if not last:
                self.dispatch(self.std.news())

    def serve(self, ready):
        """Hand what poll found ready to its owner, in fd order, as events."""
        for fd, mask in ready:
            if fd == self.inbox.fd:
                self.dispatch(self.on_wakeup())
            elif fd in (1, 2):
                self.std.ready(fd, mask)
                self.dispatch(self.std.news())
            else:
                self.dispatch(self.pipes.ready(fd))

    def on_wakeup(self):
        """Children reaped first (with what they left in their pipes), then signals."""
        self.inbox.drain()
        events = []
        for pid, returncode in signals.reap():
            events += self.pipes.reaped(pid, returncode)
        return events + [Signalled(signum) for signum in self.inbox.take_all()]

    def dispatch(self, events):
        """Hand events to the supervisor one at a time, each with its actions done.

        Carrying out an action never calls the supervisor: it returns the
        events it caused, which join the queue behind those already there.
        """
        self.queue.extend(events)
        while self.queue:
            event = self.queue.popleft()
            now = self.clock()
            actions = self.supervisor.handle(event, now)
            if self.trace is not None:
                self.trace.step(now, event, actions)
            for action in actions:
                self.queue.extend(self.ACTIONS[type(action)](self, action))

    # -- actions: each returns the events it caused ---------------------------

    def spawn(self, action):
        return self.pipes.spawn(action.run, action.argv, action.stdin, action.has_cancel)

    def send_signal(self, action):
        self.pipes.signal(action.run, action.signum)
        return ()

    def kill_group(self, action):
        self.pipes.kill_group(action.run)
        return ()

    def emit_line(self, action):
        self.std.progress(action.line)
        return self.std.news()

    def relay_bytes(self, action):
        self.std.log(action.data)
        return self.std.news()

    def pause(self, action):
        self.pipes.pause(action.run, True)
        return ()

    def resume(self, action):
        self.pipes.pause(action.run, False)
        return ()

    def find_orphans(self, action):
        return self.pipes.find_orphans()

    def signal_orphan(self, action):
        self.pipes.orphans.signal(action.pid, action.signum)
        return ()

    def kill_orphan(self, action):
        self.pipes.orphans.kill(action.pid)
        return ()

    ACTIONS = {Spawn: spawn, Signal: send_signal, KillGroup: kill_group,
               Emit: emit_line, Relay: relay_bytes, Pause: pause, Resume: resume,
               FindOrphans: find_orphans, SignalOrphan: signal_orphan,
               KillOrphan: kill_orphan}
