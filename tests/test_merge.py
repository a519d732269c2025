"""Many drivers' outcomes -> one result or one error (no processes)."""

import pytest

from app import MaggError
from app.merge import (Failure, Outcome, can_cancel, check_round, deciding_failure,
                       driver_failure, merge_describe, merge_info, merge_measure)


def outcome(name, result, returncode=0, stderr=b"", problem=None, stopped=False):
    return Outcome(name, returncode, result, problem, stopped, stderr)


def info(name, has_cancel, version="1.0", **extra):
    result = dict(extra, has_cancel=has_cancel, version=version)
    return outcome(name, result)


# -- --info -------------------------------------------------------------------

def test_has_cancel_when_every_driver_has_cancel():
    merged = merge_info([info("a", True), info("b", True)], False, "9.9")
    assert merged["has_cancel"] is True
    assert merged["version"] == "9.9"


def test_no_cancel_when_one_driver_lacks_it():
    assert merge_info([info("a", True), info("b", False)], False, "9.9")["has_cancel"] is False


def test_has_cancel_must_be_literally_true():
    assert merge_info([info("a", True), info("b", "yes")], False, "9.9")["has_cancel"] is False


def test_force_cancel_makes_has_cancel_true():
    assert merge_info([info("a", False), info("b", False)], True, "9.9")["has_cancel"] is True


def test_info_lists_each_drivers_own_info_object_untouched():
    merged = merge_info([info("a", True, "2.0", extra={"x": 1}), info("b", False)],
                        False, "9.9")
    assert merged["drivers"] == {
        "a": {"has_cancel": True, "version": "2.0", "extra": {"x": 1}},
        "b": {"has_cancel": False, "version": "1.0"}}


@pytest.mark.parametrize("result, missing", [
    ({"version": "1"}, "has_cancel"),
    ({"has_cancel": True}, "version"),
    ({}, "has_cancel"),
])
def test_info_lacking_has_cancel_or_version_fails_naming_the_driver(result, missing):
    with pytest.raises(MaggError) as err:
        check_round([info("good", True), outcome("odd-one", result)], False, "--info")
    assert "odd-one" in err.value.message
    assert missing in err.value.message
    assert "good:" not in err.value.message


def test_info_that_exits_nonzero_fails_naming_the_driver():
    with pytest.raises(MaggError) as err:
        check_round([outcome("crashy", {"has_cancel": True, "version": "1"},
                             returncode=2)], False, "--info")
    assert "crashy" in err.value.message
    assert "exit code 2" in err.value.message


# -- --describe ---------------------------------------------------------------

def test_describe_is_the_union_with_attributes_untouched():
    prom = outcome("prom", {"status": "ok", "metrics": {
        "cpu": {"unit": "cores", "cookie": {"q": [1, 2]}, "weight": 2}}})
    vegeta = outcome("vegeta", {"status": "ok", "metrics": {"rps": {"unit": "rps"}}})
    exec_ = outcome("exec", {"status": "ok", "metrics": {}})
    assert merge_describe([prom, vegeta, exec_]) == {
        "cpu": {"unit": "cores", "cookie": {"q": [1, 2]}, "weight": 2},
        "rps": {"unit": "rps"}}


def test_metric_described_twice_names_the_metric_and_every_driver():
    outcomes = [outcome(n, {"status": "ok", "metrics": {"rps": {}, n + "-own": {}}})
                for n in ("alpha", "beta", "gamma")]
    with pytest.raises(MaggError) as err:
        merge_describe(outcomes)
    message = err.value.message
    assert "rps" in message
    for name in ("alpha", "beta", "gamma"):
        assert name in message
    assert "alpha-own" not in message


# -- measure ------------------------------------------------------------------

def test_measure_merge_passes_metric_payloads_untouched():
    values = {"values": [{"id": "pod-1", "data": [[1, 2.5], [2, 3.5]]}],
              "annotation": "rate(x[1m])"}
    prom = outcome("prom", {"status": "ok", "metrics": {"cpu": values}})
    vegeta = outcome("vegeta", {"status": "ok",
                                "metrics": {"rps": {"value": 250.0, "unit": "rps",
                                                    "extra": [1]}},
                                "annotations": {"load": "250/s"}})
    exec_ = outcome("exec", {"status": "ok", "metrics": {}})
    result, notes = merge_measure([prom, vegeta, exec_])
    assert result == {"status": "ok",
                      "metrics": {"cpu": values,
                                  "rps": {"value": 250.0, "unit": "rps", "extra": [1]}},
                      "annotations": {"load": "250/s"}}
    assert notes == []


def test_annotation_returned_by_two_drivers_keeps_both_values_and_says_so():
    a = outcome("a", {"status": "ok", "metrics": {}, "annotations": {"note": "from a"}})
    b = outcome("b", {"status": "ok", "metrics": {}, "annotations": {"note": "from b"}})
    result, notes = merge_measure([a, b])
    assert result["annotations"] == {"note": "from a", "b:note": "from b"}
    assert notes == ["annotation 'note' returned by more than one driver; "
                     "b's value is kept as 'b:note'"]


def test_metric_returned_by_two_drivers_keeps_the_later_one_as_driver_colon_key():
    a = outcome("a", {"status": "ok", "metrics": {"cpu": {"value": 1}}})
    b = outcome("b", {"status": "ok", "metrics": {"cpu": {"value": 2}}})
    c = outcome("c", {"status": "ok", "metrics": {"cpu": {"value": 3}}})
    result, notes = merge_measure([a, b, c])
    assert result["metrics"] == {"cpu": {"value": 1}, "b:cpu": {"value": 2},
                                 "c:cpu": {"value": 3}}
    assert notes == ["metric 'cpu' returned by more than one driver; b's value is kept as 'b:cpu'",
                     "metric 'cpu' returned by more than one driver; c's value is kept as 'c:cpu'"]


# -- failures -----------------------------------------------------------------

def failed(name, status="failed", message="broke", returncode=1, stderr=b""):
    return outcome(name, {"status": status, "message": message, "reason": "r"},
                   returncode=returncode, stderr=stderr)


def test_one_failed_driver_fails_the_round_naming_its_status_message_and_stderr():
    with pytest.raises(MaggError) as err:
        check_round([outcome("ok", {"status": "ok", "metrics": {}}),
                     failed("prom", message="query timed out", stderr=b"trace line\n")],
                    True, "to measure")
    message = err.value.message
    assert err.value.status == "failed"
    assert "prom: failed: query timed out" in message
    assert "trace line" in message
    assert "ok:" not in message


def test_failed_drivers_agreeing_on_a_status_give_that_status():
    with pytest.raises(MaggError) as err:
        check_round([failed("a", "bad-request"), failed("b", "bad-request")],
                    True, "to measure")
    assert err.value.status == "bad-request"
    assert "a: bad-request" in err.value.message
    assert "b: bad-request" in err.value.message


def test_failed_drivers_disagreeing_on_status_give_the_one_that_matters_most():
    with pytest.raises(MaggError) as err:
        check_round([failed("a", "bad-request"), failed("b", "rejected")],
                    True, "to measure")
    assert err.value.status == "rejected"
    assert "a: bad-request" in err.value.message
    assert "b: rejected" in err.value.message


def test_nonzero_exit_with_an_ok_result_is_a_failure():
    with pytest.raises(MaggError) as err:
        check_round([outcome("x", {"status": "ok", "metrics": {}}, returncode=4)],
                    True, "to measure")
    assert err.value.status == "failed"
    assert "x: failed" in err.value.message and "exit code 4" in err.value.message


def test_status_other_than_ok_with_exit_zero_is_a_failure():
    with pytest.raises(MaggError) as err:
        check_round([failed("x", "rejected", "no", returncode=0)], True, "to measure")
    assert err.value.status == "rejected"


def test_driver_that_ends_without_a_result_is_a_failure():
    with pytest.raises(MaggError) as err:
        check_round([outcome("quiet", None)], True, "to measure")
    assert "quiet" in err.value.message and "without a result" in err.value.message


def test_problem_found_by_the_aggregator_is_a_failure_naming_it():
    with pytest.raises(MaggError) as err:
        check_round([outcome("noisy", None, problem="printed a stdout line that is "
                                                     "not a JSON object: 'hi'")],
                    True, "to measure")
    assert "noisy: failed: printed a stdout line" in err.value.message


def test_failure_message_keeps_only_the_last_2_kib_of_stderr():
    stderr = b"EARLY-MARK\n" + b"x" * 10000 + b"\nLATE-MARK\n"
    with pytest.raises(MaggError) as err:
        check_round([failed("prom", stderr=stderr)], True, "to measure")
    message = err.value.message
    assert "LATE-MARK" in message
    assert "EARLY-MARK" not in message
    assert len(message) < 2048 + 500


def test_driver_stopped_because_another_failed_is_not_blamed():
    with pytest.raises(MaggError) as err:
        check_round([failed("cause", "rejected"),
                     failed("bystander", "failed", "canceled", returncode=3)._replace(
                         stopped=True)], True, "to measure")
    assert err.value.status == "rejected"
    assert "bystander: failed" not in err.value.message


def test_round_where_every_driver_succeeded_raises_nothing():
    check_round([outcome("a", {"status": "ok", "metrics": {}})], True, "to measure")
    check_round([info("a", False)], False, "--info")


# -- the status that matters wins ------------------------------------------------------

def failing(name, status, reason):
    return outcome(name, {"status": status, "message": "m-" + name, "reason": reason},
                   returncode=1)


def round_error(*outcomes):
    with pytest.raises(MaggError) as err:
        check_round(list(outcomes), True, "to measure")
    return err.value


@pytest.mark.parametrize("statuses, expected", [
    (["failed", "aborted"], "aborted"),
    (["bad-request", "aborted"], "aborted"),
    (["aborted", "rejected"], "rejected"),
    (["failed", "bad-request"], "bad-request"),
    (["failed", "bad-request", "aborted", "rejected"], "rejected"),
    (["weird", "failed"], "failed"),
    (["weird", "other"], "failed"),
    (["weird", "weird"], "weird"),
])
def test_status_order_is_rejected_aborted_bad_request_then_failed(statuses, expected):
    err = round_error(*[failing("d%d" % i, s, "r%d" % i) for i, s in enumerate(statuses)])
    assert err.status == expected


def test_reason_is_the_reason_of_the_driver_whose_status_wins():
    err = round_error(failing("newrelic", "aborted", "slo-violation"),
                      failing("prom", "failed", "no-data"))
    assert (err.status, err.reason) == ("aborted", "slo-violation")


def test_message_still_names_every_failed_driver_when_one_status_wins():
    err = round_error(failing("a", "failed", "x"), failing("b", "aborted", "slo-violation"),
                      failing("c", "bad-request", "y"))
    for name, status in (("a", "failed"), ("b", "aborted"), ("c", "bad-request")):
        assert "%s: %s: m-%s" % (name, status, name) in err.message


def test_two_drivers_with_the_winning_status_give_the_first_ones_reason_by_name():
    err = round_error(failing("a", "aborted", "first"), failing("b", "aborted", "second"))
    assert err.reason == "first"


def test_can_cancel_counts_only_the_info_objects_it_is_given():
    assert can_cancel({"a": {"has_cancel": True}}, False) is True
    assert can_cancel({"a": {"has_cancel": True}, "b": {"has_cancel": False}}, False) is False
    assert can_cancel({"a": {"has_cancel": False}}, True) is True


@pytest.mark.parametrize("status", [42, {"nested": "object"}, ["x"], "x" * 10000, ""])
def test_a_status_that_is_not_a_short_word_becomes_failed(status):
    with pytest.raises(MaggError) as err:
        check_round([outcome("odd", {"status": status, "reason": status,
                                     "message": "m"})], True, "to measure")
    assert (err.value.status, err.value.reason) == ("failed", "failed")


def test_a_drivers_huge_message_is_cut_in_the_final_message():
    with pytest.raises(MaggError) as err:
        check_round([outcome("chatty", {"status": "failed", "message": "m" * 100000})],
                    True, "to measure")
    assert len(err.value.message) < 5000


def test_status_other_than_ok_with_exit_zero_names_the_driver_and_its_message():
    with pytest.raises(MaggError) as err:
        check_round([failed("prom", "rejected", "nope", returncode=0)], True, "to measure")
    assert "prom" in err.value.message and "nope" in err.value.message


def test_every_failed_driver_is_named_with_its_status_message_and_stderr():
    with pytest.raises(MaggError) as err:
        check_round([outcome("good", {"status": "ok", "metrics": {}}),
                     failed("prom", message="prom is down", stderr=b"prom stderr line\n"),
                     failed("wave", message="no token", stderr=b"wave stderr line\n")],
                    True, "to measure")
    message = err.value.message
    assert err.value.status == "failed"
    assert "prom: failed: prom is down" in message and "wave: failed: no token" in message
    assert "prom stderr line" in message and "wave stderr line" in message
    assert "good:" not in message


def test_metric_described_twice_does_not_name_a_driver_outside_the_clash():
    outcomes = [outcome(n, {"status": "ok", "metrics": {"latency": {}}})
                for n in ("prom", "vegeta")]
    outcomes.append(outcome("exec", {"status": "ok", "metrics": {}}))
    with pytest.raises(MaggError) as err:
        merge_describe(outcomes)
    assert "latency" in err.value.message and "exec" not in err.value.message


def test_can_cancel_counts_a_driver_with_its_own_force_cancel_as_able_to_stop():
    infos = {"prom": {"has_cancel": True}, "vegeta": {"has_cancel": False}}
    assert can_cancel(infos, False, forced={"vegeta"}) is True
    assert can_cancel(infos, False, forced={"prom"}) is False


# -- each driver's failure, exactly ----------------------------------------------------

@pytest.mark.parametrize("o, needs_status, status, reason, message", [
    (outcome("a", None, problem="hung: x"), True, "failed", "failed", "hung: x"),
    (outcome("a", None, returncode=2), True, "failed", "failed", "exit code 2"),
    (outcome("a", {"status": "ok", "metrics": {}}, returncode=1), True,
     "failed", "failed", "exit code 1"),
    (outcome("a", {"status": "aborted", "reason": "slo-violation", "message": "p99 high"},
             returncode=3), True, "aborted", "slo-violation", "p99 high (exit code 3)"),
    (outcome("a", {"status": "aborted", "message": "p99 high"}, returncode=3), True,
     "aborted", "aborted", "p99 high (exit code 3)"),
    (outcome("a", None), True, "failed", "failed", "ended without a result"),
    (outcome("a", {"status": "rejected", "message": "m"}), True, "rejected", "rejected", "m"),
    (outcome("a", {"status": "rejected", "reason": "x" * 65}), True, "rejected", "rejected",
     'result without status ok: {"reason": "%s", "status": "rejected"}' % ("x" * 65)),
    (outcome("a", {"status": "w" * 64, "reason": "r" * 64, "message": "m"}), True,
     "w" * 64, "r" * 64, "m"),
    (outcome("a", {"metrics": {}}), True, "failed", "failed",
     'result without status ok: {"metrics": {}}'),
    (outcome("a", {"status": "", "message": ""}), True, "failed", "failed",
     'result without status ok: {"message": "", "status": ""}'),
    (outcome("a", {"status": 5, "message": {"k": [1]}}), True, "failed", "failed", '{"k": [1]}'),
    (outcome("a", {"status": "failed", "message": "x" * 2048}), True, "failed", "failed",
     "x" * 2048),
    (outcome("a", {"status": "failed", "message": "x" * 2049}), True, "failed", "failed",
     "x" * 2045 + "..."),
    (outcome("a", {"version": "1"}), False, "failed", "failed",
     '--info lacks has_cancel: {"version": "1"}'),
    (outcome("a", {}), False, "failed", "failed", "--info lacks has_cancel and version: {}"),
])
def test_a_failed_driver_has_exactly_this_status_reason_and_message(o, needs_status, status,
                                                                    reason, message):
    assert driver_failure(o, needs_status) == Failure("a", status, reason, message)


def test_a_driver_that_succeeded_has_no_failure():
    assert driver_failure(outcome("a", {"has_cancel": True, "version": "1"}), False) is None
    assert driver_failure(outcome("a", {"status": "ok", "metrics": {}}), True) is None


def test_the_deciding_failure_is_the_first_by_name_of_the_most_telling_status():
    assert deciding_failure([Failure("b", "failed", "x", "m"), Failure("c", "aborted", "z", "m"),
                             Failure("a", "aborted", "slo", "m")]) == \
        Failure("a", "aborted", "slo", "m")
    assert deciding_failure([Failure("b", "odd", "w", "m"), Failure("a", "odd", "o", "m")]) == \
        Failure("a", "odd", "o", "m")
    assert deciding_failure([Failure("b", "weird", "w", "m"), Failure("a", "odd", "o", "m")]) == \
        Failure(None, "failed", "failed", None)


def test_a_round_error_lists_causes_and_stopped_drivers_exactly():
    with pytest.raises(MaggError) as err:
        check_round([outcome("a", {"status": "ok", "metrics": {}}, stopped=True),
                     outcome("b", {"status": "failed", "reason": "r", "message": "m"},
                             returncode=1, stderr=b"err\n"),
                     outcome("c", None, stopped=True, problem="hung: silent")],
                    True, "to measure")
    assert (err.value.status, err.value.reason, err.value.exit_code, err.value.message) == (
        "failed", "r", 1, "2 of 3 drivers failed to measure:\n- b: failed: m (exit code 1)\n"
        "  stderr (last 2048 bytes): err\n- c: failed: hung: silent\nstopped: a")


@pytest.mark.parametrize("result, message", [
    ({"status": "ok", "metrics": [1]}, "driver p returned metrics that is not an object"),
    ({"status": "ok", "annotations": "x"}, "driver p returned annotations that is not an object"),
])
def test_a_result_whose_metrics_or_annotations_are_no_object_is_named(result, message):
    with pytest.raises(MaggError) as err:
        merge_measure([outcome("p", result)])
    assert (err.value.status, err.value.reason, err.value.message) == ("failed", "failed", message)


def test_describe_errors_say_the_driver_and_the_conflict_exactly():
    with pytest.raises(MaggError) as err:
        merge_describe([outcome("p", {"status": "ok", "metrics": [1]})])
    assert (err.value.reason, err.value.message) == (
        "failed", "driver p: --describe metrics must be an object, got list")
    with pytest.raises(MaggError) as err:
        merge_describe([outcome("p", {"status": "ok", "metrics": {"cpu": {}}}),
                        outcome("q", {"status": "ok", "metrics": {"cpu": {}}})])
    assert (err.value.status, err.value.reason, err.value.message) == (
        "failed", "metric-conflict",
        "a metric must be described by one driver only: cpu (described by p, q)")


def test_info_of_a_driver_forced_to_cancel_is_the_whole_object():
    assert merge_info([outcome("a", {"has_cancel": False, "version": "1"})], False, "9",
                      forced=("a",)) == {"status": "ok", "has_cancel": True, "version": "9",
                                         "drivers": {"a": {"has_cancel": False,
                                                           "version": "1"}}}
