"""magg.drivers.<name>.run: which rounds each driver takes part in.

always: --info, --describe, every measurement; when-requested: --info and
--describe, and measure only for a request naming a metric it describes (a
Prometheus driver installed twice fails when handed no metric); never: no
round at all, as if not installed.
"""

import pytest

from app import MaggError
from app.config import DriverConfig
from app.drivers import Driver, with_run_modes
from fakedriver import read_records, write_driver

CONFIG = """magg:
  drivers:
    prom-b: {run: when-requested}
    old: {run: never}
"""


@pytest.fixture
def logs(servo, measure_d, tmp_path):
    """prom-a (cpu, always), prom-b (lat, when-requested), old (never), exec."""
    (servo / "config.yaml").write_text(CONFIG)
    logs = {n: str(tmp_path / (n + ".log")) for n in ("exec", "old", "prom-a", "prom-b")}
    write_driver(measure_d, "prom-a", describe={"cpu": {"unit": "cores"}},
                 record=logs["prom-a"])
    write_driver(measure_d, "prom-b", describe={"lat": {"unit": "ms"}},
                 record=logs["prom-b"])
    write_driver(measure_d, "old", describe={"cpu": {}}, record=logs["old"])
    write_driver(measure_d, "exec", record=logs["exec"])
    return logs


def calls(log):
    """The modes a recording driver was started in: info, describe, measure."""
    return [r["mode"] for r in read_records(log, "start")]


def test_info_asks_always_and_when_requested_drivers_but_not_never(servo, magg, logs):
    run = magg.info(servo)
    assert run.ok, run
    assert sorted(run.result["drivers"]) == ["exec", "prom-a", "prom-b"]
    assert calls(logs["old"]) == []


def test_describe_includes_when_requested_metrics_and_not_never_ones(servo, magg, logs):
    run = magg.describe(servo)
    assert run.ok, run      # `old` also describes cpu: as if not installed, no clash
    assert sorted(run.result["metrics"]) == ["cpu", "lat"]
    assert calls(logs["old"]) == []


def test_when_requested_driver_does_not_measure_a_request_without_its_metrics(
        servo, magg, logs):
    run = magg.measure(servo, {"metrics": ["cpu"]})
    assert run.ok, run
    assert "measure" not in calls(logs["prom-b"])
    assert "describe" in calls(logs["prom-b"])
    assert calls(logs["prom-a"])[-1] == "measure" and calls(logs["exec"])[-1] == "measure"
    assert calls(logs["old"]) == []


def test_when_requested_driver_measures_when_a_metric_it_describes_is_requested(
        servo, magg, logs):
    run = magg.measure(servo, {"metrics": ["lat"]})
    assert run.ok, run
    assert run.result["metrics"]["lat"] == {"value": 1.0}
    assert "measure" in calls(logs["prom-b"])
    assert calls(logs["old"]) == []


def test_when_requested_driver_does_not_measure_a_request_naming_no_metric(
        servo, magg, logs):
    run = magg.measure(servo, {"control": {"duration": 0}})
    assert run.ok, run
    assert calls(logs["prom-b"]) == ["info"]
    assert "measure" in calls(logs["prom-a"])


def test_plan_shows_which_drivers_are_skipped_and_why(servo, magg, logs):
    run = magg.call(servo, ["--plan", "app1"], stdin={"metrics": ["cpu"]})
    assert run.ok, run
    assert sorted(run.result["drivers"]) == ["exec", "prom-a"]
    skipped = run.result["skipped"]
    assert sorted(skipped) == ["old", "prom-b"]
    assert "never" in skipped["old"] and "when-requested" in skipped["prom-b"]


def test_request_no_driver_would_measure_fails_naming_the_skipped_drivers(
        servo, measure_d, magg):
    (servo / "config.yaml").write_text("magg:\n  drivers:\n    prom: {run: when-requested}\n")
    write_driver(measure_d, "prom", describe={"cpu": {}})
    run = magg.measure(servo, {"control": {"duration": 0}})
    assert run.returncode == 1 and run.result["reason"] == "no-drivers", run
    assert "prom: run: when-requested" in run.result["message"]


def test_every_driver_switched_off_is_the_error_of_an_empty_measure_d(
        servo, measure_d, magg):
    empty = magg.info(servo)
    (servo / "config.yaml").write_text("magg:\n  drivers:\n    prom: {run: never}\n")
    write_driver(measure_d, "prom")
    run = magg.info(servo)
    assert run.returncode == empty.returncode == 1
    assert run.result["reason"] == empty.result["reason"] == "no-drivers"
    assert "measure.d" in run.result["message"] and "never" in run.result["message"]


def test_bad_run_mode_is_a_config_error_naming_the_key(servo, measure_d, magg):
    (servo / "config.yaml").write_text("magg:\n  drivers:\n    prom: {run: sometimes}\n")
    write_driver(measure_d, "prom")
    run = magg.info(servo)
    assert run.returncode == 1 and run.result["reason"] == "config", run
    assert "magg.drivers.prom.run" in run.result["message"]


def test_run_mode_for_a_driver_not_installed_is_a_warning_naming_it(
        servo, measure_d, magg):
    (servo / "config.yaml").write_text("magg:\n  drivers:\n    prom-typo: {run: never}\n")
    write_driver(measure_d, "prom")
    run = magg.info(servo)
    assert run.ok, run
    assert "magg.drivers.prom-typo.run" in run.stderr


# -- has_cancel: a driver that will not measure does not block cancel -------------

def test_info_has_no_cancel_when_a_when_requested_driver_cannot_cancel(
        servo, measure_d, magg):
    (servo / "config.yaml").write_text("magg:\n  drivers:\n    prom-b: {run: when-requested}\n")
    write_driver(measure_d, "prom-a", describe={"cpu": {}})
    write_driver(measure_d, "prom-b", describe={"lat": {}}, cancel="default")
    run = magg.info(servo)
    assert run.ok and run.result["has_cancel"] is False, run


def test_skipped_when_requested_driver_without_cancel_lets_a_failure_stop_the_others(
        servo, measure_d, magg):
    (servo / "config.yaml").write_text("magg:\n  drivers:\n    prom-b: {run: when-requested}\n")
    write_driver(measure_d, "prom-a", describe={"cpu": {}}, exit=1,
                 result={"status": "failed", "message": "no data", "reason": "x"})
    write_driver(measure_d, "prom-b", describe={"lat": {}}, cancel="default")
    write_driver(measure_d, "slow", sleep=30)
    run = magg.measure(servo, {"metrics": ["cpu"]})
    assert run.result["status"] == "failed", run
    assert "stopped: slow" in run.result["message"]     # not waited for: cancel allowed


# -- with_run_modes (no processes) ------------------------------------------------

def test_with_run_modes_sets_each_drivers_mode_and_names_unknown_ones():
    drivers, unknown = with_run_modes([Driver("a", "d/a"), Driver("b", "d/b")],
                                      {"b": DriverConfig("never", True),
                                       "zz": DriverConfig("never", False)})
    assert [(d.name, d.run, d.force_cancel) for d in drivers] == [
        ("a", "always", False), ("b", "never", True)]
    assert unknown == ["zz"]


def test_with_run_modes_refuses_when_every_driver_is_switched_off():
    with pytest.raises(MaggError) as err:
        with_run_modes([Driver("a", "d/a")], {"a": DriverConfig("never", False)})
    assert err.value.reason == "no-drivers"
