"""The operators' commands: --version anywhere, --check, and tables on a terminal.

On a terminal --plan, --check and --version print a table before the final
JSON line; on a pipe (the agent, scripts) only the final line.
"""

import json
import os
import pty
import select
import subprocess

from fakedriver import read_records, write_driver

# Generous: only a broken magg comes near it.
TERMINAL_TIMEOUT = 60


def on_terminal(magg, servo, args, stdin=b""):
    """(exit code, stdout text) of magg with its stdout on a pseudo-terminal."""
    master, slave = pty.openpty()
    proc = subprocess.Popen(magg.cmd + args, cwd=str(servo), env=magg.env(),
                            stdin=subprocess.PIPE, stdout=slave, stderr=subprocess.PIPE)
    os.close(slave)
    proc.stdin.write(stdin)
    proc.stdin.close()
    chunks = []
    try:
        while True:
            ready, _, _ = select.select([master], [], [], TERMINAL_TIMEOUT)
            assert ready, "magg wrote nothing to the terminal for %d s" % TERMINAL_TIMEOUT
            try:
                data = os.read(master, 65536)
            except OSError:         # EIO: the last writer closed the terminal
                break
            if not data:
                break
            chunks.append(data)
    finally:
        os.close(master)
        proc.stderr.read()
        proc.wait(TERMINAL_TIMEOUT)
    return proc.returncode, b"".join(chunks).decode("utf-8").replace("\r\n", "\n")


def two_drivers(measure_d):
    write_driver(measure_d, "prom", describe={"cpu": {"unit": "cores"}},
                 info={"has_cancel": True, "version": "0.3.1"})
    write_driver(measure_d, "vegeta", describe={"rps": {"unit": "rps"}},
                 info={"has_cancel": False, "version": "7.7.7"}, cancel="default")


# -- --version -------------------------------------------------------------------

def test_version_without_measure_d_is_maggs_own_version(tmp_path, magg):
    run = magg.call(tmp_path, ["--version"])
    assert run.returncode == 0 and run.ok, run
    assert run.result["version"] and run.result["drivers"] == {}
    assert "measure.d" in run.stderr


def test_version_lists_each_drivers_version(servo, measure_d, magg):
    two_drivers(measure_d)
    run = magg.call(servo, ["--version"])
    assert run.ok, run
    assert run.result["drivers"] == {"prom": "0.3.1", "vegeta": "7.7.7"}


def test_version_names_a_driver_that_cannot_answer_and_still_succeeds(
        servo, measure_d, magg):
    two_drivers(measure_d)
    write_driver(measure_d, "broken", info_exit=1, info_stderr="no module named x\n")
    run = magg.call(servo, ["--version"])
    assert run.returncode == 0 and run.ok, run
    assert run.result["drivers"]["broken"] is None
    assert run.result["drivers"]["prom"] == "0.3.1"
    assert "no module named x" in run.result["problems"]["broken"]


# -- --check -----------------------------------------------------------------------

def test_check_of_healthy_drivers_reports_each_one_and_exits_0(servo, measure_d, magg):
    two_drivers(measure_d)
    run = magg.call(servo, ["--check", "app1"])
    assert run.returncode == 0 and run.ok, run
    prom = run.result["drivers"]["prom"]
    assert (prom["version"], prom["has_cancel"], prom["run"]) == ("0.3.1", True, "always")
    assert prom["metrics"] == {"cpu": {"unit": "cores"}}
    assert prom["problem"] is None
    assert all(isinstance(prom["seconds"][call], float) for call in ("info", "describe"))
    assert run.result["drivers"]["vegeta"]["has_cancel"] is False
    assert run.result["clashes"] == []


def test_check_passes_the_app_id_to_both_calls(servo, measure_d, magg, tmp_path):
    log = str(tmp_path / "prom.log")
    write_driver(measure_d, "prom", record=log)
    assert magg.call(servo, ["--check", "my-app"]).ok
    argvs = sorted(r["argv"][1:] for r in read_records(log, "start"))
    assert argvs == [["--describe", "my-app"], ["--info", "my-app"]]


def test_check_with_a_failing_describe_fails_naming_the_driver_and_call(
        servo, measure_d, magg):
    two_drivers(measure_d)
    write_driver(measure_d, "datadog", describe_exit=2, describe_stderr="API key refused\n")
    run = magg.call(servo, ["--check", "app1"])
    assert run.returncode == 1 and run.result["status"] == "failed", run
    problem = run.result["drivers"]["datadog"]["problem"]
    assert "--describe" in problem and "API key refused" in problem
    assert run.result["drivers"]["datadog"]["version"] == "1.0"
    assert run.result["drivers"]["prom"]["problem"] is None
    assert "datadog" in run.result["message"]


def test_check_with_a_metric_described_twice_fails_naming_both_drivers(
        servo, measure_d, magg):
    write_driver(measure_d, "prom-a", describe={"cpu": {}, "mem": {}})
    write_driver(measure_d, "prom-b", describe={"cpu": {}})
    run = magg.call(servo, ["--check", "app1"])
    assert run.returncode == 1 and run.result["status"] == "failed", run
    assert run.result["clashes"] == [{"metric": "cpu", "drivers": ["prom-a", "prom-b"]}]
    assert "prom-a and prom-b" in run.result["drivers"]["prom-b"]["problem"]


def test_check_lists_a_switched_off_driver_without_running_it(servo, measure_d, magg,
                                                               tmp_path):
    (servo / "config.yaml").write_text("magg:\n  drivers:\n    old: {run: never}\n")
    log = str(tmp_path / "old.log")
    write_driver(measure_d, "old", describe_exit=1, record=log)
    write_driver(measure_d, "prom")
    run = magg.call(servo, ["--check", "app1"])
    assert run.ok, run
    assert run.result["drivers"]["old"]["run"] == "never"
    assert not os.path.exists(log)


def test_check_without_app_id_is_a_usage_error(servo, measure_d, magg):
    write_driver(measure_d, "prom")
    run = magg.call(servo, ["--check"])
    assert run.returncode == 2 and run.result["reason"] == "usage", run


# -- terminal or pipe --------------------------------------------------------------

def test_check_on_a_terminal_prints_a_table_then_the_json_line(servo, measure_d, magg):
    two_drivers(measure_d)
    code, out = on_terminal(magg, servo, ["--check", "app1"])
    lines = out.strip().split("\n")
    assert code == 0, out
    assert lines[0].split()[:3] == ["driver", "run", "version"]
    assert any(l.startswith("prom") and "cpu (cores)" in l for l in lines)
    assert json.loads(lines[-1])["status"] == "ok"


def test_plan_on_a_terminal_prints_a_table_then_the_json_line(servo, measure_d, magg):
    two_drivers(measure_d)
    code, out = on_terminal(magg, servo, ["--plan", "app1"],
                            json.dumps({"metrics": ["cpu"]}).encode())
    lines = out.strip().split("\n")
    assert code == 0, out
    assert lines[0].split()[:2] == ["driver", "measures"]
    assert any(l.startswith("prom") and "cpu" in l for l in lines)
    assert json.loads(lines[-1])["drivers"]["prom"]["input"]["metrics"] == ["cpu"]


def test_version_on_a_terminal_prints_a_table_then_the_json_line(servo, measure_d, magg):
    two_drivers(measure_d)
    code, out = on_terminal(magg, servo, ["--version"])
    lines = out.strip().split("\n")
    assert code == 0, out
    assert lines[2].split()[0] == "magg"
    assert "vegeta" in lines[4] and "7.7.7" in lines[4]
    assert json.loads(lines[-1])["status"] == "ok"


def test_on_a_pipe_plan_check_and_version_print_only_the_json_line(
        servo, measure_d, magg):
    two_drivers(measure_d)
    for args, stdin in ((["--plan", "app1"], {}), (["--check", "app1"], None),
                        (["--version"], None)):
        run = magg.call(servo, args, stdin=stdin)
        assert run.ok, run
        assert len(run.stdout) == 1, (args, run.stdout)


# -- text that cannot drive a terminal ----------------------------------------------

EVIL_NAME = "prom\x1b]0;owned\x07"
TERMINAL_CONTROLS = ("\x1b", "\x07", "\x9b", "\r")


def hostile(measure_d):
    """A driver whose name, version, metric, unit and stderr carry terminal controls."""
    write_driver(measure_d, EVIL_NAME, describe={"cpu\x1b[2J": {"unit": "ms\x07"}},
                 info={"has_cancel": True, "version": "1.0\x1b[31m"},
                 info_stderr="\x1b]0;log\x07 noisy\n")
    write_driver(measure_d, "broken", describe_exit=1,
                 describe_stderr="\x1b[2Jboom\x9b\n")


def test_check_table_shows_control_characters_escaped_and_the_json_exact(
        servo, measure_d, magg):
    hostile(measure_d)
    code, out = on_terminal(magg, servo, ["--check", "app1"])
    assert code == 1, out
    assert not any(c in out for c in TERMINAL_CONTROLS), repr(out)
    assert "prom\\x1b]0;owned\\x07" in out and "1.0\\x1b[31m" in out
    assert "cpu\\x1b[2J (ms\\x07)" in out and "\\x1b[2Jboom\\x9b" in out
    final = json.loads(out.strip().split("\n")[-1])
    assert final["drivers"][EVIL_NAME]["version"] == "1.0\x1b[31m"
    assert final["drivers"][EVIL_NAME]["metrics"] == {"cpu\x1b[2J": {"unit": "ms\x07"}}


def test_plan_table_shows_the_requests_metric_names_escaped(servo, measure_d, magg):
    hostile(measure_d)
    os.remove(str(measure_d / "broken"))
    request = {"metrics": ["cpu\x1b[2J", "gone\x1b]0;x\x07"]}
    code, out = on_terminal(magg, servo, ["--plan", "app1"], json.dumps(request).encode())
    assert code == 0, out
    assert not any(c in out for c in TERMINAL_CONTROLS), repr(out)
    assert "metrics no driver describes: gone\\x1b]0;x\\x07" in out
    assert json.loads(out.strip().split("\n")[-1])["unowned_metrics"] == ["gone\x1b]0;x\x07"]


def test_version_table_shows_versions_escaped(servo, measure_d, magg):
    hostile(measure_d)
    code, out = on_terminal(magg, servo, ["--version"])
    assert code == 0, out
    assert not any(c in out for c in TERMINAL_CONTROLS), repr(out)
    assert "1.0\\x1b[31m" in out


def test_stderr_prefix_shows_the_drivers_name_escaped(servo, measure_d, magg):
    hostile(measure_d)
    run = magg.info(servo)
    assert run.ok, run
    assert "[prom\\x1b]0;owned\\x07] " in run.stderr
    assert EVIL_NAME not in run.stderr


def test_an_undecodable_file_name_is_shown_by_its_bytes_and_still_runs(
        servo, measure_d, magg):
    name = os.fsdecode(b"prom\xff")
    write_driver(measure_d, name, describe={"cpu": {}}, stderr="hello\n")
    run = magg.measure(servo, {"metrics": ["cpu"]})
    assert run.ok and run.result["metrics"] == {"cpu": {"value": 1.0}}, run
    assert "[prom\\xff] hello" in run.stderr
    code, out = on_terminal(magg, servo, ["--version"])
    assert code == 0 and "prom\\xff" in out, out
