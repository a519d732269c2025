"""The table a measurement ends with on a terminal, read through an emulator."""

import pytest

from app.view import result_table, sparkline
from app.view.numbers import SPARKS, stat
from viewscreen import SGR, Screen, foreign_controls, width_of

T0 = 1700000000
OWNERS = {"cpu_usage": "measure-prom", "p99_latency": "measure-prom",
          "requests_throughput": "measure-vegeta"}


def prometheus(series):
    return {"values": [{"id": ident, "data": [[T0 + i, v] for i, v in enumerate(values)]}
                       for ident, values in series], "annotation": "sum(rate(cpu[1m]))"}


def ok(metrics, annotations=None):
    return {"status": "ok", "metrics": metrics, "annotations": annotations or {}}


def shown(final, owners=OWNERS, failures=(), width=100, units=None):
    screen = Screen(width, 40)
    screen.feed(result_table(final, owners, failures, width, False, units).replace(
        "\n", "\r\n"))
    return screen


def test_a_scalar_metric_shows_its_driver_value_and_unit():
    screen = shown(ok({"p99_latency": {"value": 43.125, "unit": "ms"}}))
    assert screen.rows()[0].split() == ["metric", "driver", "value", "unit"]
    assert screen.row_with("p99_latency").split() == ["p99_latency", "measure-prom",
                                                      "43.125", "ms"]


def test_a_time_series_is_one_row_per_series_with_stats_and_a_sparkline():
    final = ok({"cpu_usage": prometheus([("pod-0", [1, 2, 3, 4, 5, 6, 7, 8]),
                                          ("pod-1", ["0.5", "0.5", "0.5"])])})
    screen = shown(final, units={"cpu_usage": "cores"})
    assert screen.rows()[0].split() == ["metric", "series", "driver", "value", "unit",
                                        "min", "mean", "max", "trend"]
    assert screen.row_with("pod-0").split() == [
        "cpu_usage", "pod-0", "measure-prom", "8", "cores", "1", "4.5", "8",
        "\u2581\u2582\u2583\u2584\u2585\u2586\u2587\u2588"]
    assert screen.row_with("pod-1").split()[3:] == ["0.5", "cores", "0.5", "0.5", "0.5",
                                                    "\u2584" * 3]


def test_a_single_series_needs_no_series_column_and_big_numbers_read_short():
    final = ok({"memory_usage": prometheus([("pod-0", [4.869e8, 5.13e8, 5.39e8])])})
    screen = shown(final, units={"memory_usage": "bytes"})
    assert "series" not in screen.rows()[0]
    assert screen.row_with("memory_usage").split()[2:-1] == ["539M", "bytes", "486.9M",
                                                            "513M", "539M"]


def test_a_long_series_is_resampled_to_the_trend_column():
    final = ok({"cpu_usage": prometheus([("pod-0", list(range(1000)))])})
    trend = shown(final).row_with("cpu_usage").split()[-1]
    assert len(trend) == 24 and trend[0] == "\u2581" and trend[-1] == "\u2588"
    assert list(trend) == sorted(trend)


def test_annotations_are_listed_below_the_metrics():
    screen = shown(ok({"p99_latency": {"value": 1}}, {"prom.endpoint": "http://p:9090"}))
    rows = screen.rows()
    assert rows.index("") < rows.index(screen.row_with("prom.endpoint"))
    assert screen.row_with("prom.endpoint").split() == ["prom.endpoint", "http://p:9090"]


def test_odd_payloads_are_shown_compactly_and_never_fail():
    final = ok({"text": {"value": "fast"}, "none": {"value": None},
                "nan": {"value": float("nan")}, "huge": {"value": 10 ** 400},
                "nested": {"value": {"a": [1, {"b": None}]}}, "list": [1, 2],
                "empty": {"values": []}, "no_data": {"values": [{"id": "s", "data": []}]},
                "bad_points": {"values": [{"id": "s", "data": [[1], "x", [2, "nope"]]}]},
                "not_series": {"values": [7]}, "bool": {"value": True},
                "no_key": {"values": [{"id": "s"}, {"id": "t", "data": {"x": 1}}]}})
    screen = shown(final, width=120)
    assert screen.row_with("text").split()[-1] == "fast"
    assert screen.row_with("none").split()[-1] == "null"
    assert screen.row_with("nan").split()[-1] == "NaN"
    assert screen.row_with("nested").endswith('{"a": [1, {"b": null}]}')
    assert screen.row_with("empty").endswith("no series")
    assert screen.row_with("no_data").endswith("no data")
    assert screen.row_with("bad_points").endswith("no data")
    assert screen.row_with("bool").split()[-1] == "true"
    assert screen.row_with("no_key      s").endswith("no data")
    assert screen.row_with('{"x": 1}').split()[:2] == ["no_key", "t"]
    assert width_of(screen.row_with("huge")) <= 119


def test_a_narrow_terminal_keeps_metric_value_and_unit():
    final = ok({"requests_throughput_with_a_long_name": {"value": 248.5, "unit": "rps"},
                "cpu_usage": prometheus([("pod-0", [1, 2, 3])])})
    for width in (60, 40, 20):
        rows = shown(final, width=width).rows()
        assert all(width_of(row) <= width - 1 for row in rows)
    rows = shown(final, width=40).rows()
    assert rows[0].split()[:1] == ["metric"] and "value" in rows[0]
    assert "248.5" in "".join(rows) and "rps" in "".join(rows)


def test_failed_drivers_are_listed_with_status_reason_message_and_stderr_tail():
    final = {"status": "aborted", "reason": "slo-violation", "message": "..."}
    tail = b"".join(b"line %d\n" % i for i in range(20)) + b"\x1b[2Jbye\r\n"
    failures = [("measure-newrelic", "aborted", "slo-violation", "p99 240 ms > 200 ms", tail),
                ("measure-vegeta", "failed", "failed", "exit code 1", b"")]
    screen = shown(final, failures=failures)
    rows = screen.rows()
    assert rows[0] == "measurement aborted: slo-violation"
    assert rows[1].split() == ["driver", "status", "reason", "message"]
    assert rows[3].split() == ["measure-newrelic", "aborted", "slo-violation", "p99", "240",
                               "ms", ">", "200", "ms"]
    assert rows[4:10] == ["  \u2502 line %d" % i for i in range(15, 20)] + [
        "  \u2502 \\x1b[2Jbye"]
    assert rows[10].split() == ["measure-vegeta", "failed", "failed", "exit", "code", "1"]


def test_a_failure_without_failed_drivers_shows_the_message():
    final = {"status": "failed", "reason": "cancelled",
             "message": "cancelled by SIGINT; stopped: exec, measure-prom"}
    rows = shown(final, failures=[]).rows()
    assert rows[:2] == ["measurement failed: cancelled",
                        "  cancelled by SIGINT; stopped: exec, measure-prom"]


def test_hostile_metric_names_units_and_ids_are_escaped():
    final = ok({"m\x1b[2J": {"value": 1, "unit": "\x07u"},
                "s": {"values": [{"id": "\x1b]0;t\x07", "data": [[0, 1]]}, {"id": "2"}]}})
    text = result_table(final, {"s": "d\r"}, [], 100, True)
    assert foreign_controls(text) == []
    screen = Screen(100, 20)
    screen.feed(text.replace("\n", "\r\n"))
    assert screen.screen.title == ""
    assert r"m\x1b[2J" in screen.text() and r"\x07u" in screen.text()
    assert r"\x1b]0;t\x07" in screen.text() and r"d\r" in screen.text()


def test_no_colour_sequences_without_colour():
    final = {"status": "failed", "reason": "x", "message": "y"}
    assert not SGR.search(result_table(final, {}, [("a", "failed", "x", "y", b"z")], 80,
                                       False))
    assert SGR.search(result_table(final, {}, [("a", "failed", "x", "y", b"z")], 80, True))


def test_sparkline_resamples_to_the_width_and_skips_what_is_not_a_number():
    assert sparkline([0, 1, 2, 3, 4, 5, 6, 7], 8) == "\u2581\u2582\u2583\u2584\u2585" \
                                                     "\u2586\u2587\u2588"
    assert sparkline(range(100), 4) == "\u2581\u2583\u2586\u2588"   # bucket means
    assert sparkline([1, float("nan"), None, "x", 3, True], 10) == "\u2581\u2588"
    assert sparkline([2, 2], 5) == "\u2584\u2584"
    assert sparkline([], 5) == "" and sparkline([1, 2], 0) == ""
    assert sparkline([-1e308, 1e308], 2) == "\u2581\u2588"


@pytest.mark.parametrize("value, shown", [
    (9999, "9999"), (10000, "10k"), (-10000, "-10k"), (1e6, "1M"), (486.9e6, "486.9M"),
    (999999999999999, "1000T"), (1e15, "1e+15"), (1.2e-05, "1.2e-05"), (0.5, "0.5"),
])
def test_a_summary_number_uses_si_suffixes_from_10000_up_to_1e15(value, shown):
    assert stat(value) == shown


def test_a_sparkline_one_cell_wide_is_one_bar_and_a_fitting_series_is_not_resampled():
    assert sparkline([1, 2, 3], 1) == SPARKS[3]
    assert sparkline([1, 2, 3], 0) == "" and sparkline([], 5) == ""
    assert sparkline([0, 7, 14], 3) == SPARKS[0] + SPARKS[4] + SPARKS[7]
