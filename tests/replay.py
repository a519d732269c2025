"""Replay a MAGG_TRACE file: a fresh Supervisor per round, fed the recorded
events at the recorded times, must return the recorded actions.

So any run, from an integration test or from the field, becomes a
process-free test by saving its trace (see the README, "Recording a trace").

    from replay import replay
    assert replay("run.trace") == []      # no step that differs
    rounds = read_rounds("run.trace")     # [(header, [(t, event, actions)])]
"""

import json

from app.config import DEFAULTS, HEARTBEAT, Settings
from app.pacing import Pacer, Reporter
from app.rounds import Job, Round
from app.supervise import Supervisor
from app.trace import decode, decode_value


def read_rounds(path):
    """[(round header, [(t, event, [actions])])] from a trace file, in order."""
    rounds = []
    with open(str(path), encoding="utf-8") as f:
        for text in f:
            line = json.loads(text)
            if "round" in line:
                rounds.append((line["round"], []))
            elif "event" in line:
                rounds[-1][1].append((line["t"], decode(line["event"]),
                                      [decode(a) for a in line["actions"]]))
    return rounds


def supervisor(header):
    """The Supervisor a round header describes, as it was when the round began."""
    jobs = [Job(*decode_value(job)) for job in header["jobs"]]
    rules = Round(jobs, header["deadline"], header["stop_on_failure"], header["judge_exits"])
    settings = Settings(*DEFAULTS, io_limit=None, heartbeat=HEARTBEAT, warnings=())._replace(
        **header["settings"])
    reporter = None
    if header["reporter"] is not None:
        described = header["reporter"]
        state = described["pacer"]
        pacer = Pacer(state["interval"], state["heartbeat"], state["last"])
        pacer.ready, pacer.sent_any = state["ready"], state["sent_any"]
        reporter = Reporter(described["names"], pacer, described["track"])
    return Supervisor(rules, settings, reporter)


def replay(path):
    """The steps whose actions differ from the recording: [] when the run replays exactly.

    Each difference is (round number, step number, event, recorded actions,
    replayed actions).
    """
    differences = []
    for number, (header, steps) in enumerate(read_rounds(path)):
        sup = supervisor(header)
        for step, (now, event, recorded) in enumerate(steps):
            got = sup.handle(event, now)
            if list(got) != recorded or [type(a) for a in got] != [type(a) for a in recorded]:
                differences.append((number, step, event, recorded, got))
    return differences
