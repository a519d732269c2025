"""The typed messages between the loop (the OS) and the supervisor (policy).

Events say what happened and flow from loop.py to supervise.py; actions say
what to do and flow back. They are plain named tuples, so a test can script
a history of events and compare the actions that come out. A driver is
named by its index in the round's list of jobs (one driver may run twice in
a round: --info and --describe).
"""

import operator


def message(name, fields):
    """A tuple class with named fields, like collections.namedtuple.

    namedtuple builds each class with exec(), about 80 us apiece; these are
    19 classes imported on every run, so this cheaper form saves a
    millisecond of start-up. Instances compare and print like namedtuples.
    """
    fields = tuple(fields.split())

    def __new__(cls, *values):
        if len(values) != len(fields):
            raise TypeError("%s takes %d values, got %d" % (name, len(fields), len(values)))
        return tuple.__new__(cls, values)

    def __repr__(self):
        return "%s(%s)" % (name, ", ".join("%s=%r" % pair for pair in zip(fields, self)))

    namespace = {"__slots__": (), "__new__": __new__, "__repr__": __repr__,
                 "_fields": fields}
    for index, field in enumerate(fields):
        namespace[field] = property(operator.itemgetter(index))
    return type(name, (tuple,), namespace)


# -- events: loop -> supervisor ------------------------------------------------

CanSpawn = message("CanSpawn", "")   # the loop can start a driver now
Started = message("Started", "driver")
NotStarted = message("NotStarted", "driver reason")
Output = message("Output", "driver stream data")   # stream: "stdout" | "stderr"
Closed = message("Closed", "driver stream")
Exited = message("Exited", "driver returncode")
Signalled = message("Signalled", "signum")
Tick = message("Tick", "")           # the supervisor's wake_at has come
ReaderIdle = message("ReaderIdle", "")   # the agent read every line written
ReaderGone = message("ReaderGone", "stream")  # magg's stdout or stderr
StderrBacklog = message("StderrBacklog", "full")  # magg's stderr unread

# -- actions: supervisor -> loop -----------------------------------------------

Spawn = message("Spawn", "driver argv stdin has_cancel")   # has_cancel: for the watchdog
Signal = message("Signal", "driver signum")
KillGroup = message("KillGroup", "driver")   # SIGKILL, group and leader
Emit = message("Emit", "line")       # a progress line (a dict) for stdout
Relay = message("Relay", "data")     # bytes for stderr
Drain = message("Drain", "driver")   # read its stderr even when backlogged
