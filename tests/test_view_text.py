"""The view's text rules (app/view/text.py) character by character: how many
terminal cells each takes, how each unprintable one is escaped, how a long
text is cut."""

import pytest

from app.view.text import cells, char_cells, escape, fit, printable


@pytest.mark.parametrize("char, width", [
    ("a", 1), ("\u0301", 0),            # a combining acute accent (Mn)
    ("\u20dd", 0),                      # a combining enclosing circle (Me)
    ("\u200d", 0),                      # zero width joiner (Cf)
    ("\u1160", 0), ("\u11ff", 0),       # Hangul medial vowels, both ends
    ("\u115f", 2), ("\u1200", 1),       # just outside them
    ("\u5bbd", 2),                      # a wide CJK character (W)
    ("\uff21", 2),                      # a fullwidth A (F)
    ("\uff61", 1),                      # a halfwidth katakana stop (H)
])
def test_each_character_takes_its_cells(char, width):
    assert char_cells(char) == width


@pytest.mark.parametrize("char, shown", [
    ("\x00", "\\x00"), ("\x7f", "\\x7f"), ("\xad", "\\xad"), ("\u0100", "\\u0100"),
    ("\u2028", "\\u2028"), ("\uffff", "\\uffff"), ("\U00010000", "\\U00010000"),
    ("\U000e0001", "\\U000e0001"), ("\n", "\\n"),
])
def test_each_escape_is_lowercase_hex_as_wide_as_its_code_point_needs(char, shown):
    assert escape(char) == shown


def test_a_leading_combining_mark_is_escaped_and_only_that_one():
    assert printable("\u0301ab\x1b") == "\\u0301ab\\x1b"
    assert printable("\u20dd\u0301x\n") == "\\u20dd\u0301x\\n"
    assert printable("a\u0301\x07") == "a\u0301\\x07"


def test_a_long_text_is_read_only_at_its_head_and_cut_with_an_ellipsis():
    assert fit("x" * 10, 10) == "x" * 10
    assert fit("x" * 200, 10) == "x" * 9 + "\u2026"
    assert fit("\u5bbd" * 40 + "tail", 10) == "\u5bbd" * 4 + "\u2026"
    assert cells("\u5bbd\u0301a\x1b") == 4


def test_a_text_longer_than_its_head_ends_in_an_ellipsis_even_when_the_head_fits():
    # 90 characters, 1 cell: only the first 2 * 10 + 64 are looked at.
    assert fit("a" + "\u0301" * 89, 10) == "a" + "\u0301" * 83 + "\u2026"
    assert fit("a" + "\u0301" * 83, 10) == "a" + "\u0301" * 83
