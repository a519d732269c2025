"""The typed messages between the loop (the OS) and the supervisor (policy).

Events say what happened and flow from loop.py to supervise.py; actions say
what to do and flow back. They are plain records, so a test can script a
history of events and compare the actions that come out, and a trace
(trace.py) can write them down and replay them. `run` is the index of a job
in the round's list (one driver may run twice in a round: --info and
--describe); see app/__init__.py for the words.
"""

from app.records import record

# -- events: loop -> supervisor ------------------------------------------------

CanSpawn = record("CanSpawn", "")   # the loop can start a driver now
Started = record("Started", "run")
NotStarted = record("NotStarted", "run reason")
Output = record("Output", "run stream data")    # stream: "stdout" | "stderr"
Closed = record("Closed", "run stream")
Exited = record("Exited", "run returncode")
Signalled = record("Signalled", "signum")
Tick = record("Tick", "")           # the supervisor's wake_at has come
ReaderIdle = record("ReaderIdle", "")   # the agent read every line written
ReaderGone = record("ReaderGone", "stream")   # magg's stdout or stderr
StderrPending = record("StderrPending", "size")  # bytes of magg's stderr not yet written
Orphans = record("Orphans", "pids")     # children of magg that are no run's, new this round
Reaped = record("Reaped", "pid")        # a child that is no run's was reaped

EVENTS = (CanSpawn, Started, NotStarted, Output, Closed, Exited, Signalled, Tick,
          ReaderIdle, ReaderGone, StderrPending, Orphans, Reaped)

# -- actions: supervisor -> loop -----------------------------------------------

Spawn = record("Spawn", "run argv stdin has_cancel")   # has_cancel: for the watchdog
Signal = record("Signal", "run signum")
KillGroup = record("KillGroup", "run")     # SIGKILL, group and leader
Emit = record("Emit", "line")       # a progress line (a dict) for stdout
Relay = record("Relay", "data")     # bytes for stderr
Pause = record("Pause", "run")      # stop reading its stderr for now
Resume = record("Resume", "run")    # read its stderr again
FindOrphans = record("FindOrphans", "")     # answered by Orphans
SignalOrphan = record("SignalOrphan", "pid signum")   # its group, when it leads one
KillOrphan = record("KillOrphan", "pid")    # SIGKILL, its group when it led one

ACTIONS = (Spawn, Signal, KillGroup, Emit, Relay, Pause, Resume, FindOrphans,
           SignalOrphan, KillOrphan)
