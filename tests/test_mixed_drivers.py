"""Drivers of different abilities side by side stop the way each would stop alone.

The pairing from the field: New Relic's SLO check fails fast (aborted,
slo-violation) beside a load generator that cannot cancel.
"""

import json
import signal
import time

from aggregator import reports
from fakedriver import write_script

# Fails with an SLO violation once the load is running, noting when.
SLO_CHECK = r'''
wait_for_file(P["load_ready"])
note(P["failed_at"], "%f" % time.time())
out(json.dumps({"status": "aborted", "reason": "slo-violation",
                "message": "p99 latency 900 ms over the SLO of 500 ms"}) + "\n")
sys.exit(1)
'''

# A load generator without cancel: exits on SIGTERM (noting it), else runs
# until released.
LOAD = r'''
def on_term(signum, frame):
    note(P["signals"], signal.Signals(signum).name)
    os._exit(143)

signal.signal(signal.SIGTERM, on_term)
note(P["load_ready"], "ready")
out(json.dumps({"progress": 10, "message": "loading at 250/s"}) + "\n")
wait_for_file(P["release"], timeout=120)
out(json.dumps({"status": "ok", "metrics": {}}) + "\n")
'''


def slo_beside_load(tmp_path, measure_d):
    files = {name: str(tmp_path / name) for name in ("load_ready", "failed_at", "signals",
                                                     "release")}
    write_script(measure_d, "newrelic", py=SLO_CHECK, has_cancel=True, **files)
    write_script(measure_d, "hey", py=LOAD, has_cancel=False, **files)
    return files


def test_an_slo_abort_beside_a_forced_load_driver_reaches_the_agent_within_a_second(
        tmp_path, servo, measure_d, magg, marker):
    (servo / "config.yaml").write_text("magg:\n  drivers:\n    hey: {force_cancel: true}\n")
    files = slo_beside_load(tmp_path, measure_d)

    run = magg.measure(servo, {"control": {"duration": 180}})
    arrived = time.time()

    assert run.result["status"] == "aborted" and run.result["reason"] == "slo-violation", run
    took = arrived - float(open(files["failed_at"]).read())
    print("SLO failure to final line: %.3f s" % took)
    assert took < 1.0
    assert open(files["signals"]).read().split() == ["SIGTERM"]   # never SIGUSR1


def test_without_the_key_magg_waits_and_its_progress_says_for_whom(
        tmp_path, servo, measure_d, magg):
    files = slo_beside_load(tmp_path, measure_d)
    waiting = []

    def on_progress(line, m):
        if "waiting for" in line.get("message", "") and not waiting:
            waiting.append(line["message"])
            open(files["release"], "w").close()     # let the load driver finish

    run = magg.measure(servo, {"control": {"duration": 180}}, on_progress=on_progress)

    assert waiting == ["newrelic failed (aborted: slo-violation); waiting for hey to "
                       "finish (hey cannot cancel); newrelic: failed (aborted: slo-violation)"]
    assert run.result["status"] == "aborted" and run.result["reason"] == "slo-violation", run
    assert not (tmp_path / "signals").exists()      # hey was never signalled
    said = [said for line in run.progress for name, said in reports(line) if name == "newrelic"]
    assert "finished" not in said


def test_a_forced_driver_without_cancel_still_gets_sigterm_on_the_agents_cancel(
        tmp_path, servo, measure_d, magg):
    (servo / "config.yaml").write_text("magg:\n  drivers:\n    hey: {force_cancel: true}\n")
    files = {name: str(tmp_path / name) for name in ("load_ready", "signals", "release")}
    write_script(measure_d, "hey", py=LOAD, has_cancel=False, **files)
    info = magg.info(servo)
    assert info.ok and info.result["has_cancel"] is True, info

    def on_progress(line, m):
        if not getattr(m, "sent", False):
            m.sent = True
            m.send_signal(signal.SIGUSR1)

    run = magg.measure(servo, {"control": {"duration": 180}}, on_progress=on_progress)
    assert run.result["reason"] == "cancelled", run
    assert open(files["signals"]).read().split() == ["SIGTERM"]
    assert json.loads(run.stdout[-1]) == run.result
