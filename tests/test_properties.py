"""The protocol's promises under generated input (Hypothesis).

Whatever the request, the `magg` section, OPTUNE_IO_TIMEOUT or a driver's
stdout holds, the pure parts either read it or refuse it with magg's own
error (never another exception, so never exit 70), their messages stay
short, and numbers stay numbers: a time limit is finite, a progress line
says 0 to 100. A sample goes through real runs: the final stdout line is one
JSON object with a status, the exit code matches it, it is never 70, and the
run ends by itself.

Profiles (HYPOTHESIS_PROFILE): "ci", the default, is what `make test` runs:
few examples, derandomized (the same examples every run, no database), no
deadline. "thorough" runs many more, with a fresh seed each time:

    HYPOTHESIS_PROFILE=thorough .venv/bin/python -m pytest tests/test_properties.py
"""

import datetime
import json
import math
import os
import tempfile

import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import agent
import aggregator
from app import MaggError
from app.bounds import MAX_DEPTH, MAX_DIGITS
from app.child import Child
from app.config import HEARTBEAT, io_timeout, parse_config, validate_section
from app.merge import Outcome, check_round, merge_measure
from app.bounds import SHORT, short
from app.plan import make_plan
from app.progress import Progress, as_number, format_percent
from app.request import DURATION_KEYS, MAX_SECONDS, parse_request
from app.rounds import Job
from fakedriver import write_script
from processes import kill_marked, new_marker

_SLOW_IS_FINE = [HealthCheck.too_slow, HealthCheck.data_too_large,
                 HealthCheck.filter_too_much]
settings.register_profile("ci", max_examples=40, deadline=None, derandomize=True,
                          database=None, suppress_health_check=_SLOW_IS_FINE)
settings.register_profile("thorough", max_examples=1500, deadline=None, database=None,
                          suppress_health_check=_SLOW_IS_FINE)
PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "ci")
settings.load_profile(PROFILE)
# Real runs cost a few hundred milliseconds each.
RUNS = 10 if PROFILE == "ci" else 200

DRIVERS = ["exec", "prom", "vegeta"]
# Longer than any message magg builds from a bounded excerpt.
LONGEST_MESSAGE = 2000


# -- strategies -------------------------------------------------------------------

def digits(n):
    """An integer's text without str(int): 3.11+ refuses str() past 4300 digits."""
    return "9" * n


BIG_INTS = st.integers(min_value=300, max_value=MAX_DIGITS).map(lambda n: 10 ** n - 1)
NUMBERS = (st.integers() | st.floats() | BIG_INTS | st.sampled_from(
    [0, -0.0, 1e308, 1e12, 1e12 + 1, 5e-324, float("nan"), float("inf"), float("-inf")]))
DURATION_TEXTS = st.sampled_from([
    "90s", "5m", "1h30m", "1.5h", "250ms", "", " ", "1e999", "nan", "inf", "-inf",
    "-5", "1e12", "1e13", "0x10", "1_0", "277777777h", "9" * 400 + "h", "5m30",
]) | st.from_regex(r"\A[0-9]{0,4}(\.[0-9]{0,3})?(h|m|s|ms){0,2}\Z") | st.text(
    alphabet="0123456789.hms-e+ ", max_size=16)
TEXT = st.text(max_size=12)
SCALARS = st.none() | st.booleans() | NUMBERS | TEXT | DURATION_TEXTS
JSON = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
    TEXT, inner, max_size=4), max_leaves=12)


def nested(depth, inner="1"):
    return "[" * depth + inner + "]" * depth


@st.composite
def controls(draw):
    control = draw(st.dictionaries(st.sampled_from(DURATION_KEYS + ("load", "other")),
                                   DURATION_TEXTS | NUMBERS | JSON, max_size=5))
    if draw(st.booleans()):
        names = st.sampled_from(DRIVERS + ["promm", "slo"]) | TEXT
        control["userdata"] = draw(st.dictionaries(names, JSON | st.fixed_dictionaries(
            {"control": st.dictionaries(st.sampled_from(DURATION_KEYS + ("userdata",)),
                                        DURATION_TEXTS | NUMBERS | JSON, max_size=3)
                        | JSON}), max_size=4))
    return control


@st.composite
def request_objects(draw):
    request = {}
    if draw(st.booleans()):
        names = st.sampled_from(["cpu", "rps", "mem", "nobody"]) | TEXT
        request["metrics"] = draw(st.lists(names | JSON, max_size=4) | st.dictionaries(
            names, JSON, max_size=4) | JSON)
    if draw(st.booleans()):
        request["control"] = draw(controls() | JSON)
    return request


def with_raw_number(text, number_text):
    """text with its first number replaced by number_text, which json.dumps cannot write."""
    for i, char in enumerate(text):
        if char.isdigit():
            end = i
            while end < len(text) and text[end] in "0123456789.eE+-":
                end += 1
            return text[:i] + number_text + text[end:]
    return text


REQUEST_TEXTS = st.one_of(
    request_objects().map(json.dumps),
    st.tuples(request_objects().map(json.dumps),
              st.integers(MAX_DIGITS - 2, MAX_DIGITS + 700).map(digits)).map(
        lambda pair: with_raw_number(*pair)),
    st.integers(0, 3 * MAX_DEPTH).map(lambda n: '{"control": {"userdata": %s}}' % nested(n)),
    st.sampled_from(["[" * 100000, '{"metrics": ' + "[" * 50000, "", "  ", "null", "[]"]),
    st.text(max_size=40),
    st.binary(max_size=40).map(lambda b: b.decode("latin-1")),
)


YAML_VALUES = st.recursive(
    SCALARS | st.dates() | st.binary(max_size=8) | st.sets(TEXT, max_size=3),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
        TEXT | st.integers() | st.booleans(), inner, max_size=3), max_leaves=10)
SECTION_KEYS = st.sampled_from(["grace_period", "force_cancel", "cleanup_grace_period",
                                "progress_interval", "stderr_limit", "drivers"]) | TEXT
SECTIONS = st.dictionaries(SECTION_KEYS, YAML_VALUES | DURATION_TEXTS, max_size=5) | YAML_VALUES


def alias_bomb(levels, fan):
    lines = ["l0: &l0 [%s]" % ", ".join(["lol"] * fan)]
    for i in range(1, levels + 1):
        lines.append("l%d: &l%d [%s]" % (i, i, ", ".join(["*l%d" % (i - 1)] * fan)))
    return "\n".join(lines) + "\n"


CONFIG_TEXTS = st.one_of(
    SECTIONS.map(lambda section: yaml.safe_dump({"magg": section}, sort_keys=False)),
    st.tuples(SECTION_KEYS, st.integers(1, 12), st.integers(1, 12)).map(
        lambda t: alias_bomb(t[1], t[2]) + "magg:\n  %s: *l%d\n" % (t[0], t[1])),
    st.integers(0, 3 * MAX_DEPTH).map(lambda n: "magg:\n  grace_period: %s\n" % nested(n)),
    st.sampled_from(["magg:\n  grace_period: %s\n" % ("[" * 100000),
                     "magg: {}\nprom: %s\n" % digits(MAX_DIGITS + 1),
                     "magg: {}\nprom:\n  when: 2001-02-30\n",
                     "magg:\n  grace_period: 1%s\n" % ("0" * 400)]),
    st.text(max_size=60).map(lambda t: "magg:\n  " + t),
)


def progress_line(value):
    return b'{"progress": %s, "message": "m"}' % value.encode()


NUMBER_TEXTS = st.sampled_from(["NaN", "Infinity", "-Infinity", "1e400", "-1e400", "50",
                                "100", "101", "-1", "1" + "0" * 400, '"1e999"', '"nan"',
                                '"half"', "null", "true", "[50]", '{"a": 1}'])
LINES = st.one_of(
    NUMBER_TEXTS.map(progress_line),
    st.floats().map(lambda f: progress_line(json.dumps(f))),
    JSON.map(lambda v: json.dumps({"status": "ok", "metrics": {"cpu": {"value": v}}}).encode()),
    JSON.map(lambda v: json.dumps(v).encode()),
    st.sampled_from([b"", b"   ", b"\r", b"[" * 100000, nested(MAX_DEPTH + 1).encode(),
                     b'{"status": "ok", "n": %s}' % digits(MAX_DIGITS + 1).encode(),
                     b'{"status": "failed", "message": "x", "reason": "y"}',
                     b'{"status": ' + nested(MAX_DEPTH - 1).encode() + b"}"]),
    st.text(max_size=30).map(lambda t: json.dumps({"status": "ok", "metrics": {t: {}}})
                             .encode("utf-16")),
    st.text(max_size=30).map(lambda t: t.encode("latin-1", "replace")),
    st.binary(max_size=30),
)


GOOD_RESULT = b'{"status": "ok", "metrics": {"cpu": {"value": 1}}}'


@st.composite
def stdout_chunks(draw):
    """A driver's stdout as it may arrive: lines, cut anywhere into chunks."""
    lines = draw(st.lists(LINES, max_size=6))
    if draw(st.booleans()):
        lines.append(GOOD_RESULT)
    data = b"\n".join(lines)
    if draw(st.booleans()):
        data += b"\n"
    cuts = sorted(draw(st.lists(st.integers(0, len(data)), max_size=4)))
    return [data[i:j] for i, j in zip([0] + cuts, cuts + [len(data)]) if j > i]


# -- invariants shared by the properties --------------------------------------------

def refused_cleanly(err, status=None, reason=None):
    assert isinstance(err.message, str) and len(err.message) < LONGEST_MESSAGE, err.message
    assert status is None or err.status == status
    assert reason is None or err.reason == reason


def percent(value):
    """The progress a driver reported, as the protocol means it: a number,
    clamped to 0..100, or None (NaN, text that is no number, anything else)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return float(max(0, min(100, value)))
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else max(0.0, min(100.0, number))


def final_line(obj):
    """What cli.py prints: one JSON object with a status, on one line."""
    text = json.dumps(obj)
    assert "\n" not in text
    line = json.loads(text)
    assert isinstance(line, dict) and isinstance(line.get("status"), str)


# -- the request --------------------------------------------------------------------

@given(REQUEST_TEXTS, st.sampled_from([None, "cpu"]),
       st.just(0) | st.floats(min_value=0, max_value=MAX_SECONDS))
def test_any_request_is_planned_with_a_finite_time_limit_or_is_a_bad_request(
        text, owned, grace_period):
    try:
        request = parse_request(text)
    except MaggError as err:
        refused_cleanly(err, status="bad-request", reason="bad-request")
        return
    descriptions = {name: {owned} if owned else set() for name in DRIVERS}
    plan = make_plan(request, DRIVERS, descriptions if request.names else None,
                     grace_period)
    assert plan.limit is None or math.isfinite(plan.limit)
    assert all(0 <= s <= 4 * MAX_SECONDS for s in plan.seconds.values())
    for data in plan.inputs.values():
        assert isinstance(json.loads(json.dumps(data)), dict)    # what a driver is sent


# -- config.yaml and the environment -----------------------------------------------

def assert_sane(config):
    for seconds in (config.grace_period, config.cleanup_grace_period,
                    config.progress_interval):
        assert 0 <= seconds <= MAX_SECONDS
    assert isinstance(config.force_cancel, bool)
    assert isinstance(config.stderr_limit, int) and config.stderr_limit >= 0


@given(CONFIG_TEXTS)
def test_any_config_yaml_is_read_sanely_or_is_a_config_error(text):
    try:
        config = parse_config(text)
    except MaggError as err:
        refused_cleanly(err, reason="config")
        return
    assert_sane(config)


def deep_list(depth):
    value = []
    for _ in range(depth):
        value = [value]
    return value


ODD_VALUES = st.sampled_from([
    deep_list(5000), {1, 2}, b"\xff" * 100, datetime.date(2001, 12, 14), 10 ** 5000,
    float("nan"), [[["x"] * 9] * 9] * 9, {("a", 1): 2, None: 3, 4.5: 6}])


@given(st.dictionaries(SECTION_KEYS, YAML_VALUES | ODD_VALUES, max_size=4) | ODD_VALUES)
def test_any_magg_section_value_is_read_sanely_or_is_a_config_error(section):
    try:
        config = validate_section(section)
    except MaggError as err:
        refused_cleanly(err, reason="config")
        return
    assert_sane(config)


@given(st.text(max_size=20) | NUMBERS.map(repr) | st.sampled_from(
    ["nan", "-nan", "inf", "1e309", "1e-320", "5e-324", " 30 ", digits(500)]))
def test_any_io_timeout_gives_limits_every_timer_can_hold(text):
    limit, heartbeat, warnings = io_timeout(text)
    assert limit is None or (math.isfinite(limit) and limit >= 0)
    assert math.isfinite(heartbeat) and 0 <= heartbeat <= HEARTBEAT
    assert all(len(w) < LONGEST_MESSAGE for w in warnings)


# -- a driver's stdout, progress and the merge ---------------------------------------

def child():
    return Child(Job("gen", ["./measure.d/gen", "app1"], b"{}", True))


@given(stdout_chunks(), st.sampled_from([0, 1, -9]))
def test_any_driver_output_becomes_progress_a_result_or_one_failure(chunks, returncode):
    c = child()
    c.move("start", 0.0)
    events = []
    for chunk in chunks:
        events += c.stdout(chunk)
    events += c.stdout_closed()
    assert all(kind == "progress" and "progress" in obj for kind, obj in events
               if kind != "failed")
    assert [kind for kind, _ in events].count("failed") == (1 if c.problem else 0)
    assert c.problem is None or len(c.problem) < LONGEST_MESSAGE

    progress, seen = Progress([c.name]), []
    for kind, obj in events:
        if kind == "progress":
            number = percent(obj["progress"])
            if number is not None:
                seen.append(number)
            shown = progress.update(c.name, as_number(obj["progress"]))
            assert shown == (max(seen) if seen else 0.0)    # NaN and garbage change nothing
            assert 0 <= format_percent(shown) <= 100

    c.returncode = returncode
    c.move("exit", 1.0)
    outcome = c.outcome
    try:
        check_round([outcome], True, "to measure")
        result, _ = merge_measure([outcome])
    except MaggError as err:
        refused_cleanly(err)
        result = {"status": err.status, "message": err.message, "reason": err.reason}
        assert err.status != "ok"
    final_line(result)


@given(st.lists(st.tuples(st.sampled_from("abc"), NUMBERS | NUMBER_TEXTS | JSON), max_size=20))
def test_aggregate_progress_never_goes_down_and_nan_never_finishes_a_driver(updates):
    progress = Progress(["a", "b", "c"])
    last, latest = 0.0, {"a": 0.0, "b": 0.0, "c": 0.0}
    for name, value in updates:
        number = percent(value)
        if number is not None:
            latest[name] = number
        shown = progress.update(name, value)
        assert shown >= last and shown == max(last, min(latest.values()))
        last = shown


@given(JSON | YAML_VALUES | ODD_VALUES, st.integers(1, 300))
def test_short_is_bounded_and_is_the_json_text_when_there_is_one(value, limit):
    text = short(value, limit)
    assert len(text) <= limit + 3
    try:
        full = json.dumps(value, sort_keys=True)
    except (TypeError, ValueError, RecursionError):
        return
    assert text == (full if len(full) <= limit else full[:limit] + "...")


# -- real runs ------------------------------------------------------------------------

def write(path, data):
    with open(path, "wb") as f:
        f.write(data)


def mostly(usual, other):
    """usual three times in four: real runs should mostly get as far as measuring."""
    return st.integers(0, 3).flatmap(lambda i: other if i == 0 else usual)


RUN_REQUESTS = mostly(st.sampled_from(["{}", '{"metrics": ["cpu", "rps"]}'])
                      | request_objects().map(json.dumps), REQUEST_TEXTS)
RUN_CONFIGS = mostly(st.sampled_from([None, "magg:\n  force_cancel: true\n"]), CONFIG_TEXTS)


@settings(max_examples=RUNS)
@given(RUN_REQUESTS, RUN_CONFIGS, stdout_chunks(),
       st.sampled_from([0, 1, 3]), st.sampled_from(["", "nan", "inf", "1e300", "x"]))
def test_real_runs_end_with_one_json_status_line_and_a_matching_exit_code(
        request_text, config_text, chunks, code, io_timeout_text):
    assume(len(request_text) < 200000)
    marker = new_marker()
    with tempfile.TemporaryDirectory() as servo:
        measure_d = os.path.join(servo, "measure.d")
        # gen prints what Hypothesis made (measure.d/gen.out: not executable, no driver)
        write_script(measure_d, "gen", has_cancel=True, version="1", metrics=["cpu"],
                     sh='cat "$0.out"; exit %d' % code)
        write(os.path.join(measure_d, "gen.out"), b"".join(chunks))
        write_script(measure_d, "prom", has_cancel=True, version="1", metrics=["rps"],
                     sh="""echo '{"status": "ok", "metrics": {}}'""")
        if config_text is not None:
            write(os.path.join(servo, "config.yaml"), config_text.encode("utf-8", "replace"))
        env = aggregator.environment(marker, OPTUNE_IO_TIMEOUT=io_timeout_text)
        try:
            run = agent.measure(aggregator.CMD, "app1",
                                request_text.encode("utf-8", "surrogatepass"),
                                cwd=servo, env=env, io_timeout=0, timeout=30)
        finally:
            kill_marked(marker)
    assert run.killed is None, run                       # it ended by itself
    assert run.returncode != 70 and "Traceback" not in run.stderr, run
    lines = [json.loads(line) for line in run.stdout]    # every line is JSON ...
    assert lines and all(isinstance(line, dict) for line in lines), run
    last = lines[-1]                                     # ... the last one a status
    assert isinstance(last.get("status"), str), run
    assert (run.returncode == 0) == (last["status"] == "ok"), run
