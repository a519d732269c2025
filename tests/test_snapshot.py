"""What the terminal view shows of each driver, read from a scripted measure round.

No process and no terminal: the supervisor gets events with made-up times,
as in test_supervise.py, and snapshot() is asked what a person would see.
"""

import json
import signal

from app.events import CanSpawn, Closed, Exited, Output, Signalled, Started, Tick
from app.merge import Failure
from app.pacing import Pacer, Reporter
from app.rounds import Job, Round
from app.snapshot import reason, snapshot
from app.supervise import Supervisor


class Settings(object):
    cleanup_grace_period = 300.0
    io_limit = None
    stderr_limit = 0


def measure_round(names=("prom", "vegeta"), io_limit=None, stop_on_failure=True,
                  start=True):
    jobs = [Job(name, ["./measure.d/" + name, "app1"], b"{}", True) for name in names]
    settings = Settings()
    settings.io_limit = io_limit
    sup = Supervisor(Round(jobs, None, stop_on_failure, True), settings,
                     Reporter(names, Pacer(1.0, 30.0, 0.0)))
    while start and sup.wants_to_start:
        for action in sup.handle(CanSpawn(), 0.0):
            sup.handle(Started(action.run), 0.0)
    return sup


def say(sup, run, obj, now):
    sup.handle(Output(run, "stdout", (json.dumps(obj) + "\n").encode()), now)


def end(sup, run, result, returncode, now):
    if result is not None:
        say(sup, run, result, now)
    for stream in ("stdout", "stderr"):
        sup.handle(Closed(run, stream), now)
    sup.handle(Exited(run, returncode), now)


def rows(sup, now):
    return {row.name: row for row in snapshot(sup, now)[1]}


def test_a_started_driver_is_starting_until_its_first_stdout_line():
    sup = measure_round()
    say(sup, 0, {"progress": 40, "message": "querying cpu"}, 2.0)
    shown = rows(sup, 3.5)
    assert shown["prom"][1:] == ("running", 40.0, 3.5, "querying cpu", None)
    assert shown["vegeta"][1:] == ("starting", None, 3.5, None, None)


def test_a_line_on_stderr_is_a_sign_of_life_too():
    sup = measure_round()
    sup.handle(Output(1, "stderr", b"connecting to prometheus\n"), 1.0)
    assert rows(sup, 1.0)["vegeta"].state == "running"


def test_a_driver_not_started_yet_is_starting_with_no_time():
    sup = measure_round(start=False)
    assert [(r.state, r.elapsed) for r in snapshot(sup, 1.0)[1]] == [("starting", None)] * 2


def test_the_time_shown_is_since_the_driver_started_not_since_the_round_began():
    sup = measure_round(start=False)
    for action in sup.handle(CanSpawn(), 1.0):
        sup.handle(Started(action.run), 1.5)
    assert [r.elapsed for r in snapshot(sup, 4.0)[1]] == [2.5, None]     # one at a time


def test_a_progress_line_without_a_message_keeps_the_last_message():
    sup = measure_round()
    say(sup, 0, {"progress": 10, "message": "warming up"}, 1.0)
    say(sup, 0, {"progress": 60}, 2.0)
    assert rows(sup, 2.0)["prom"][2:5:2] == (60.0, "warming up")


def test_a_result_first_is_running_too():
    sup = measure_round()
    say(sup, 1, {"status": "ok", "metrics": {}}, 1.0)
    assert rows(sup, 1.0)["vegeta"].state == "running"


def test_the_total_is_the_aggregate_progress():
    sup = measure_round()
    say(sup, 0, {"progress": 80}, 1.0)
    say(sup, 1, {"progress": 30}, 1.0)
    assert snapshot(sup, 1.0)[0] == 30.0


def test_a_clean_exit_is_done_with_its_time_frozen_and_no_stale_message():
    sup = measure_round()
    say(sup, 0, {"progress": 90, "message": "0.5 s left"}, 1.0)
    end(sup, 0, {"status": "ok", "metrics": {}}, 0, 2.5)
    assert rows(sup, 9.0)["prom"][1:] == ("done", 90.0, 2.5, None, None)


def test_a_failed_driver_says_its_status_and_reason_and_the_other_is_stopping():
    sup = measure_round()
    end(sup, 0, {"status": "aborted", "reason": "slo-violation", "message": "p99"}, 1, 2.0)
    shown = rows(sup, 2.0)
    assert shown["prom"][1] == "failed" and shown["prom"].reason == "aborted: slo-violation"
    assert shown["vegeta"].state == "stopping"
    end(sup, 1, {"status": "failed", "reason": "canceled"}, 3, 3.0)
    assert rows(sup, 3.0)["vegeta"].state == "stopped"


def test_a_failure_magg_found_says_what_it_found():
    sup = measure_round()
    end(sup, 0, None, 1, 2.0)
    assert rows(sup, 2.0)["prom"].reason.startswith("exit code 1")


def test_a_hung_driver_is_stopping_then_failed_with_why():
    sup = measure_round(names=("prom",), io_limit=5.0)
    sup.handle(Tick(), 5.0)
    assert rows(sup, 5.0)["prom"].state == "stopping"
    end(sup, 0, None, -signal.SIGUSR1, 6.0)
    shown = rows(sup, 6.0)["prom"]
    assert shown.state == "failed" and shown.reason.startswith("hung")


def test_drivers_stopped_by_a_cancel_are_stopped_not_failed():
    sup = measure_round()
    sup.handle(Signalled(signal.SIGINT), 1.0)
    assert {r.state for r in snapshot(sup, 1.0)[1]} == {"stopping"}
    for run in (0, 1):
        end(sup, run, {"status": "failed", "reason": "canceled"}, 3, 1.5)
    assert {(r.state, r.reason) for r in snapshot(sup, 1.5)[1]} == {("stopped", None)}


def test_reason_is_status_and_reason_or_else_the_message():
    assert reason(Failure("d", "aborted", "slo-violation", "p99")) == "aborted: slo-violation"
    assert reason(Failure("d", "rejected", "rejected", "x")) == "rejected"
    assert reason(Failure("d", "failed", "backend", "x")) == "failed: backend"
    assert reason(Failure("d", "failed", "failed", "hung: 5 s")) == "hung: 5 s"
    assert reason(Failure("d", "failed", "failed", None)) == "failed"
