"""Smoke test of bench/bench.py: a --quick run writes every section with numbers;
and how the scenarios' reports come together (bench/report.py).

No timing assertions: the benchmark reports numbers, it does not judge a
test run on a busy machine. Skipped when the artifact has not been built.
"""

import importlib.util
import json
import numbers
import os
import subprocess
import sys
import types

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BENCH = os.path.join(ROOT, "bench", "bench.py")
ARTIFACT = os.path.join(ROOT, "dist", "measure.pyz")


def load(path, name):
    """bench/NAME.py by its path: bench/ on sys.path would lend generic names."""
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


report = load(os.path.join(ROOT, "bench", "report.py"), "bench_report")

SECTIONS = {
    "overhead": ("magg_median_s", "shell_median_s", "ratio_median"),
    "noisy": ("magg_median_s", "shell_median_s", "peak_rss_mib"),
    "cancel": ("median_s", "max_s"),
    "deadline": ("deadline_s", "late_from_start_median_s", "late_from_measure_median_s"),
    "startup": ("first_median_s", "warm_median_s", "python_pass_median_s",
                "warm_above_pass_median_s"),
}


def is_number(value):
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


@pytest.mark.skipif(not os.path.isfile(ARTIFACT),
                    reason="dist/measure.pyz is missing: run `make dist` first")
def test_quick_run_writes_every_section(tmp_path):
    out = tmp_path / "results.json"
    proc = subprocess.run([sys.executable, BENCH, "--quick", "--out", str(out)],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=300)
    assert proc.returncode == 0, proc.stderr.decode(errors="replace")
    results = json.loads(out.read_text())

    for key in ("uname", "nproc", "cpu_model", "python", "python_version", "date"):
        assert results["machine"][key], key
    assert results["settings"]["quick"] is True

    rows = results["overhead"]
    assert {(r["command"], r["drivers"]) for r in rows} == {
        (c, n) for c in ("--info", "--describe", "measure") for n in (1, 10, 100)}
    for row in rows:
        for key in SECTIONS["overhead"]:
            assert is_number(row[key]) and row[key] > 0, (row["command"], key)
    for section, keys in SECTIONS.items():
        if section == "overhead":
            continue
        for key in keys:
            assert is_number(results[section][key]), (section, key)
    for rival in ("magg", "pass_through"):
        for key in ("lines_per_s", "cancel_to_final_s"):
            assert is_number(results["slow_agent"][rival][key]), (rival, key)

    targets = {t["key"]: t for t in results["targets"]}
    assert {"ratio_100_info", "noisy_rss", "cancel", "deadline", "warm_start",
            "slow_agent_lines", "slow_agent_cancel"} <= set(targets)
    for target in targets.values():
        assert is_number(target["value"]) and isinstance(target["met"], bool)
    # The printed table is the JSON's own.
    assert results["table"] in proc.stdout.decode()


def scenario(key, items):
    return types.SimpleNamespace(KEY=key, report=lambda section: items)


def test_rows_a_scenario_adds_to_a_shared_table_print_in_that_table():
    shared, header = report.SUPERVISION, report.SUPERVISION_HEADER
    plugged = [scenario("a", [report.Section(shared, header, [["a", 1, "1 s", ""]]),
                              "a footnote"]),
               scenario("b", [report.Section("Other", ["k"], [["v"]])]),
               scenario("not run", [report.Section("Never", ["k"], [["v"]])]),
               types.SimpleNamespace(KEY="c"),       # no report: nothing printed
               scenario("d", [report.Section(shared, header, [["d", 2, "2 s", ""]])])]

    sections, notes = report.collect({"a": {}, "b": {}, "c": {}, "d": {}}, plugged)

    assert [(s.title, s.rows) for s in sections] == [
        (shared, [["a", 1, "1 s", ""], ["d", 2, "2 s", ""]]), ("Other", [["v"]])]
    assert notes == ["a footnote"]
