"""The protocol end to end: magg over real fake-driver processes, called
the way the servo agent calls a measure driver.

Every call goes through tests/agent.py (via the ``magg`` fixture), in a
temporary servo directory whose measure.d holds drivers written by
tests/fakedriver.py. Whatever the call, the last stdout line must be one
JSON object with a status and the exit code 0 exactly when it is "ok":
every helper below checks that.

The rules of the pure parts are unit tests: config.yaml errors in
test_config.py, bad requests in test_request.py, who gets which input in
test_plan.py, how results and failures merge in test_merge.py. Here each
kind of error appears once, to show it reaches the agent as the final line
with its status and exit code.
"""

import json
import os
import re
import signal
import subprocess

import pytest

from aggregator import APP_ID as APP
from aggregator import reports
from app import EXIT_FAILED, EXIT_INTERNAL, __version__
from fakedriver import read_records, write_driver, write_script


def final(run):
    """The final line, checked: one JSON object with a status; exit 0 iff ok."""
    assert run.stdout, run
    last = json.loads(run.stdout[-1])
    assert isinstance(last, dict) and "status" in last, run
    assert (run.returncode == 0) == (last["status"] == "ok"), run
    assert not any("Traceback" in line for line in run.stdout), run
    return last


def info(magg, servo, app=APP, env=None):
    run = magg.info(servo, app, env=env)
    return run, final(run)


def describe(magg, servo, env=None):
    run = magg.describe(servo, env=env)
    return run, final(run)


def measure(magg, servo, request, env=None, **kw):
    run = magg.measure(servo, request, env=env, **kw)
    return run, final(run)


def failed(run, result):
    assert result["status"] != "ok" and run.returncode != 0, run
    assert set(result) >= {"status", "message", "reason"}, result
    return result["message"]


def measured(log):
    """The stdin a recording fake driver got when measuring, as JSON."""
    starts = [r for r in read_records(log, "start") if r["mode"] == "measure"]
    assert len(starts) == 1, starts
    return json.loads(starts[0]["stdin"])


# -- discovery ----------------------------------------------------------------

def test_drivers_are_the_executable_files_in_measure_d_sorted_links_followed(
        magg, servo, measure_d, tmp_path):
    write_driver(measure_d, "b-vegeta")
    write_driver(measure_d, "a-prom")
    elsewhere = write_driver(str(tmp_path / "elsewhere"), "real-exec")
    os.symlink(elsewhere, os.path.join(measure_d, "c-linked"))
    os.symlink(str(tmp_path / "missing"), os.path.join(measure_d, "d-dangling"))
    with open(os.path.join(measure_d, "measure.py"), "w") as f:
        f.write("# the driver library, not a driver\n")
    with open(os.path.join(measure_d, "data.json"), "w") as f:
        f.write("{}\n")
    os.mkdir(os.path.join(measure_d, "e-directory"), 0o755)
    run, result = info(magg, servo)
    assert run.ok, run
    assert list(result["drivers"]) == ["a-prom", "b-vegeta", "c-linked"]


def test_no_measure_d_is_an_error_naming_the_directory_and_cwd(magg, tmp_path):
    servo = str(tmp_path / "servo-without-drivers")
    os.mkdir(servo)
    run, result = info(magg, servo)
    message = failed(run, result)
    assert run.returncode == EXIT_FAILED
    where = os.path.realpath(servo)
    assert os.path.join(where, "measure.d") in message
    assert "current directory %s" % where in message


@pytest.mark.parametrize("content", [[], ["measure.py"]])
def test_measure_d_without_a_driver_is_an_error_naming_it_and_cwd(
        magg, servo, measure_d, content):
    for name in content:
        open(os.path.join(measure_d, name), "w").close()
    run, result = measure(magg, servo, {"control": {"duration": 0}})
    message = failed(run, result)
    assert run.returncode == EXIT_FAILED
    where = os.path.realpath(servo)
    assert os.path.join(where, "measure.d") in message
    assert "current directory %s" % where in message


# -- running drivers ------------------------------------------------------------

@pytest.mark.parametrize("mode", ["info", "describe", "measure"])
def test_drivers_of_a_round_run_at_the_same_time(magg, servo, measure_d, tmp_path, mode):
    marks = str(tmp_path / "marks")
    os.mkdir(marks)
    # Each driver only answers once the other one has started the same call.
    for me, other in (("left", "right"), ("right", "left")):
        prelude = 'mode=${1#--}; [ "$mode" = "$1" ] && mode=measure\n' \
                  'touch "%s/%s.$mode"; wait_for "%s/%s.$mode"' % (marks, me, marks, other)
        write_script(measure_d, me, has_cancel=True, prelude=prelude,
                     sh='echo \'{"status": "ok", "metrics": {}}\'')
    call = {"info": lambda: info(magg, servo), "describe": lambda: describe(magg, servo),
            "measure": lambda: measure(magg, servo, {"metrics": ["x"]})}[mode]
    run, result = call()
    assert run.ok, run


def test_drivers_get_the_protocol_argv_in_the_aggregators_cwd(
        magg, servo, measure_d, tmp_path):
    log = str(tmp_path / "prom.log")
    write_driver(measure_d, "prom", describe={"cpu": {}}, record=log)
    assert info(magg, servo, app=None)[0].ok
    assert info(magg, servo)[0].ok
    assert describe(magg, servo)[0].ok
    assert measure(magg, servo, {"metrics": ["cpu"]})[0].ok
    starts = read_records(log, "start")
    argvs = [r["argv"][1:] for r in starts]
    assert argvs[:3] == [["--info"], ["--info", APP], ["--describe", APP]]
    # measure: --info and --describe (any order), then the measure call
    assert sorted(map(tuple, argvs[3:5])) == [("--describe", APP), ("--info", APP)]
    assert argvs[5:] == [[APP]]
    assert all(r["cwd"] == os.path.realpath(servo) for r in starts)


def test_drivers_get_the_aggregators_environment_unchanged(
        magg, servo, measure_d, tmp_path):
    # A sh driver, so no Python in the driver edits what it was given; the C
    # locale, so a Python aggregator would add LC_CTYPE if it did not take care.
    dumps = str(tmp_path / "env")
    os.mkdir(dumps)
    write_script(measure_d, "envy", has_cancel=True, prelude='env -0 > "%s/$#-$1"' % dumps,
                 sh='echo \'{"status": "ok", "metrics": {}}\'')
    env = magg.env(MAGG_TEST_MARKER="kept as is", OPTUNE_IO_TIMEOUT="600", LANG="C")
    for key in ("LC_ALL", "LC_CTYPE"):
        env.pop(key, None)
    assert info(magg, servo, env=env)[0].ok
    assert measure(magg, servo, {"metrics": ["x"]}, env=env)[0].ok
    files = sorted(os.listdir(dumps))
    assert files == ["1-app1", "2---describe", "2---info"]
    for name in files:
        with open(os.path.join(dumps, name), "rb") as f:
            entries = [e.decode("utf-8", "replace") for e in f.read().split(b"\0") if e]
        seen = dict(e.split("=", 1) for e in entries)
        for key in ("PWD", "OLDPWD", "SHLVL", "_"):    # the shell's own
            seen.pop(key, None)
            env.pop(key, None)
        assert seen == env, name


def test_driver_writing_its_result_in_pieces_without_newline_is_read_whole(
        magg, servo, measure_d):
    write_driver(measure_d, "prom", describe={"cpu": {}},
                 measure={"cpu": {"value": 2.5}}, split_writes=True, no_newline=True)
    run, result = measure(magg, servo, {"metrics": ["cpu"]})
    assert run.ok, run
    assert result["metrics"] == {"cpu": {"value": 2.5}}


def test_driver_writing_a_lot_of_stderr_does_not_block(magg, servo, measure_d):
    write_driver(measure_d, "chatty", stderr="debug " * 200000 + "\n")
    run, result = measure(magg, servo, {})
    assert run.ok, run
    assert "[chatty] debug" in run.stderr


# -- --info -------------------------------------------------------------------

def test_info_lists_each_drivers_info_and_the_aggregator_version(magg, servo, measure_d):
    write_driver(measure_d, "prom", info={"has_cancel": True, "version": "0.3",
                                          "extra": [1]})
    write_driver(measure_d, "vegeta", info={"has_cancel": True, "version": "0.2"})
    run, result = info(magg, servo)
    assert run.ok, run
    assert result["has_cancel"] is True
    assert result["version"] == __version__
    assert result["drivers"] == {
        "prom": {"has_cancel": True, "version": "0.3", "extra": [1]},
        "vegeta": {"has_cancel": True, "version": "0.2"}}


def test_info_has_cancel_when_force_cancel_is_configured(magg, servo, measure_d):
    (servo / "config.yaml").write_text("magg:\n  force_cancel: true\n")
    write_driver(measure_d, "legacy", cancel="default")
    run, result = info(magg, servo)
    assert run.ok, run
    assert result["has_cancel"] is True


@pytest.mark.parametrize("spec, says", [
    ({"info_exit": 1}, "exit code 1"),
    ({"info_stdout": "not json at all\n"}, "not a JSON object"),
    ({"info_stdout": ""}, "without a result"),
])
def test_info_failure_of_a_driver_is_an_error_naming_it(
        magg, servo, measure_d, spec, says):
    write_driver(measure_d, "good")
    write_driver(measure_d, "broken", **spec)
    run, result = info(magg, servo)
    message = failed(run, result)
    assert "broken" in message and says in message
    assert "good:" not in message


# -- --describe ---------------------------------------------------------------

def test_describe_is_the_union_of_metrics_with_attributes_untouched(
        magg, servo, measure_d):
    cpu = {"unit": "cores", "index": 3, "cookie": {"q": "rate(x[1m])"}, "min": 0,
           "weight": 0.5}
    write_driver(measure_d, "prom", describe={"cpu": cpu, "mem": {}})
    write_driver(measure_d, "vegeta", describe={"rps": {"unit": "rps"}})
    write_driver(measure_d, "exec")
    run, result = describe(magg, servo)
    assert run.ok, run
    assert result == {"status": "ok", "metrics": {
        "cpu": cpu, "mem": {}, "rps": {"unit": "rps"}}}


def test_metric_described_by_two_drivers_names_the_metric_and_every_driver(
        magg, servo, measure_d):
    for name in ("prom", "vegeta", "wavefront"):
        write_driver(measure_d, name, describe={"latency": {}, name + "_own": {}})
    write_driver(measure_d, "exec")
    run, result = describe(magg, servo)
    message = failed(run, result)
    assert result["status"] == "failed" and run.returncode == EXIT_FAILED
    assert "latency" in message
    for name in ("prom", "vegeta", "wavefront"):
        assert name in message
    assert "exec" not in message


def test_describe_failure_of_a_driver_names_it(magg, servo, measure_d):
    write_driver(measure_d, "prom", describe_result={"status": "failed",
                                                     "message": "no prometheus"})
    run, result = describe(magg, servo)
    assert "prom" in failed(run, result) and "no prometheus" in result["message"]


# -- command line ---------------------------------------------------------------

@pytest.mark.parametrize("args", [["--describe"], [], ["--info", APP, "extra"],
                                  [APP, "extra"]])
def test_missing_or_extra_arguments_are_a_usage_error_with_exit_2(
        magg, servo, measure_d, args):
    write_driver(measure_d, "prom")
    run = magg.call(servo, args)
    assert run.returncode == 2, run
    assert final(run)["status"] != "ok"


def test_help_explains_layout_config_keys_with_defaults_and_exit_codes(magg, tmp_path):
    done = subprocess.run(magg.cmd + ["--help"], cwd=str(tmp_path), env=magg.env(),
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          universal_newlines=True, timeout=60)
    assert done.returncode == 0, done
    text = done.stdout
    assert "measure.d" in text and "config.yaml" in text
    assert re.search(r"\bgrace_period\W+0\b", text)
    assert re.search(r"\bforce_cancel\W+false\b", text)
    assert re.search(r"\bcleanup_grace_period\W+300\b", text)
    assert "exit code" in text.lower()
    assert re.search(r"\b2\b[^\n]*usage", text.lower())
    assert json.loads(text.strip().splitlines()[-1])["status"] == "ok"


def test_version_lists_the_aggregator_and_each_drivers_version(magg, servo, measure_d):
    write_driver(measure_d, "prom", info={"has_cancel": True, "version": "0.3.1"})
    write_driver(measure_d, "vegeta", info={"has_cancel": False, "version": "7.7.7"})
    run = magg.call(servo, ["--version"])
    assert run.returncode == 0, run
    assert final(run) == {"status": "ok", "version": __version__,
                          "drivers": {"prom": "0.3.1", "vegeta": "7.7.7"}, "problems": {}}


# -- measure: the request ---------------------------------------------------------

# Which requests are bad is test_request.py's; here: nothing measures, whether
# the agent sent nothing or the mistake hides in one driver's override.
@pytest.mark.parametrize("stdin", [
    "",
    json.dumps({"control": {"userdata": {"prom": {"control": {"duration": "-1m"}}}}}),
], ids=["empty", "override-negative"])
def test_bad_request_is_refused_before_any_driver_measures(
        magg, servo, measure_d, tmp_path, stdin):
    log = str(tmp_path / "prom.log")
    write_driver(measure_d, "prom", describe={"cpu": {}}, record=log)
    run, result = measure(magg, servo, stdin)
    failed(run, result)
    assert result["status"] == "bad-request" and run.returncode == EXIT_FAILED
    assert [r for r in read_records(log, "start") if r["mode"] == "measure"] == []


# -- measure: what each driver gets -----------------------------------------------

@pytest.fixture
def recorded(servo, measure_d, tmp_path):
    """prom (cpu, mem), vegeta (rps) and exec (no metric), each recording."""
    logs = {name: str(tmp_path / (name + ".log")) for name in ("exec", "prom", "vegeta")}
    write_driver(measure_d, "prom", describe={"cpu": {}, "mem": {}}, record=logs["prom"])
    write_driver(measure_d, "vegeta", describe={"rps": {}}, record=logs["vegeta"])
    write_driver(measure_d, "exec", record=logs["exec"])
    return logs


def test_each_driver_gets_its_own_metrics_as_a_list(magg, servo, recorded):
    run, result = measure(magg, servo, {"metrics": ["rps", "mem", "cpu"],
                                  "control": {"duration": 0}})
    assert run.ok, run
    assert measured(recorded["prom"]) == {"metrics": ["mem", "cpu"],
                                          "control": {"duration": 0}}
    assert measured(recorded["vegeta"]) == {"metrics": ["rps"],
                                            "control": {"duration": 0}}
    assert measured(recorded["exec"]) == {"control": {"duration": 0}}


def test_describe_round_is_skipped_when_the_request_names_no_metrics(
        magg, servo, recorded):
    assert measure(magg, servo, {"control": {"duration": 0}})[0].ok
    assert measure(magg, servo, {"metrics": [], "control": {"duration": 0}})[0].ok
    modes = [r["mode"] for r in read_records(recorded["prom"], "start")]
    assert "describe" not in modes
    assert modes.count("measure") == 2


def test_describe_round_runs_when_the_request_names_metrics(magg, servo, recorded):
    assert measure(magg, servo, {"metrics": ["cpu"]})[0].ok
    modes = [r["mode"] for r in read_records(recorded["prom"], "start")]
    assert "describe" in modes


def test_unowned_metrics_are_one_warning_on_stderr_not_an_error(magg, servo, recorded):
    run, result = measure(magg, servo, {"metrics": ["cpu", "derived_x", "derived_y"]})
    assert run.ok, run
    assert result["metrics"]["cpu"] == {"value": 1.0}
    assert "derived_x" not in result["metrics"]
    warnings = [line for line in run.stderr.splitlines() if "derived_x" in line]
    assert len(warnings) == 1
    assert "derived_y" in warnings[0]


# -- measure: the result -------------------------------------------------------------

def test_full_agent_cycle_merges_results_with_payloads_untouched(magg, servo, measure_d):
    prom_cpu = {"values": [{"id": "pod-1", "data": [[1700000000, 0.5], [1700000030, 0.7]]}],
                "annotation": "sum(rate(cpu[1m]))"}
    write_driver(measure_d, "prom", describe={"cpu": {"unit": "cores"}},
                 measure={"cpu": prom_cpu}, annotations={"query_time": "3ms"})
    write_driver(measure_d, "vegeta", describe={"rps": {"unit": "rps"}},
                 measure={"rps": {"value": 250.0, "unit": "rps"}})
    write_driver(measure_d, "exec", measure={})
    cycle = magg.cycle(servo, {"metrics": ["cpu", "rps"], "control": {"duration": 0}})
    assert cycle.ok, cycle
    result = final(cycle.measure)
    assert result == {"status": "ok",
                      "metrics": {"cpu": prom_cpu,
                                  "rps": {"value": 250.0, "unit": "rps"}},
                      "annotations": {"query_time": "3ms"}}


def test_annotation_key_returned_by_two_drivers_keeps_both_and_says_so(
        magg, servo, measure_d):
    write_driver(measure_d, "prom", annotations={"load": "from prom"})
    write_driver(measure_d, "vegeta", annotations={"load": "from vegeta"})
    run, result = measure(magg, servo, {})
    assert run.ok, run
    assert result["annotations"] == {"load": "from prom", "vegeta:load": "from vegeta"}
    assert ("magg: annotation 'load' returned by more than one driver; "
            "vegeta's value is kept as 'vegeta:load'") in run.stderr.splitlines()


# -- measure: progress ------------------------------------------------------------------

def test_progress_is_the_minimum_over_drivers_never_goes_down_and_names_the_driver(
        magg, servo, measure_d, tmp_path):
    # A line whenever the agent has read the previous one; each driver goes on
    # only once the test has seen its last step (a file per step seen), so no
    # step is merged away before the agent gets it.
    (servo / "config.yaml").write_text("magg:\n  progress_interval: 0\n")
    seen = tmp_path / "seen"
    seen.mkdir()
    ok = 'echo \'{"status": "ok", "metrics": {}}\''
    write_script(measure_d, "fast", has_cancel=True, sh="""
        echo '{"progress": 80, "message": "fast80"}'
        wait_for "%(seen)s/fast.fast80"
        %(ok)s""" % dict(seen=seen, ok=ok))
    write_script(measure_d, "slow", has_cancel=True, sh="""
        echo '{"progress": 10, "message": "slow10"}'
        wait_for "%(seen)s/go"
        echo '{"progress": 50, "message": "slow50"}'
        wait_for "%(seen)s/slow.slow50"; wait_for "%(seen)s/fast.finished"
        echo '{"progress": 90, "message": "slow90"}'
        wait_for "%(seen)s/slow.slow90"
        %(ok)s""" % dict(seen=seen, ok=ok))
    at = {}                     # "driver: message" -> the progress of its line

    def on_progress(line, m):
        for driver, message in reports(line):
            at["%s: %s" % (driver, message)] = line["progress"]
            (seen / ("%s.%s" % (driver, message))).touch()
        if {"fast: fast80", "slow: slow10"} <= set(at):
            (seen / "go").touch()       # slow goes on once both were reported

    run, result = measure(magg, servo, {}, on_progress=on_progress)
    assert run.ok, run
    assert at["fast: fast80"] <= 10         # slow was at 0 or 10
    assert "slow: slow10" in at
    assert at["slow: slow50"] == 50         # fast is at 80 or finished
    assert at["slow: slow90"] == 90         # fast finished: it counts as 100, not 80
    values = [p["progress"] for p in run.progress]
    assert values == sorted(values)


# -- measure: failures ---------------------------------------------------------------

def test_driver_exiting_nonzero_fails_the_measurement_with_its_stderr(
        magg, servo, measure_d):
    write_driver(measure_d, "good")
    write_driver(measure_d, "prom", exit=1, stderr="connection refused to prom:9090\n")
    run, result = measure(magg, servo, {})
    message = failed(run, result)
    assert result["status"] == "failed" and run.returncode == EXIT_FAILED
    assert "prom" in message and "exit code 1" in message
    assert "connection refused to prom:9090" in message
    assert "good:" not in message


def test_driver_printing_a_non_json_line_fails_the_measurement(magg, servo, measure_d):
    write_driver(measure_d, "good")
    write_driver(measure_d, "noisy", stdout="Starting attack...\n"
                                            '{"status": "ok", "metrics": {}}\n')
    run, result = measure(magg, servo, {})
    message = failed(run, result)
    assert "noisy" in message and "not a JSON object" in message


def test_driver_ending_without_a_result_fails_the_measurement(magg, servo, measure_d):
    write_driver(measure_d, "good")
    write_driver(measure_d, "quiet", stdout='{"progress": 50}\n')
    run, result = measure(magg, servo, {})
    message = failed(run, result)
    assert "quiet" in message and "without a result" in message


# -- the final line, whatever happens ------------------------------------------------

def test_a_bug_in_magg_still_ends_with_one_json_line_and_no_traceback_on_stdout(
        monkeypatch, capfd, servo, measure_d):
    from app import cli

    def broken(*args):
        raise KeyError("oops")

    write_driver(measure_d, "prom")
    monkeypatch.chdir(servo)
    monkeypatch.setattr(cli, "dispatch", broken)
    handlers = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM,
                                                  signal.SIGUSR1, signal.SIGCHLD)}
    try:
        code = cli.run(["--info", APP])
    finally:    # magg keeps its handlers until it exits; this test's pytest goes on
        for signum, handler in handlers.items():
            signal.signal(signum, handler)
    out, err = capfd.readouterr()
    last = json.loads(out.strip().splitlines()[-1])
    assert last["status"] == "failed" and "internal" in last["message"]
    assert code == EXIT_INTERNAL
    assert "Traceback" not in out and "Traceback" in err


# -- configuration --------------------------------------------------------------------

# Which config.yaml is wrong, and what the message says, is test_config.py's;
# here: every command reads it and ends with the error.
@pytest.mark.parametrize("call", ["info", "describe", "measure"])
def test_config_error_is_a_final_error_naming_config_yaml_and_the_key(
        magg, servo, measure_d, call):
    (servo / "config.yaml").write_text("magg:\n  grace_period: 5\n  bogus_key: 1\n")
    write_driver(measure_d, "prom")
    run, result = {"info": lambda: info(magg, servo), "describe": lambda: describe(magg, servo),
                   "measure": lambda: measure(magg, servo, {})}[call]()
    message = failed(run, result)
    assert result["status"] == "failed" and run.returncode == EXIT_FAILED
    assert "config.yaml" in message and "magg.bogus_key" in message
