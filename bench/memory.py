"""Memory: four drivers writing 50 MB of stderr each during one measure.

magg relays every stderr line (prefixed with the driver's name) to its own
stderr, here /dev/null, and keeps only a bounded tail per driver, so its
memory must not grow with the noise: its peak RSS is the number. The sh
loop, with the drivers' stderr going straight to /dev/null, is shown for
scale only.
"""

import os
import subprocess
import threading
import time

from common import (APP_ID, check_status, make_servo, median, progress, shell_loop,
                    trivial_drivers)
from report import SUPERVISION, SUPERVISION_HEADER, Section, target

KEY = "noisy"
DRIVERS = 4
BYTES = 50 * 1000 * 1000                # per driver: "50 MB"
QUICK_BYTES = 5 * 1000 * 1000
REPS, QUICK_REPS = 3, 1
TARGET_MIB = 40.0

TIME = "/usr/bin/time"                  # GNU time, for the RSS cross-check
RSS_SAMPLE_INTERVAL = 0.002             # seconds between /proc/PID/status reads

# Writes BYTES of stderr, in 100-byte lines, while measuring.
NOISY_DRIVER = """#!/bin/sh
case "$1" in
  --info) echo '{"has_cancel": true, "version": "1.0"}' ;;
  --describe) echo '{"status": "ok", "metrics": {"%(metric)s": {"unit": "count"}}}' ;;
  *) cat >/dev/null
     yes 'noise noise noise noise noise noise noise noise noise noise noise noise noise noise noise noise' \\
       | head -c %(bytes)d >&2
     echo '{"status": "ok", "metrics": {"%(metric)s": {"value": 1, "unit": "count"}}}' ;;
esac
"""


def measure(session):
    runner, base = session.runner, session.base
    nbytes, reps = session.pick(BYTES, QUICK_BYTES), session.pick(REPS, QUICK_REPS)
    drivers = trivial_drivers(DRIVERS, NOISY_DRIVER, bytes=nbytes)
    request = {"metrics": ["m_" + n for n in drivers], "control": {}}
    servo = make_servo(base, "noisy", drivers, request=request)
    stdin = os.path.join(servo, "request.json")
    out = os.path.join(base, "noisy.out")
    time_out = os.path.join(base, "noisy.time")
    argv = runner.magg(APP_ID)
    shell = ["/bin/sh", "-c", shell_loop("measure")]
    walls, hwms, maxrss, shell_walls = [], [], [], []
    for _ in range(reps):
        wall, hwm, rss = run_sampling_rss(runner, argv, servo, stdin, out, time_out)
        walls.append(wall)
        hwms.append(hwm)
        maxrss.append(rss)
        shell_walls.append(runner.run(shell, servo))
    result = {
        "drivers": DRIVERS, "stderr_bytes_per_driver": nbytes, "reps": reps,
        "magg_median_s": median(walls), "shell_median_s": median(shell_walls),
        "peak_rss_mib": max(hwms) / 1024.0,
        "time_maxrss_mib": (max(maxrss) / 1024.0) if None not in maxrss else None,
        "magg_s": walls, "shell_s": shell_walls,
        "vm_hwm_kib": hwms, "time_maxrss_kib": maxrss,
        "rss_method": "peak RSS = VmHWM of the magg process itself from /proc/PID/"
                      "status, sampled every %g s until it exits; cross-check: "
                      "/usr/bin/time -f %%M around magg = max over magg and every "
                      "descendant reaped below it (drivers included)"
                      % RSS_SAMPLE_INTERVAL,
    }
    progress("noisy: %.2f s, VmHWM %.1f MiB, /usr/bin/time %%M %s MiB"
             % (result["magg_median_s"], result["peak_rss_mib"],
                result["time_maxrss_mib"]))
    return result


def run_sampling_rss(runner, argv, cwd, stdin_path, stdout_path, time_path):
    """(wall s, VmHWM KiB of magg itself, /usr/bin/time %M KiB or None) of one run.

    Two views of the peak RSS, because they differ in what they cover:
    - VmHWM from /proc/PID/status is the aggregator's own high-water mark.
      It vanishes once the process is a zombie, so a thread reads it every
      RSS_SAMPLE_INTERVAL and keeps the last value; being a high-water mark,
      that misses only growth in the last interval before exit.
    - `/usr/bin/time -f %M` (wait4's ru_maxrss) is, on Linux, the maximum of
      the process's own peak and the peaks of every descendant reaped below
      it, drivers included. It also counts the launcher: exec folds the
      pre-exec (forked) image's peak into the child's, so wait4 called from
      this Python script would report at least this script's RSS. That is
      why magg runs under /usr/bin/time, a small C program, for this view.
    The target is checked on VmHWM; %M is the cross-check.
    """
    timed = os.path.exists(TIME)
    if timed:
        argv = [TIME, "-f", "%M", "-o", time_path] + argv
    with open(stdin_path, "rb") as stdin, open(stdout_path, "wb") as stdout:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, cwd=cwd, env=runner.env, stdin=stdin,
                                stdout=stdout, stderr=subprocess.DEVNULL)
        peak = [None]
        done = threading.Event()

        def sample():
            pid = proc.pid
            while timed and not done.is_set():
                pid = child_of(proc.pid)
                if pid is not None:
                    break
                time.sleep(RSS_SAMPLE_INTERVAL / 4)
            while not done.is_set():
                value = vm_hwm_kib(pid)
                if value is None:
                    break
                peak[0] = value
                time.sleep(RSS_SAMPLE_INTERVAL)

        sampler = threading.Thread(target=sample)
        sampler.start()
        os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - start
        proc.returncode = 0
        done.set()
        sampler.join()
    runner.settle()
    check_status(stdout_path, None, "ok", argv, cwd)
    time_kib = None
    if timed:
        with open(time_path) as handle:
            time_kib = int(handle.read().split()[-1])
    return elapsed, peak[0], time_kib


def child_of(parent):
    """The pid of parent's child (the first found in /proc), or None."""
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % entry, "rb") as handle:
                fields = handle.read().rsplit(b")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == parent:
            return int(entry)
    return None


def vm_hwm_kib(pid):
    """VmHWM (peak resident set) of pid itself, or None once it has exited."""
    try:
        with open("/proc/%d/status" % pid, "rb") as handle:
            for line in handle:
                if line.startswith(b"VmHWM:"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return None


def report(n):
    return [Section(SUPERVISION, SUPERVISION_HEADER, [
        ["noisy: %d drivers x %d MB stderr, wall" % (n["drivers"],
                                                  n["stderr_bytes_per_driver"] // 10**6),
         n["reps"], "%.3f s" % n["magg_median_s"],
         "sh loop %.3f s" % n["shell_median_s"]],
        ["noisy: magg peak RSS (VmHWM)", n["reps"], "%.1f MiB" % n["peak_rss_mib"],
         "time %%M %s" % ("n/a" if n["time_maxrss_mib"] is None
                          else "%.1f MiB" % n["time_maxrss_mib"])],
    ]), "RSS: " + n["rss_method"] + "."]


def targets(n):
    return [target("noisy_rss", "noisy drivers: magg peak RSS", TARGET_MIB, "MiB",
                   n["peak_rss_mib"])]
