#!/usr/bin/env python3
"""`--info` with a 5 MB config.yaml against a small one (issue 17).

The agent calls `--info` before every describe and measure, and config.yaml
holds every driver's section: a Prometheus driver's 30000 queries made each
call parse 5 MB of YAML (8.4 s and 179 MiB here, with the build before issue
17). magg now parses only its own block. This scenario shows the cost that is left: one servo directory
per case, the same fast shell driver in each, and config.yaml

  small        the `magg` section alone;
  large        the `magg` section, then a Prometheus-like section of ~5 MB;
  large-end    the same, with `magg` at the end of the file (the bytes
               before it are all checked, so it is the slower case).

The cases run interleaved (small, large, large-end, small, ...) so that the
machine's noise hits them alike. Each run is a fresh `python -c` wrapper
that starts magg and reports its wall time and getrusage(RUSAGE_CHILDREN)
ru_maxrss: the peak RSS of its largest child, magg (the driver is sh).

run(artifact, python, pairs) returns medians and the ratios to `small`;
`python3 bench/large_config.py` prints them for dist/measure.pyz.
Standard library only.
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ARTIFACT = os.path.join(ROOT, "dist", "measure.pyz")
TARGET_BYTES = 5 * 1000 * 1000
CASES = ("small", "large", "large-end")
MAGG = "magg:\n  grace_period: 30\n  drivers:\n    fast: {run: always}\n"
DRIVER = ('#!/bin/sh\nprintf \'{"status": "ok", "version": "1.0", '
          '"has_cancel": true}\\n\'\n')
# Times one run of argv[1:] in cwd; prints seconds and the child's peak RSS (KiB).
WRAPPER = ("import resource, subprocess, sys, time\n"
           "start = time.perf_counter()\n"
           "code = subprocess.call(sys.argv[1:], stdout=subprocess.DEVNULL)\n"
           "took = time.perf_counter() - start\n"
           "peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss\n"
           "print(code, took, peak)\n")


def prometheus_section(target_bytes=TARGET_BYTES):
    """A Prometheus driver's section of about target_bytes: one query per metric."""
    lines = ["prom:", "  prometheus_endpoint: http://prometheus.example:9090", "  step: 1",
             "  metrics:"]
    size, i = 0, 0
    while size < target_bytes:
        entry = ("    - name: http_requests_rate_%05d\n"
                 "      query: 'sum(rate(http_requests_total{job=\"api\",instance=\"10.0.%d.%d"
                 ":8080\",code=~\"5..\"}[1m])) by (le)'\n"
                 "      unit: rps  # per second\n" % (i, i // 256 % 256, i % 256))
        lines.append(entry.rstrip("\n"))
        size += len(entry)
        i += 1
    return "\n".join(lines) + "\n"


def make_servo(base, name, config, artifact):
    servo = os.path.join(base, name)
    os.makedirs(os.path.join(servo, "measure.d"))
    shutil.copy(artifact, os.path.join(servo, "measure"))
    with open(os.path.join(servo, "config.yaml"), "w") as handle:
        handle.write(config)
    driver = os.path.join(servo, "measure.d", "fast")
    with open(driver, "w") as handle:
        handle.write(DRIVER)
    os.chmod(driver, 0o755)
    return servo


def one_run(python, servo, env):
    out = subprocess.run([python, "-c", WRAPPER, python, "./measure", "--info", "app"],
                         cwd=servo, env=env, stdout=subprocess.PIPE, check=True)
    code, seconds, peak = out.stdout.decode().split()
    if code != "0":
        raise RuntimeError("--info failed in %s (exit %s)" % (servo, code))
    return float(seconds), int(peak)


def run(artifact=ARTIFACT, python=sys.executable, pairs=7):
    """{"cases": {case: {"seconds", "max_rss_kib", "config_bytes"}}, "ratios":
    {case: {"seconds", "max_rss"}}, "pairs"}: medians over `pairs` interleaved rounds."""
    base = tempfile.mkdtemp(prefix="magg-bench-config-")
    try:
        prom = prometheus_section()
        configs = {"small": MAGG, "large": MAGG + prom, "large-end": prom + MAGG}
        servos = {case: make_servo(base, case, configs[case], artifact) for case in CASES}
        env = dict(os.environ, SHIV_ROOT=os.path.join(base, "shiv"))
        env.pop("PYTHONPATH", None)
        for case in CASES:                      # unpack once, warm the page cache
            one_run(python, servos[case], env)
        samples = {case: [] for case in CASES}
        for _ in range(pairs):
            for case in CASES:
                samples[case].append(one_run(python, servos[case], env))
    finally:
        shutil.rmtree(base, ignore_errors=True)
    cases = {case: {"seconds": statistics.median(s for s, _ in samples[case]),
                    "max_rss_kib": statistics.median(p for _, p in samples[case]),
                    "config_bytes": len(configs[case].encode())} for case in CASES}
    small = cases["small"]
    ratios = {case: {"seconds": cases[case]["seconds"] / small["seconds"],
                     "max_rss": cases[case]["max_rss_kib"] / small["max_rss_kib"]}
              for case in CASES if case != "small"}
    return {"cases": cases, "ratios": ratios, "pairs": pairs}


def table(result):
    rows = ["case        config.yaml   --info (median)  peak RSS (median)  vs small",
            "----------  ------------  ---------------  -----------------  ------------------"]
    for case in CASES:
        data, ratio = result["cases"][case], result["ratios"].get(case)
        rows.append("%-10s  %10d B  %12.1f ms  %14.1f MiB  %s" % (
            case, data["config_bytes"], data["seconds"] * 1000, data["max_rss_kib"] / 1024,
            "x%.2f time, x%.2f RSS" % (ratio["seconds"], ratio["max_rss"]) if ratio else "-"))
    return "\n".join(rows)


# -- as a make bench scenario (bench.py) ---------------------------------------------

KEY = "large_config"
PAIRS, QUICK_PAIRS = 7, 3
TARGET_RATIO = 2.0


def measure(session):
    return run(session.artifact, session.python, session.pick(PAIRS, QUICK_PAIRS))


def report(result):
    from report import SUPERVISION, SUPERVISION_HEADER, Section, ms
    rows = []
    for case in CASES:
        data, ratio = result["cases"][case], result["ratios"].get(case)
        rows.append(["--info, config.yaml %s (%.1f MB)" % (case, data["config_bytes"] / 1e6),
                     result["pairs"], ms(data["seconds"]),
                     "peak RSS %.1f MiB%s" % (data["max_rss_kib"] / 1024, "" if ratio is None
                                              else "; x%.2f time, x%.2f RSS of small"
                                              % (ratio["seconds"], ratio["max_rss"]))])
    return [Section(SUPERVISION, SUPERVISION_HEADER, rows)]


def targets(result):
    from report import target
    found = []
    for case in ("large", "large-end"):
        ratio = result["ratios"][case]
        found.append(target("large_config_" + case, "--info, 5 MB config.yaml (%s) / small: "
                            "time" % case, TARGET_RATIO, "x", ratio["seconds"]))
        found.append(target("large_config_rss_" + case, "--info, 5 MB config.yaml (%s) / "
                            "small: peak RSS" % case, TARGET_RATIO, "x", ratio["max_rss"]))
    return found


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--artifact", default=ARTIFACT)
    parser.add_argument("--python", default=os.path.realpath(sys.executable))
    parser.add_argument("--pairs", type=int, default=7)
    parser.add_argument("--json", action="store_true", help="print the result as JSON too")
    args = parser.parse_args()
    result = run(args.artifact, args.python, args.pairs)
    print(table(result))
    if args.json:
        print(json.dumps(result, indent=2, sort_keys=True))


if __name__ == "__main__":
    main()
