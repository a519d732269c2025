"""Pipes and lines: how driver stdout/stdin/stderr bytes become protocol
lines, with real driver processes.
"""

import collections
import json
import os
import subprocess

import agent
from aggregator import SAFETY, reports
from fakedriver import write_script
from processes import StreamReader, leftovers_after

MIB = 1024 * 1024


def assert_latest_first(said, pattern, count):
    """What a driver said reached the agent whole and in order: each message is
    pattern % N for a growing N up to count, then perhaps "finished"."""
    expected = [pattern % i for i in range(1, count + 1)] + ["finished"]
    assert all(m in expected for m in said), said
    positions = [expected.index(m) for m in said]
    assert positions == sorted(set(positions)), said


def messages_from(run, name):
    """What one driver said, line after line, in magg's (merged) progress lines."""
    return [said for line in run.progress for driver, said in reports(line)
            if driver == name]


# -- split writes and missing newlines ----------------------------------------

def test_json_lines_written_a_byte_at_a_time_parse_right(measure_d, servo, magg):
    write_script(measure_d, "splitter", py=r'''
line = json.dumps({"status": "ok", "metrics": {"latency": {"value": 12.5, "unit": "ms"}},
                   "annotations": {"note": u"caf\u00e9 \u2603"}},
                  ensure_ascii=False).encode("utf-8") + b"\n"
progress = b'{"progress": 40, "message": "half way"}\n'
for data in (progress, line):
    for i in range(len(data)):     # splits the UTF-8 characters too
        sys.stdout.buffer.write(data[i:i + 1])
        sys.stdout.buffer.flush()
        time.sleep(0.002)
''', metrics=["latency"])

    run = magg.measure(servo, {"metrics": ["latency"], "control": {"duration": 0}})

    assert run.ok, run
    assert run.result["metrics"] == {"latency": {"value": 12.5, "unit": "ms"}}
    assert run.result["annotations"] == {"note": u"caf\u00e9 \u2603"}
    assert messages_from(run, "splitter") in (["half way"], ["half way", "finished"])
    assert run.progress[0]["progress"] == 40


def test_last_line_without_newline_is_the_result(measure_d, servo, magg):
    write_script(measure_d, "terse", metrics=["x"], sh="""
        printf '{"progress": 50}\\n{"status": "ok", "metrics": {"x": {"value": 7}}}'""")
    write_script(measure_d, "other", metrics=["y"], sh="""
        printf '{"status": "ok", "metrics": {"y": {"value": 8}}}'""")

    run = magg.measure(servo, {"metrics": ["x", "y"], "control": {}})

    assert run.ok, run
    assert run.result["metrics"] == {"x": {"value": 7}, "y": {"value": 8}}


def test_many_drivers_writing_big_lines_at_once_all_parse_right(measure_d, servo, magg):
    """Eight drivers interleave 1 MiB result lines (in odd-sized writes) and progress."""
    names = ["writer%d" % i for i in range(8)]
    for i, name in enumerate(names):
        write_script(measure_d, name, py=r'''
name = os.path.basename(sys.argv[0])
blob = (name * 200000)[:1024 * 1024]
line = (json.dumps({"status": "ok", "metrics": {"m_" + name: {"value": P["value"]}},
                    "annotations": {name: blob}}) + "\n").encode()
for p in range(1, 51):
    out(json.dumps({"progress": p * 2, "message": "chunk %d" % p}) + "\n")
for i in range(0, len(line), 4093):
    sys.stdout.buffer.write(line[i:i + 4093])
    sys.stdout.buffer.flush()
''', metrics=["m_" + name], value=i)

    run = magg.measure(servo, {"metrics": ["m_" + n for n in names], "control": {}})

    assert run.ok, run
    assert run.result["metrics"] == {"m_" + n: {"value": i} for i, n in enumerate(names)}
    for name in names:
        assert run.result["annotations"][name] == (name * 200000)[:MIB]
        assert_latest_first(messages_from(run, name), "chunk %d", 50)


def test_driver_that_exits_without_reading_a_big_input_is_not_an_error(
        measure_d, servo, magg):
    # No `cat`: exits at once, while the aggregator still writes its 1 MiB input.
    write_script(measure_d, "deaf", read_stdin=False,
                 sh="""echo '{"status": "ok", "metrics": {}}'""")
    write_script(measure_d, "reader", py=r'''
out(json.dumps({"status": "ok", "metrics": {"input_bytes": {"value": len(request["control"]["load"]["blob"])}}}) + "\n")
''', metrics=["input_bytes"])

    run = magg.measure(servo, {"metrics": ["input_bytes"],
                               "control": {"load": {"blob": "x" * MIB}}})

    assert run.ok, run
    assert run.result["metrics"]["input_bytes"] == {"value": MIB}


def test_driver_not_reading_its_input_holds_up_nobody(tmp_path, measure_d, servo, magg):
    """magg writes stdin without blocking: a full input pipe stalls nothing."""
    release = tmp_path / "release"
    write_script(measure_d, "sluggish", py=r'''
wait_for_file(P["release"])
out(json.dumps({"status": "ok", "metrics": {"got": {"value": len(sys.stdin.read())}}}) + "\n")
''', metrics=["got"], read_stdin=False, release=str(release))
    write_script(measure_d, "ticker", py=r'''
out(json.dumps({"progress": 50, "message": "tick"}) + "\n")
out(json.dumps({"status": "ok", "metrics": {}}) + "\n")
''')

    def on_progress(line, m):
        if {("ticker", "tick"), ("ticker", "finished")} & set(reports(line)):
            release.write_text("go")

    run = magg.measure(servo, {"metrics": ["got"], "control": {"load": "x" * MIB}},
                  on_progress=on_progress)

    assert run.ok, run
    assert release.exists() and run.elapsed < 10, "the ticker's progress was held up"
    assert run.result["metrics"]["got"]["value"] > MIB


# -- a half line and a pause hold up nothing ---------------------------------

PAUSED = r'''
out('{"progress": 10, "mess')             # half a line ...
note(P["flag"], "half line written")
end = time.time() + 20                    # ... then a 20 s pause
while time.time() < end and not os.path.exists(P["release"]):
    time.sleep(0.05)
out('age": "resumed"}\n')
wait_for_file(P["release"] + ".seen")    # the test saw the whole line
out(json.dumps({"status": "ok", "metrics": {"slow": {"value": 1}}}) + "\n")
'''

BROKEN = r'''
wait_for_file(P["after"])
err("broken: backend down\n")
out(json.dumps({"status": "failed", "reason": "backend", "message": "backend down"}) + "\n")
note(P["flag"], "failing now")
sys.exit(1)
'''


def test_failure_while_a_driver_pauses_mid_line_stops_it_with_force_cancel(
        tmp_path, measure_d, servo, magg, marker):
    (servo / "config.yaml").write_text("magg:\n  force_cancel: true\n"
                                        "  cleanup_grace_period: 2\n")
    paused_flag = str(tmp_path / "paused.flag")
    write_script(measure_d, "paused", py=PAUSED, metrics=["slow"], flag=paused_flag,
                 release=str(tmp_path / "never"))
    write_script(measure_d, "broken", py=BROKEN, after=paused_flag,
                 flag=str(tmp_path / "broken.flag"))

    run = magg.measure(servo, {"control": {"duration": 0}})

    assert run.status == "failed" and run.returncode != 0, run
    assert "broken" in run.result["message"] and "backend down" in run.result["message"]
    assert "stopped: paused" in run.result["message"]
    assert run.elapsed < 5.0, "the 20 s pause held the aggregator up: %.1f s" % run.elapsed
    assert leftovers_after(marker, 1.0) == []


def test_progress_and_failures_are_handled_while_a_driver_pauses_mid_line(
        tmp_path, measure_d, servo, magg):
    """Without cancel: another driver's failure and a third one's progress get
    through while one driver sits on half a line; the half line survives."""
    paused_flag = str(tmp_path / "paused.flag")
    broken_flag = str(tmp_path / "broken.flag")
    release = str(tmp_path / "release")
    ticked = str(tmp_path / "ticked")
    write_script(measure_d, "paused", py=PAUSED, metrics=["slow"], flag=paused_flag,
                 release=release)
    write_script(measure_d, "broken", py=BROKEN, after=paused_flag, flag=broken_flag)
    write_script(measure_d, "ticker", after=broken_flag, seen=ticked, py=r'''
wait_for_file(P["after"])
out(json.dumps({"progress": 50, "message": "tick while paused"}) + "\n")
wait_for_file(P["seen"])        # the test saw the tick (no later message replaced it)
out(json.dumps({"status": "ok", "metrics": {}}) + "\n")
''')
    seen = set()
    released_at = []

    def on_progress(line, m):
        seen.update("%s: %s" % report for report in reports(line))
        if "ticker: tick while paused" in seen:
            open(ticked, "w").close()
        if {"broken: failed (backend)", "ticker: tick while paused"} <= seen and not released_at:
            released_at.append(m.elapsed())
            open(release, "w").close()
        if "paused: resumed" in seen:
            open(release + ".seen", "w").close()

    run = magg.measure(servo, {"control": {"duration": 0}}, on_progress=on_progress)

    assert released_at and released_at[0] < 10.0, (released_at, run)
    assert run.status == "failed", run
    assert run.result["message"].startswith("1 of 3 drivers failed"), run.result
    assert "broken: failed: backend down" in run.result["message"]
    assert "paused: resumed" in seen      # the half line came out whole


# -- limits --------------------------------------------------------------------

def test_stdout_line_longer_than_16_mib_fails_that_driver_clearly(
        tmp_path, measure_d, servo, magg):
    write_script(measure_d, "huge", py=r'''
chunk = b"x" * (1024 * 1024)
for _ in range(17):
    sys.stdout.buffer.write(chunk)
    sys.stdout.buffer.flush()
out("\n" + json.dumps({"status": "ok", "metrics": {}}) + "\n")
''')
    write_script(measure_d, "fine", sh="""echo '{"status": "ok", "metrics": {}}'""")
    rss = tmp_path / "rss"

    run = agent.measure(["/usr/bin/time", "-f", "%M", "-o", str(rss)] + magg.cmd, "app1",
                        {"control": {}}, cwd=str(servo), env=magg.env(), timeout=SAFETY)

    assert run.status == "failed", run
    assert "1 of 2 drivers failed" in run.result["message"]
    assert "huge: failed: a stdout line is longer than 16 MiB" in run.result["message"]
    assert len(run.result["message"]) < 4096
    peak_kib = int(rss.read_text().split()[-1])
    print("17 MiB stdout line: peak RSS %d KiB" % peak_kib)
    assert peak_kib < 64 * 1024, "peak RSS %d KiB" % peak_kib


# -- stderr --------------------------------------------------------------------

def test_driver_stderr_is_streamed_live_with_its_name_in_front(
        tmp_path, measure_d, servo, magg):
    go = str(tmp_path / "go")
    write_script(measure_d, "talker", py=r'''
err("hello operator\n")
err("partial ")
wait_for_file(P["go"])              # still running until the test has seen the line
err("rest\nno newline at the end")
out(json.dumps({"status": "ok", "metrics": {}}) + "\n")
''', go=go)
    proc = subprocess.Popen(magg.cmd + ["app1"], cwd=str(servo), env=magg.env(),
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    try:
        proc.stdin.write(b'{"control": {}}')
        proc.stdin.close()
        stderr = StreamReader(proc.stderr)

        live = stderr.read_until(lambda line: "hello operator" in line, SAFETY)
        assert live == "[talker] hello operator"
        assert proc.poll() is None
        open(go, "w").close()
        lines = stderr.read_all(SAFETY)
        final = json.loads(proc.stdout.read().splitlines()[-1])
        assert proc.wait(SAFETY) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert final["status"] == "ok"
    assert "[talker] partial rest" in lines
    assert "[talker] no newline at the end" in lines


NOISY = r'''
name = os.path.basename(sys.argv[0])
line = b"debug: " + b"x" * 93 + b"\n"                   # 101 bytes
block = line * (1024 * 1024 // len(line))
err("FIRST-LINE-%s\n" % name)
for _ in range(P["blocks"]):
    sys.stderr.buffer.write(block)
sys.stderr.buffer.flush()
err("LAST-LINE-%s\n" % name)
if P["fail"]:
    out(json.dumps({"status": "failed", "reason": "noise", "message": "too noisy"}) + "\n")
    sys.exit(1)
out(json.dumps({"status": "ok", "metrics": {}}) + "\n")
'''


def test_50_mb_of_stderr_from_four_drivers_keeps_rss_low_and_errors_short(
        tmp_path, measure_d, servo, magg):
    (servo / "config.yaml").write_text("magg:\n  stderr_limit: 0\n")    # pass on all of it
    blocks = 50
    for i in range(4):
        write_script(measure_d, "noisy%d" % i, py=NOISY, blocks=blocks, fail=(i == 0))
    rss = tmp_path / "rss"
    err_file = tmp_path / "stderr"
    try:
        with open(str(err_file), "wb") as err:
            proc = subprocess.run(
                ["/usr/bin/time", "-f", "%M", "-o", str(rss)] + magg.cmd + ["app1"],
                input=b'{"control": {}}', stdout=subprocess.PIPE, stderr=err,
                cwd=str(servo), env=magg.env(), timeout=SAFETY)
        relayed = os.path.getsize(str(err_file))
        with open(str(err_file), "rb") as err:
            prefixes = collections.Counter(line[:len(b"[noisy0] ")] for line in err)
    finally:
        if err_file.exists():
            err_file.unlink()

    peak_kib = int(rss.read_text().split()[-1])
    final = json.loads(proc.stdout.splitlines()[-1])
    line_count = (1024 * 1024 // 101) * blocks + 2          # per driver
    written = (line_count - 2) * 101 + len(b"FIRST-LINE-noisy0\nLAST-LINE-noisy0\n")
    assert proc.returncode == 1 and final["status"] == "failed", final
    print("4 x 50 MB of stderr: peak RSS %d KiB" % peak_kib)
    assert peak_kib < 64 * 1024, "peak RSS %d KiB" % peak_kib
    # Everything was passed on, each line with its driver's name in front.
    assert relayed >= 4 * (written + line_count * len("[noisy0] "))
    assert prefixes == {b"[noisy%d] " % i: line_count for i in range(4)}
    # The error keeps the end of the failed driver's stderr, not 50 MB of it.
    assert "noisy0: failed: too noisy" in final["message"]
    assert "LAST-LINE-noisy0" in final["message"]
    assert "FIRST-LINE" not in final["message"]
    assert len(final["message"]) < 8192


# -- many lines ----------------------------------------------------------------

def test_20000_progress_lines_are_read_in_order_and_progress_never_goes_down(
        measure_d, servo, magg):
    write_script(measure_d, "flood", py=r'''
n = 20000
batch = []
for i in range(1, n + 1):
    batch.append(json.dumps({"progress": i * 100.0 / n, "message": "step %d" % i}) + "\n")
    if len(batch) == 500:
        out("".join(batch))
        batch = []
out(json.dumps({"status": "ok", "metrics": {"lines": {"value": n}}}) + "\n")
''', metrics=["lines"])
    write_script(measure_d, "steady", py=r'''
for p in (20, 40, 60, 80):
    out(json.dumps({"progress": p, "message": "at %d" % p}) + "\n")
    time.sleep(0.05)
out(json.dumps({"status": "ok", "metrics": {"steady": {"value": 1}}}) + "\n")
''', metrics=["steady"])

    run = magg.measure(servo, {"metrics": ["lines", "steady"], "control": {}})

    assert run.ok, run
    assert run.result["metrics"] == {"lines": {"value": 20000}, "steady": {"value": 1}}
    # The agent gets the latest of them, never a stale one (README, "Progress").
    assert_latest_first(messages_from(run, "flood"), "step %d", 20000)
    values = [p["progress"] for p in run.progress]
    assert values and values == sorted(values), "aggregate progress went down"
