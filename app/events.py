"""The typed messages between the loop (the OS) and the supervisor (policy).

Events say what happened and flow from loop.py to supervise.py; actions say
what to do and flow back. They are plain namedtuples, so a test can script
a history of events and compare the actions that come out. A driver is
named by its index in the round's list of jobs (one driver may run twice in
a round: --info and --describe).
"""

import collections

# -- events: loop -> supervisor ------------------------------------------------

CanSpawn = collections.namedtuple("CanSpawn", "")   # the loop can start a driver now
Started = collections.namedtuple("Started", "driver")
NotStarted = collections.namedtuple("NotStarted", "driver reason")
Output = collections.namedtuple("Output", "driver stream data")   # stream: "stdout" | "stderr"
Closed = collections.namedtuple("Closed", "driver stream")
Exited = collections.namedtuple("Exited", "driver returncode")
Signalled = collections.namedtuple("Signalled", "signum")
Tick = collections.namedtuple("Tick", "")           # the supervisor's wake_at has come
ReaderIdle = collections.namedtuple("ReaderIdle", "")   # the agent read every line written
ReaderGone = collections.namedtuple("ReaderGone", "stream")  # magg's stdout or stderr
StderrBacklog = collections.namedtuple("StderrBacklog", "full")  # magg's stderr unread

# -- actions: supervisor -> loop -----------------------------------------------

Spawn = collections.namedtuple("Spawn", "driver argv stdin")
Signal = collections.namedtuple("Signal", "driver signum")
KillGroup = collections.namedtuple("KillGroup", "driver")   # SIGKILL, group and leader
Emit = collections.namedtuple("Emit", "line")       # a progress line (a dict) for stdout
Relay = collections.namedtuple("Relay", "data")     # bytes for stderr
Drain = collections.namedtuple("Drain", "driver")   # read its stderr even when backlogged
