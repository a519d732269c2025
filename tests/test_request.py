"""The measure request and its durations, checked before any driver measures."""

import json

import pytest

from app import MaggError
from app.request import parse_duration, parse_request


# -- durations --------------------------------------------------------------

@pytest.mark.parametrize("value, seconds", [
    (0, 0.0),
    (30, 30.0),
    (1.5, 1.5),
    ("30", 30.0),
    (" 2.5 ", 2.5),
    ("90s", 90.0),
    ("5m", 300.0),
    ("1h", 3600.0),
    ("1h30m", 5400.0),
    ("1h30m15s", 5415.0),
    ("250ms", 0.25),
])
def test_duration_accepts_numbers_numeric_strings_and_duration_strings(value, seconds):
    assert parse_duration(value, "control.duration") == pytest.approx(seconds)


@pytest.mark.parametrize("value", [-1, -0.5, "-5", "-1m"])
def test_negative_duration_is_a_bad_request_naming_the_key(value):
    with pytest.raises(MaggError) as err:
        parse_duration(value, "control.warmup")
    assert err.value.status == "bad-request"
    assert "control.warmup" in err.value.message


@pytest.mark.parametrize("value", [True, False, None, "", "soon", "5x", "1m30",
                                   "m", "nan", "inf", [5], {"s": 5}])
def test_duration_that_is_not_seconds_is_a_bad_request_naming_the_key(value):
    with pytest.raises(MaggError) as err:
        parse_duration(value, "control.past")
    assert err.value.status == "bad-request"
    assert "control.past" in err.value.message


# -- the request ------------------------------------------------------------

def bad(text):
    with pytest.raises(MaggError) as err:
        parse_request(text)
    assert err.value.status == "bad-request"
    assert err.value.reason == "bad-request"
    return err.value.message


def test_empty_stdin_is_a_bad_request():
    assert "empty" in bad("")
    assert "empty" in bad("  \n")


def test_request_that_is_not_json_is_a_bad_request():
    assert "not JSON" in bad('{"metrics": [')


@pytest.mark.parametrize("text", ["[1, 2]", '"metrics"', "42", "null"])
def test_request_that_is_not_an_object_is_a_bad_request(text):
    assert "object" in bad(text)


@pytest.mark.parametrize("metrics", ["cpu", 5, True, [1, "cpu"], [["cpu"]]])
def test_metrics_neither_a_list_of_names_nor_a_mapping_is_a_bad_request(metrics):
    assert "metrics" in bad(json.dumps({"metrics": metrics}))


@pytest.mark.parametrize("control", [[], "fast", 3])
def test_control_that_is_not_an_object_is_a_bad_request(control):
    assert "control" in bad(json.dumps({"control": control}))


@pytest.mark.parametrize("key", ["duration", "warmup", "past", "delay"])
def test_bad_duration_in_control_is_a_bad_request_naming_it(key):
    assert "control.%s" % key in bad(json.dumps({"control": {key: "soon"}}))


def test_bad_duration_in_a_driver_override_is_a_bad_request_naming_the_driver():
    text = json.dumps({"control": {"duration": 5, "userdata": {
        "prom": {"control": {"past": -3}}}}})
    assert "control.userdata.prom.control.past" in bad(text)


def test_driver_override_that_is_not_an_object_is_a_bad_request():
    text = json.dumps({"control": {"userdata": {"prom": {"control": [1]}}}})
    assert "control.userdata.prom.control" in bad(text)


def test_free_form_userdata_is_not_mistaken_for_an_override():
    request = parse_request(json.dumps({"control": {"userdata": {
        "rate": 100, "prom": {"query": "up"}, "note": "x"}}}))
    assert request.control["userdata"]["rate"] == 100


def test_valid_request_keeps_the_metrics_form_and_names_in_order():
    listed = parse_request(json.dumps({"metrics": ["rps", "cpu"],
                                       "control": {"duration": "1m"}}))
    assert listed.metrics == ["rps", "cpu"]
    assert listed.names == ["rps", "cpu"]
    mapped = parse_request(json.dumps({"metrics": {"rps": {"unit": "rps"}, "cpu": {}}}))
    assert mapped.metrics == {"rps": {"unit": "rps"}, "cpu": {}}
    assert mapped.names == ["rps", "cpu"]


def test_request_without_metrics_or_control_is_valid():
    request = parse_request("{}")
    assert request.names == []
    assert request.control == {}


@pytest.mark.parametrize("text", [
    "",
    "{not json",
    "[1, 2]",
    json.dumps({"metrics": "cpu"}),
    json.dumps({"metrics": 42}),
    json.dumps({"control": ["duration", 5]}),
    json.dumps({"control": {"duration": "soon"}}),
    json.dumps({"control": {"warmup": -1}}),
    json.dumps({"control": {"past": True}}),
    json.dumps({"control": {"delay": "5 minutes"}}),
    json.dumps({"control": {"userdata": {"prom": {"control": {"duration": "-1m"}}}}}),
], ids=["empty", "not-json", "not-object", "metrics-string", "metrics-number",
        "control-list", "duration-garbage", "warmup-negative", "past-bool",
        "delay-garbage", "override-negative"])
def test_every_kind_of_bad_request_is_refused_as_bad_request(text):
    bad(text)


# -- what an operator reads, exactly -------------------------------------------

NOT_SECONDS = "must be a number of seconds or a duration like '90s', '5m', '1h30m', not "


@pytest.mark.parametrize("text, message", [
    ("", "empty request: the measure request must be a JSON object on stdin"),
    ("[1]", "the request must be a JSON object, got list"),
    ("{", "the request on stdin is not JSON: Expecting property name enclosed in double "
          "quotes: line 1 column 2 (char 1)"),
    ("[" * 200 + "]" * 200, "the request on stdin nests more than 100 levels deep"),
    ('{"metrics": [1, "a"]}', "request.metrics must list metric names (strings), got 1"),
    ('{"metrics": "cpu"}', "request.metrics must be a list of names or a mapping, got str"),
    ('{"control": []}', "request.control must be an object, got list"),
    ('{"control": {"userdata": {"prom": {"control": 5}}}}',
     "control.userdata.prom.control must be an object, got int"),
    ('{"control": {"duration": "soon"}}', 'control.duration ' + NOT_SECONDS + '"soon"'),
    ('{"control": {"warmup": -1}}', "control.warmup must not be negative, got -1"),
    ('{"control": {"past": 1e13}}',
     "control.past must be at most 1e+12 seconds, got 10000000000000.0"),
    ('{"control": {"userdata": {"prom": {"control": {"duration": "x"}}}}}',
     'control.userdata.prom.control.duration ' + NOT_SECONDS + '"x"'),
])
def test_a_bad_request_says_exactly_what_is_wrong(text, message):
    assert bad(text) == message


def test_an_integer_too_big_for_a_float_is_an_infinite_duration_too_long_or_negative():
    with pytest.raises(MaggError) as err:
        parse_duration(10 ** 400, "control.duration")
    assert err.value.message.startswith("control.duration must be at most 1e+12 seconds, got ")
    with pytest.raises(MaggError) as err:
        parse_duration(-10 ** 400, "control.duration")
    assert err.value.message.startswith("control.duration must not be negative, got -1000")
    assert parse_duration(10 ** 12, "control.duration") == 1e12


def test_a_request_is_read_into_names_durations_and_overrides():
    request = parse_request('{"metrics": {"cpu": {}, "mem": 1}, "control": {"duration": "1m",'
                            ' "userdata": {"prom": {"control": {"warmup": 5}}, "x": 1}}}')
    assert request.names == ["cpu", "mem"] and request.seconds == {"duration": 60.0}
    assert list(request.overrides) == ["prom"]
    assert request.overrides["prom"].control == {"warmup": 5}
    assert request.overrides["prom"].seconds == {"warmup": 5.0}
