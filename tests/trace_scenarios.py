"""Three runs worth keeping as traces: a cancel, a deadline with a hung driver,
the agent going away. Each builds its servo directory, runs magg with
MAGG_TRACE set, and returns (what the agent saw, the trace's path).

tests/test_trace.py runs them live and replays what they recorded;
tests/traces/record.py saves their traces as the recorded ones in
tests/traces/, which replay without any process.
"""

import json
import signal
import subprocess

import aggregator
from fakedriver import make_servo, write_driver, write_script

# A driver that says it has started, then waits (for ever, unless signalled).
WAITS = r'''
note(P["ready"], "ready")
out(json.dumps({"progress": 10, "message": "started"}) + "\n")
while True:
    time.sleep(1000)
'''


def _servo(root, config):
    servo = make_servo(root / "servo", config=config)
    return servo, servo / "measure.d", root / "run.trace"


def cancel(root, magg):
    """SIGUSR1 to magg once both drivers run: one cancels itself, one gets SIGTERM."""
    servo, d, trace = _servo(root, "magg:\n  cleanup_grace_period: 10\n")
    write_driver(d, "cancellable", cancel="handle", progress=[[10, "started"]], sleep=60)
    write_driver(d, "plain", cancel="default", info={"has_cancel": False, "version": "1"},
                 progress=[[10, "started"]], sleep=60)
    seen = set()

    def on_progress(line, m):
        seen.update(name for name, _ in aggregator.reports(line))
        if seen >= {"cancellable", "plain"} and not getattr(m, "signalled", False):
            m.signalled = True
            m.send_signal(signal.SIGUSR1)

    run = magg.measure(servo, {"control": {"duration": 0}}, on_progress=on_progress,
                       env=magg.env(MAGG_TRACE=str(trace)))
    return run, trace


def deadline_with_a_hung_driver(root, magg):
    """duration 1 and grace_period 2: the deadline is at 3 s. "quick" cannot
    cancel and finishes at 1 s; "stuck" stays silent, is hung at 2 s
    (OPTUNE_IO_TIMEOUT 3), ignores its SIGUSR1, is still running at the
    deadline and is killed at 4 s (cleanup_grace_period 2)."""
    servo, d, trace = _servo(root, "magg:\n  grace_period: 2\n  cleanup_grace_period: 2\n")
    write_driver(d, "quick", cancel="default", info={"has_cancel": False, "version": "1"},
                 progress=[[50, "half"]], use_duration=True)
    write_driver(d, "stuck", cancel="ignore", info={"has_cancel": True, "version": "1"},
                 sleep=60)
    run = magg.measure(servo, {"control": {"duration": 1}},
                       env=magg.env(MAGG_TRACE=str(trace), OPTUNE_IO_TIMEOUT="3"))
    return run, trace


def agent_gone(root, magg):
    """The agent closes its end of magg's stdout after the first progress line."""
    servo, d, trace = _servo(root, "magg:\n  cleanup_grace_period: 10\n")
    ready = root / "waits.ready"
    write_script(d, "waits", py=WAITS, has_cancel=True, ready=str(ready))
    write_driver(d, "also", cancel="default", info={"has_cancel": False, "version": "1"},
                 progress=[[10, "started"]], sleep=60)
    proc = subprocess.Popen(magg.cmd + ["app1"], cwd=str(servo),
                            env=magg.env(MAGG_TRACE=str(trace)), stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    proc.stdin.write(json.dumps({"control": {}}).encode())
    proc.stdin.close()
    first = proc.stdout.readline()
    proc.stdout.close()                 # the agent is gone
    returncode = proc.wait(timeout=aggregator.SAFETY)
    return (returncode, first), trace


SCENARIOS = {"cancel": cancel, "deadline-hung": deadline_with_a_hung_driver,
             "agent-gone": agent_gone}
