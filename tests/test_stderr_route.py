"""The drivers' stderr in a round (app/stderr.py): relayed, paused while magg's
own stderr is backlogged, dropped and counted while a driver is stopped."""

from app.child import Child
from app.events import Pause, Relay, Resume
from app.stderr import BACKLOG_HIGH, BACKLOG_LOW, StderrRoute
from app.rounds import Job


def running(*names):
    children = [Child(Job(name, ["./measure.d/" + name, "app1"], b"{}", True), stderr_limit=10)
                for name in names]
    for child in children:
        child.move("start", 0.0)
    return children


def test_reading_pauses_at_the_high_mark_and_resumes_at_the_low_one_exactly():
    route, children = StderrRoute(), running("a", "b")
    assert route.pending(BACKLOG_HIGH - 1, children) == []
    assert route.pending(BACKLOG_HIGH, children) == [Pause(0), Pause(1)]
    assert route.pending(BACKLOG_HIGH * 2, children) == []
    assert route.started(2) == [Pause(2)]
    assert route.pending(BACKLOG_LOW + 1, children) == []
    assert route.pending(BACKLOG_LOW, children) == [Resume(0), Resume(1), Resume(2)]
    assert route.started(3) == [] and route.pending(0, children) == []


def test_a_run_whose_stderr_closed_while_paused_is_not_resumed():
    route, children = StderrRoute(), running("a", "b")
    route.pending(BACKLOG_HIGH, children)
    assert route.closed(0, children[0]) == []
    assert route.pending(BACKLOG_LOW, children) == [Resume(1)]


def test_a_stopped_drivers_stderr_is_read_again_and_while_backlogged_dropped_and_counted():
    route, children = StderrRoute(), running("a")
    route.pending(BACKLOG_HIGH, children)
    children[0].move("stop", 1.0)
    assert route.stopping(0) == [Resume(0)] and route.stopping(0) == []
    assert route.data(children[0], b"12345\n") == []
    assert route.data(children[0], b"678\n") == []
    assert route.finished(children[0]) == [Relay(
        b"magg: 10 bytes of a's stderr dropped while stopping it: magg's own stderr was not "
        b"being read\n")]


def test_stderr_past_the_limit_is_said_in_one_line_when_it_closes():
    route, children = StderrRoute(), running("a")
    assert route.data(children[0], b"0123456789abc\n") == []
    assert route.closed(0, children[0]) == [Relay(b"[a] 0123456789\n"), Relay(
        b"magg: 4 bytes of a's stderr not shown: magg.stderr_limit is 10 bytes per driver\n")]
    assert route.finished(children[0]) == []


def test_nothing_is_relayed_once_nobody_reads_maggs_stderr():
    route, children = StderrRoute(), running("a")
    assert route.note("careful") == [Relay(b"magg: careful\n")]
    route.gone = True
    assert route.note("careful") == [] and route.data(children[0], b"x\n") == []


def test_a_note_with_a_character_utf8_cannot_hold_is_still_one_line():
    # A driver name from an undecodable file name holds lone surrogates.
    assert StderrRoute().note("driver \udcff failed") == [Relay(b"magg: driver ? failed\n")]
