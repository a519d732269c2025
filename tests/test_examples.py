"""examples/servo/ works: its drivers on their own, and aggregated by magg."""

import ast
import json
import os
import re
import shutil
import signal
import subprocess
import sys

import pytest

import agent
from aggregator import Magg
from processes import kill_marked, new_marker

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXAMPLE = os.path.join(ROOT, "examples", "servo")
DRIVERS = ["exec", "measure-prom", "measure-vegeta"]
PROM_METRICS = {"cpu_usage", "memory_usage", "p99_latency", "error_rate"}
SHORT = {"control": {"duration": 0.5}}


@pytest.fixture
def servo(tmp_path):
    """A copy of examples/servo, so runs leave nothing behind in the repository."""
    path = str(tmp_path / "servo")
    shutil.copytree(EXAMPLE, path)
    return path


def request(servo, name):
    with open(os.path.join(servo, "requests", name)) as f:
        return json.load(f)


def driver(servo, name):
    return [os.path.join(servo, "measure.d", name)]


# -- the example drivers on their own ---------------------------------------

def test_measure_d_holds_exactly_the_example_drivers_as_executables():
    measure_d = os.path.join(EXAMPLE, "measure.d")
    executables = sorted(n for n in os.listdir(measure_d)
                         if os.access(os.path.join(measure_d, n), os.X_OK)
                         and os.path.isfile(os.path.join(measure_d, n)))
    assert executables == DRIVERS


def test_example_servo_has_no_measure_py():
    assert not os.path.exists(os.path.join(EXAMPLE, "measure.py"))
    assert not os.path.exists(os.path.join(EXAMPLE, "measure.d", "measure.py"))


@pytest.mark.parametrize("name", DRIVERS + ["example_driver.py"])
def test_example_driver_parses_as_python_3_6(name):
    with open(os.path.join(EXAMPLE, "measure.d", name)) as f:
        ast.parse(f.read(), name, feature_version=(3, 6))


@pytest.mark.parametrize("name", DRIVERS)
def test_example_driver_info_says_it_has_cancel(servo, name):
    run = agent.info(driver(servo, name), "app1", servo)
    assert run.ok, run
    assert run.result["has_cancel"] is True
    assert run.result["version"]


def test_example_drivers_describe_the_real_mix(servo):
    described = {n: agent.describe(driver(servo, n), "app1", servo).result["metrics"]
                 for n in DRIVERS}
    assert described["exec"] == {}
    assert set(described["measure-prom"]) == PROM_METRICS
    assert all("unit" in attrs for attrs in described["measure-prom"].values())
    assert list(described["measure-vegeta"]) == ["requests_throughput"]


def test_vegeta_reports_progress_during_its_duration(servo):
    run = agent.measure(driver(servo, "measure-vegeta"), "app1",
                        {"control": {"duration": 1.5}}, servo)
    assert run.ok, run
    assert len(run.progress) >= 2
    assert 1.4 < run.elapsed < 5
    assert run.result["metrics"]["requests_throughput"]["unit"] == "rps"


def test_prom_returns_only_the_requested_metrics_with_their_payload_shapes(servo):
    run = agent.measure(driver(servo, "measure-prom"), "app1",
                        dict(SHORT, metrics=["cpu_usage", "p99_latency"]), servo)
    assert run.ok, run
    metrics = run.result["metrics"]
    assert set(metrics) == {"cpu_usage", "p99_latency"}
    assert metrics["cpu_usage"]["values"][0]["data"]
    assert metrics["p99_latency"]["unit"] == "ms"


def test_exec_runs_its_commands_from_its_own_config_section(servo):
    run = agent.measure(driver(servo, "exec"), "app1", SHORT, servo)
    assert run.ok, run
    assert run.result["metrics"] == {}
    assert run.result["annotations"] == {"exec.pre_cmd": "exit 0", "exec.post_cmd": "exit 0"}
    assert "exec pre_cmd: measurement starts in %s" % servo in run.stderr


@pytest.mark.parametrize("name", DRIVERS)
def test_example_driver_cancels_on_sigusr1_with_exit_3(servo, name):
    m = agent.start_measure(driver(servo, name), "app1", {"control": {"duration": 30}},
                            servo, io_timeout=10)
    # cancel at the first progress line: the handler is installed by then
    run = m.finish(on_progress=lambda line, m: m.cancel())
    assert run.returncode == 3, run
    assert run.result["status"] == "failed"
    assert run.elapsed < 10


def test_example_driver_answers_bad_request_on_garbage(servo):
    run = agent.measure(driver(servo, "measure-vegeta"), "app1", "not json", servo)
    assert run.returncode != 0
    assert run.result["status"] == "bad-request"


def test_fallback_config_parser_reads_config_yaml_like_pyyaml(servo):
    yaml = pytest.importorskip("yaml")
    sys.path.insert(0, os.path.join(servo, "measure.d"))
    try:
        import example_driver
    finally:
        sys.path.pop(0)
    with open(os.path.join(servo, "config.yaml")) as f:
        text = f.read()
    assert example_driver._parse_simple_yaml(text) == yaml.safe_load(text)


# -- aggregated by magg -----------------------------------------------------

@pytest.fixture(scope="module")
def override_cycle(tmp_path_factory):
    """One agent cycle over requests/override.json (a 3 s measurement, run once)."""
    servo = str(tmp_path_factory.mktemp("override") / "servo")
    shutil.copytree(EXAMPLE, servo)
    marker = new_marker()
    try:
        return Magg(marker).cycle(servo, request(servo, "override.json"), io_timeout=30)
    finally:
        kill_marked(marker)


def test_full_cycle_merges_the_metrics_of_both_metrics_drivers(override_cycle):
    c = override_cycle
    assert c.ok, c
    assert set(c.info.result["drivers"]) == set(DRIVERS)
    assert set(c.describe.result["metrics"]) == PROM_METRICS | {"requests_throughput"}
    result = c.measure.result
    assert set(result["metrics"]) == {"cpu_usage", "memory_usage", "p99_latency",
                                      "requests_throughput"}
    assert result["metrics"]["cpu_usage"]["values"][0]["data"]
    assert result["metrics"]["requests_throughput"]["unit"] == "rps"


def test_full_cycle_gives_measure_vegeta_its_userdata_override(override_cycle):
    c = override_cycle
    assert c.ok, c
    annotations = c.measure.result["annotations"]
    assert annotations["vegeta.duration"] == "3s"      # its own duration
    assert annotations["exec.post_cmd"] == "exit 0"    # the hook ran too
    assert c.measure.elapsed >= 3


def test_full_cycle_progress_never_goes_down(servo, magg):
    c = magg.cycle(servo, request(servo, "measure.json"), io_timeout=30)
    assert c.ok, c
    values = [p["progress"] for p in c.measure.progress]
    assert values, "no progress line"
    assert values == sorted(values)


def test_full_cycle_with_metrics_as_a_mapping(servo, magg):
    c = magg.cycle(servo, request(servo, "mapping.json"), io_timeout=30)
    assert c.ok, c
    assert set(c.measure.result["metrics"]) == {"error_rate", "requests_throughput"}


def test_demo_runs_from_source():
    proc = subprocess.run([sys.executable, os.path.join(ROOT, "examples", "demo.py"),
                           "--source"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          universal_newlines=True, timeout=120)
    assert proc.returncode == 0, proc.stdout
    assert "demo: every step succeeded" in proc.stdout
    assert "requests_throughput" in proc.stdout
    # the measurement at a terminal: its last frame and a table with a trend
    assert re.search(r"^   total .* 100%  0:0\d  3 done$", proc.stdout, re.M)
    assert re.search("^   cpu_usage +measure-prom .* [\u2581-\u2588]{8}$", proc.stdout, re.M)


def test_check_finds_the_example_servo_healthy(servo, magg):
    run = magg.call(servo, ["--check", "app1"], io_timeout=30)
    assert run.ok, run
    drivers = run.result["drivers"]
    assert sorted(drivers) == DRIVERS
    assert set(drivers["measure-prom"]["metrics"]) == PROM_METRICS
    assert all(d["problem"] is None and d["run"] == "always" for d in drivers.values())
