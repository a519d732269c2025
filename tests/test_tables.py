"""The tables --plan, --check and --version print on a terminal (no processes)."""

from app import health
from app.drivers import Discovery
from app.plan import Plan
from app.tables import check_table, grid, plan_table, version_table
from test_health import desc, drivers, info, outcome, timed


def lines(text):
    return text.rstrip("\n").split("\n")


def test_grid_aligns_columns_under_a_rule():
    out = lines(grid(["name", "v"], [["a", "1.0"], ["longer", "2"]]))
    assert out == ["name    v",
                   "------  ---",
                   "a       1.0",
                   "longer  2"]


def test_grid_cell_with_several_lines_makes_the_row_taller():
    out = lines(grid(["d", "metrics", "x"], [["p", ["cpu", "mem"], "ok"], ["q", "-", "ok"]]))
    assert out == ["d  metrics  x",
                   "-  -------  --",
                   "p  cpu      ok",
                   "   mem",
                   "q  -        ok"]


def test_grid_shows_control_characters_and_newlines_in_a_value_escaped():
    out = lines(grid(["name", "v"], [["a\x1b]0;x\x07", "1\n2"], ["b", ["c\rd", "\x9b2J"]]]))
    assert out == ["name           v",
                   "-------------  ------",
                   "a\\x1b]0;x\\x07  1\\n2",
                   "b              c\\rd",
                   "               \\x9b2J"]


def check_report(status="ok", problem=None, clashes=()):
    report = {"status": status, "version": "0.1.0", "has_cancel": True,
              "clashes": list(clashes), "drivers": {
                  "prom": {"run": "when-requested", "version": "0.3.0", "has_cancel": True,
                           "metrics": {"cpu": {"unit": "cores"}, "rps": {}},
                           "seconds": {"info": 0.0312, "describe": 1.5},
                           "problem": problem},
                  "old": {"run": "never", "version": None, "has_cancel": None,
                          "metrics": {}, "seconds": {}, "problem": None}}}
    if status != "ok":
        report.update(reason="check", message="1 problem(s): prom: " + str(problem))
    return report


def test_check_table_shows_each_drivers_version_cancel_mode_times_and_metrics():
    out = lines(check_table(check_report()))
    assert out[0].split() == ["driver", "run", "version", "has_cancel", "--info",
                              "--describe", "metrics", "problem"]
    prom = out[2].split()
    assert prom[:8] == ["prom", "when-requested", "0.3.0", "yes", "0.03", "s", "1.50", "s"]
    assert "cpu (cores)" in out[2] and out[2].endswith("ok")
    assert out[3].strip() == "rps"


def test_check_table_shows_a_switched_off_driver_as_not_run():
    old = [l for l in lines(check_table(check_report())) if l.startswith("old")][0]
    assert old.split() == ["old", "never", "-", "-", "-", "-", "-", "not", "run"]


def test_check_table_ends_with_the_verdict():
    assert lines(check_table(check_report()))[-1].startswith("healthy")
    bad = check_table(check_report("failed", "--describe: failed: boom"))
    assert "--describe: failed: boom" in bad
    assert lines(bad)[-1].startswith("NOT healthy")


def test_check_table_names_both_drivers_of_a_clash():
    text = check_table(check_report("failed", "x", [{"metric": "cpu",
                                                     "drivers": ["prom", "prom-b"]}]))
    assert "clash: cpu is described by prom and prom-b" in text


def plan_result():
    return {"status": "ok", "has_cancel": False,
            "drivers": {"prom": {"input": {"control": {"duration": 5, "userdata": {"slo": 1}},
                                           "metrics": ["cpu", "mem"]},
                                 "has_cancel": True},
                        "exec": {"input": {"control": {"duration": 5}}, "has_cancel": False}},
            "skipped": {"prom-b": "run: when-requested, and the request names no metric "
                                  "it describes"},
            "unowned_metrics": ["derived"], "unknown_overrides": ["vegta"],
            "unused_userdata": [],
            "time_limit": {"longest_measurement": 5.0, "grace_period": 30.0,
                           "deadline": 35.0}}


def test_plan_table_lists_measuring_and_skipped_drivers_in_name_order():
    out = lines(plan_table(plan_result()))
    assert [l.split()[0] for l in out[2:6]] == ["exec", "prom", "mem", "prom-b"]
    assert '{"duration": 5, "userdata": {"slo": 1}}' in out[3]
    assert "no: run: when-requested" in out[5]


def test_plan_table_states_the_time_limit_cancel_and_what_goes_nowhere():
    text = plan_table(plan_result())
    assert "time limit: 35 s (longest warmup + duration + past 5 s, grace_period 30 s)" \
        in text
    assert "has_cancel: no" in text
    assert "metrics no driver describes: derived" in text
    assert "overrides for drivers not installed: vegta" in text
    assert "userdata named after a driver" not in text


def test_plan_table_without_grace_period_says_there_is_no_limit():
    plan = dict(plan_result(), time_limit={"longest_measurement": 5.0, "grace_period": 0,
                                           "deadline": None})
    assert "time limit: none" in plan_table(plan)


def test_version_table_puts_magg_first_and_names_a_driver_that_cannot_answer():
    out = lines(version_table({"status": "ok", "version": "0.1.0",
                               "drivers": {"prom": "0.3.0", "bad": None},
                               "problems": {"bad": "--info: failed: exit code 1"}}))
    assert out[2].split() == ["magg", "0.1.0"]
    assert out[3].split() == ["prom", "0.3.0"]
    assert out[4].startswith("bad") and "cannot answer: --info: failed: exit code 1" in out[4]


def test_check_table_lists_ignored_files_unsafe_files_and_warnings_under_the_grid():
    report = dict(check_report("failed", "x"), ignored={"prom~\x1b[2J": "an editor's backup"},
                  unsafe={"measure.d": "writable by every user (mode 0777)"},
                  warnings=["cancel abilities differ"])
    text = check_table(report)
    assert "not a driver: prom~\\x1b[2J (an editor's backup)" in text
    assert "unsafe: measure.d: writable by every user (mode 0777)" in text
    assert "warning: cancel abilities differ" in text
    assert lines(text)[-1].startswith("NOT healthy")


def test_plan_table_lists_ignored_files_and_warnings():
    text = plan_table(dict(plan_result(), ignored={"prom.bak": "a backup"},
                           warnings=["cancel abilities differ"]))
    assert "not a driver: prom.bak (a backup)" in text
    assert "warning: cancel abilities differ" in text


# -- whole tables, exactly as an operator sees them -----------------------------

WARNING = ("warning: cancel abilities differ: %s can cancel, %s cannot; when a driver fails "
           "(an SLO abort, say), magg waits for %s to finish, and the agent's cancel reaches "
           "magg as SIGKILL (magg's has_cancel is false); set magg.drivers.%s.force_cancel: "
           "true to stop it too (SIGTERM, then SIGKILL of its process group)")
UNSAFE = "can be changed by someone other than magg's user and root: group-writable"
CLASH = "cpu is described by prom and exec"
BROKEN = "--describe: failed: down (exit code 1) (stderr: last)"


def test_a_check_table_is_the_grid_then_every_note_then_the_verdict():
    ds = drivers("prom", "b-broken", "c-off", "exec", c_off="never")
    ds[3] = ds[3]._replace(force_cancel=True)
    infos = [info("prom", "2.1", True), outcome("b-broken", {"has_cancel": False, "version": "1"}),
             info("exec", "0.3", False)]
    descs = [desc("prom", {"cpu": {"unit": "%"}, "mem": {}}),
             outcome("b-broken", {"status": "failed", "message": "down"}, 1, b"last\n"),
             desc("exec", {"cpu": {}})]
    found = Discovery([], {"notes.txt": "not executable"}, {"measure.d/exec": "group-writable"})
    report = health.check_report(ds, timed(infos, "info"), timed(descs, "describe"), False,
                                 "9.9", found)
    rule = "-" * len("%s; %s" % (UNSAFE, CLASH))
    assert check_table(report).split("\n") == [
        "driver    run     version  has_cancel  --info  --describe  metrics  problem",
        "--------  ------  -------  ----------  ------  ----------  -------  " + rule,
        "prom      always  2.1      yes         0.01 s  0.50 s      cpu (%)  " + CLASH,
        "                                                           mem",
        "b-broken  always  1        no          -       -           -        " + BROKEN,
        "c-off     never   -        -           -       -           -        not run",
        "exec      always  0.3      no          0.02 s  -           cpu      %s; %s" % (UNSAFE,
                                                                                    CLASH),
        "clash: " + CLASH,
        "unsafe: measure.d/exec: group-writable",
        "not a driver: notes.txt (not executable)",
        WARNING % ("exec, prom", "b-broken", "b-broken", "b-broken"),
        "NOT healthy: 3 problem(s): prom: %s; b-broken: %s; exec: %s; %s" % (
            CLASH, BROKEN, UNSAFE, CLASH),
        ""]


def test_a_plan_table_is_the_grid_then_the_limit_cancel_and_every_note():
    merged = {"drivers": {"prom": {"has_cancel": True}, "vegeta": {"has_cancel": False},
                          "idle": {"has_cancel": True}}}
    plan = Plan(inputs={"prom": {"metrics": ["cpu"], "control": {}},
                        "vegeta": {"control": {"duration": 5}}},
                skipped={"idle": "owns none"}, unowned=["disk"], unknown_overrides=["nobody"],
                unused_userdata=["slo"], seconds={}, longest=5.0, limit=65.0)
    report = health.plan_report(merged, plan, 60, False, ignored={"README": "not executable"})
    assert plan_table(report).split("\n") == [
        "driver  measures       has_cancel  metrics  control",
        "------  -------------  ----------  -------  ---------------",
        "idle    no: owns none  -           -        -",
        "prom    yes            yes         cpu      {}",
        'vegeta  yes            no          -        {"duration": 5}',
        "time limit: 65 s (longest warmup + duration + past 5 s, grace_period 60 s)",
        "has_cancel: no",
        "metrics no driver describes: disk",
        "overrides for drivers not installed: nobody",
        "userdata named after a driver, not an override: slo",
        "not a driver: README (not executable)",
        WARNING % ("prom", "vegeta", "vegeta", "vegeta"),
        ""]


def test_a_version_table_names_magg_then_each_driver_or_why_it_has_none():
    report = health.version_report([info("prom", "2.1"), outcome("bad", None, 1)], "9.9")
    assert version_table(report).split("\n") == [
        "name  version",
        "----  ------------------------------------------",
        "magg  9.9",
        "prom  2.1",
        "bad   cannot answer: --info: failed: exit code 1",
        ""]


def test_a_healthy_check_table_ends_with_the_healthy_verdict_after_each_note():
    ds = drivers("prom", "vegeta")
    infos = [info("prom", "2.1", True), info("vegeta", "1", True)]
    descs = [desc("prom", {"cpu": None, "mem": 5}), desc("vegeta", {})]
    found = Discovery([], {"a.txt": "not executable", "b~": "an editor's backup"}, {})
    report = health.check_report(ds, infos, descs, False, "9.9", found)
    assert check_table(report).split("\n") == [
        "driver  run     version  has_cancel  --info  --describe  metrics  problem",
        "------  ------  -------  ----------  ------  ----------  -------  -------",
        "prom    always  2.1      yes         -       -           cpu      ok",
        "                                                         mem",
        "vegeta  always  1        yes         -       -           -        ok",
        "not a driver: a.txt (not executable)",
        "not a driver: b~ (an editor's backup)",
        "healthy: every driver answered --info and --describe, and no metric is described twice",
        ""]


def test_a_plan_table_without_a_grace_period_has_no_limit_and_shows_control_sorted():
    merged = {"drivers": {"prom": {"has_cancel": True}}}
    plan = Plan(inputs={"prom": {"control": {"duration": 5, "warmup": 1,
                                             "userdata": {"b": 1, "a": 2}}}},
                skipped={}, unowned=["disk", "net"], unknown_overrides=[], unused_userdata=[],
                seconds={}, longest=6.0, limit=None)
    assert plan_table(health.plan_report(merged, plan, 0, False)).split("\n") == [
        "driver  measures  has_cancel  metrics  control",
        "------  --------  ----------  -------  " + "-" * 58,
        'prom    yes       yes         -        {"duration": 5, "userdata": {"a": 2, "b": 1}, '
        '"warmup": 1}',
        "time limit: none (grace_period is 0)",
        "has_cancel: yes",
        "metrics no driver describes: disk, net",
        ""]


def test_a_version_that_is_null_shows_as_a_dash():
    report = health.version_report([outcome("odd", {"has_cancel": True, "version": None})], "9")
    assert version_table(report).split("\n") == [
        "name  version", "----  -------", "magg  9", "odd   -", ""]
