"""--check and --version reports from the drivers' answers (no processes)."""

from app.drivers import Driver
from app.health import cancel_warnings, check_report, plan_report, version_report
from app.merge import Outcome
from app.plan import Plan


def outcome(name, result, returncode=0, stderr=b""):
    return Outcome(name, returncode, result, None, False, stderr)


def info(name, version="1.0", has_cancel=True):
    return outcome(name, {"has_cancel": has_cancel, "version": version})


def desc(name, metrics):
    return outcome(name, {"status": "ok", "metrics": metrics})


def drivers(*names, **modes):
    return [Driver(n, "measure.d/" + n, modes.get(n.replace("-", "_"), "always"))
            for n in names]


TIMES = {"prom": {"info": 0.01234, "describe": 0.5}, "exec": {"info": 0.02, "describe": None}}


def timed(outcomes, call):
    """The outcomes with how long each call took, as the supervisor measures it."""
    return [o._replace(seconds=TIMES.get(o.name, {}).get(call)) for o in outcomes]


def report(ds, infos, descs, force_cancel=False):
    return check_report(ds, timed(infos, "info"), timed(descs, "describe"), force_cancel, "9.9")


def test_healthy_check_lists_each_driver_with_version_cancel_metrics_and_times():
    r = report(drivers("exec", "prom"), [info("exec", "2", False), info("prom")],
               [desc("exec", {}), desc("prom", {"cpu": {"unit": "cores"}})])
    assert r["status"] == "ok" and "message" not in r
    assert r["drivers"]["prom"] == {"run": "always", "version": "1.0", "has_cancel": True,
                                    "metrics": {"cpu": {"unit": "cores"}},
                                    "seconds": {"info": 0.012, "describe": 0.5},
                                    "problem": None}
    assert r["drivers"]["exec"]["seconds"] == {"info": 0.02, "describe": None}
    assert r["has_cancel"] is False
    assert r["clashes"] == []


def test_failing_describe_fails_the_check_naming_the_driver_call_and_stderr():
    r = report(drivers("exec", "prom"), [info("exec"), info("prom")],
               [desc("exec", {}), outcome("prom", None, 2, b"log\nconnection refused\n")])
    assert r["status"] == "failed" and r["reason"] == "check"
    problem = r["drivers"]["prom"]["problem"]
    assert problem.startswith("--describe: failed:")
    assert "exit code 2" in problem and "connection refused" in problem
    assert r["drivers"]["prom"]["version"] == "1.0"
    assert "prom: --describe" in r["message"]
    assert r["drivers"]["exec"]["problem"] is None


def test_failing_info_leaves_version_unknown_and_fails_the_check():
    r = report(drivers("prom"), [outcome("prom", {"version": "1"})], [desc("prom", {})])
    assert r["status"] == "failed"
    assert r["drivers"]["prom"]["version"] is None
    assert "has_cancel" in r["drivers"]["prom"]["problem"]


def test_metric_described_twice_fails_the_check_and_names_both_drivers():
    r = report(drivers("prom-a", "prom-b"), [info("prom-a"), info("prom-b")],
               [desc("prom-a", {"cpu": {}, "mem": {}}), desc("prom-b", {"cpu": {}})])
    assert r["status"] == "failed"
    assert r["clashes"] == [{"metric": "cpu", "drivers": ["prom-a", "prom-b"]}]
    for name in ("prom-a", "prom-b"):
        assert "cpu is described by prom-a and prom-b" in r["drivers"][name]["problem"]


def test_switched_off_driver_is_listed_without_running_and_fails_nothing():
    r = report(drivers("old", "prom", old="never"), [info("prom")], [desc("prom", {})])
    assert r["status"] == "ok"
    assert r["drivers"]["old"]["run"] == "never"
    assert r["drivers"]["old"]["version"] is None and r["drivers"]["old"]["problem"] is None


def test_version_report_names_a_driver_that_cannot_answer_and_still_succeeds():
    r = version_report([info("prom", "0.3"), outcome("bad", None, 1, b"no python\n")], "9.9")
    assert r["status"] == "ok" and r["version"] == "9.9"
    assert r["drivers"] == {"prom": "0.3", "bad": None}
    assert "exit code 1" in r["problems"]["bad"] and "no python" in r["problems"]["bad"]


def test_version_report_without_drivers_is_maggs_own_version():
    assert version_report([], "9.9") == {"status": "ok", "version": "9.9", "drivers": {},
                                         "problems": {}}


# -- cancel abilities: a warning, not a problem ----------------------------------

def forced(*names, **modes):
    return [d._replace(force_cancel=True) if d.name in names else d
            for d in drivers("prom", "vegeta", **modes)]


def mixed():
    return [info("prom", has_cancel=True), info("vegeta", has_cancel=False)], \
        [desc("prom", {}), desc("vegeta", {})]


def test_mixed_cancel_abilities_warn_naming_the_key_without_failing_the_check():
    r = report(drivers("prom", "vegeta"), *mixed())
    assert r["status"] == "ok" and r["has_cancel"] is False
    [warning] = r["warnings"]
    assert "prom can cancel, vegeta cannot" in warning
    assert "magg.drivers.vegeta.force_cancel: true" in warning and "SIGKILL" in warning


def test_per_driver_force_cancel_covers_the_driver_and_makes_has_cancel_true():
    r = report(forced("vegeta"), *mixed())
    assert r["warnings"] == [] and r["has_cancel"] is True
    assert report(forced("prom"), *mixed())["warnings"]       # the wrong driver forced


def test_global_force_cancel_covers_every_driver():
    r = report(drivers("prom", "vegeta"), *mixed(), force_cancel=True)
    assert r["warnings"] == [] and r["has_cancel"] is True


def test_drivers_that_all_cannot_cancel_do_not_differ():
    infos = [info("prom", has_cancel=False), info("vegeta", has_cancel=False)]
    assert report(drivers("prom", "vegeta"), infos, mixed()[1])["warnings"] == []


def test_cancel_warning_counts_what_names_it_cannot_fit():
    able = {"d%02d" % i: {"has_cancel": True} for i in range(12)}
    able["hey"] = {"has_cancel": False}
    [warning] = cancel_warnings(able, False, set())
    assert "d00, d01, d02, d03, d04 and 7 more can cancel, hey cannot" in warning


def plan_of(inputs):
    return Plan(inputs={n: {"control": {}} for n in inputs}, skipped={}, unowned=[],
                unknown_overrides=[], unused_userdata=[], seconds={}, longest=0,
                limit=None)


def test_plan_counts_only_the_drivers_that_would_measure():
    merged = {"drivers": {"prom": {"has_cancel": True}, "vegeta": {"has_cancel": False}}}
    alone = plan_report(merged, plan_of(["prom"]), 0, False)
    assert alone["warnings"] == [] and alone["has_cancel"] is True
    both = plan_report(merged, plan_of(["prom", "vegeta"]), 0, False)
    assert both["has_cancel"] is False and "vegeta cannot" in both["warnings"][0]
    covered = plan_report(merged, plan_of(["prom", "vegeta"]), 0, False, {"vegeta"})
    assert covered["warnings"] == [] and covered["has_cancel"] is True


def test_a_check_with_every_kind_of_problem_is_one_exact_report():
    from app.drivers import Discovery
    ds = drivers("prom", "b-broken", "c-off", "exec", c_off="never")
    ds[3] = ds[3]._replace(force_cancel=True)
    infos = [info("prom", "2.1", True), outcome("b-broken", {"has_cancel": False, "version": "1"}),
             info("exec", "0.3", False)]
    descs = [desc("prom", {"cpu": {"unit": "%"}, "mem": {}}),
             outcome("b-broken", {"status": "failed", "reason": "no-backend", "message": "down"},
                     1, b"first\n" + b"x" * 300 + b"\n"),
             desc("exec", {"cpu": {}})]
    found = Discovery([], {"notes.txt": "not executable"},
                      {"measure.d/exec": "group-writable", "measure.d": "world-writable"})
    got = check_report(ds, timed(infos, "info"), timed(descs, "describe"), False, "9.9", found)
    unsafe = "can be changed by someone other than magg's user and root: "
    clash = "cpu is described by prom and exec"
    broken = "--describe: failed: down (exit code 1) (stderr: %s)" % ("x" * 200)
    assert got == {
        "status": "failed", "reason": "check", "version": "9.9", "has_cancel": False,
        "drivers": {
            "prom": {"run": "always", "version": "2.1", "has_cancel": True,
                     "metrics": {"cpu": {"unit": "%"}, "mem": {}},
                     "seconds": {"info": 0.012, "describe": 0.5}, "problem": clash},
            "b-broken": {"run": "always", "version": "1", "has_cancel": False, "metrics": {},
                         "seconds": {"info": None, "describe": None}, "problem": broken},
            "c-off": {"run": "never", "version": None, "has_cancel": None, "metrics": {},
                      "seconds": {}, "problem": None},
            "exec": {"run": "always", "version": "0.3", "has_cancel": False,
                     "metrics": {"cpu": {}}, "seconds": {"info": 0.02, "describe": None},
                     "problem": unsafe + "group-writable; " + clash}},
        "clashes": [{"metric": "cpu", "drivers": ["prom", "exec"]}],
        "ignored": {"notes.txt": "not executable"},
        "unsafe": {"measure.d/exec": "group-writable", "measure.d": "world-writable"},
        "warnings": [
            "cancel abilities differ: exec, prom can cancel, b-broken cannot; when a driver "
            "fails (an SLO abort, say), magg waits for b-broken to finish, and the agent's "
            "cancel reaches magg as SIGKILL (magg's has_cancel is false); set "
            "magg.drivers.b-broken.force_cancel: true to stop it too (SIGTERM, then SIGKILL "
            "of its process group)"],
        "message": "4 problem(s): measure.d: %sworld-writable; prom: %s; b-broken: %s; "
                   "exec: %sgroup-writable; %s" % (unsafe, clash, broken, unsafe, clash)}


def test_a_failing_info_is_named_with_its_call_status_and_stderr_and_no_version():
    ds = drivers("prom")
    infos = [outcome("prom", {"status": "failed", "reason": "r", "message": "no backend"}, 2,
                     b"connecting\nrefused\n")]
    got = check_report(ds, infos, [desc("prom", {"cpu": {}})], True, "9.9")
    problem = "--info: failed: no backend (exit code 2) (stderr: refused)"
    assert got["drivers"]["prom"] == {
        "run": "always", "version": None, "has_cancel": None, "metrics": {"cpu": {}},
        "seconds": {"info": None, "describe": None}, "problem": problem}
    assert (got["status"], got["message"], got["has_cancel"], got["warnings"]) == \
        ("failed", "1 problem(s): prom: " + problem, True, [])
    assert version_report(infos, "9.9") == {
        "status": "ok", "version": "9.9", "drivers": {"prom": None},
        "problems": {"prom": problem}}


def test_a_plan_report_says_every_part_of_the_plan():
    merged = {"drivers": {"prom": {"has_cancel": True}, "vegeta": {"has_cancel": False},
                          "idle": {"has_cancel": True}}}
    plan = Plan(inputs={"prom": {"metrics": ["cpu"], "control": {}},
                        "vegeta": {"control": {"duration": 5}}},
                skipped={"idle": "owns none of the metrics asked for"}, unowned=["disk"],
                unknown_overrides=["nobody"], unused_userdata=["slo"], seconds={},
                longest=5.0, limit=65.0)
    got = plan_report(merged, plan, 60, False, ignored={"README": "not executable"})
    assert got == {
        "status": "ok", "has_cancel": False,
        "warnings": [
            "cancel abilities differ: prom can cancel, vegeta cannot; when a driver fails "
            "(an SLO abort, say), magg waits for vegeta to finish, and the agent's cancel "
            "reaches magg as SIGKILL (magg's has_cancel is false); set "
            "magg.drivers.vegeta.force_cancel: true to stop it too (SIGTERM, then SIGKILL of "
            "its process group)"],
        "ignored": {"README": "not executable"},
        "drivers": {"prom": {"input": {"metrics": ["cpu"], "control": {}}, "has_cancel": True},
                    "vegeta": {"input": {"control": {"duration": 5}}, "has_cancel": False}},
        "skipped": {"idle": "owns none of the metrics asked for"},
        "unowned_metrics": ["disk"], "unknown_overrides": ["nobody"],
        "unused_userdata": ["slo"],
        "time_limit": {"longest_measurement": 5.0, "grace_period": 60, "deadline": 65.0}}
    forced = plan_report(merged, plan, 60, True)
    assert (forced["has_cancel"], forced["warnings"]) == (True, [])


def test_a_describe_that_is_no_object_and_a_failed_info_are_both_the_drivers_problem():
    ds = drivers("prom", "vegeta")
    infos = [outcome("prom", {"status": "failed", "message": "no"}, 1),
             info("vegeta", "1", True)]
    descs = [outcome("prom", {"status": "ok", "metrics": [1]}), desc("vegeta", {})]
    got = check_report(ds, infos, descs, False, "9.9")
    assert got["drivers"]["prom"]["problem"] == (
        "--info: failed: no (exit code 1); "
        "driver prom: --describe metrics must be an object, got list")
    # prom never answered --info: the cancel abilities are vegeta's alone.
    assert (got["has_cancel"], got["warnings"]) == (True, [])
