"""`measure --plan APP_ID < request`: what each driver would get, measuring nothing.

The request and the expected inputs are the README's worked example, so
the README cannot drift from what the program does.
"""

import json
import os
import re

from aggregator import REPO
from fakedriver import read_records, write_driver


def readme_example():
    """(request, {driver: input}) from the README's worked example."""
    with open(os.path.join(REPO, "README.md")) as f:
        text = f.read()
    section = text[text.index("A worked example."):]
    request = json.loads(re.search(r"```json\n(.*?)```", section, re.S).group(1))
    block = re.search(r"The drivers receive:\n\n```\n(.*?)```", section, re.S).group(1)
    inputs = {}
    for entry in re.split(r"\n(?=\S)", block.strip()):
        name, _, data = entry.partition(" ")
        inputs[name] = json.loads(" ".join(data.split()))
    return request, inputs


def example_servo(tmp_path, servo):
    (servo / "config.yaml").write_text("magg:\n  grace_period: 30\n")
    d = servo / "measure.d"
    logs = {}
    for name, describe in [("measure-prom", {"cpu_usage": {"unit": "cores"},
                                             "p99_latency": {"unit": "ms"}}),
                           ("measure-vegeta", {"requests_throughput": {"unit": "rps"}}),
                           ("exec", {})]:
        logs[name] = str(tmp_path / (name + ".log"))
        write_driver(d, name, describe=describe, record=logs[name])
    return logs


def test_plan_prints_the_readme_worked_example_inputs_and_time_limit(tmp_path, servo, magg):
    example_servo(tmp_path, servo)
    request, expected = readme_example()
    run = magg.call(servo, ["--plan", "app1"], stdin=request)
    assert run.ok, run.error
    got = {name: d["input"] for name, d in run.result["drivers"].items()}
    assert got == expected
    assert run.result["unowned_metrics"] == ["derived_score"]
    assert run.result["time_limit"]["deadline"] == 10 + 130 + 0 + 30


def test_plan_starts_no_measurement(tmp_path, servo, magg):
    logs = example_servo(tmp_path, servo)
    request, _ = readme_example()
    run = magg.call(servo, ["--plan", "app1"], stdin=request)
    assert run.ok, run.error
    for name, log in logs.items():
        calls = [r["argv"][1:] for r in read_records(log, "start")]
        assert calls and all(c[0] in ("--info", "--describe") for c in calls), (name, calls)


def test_plan_names_overrides_for_drivers_that_are_not_installed(tmp_path, servo, magg):
    example_servo(tmp_path, servo)
    request = {"control": {"userdata": {"measure-vegta": {"control": {"duration": 5}}}}}
    run = magg.call(servo, ["--plan", "app1"], stdin=request)
    assert run.ok, run.error
    assert run.result["unknown_overrides"] == ["measure-vegta"]


def test_plan_rejects_a_bad_request_like_measure_does(tmp_path, servo, magg):
    logs = example_servo(tmp_path, servo)
    run = magg.call(servo, ["--plan", "app1"], stdin={"control": {"duration": "soon"}})
    assert run.returncode != 0
    assert run.result["status"] == "bad-request"
    assert "control.duration" in run.result["message"]
    assert all(read_records(log, "start") == [] for log in logs.values())
