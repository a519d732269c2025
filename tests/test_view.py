"""The live view of a measurement, as a person sees it on a terminal (no processes).

Every frame is fed to a terminal emulator (pyte, tests/viewscreen.py) and
the assertions read the emulator's screen: what is on which row, where the
cursor is, whether it is visible, what colour a word has.
"""

from app.view import Live, Row
from viewscreen import SGR, Screen, foreign_controls, width_of

HISTORY = ["$ ./measure app-1", "warning: x"]


def running_rows():
    return [Row("measure-prom", "running", 50, 12.4, "querying cpu_usage"),
            Row("measure-vegeta", "running", 25.5, 12.0, "attacking at 250/s"),
            Row("exec", "starting", None, 0.3)]


def show(width=80, height=24, color=False, frames=1, rows=None, skipped=None):
    screen = Screen(width, height, HISTORY)
    live = Live(width, height, color=color)
    for _ in range(frames):
        screen.feed(live.frame(25.5, rows or running_rows(), skipped))
    return screen, live


def test_the_block_shows_the_total_then_one_line_per_driver():
    screen, _ = show()
    rows = screen.rows()
    assert rows[:2] == HISTORY
    assert rows[2].startswith("total") and "25%" in rows[2]
    assert rows[2].endswith("1 starting, 2 running")
    prom = rows[3].split()
    assert prom[0] == "measure-prom" and "50%" in prom and "0:12" in prom
    assert rows[3].endswith("running   querying cpu_usage")
    bar = [c for c in rows[3] if "\u2588" <= c <= "\u258f" or c == "\u2591"]
    assert "".join(bar) == "\u2588" * (len(bar) // 2) + "\u258c" + "\u2591" * (len(bar) // 2)
    assert rows[4].startswith("measure-vegeta") and "attacking at 250/s" in rows[4]
    assert rows[5].split()[0] == "exec" and "starting" in rows[5] and "-" in rows[5].split()
    assert screen.cursor() == (0, 6)                # resting below the block


def test_a_redraw_replaces_the_block_in_place():
    screen, live = show()
    rows = running_rows()
    rows[0] = Row("measure-prom", "done", 100, 20.0, "finished")
    screen.feed(live.frame(60, rows))
    out = screen.rows()
    assert out[:2] == HISTORY
    assert [r.split()[0] for r in out if r][2:] == ["total", "measure-prom",
                                                    "measure-vegeta", "exec"]
    assert "60%" in out[2] and "done      finished" in out[3]
    assert screen.cursor() == (0, 6)


def test_an_unchanged_state_writes_nothing():
    _, live = show()
    assert live.frame(25.5, running_rows()) == ""


def test_stderr_lines_go_above_the_block_whole_and_escaped():
    screen, live = show(width=40)
    long_line = "[measure-prom] " + "x" * 70 + " end"
    screen.feed(live.above([long_line.encode(), b"[exec] \x1b[2J\x1b]0;owned\x07 bell"]))
    rows = screen.rows()
    assert rows[:2] == HISTORY
    assert "".join(rows[2:5]) == long_line          # wrapped by the terminal, not cut
    assert rows[5] == r"[exec] \x1b[2J\x1b]0;owned\x07 bell"
    assert rows[6].startswith("total") and rows[7].startswith("measure-prom")
    assert screen.screen.title == ""
    assert screen.cursor() == (0, 10)


def test_stderr_keeps_tabs_as_spaces_and_a_crlf_line_ends_at_its_cr():
    screen, live = show()
    screen.feed(live.above([b"[exec] a\tb\r"]))
    assert screen.rows()[2] == "[exec] a        b"


def test_stderr_that_is_not_utf8_shows_its_bytes():
    screen, live = show()
    screen.feed(live.above([b"[exec] \xff\xfe ok"]))
    assert screen.rows()[2] == r"[exec] \xff\xfe ok"


def test_a_failed_driver_shows_its_reason_in_red():
    rows = running_rows()
    rows[2] = Row("exec", "failed", None, 14.0, None, "aborted: slo-violation")
    screen, _ = show(color=True, rows=rows)
    assert screen.row_with("exec").endswith("failed    aborted: slo-violation")
    assert screen.char("failed", row="exec").fg == "red"
    assert screen.char("aborted").fg == "red"
    assert screen.char("running", row="measure-prom").fg == "cyan"


def test_a_driver_magg_stopped_keeps_where_it_got_to_and_is_counted_as_stopped():
    rows = running_rows()
    rows[1] = Row("measure-vegeta", "stopped", 25.5, 12.0, "attacking at 250/s")
    screen, _ = show(color=True, rows=rows)
    row = screen.row_with("measure-vegeta")
    assert "25%" in row and row.endswith("stopped   attacking at 250/s")
    assert screen.char("stopped", row="measure-vegeta").fg == "brown"     # yellow
    assert screen.row_with("total").endswith("1 starting, 1 running, 1 stopped")


def test_skipped_drivers_are_listed_once_with_why():
    screen, _ = show(skipped={"measure-prom-b": "run: when-requested, and the request "
                                                "names no metric it describes"})
    row = screen.row_with("measure-prom-b")
    assert "skipped" in row and "run: when-requested" in row
    assert "1 skipped" in screen.row_with("total")


def test_no_colour_sequence_at_all_when_colour_is_off():
    screen = Screen(80, 24)
    live = Live(80, 24, color=False)
    rows = running_rows() + [Row("x", "failed", None, 1, None, "boom")]
    text = live.frame(10, rows, {"y": "run: never"}) + live.above(["[x] line"]) + live.close()
    screen.feed(text)
    assert not SGR.search(text)
    assert all(char.fg == "default" and not char.bold
               for row in screen.screen.buffer.values() for char in row.values())


def test_colour_on_paints_state_words():
    screen, _ = show(color=True)
    assert screen.char("running", row="measure-prom").fg == "cyan"
    assert screen.char("total").bold


def test_a_40_column_terminal_drops_the_bar_and_keeps_names_and_states():
    screen, _ = show(width=40)
    rows = screen.rows()[2:6]
    assert all(width_of(row) <= 39 for row in rows)
    assert "\u2588" not in "".join(rows)
    assert [row.split()[0] for row in rows] == ["total", "measure-prom", "measure-vege\u2026",
                                                "exec"]
    assert "running" in rows[1] and "starting" in rows[3]


def test_a_20_column_terminal_shows_name_and_percent_or_state():
    screen, _ = show(width=20)
    rows = screen.rows()[2:6]
    assert all(width_of(row) <= 19 for row in rows)
    assert rows[1].split() == ["measure-\u2026", "50%"]
    assert rows[3].split() == ["exec", "starting"]


def test_resizing_to_narrower_redraws_the_block_to_fit():
    screen, live = show(width=80)
    screen.resize(30)
    screen.feed(live.resize(30, 24))
    rows = screen.rows()
    assert rows[0] == HISTORY[0][:30]
    assert [r.split()[0] for r in rows[2:6]] == ["total", "measure-prom", "measure-vegeta",
                                                "exec"]
    assert all(width_of(row) <= 29 for row in rows)
    assert screen.cursor() == (0, 6) and not any(rows[6:])


def test_a_resize_redraws_the_block_even_when_it_comes_out_the_same():
    screen, live = show()
    before = screen.rows()
    screen.feed("\x1b[3A\x1b[2Kreflowed\r\x1b[3B")     # the terminal garbled a line
    screen.feed(live.resize(80, 30))
    assert screen.rows() == before and screen.cursor() == (0, 6)


def test_a_two_line_terminal_shows_the_total_alone():
    screen = Screen(80, 2)
    screen.feed(Live(80, 2, color=False).frame(25.5, running_rows()))
    assert screen.rows()[0].startswith("total") and screen.cursor() == (0, 1)


def test_the_caller_draws_four_frames_a_second_and_a_dumb_round_once_a_second():
    assert Live(80, 24).interval == 0.25
    assert Live(80, 24, dumb=True).interval == 1.0


def test_more_drivers_than_rows_keeps_the_failed_ones_and_counts_the_rest():
    rows = [Row("d%02d" % i, "done", 100, 5.0) for i in range(30)]
    rows[17] = Row("d17", "failed", None, 3.0, None, "exit code 1")
    screen = Screen(80, 8)
    screen.feed(Live(80, 8, color=False).frame(90, rows))
    block = screen.rows()
    assert block[0].startswith("total") and block[7] == ""   # 8 rows less the cursor's
    assert [row.split()[0] for row in block[1:6]] == ["d00", "d01", "d02", "d03", "d17"]
    assert "exit code 1" in block[5]
    assert block[6] == "\u2026 25 more: 25 done"
    assert screen.cursor() == (0, 7)


def test_close_leaves_the_cursor_visible_below_the_block():
    screen, live = show(color=True)
    screen.feed(live.close())
    screen.feed("next\n")
    assert screen.cursor_visible() and screen.wraps()
    assert screen.rows()[6] == "next"
    assert screen.char("next").fg == "default"


def test_ctrl_c_echo_is_cleared_by_the_next_frame_and_the_cursor_stays_visible():
    screen, live = show(color=True)
    screen.feed("^C")                               # the tty echoes it at the cursor
    rows = [row._replace(state="stopping") for row in running_rows()]
    screen.feed(live.frame(25.5, rows) + live.close())
    assert "^C" not in screen.text()
    assert "stopping" in screen.row_with("measure-prom")
    assert screen.cursor_visible() and screen.cursor() == (0, 6)


def test_hostile_names_and_messages_are_shown_escaped():
    hostile = "\x1b[2J\x1b]0;title\x07\n\r\x9b31m\u2028\u202e\ud800end"
    rows = [Row("evil\x1b[H", "running", 10, 1.0, hostile)]
    screen = Screen(120, 10, HISTORY)
    live = Live(120, 10, color=True)
    text = screen.feed(live.frame(10, rows))
    assert screen.rows()[:2] == HISTORY
    assert screen.screen.title == ""
    row = screen.row_with("evil")
    assert row.startswith(r"evil\x1b[H")
    assert (r"\x1b[2J\x1b]0;title\x07\n\r\x9b31m\u2028\u202e\ud800end") in row
    assert foreign_controls(text) == []


def test_wide_characters_are_measured_in_cells():
    rows = [Row("\u6e2c\u5b9a", "running", 10, 1.0, "\u5f85\u6a5f\u4e2d" * 20)]
    screen = Screen(40, 10)
    screen.feed(Live(40, 10, color=False).frame(10, rows))
    row = screen.row_with("\u6e2c\u5b9a")
    assert width_of(row) <= 39 and row.endswith("\u2026")


def test_dumb_mode_prints_a_plain_line_per_change_and_no_escape():
    live = Live(80, 24, dumb=True)
    first = live.frame(25, running_rows(), {"old": "run: never"})
    again = live.frame(25, running_rows(), {"old": "run: never"})
    rows = running_rows()
    rows[0] = Row("measure-prom", "running", 75, 13.0, "querying cpu_usage")
    third = live.frame(25, rows)
    for text in (first, third):
        assert "\x1b" not in text and "\r" not in text
    assert first.splitlines() == [
        "skipped old: run: never",
        "0:12 measure-prom: running 50%: querying cpu_usage",
        "0:12 measure-vegeta: running 25%: attacking at 250/s",
        "0:00 exec: starting",
        "0:12 total: 25%, 1 starting, 2 running"]
    assert again == ""
    assert third.splitlines() == ["0:13 measure-prom: running 75%: querying cpu_usage",
                                  "0:13 total: 25%, 1 starting, 2 running"]


def test_dumb_mode_stderr_is_plain_escaped_lines():
    live = Live(80, 24, dumb=True)
    live.frame(0, running_rows())
    assert live.above([b"[exec] \x1b[31mred"]) == "[exec] \\x1b[31mred\n"
    assert live.close() == ""


def test_dumb_mode_lines_fit_a_narrow_terminal():
    live = Live(20, 24, dumb=True)
    lines = live.frame(0, running_rows(), {"old": "run: never"}).splitlines()
    assert lines and all(width_of(line) <= 19 for line in lines)


def test_dumb_mode_on_a_one_or_two_column_terminal_prints_an_ellipsis_per_line():
    for width in (1, 2):
        assert Live(width, 24, dumb=True).frame(25, running_rows()) == "\u2026\n" * 4


def test_dumb_mode_says_the_total_first_even_with_no_driver_and_no_percent_yet():
    assert Live(80, 24, dumb=True).frame(None, []) == "total: -, \n"


def test_dumb_mode_cuts_a_name_by_its_cells_and_marks_the_cut():
    marks = "\u0301" * 100                      # combining accents: no cell of their own
    rows = [Row("a" + marks + "-end", "running", 10, 1.0),
            Row("b" + marks * 3, "running", 10, 1.0)]
    lines = Live(40, 24, dumb=True).frame(10, rows).splitlines()
    assert lines[0] == "0:01 a" + marks + "-end: running 10%"
    assert lines[1] == "0:01 b" + "\u0301" * 141 + "\u2026: running 10%"


def test_a_line_the_terminal_thinks_wider_is_cut_at_the_margin_not_wrapped():
    # Unicode 16 made the trigrams wide; an older Python counts one cell each.
    rows = [Row("trigrams", "running", 10, 1.0, "\u2630" * 60), Row("next", "running", 10, 1.0)]
    screen = Screen(40, 10, HISTORY)
    screen.feed(Live(40, 10, color=False).frame(10, rows))
    out = screen.rows()
    assert out[:2] == HISTORY
    assert out[3].startswith("trigrams") and out[4].startswith("next")
    assert screen.cursor() == (0, 5)


def test_close_repairs_a_frame_cut_short():
    screen = Screen(80, 24, HISTORY)
    live = Live(80, 24, color=True)
    text = live.frame(10, running_rows())
    screen.feed(text[:len(text) // 2])          # the write was interrupted mid-frame
    screen.feed(live.close())
    assert screen.cursor_visible() and screen.wraps()
    screen.feed("after")
    assert screen.char("after").fg == "default"
