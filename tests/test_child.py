"""What a driver's stdout bytes mean, and its lifecycle, without a process (app/child.py)."""

import pytest

from app.child import Child
from app.lines import MAX_LINE
from app.rounds import Job


def child():
    return Child(Job("prom", ["./measure.d/prom", "app"], b"{}", True))


def test_a_json_line_split_across_writes_becomes_the_result():
    c = child()
    assert c.stdout(b'{"status": "o') == []
    assert c.stdout(b'k", "metrics": {}}\n') == []
    assert c.result == {"status": "ok", "metrics": {}}


def test_the_last_line_without_newline_counts_once_stdout_closes():
    c = child()
    c.stdout(b'{"status": "ok"}')
    assert c.result is None
    c.stdout_closed()
    assert c.result == {"status": "ok"}


def test_progress_lines_are_events_and_never_the_result():
    c = child()
    events = c.stdout(b'{"progress": 10, "message": "warming"}\n\n{"status": "ok"}\n'
                      b'{"progress": 100, "status": "x"}\n')
    assert [e[1]["progress"] for e in events] == [10, 100]
    assert c.result == {"status": "ok"}


def test_a_line_that_is_not_a_json_object_fails_the_driver_once():
    c = child()
    events = c.stdout(b"Traceback (most recent call last):\n[1, 2]\n")
    assert events == [("failed", None)]
    assert "not a JSON object" in c.problem and "Traceback" in c.problem
    assert c.stdout(b'{"status": "ok"}\n') == []   # ignored after the failure
    assert c.result is None


def test_a_line_longer_than_16_mib_fails_the_driver_without_keeping_it():
    c = child()
    chunk = b"x" * (1024 * 1024)
    events = []
    for _ in range(MAX_LINE // len(chunk) + 1):
        events += c.stdout(chunk)
    assert events == [("failed", None)]
    assert "longer than 16 MiB" in c.problem
    assert c.lines.close() == []


def test_stderr_is_prefixed_and_its_tail_reaches_the_outcome():
    c = child()
    assert c.relay.feed(b"one\ntw") == b"[prom] one\n"
    assert c.relay.close() == b"[prom] tw\n"
    c.move("start", 1.0)
    c.returncode = 1
    assert c.move("exit", 3.5)
    outcome = c.outcome
    assert outcome.stderr_tail == b"one\ntw" and outcome.returncode == 1
    assert (outcome.stopped, outcome.seconds) == (False, 2.5)


def test_a_run_moves_only_along_its_lifecycle():
    c = child()
    assert c.outcome is None
    c.move("start", 0.0)
    with pytest.raises(RuntimeError) as err:
        c.move("start", 1.0)
    assert str(err.value) == "a running run of prom cannot start"
    assert c.outcome is None
    assert not c.move("stop", 1.0) and c.state == "stopping"
    assert c.move("exit", 2.0) and c.outcome.stopped
    with pytest.raises(RuntimeError):
        c.move("exit", 3.0)


def test_a_run_stopped_before_its_turn_never_ran():
    c = child()
    assert c.move("stop", 1.0)
    assert c.outcome.stopped and c.outcome.seconds is None and c.outcome.returncode is None


def test_a_half_line_cut_off_by_our_stop_is_not_blamed_on_the_driver():
    c = child()
    c.move("start", 0.0)
    c.stdout(b'{"progress": 10, "mess')
    c.move("stop", 1.0)
    assert c.stdout_closed() == []
    assert c.problem is None
    # Only the cut line is forgiven: a result after it still counts.
    assert c.parse([b"not json", b'{"status": "failed", "reason": "canceled"}']) == []
    assert c.result == {"status": "failed", "reason": "canceled"} and c.problem is None


def test_a_line_past_a_bound_fails_the_driver_with_a_short_excerpt():
    c = child()
    c.move("start", 0.0)
    assert c.stdout(b"[" * 150 + b"]" * 150 + b"\n") == [("failed", None)]
    assert c.problem == ("printed a stdout line that nests more than 100 levels deep: %r"
                         % ("[" * 150 + "]" * 50))
    assert c.stdout(b'{"status": "ok"}\n') == [] and c.result is None


def test_a_bad_line_after_a_progress_line_in_one_chunk_keeps_both_events():
    c = child()
    c.move("start", 0.0)
    assert c.stdout(b'{"progress": 5}\nnope\n') == [("progress", {"progress": 5}),
                                                    ("failed", None)]
