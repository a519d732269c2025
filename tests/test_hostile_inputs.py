"""No input makes magg exit 70: the pure parts.

Each class of input that once crashed magg (exit 70) or ran it out of time or
memory, by where the input comes from: the request, config.yaml, the
environment, a driver's stdout. Each now gives a clear error or a sane
reading, in bounded time and memory. tests/test_hostile_runs.py shows the
same classes end to end, tests/test_properties.py generates inputs.
"""

import json
import sys
import time

import pytest

from app import MaggError
from app.bounds import MAX_DEPTH, MAX_DIGITS, OutOfBounds, loads
from app.child import Child
from app.config import HEARTBEAT, io_timeout, parse_config
from app.bounds import SHORT, short
from app.progress import Progress, as_number, format_percent
from app.request import MAX_SECONDS, parse_duration, parse_request
from app.rounds import Job

HUGE_INT = "1" + "0" * 400          # beyond a float: float() raises OverflowError
LONGER_THAN_PYTHON_READS = "1" + "0" * 5000   # past 3.11's 4300-digit limit


def nested(depth, inner="1"):
    return "[" * depth + inner + "]" * depth


def bad_request(text):
    with pytest.raises(MaggError) as err:
        parse_request(text)
    assert err.value.status == "bad-request"
    return err.value.message


def config_error(text):
    with pytest.raises(MaggError) as err:
        parse_config(text)
    assert err.value.reason == "config" and "config.yaml" in err.value.message
    return err.value.message


# -- JSON within bounds (app/bounds.py) ------------------------------------------

def test_json_nested_to_the_limit_is_read():
    assert loads(nested(MAX_DEPTH)) is not None


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 100000])
def test_json_nested_past_the_limit_is_out_of_bounds_not_a_recursion_error(depth):
    with pytest.raises(OutOfBounds) as err:
        loads(nested(depth))
    assert "nests more than %d levels" % MAX_DEPTH in str(err.value)


def test_brackets_inside_strings_do_not_count_as_nesting():
    assert loads(json.dumps({"s": "[" * 1000})) == {"s": "[" * 1000}


def test_an_integer_of_more_digits_than_python_311_reads_is_refused_on_every_version():
    assert loads("-" + "9" * MAX_DIGITS) == -int("9" * MAX_DIGITS)
    with pytest.raises(OutOfBounds) as err:
        loads("[%s]" % LONGER_THAN_PYTHON_READS)
    assert "5001 digits" in str(err.value)


# -- the request ------------------------------------------------------------------

@pytest.mark.parametrize("text", ["[" * 100000, '{"control": ' + "[" * 100000,
                                  '{"control": {"userdata": %s}}' % nested(MAX_DEPTH)])
def test_request_nested_too_deeply_is_a_bad_request(text):
    assert "nests more than %d levels deep" % MAX_DEPTH in bad_request(text)


def test_request_holding_a_5000_digit_integer_is_a_bad_request():
    message = bad_request('{"control": {"userdata": {"n": %s}}}' % LONGER_THAN_PYTHON_READS)
    assert "5001 digits" in message


@pytest.mark.parametrize("value", [HUGE_INT, "1e400", "1e13", '"1e400"', "Infinity"])
def test_duration_too_long_for_any_clock_is_a_bad_request_naming_the_key(value):
    message = bad_request('{"control": {"warmup": %s}}' % value)
    assert "control.warmup must be at most 1e+12 seconds" in message


def test_durations_up_to_the_longest_are_read():
    assert parse_duration(MAX_SECONDS, "control.duration") == MAX_SECONDS
    assert parse_duration("277777777h", "control.duration") < MAX_SECONDS


@pytest.mark.parametrize("value", ["NaN", '"nan"', "-Infinity", "-" + HUGE_INT])
def test_nan_and_negative_infinities_are_bad_requests(value):
    assert "control.past" in bad_request('{"control": {"past": %s}}' % value)


def test_error_about_a_huge_metric_entry_shows_a_short_excerpt():
    message = bad_request(json.dumps({"metrics": ["cpu", ["x" * 10 ** 6]]}))
    assert len(message) < 2 * SHORT


# -- config.yaml ------------------------------------------------------------------

@pytest.mark.parametrize("value", [HUGE_INT, "1.0e+400", ".inf", "1e13"])
def test_seconds_too_long_in_config_are_an_error_naming_the_key(value):
    assert "magg.grace_period must be at most" in config_error(
        "magg:\n  grace_period: %s\n" % value)


@pytest.mark.parametrize("value", [".nan", ".NaN", "-.inf"])
def test_nan_and_minus_infinity_in_config_are_errors_naming_the_key(value):
    assert "magg.cleanup_grace_period" in config_error(
        "magg:\n  cleanup_grace_period: %s\n" % value)


@pytest.mark.parametrize("text", ["magg: {}\nprom:\n  when: 2001-02-30\n",
                                  "magg: {}\nprom: !!int twelve\n"])
def test_yaml_that_python_cannot_construct_is_invalid_yaml(text):
    assert "invalid YAML" in config_error(text)


@pytest.mark.skipif(not hasattr(sys, "set_int_max_str_digits"),
                    reason="Python before 3.11 reads integers of any length")
def test_yaml_integer_longer_than_python_reads_is_invalid_yaml():
    assert "invalid YAML" in config_error("magg: {}\nprom: %s\n" % LONGER_THAN_PYTHON_READS)


@pytest.mark.parametrize("value, shown", [
    ("2001-12-14", '"2001-12-14"'), ("!!binary aGVsbG8=", "<5 bytes>"),
    ("!!set {a}", '["a"]'), ("{1: a, b: c}", '{"1": "a", "b": "c"}')])
def test_config_values_json_cannot_show_are_still_named_in_the_error(value, shown):
    message = config_error("magg:\n  force_cancel: %s\n" % value)
    assert "magg.force_cancel must be true or false, got " + shown in message


@pytest.mark.parametrize("depth", [MAX_DEPTH, 100000])
def test_yaml_nested_too_deeply_is_invalid_yaml_with_its_line(depth):
    message = config_error("magg:\n  grace_period: %s\n" % nested(depth))
    assert "nested more than %d levels deep" % MAX_DEPTH in message
    assert "line 2" in message


def test_yaml_nested_within_the_limit_is_read():
    # The document and the magg section are two levels of the limit.
    text = "magg: {}\nprom:\n  x: %s\n" % nested(MAX_DEPTH - 2)
    assert parse_config(text).grace_period == 0


def alias_bomb(levels=9, fan=9):
    """YAML whose last anchor stands for fan ** levels strings, in a few hundred bytes."""
    lines = ["l0: &l0 [%s]" % ", ".join(["lol"] * fan)]
    for i in range(1, levels + 1):
        lines.append("l%d: &l%d [%s]" % (i, i, ", ".join(["*l%d" % (i - 1)] * fan)))
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("key", ["force_cancel", "grace_period", "stderr_limit"])
def test_alias_bomb_under_magg_is_an_error_with_a_short_excerpt_at_once(key):
    start = time.monotonic()
    message = config_error(alias_bomb() + "magg:\n  %s: *l9\n" % key)
    assert time.monotonic() - start < 2      # 387 million strings, never expanded
    assert "magg." + key in message and len(message) < 3 * SHORT


# -- the environment: OPTUNE_IO_TIMEOUT -------------------------------------------

@pytest.mark.parametrize("text", ["nan", "NaN", "-nan"])
def test_io_timeout_nan_is_ignored_with_a_warning_so_every_timer_still_fires(text):
    limit, heartbeat, warnings = io_timeout(text)
    assert (limit, heartbeat) == (None, HEARTBEAT)
    assert "not a number" in warnings[0]


@pytest.mark.parametrize("text", ["inf", "1e309", "-inf", "-1e309"])
def test_io_timeout_infinite_means_no_limit(text):
    assert io_timeout(text) == (None, HEARTBEAT, ())


@pytest.mark.parametrize("text", ["1e300", "9" * 300])
def test_io_timeout_huge_but_finite_is_read_as_it_is(text):
    limit, heartbeat, warnings = io_timeout(text)
    assert limit == float(text) - 1 and heartbeat == HEARTBEAT and not warnings


def test_io_timeout_warning_shows_a_short_excerpt():
    assert len(io_timeout("x" * 10 ** 6)[2][0]) < 2 * SHORT


# -- a driver's stdout --------------------------------------------------------------

def child():
    return Child(Job("prom", ["./measure.d/prom", "app"], b"{}", True))


@pytest.mark.parametrize("line", [b"[" * 100000, nested(MAX_DEPTH + 1).encode(),
                                  b'{"status": "ok", "m": ' + b"[" * 100000])
def test_driver_line_nested_too_deeply_fails_the_driver_naming_why(line):
    c = child()
    assert c.stdout(line + b"\n") == [("failed", None)]
    assert "nests more than %d levels deep" % MAX_DEPTH in c.problem
    assert len(c.problem) < 2 * SHORT


def test_driver_line_with_a_5000_digit_integer_fails_the_driver():
    c = child()
    c.stdout(b'{"status": "ok", "n": %s}\n' % LONGER_THAN_PYTHON_READS.encode())
    assert "5001 digits" in c.problem


def test_driver_line_in_latin_1_fails_the_driver_as_not_json():
    c = child()
    assert c.stdout('{"status": "ok", "x": "café"}\n'.encode("latin-1")) == [
        ("failed", None)]
    assert "not a JSON object" in c.problem


def test_too_deep_half_line_cut_off_by_our_stop_is_not_blamed_on_the_driver():
    c = child()
    c.move("start", 0.0)
    c.stdout(b"[" * 100000)
    c.move("stop", 1.0)
    assert c.stdout_closed() == [] and c.problem is None


@pytest.mark.parametrize("text", ["NaN", "Infinity", "-Infinity", HUGE_INT, "-" + HUGE_INT])
def test_progress_lines_with_any_number_are_progress_events(text):
    events = child().stdout(b'{"progress": %s}\n' % text.encode())
    assert [kind for kind, _ in events] == ["progress"]


# -- progress values ------------------------------------------------------------------

@pytest.mark.parametrize("value, number", [
    (float("inf"), float("inf")), (float("-inf"), float("-inf")),
    (10 ** 400, float("inf")), (-10 ** 400, float("-inf")), ("1e999", float("inf")),
    (float("nan"), None), ("nan", None), ("-NaN", None)])
def test_progress_numbers_beyond_floats_read_as_infinities_and_nan_as_none(value, number):
    assert as_number(value) == number


def test_nan_progress_never_counts_as_finished():
    progress = Progress(["a", "b"])
    progress.update("b", 100)
    assert progress.update("a", float("nan")) == 0
    assert progress.update("a", "NaN") == 0


def test_infinite_and_huge_progress_clamp_to_0_and_100():
    progress = Progress(["a"])
    assert progress.update("a", float("-inf")) == 0
    assert progress.update("a", 10 ** 400) == 100
    assert Progress(["a"]).update("a", float("inf")) == 100


@pytest.mark.parametrize("value, shown", [
    (float("nan"), 0), (float("inf"), 100), (float("-inf"), 0), (10 ** 400, 100), (50.5, 50.5)])
def test_format_percent_always_prints_a_number_from_0_to_100(value, shown):
    assert format_percent(value) == shown


# -- excerpts of any value (bounds.short) ------------------------------------------

@pytest.mark.parametrize("value", [
    {"b": [1, 2.5, None, True], "a": "x\u00e9\ud800"}, [], {}, "", 10 ** 150, -0.0,
    float("nan"), [[[[]]]]])
def test_short_of_a_small_json_value_is_its_json(value):
    assert short(value) == json.dumps(value, sort_keys=True)


def test_short_of_a_long_value_is_cut_to_its_json_prefix():
    value = {"k%03d" % i: list(range(i)) for i in range(100)}
    assert short(value) == json.dumps(value, sort_keys=True)[:SHORT] + "..."


def deep_list(depth):
    value = []
    for _ in range(depth):
        value = [value]
    return value


@pytest.mark.parametrize("value", [
    deep_list(10 ** 5), ["x" * 10 ** 7], 10 ** 5000, -10 ** 5000,
    dict.fromkeys(range(10 ** 5), 1), {("a", 1): {1, 2}, 3: b"x", None: object()}],
    ids=["deep", "long string", "huge int", "huge negative int", "many keys", "odd types"])
def test_short_is_bounded_whatever_the_value(value):
    start = time.monotonic()
    text = short(value)
    assert len(text) <= SHORT + 3 and time.monotonic() - start < 0.5


class Watched(str):
    """A string that notes which slices of it are read."""

    def __getitem__(self, index):
        self.read.append(index)
        return str.__getitem__(self, index)


def test_short_reads_no_more_of_any_string_than_its_limit():
    key, value, item = Watched("k" * 10 ** 6), Watched("v" * 10 ** 6), Watched("i" * 10 ** 6)
    for text in (key, value, item):
        text.read = []
    assert short([{key: value}, item], limit=30) == '[{"' + "k" * 27 + "..."
    assert short({"a": value}, limit=30) == '{"a": "' + "v" * 23 + "..."
    assert short(item, limit=30) == '"' + "i" * 29 + "..."
    assert key.read == [slice(None, 30)] and value.read == [slice(None, 30)]
    assert item.read == [slice(None, 30)]


# -- the bounds at their edges ----------------------------------------------------

def test_an_integer_of_exactly_max_digits_is_read_one_more_is_refused_by_its_length():
    from app.bounds import loads
    assert loads("9" * MAX_DIGITS) == int("9" * MAX_DIGITS)
    with pytest.raises(OutOfBounds) as err:
        loads("[" + "9" * (MAX_DIGITS + 1) + "]")
    assert str(err.value) == "holds an integer of 4301 digits (more than 4300)"
    with pytest.raises(OutOfBounds) as err:
        loads("-" + "9" * (MAX_DIGITS + 1))
    assert str(err.value) == "holds an integer of 4301 digits (more than 4300)"


def test_an_integer_of_14300_bits_is_shown_by_its_digits_where_python_can_print_it():
    # Python 3.11+ prints at most 4300 digits unless told otherwise; 14300 bits
    # make about 4305: told otherwise, short() prints them, one bit more it never does.
    old = sys.get_int_max_str_digits() if hasattr(sys, "get_int_max_str_digits") else None
    if old is not None:
        sys.set_int_max_str_digits(0)
    try:
        assert short(2 ** 14299, limit=10) == "2678600831..."
        assert short(2 ** 14300) == "<an integer of about 4306 digits>"
    finally:
        if old is not None:
            sys.set_int_max_str_digits(old)
    if old is not None:
        assert short(2 ** 14299) == "<an integer of about 4305 digits>"


def test_nesting_is_counted_from_1_for_the_outermost_list_or_object():
    from app.bounds import deeper_than
    assert (deeper_than(5, 0), deeper_than("x", 0)) == (False, False)
    assert (deeper_than([], 1), deeper_than([], 0)) == (False, True)
    assert (deeper_than([[]], 2), deeper_than([[]], 1)) == (False, True)
    assert (deeper_than({"a": [{}], "b": 1}, 3), deeper_than({"a": [{}], "b": 1}, 2)) == \
        (False, True)
    assert str(OutOfBounds("x")) == "x" and issubclass(OutOfBounds, ValueError)
