"""Text from drivers and requests, made safe for a terminal (no processes)."""

import os
import unicodedata

from hypothesis import given
from hypothesis import strategies as st

import test_properties  # noqa: F401 (registers and loads the Hypothesis profile)
from app.printable import printable

# What a terminal acts on: C0 controls, DEL, C1 controls.
CONTROLS = [chr(c) for c in list(range(0x20)) + list(range(0x7f, 0xa0))]


def test_plain_text_is_unchanged():
    assert printable("measure-prom 1.2.3 (rps) p99_latency µs 延迟 \\d") == \
        "measure-prom 1.2.3 (rps) p99_latency µs 延迟 \\d"


def test_escape_and_bell_sequences_are_shown_not_obeyed():
    assert printable("prom\x1b]0;owned\x07") == "prom\\x1b]0;owned\\x07"
    assert printable("\x1b[2J\x1b[H") == "\\x1b[2J\\x1b[H"


def test_newline_carriage_return_and_tab_use_their_short_escapes():
    assert printable("a\nb\rc\td") == "a\\nb\\rc\\td"


def test_del_and_c1_controls_are_escaped():
    assert printable("x\x7fy\x9bz\x85") == "x\\x7fy\\x9bz\\x85"


def test_line_and_paragraph_separators_and_bidi_overrides_are_escaped():
    assert printable("a\u2028b\u2029c\u202ed") == "a\\u2028b\\u2029c\\u202ed"


def test_an_undecodable_byte_of_a_file_name_shows_as_that_byte():
    name = os.fsdecode(b"prom\xff\xc3")           # surrogateescape, as os.listdir gives it
    assert printable(name) == "prom\\xff\\xc3"


def test_other_lone_surrogates_and_astral_private_use_are_escaped():
    assert printable("\ud800") == "\\ud800"
    assert printable("\U000f0000") == "\\U000f0000"


@given(st.text())
def test_output_never_holds_a_control_character_and_encodes_as_utf8(text):
    shown = printable(text)
    assert shown.isprintable()
    assert not any(c in shown for c in CONTROLS)
    shown.encode("utf-8")           # no lone surrogate is left


def test_a_combining_mark_at_the_start_is_escaped_elsewhere_it_stays():
    # At the start it has nothing to sit on: a terminal would put it on
    # whatever is left of the cursor (the row above, at column 0).
    assert printable("\u0301prom") == "\\u0301prom"
    assert printable("\u0301\x1b") == "\\u0301\\x1b"
    assert printable("pro\u0301m") == "pro\u0301m"


def test_a_long_coloured_log_line_keeps_its_text_and_shows_its_escapes():
    line = "\x1b[31mERROR\x1b[0m " + "x" * 100000
    assert printable(line) == "\\x1b[31mERROR\\x1b[0m " + "x" * 100000


@given(st.text())
def test_printable_text_comes_back_unchanged_and_escaping_is_idempotent(text):
    shown = printable(text)
    assert printable(shown) == shown
    if text.isprintable() and not (text and unicodedata.category(text[0]) in ("Mn", "Me")):
        assert shown == text


def test_each_width_of_escape_is_lowercase_hex_of_its_code_point():
    assert printable("a\x85b\u2028c\ufeffd\U000e0001e\ud800") == \
        "a\\x85b\\u2028c\\ufeffd\\U000e0001e\\ud800"
