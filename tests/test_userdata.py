"""Shared control.userdata reaches every driver, as each driver's stdin shows.

Real drivers read shared keys (the New Relic driver's `slo` and
`slo_check`), so only entries addressed to one driver stay with it.
"""

import json

import pytest

from fakedriver import read_records, write_driver


@pytest.fixture
def logs(measure_d, tmp_path):
    """prom (cpu), vegeta (rps) and newrelic (no metric), each recording its stdin."""
    logs = {name: str(tmp_path / (name + ".log")) for name in ("newrelic", "prom", "vegeta")}
    write_driver(measure_d, "prom", describe={"cpu": {}}, record=logs["prom"])
    write_driver(measure_d, "vegeta", describe={"rps": {}}, record=logs["vegeta"])
    write_driver(measure_d, "newrelic", record=logs["newrelic"])
    return logs


def control_received(log):
    """The control object a recording driver read on stdin when measuring."""
    starts = [r for r in read_records(log, "start") if r["mode"] == "measure"]
    assert len(starts) == 1, starts
    return json.loads(starts[0]["stdin"])["control"]


def test_shared_userdata_reaches_every_driver(servo, magg, logs):
    userdata = {"slo": {"p99_latency": {"max": 200}}, "slo_check": True}
    run = magg.measure(servo, {"control": {"duration": 0, "userdata": userdata}})
    assert run.ok, run
    for name, log in logs.items():
        assert control_received(log) == {"duration": 0, "userdata": userdata}, name


def test_a_drivers_override_stays_with_it_and_its_userdata_wins_key_by_key(
        servo, magg, logs):
    control = {"duration": 0, "userdata": {
        "slo": "shared", "note": "for all",
        "vegeta": {"control": {"duration": 0.1,
                               "userdata": {"slo": "mine", "rate": "50/1s"}}}}}
    run = magg.measure(servo, {"control": control})
    assert run.ok, run
    assert control_received(logs["vegeta"]) == {
        "duration": 0.1, "userdata": {"slo": "mine", "note": "for all", "rate": "50/1s"}}
    for name in ("prom", "newrelic"):
        assert control_received(logs[name]) == {
            "duration": 0, "userdata": {"slo": "shared", "note": "for all"}}


def test_override_for_a_driver_not_installed_is_warned_about_and_passed_to_no_one(
        servo, magg, logs):
    control = {"userdata": {"vegta": {"control": {"duration": 5}}, "slo": 1}}
    run = magg.measure(servo, {"control": control})
    assert run.ok, run
    warnings = [line for line in run.stderr.splitlines() if "vegta" in line]
    assert len(warnings) == 1 and "no such driver" in warnings[0]
    for log in logs.values():
        assert control_received(log) == {"userdata": {"slo": 1}}


def test_entry_named_after_a_driver_without_control_is_warned_about_and_not_passed(
        servo, magg, logs):
    run = magg.measure(servo, {"control": {"userdata": {"prom": {"rate": 5}, "slo": 1}}})
    assert run.ok, run
    assert any("control.userdata.prom" in line for line in run.stderr.splitlines())
    for log in logs.values():
        assert control_received(log) == {"userdata": {"slo": 1}}


def test_plan_shows_the_userdata_each_driver_would_get(servo, magg, logs):
    control = {"userdata": {"slo": 1, "prom": {"control": {"userdata": {"q": 2}}}}}
    run = magg.call(servo, ["--plan", "app1"], stdin={"control": control})
    assert run.ok, run
    inputs = {name: d["input"] for name, d in run.result["drivers"].items()}
    assert inputs == {"prom": {"control": {"userdata": {"slo": 1, "q": 2}}},
                      "vegeta": {"control": {"userdata": {"slo": 1}}},
                      "newrelic": {"control": {"userdata": {"slo": 1}}}}
