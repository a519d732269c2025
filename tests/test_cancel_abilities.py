"""Drivers whose cancel abilities differ: --check and --plan warn, force_cancel covers them.

When one driver can cancel and another cannot, a failure (an SLO abort, say)
waits for the one that cannot, and the agent's cancel reaches magg as
SIGKILL. magg.drivers.<name>.force_cancel lets magg stop that driver
(SIGTERM, then SIGKILL of its group) and so counts it as able to stop.
"""

import json

from fakedriver import write_driver
from test_operators import on_terminal

FORCE_VEGETA = "magg:\n  drivers:\n    vegeta: {force_cancel: true}\n"


def mixed(measure_d):
    write_driver(measure_d, "prom", describe={"cpu": {}})
    write_driver(measure_d, "vegeta", describe={"rps": {}}, cancel="default")


def test_check_warns_about_mixed_cancel_abilities_and_still_exits_0(servo, measure_d, magg):
    mixed(measure_d)
    run = magg.call(servo, ["--check", "app1"])
    assert run.returncode == 0 and run.ok, run
    [warning] = run.result["warnings"]
    assert "vegeta cannot" in warning and "magg.drivers.vegeta.force_cancel" in warning
    assert run.result["has_cancel"] is False


def test_the_warning_goes_away_once_force_cancel_covers_the_driver(servo, measure_d, magg):
    mixed(measure_d)
    (servo / "config.yaml").write_text(FORCE_VEGETA)
    run = magg.call(servo, ["--check", "app1"])
    assert run.ok and run.result["warnings"] == [], run
    assert run.result["has_cancel"] is True


def test_global_force_cancel_covers_every_driver(servo, measure_d, magg):
    mixed(measure_d)
    (servo / "config.yaml").write_text("magg:\n  force_cancel: true\n")
    assert magg.call(servo, ["--check", "app1"]).result["warnings"] == []


def test_info_counts_a_driver_with_its_own_force_cancel_as_able_to_stop(
        servo, measure_d, magg):
    mixed(measure_d)
    assert magg.info(servo).result["has_cancel"] is False
    (servo / "config.yaml").write_text(FORCE_VEGETA)
    assert magg.info(servo).result["has_cancel"] is True


def test_plan_warns_only_when_the_drivers_that_would_measure_differ(servo, measure_d, magg):
    mixed(measure_d)
    (servo / "config.yaml").write_text("magg:\n  drivers:\n    vegeta: {run: when-requested}\n")
    alone = magg.call(servo, ["--plan", "app1"], stdin={"metrics": ["cpu"]})
    assert alone.ok and alone.result["warnings"] == [], alone
    both = magg.call(servo, ["--plan", "app1"], stdin={"metrics": ["cpu", "rps"]})
    assert both.ok and "vegeta cannot" in both.result["warnings"][0], both


def test_check_and_plan_tables_show_the_warning(servo, measure_d, magg):
    mixed(measure_d)
    for args, stdin in ((["--check", "app1"], b""),
                        (["--plan", "app1"], json.dumps({"metrics": ["cpu"]}).encode())):
        code, out = on_terminal(magg, servo, args, stdin)
        assert code == 0, out
        assert "warning: cancel abilities differ: prom can cancel, vegeta cannot" in out


def test_with_force_cancel_on_the_driver_that_cannot_a_failure_stops_it(
        servo, measure_d, magg):
    (servo / "config.yaml").write_text("magg:\n  drivers:\n    slow: {force_cancel: true}\n")
    write_driver(measure_d, "prom", describe={"cpu": {}}, exit=1,
                 result={"status": "aborted", "reason": "slo-violation", "message": "slo"})
    write_driver(measure_d, "slow", cancel="default", sleep=30)
    run = magg.measure(servo, {"metrics": ["cpu"]})
    assert run.result["status"] == "aborted", run
    assert "stopped: slow" in run.result["message"]
    assert run.elapsed < 20
