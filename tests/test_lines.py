"""Driver byte streams -> lines: stdout splitting and the stderr relay."""

import os

import pytest

from app.lines import LineSplitter, LineTooLong, StderrRelay


def test_line_written_in_several_pieces_comes_out_whole():
    lines = LineSplitter()
    assert lines.feed(b'{"sta') == []
    assert lines.feed(b'tus": ') == []
    assert lines.feed(b'"ok"}\n') == [b'{"status": "ok"}']


def test_one_chunk_can_hold_several_lines_and_the_start_of_the_next():
    lines = LineSplitter()
    assert lines.feed(b'{"progress": 1}\n{"progress": 2}\n{"sta') == [
        b'{"progress": 1}', b'{"progress": 2}']
    assert lines.feed(b'tus": "ok"}\n') == [b'{"status": "ok"}']


def test_last_line_without_a_newline_is_kept_until_close():
    lines = LineSplitter()
    assert lines.feed(b'{"progress": 5}\n{"status": "ok"}') == [b'{"progress": 5}']
    assert lines.close() == [b'{"status": "ok"}']
    assert lines.close() == []


def test_nothing_left_at_close_after_a_trailing_newline():
    lines = LineSplitter()
    lines.feed(b"x\n")
    assert lines.close() == []


def test_line_growing_past_the_limit_raises():
    lines = LineSplitter(limit=100)
    lines.feed(b"x" * 60)
    with pytest.raises(LineTooLong):
        lines.feed(b"x" * 60)


def test_limit_applies_to_each_line_not_to_the_whole_stream():
    lines = LineSplitter(limit=100)
    for _ in range(10):
        assert lines.feed(b"y" * 80 + b"\n") == [b"y" * 80]
        assert lines.feed(b"z" * 80) == []
        assert lines.feed(b"\n") == [b"z" * 80]


def test_stderr_lines_get_the_driver_name_in_front():
    relay = StderrRelay("prom")
    assert relay.feed(b"one\ntwo\n") == b"[prom] one\n[prom] two\n"


def test_stderr_partial_line_waits_for_its_end():
    relay = StderrRelay("prom")
    assert relay.feed(b"hel") == b""
    assert relay.feed(b"lo\nwor") == b"[prom] hello\n"
    assert relay.feed(b"ld\n") == b"[prom] world\n"


def test_stderr_unterminated_last_line_is_flushed_at_close_with_a_newline():
    relay = StderrRelay("prom")
    relay.feed(b"last words")
    assert relay.close() == b"[prom] last words\n"
    assert relay.close() == b""


def test_stderr_without_newlines_is_passed_on_in_bounded_pieces():
    relay = StderrRelay("noisy")
    out = b"".join(relay.feed(b"a" * 10000) for _ in range(20))
    assert out.startswith(b"[noisy] aaa")
    assert out.count(b"a") >= 100000


def test_stderr_tail_keeps_only_the_last_bytes():
    relay = StderrRelay("prom", tail=100)
    relay.feed(b"START" + b"-" * 1000)
    relay.feed(b"\nEND\n")
    tail = relay.tail()
    assert len(tail) == 100
    assert tail.endswith(b"\nEND\n")
    assert b"START" not in tail


def test_stderr_tail_is_unprefixed_text_of_the_driver():
    relay = StderrRelay("prom")
    relay.feed(b"oops\n")
    assert relay.tail() == b"oops\n"


def test_stderr_past_the_limit_is_counted_not_passed_on_but_kept_in_the_tail():
    relay = StderrRelay("prom", limit=10)
    assert relay.feed(b"0123456\n") == b"[prom] 0123456\n"
    assert relay.feed(b"abcdef\nmore\n") == b""       # "ab" fits: held as a partial line
    assert relay.close() == b"[prom] ab\n"
    assert (relay.shown, relay.hidden) == (10, 10)
    assert relay.tail() == b"0123456\nabcdef\nmore\n"


def test_stderr_limit_zero_passes_everything_on():
    relay = StderrRelay("prom", limit=0)
    data = b"x" * 100000 + b"\n"
    assert relay.feed(data).count(b"x") == 100000
    assert relay.hidden == 0


def test_stderr_prefix_shows_control_characters_of_the_name_escaped():
    relay = StderrRelay("prom\x1b]0;owned\x07")
    assert relay.feed(b"one\n") == b"[prom\\x1b]0;owned\\x07] one\n"


def test_stderr_prefix_shows_an_undecodable_byte_of_the_file_name_as_that_byte():
    relay = StderrRelay(os.fsdecode(b"prom\xff"))
    assert relay.feed(b"one\n") == b"[prom\\xff] one\n"


def test_a_line_of_exactly_the_limit_passes_one_byte_more_fails_with_the_limit_in_mib():
    splitter = LineSplitter(limit=2 * 1024 * 1024)
    assert splitter.feed(b"x" * (2 * 1024 * 1024)) == []
    with pytest.raises(LineTooLong) as err:
        splitter.feed(b"y")
    assert str(err.value) == "a stdout line is longer than 2 MiB"
    # What was held is dropped: the next line starts afresh.
    assert splitter.feed(b"x" * (2 * 1024 * 1024)) == []
    assert splitter.feed(b"\nok\n") == [b"x" * (2 * 1024 * 1024), b"ok"]
    assert splitter.close() == []


def test_a_rest_after_the_last_newline_counts_towards_the_next_lines_limit():
    splitter = LineSplitter(limit=4)
    assert splitter.feed(b"a\nbc") == [b"a"]
    assert splitter.feed(b"de") == []
    with pytest.raises(LineTooLong):
        splitter.feed(b"f")
    splitter = LineSplitter(limit=4)
    assert splitter.feed(b"a\n") == [b"a"]
    assert splitter.feed(b"bcde") == [] and splitter.close() == [b"bcde"]
    assert splitter.close() == [] and splitter.feed(b"wxyz") == []


def test_stderr_exactly_at_the_limit_is_shown_and_only_the_excess_counted():
    relay = StderrRelay("a", limit=6)
    assert relay.feed(b"12345\n") == b"[a] 12345\n"
    assert relay.feed(b"6789\n") == b""
    assert (relay.shown, relay.hidden) == (6, 5)
    assert relay.feed(b"more\n") == b"" and relay.hidden == 10
    relay = StderrRelay("a", limit=4)
    assert relay.feed(b"ab") == b"" and relay.feed(b"c\nd") == b"[a] abc\n"
    assert relay.close() == b""
    assert (relay.shown, relay.hidden) == (4, 1)


def test_stderr_pieces_a_line_at_exactly_64_kib_and_joins_a_partial_line_once():
    relay = StderrRelay("a")
    assert relay.feed(b"x" * (64 * 1024 - 1)) == b""
    assert relay.feed(b"y") == b"[a] " + b"x" * (64 * 1024 - 1) + b"y\n"
    assert relay.feed(b"one\ntwo") == b"[a] one\n"
    assert relay.feed(b"\n") == b"[a] two\n"
    assert relay.feed(b"\n") == b"[a] \n" and relay.close() == b""


def test_dropped_stderr_is_counted_and_still_reaches_the_tail():
    relay = StderrRelay("a", tail=8)
    relay.drop(b"12345")
    relay.drop(b"6789")
    assert relay.dropped == 9 and relay.tail() == b"23456789"
    relay.keep(b"abcdefghij")
    assert relay.tail() == b"cdefghij"
    relay.keep(b"12345678")
    assert relay.tail() == b"12345678"


def test_an_unterminated_line_in_pieces_is_joined_whole_at_close():
    splitter = LineSplitter()
    assert splitter.feed(b"ab") == [] and splitter.feed(b"cd") == []
    assert splitter.close() == [b"abcd"]
