"""`./measure APP_ID < request.json` at a terminal: what a person sees.

magg runs on a pseudo-terminal with real fake drivers (terminalrun.py), and
its output goes through a terminal emulator (pyte). Mid-run checks await
what magg draws (the drivers hold on until the test creates their `go`
file); nothing sleeps.
"""

import json
import re
import subprocess
import termios

import pytest

import aggregator
from fakedriver import write_script
from terminalrun import OnTerminal
from viewscreen import width_of

APP = "app1"
SPARK = "\u2581\u2582\u2583\u2584\u2585\u2586\u2587\u2588"
SERIES = {"values": [{"id": "pod-0", "data": [[t, t - 99] for t in range(100, 108)]}],
          "annotation": "sum(rate(cpu[1m]))"}
REQUEST = {"metrics": ["cpu_usage", "p99_latency", "requests_throughput"],
           "control": {"duration": 1}}
SGR = re.compile(rb"\x1b\[[0-9;]*m")
INJECTED = pytest.mark.skipif(not aggregator.INJECTS, reason="the artifact runs its own app")


def driver(servo, name, metrics=(), progress=(), stderr="", result=None, code=0,
           wait=True, after=None, said=None):
    """A driver that says its piece, then (wait) holds on until servo/go exists.

    after: a file to await before anything; said: a file to write once its
    progress lines are out.
    """
    write_script(servo / "measure.d", name, has_cancel=True, metrics=metrics,
                 progress=list(progress), stderr=stderr, code=code, wait=wait,
                 go=str(servo / "go"), result=result or {"status": "ok", "metrics": {}},
                 after=after and str(servo / after), said=said and str(servo / said),
                 py='''
        if P["after"]:
            wait_for_file(P["after"])
        if P["stderr"]:
            err(P["stderr"])
        for line in P["progress"]:
            out(json.dumps(line) + "\\n")
        if P["said"]:
            note(P["said"], "said")
        if P["wait"]:
            wait_for_file(P["go"])
        out(json.dumps(P["result"]) + "\\n")
        sys.exit(P["code"])
        ''')


def three_drivers(servo):
    """prom (a time series), vegeta (a load), hook (silent) and extra (skipped)."""
    (servo / "config.yaml").write_text(
        "magg:\n  drivers:\n    extra:\n      run: when-requested\n")
    driver(servo, "prom", {"cpu_usage": {"unit": "cores"}, "p99_latency": {"unit": "ms"}},
           [{"progress": 40, "message": "querying cpu_usage"}],
           result={"status": "ok", "metrics": {
               "cpu_usage": SERIES, "p99_latency": {"value": 41.5, "unit": "ms"}}})
    driver(servo, "vegeta", {"requests_throughput": {"unit": "rps"}},
           [{"progress": 25, "message": "attacking at 250/s"}],
           result={"status": "ok", "metrics": {"requests_throughput": {"value": 242.5}},
                   "annotations": {"vegeta.rate": "250/s"}})
    driver(servo, "hook")
    driver(servo, "extra", {"error_rate": {"unit": "%"}}, wait=False)


def both_said(screen):
    """prom and vegeta said their piece (cut short on a narrow terminal)."""
    text = screen.text()
    return "querying cpu" in text and "attacking at" in text


def go(servo):
    (servo / "go").write_text("")


def block(screen, names):
    """The rows of the live block, from the total to the last of names, in order."""
    rows = screen.rows()
    top = max(i for i, row in enumerate(rows) if row.startswith("total"))
    shown = rows[top:top + 1 + len(names)]
    assert [row.split()[0] for row in shown] == ["total"] + list(names), rows
    return shown


def table_rows(screen):
    """The rows from the result table's header down."""
    rows = screen.rows()
    top = max(i for i, row in enumerate(rows) if row.startswith("metric "))
    return rows[top:]


# -- while it runs --------------------------------------------------------------

def test_mid_run_one_line_per_driver_under_the_total_and_skipped_ones_say_why(servo, magg):
    three_drivers(servo)
    with OnTerminal(magg, servo, [APP], REQUEST) as term:
        screen = term.wait_for(both_said)
        total, hook, prom, vegeta, extra = block(screen, ["hook", "prom", "vegeta", "extra"])
        assert re.search(r"total .* 0%  0:0\d  1 starting, 2 running, 1 skipped$", total)
        assert re.search(r"hook .* -  0:0\d  starting$", hook)
        assert re.search(r"prom .*\u2588.* 40%  0:0\d  running   querying cpu_usage$", prom)
        assert re.search(r"vegeta .* 25%  0:0\d  running   attacking at 250/s$", vegeta)
        assert extra.split()[1] == "skipped" and "when-requested" in extra
        assert b'"progress"' not in term.raw          # the view instead of the protocol
        go(servo)
        assert term.finish() == 0


def test_the_end_shows_a_table_with_a_sparkline_then_the_final_line_last(servo, magg):
    three_drivers(servo)
    go(servo)
    with OnTerminal(magg, servo, [APP], REQUEST) as term:
        assert term.finish() == 0
        screen = term.screen
    assert "3 done, 1 skipped" in block(screen, ["hook", "prom", "vegeta", "extra"])[0]
    header, rule, cpu, p99, rps, blank, annotations, _, rate = table_rows(screen)[:9]
    assert header.split() == ["metric", "driver", "value", "unit", "min", "mean", "max",
                              "trend"]
    assert cpu.split() == ["cpu_usage", "prom", "8", "cores", "1", "4.5", "8", SPARK]
    assert p99.split() == ["p99_latency", "prom", "41.5", "ms"]
    assert rps.split() == ["requests_throughput", "vegeta", "242.5", "rps"]
    assert annotations.split() == ["annotation", "value"]
    assert rate.split() == ["vegeta.rate", "250/s"]
    last = [line for line in term.lines() if line][-1]
    assert json.loads(last) == {
        "status": "ok", "annotations": {"vegeta.rate": "250/s"}, "metrics": {
            "cpu_usage": SERIES, "p99_latency": {"value": 41.5, "unit": "ms"},
            "requests_throughput": {"value": 242.5}}}
    assert term.raw.endswith(last.encode() + b"\r\n")


def failing_pair(servo):
    """slo aborts with a stderr line once load has said how far it got; load
    is stopped because of it."""
    driver(servo, "slo", {"p99": {}}, stderr="slo check: p99 412 ms > 300 ms\n",
           result={"status": "aborted", "reason": "slo-violation",
                   "message": "p99 above the SLO"}, code=1, wait=False, after="load-said")
    driver(servo, "load", {"rps": {}}, [{"progress": 30, "message": "attacking"}],
           said="load-said")


def test_failed_drivers_end_in_rows_with_status_reason_message_and_stderr_tail(servo, magg):
    failing_pair(servo)
    with OnTerminal(magg, servo, [APP], {"metrics": ["p99", "rps"]}) as term:
        assert term.finish() == 1
        screen = term.screen
    load, slo = block(screen, ["load", "slo"])[1:]
    assert re.search(r"slo .* failed    aborted: slo-violation$", slo)
    assert re.search(r"load .* 30%  0:0\d  stopped   attacking$", load)
    assert screen.char("failed", row="aborted: slo").fg == "red"
    rows = screen.rows()
    head = rows.index("measurement aborted: slo-violation")
    assert rows[head + 1].split() == ["driver", "status", "reason", "message"]
    assert re.match(r"slo +aborted +slo-violation +p99 above the SLO \(exit code 1\)$",
                    rows[head + 3])
    assert rows[head + 4] == "  \u2502 slo check: p99 412 ms > 300 ms"
    assert term.final()["reason"] == "slo-violation"


# -- terminal manners -----------------------------------------------------------

def test_no_color_shows_the_same_view_without_a_colour_sequence(servo, magg):
    failing_pair(servo)
    env = magg.env(TERM="xterm", NO_COLOR="1")
    with OnTerminal(magg, servo, [APP], {"metrics": ["p99", "rps"]}, env=env) as term:
        assert term.finish() == 1
        screen = term.screen
    assert SGR.search(term.raw) is None
    assert screen.char("failed", row="aborted: slo").fg == "default"
    assert "measurement aborted: slo-violation" in screen.rows()


def test_a_dumb_terminal_gets_plain_lines_no_escape_then_the_same_table(servo, magg):
    three_drivers(servo)
    env = magg.env(TERM="dumb")
    with OnTerminal(magg, servo, [APP], REQUEST, env=env) as term:
        term.wait_for(lambda s: re.search(r"^0:0\d prom: running 40%: querying cpu_usage$",
                                          s.text(), re.M))
        go(servo)
        assert term.finish() == 0
    assert b"\x1b" not in term.raw
    assert re.search(rb"\r(?!\n)", term.raw) is None       # no line rewritten in place
    lines = term.lines()
    assert "skipped extra: run: when-requested, and the request names no metric it " \
           "describes" in lines
    assert re.search(r"^0:0\d total: 100%, 3 done$", "\n".join(lines), re.M)
    assert table_rows(term.screen)[2].split()[-1] == SPARK
    assert term.final()["status"] == "ok"


def test_a_40_column_terminal_gets_lines_that_fit_and_keep_names_and_states(servo, magg):
    three_drivers(servo)
    with OnTerminal(magg, servo, [APP], REQUEST, columns=40) as term:
        screen = term.wait_for(both_said)
        rows = block(screen, ["hook", "prom", "vegeta", "extra"])
        assert all(width_of(row) <= 39 for row in rows), rows
        assert re.match(r"prom +40% +running +querying cpu", rows[2])
        assert re.match(r"vegeta +25% +running +attacking at", rows[3])
        go(servo)
        assert term.finish() == 0
        table = table_rows(term.screen)
    assert all(width_of(row) <= 39 for row in table[:6]), table
    assert table[2].split()[:3] == ["cpu_usage", "8", "cores"]     # the driver gives way


def test_a_resize_redraws_the_block_to_the_new_width(servo, magg):
    three_drivers(servo)
    with OnTerminal(magg, servo, [APP], REQUEST, columns=100, lines=30) as term:
        screen = term.wait_for(both_said)
        assert "\u2591" in block(screen, ["hook", "prom", "vegeta", "extra"])[2]   # a bar
        term.resize(40, 30)
        term.wait_for(lambda s: all(width_of(row) <= 39 and "\u2591" not in row
                                    for row in block(s, ["hook", "prom", "vegeta", "extra"])))
        go(servo)
        assert term.finish() == 0
        assert all(width_of(row) <= 39 for row in table_rows(term.screen)[:6])


def test_stderr_is_shown_above_the_block_whole_and_escaped(servo, magg):
    write_script(servo / "measure.d", "chatty", has_cancel=True, metrics=["m"],
                 first=str(servo / "go1"), then=str(servo / "go2"), py=r'''
        err("[half a line")
        out(json.dumps({"progress": 10, "message": "half written"}) + "\n")
        wait_for_file(P["first"])
        err(" and the rest]\n")
        err("title \x1b]0;owned\x07 clear \x1b[2J bell \x07 cr \r done\n")
        out(json.dumps({"progress": 20, "message": "all written"}) + "\n")
        wait_for_file(P["then"])
        out(json.dumps({"status": "ok", "metrics": {"m": {"value": 1}}}) + "\n")
        ''')
    request = {"metrics": ["m", "cpu\x1b[2J"]}       # names a metric nobody describes
    with OnTerminal(magg, servo, [APP], request) as term:
        screen = term.wait_for("half written")
        assert "half a line" not in screen.text()       # never a torn line
        (servo / "go1").write_text("")
        screen = term.wait_for("all written")
        rows = screen.rows()
        warning = rows.index("magg: no driver describes the requested metric(s) "
                             "cpu\\x1b[2J; they are left out")
        whole = rows.index("[chatty] [half a line and the rest]")
        hostile = rows.index("[chatty] title \\x1b]0;owned\\x07 clear \\x1b[2J bell \\x07 "
                             "cr \\r done")
        assert warning < whole < hostile < rows.index(block(screen, ["chatty"])[0])
        assert screen.screen.title == ""
        (servo / "go2").write_text("")
        assert term.finish() == 0


def test_stderr_sent_elsewhere_is_written_there_untouched(servo, magg, tmp_path):
    driver(servo, "d", ["m"], [{"progress": 50, "message": "half"}],
           stderr="raw \x1b[31mred\x1b[0m\n",
           result={"status": "ok", "metrics": {"m": {"value": 1}}}, wait=False)
    log = tmp_path / "stderr.log"
    with log.open("wb") as stderr:
        with OnTerminal(magg, servo, [APP], {"metrics": ["m"]}, stderr=stderr) as term:
            assert term.finish() == 0
    assert log.read_bytes() == b"[d] raw \x1b[31mred\x1b[0m\n"
    assert "[d]" not in term.screen.text()
    assert "1 done" in block(term.screen, ["d"])[0]


def test_ctrl_c_cancels_as_before_and_leaves_the_terminal_sane(servo, magg):
    three_drivers(servo)
    with OnTerminal(magg, servo, [APP], REQUEST) as term:
        term.wait_for(both_said)
        term.interrupt()
        assert term.finish() == 3
        assert termios.tcgetattr(term.slave) == term.modes
        screen = term.screen
    assert term.final()["reason"] == "cancelled"
    assert screen.cursor_visible() and screen.wraps()
    assert not screen.screen.cursor.hidden
    assert "3 stopped" in block(screen, ["hook", "prom", "vegeta", "extra"])[0]
    assert "measurement failed: cancelled" in screen.rows()


def test_no_view_gives_the_raw_protocol_at_a_terminal(servo, magg):
    driver(servo, "d", ["m"], [{"progress": 50, "message": "half"}],
           stderr="log \x1b[1mbold\n", result={"status": "ok", "metrics": {"m": {"value": 1}}},
           wait=False)
    with OnTerminal(magg, servo, ["--no-view", APP], {"metrics": ["m"]}) as term:
        assert term.finish() == 0
    lines = [line for line in term.lines() if line]
    assert "[d] log \x1b[1mbold" in lines                  # stderr as on a pipe
    protocol = [json.loads(line) for line in lines if not line.startswith("[d] ")]
    assert {"progress": 50, "message": "d: half"} in protocol
    assert protocol[-1] == {"status": "ok", "metrics": {"m": {"value": 1}}, "annotations": {}}
    assert b"\x1b[?25l" not in term.raw


# -- a bug ----------------------------------------------------------------------

def broken(module, name):
    """Python that makes module.name raise, run in magg's process before it starts."""
    return ("import %s\n"
            "def broken(*args):\n"
            "    raise RuntimeError('injected')\n"
            "%s.%s = broken\n" % (module, module, name))


@INJECTED
def test_a_bug_mid_run_still_ends_with_the_final_line_and_a_sane_terminal(servo, magg):
    three_drivers(servo)
    with OnTerminal(magg, servo, [APP], REQUEST, cmd=magg.cmd_after(
            broken("app.snapshot", "snapshot"))) as term:
        assert term.finish() == 70
    assert term.final()["reason"] == "internal-error"
    assert "RuntimeError: injected" in term.screen.text()     # the traceback, on stderr
    assert term.screen.cursor_visible() and term.screen.wraps()


@INJECTED
def test_a_bug_in_the_result_table_leaves_the_final_line_and_a_sane_terminal(servo, magg):
    three_drivers(servo)
    go(servo)
    with OnTerminal(magg, servo, [APP], REQUEST, cmd=magg.cmd_after(
            broken("app.viewer", "result_table"))) as term:
        assert term.finish() == 0                 # the measurement itself went well
    assert term.final()["status"] == "ok"
    assert "RuntimeError: injected" in term.screen.text()
    assert term.screen.cursor_visible() and term.screen.wraps()


# -- the flag -------------------------------------------------------------------

def test_help_lists_no_view_and_it_needs_an_app_id_like_measure(servo, magg):
    done = subprocess.run(magg.cmd + ["--help"], cwd=str(servo), env=magg.env(),
                          stdout=subprocess.PIPE, universal_newlines=True, timeout=60)
    assert re.search(r"^  --no-view APP_ID +measure without the view on a terminal",
                     done.stdout, re.M)
    assert "| --no-view APP_ID |" in done.stdout.splitlines()[2]      # the usage line
    run = magg.call(servo, ["--no-view"])
    assert run.returncode == 2 and run.result["reason"] == "usage", run
