"""The supervisor's rules as scripted histories: events in, actions out.

No process, no pipe, no sleep: time is whatever number a test hands in.
"""

import json
import signal

import pytest

from app.config import HEARTBEAT, io_timeout
from app.events import (CanSpawn, Closed, Emit, Exited, FindOrphans, KillGroup, KillOrphan,
                        NotStarted, Orphans, Output, Pause, ReaderGone, ReaderIdle, Reaped,
                        Relay, Resume, Signal, SignalOrphan, Signalled, Spawn, Started,
                        StderrPending, Tick)
from app.pacing import Pacer, Reporter
from app.rounds import Job, Round
from app.snapshot import snapshot
from app.stderr import BACKLOG_HIGH, BACKLOG_LOW
from app.supervise import Supervisor


class Settings(object):
    def __init__(self, cleanup_grace_period=300.0, io_limit=None, stderr_limit=0):
        self.cleanup_grace_period = cleanup_grace_period
        self.io_limit = io_limit
        self.stderr_limit = stderr_limit


def job(name, has_cancel=True):
    return Job(name, ["./measure.d/" + name, "app1"], b"{}", has_cancel)


def supervisor(*jobs, **kw):
    """A measure round over jobs (default: a and b, both with cancel), started at 0."""
    jobs = jobs or (job("a"), job("b"))
    rules = Round(jobs, kw.pop("deadline", None), kw.pop("stop_on_failure", True),
                  kw.pop("judge_exits", True))
    reporter = kw.pop("reporter", None)
    sup = Supervisor(rules, Settings(**kw), reporter)
    while sup.wants_to_start:
        for action in sup.handle(CanSpawn(), 0.0):
            assert isinstance(action, Spawn)
            assert sup.handle(Started(action.run), 0.0) == []
    return sup


def line(obj):
    return (json.dumps(obj) + "\n").encode()


def finish(sup, driver, result=None, returncode=0, now=1.0):
    """The driver prints its result and exits: the actions of the whole history."""
    actions = []
    if result is not None:
        actions += sup.handle(Output(driver, "stdout", line(result)), now)
    actions += sup.handle(Closed(driver, "stdout"), now)
    actions += sup.handle(Closed(driver, "stderr"), now)
    return actions + sup.handle(Exited(driver, returncode), now)


def signals_sent(actions):
    return [(a.run, a.signum) for a in actions if isinstance(a, Signal)]


def kills(actions):
    return [a.run for a in actions if isinstance(a, KillGroup)]


OK = {"status": "ok", "metrics": {}}
FAILED = {"status": "failed", "message": "boom", "reason": "test"}


# -- starting -------------------------------------------------------------------

def test_every_driver_is_spawned_with_its_argv_and_input():
    rules = Round([job("a"), job("b")], None, True, True)
    sup = Supervisor(rules, Settings())
    spawned = []
    while sup.wants_to_start:
        spawned += sup.handle(CanSpawn(), 0.0)
    assert spawned == [Spawn(0, ["./measure.d/a", "app1"], b"{}", True),
                       Spawn(1, ["./measure.d/b", "app1"], b"{}", True)]


def test_a_spawn_says_whether_the_driver_can_cancel_so_the_watchdog_knows():
    sup = Supervisor(Round([job("exec"), job("hey", has_cancel=False)], None, False, True),
                     Settings())
    spawned = sup.handle(CanSpawn(), 0.0) + sup.handle(CanSpawn(), 0.0)
    assert [s.has_cancel for s in spawned] == [True, False]


def test_a_driver_that_cannot_start_stops_the_round_before_later_drivers_start():
    sup = Supervisor(Round([job("a"), job("b"), job("c")], None, True, True), Settings())
    (spawn,) = sup.handle(CanSpawn(), 0.0)
    assert sup.handle(NotStarted(spawn.run, "Permission denied"), 0.0) == [FindOrphans()]
    assert not sup.wants_to_start
    assert sup.done
    a, b, c = sup.outcomes()
    assert "cannot start ./measure.d/a: Permission denied" in a.problem
    assert (b.stopped, b.returncode, c.stopped) == (True, None, True)


def test_a_signal_before_any_driver_started_starts_none():
    sup = Supervisor(Round([job("a")], None, True, True), Settings())
    assert sup.handle(Signalled(signal.SIGTERM), 0.0) == [FindOrphans()]
    assert sup.handle(Orphans([]), 0.0) == []
    assert not sup.wants_to_start and sup.done
    assert sup.ending.reason == "cancelled"


# -- results and failures ----------------------------------------------------------

def test_round_is_done_when_every_driver_has_exited():
    sup = supervisor()
    finish(sup, 0, OK)
    assert not sup.done
    finish(sup, 1, OK)
    assert sup.done and sup.ending is None
    assert [o.result for o in sup.outcomes()] == [OK, OK]


def test_a_failure_stops_the_others_when_cancel_is_allowed():
    sup = supervisor(job("a"), job("b"), job("c", has_cancel=False), stop_on_failure=True)
    actions = finish(sup, 0, FAILED, returncode=1)
    assert signals_sent(actions) == [(1, signal.SIGUSR1), (2, signal.SIGTERM)]
    assert sup.ending.reason == "failed"


def test_a_failure_waits_for_the_others_when_cancel_is_not_allowed():
    sup = supervisor(stop_on_failure=False)
    assert signals_sent(finish(sup, 0, FAILED, returncode=1)) == []
    assert sup.ending is None and not sup.done


def test_a_stdout_line_that_is_not_json_is_a_failure_at_once():
    sup = supervisor()
    actions = sup.handle(Output(0, "stdout", b"Traceback (most recent call last):\n"), 1.0)
    assert signals_sent(actions) == [(0, signal.SIGUSR1), (1, signal.SIGUSR1)]


def test_the_info_round_judges_exits_only_afterwards():
    sup = supervisor(stop_on_failure=True, judge_exits=False)
    assert signals_sent(finish(sup, 0, None, returncode=1)) == []


def test_stderr_is_relayed_with_the_drivers_name():
    sup = supervisor()
    assert sup.handle(Output(1, "stderr", b"one\ntw"), 1.0) == [Relay(b"[b] one\n")]
    assert sup.handle(Closed(1, "stderr"), 1.0) == [Relay(b"[b] tw\n")]


# -- the stop sequence ----------------------------------------------------------

def test_stop_sends_sigusr1_to_drivers_with_cancel_and_sigterm_to_the_others():
    sup = supervisor(job("can"), job("cannot", has_cancel=False))
    actions = sup.handle(Signalled(signal.SIGUSR1), 1.0)
    assert signals_sent(actions) == [(0, signal.SIGUSR1), (1, signal.SIGTERM)]


def test_a_driver_that_ignores_its_signal_is_killed_after_cleanup_grace_period():
    sup = supervisor(cleanup_grace_period=10.0)
    sup.handle(Signalled(signal.SIGUSR1), 1.0)
    assert sup.wake_at == 11.0
    assert kills(sup.handle(Tick(), 10.99)) == []
    assert kills(sup.handle(Tick(), 11.0)) == [0, 1]


def test_a_stopped_driver_that_exits_has_its_group_killed_and_no_kill_later():
    sup = supervisor(cleanup_grace_period=10.0)
    sup.handle(Signalled(signal.SIGUSR1), 1.0)
    assert kills(finish(sup, 0, None, returncode=3, now=2.0)) == [0]
    assert kills(sup.handle(Tick(), 11.0)) == [1]


def test_a_driver_that_finishes_normally_keeps_its_children():
    sup = supervisor()
    assert kills(finish(sup, 0, OK)) == []


def test_a_second_signal_kills_at_once():
    sup = supervisor(cleanup_grace_period=300.0)
    sup.handle(Signalled(signal.SIGTERM), 1.0)
    actions = sup.handle(Signalled(signal.SIGTERM), 2.0)
    assert kills(actions) == [0, 1]
    assert signals_sent(actions) == []


def test_each_driver_is_signalled_once_whatever_stops_it():
    sup = supervisor(deadline=5.0)
    first = sup.handle(Signalled(signal.SIGUSR1), 1.0)
    again = sup.handle(Tick(), 5.0) + finish(sup, 0, FAILED, returncode=1, now=5.0)
    assert len(signals_sent(first)) == 2
    assert signals_sent(again) == []
    assert sup.ending.reason == "cancelled"


def test_stopped_drivers_are_not_failures_of_their_own():
    sup = supervisor()
    sup.handle(Signalled(signal.SIGUSR1), 1.0)
    finish(sup, 0, FAILED, returncode=3)
    finish(sup, 1, None, returncode=-9)
    assert all(o.stopped and o.problem is None for o in sup.outcomes())


# -- deadline and hung drivers -----------------------------------------------------

def test_the_deadline_stops_every_driver_and_names_those_still_running():
    sup = supervisor(job("a"), job("b"), job("c"), deadline=30.0)
    finish(sup, 1, OK, now=10.0)
    assert sup.wake_at == 30.0
    assert signals_sent(sup.handle(Tick(), 29.9)) == []
    actions = sup.handle(Tick(), 30.0)
    assert signals_sent(actions) == [(0, signal.SIGUSR1), (2, signal.SIGUSR1)]
    assert sup.ending.reason == "timeout"
    assert sup.ending.running == ["a", "c"]


def test_no_deadline_means_no_wake_up():
    sup = supervisor()
    assert sup.wake_at is None


def test_a_driver_silent_for_io_limit_is_hung_and_stopped_even_without_cancel():
    sup = supervisor(stop_on_failure=False, io_limit=9.0)
    sup.handle(Output(1, "stdout", line({"progress": 5})), 4.0)
    actions = sup.handle(Tick(), 9.0)
    assert signals_sent(actions) == [(0, signal.SIGUSR1)]
    assert "hung: printed nothing on stdout for more than 9 s" in sup.children[0].problem
    assert sup.wake_at == 13.0          # b spoke at 4: its turn comes at 13
    assert signals_sent(sup.handle(Tick(), 13.0)) == [(1, signal.SIGUSR1)]


def test_a_hung_driver_stops_the_others_when_cancel_is_allowed():
    sup = supervisor(stop_on_failure=True, io_limit=9.0)
    sup.handle(Output(1, "stdout", line({"progress": 5})), 4.0)
    actions = sup.handle(Tick(), 9.0)
    assert signals_sent(actions) == [(0, signal.SIGUSR1), (1, signal.SIGUSR1)]


def test_stderr_does_not_count_as_a_sign_of_life():
    # b speaks on stdout, a only on stderr, and a failure stops no one:
    # exactly a is hung at 9.
    sup = supervisor(io_limit=9.0, stop_on_failure=False)
    sup.handle(Output(0, "stderr", b"still here\n"), 8.0)
    sup.handle(Output(1, "stdout", line({"progress": 5})), 8.0)
    assert signals_sent(sup.handle(Tick(), 9.0)) == [(0, signal.SIGUSR1)]
    assert sup.children[0].problem == \
        "hung: printed nothing on stdout for more than 9 s (OPTUNE_IO_TIMEOUT - 1)"


@pytest.mark.parametrize("text, limit, heartbeat", [
    ("", None, HEARTBEAT), ("0", None, HEARTBEAT), ("30", 29.0, 15.0),
    ("120", 119.0, HEARTBEAT), ("2", 1.0, 1.0), (" 7 ", 6.0, 3.5),
])
def test_optune_io_timeout_gives_the_hung_limit_and_the_heartbeat(text, limit, heartbeat):
    assert io_timeout(text)[:2] == (limit, heartbeat)


def test_an_optune_io_timeout_that_is_not_a_number_is_ignored_with_a_warning():
    limit, heartbeat, warnings = io_timeout("soon")
    assert (limit, heartbeat) == (None, HEARTBEAT)
    assert "OPTUNE_IO_TIMEOUT" in warnings[0]


# -- progress and heartbeats ---------------------------------------------------------

def progress_lines(actions):
    return [a.line for a in actions if isinstance(a, Emit)]


def measuring(heartbeat=30.0, interval=0.0):
    """A measure round of a and b whose agent reads every line at once."""
    return supervisor(reporter=Reporter(["a", "b"], Pacer(interval, heartbeat, 0.0)))


def said(sup, driver, value, now, message="m"):
    """A driver's progress line; the progress lines magg emits for it."""
    return progress_lines(sup.handle(
        Output(driver, "stdout", line({"progress": value, "message": message})), now))


def read_at(sup, now):
    """The agent has read the last line at `now`: what magg emits next."""
    return progress_lines(sup.handle(ReaderIdle(), now))


def test_progress_is_the_minimum_over_drivers_and_never_goes_down():
    sup = measuring()
    lines = []
    for driver, value in [(0, 50), (1, 20), (1, 70), (0, 10), (0, 90)]:
        lines += said(sup, driver, value, 1.0)
        lines += read_at(sup, 1.0)
    assert [p["progress"] for p in lines] == [0, 20, 50, 50, 70]
    assert lines[0]["message"] == "a: m"


def test_a_finished_driver_counts_as_100():
    sup = measuring()
    said(sup, 1, 40, 1.0, "warm")
    read_at(sup, 1.0)
    lines = progress_lines(finish(sup, 0, OK, now=2.0))
    assert lines[-1] == {"progress": 40, "message": "a: finished"}


def test_a_heartbeat_follows_heartbeat_seconds_of_quiet():
    sup = measuring(heartbeat=30.0)
    assert sup.handle(ReaderIdle(), 0.0) == []
    assert sup.wake_at == 30.0
    assert progress_lines(sup.handle(Tick(), 29.0)) == []
    assert progress_lines(sup.handle(Tick(), 30.0)) == [
        {"progress": 0, "message": "magg: 2 of 2 drivers still running"}]
    assert sup.wake_at is None          # the agent has not read it yet
    read_at(sup, 31.0)
    assert sup.wake_at == 60.0


def test_a_progress_line_puts_the_next_heartbeat_off():
    sup = measuring(heartbeat=30.0)
    said(sup, 0, 10, 20.0)
    read_at(sup, 20.5)
    assert sup.wake_at == 50.0
    assert progress_lines(sup.handle(Tick(), 30.0)) == []


def test_progress_that_is_not_a_number_keeps_the_percent_and_passes_the_message():
    sup = measuring()
    lines = progress_lines(sup.handle(
        Output(0, "stdout", line({"progress": "soon", "message": "warming"})), 1.0))
    assert lines == [{"progress": 0, "message": "a: warming"}]


def on_the_view(sup, now=5.0):
    """(percent, message) of each driver as the terminal view shows it."""
    return [(row.percent, row.message) for row in snapshot(sup, now)[1]]


def test_the_view_keeps_a_drivers_last_percent_and_last_message_across_its_lines():
    sup = measuring()
    said(sup, 1, 30, 1.0, "warming")
    said(sup, 0, 40, 1.0, "querying")
    sup.handle(Output(0, "stdout", line({"progress": 60})), 2.0)
    sup.handle(Output(1, "stdout", line({"progress": "soon", "message": "attacking"})), 2.0)
    assert on_the_view(sup) == [(60, "querying"), (30, "attacking")]


# -- pacing: the agent's speed and progress_interval ------------------------------------

def test_no_second_line_goes_out_before_the_agent_read_the_first():
    sup = measuring()
    assert said(sup, 0, 10, 1.0) != []
    assert said(sup, 1, 20, 2.0) == []
    assert said(sup, 0, 30, 3.0) == []
    assert sup.wake_at is None
    assert read_at(sup, 9.0) == [{"progress": 20, "message": "b: m; a: m"}]


def test_while_the_agent_lags_newer_progress_replaces_the_pending_line():
    sup = measuring()
    said(sup, 0, 10, 1.0, "one")
    said(sup, 0, 20, 2.0, "two")
    said(sup, 0, 30, 3.0, "three")
    assert read_at(sup, 4.0) == [{"progress": 0, "message": "a: three"}]


def test_at_most_one_line_per_progress_interval_the_first_change_at_once():
    sup = measuring(interval=1.0)
    assert [p["message"] for p in said(sup, 0, 10, 5.0, "first")] == ["a: first"]
    read_at(sup, 5.01)
    assert said(sup, 1, 10, 5.2, "soon") == []
    assert said(sup, 0, 20, 5.4, "later") == []
    assert sup.wake_at == 6.0
    assert progress_lines(sup.handle(Tick(), 5.99)) == []
    assert progress_lines(sup.handle(Tick(), 6.0)) == [
        {"progress": 10, "message": "b: soon; a: later"}]


def test_a_change_after_a_quiet_spell_goes_out_at_once():
    sup = measuring(interval=1.0)
    said(sup, 0, 10, 5.0)
    read_at(sup, 5.1)
    assert said(sup, 0, 20, 9.0) != []


def test_a_merged_message_is_bounded_in_length():
    sup = supervisor(*[job("driver%03d" % i) for i in range(300)],
                     reporter=Reporter(["driver%03d" % i for i in range(300)],
                                       Pacer(1.0, 30.0, 0.0)))
    said(sup, 0, 1, 1.0)
    read_at(sup, 1.1)
    for driver in range(300):
        said(sup, driver, 5, 1.5, "x" * 50)
    (merged,) = progress_lines(sup.handle(Tick(), 2.0))
    assert len(merged["message"]) <= 1024
    assert merged["message"].startswith("driver000: ")


def test_a_heartbeat_is_due_even_while_progress_interval_is_longer():
    sup = supervisor(reporter=Reporter(["a", "b"], Pacer(100.0, 30.0, 0.0)))
    said(sup, 0, 10, 1.0)
    read_at(sup, 1.0)
    said(sup, 0, 20, 2.0)
    assert sup.wake_at == 31.0
    assert progress_lines(sup.handle(Tick(), 31.0)) == [{"progress": 0, "message": "a: m"}]


def test_the_pace_spans_rounds_an_unread_heartbeat_holds_the_first_progress():
    pacer = Pacer(0.0, 30.0, 0.0)
    query = supervisor(reporter=Reporter(["a", "a"], pacer, track=False))
    assert progress_lines(query.handle(Tick(), 30.0)) != []
    measure = supervisor(reporter=Reporter(["a", "b"], pacer))
    assert said(measure, 0, 10, 31.0) == []
    assert read_at(measure, 32.0) == [{"progress": 0, "message": "a: m"}]


# -- magg's own stdout and stderr ------------------------------------------------------

def test_when_nobody_reads_stdout_any_more_every_driver_is_stopped():
    sup = supervisor(job("a"), job("b", has_cancel=False))
    actions = sup.handle(ReaderGone("stdout"), 1.0)
    assert signals_sent(actions) == [(0, signal.SIGUSR1), (1, signal.SIGTERM)]
    assert sup.ending.reason == "agent-gone"


def test_when_nobody_reads_stderr_drivers_go_on_and_nothing_is_relayed():
    sup = supervisor()
    assert sup.handle(ReaderGone("stderr"), 1.0) == []
    assert sup.handle(Output(0, "stderr", b"log\n"), 2.0) == []
    assert sup.ending is None


def test_while_magg_stderr_is_backlogged_running_drivers_stderr_is_not_read():
    sup = supervisor()
    assert sup.handle(StderrPending(BACKLOG_HIGH - 1), 1.0) == []
    assert sup.handle(StderrPending(BACKLOG_HIGH), 1.0) == [Pause(0), Pause(1)]
    assert sup.handle(StderrPending(BACKLOG_LOW + 1), 1.5) == []
    assert sup.handle(StderrPending(BACKLOG_LOW), 2.0) == [Resume(0), Resume(1)]


def test_a_driver_started_while_backlogged_starts_unread():
    rules = Round([job("a")], None, True, True)
    sup = Supervisor(rules, Settings())
    sup.handle(StderrPending(BACKLOG_HIGH), 0.0)
    (spawn,) = sup.handle(CanSpawn(), 0.0)
    assert sup.handle(Started(spawn.run), 0.0) == [Pause(0)]


def test_a_stopped_driver_has_its_stderr_read_again():
    sup = supervisor()
    sup.handle(StderrPending(BACKLOG_HIGH), 1.0)
    actions = sup.handle(Signalled(signal.SIGUSR1), 1.0)
    assert [a for a in actions if isinstance(a, Resume)] == [Resume(0), Resume(1)]
    assert sup.handle(StderrPending(0), 2.0) == []     # nothing left paused


def test_while_stderr_is_backlogged_a_stopped_drivers_stderr_is_dropped_and_counted():
    sup = supervisor()
    sup.handle(StderrPending(BACKLOG_HIGH), 1.0)
    sup.handle(Signalled(signal.SIGUSR1), 1.0)
    assert sup.handle(Output(0, "stderr", b"x" * 5000 + b"\n"), 2.0) == []
    notes = [a.data for a in finish(sup, 0, None, returncode=3, now=3.0)
             if isinstance(a, Relay)]
    assert any(b"5001 bytes of a's stderr dropped while stopping it" in n for n in notes)
    assert sup.outcomes()[0].stderr_tail.endswith(b"x\n")


def test_a_running_drivers_stderr_is_relayed_even_while_backlogged():
    sup = supervisor()
    sup.handle(StderrPending(BACKLOG_HIGH), 1.0)
    assert sup.handle(Output(0, "stderr", b"late\n"), 2.0) == [Relay(b"[a] late\n")]


def test_stderr_past_stderr_limit_is_not_relayed_and_a_line_says_how_much():
    sup = supervisor(stderr_limit=10)
    relayed = sup.handle(Output(0, "stderr", b"0123456789abcdef\n"), 1.0)
    relayed += sup.handle(Closed(0, "stderr"), 1.0)
    text = b"".join(a.data for a in relayed if isinstance(a, Relay))
    assert text.startswith(b"[a] 0123456789\n")
    assert b"7 bytes of a's stderr not shown: magg.stderr_limit is 10 bytes" in text


def test_an_absurdly_short_optune_io_timeout_has_a_floor():
    limit, heartbeat, _ = io_timeout("5e-324")
    assert limit >= 0.05 and heartbeat >= 0.05


def test_optune_io_timeout_reaches_the_sessions_pace(tmp_path):
    from app.commands import Session
    from app.config import load_settings
    settings = load_settings({"OPTUNE_IO_TIMEOUT": "4"}, str(tmp_path / "config.yaml"))
    session = Session(settings, [], None, None, clock=lambda: 100.0)
    reporter = session.reporter(["a"], track=True)
    assert (settings.io_limit, reporter.pacer.heartbeat) == (3.0, 2.0)
    assert reporter.wake_at == 102.0


def test_stderr_dropped_while_backlogged_neither_counts_against_the_limit_nor_leaks_later():
    sup = supervisor(stderr_limit=11)
    sup.handle(StderrPending(BACKLOG_HIGH), 1.0)
    sup.handle(Signalled(signal.SIGUSR1), 1.0)
    sup.handle(Output(0, "stderr", b"dropped, half a li"), 2.0)
    sup.handle(StderrPending(0), 2.5)
    relayed = sup.handle(Output(0, "stderr", b"0123456789\n"), 3.0)
    relayed += sup.handle(Closed(0, "stderr"), 3.0)
    text = b"".join(a.data for a in relayed if isinstance(a, Relay))
    assert text == b"[a] 0123456789\n"
    assert sup.children[0].relay.tail().startswith(b"dropped, half a li")


# -- a failure the round may not stop on ------------------------------------------------

ABORTED = {"status": "aborted", "reason": "slo-violation", "message": "p99 over the SLO"}


def test_a_failed_driver_is_never_called_finished():
    sup = measuring()
    lines = progress_lines(finish(sup, 0, ABORTED, returncode=1))
    assert lines[-1]["message"] == "a: failed (aborted: slo-violation)"
    read_at(sup, 1.5)
    lines = progress_lines(finish(sup, 1, FAILED, returncode=1, now=2.0))
    assert lines[-1]["message"] == "b: stopped"     # stopped because a failed


def test_a_driver_stopped_by_magg_is_called_stopped():
    sup = measuring()
    sup.handle(Signalled(signal.SIGUSR1), 1.0)
    lines = progress_lines(finish(sup, 0, FAILED, returncode=3, now=2.0))
    assert lines[-1]["message"] == "a: stopped"


def test_while_magg_waits_after_a_failure_every_line_says_who_failed_and_who_is_waited_for():
    sup = supervisor(job("newrelic"), job("hey", has_cancel=False), job("prom"),
                     stop_on_failure=False,
                     reporter=Reporter(["newrelic", "hey", "prom"], Pacer(0.0, 30.0, 0.0)))
    (line,) = progress_lines(finish(sup, 0, ABORTED, returncode=1))
    waiting = ("newrelic failed (aborted: slo-violation); waiting for hey, prom to finish "
               "(hey cannot cancel)")
    assert line["message"] == waiting + "; newrelic: failed (aborted: slo-violation)"
    read_at(sup, 1.1)
    (line,) = progress_lines(finish(sup, 2, OK, now=2.0))
    assert line["message"] == ("newrelic failed (aborted: slo-violation); waiting for hey to "
                               "finish (hey cannot cancel); prom: finished")
    read_at(sup, 2.1)
    assert progress_lines(sup.handle(Tick(), 32.1)) == [
        {"progress": 0, "message": "newrelic failed (aborted: slo-violation); waiting for "
                                   "hey to finish (hey cannot cancel)"}]
    assert not sup.done and sup.ending is None


# -- orphans: daemons a driver left, re-parented to magg ---------------------------------

def test_a_stopped_round_stops_every_orphan_that_came_to_magg_and_waits_to_reap_it():
    sup = supervisor(cleanup_grace_period=10.0)
    assert FindOrphans() in sup.handle(Signalled(signal.SIGUSR1), 1.0)
    assert sup.handle(Orphans([700, 701]), 1.0) == [SignalOrphan(700, signal.SIGTERM),
                                                   SignalOrphan(701, signal.SIGTERM)]
    finish(sup, 0, None, returncode=3, now=2.0)
    actions = finish(sup, 1, None, returncode=3, now=2.0)
    assert FindOrphans() in actions         # a driver's exit hands its children over
    assert sup.handle(Orphans([700, 701, 702]), 2.0) == [SignalOrphan(702, signal.SIGTERM)]
    assert sup.handle(Reaped(700), 3.0) == [KillOrphan(700), FindOrphans()]
    assert sup.handle(Orphans([701, 702]), 3.0) == []
    assert not sup.done                     # 701 and 702 still to be reaped
    assert sup.wake_at == 11.0
    assert sup.handle(Tick(), 11.0) == [KillOrphan(701)]
    assert sup.handle(Tick(), 12.0) == [KillOrphan(702)]
    sup.handle(Reaped(701), 12.1)
    sup.handle(Reaped(702), 12.2)
    sup.handle(Orphans([]), 12.2)
    assert sup.done


def test_a_round_that_ends_normally_leaves_orphans_alone():
    sup = supervisor()
    actions = finish(sup, 0, OK) + finish(sup, 1, OK)
    assert [a for a in actions if isinstance(a, (FindOrphans, SignalOrphan))] == []
    assert sup.handle(Orphans([700]), 2.0) == [] and sup.done
    assert sup.handle(Reaped(700), 3.0) == [] and sup.done     # reaped quietly


def test_a_second_signal_kills_orphans_at_once_too():
    sup = supervisor()
    sup.handle(Signalled(signal.SIGTERM), 1.0)
    sup.handle(Orphans([700]), 1.0)
    assert KillOrphan(700) in sup.handle(Signalled(signal.SIGTERM), 2.0)
