"""Smoke test of bench/bench.py: a --quick run writes every section with numbers.

No timing assertions: the benchmark reports numbers, it does not judge a
test run on a busy machine. Skipped when the artifact has not been built.
"""

import json
import numbers
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BENCH = os.path.join(ROOT, "bench", "bench.py")
ARTIFACT = os.path.join(ROOT, "dist", "measure.pyz")

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
