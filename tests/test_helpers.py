"""The test helpers behave as documented: agent.py reads like the servo agent,
fakedriver.py drivers do what their spec or script says."""

import importlib.util
import json
import os
import signal
import subprocess

import agent
import pytest

import fakedriver
from fakedriver import make_servo, read_records, write_driver, write_script
from processes import wait_until


def sh(servo, body, **kw):
    """A command for the agent: a sh script that reads stdin only if body does."""
    return [write_script(os.path.join(str(servo), "measure.d"), "d", sh=body,
                         read_stdin=False, **kw)]


def test_agent_takes_the_last_non_progress_line_and_ignores_blank_lines(tmp_path):
    cmd = sh(tmp_path, "echo '{\"status\": \"ok\", \"n\": 1}'; echo; "
                       "echo '{\"progress\": 10, \"status\": \"x\"}'; echo '{\"status\": \"ok\", \"n\": 2}'; "
                       "echo '{\"progress\": 90}'")
    run = agent.measure(cmd, "a", {}, str(tmp_path))
    assert run.ok, run
    assert run.result == {"status": "ok", "n": 2}
    assert [p["progress"] for p in run.progress] == [10, 90]
    assert len(run.progress_times) == 2


def test_agent_fails_on_a_line_that_is_not_json(tmp_path):
    cmd = sh(tmp_path, "echo hello; echo '{\"status\": \"ok\"}'")
    run = agent.measure(cmd, "a", {}, str(tmp_path))
    assert not run.ok
    assert "not a JSON object" in run.error


def test_agent_reads_a_last_line_without_newline(tmp_path):
    cmd = sh(tmp_path, "printf '{\"status\": \"ok\"}'")
    assert agent.measure(cmd, "a", {}, str(tmp_path)).ok


def test_agent_writes_a_large_request_whole_and_closes_stdin(tmp_path):
    cmd = sh(tmp_path, "wc -c >&2; echo '{\"status\": \"ok\"}'")
    request = {"metrics": ["m%d" % i for i in range(20000)]}
    run = agent.measure(cmd, "a", request, str(tmp_path))
    assert run.ok, run
    assert int(run.stderr.strip()) == len(json.dumps(request))


def test_agent_keeps_stderr_and_reports_a_non_zero_exit(tmp_path):
    cmd = sh(tmp_path, "echo oops >&2; echo '{\"status\": \"failed\"}'; exit 4")
    run = agent.measure(cmd, "a", {}, str(tmp_path))
    assert run.returncode == 4 and run.status == "failed"
    assert "oops" in run.stderr and "oops" in run.error


def test_agent_io_timeout_kills_a_silent_process(tmp_path):
    cmd = sh(tmp_path, "exec sleep 30")
    run = agent.measure(cmd, "a", {}, str(tmp_path), io_timeout=0.5)
    assert run.killed == "io_timeout"
    assert run.returncode == -signal.SIGKILL
    assert run.elapsed < 5


def test_agent_io_timeout_comes_from_optune_io_timeout(tmp_path):
    cmd = sh(tmp_path, "", prelude="exec sleep 30")
    env = dict(os.environ, OPTUNE_IO_TIMEOUT="0.5")
    run = agent.info(cmd, "a", str(tmp_path), env=env)
    assert run.killed == "io_timeout"


def test_cycle_stops_at_the_first_failing_step(tmp_path):
    make_servo(tmp_path)
    cmd = [write_driver(tmp_path / "measure.d", "d", describe_exit=1)]
    c = agent.cycle(cmd, "a", {}, str(tmp_path))
    assert c.info.ok and not c.describe.ok and c.measure is None
    assert c.failed[0] == "describe"


def test_cancel_sends_sigusr1_to_a_driver_with_cancel(tmp_path):
    log = str(tmp_path / "log")
    cmd = [write_driver(tmp_path / "measure.d", "d", progress=[1], sleep=30, record=log)]
    c = agent.cycle(cmd, "a", {}, str(tmp_path), on_progress=lambda line, m: m.cancel())
    assert c.measure.returncode == 3
    assert [r["signum"] for r in read_records(log, "signal")] == [signal.SIGUSR1]


def test_cancel_sends_sigkill_to_a_driver_without_cancel(tmp_path):
    cmd = [write_driver(tmp_path / "measure.d", "d", cancel="ignore", progress=[1], sleep=30)]
    c = agent.cycle(cmd, "a", {}, str(tmp_path), on_progress=lambda line, m: m.cancel())
    assert c.info.result["has_cancel"] is False
    assert c.measure.returncode == -signal.SIGKILL


def test_fake_driver_records_argv_cwd_stdin_and_env(tmp_path):
    log = str(tmp_path / "log")
    cmd = [write_driver(tmp_path / "measure.d", "d", describe={"m": {}}, record=log)]
    env = dict(os.environ, MAGG_TEST="1")
    run = agent.measure(cmd, "app", {"metrics": ["m"]}, str(tmp_path), env=env)
    assert run.result == {"status": "ok", "metrics": {"m": {"value": 1.0}}}
    start, = read_records(log, "start")
    assert start["argv"][1:] == ["app"]
    assert start["cwd"] == str(tmp_path)
    assert json.loads(start["stdin"]) == {"metrics": ["m"]}
    assert start["env"]["MAGG_TEST"] == "1"


def test_fake_driver_unprefixed_keys_are_for_measure_only(tmp_path):
    cmd = [write_driver(tmp_path / "measure.d", "d", exit=1, stdout="garbage\n",
                        info_stderr="info log\n")]
    info = agent.info(cmd, "a", str(tmp_path))
    assert info.ok and info.stderr == "info log\n"
    assert agent.describe(cmd, "a", str(tmp_path)).ok
    assert not agent.measure(cmd, "a", {}, str(tmp_path)).ok


def test_fake_driver_split_writes_and_no_newline_still_make_one_line(tmp_path):
    cmd = [write_driver(tmp_path / "measure.d", "d", annotations={"a": "x" * 50},
                        split_writes=True, no_newline=True)]
    run = agent.measure(cmd, "a", {}, str(tmp_path))
    assert run.ok and run.result["annotations"] == {"a": "x" * 50}


def catches(pid, signum):
    """True once the process has a handler of its own for signum (/proc SigCgt)."""
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("SigCgt:"):
                return bool(int(line.split()[1], 16) >> (signum - 1) & 1)
    return False


def test_fake_driver_answers_cancel_while_it_still_waits_for_its_input(tmp_path):
    # A test may signal a driver as soon as it runs: the handler comes first.
    path = write_driver(tmp_path / "measure.d", "d", sleep=30)
    proc = subprocess.Popen([path, "app"], cwd=str(tmp_path), stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE)
    try:
        assert wait_until(lambda: catches(proc.pid, signal.SIGUSR1), 10)
        proc.send_signal(signal.SIGUSR1)
        assert json.loads(proc.stdout.read())["reason"] == "canceled"
        assert proc.wait(timeout=10) == 3
    finally:
        proc.kill()
        proc.wait()
        proc.stdin.close()
        proc.stdout.close()


def test_fake_driver_loads_its_module_compiled_not_from_source(tmp_path):
    # Suites start drivers by the thousand, with PYTHONDONTWRITEBYTECODE set.
    path = write_driver(tmp_path / "measure.d", "d")
    env = dict(os.environ, PYTHONVERBOSE="1", PYTHONDONTWRITEBYTECODE="1")
    proc = subprocess.run([path, "--info"], cwd=str(tmp_path), env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30)
    assert proc.returncode == 0
    cached = importlib.util.cache_from_source(fakedriver.SPECDRIVER)
    assert "code object from %r" % cached in proc.stderr.decode()


# -- write_script -------------------------------------------------------------

@pytest.mark.parametrize("lang", ["sh", "py"])
def test_script_driver_answers_info_and_describe_from_its_parameters(tmp_path, lang):
    cmd = [write_script(tmp_path / "measure.d", "d", has_cancel=True, version="2.5",
                        metrics={"cpu": {"unit": "cores"}, "mem": {}},
                        **{lang: "exit 7" if lang == "sh" else "sys.exit(7)"})]
    info = agent.info(cmd, "a", str(tmp_path))
    assert info.ok and info.result == {"has_cancel": True, "version": "2.5"}, info
    describe = agent.describe(cmd, "a", str(tmp_path))
    assert describe.ok and describe.result == {
        "status": "ok", "metrics": {"cpu": {"unit": "cores"}, "mem": {}}}, describe
    assert agent.measure(cmd, "a", {}, str(tmp_path)).returncode == 7


def test_script_driver_defaults_to_no_cancel_and_metric_names_without_attributes(
        tmp_path):
    cmd = [write_script(tmp_path / "measure.d", "d", metrics=["rps"], sh="exit 0")]
    assert agent.info(cmd, "a", str(tmp_path)).result == {"has_cancel": False,
                                                          "version": "1.0"}
    assert agent.describe(cmd, "a", str(tmp_path)).result["metrics"] == {"rps": {}}


@pytest.mark.parametrize("lang", ["sh", "py"])
def test_script_driver_prints_raw_info_and_describe_text_when_given(tmp_path, lang):
    cmd = [write_script(tmp_path / "measure.d", "d", info_stdout="not json\n",
                        describe_stdout="", **{lang: "exit 0" if lang == "sh" else "pass"})]
    info = agent.info(cmd, "a", str(tmp_path))
    assert info.stdout == ["not json"] and "not a JSON object" in info.error
    assert agent.describe(cmd, "a", str(tmp_path)).stdout == []


def test_python_script_driver_gets_its_parameters_and_the_request(tmp_path):
    cmd = [write_script(tmp_path / "measure.d", "d", limit=3, names=["a", "b"], py="""
        out(json.dumps({"status": "ok", "metrics": {}, "annotations": {
            "mode": MODE, "P": P, "request": request}}) + "\\n")
        """)]
    run = agent.measure(cmd, "app", {"control": {"duration": 1}}, str(tmp_path))
    assert run.ok, run
    assert run.result["annotations"] == {"mode": "app", "P": {"limit": 3, "names": ["a", "b"]},
                                         "request": {"control": {"duration": 1}}}


@pytest.mark.parametrize("lang, script", [
    ("sh", "wc -c >&2"),
    ("py", "err(str(len(sys.stdin.read())))"),
])
def test_script_driver_reads_stdin_first_unless_told_not_to(tmp_path, lang, script):
    for read_stdin, left in ((True, "0"), (False, str(len('{"n": 12}')))):
        cmd = [write_script(tmp_path / "measure.d", "d", read_stdin=read_stdin,
                            **{lang: script})]
        run = agent.measure(cmd, "app", {"n": 12}, str(tmp_path))
        assert run.stderr.strip() == left, (read_stdin, run)


def test_script_prelude_runs_on_every_call_before_the_answer(tmp_path):
    calls = tmp_path / "calls"
    cmd = [write_script(tmp_path / "measure.d", "d", prelude='echo "$1" >> "%s"' % calls,
                        sh='echo \'{"status": "ok", "metrics": {}}\'')]
    agent.info(cmd, "a", str(tmp_path))
    agent.describe(cmd, "a", str(tmp_path))
    agent.measure(cmd, "a", {}, str(tmp_path))
    assert calls.read_text().split() == ["--info", "--describe", "a"]


def test_sh_script_wait_for_returns_once_the_file_exists(tmp_path):
    flag = tmp_path / "flag"
    flag.write_text("")
    cmd = [write_script(tmp_path / "measure.d", "d", sh='wait_for "%s"; echo done' % flag)]
    assert agent.measure(cmd, "a", {}, str(tmp_path), timeout=5).stdout == ["done"]


def test_write_script_takes_exactly_one_script_and_parameters_only_for_python(tmp_path):
    with pytest.raises(TypeError):
        write_script(tmp_path, "d")
    with pytest.raises(TypeError):
        write_script(tmp_path, "d", sh="true", py="pass")
    with pytest.raises(TypeError):
        write_script(tmp_path, "d", sh="true", limit=3)
