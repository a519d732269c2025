"""More of the supervisor's rules as scripted histories (see test_supervise.py):
why a round ended, how long each run took, and what the progress lines say
while magg waits for drivers it may not stop."""

import signal

from app.events import (CanSpawn, Closed, Emit, Exited, FindOrphans, KillGroup, NotStarted,
                        Output, Pause, ReaderGone, ReaderIdle, Resume, Signal, Signalled, Spawn,
                        Started, StderrPending, Tick)
from app.merge import Failure
from app.pacing import Pacer, Reporter
from app.stderr import BACKLOG_HIGH, BACKLOG_LOW
from app.rounds import Ending, Round
from app.supervise import Supervisor
from test_supervise import OK, Settings, finish, job, line, supervisor

USR1 = signal.SIGUSR1


def test_each_way_a_round_ends_is_said_exactly():
    sup = supervisor()
    sup.handle(Signalled(signal.SIGTERM), 1.0)
    assert sup.ending == Ending("cancelled", signal.SIGTERM, [])
    sup = supervisor()
    sup.handle(ReaderGone("stdout"), 1.0)
    assert sup.ending == Ending("agent-gone", None, [])
    sup = supervisor()
    sup.handle(Output(0, "stdout", b"nope\n"), 1.0)
    assert sup.ending == Ending("failed", None, [])
    assert sup.failures == {0: Failure(
        "a", "failed", "failed", "printed a stdout line that is not a JSON object: 'nope'")}
    sup = supervisor(deadline=5.0)
    assert sup.handle(Tick(), 5.0) == [Signal(0, USR1), Signal(1, USR1), FindOrphans()]
    assert sup.ending == Ending("timeout", None, ["a", "b"])


def test_each_run_takes_from_its_start_to_its_exit_and_one_never_started_took_nothing():
    sup = Supervisor(Round([job("a"), job("b"), job("c")], None, True, True), Settings())
    assert sup.handle(CanSpawn(), 1.0) == [Spawn(0, ["./measure.d/a", "app1"], b"{}", True)]
    assert sup.handle(Started(0), 1.5) == []
    sup.handle(CanSpawn(), 2.0)
    assert sup.handle(NotStarted(1, "ENOENT"), 2.0) == [Signal(0, USR1), FindOrphans()]
    assert finish(sup, 0, OK, now=4.0) == [KillGroup(0), FindOrphans()]
    assert [(o.name, o.seconds, o.problem, o.stopped, o.returncode) for o in sup.outcomes()] == [
        ("a", 2.5, None, True, 0),
        ("b", None, "cannot start ./measure.d/b: ENOENT", False, None),
        ("c", None, None, True, None)]


def reporting(**kw):
    return supervisor(stop_on_failure=False,
                      reporter=Reporter(["a", "b"], Pacer(0.0, 30.0, 0.0)), **kw)


def test_while_magg_waits_for_drivers_it_may_not_stop_every_line_says_who_failed():
    sup = reporting()
    assert sup.handle(Output(0, "stdout", b"nope\n"), 1.0) == [
        Emit({"progress": 0, "message": "a failed; waiting for a, b to finish"})]
    assert sup.handle(ReaderIdle(), 1.1) == []
    assert sup.handle(Output(1, "stdout", line({"progress": 40, "message": "warm"})), 2.0) == [
        Emit({"progress": 0, "message": "a failed; waiting for a, b to finish; b: warm"})]
    assert finish(sup, 0, None, 1, now=3.0) == []
    assert sup.handle(ReaderIdle(), 3.1) == [
        Emit({"progress": 40, "message": "a failed; waiting for b to finish; a: failed"})]


def test_a_hung_driver_is_stopped_and_said_at_once_even_when_the_others_run_on():
    sup = reporting(io_limit=9.0)
    sup.handle(Output(1, "stdout", line({"progress": 5})), 8.0)
    sup.handle(ReaderIdle(), 8.0)
    assert sup.handle(Tick(), 9.0) == [
        Signal(0, USR1), Emit({"progress": 0, "message": "a failed; waiting for b to finish"})]
    assert sup.failures == {0: Failure("a", "failed", "failed", "hung: printed nothing on "
                                       "stdout for more than 9 s (OPTUNE_IO_TIMEOUT - 1)")}


def test_a_driver_being_stopped_is_never_called_hung():
    sup = supervisor(io_limit=9.0)
    sup.handle(Signalled(signal.SIGTERM), 1.0)
    assert sup.handle(Tick(), 9.0) == []
    assert [c.problem for c in sup.children] == [None, None]
    assert sup.handle(Tick(), 301.0) == [KillGroup(0), KillGroup(1)]


def test_a_tick_sends_every_due_kill_and_the_heartbeat_together():
    sup = supervisor(cleanup_grace_period=5.0,
                     reporter=Reporter(["a", "b"], Pacer(0.0, 5.0, 0.0)))
    sup.handle(Signalled(signal.SIGTERM), 1.0)
    assert sup.handle(Tick(), 6.0) == [
        KillGroup(0), KillGroup(1),
        Emit({"progress": 0, "message": "magg: 2 of 2 drivers still running"})]


# -- the reporter on its own --------------------------------------------------------

def test_a_merged_line_names_the_drivers_in_the_order_they_last_spoke():
    reporter = Reporter(["a", "b"], Pacer(0.0, 30.0, 0.0))
    assert reporter.driver_progress("a", 1, "x", 0.0) == [{"progress": 0, "message": "a: x"}]
    assert reporter.driver_progress("b", 2, "y", 1.0) == []         # a line is unread
    assert reporter.driver_progress("a", 3, "z", 2.0) == []
    assert reporter.driver_progress("b", 4, "w", 2.5) == []
    assert reporter.reader_idle(3.0, 2, 2) == [{"progress": 3, "message": "a: z; b: w"}]


def test_when_the_reader_catches_up_and_nothing_changed_a_heartbeat_counts_the_runs():
    reporter = Reporter(["a", "b", "c"], Pacer(0.0, 5.0, 0.0))
    reporter.driver_progress("a", 1, "x", 0.0)
    assert reporter.reader_idle(10.0, 2, 3) == [
        {"progress": 0, "message": "magg: 2 of 3 drivers still running"}]


def test_a_round_that_does_not_track_progress_takes_no_standing_message():
    reporter = Reporter(["a"], Pacer(0.0, 5.0, 0.0), track=False)
    reporter.note("a failed; waiting for b to finish")
    assert reporter.due(1.0, 1, 1) == []
    assert reporter.due(5.0, 1, 1) == [
        {"progress": 0, "message": "magg: 1 of 1 drivers still running"}]


# -- closing and exiting ----------------------------------------------------------------

def test_a_result_without_a_final_newline_counts_once_stdout_closes():
    sup = supervisor()
    sup.handle(Output(0, "stdout", b'{"status": "ok", "metrics": {"x": 1}}'), 1.0)
    sup.handle(Closed(0, "stdout"), 1.0)
    sup.handle(Closed(0, "stderr"), 1.0)
    sup.handle(Exited(0, 0), 1.0)
    assert sup.outcomes()[0].result == {"status": "ok", "metrics": {"x": 1}}


def test_a_paused_run_whose_stderr_closed_is_not_resumed():
    sup = supervisor()
    assert sup.handle(StderrPending(BACKLOG_HIGH), 1.0) == [Pause(0), Pause(1)]
    assert sup.handle(Closed(0, "stderr"), 1.0) == []
    assert sup.handle(StderrPending(BACKLOG_LOW), 2.0) == [Resume(1)]


def test_a_run_that_exited_is_no_longer_watched_for_silence():
    sup = supervisor(io_limit=9.0)
    sup.handle(Output(0, "stdout", line(OK)), 2.0)
    sup.handle(Output(1, "stdout", line({"progress": 5})), 4.0)
    assert sup.wake_at == 11.0
    finish(sup, 0, now=5.0)     # its result came at 2: its silence would end at 11
    assert sup.wake_at == 13.0


def test_a_heartbeat_when_the_agent_catches_up_counts_the_runs():
    sup = supervisor(reporter=Reporter(["a", "b"], Pacer(0.0, 5.0, 0.0)))
    sup.handle(Output(0, "stdout", line({"progress": 5, "message": "m"})), 1.0)
    finish(sup, 0, OK, now=2.0)
    assert sup.handle(ReaderIdle(), 10.0) == [
        Emit({"progress": 0, "message": "a: finished"})]
    assert sup.handle(ReaderIdle(), 20.0) == [
        Emit({"progress": 0, "message": "magg: 1 of 2 drivers still running"})]


def test_a_stdout_line_cut_off_by_close_is_a_failure_that_stops_the_others_then():
    sup = supervisor(cleanup_grace_period=10.0)
    assert sup.handle(Output(0, "stdout", b"nope"), 1.0) == []
    assert sup.handle(Closed(0, "stdout"), 2.0) == [Signal(0, USR1), Signal(1, USR1),
                                                    FindOrphans()]
    assert sup.wake_at == 12.0          # their SIGKILL: the grace from the close
    assert sup.ending == Ending("failed", None, [])


def test_a_first_signal_does_not_hurry_a_hung_driver_already_being_stopped():
    sup = supervisor(stop_on_failure=False, io_limit=9.0, cleanup_grace_period=5.0)
    sup.handle(Output(1, "stdout", line({"progress": 5})), 8.0)
    assert sup.handle(Tick(), 9.0) == [Signal(0, USR1)]
    assert sup.handle(Signalled(signal.SIGTERM), 10.0) == [Signal(1, USR1), FindOrphans()]
    assert sup.wake_at == 14.0          # a's SIGKILL still comes after its grace
    assert sup.handle(Signalled(signal.SIGTERM), 11.0) == [KillGroup(0), KillGroup(1)]


def test_the_deadline_names_a_hung_driver_still_being_stopped_as_running():
    sup = supervisor(stop_on_failure=False, io_limit=9.0, deadline=10.0)
    sup.handle(Output(1, "stdout", line({"progress": 5})), 8.0)
    sup.handle(Tick(), 9.0)
    assert sup.handle(Tick(), 10.0) == [Signal(1, USR1), FindOrphans()]
    assert sup.ending == Ending("timeout", None, ["a", "b"])


def test_the_waiting_line_names_drivers_not_started_yet():
    sup = Supervisor(Round([job("a"), job("b"), job("c", has_cancel=False)], None, False, True),
                     Settings(), Reporter(["a", "b", "c"], Pacer(0.0, 30.0, 0.0)))
    sup.handle(CanSpawn(), 0.0)
    sup.handle(Started(0), 0.0)
    assert sup.handle(Output(0, "stdout", b"nope\n"), 1.0) == [Emit({
        "progress": 0, "message": "a failed; waiting for a, b, c to finish (c cannot cancel)"})]


def test_a_driver_stopped_before_its_turn_is_said_stopped_at_that_moment():
    sup = Supervisor(Round([job("a"), job("b")], None, True, True), Settings(),
                     Reporter(["a", "b"], Pacer(0.0, 30.0, 0.0)))
    sup.handle(CanSpawn(), 0.0)
    sup.handle(Started(0), 0.0)
    assert sup.handle(Signalled(signal.SIGTERM), 2.0) == [
        Signal(0, USR1), FindOrphans(), Emit({"progress": 0, "message": "b: stopped"})]
    sup.handle(ReaderIdle(), 2.5)
    assert sup.wake_at == 32.0          # the next heartbeat: 30 s after that line


def test_a_heartbeat_due_when_a_driver_fails_in_the_info_round_counts_the_runs():
    sup = supervisor(stop_on_failure=False, judge_exits=False,
                     reporter=Reporter(["a", "b"], Pacer(0.0, 5.0, 0.0), track=False))
    finish(sup, 1, OK, now=1.0)
    assert sup.handle(Output(0, "stdout", b"nope\n"), 6.0) == [
        Emit({"progress": 0, "message": "magg: 1 of 2 drivers still running"})]
