"""The view's output, character for character, against tests/golden/view.txt.

The other view tests read a terminal emulator's screen and check what a
person sees; these pin the exact text and escape sequences of the block,
the live view and the result table over many widths, heights and states,
so a change to any of them shows here as a diff to read. After a change
to the view that is meant, rewrite the file and read the diff:

    MAGG_TEST_REGOLDEN=1 .venv/bin/python -m pytest tests/test_view_golden.py
"""

import difflib
import os

import pytest

from app.view import Live, Row, result_table
from app.view.block import block_lines

GOLDEN = os.path.join(os.path.dirname(os.path.abspath(__file__)), "golden", "view.txt")
T0 = 1700000000


def rows():
    return [Row("measure-prom", "running", 50, 12.4, "querying cpu_usage"),
            Row("measure-vegeta", "running", 25.5, 72.0, "attacking at 250/s"),
            Row("exec", "starting", None, 0.3),
            Row("newrelic", "failed", 10, 3725.0, "p99 240 ms", "aborted: slo-violation"),
            Row("hey", "stopping", 99.96, 5.0, None),
            Row("k6", "done", 80, 61.0, "finished"),
            Row("\u5bbd\u5b57-wide", "running", float("nan"), None, "x\x1b[2Jy"),
            Row("a-very-long-driver-name-that-goes-on-and-on", "running", -5, 9.9, "m" * 60)]


SKIPPED = {"idle": "run: never (switched off in config.yaml)"}


def odd_rows():
    """States and times at their edges."""
    return [Row("ten", "running", 12.5, 600.0, "msg", "a reason on a running row"),
            Row("long", "running", 100.5, 3660.0 + 605.0, None),
            Row("forever", "running", 50, 400000.0, "x"),
            Row("weird", "sleeping", 5, -3.0, "?"),
            Row("none", None, None, 1.0, "no state"),
            Row("failed-plain", "failed", 20, 59.9, "said", None)]


def block_cases():
    for width in (200, 120, 80, 60, 45, 36, 28, 20, 12, 6, 1, 0):
        for lines in (12, 5, 2, 1):
            for color in (False, True):
                yield ("block %d x %d%s" % (width, lines, " colour" if color else ""),
                       block_lines(33.3, rows(), SKIPPED, width, lines, color))
    for width in range(0, 131):
        yield "block sweep %d" % width, block_lines(61.0, rows()[:4], SKIPPED, width, 7, False)
    for lines in range(0, 9):
        yield "block odd %d lines" % lines, block_lines(5.0, odd_rows(), None, 100, lines, False)
    yield "block odd 40", block_lines(5.0, odd_rows(), None, 40, 12, True)
    yield "block no drivers", block_lines(100, [], None, 80, 5, False)
    yield "block only skipped", block_lines(100, [], SKIPPED, 80, 5, False)


def live_cases():
    for dumb in (False, True):
        for color in (False, True):
            live = Live(60, 8, color=color, dumb=dumb)
            out = [live.frame(10, rows()[:3])]
            out.append(live.frame(10, rows()[:3]))
            out.append(live.above([b"[prom] one\n", b"tab\there\r\n", b"\xff bytes\n"]))
            first = rows()[:3]
            first[0] = Row("measure-prom", "done", 100, 20.0, "finished")
            out.append(live.frame(40, first, SKIPPED))
            out.append(live.resize(30, 4))
            out.append(live.frame(45, rows()))
            out.append(live.close())
            yield "live%s%s" % (" dumb" if dumb else "", " colour" if color else ""), out
        live = Live(50, 6, dumb=dumb)          # colour is the default
        yield "live%s default" % (" dumb" if dumb else ""), [
            live.frame(0, odd_rows()), live.above([b"x\n"]), live.frame(0, odd_rows()),
            live.resize(50, 6), live.frame(100, []), live.close()]


def prometheus(series):
    return {"values": [{"id": ident, "data": [[T0 + i, v] for i, v in enumerate(values)]}
                       for ident, values in series], "annotation": "sum(rate(cpu[1m]))"}


OWNERS = {"cpu_usage": "measure-prom", "p99_latency": "measure-prom",
          "requests_throughput": "measure-vegeta", "odd": "exec"}


def finals():
    yield "ok", {"status": "ok", "metrics": {
        "p99_latency": {"value": 43.125, "unit": "ms"},
        "requests_throughput": {"value": 248512.25},
        "cpu_usage": prometheus([("pod-0", [1, 2, 3, 4, 5, 6, 7, 8]),
                                 ("pod-1", ["0.5", "0.5", "0.5"]), ("pod-2", [])]),
        "odd": {"value": [1, {"a": None}]}, "nan": {"value": float("nan")},
        "huge": {"value": 10 ** 30, "unit": "B"}},
        "annotations": {"load": "250/s", "note": {"k": [1, 2]}, 3: "three"}}, ()
    yield "ok one series", {"status": "ok", "metrics": {
        "cpu_usage": prometheus([("pod-0", list(range(100)))])}}, ()
    yield "ok no metrics", {"status": "ok", "metrics": {}}, ()
    tail = b"".join(b"line %d\n" % i for i in range(20)) + b"\x1b[2Jbye\r\n"
    yield "failed", {"status": "aborted", "reason": "slo-violation", "message": "..."}, [
        ("measure-newrelic", "aborted", "slo-violation", "p99 240 ms > 200 ms", tail),
        ("measure-vegeta", "failed", "failed", None, b"")]
    yield "failed without drivers", {"status": "failed", "reason": "cancelled",
                                     "message": "cancelled by SIGINT\nstopped: exec\n" * 5}, ()
    yield "not an object", ["x"], ()
    yield "odd ok", {"status": "ok", "metrics": {
        "listed": {"values": ["not an item", {"id": None, "data": [[T0, 1e-20]]},
                              {"id": "x" * 300, "data": "no list"}]},
        "long": {"value": "v" * 300, "unit": "u" * 300}, "plain": 1.5e300, "int": 7,
        5: {"value": 0.1}}, "annotations": []}, ()
    yield "metrics not an object", {"status": "ok", "metrics": [1]}, ()
    yield "no status", {"message": "what happened"}, ()
    yield "no message", {"status": "rejected"}, ()


def result_cases():
    final = next(finals())[1]
    for width in range(1, 131):
        yield ("result sweep %d" % width,
               result_table(final, OWNERS, (), width, False, {"cpu_usage": "cores"}).split("\n"))
    for name, final, failures in finals():
        for width in (120, 80, 50, 30, 12, 1):
            for color in (False, True):
                yield ("result %s %d%s" % (name, width, " colour" if color else ""),
                       result_table(final, OWNERS, failures, width, color,
                                    {"cpu_usage": "cores"}).split("\n"))


def rendered():
    out = []
    for case in (block_cases, live_cases, result_cases):
        for name, lines in case():
            out.append("== %s" % name)
            out.extend(repr(line) for line in lines)
    return "\n".join(out) + "\n"


def sections(text):
    found, name = {}, None
    for line in text.split("\n"):
        if line.startswith("== "):
            name = line[3:]
            found[name] = []
        elif name is not None and line:
            found[name].append(line)
    return found


def test_the_view_renders_exactly_as_recorded():
    text = rendered()
    if os.environ.get("MAGG_TEST_REGOLDEN"):
        with open(GOLDEN, "w", encoding="utf-8") as handle:
            handle.write(text)
    with open(GOLDEN, encoding="utf-8") as handle:
        recorded = sections(handle.read())
    now = sections(text)
    assert sorted(now) == sorted(recorded)
    changed = [name for name in now if now[name] != recorded[name]]
    if changed:
        name = changed[0]
        diff = "\n".join(difflib.unified_diff(recorded[name], now[name], lineterm=""))
        pytest.fail("%d of %d cases differ; the first, %r:\n%s"
                    % (len(changed), len(now), name, diff))
