"""What runs: the executables in measure.d that are drivers, and the leftovers that are not.

Editors and package managers leave copies that keep the exec bit (prom~,
prom.dpkg-old, .prom.swp); run as drivers, a hook would run twice or the
round would fail on a metric clash. They are skipped, and named once on
stderr, in --check and in --plan.
"""

import json
import os

import pytest
from hypothesis import given
from hypothesis import strategies as st

import test_properties  # noqa: F401 (registers and loads the Hypothesis profile)
from app.drivers import discover, not_a_driver
from fakedriver import read_records, write_driver
from test_operators import on_terminal

LEFTOVERS = ["prom~", "prom.~1~", ".prom.swp", ".prom", "#prom#", "prom.dpkg-old",
             "prom.dpkg-dist", "prom.dpkg-new", "prom.ucf-dist", "prom.rpmnew",
             "prom.rpmsave", "prom.rpmorig", "prom.pacnew", "prom.apk-new", "prom.bak",
             "prom.BAK", "prom.old", "prom.orig", "prom.rej", "prom.swp", "prom.swo",
             "prom.tmp", "prom.new", "prom.save", "prom.disabled", "prom,v"]
DRIVERS = ["prom", "measure-prom", "prom.v2", "measure-prom.py", "prom_2", "Prom",
           "prom.old-style", "bak", "old", "prom-bak", "prom.dpkg", "prom~x", "pr#om"]


@pytest.mark.parametrize("name", LEFTOVERS)
def test_leftover_names_are_not_drivers(name):
    assert not_a_driver(name)


@pytest.mark.parametrize("name", DRIVERS)
def test_ordinary_names_are_drivers(name):
    assert not_a_driver(name) is None


def test_why_names_what_gave_the_leftover_away():
    assert "~" in not_a_driver("prom~")
    assert ".dpkg-old" in not_a_driver("prom.dpkg-old")
    assert "hidden" in not_a_driver(".prom.swp")
    assert ".bak" in not_a_driver("prom.bak")


@given(st.text(min_size=1))
def test_any_name_is_judged_without_error(name):
    why = not_a_driver(name)
    assert why is None or isinstance(why, str)


def test_discover_returns_the_leftovers_it_skipped_with_why(measure_d):
    for name in ("prom", "prom~", "prom.dpkg-old"):
        write_driver(measure_d, name)
    (measure_d / "measure.py").write_text("# a library\n")
    (measure_d / "notes.bak").write_text("not executable\n")
    os.mkdir(str(measure_d / "old.d"))
    found = discover(str(measure_d))
    assert [d.name for d in found.drivers] == ["prom"]
    assert sorted(found.ignored) == ["prom.dpkg-old", "prom~"]   # not notes.bak


# -- through magg -------------------------------------------------------------------

@pytest.fixture
def leftovers(measure_d, tmp_path):
    """prom (cpu) with its leftovers beside it, each describing cpu too, and a log."""
    log = str(tmp_path / "runs.log")
    for name in ["prom", "prom.v2"] + ["prom~", ".prom.swp", "#prom#", "prom.dpkg-old",
                                       "prom.rpmnew", "prom.bak"]:
        write_driver(measure_d, name, describe={"cpu": {}} if name == "prom" else {},
                     record=log)
    # a leftover of another driver, describing the same metric: would clash
    write_driver(measure_d, "vegeta~", describe={"cpu": {}}, record=log)
    (measure_d / "vegeta.dpkg-dist").write_text("not executable: silently skipped\n")
    return log


def ran(log):
    return sorted({r["name"] for r in read_records(log, "start")})


def test_leftovers_do_not_run(servo, magg, leftovers):
    run = magg.measure(servo, {"metrics": ["cpu"]})
    assert run.ok, run
    assert ran(leftovers) == ["prom", "prom.v2"]
    assert run.result["metrics"] == {"cpu": {"value": 1.0}}


def test_leftovers_are_named_in_one_warning_on_stderr(servo, magg, leftovers):
    run = magg.info(servo)
    assert run.ok, run
    lines = [l for l in run.stderr.splitlines() if "not drivers" in l]
    assert len(lines) == 1, run.stderr
    for name in ("prom~", ".prom.swp", "#prom#", "prom.dpkg-old", "prom.rpmnew",
                 "prom.bak", "vegeta~"):
        assert name in lines[0]
    assert "vegeta.dpkg-dist" not in run.stderr       # not executable: not worth a word
    assert "prom.v2 (" not in lines[0]


def test_check_lists_the_leftovers_and_why(servo, magg, leftovers):
    run = magg.call(servo, ["--check", "app1"])
    assert run.ok, run          # leftovers are not a problem: they do not run
    assert sorted(run.result["drivers"]) == ["prom", "prom.v2"]
    assert sorted(run.result["ignored"]) == sorted(
        ["prom~", ".prom.swp", "#prom#", "prom.dpkg-old", "prom.rpmnew", "prom.bak",
         "vegeta~"])
    assert "~" in run.result["ignored"]["prom~"]


def test_plan_lists_the_leftovers(servo, magg, leftovers):
    run = magg.call(servo, ["--plan", "app1"], stdin={"metrics": ["cpu"]})
    assert run.ok, run
    assert "prom.dpkg-old" in run.result["ignored"]
    assert sorted(run.result["drivers"]) == ["prom", "prom.v2"]


def test_check_table_has_a_line_per_leftover(servo, magg, leftovers):
    code, out = on_terminal(magg, servo, ["--check", "app1"])
    assert code == 0, out
    assert ("not a driver: prom.dpkg-old (a package manager's leftover: its name ends "
            "with .dpkg-old)") in out
    assert json.loads(out.strip().split("\n")[-1])["ignored"]


def test_only_leftovers_is_the_error_of_an_empty_measure_d_naming_them(
        servo, measure_d, magg):
    write_driver(measure_d, "prom~")
    run = magg.info(servo)
    assert run.returncode == 1 and run.result["reason"] == "no-drivers", run
    assert "prom~" in run.result["message"]
