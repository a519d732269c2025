"""The view's promises under generated states and text (Hypothesis, pyte).

Whatever the drivers are called, say or write to stderr, whatever the
result holds and however narrow or short the terminal is: every line of the
view fits the width, the view writes no control character of its own
making other than its few cursor and colour sequences, and on an emulated
terminal the block stays where it is: the rows above it change only by
stderr lines printed through above(), the cursor rests at column 0 below
the block, visible, with autowrap on and the window title untouched.

The profiles (ci, thorough) are those of test_properties.py.
"""

import unicodedata

import pytest

from hypothesis import given, strategies as st
from wcwidth import wcwidth

from app.view import Live, Row, result_table, sparkline
from app.view.live import CLEAR_LINE_END, HIDE
from app.view.numbers import SPARKS
from app.printable import escape
from app.view.text import cells, char_cells, fit, printable, visible_width
from test_properties import PROFILE  # noqa: F401 (registers and loads the profiles)
from viewscreen import Screen, foreign_controls

ROWS = 200                  # the emulator's rows: tall enough that nothing scrolls
HISTORY = ["keep 0", "keep 1"]
HOSTILE = ["\x1b[2J", "\x1b[H", "\x07", "\x1b]0;title\x07", "\n", "\r", "\t", "\x9b31m",
           "\x00", "\x7f", "\u2028", "\u202e", "\u200d", "\ud800", "\ufeff", "e\u0301",
           "\u0301", "\u6e2c\u5b9a", "\U0001f600", "\x1b(0", "\x0e"]


def agrees(char):
    """pyte (wcwidth) and the view agree on char's width, or it gets escaped.

    pyte also drops the rest of a text run after a zero-width character
    that is not a combining mark, which real terminals do not.
    """
    if not char.isprintable():
        return True                 # printable() escapes it
    width = wcwidth(char)
    return width == char_cells(char) and (width > 0 or unicodedata.combining(char) > 0)


CHARS = st.characters().filter(agrees)
TEXT = st.one_of(st.text(CHARS, max_size=40), st.sampled_from(HOSTILE),
                 st.lists(st.sampled_from(HOSTILE + ["ab", " "]), max_size=6).map("".join))
NUMBER = st.one_of(st.none(), st.floats(), st.integers(-10, 1000), st.just(10 ** 400),
                   st.just("50"))
ROW = st.builds(Row, TEXT, st.sampled_from(
    ("starting", "running", "stopping", "done", "stopped", "failed", "\x1b[2Jodd")), NUMBER,
    st.one_of(st.none(), st.floats(0, 1e7), st.just(float("nan"))),
    st.one_of(st.none(), TEXT), st.one_of(st.none(), TEXT))
FRAME = st.tuples(st.just("frame"), NUMBER, st.lists(ROW, max_size=6),
                  st.dictionaries(TEXT, TEXT, max_size=2))
ABOVE = st.tuples(st.just("above"), st.lists(st.one_of(TEXT, st.binary(max_size=30)),
                                             max_size=3))
RESIZE = st.tuples(st.just("resize"), st.integers(1, 120), st.integers(1, 40))
OPS = st.lists(st.one_of(FRAME, ABOVE, RESIZE), max_size=8)


def squeezed(text):
    """text as the emulator's rows show it once joined: no white space (rows
    are read with trailing blanks cut), marks composed."""
    return "".join(unicodedata.normalize("NFC", text).split())


def expected_above(lines):
    out = []
    for line in lines:
        text = line if isinstance(line, str) else line.decode("utf-8", "backslashreplace")
        out.append(printable((text[:-1] if text.endswith("\r") else text).expandtabs()))
    return out


@given(st.integers(1, 120), st.integers(1, 40), st.booleans(), OPS)
def test_the_block_fits_stays_in_place_and_leaks_no_control(width, height, color, ops):
    screen = Screen(width, ROWS, HISTORY)
    live = Live(width, height, color=color)
    top, block = screen.cursor()[1], 0
    for op in ops:
        if op[0] == "resize":
            width, height = op[1], op[2]
            screen.resize(width)
        before = screen.rows(top)
        if op[0] == "frame":
            out = live.frame(op[1], op[2], op[3])
        elif op[0] == "above":
            texts = expected_above(op[1])
            if top + sum(cells(t) // max(1, width) + 1 for t in texts) + 45 > ROWS:
                break                               # it would scroll: enough seen
            out = live.above(op[1])
        else:
            out = live.resize(width, height)
        out.encode("utf-8")                         # nothing unencodable (surrogates)
        assert foreign_controls(out) == []
        screen.feed(out)
        if HIDE in out:
            drawn = out[out.index(HIDE):]
            block = drawn.count(CLEAR_LINE_END + "\n")
            lines = [line.split("\r")[-1] for line in drawn.split(CLEAR_LINE_END + "\n")[:-1]]
            assert all(visible_width(line) <= max(1, width - 1) for line in lines)
        rows = screen.rows(screen.cursor()[1] + 1)
        assert rows[:top] == before
        if op[0] == "above":
            new_top = screen.cursor()[1] - block
            assert squeezed("".join(rows[top:new_top])) == squeezed("".join(texts))
            top = new_top
        assert block <= max(1, height - 1)
        assert screen.cursor() == (0, top + block)
        assert screen.cursor_visible() and screen.wraps()
        assert screen.screen.title == "" and screen.screen.icon_name == ""
        assert screen.blank_from(top + block)
        if width > 2:
            assert all(cells(row) <= width - 1 for row in rows[top:top + block])
    screen.feed(live.close())
    assert screen.cursor_visible() and screen.wraps()


@given(st.integers(1, 120), st.lists(st.one_of(FRAME, ABOVE), max_size=6))
def test_dumb_lines_fit_and_never_move_the_cursor(width, ops):
    live = Live(width, 24, dumb=True)
    for op in ops:
        out = live.frame(op[1], op[2], op[3]) if op[0] == "frame" else live.above(op[1])
        out.encode("utf-8")
        assert "\x1b" not in out and "\r" not in out
        if op[0] == "frame":
            assert all(cells(line) <= max(1, width - 1) for line in out.splitlines())


JSON = st.recursive(
    st.one_of(st.none(), st.booleans(), st.floats(), st.integers(), st.just(10 ** 400),
              TEXT),
    lambda inner: st.one_of(st.lists(inner, max_size=4),
                            st.dictionaries(TEXT, inner, max_size=4)),
    max_leaves=12)
POINT = st.one_of(st.tuples(st.integers(), NUMBER).map(list), JSON)
SERIES = st.fixed_dictionaries({"id": JSON, "data": st.one_of(st.lists(POINT, max_size=40),
                                                              JSON)})
PAYLOAD = st.one_of(JSON, st.fixed_dictionaries({"value": JSON, "unit": JSON}),
                    st.fixed_dictionaries({"values": st.one_of(st.lists(SERIES, max_size=3),
                                                               JSON)}))
OK = st.fixed_dictionaries({"status": st.just("ok"),
                            "metrics": st.dictionaries(TEXT, PAYLOAD, max_size=4),
                            "annotations": st.one_of(st.dictionaries(TEXT, JSON, max_size=3),
                                                     JSON)})
FAILED = st.fixed_dictionaries({"status": JSON, "reason": JSON, "message": JSON})
FAILURE = st.tuples(TEXT, JSON, JSON, JSON, st.one_of(st.binary(max_size=200), st.none()))


@given(st.one_of(OK, FAILED, JSON), st.dictionaries(TEXT, TEXT, max_size=3),
       st.lists(FAILURE, max_size=3), st.integers(1, 200), st.booleans())
def test_the_result_table_fits_and_never_fails(final, owners, failures, width, color):
    text = result_table(final, owners, failures, width, color)
    text.encode("utf-8")
    assert foreign_controls(text) == []
    assert text.endswith("\n")
    assert all(visible_width(line) <= max(1, width - 1) for line in text.split("\n"))


@given(st.lists(NUMBER, max_size=100), st.integers(0, 50))
def test_a_sparkline_is_at_most_width_bars(values, width):
    line = sparkline(values, width)
    assert len(line) <= width and set(line) <= set(SPARKS)


# -- the text rules, case by case (app/view/text.py) -----------------------------


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
