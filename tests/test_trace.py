"""MAGG_TRACE: a run written down replays, without processes, to the same actions.

The recorded traces in tests/traces/ (made by tests/traces/record.py from
the scenarios in trace_scenarios.py) replay as unit tests; the same
scenarios, and the demo, are also recorded live here and replayed.
"""

import json
import os
import signal
import subprocess
import sys

import pytest

from app import events
from app.config import DEFAULTS, HEARTBEAT, Settings
from app.pacing import Pacer, Reporter
from app.rounds import Job, Round
from app.supervise import Supervisor
from app.trace import LIMIT, decode, describe_round, encode
from fakedriver import write_driver
from replay import read_rounds, replay, supervisor
from trace_scenarios import SCENARIOS

TRACES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "traces")
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def endings(path):
    """The Ending of each round of a trace, replayed."""
    found = []
    for header, steps in read_rounds(path):
        sup = supervisor(header)
        for now, event, _ in steps:
            sup.handle(event, now)
        found.append((sup.done, sup.ending and sup.ending.reason))
    return found


# -- the format ---------------------------------------------------------------------

SAMPLES = {
    "CanSpawn": (), "Started": (0,), "NotStarted": (1, "No such file"),
    "Output": (2, "stdout", b"\x00\xff{\"progress\": 5}\n"), "Closed": (0, "stderr"),
    "Exited": (3, -9), "Signalled": (10,), "Tick": (), "ReaderIdle": (),
    "ReaderGone": ("stdout",), "StderrPending": (262144,),
    "Spawn": (0, ["measure.d/a", "app1"], b'{"control": {}}', True), "Signal": (1, 15),
    "KillGroup": (1,), "Emit": ({"progress": 5.5, "message": "a: \u00e9"},),
    "Relay": (b"[a] \xc3\xa9\n",), "Pause": (4,), "Resume": (4,),
    "Orphans": ([700, 701],), "Reaped": (700,), "FindOrphans": (),
    "SignalOrphan": (701, 15), "KillOrphan": (701,),
}


@pytest.mark.parametrize("kind", events.EVENTS + events.ACTIONS, ids=lambda k: k.__name__)
def test_every_event_and_action_survives_the_trace_format(kind):
    record = kind(*SAMPLES[kind.__name__])
    line = json.dumps(encode(record))
    again = decode(json.loads(line))
    assert again == record and type(again) is kind


def test_a_round_line_names_the_reporters_drivers_and_the_pace_the_last_round_left():
    pacer = Pacer(1.0, 30.0, 0.0)
    jobs = [Job(name, ["./measure.d/" + name, "app1"], b"{}", True) for name in ("a", "b")]
    settings = Settings(*DEFAULTS, io_limit=None, heartbeat=HEARTBEAT, warnings=())
    query = Supervisor(Round(jobs, None, True, False), settings,
                       Reporter(["a", "b"], pacer, track=False))
    assert describe_round(query)["reporter"] == {
        "names": ["a", "b"], "track": False,
        "pacer": {"interval": 1.0, "heartbeat": 30.0, "ready": True, "last": 0.0,
                  "sent_any": False}}
    assert [type(a) for a in query.handle(events.Tick(), 30.0)] == [events.Emit]  # a heartbeat
    measure = Supervisor(Round(jobs, None, True, True), settings, Reporter(["a", "b"], pacer))
    assert describe_round(measure)["reporter"] == {
        "names": ["a", "b"], "track": True,
        "pacer": {"interval": 1.0, "heartbeat": 30.0, "ready": False, "last": 30.0,
                  "sent_any": True}}


# -- recorded traces, replayed without a process ---------------------------------------

def test_a_recorded_cancel_replays_to_the_same_actions():
    path = os.path.join(TRACES, "cancel.trace")
    assert replay(path) == []
    assert endings(path)[-1] == (True, "cancelled")
    (_, steps) = read_rounds(path)[-1]
    sent = [a for _, e, actions in steps if isinstance(e, events.Signalled) for a in actions]
    assert sorted((a.run, a.signum) for a in sent if isinstance(a, events.Signal)) == [
        (0, signal.SIGUSR1), (1, signal.SIGTERM)]


def test_a_recorded_deadline_with_a_hung_driver_replays_to_the_same_actions():
    path = os.path.join(TRACES, "deadline-hung.trace")
    assert replay(path) == []
    assert endings(path)[-1] == (True, "timeout")
    (_, steps) = read_rounds(path)[-1]
    acted = [a for _, e, actions in steps if isinstance(e, events.Tick) for a in actions
             if not isinstance(a, events.Emit)]
    assert acted == [events.Signal(1, signal.SIGUSR1), events.FindOrphans(),  # the deadline
                     events.KillGroup(1)]


def test_a_recorded_agent_gone_replays_to_the_same_actions():
    path = os.path.join(TRACES, "agent-gone.trace")
    assert replay(path) == []
    assert endings(path)[-1] == (True, "agent-gone")


def test_a_changed_decision_shows_in_the_replay(tmp_path):
    """The replay is a real check: a trace whose recorded actions differ fails it."""
    lines = open(os.path.join(TRACES, "cancel.trace")).read().splitlines()
    changed = []
    for text in lines:
        line = json.loads(text)
        if line.get("event", [None])[0] == "Signalled":
            line["actions"] = [["Signal", 0, signal.SIGTERM]] + line["actions"][1:]
        changed.append(json.dumps(line))
    (tmp_path / "changed.trace").write_text("\n".join(changed) + "\n")
    (difference,) = replay(str(tmp_path / "changed.trace"))
    assert isinstance(difference[2], events.Signalled)


# -- recorded live, replayed --------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_a_live_run_replays_to_the_same_actions(name, tmp_path, magg):
    seen, trace = SCENARIOS[name](tmp_path, magg)
    ending = {"cancel": "cancelled", "deadline-hung": "timeout", "agent-gone": "agent-gone"}
    assert replay(str(trace)) == []
    assert endings(str(trace))[-1] == (True, ending[name])


def test_the_demo_replays_to_the_same_actions(tmp_path):
    trace = tmp_path / "demo.trace"
    env = dict(os.environ, MAGG_TRACE=str(trace))
    proc = subprocess.run([sys.executable, os.path.join(ROOT, "examples", "demo.py"),
                           "--source"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          universal_newlines=True, timeout=120, env=env)
    assert proc.returncode == 0, proc.stdout
    runs = [json.loads(line) for line in trace.read_text().splitlines()
            if line.startswith('{"magg"')]
    assert [r["argv"][0] for r in runs][:1] == ["--check"] and len(runs) >= 5
    assert len(read_rounds(str(trace))) >= 6
    assert replay(str(trace)) == []


# -- tracing never changes the run ---------------------------------------------------------

def traced(servo, magg, path, **extra):
    return magg.measure(servo, {"control": {}}, env=magg.env(MAGG_TRACE=str(path), **extra))


@pytest.mark.parametrize("where", ["missing-dir/t.trace", ".", "/dev/null"],
                         ids=["cannot-open", "a-directory", "not-a-regular-file"])
def test_a_trace_that_cannot_be_written_is_one_warning_and_the_run_goes_on(
        where, servo, measure_d, magg):
    write_driver(measure_d, "prom")
    path = where if where.startswith("/") else str(servo / where)
    run = traced(servo, magg, path)
    assert run.ok, run
    warnings = [line for line in run.stderr.splitlines() if "trace" in line]
    assert len(warnings) == 1 and warnings[0].startswith("magg: ") and path in warnings[0]


def test_a_trace_never_goes_to_stdout(servo, measure_d, magg, tmp_path):
    write_driver(measure_d, "prom")
    out = tmp_path / "stdout.txt"
    with open(str(out), "wb") as handle:
        proc = subprocess.run(magg.cmd + ["app1"], cwd=str(servo), input=b'{"control": {}}',
                              stdout=handle, stderr=subprocess.PIPE,
                              env=magg.env(MAGG_TRACE=str(out)), timeout=60)
    lines = out.read_text().splitlines()
    assert proc.returncode == 0 and json.loads(lines[-1])["status"] == "ok"
    assert not any('"round"' in line or '"event"' in line for line in lines)
    assert b"magg's stdout" in proc.stderr


def test_a_trace_stops_at_its_limit_with_a_line_saying_so(servo, measure_d, magg, tmp_path):
    write_driver(measure_d, "prom", stderr="x" * 60000 + "\n")
    path = tmp_path / "full.trace"
    with open(str(path), "wb") as handle:      # nearly full already
        handle.truncate(LIMIT - 2000)
    run = traced(servo, magg, path)
    assert run.ok, run
    with open(str(path), "rb") as handle:
        handle.seek(LIMIT - 2000)
        tail = handle.read().splitlines()
    assert os.path.getsize(str(path)) <= LIMIT
    assert json.loads(tail[-1]) == {"truncated": LIMIT}
