"""Who gets which input, and when a measurement is overdue (no processes)."""

import json

import pytest

from app.plan import make_plan
from app.request import parse_request

DRIVERS = ["exec", "prom", "vegeta"]
DESCRIBED = {"exec": set(), "prom": {"cpu", "mem"}, "vegeta": {"rps"}}


def request(**obj):
    return parse_request(json.dumps(obj))


def split(req, names, descriptions):
    return make_plan(req, names, descriptions, 0).inputs


def unowned_metrics(req, descriptions):
    return make_plan(req, DRIVERS, descriptions, 0).unowned


def time_limit(req, grace_period):
    """(limit, longest) of the request's plan for DRIVERS."""
    plan = make_plan(req, DRIVERS, None, grace_period)
    return plan.limit, plan.longest


def test_control_without_userdata_gets_no_userdata_key():
    inputs = split(request(control={"duration": 60, "warmup": 5}), DRIVERS, None)
    for name in DRIVERS:
        assert inputs[name]["control"] == {"duration": 60, "warmup": 5}


def test_driver_override_from_userdata_replaces_keys_for_that_driver_only():
    inputs = split(request(control={"duration": 60, "past": 10, "userdata": {
        "prom": {"control": {"past": 30}}}}), DRIVERS, None)
    assert inputs["prom"]["control"] == {"duration": 60, "past": 30}
    assert inputs["vegeta"]["control"] == {"duration": 60, "past": 10}


def test_driver_override_can_give_the_driver_its_own_userdata():
    inputs = split(request(control={"duration": 60, "userdata": {
        "vegeta": {"control": {"userdata": {"rate": "100/s"}}}}}), DRIVERS, None)
    assert inputs["vegeta"]["control"] == {"duration": 60,
                                           "userdata": {"rate": "100/s"}}
    assert "userdata" not in inputs["prom"]["control"]


def test_drivers_never_share_objects():
    req = request(metrics={"cpu": {"q": [1]}, "rps": {"q": [2]}},
                  control={"load": {"rps": [100, 200]}})
    inputs = split(req, DRIVERS, DESCRIBED)
    inputs["prom"]["control"]["load"]["rps"].append(999)
    inputs["prom"]["metrics"]["cpu"]["q"].append(999)
    assert inputs["vegeta"]["control"]["load"]["rps"] == [100, 200]
    assert inputs["exec"]["control"]["load"]["rps"] == [100, 200]
    assert req.control["load"]["rps"] == [100, 200]
    assert req.metrics["cpu"]["q"] == [1]


def test_list_of_metrics_is_split_as_lists_in_request_order():
    inputs = split(request(metrics=["rps", "mem", "cpu"]), DRIVERS, DESCRIBED)
    assert inputs["prom"]["metrics"] == ["mem", "cpu"]
    assert inputs["vegeta"]["metrics"] == ["rps"]


def test_mapping_of_metrics_is_split_as_mappings_with_their_values():
    inputs = split(request(metrics={"rps": {"unit": "rps"}, "cpu": {"x": 1}}),
                   DRIVERS, DESCRIBED)
    assert inputs["prom"]["metrics"] == {"cpu": {"x": 1}}
    assert inputs["vegeta"]["metrics"] == {"rps": {"unit": "rps"}}


def test_metrics_key_is_left_out_for_a_driver_owning_none_of_them():
    inputs = split(request(metrics=["cpu"]), DRIVERS, DESCRIBED)
    assert "metrics" not in inputs["vegeta"]
    assert "metrics" not in inputs["exec"]


@pytest.mark.parametrize("metrics", [None, [], {}])
def test_metrics_key_is_left_out_when_the_request_names_none(metrics):
    obj = {} if metrics is None else {"metrics": metrics}
    inputs = split(request(**obj), DRIVERS, None)
    assert all("metrics" not in i for i in inputs.values())


def test_every_driver_gets_an_input_even_without_metrics():
    inputs = split(request(metrics=["cpu"], control={"duration": 1}), DRIVERS, DESCRIBED)
    assert sorted(inputs) == DRIVERS
    assert inputs["exec"] == {"control": {"duration": 1}}


def test_unowned_metrics_are_listed_in_request_order():
    req = request(metrics=["derived", "cpu", "other"])
    assert unowned_metrics(req, DESCRIBED) == ["derived", "other"]
    assert unowned_metrics(request(metrics=["cpu", "rps"]), DESCRIBED) == []


def test_time_limit_is_the_longest_warmup_duration_past_plus_grace():
    req = request(control={"warmup": 5, "duration": 60, "past": 10, "userdata": {
        "vegeta": {"control": {"warmup": 0, "past": 0, "duration": "2m"}}}})
    assert time_limit(req, 30) == (150, 120)


def test_time_limit_uses_delay_when_past_is_missing():
    assert time_limit(request(control={"duration": 10, "delay": 20}), 5) == (35, 30)
    assert time_limit(request(control={"duration": 10, "past": 1, "delay": 1}), 5) == (16, 11)


def test_time_limit_follows_a_driver_override():
    req = request(control={"duration": 10, "userdata": {
        "prom": {"control": {"duration": 100}}}})
    assert time_limit(req, 1) == (101, 100)


def test_no_time_limit_when_grace_period_is_zero():
    assert time_limit(request(control={"duration": 60}), 0) == (None, 60)


def test_overrides_for_drivers_that_are_not_installed_are_listed():
    req = request(control={"userdata": {"prom": {"control": {}},
                                        "promm": {"control": {"duration": 1}},
                                        "note": {"text": "free-form"}}})
    assert make_plan(req, DRIVERS, None, 0).unknown_overrides == ["promm"]


# -- shared userdata ------------------------------------------------------------------

def test_userdata_entries_not_named_after_a_driver_are_shared_with_every_driver():
    inputs = split(request(control={"duration": 60, "userdata": {
        "slo": {"p99": 200}, "slo_check": True}}), DRIVERS, None)
    for name in DRIVERS:
        assert inputs[name]["control"] == {
            "duration": 60, "userdata": {"slo": {"p99": 200}, "slo_check": True}}


def test_a_drivers_override_is_not_passed_to_the_others():
    inputs = split(request(control={"userdata": {
        "slo": 1, "prom": {"control": {"past": 30}}}}), DRIVERS, None)
    assert inputs["vegeta"]["control"] == {"userdata": {"slo": 1}}
    assert inputs["prom"]["control"] == {"past": 30, "userdata": {"slo": 1}}


def test_own_override_userdata_is_merged_over_the_shared_entries_key_by_key():
    inputs = split(request(control={"userdata": {
        "slo": "shared", "note": "shared",
        "vegeta": {"control": {"userdata": {"slo": "mine", "rate": "50/1s"}}}}}),
        DRIVERS, None)
    assert inputs["vegeta"]["control"]["userdata"] == {
        "slo": "mine", "note": "shared", "rate": "50/1s"}
    assert inputs["prom"]["control"]["userdata"] == {"slo": "shared", "note": "shared"}


def test_own_override_userdata_that_is_not_an_object_replaces_the_shared_entries():
    inputs = split(request(control={"userdata": {
        "slo": 1, "vegeta": {"control": {"userdata": "raw"}}}}), DRIVERS, None)
    assert inputs["vegeta"]["control"]["userdata"] == "raw"


def test_override_for_a_driver_not_installed_is_listed_and_passed_to_no_driver():
    plan = make_plan(request(control={"userdata": {
        "promm": {"control": {"duration": 1}}, "slo": 1}}), DRIVERS, None, 0)
    assert plan.unknown_overrides == ["promm"]
    for name in DRIVERS:
        assert plan.inputs[name]["control"] == {"userdata": {"slo": 1}}


def test_entry_named_after_a_driver_without_control_goes_to_no_driver_and_is_listed():
    plan = make_plan(request(control={"userdata": {"prom": {"rate": 5}, "slo": 1}}),
                     DRIVERS, None, 0)
    assert plan.unused_userdata == ["prom"]
    assert all(i["control"] == {"userdata": {"slo": 1}} for i in plan.inputs.values())


def test_userdata_that_is_not_an_object_is_shared_whole():
    inputs = split(request(control={"userdata": "free text"}), DRIVERS, None)
    assert all(i["control"] == {"userdata": "free text"} for i in inputs.values())


def test_userdata_holding_only_overrides_gives_the_others_no_userdata_key():
    inputs = split(request(control={"duration": 1, "userdata": {
        "prom": {"control": {"duration": 2}}}}), DRIVERS, None)
    assert inputs["exec"]["control"] == {"duration": 1}


def test_shared_userdata_is_each_drivers_own_copy():
    req = request(control={"userdata": {"slo": {"checks": [1]}}})
    inputs = split(req, DRIVERS, None)
    inputs["prom"]["control"]["userdata"]["slo"]["checks"].append(999)
    assert inputs["vegeta"]["control"]["userdata"]["slo"]["checks"] == [1]
    assert req.control["userdata"]["slo"]["checks"] == [1]


# -- run modes -----------------------------------------------------------------------

def test_never_driver_does_not_measure_and_says_why():
    plan = make_plan(request(control={"duration": 1}), DRIVERS, None, 0,
                     {"exec": "never"})
    assert sorted(plan.inputs) == ["prom", "vegeta"]
    assert "never" in plan.skipped["exec"]


def test_when_requested_driver_is_skipped_when_the_request_names_no_metric():
    plan = make_plan(request(control={"duration": 1}), DRIVERS, None, 0,
                     {"prom": "when-requested"})
    assert "prom" not in plan.inputs
    assert "when-requested" in plan.skipped["prom"]


def test_when_requested_driver_is_skipped_when_none_of_its_metrics_is_requested():
    plan = make_plan(request(metrics=["rps"]), DRIVERS, DESCRIBED, 0,
                     {"prom": "when-requested"})
    assert "prom" in plan.skipped
    assert plan.inputs["vegeta"]["metrics"] == ["rps"]


def test_when_requested_driver_measures_when_one_of_its_metrics_is_requested():
    plan = make_plan(request(metrics=["rps", "mem"]), DRIVERS, DESCRIBED, 0,
                     {"prom": "when-requested"})
    assert plan.inputs["prom"]["metrics"] == ["mem"]
    assert plan.skipped == {}


def test_time_limit_counts_only_drivers_that_measure():
    req = request(control={"duration": 10, "userdata": {
        "prom": {"control": {"duration": 100}}}})
    plan = make_plan(req, DRIVERS, None, 1, {"prom": "when-requested"})
    assert (plan.limit, plan.longest) == (11, 10)


def test_override_for_a_switched_off_driver_is_neither_shared_nor_unknown():
    plan = make_plan(request(control={"userdata": {"exec": {"control": {"x": 1}}}}),
                     DRIVERS, None, 0, {"exec": "never"})
    assert plan.unknown_overrides == []
    assert all("userdata" not in i["control"] for i in plan.inputs.values())


def test_metrics_key_is_left_out_for_a_driver_owning_none_of_a_mapping():
    inputs = split(request(metrics={"cpu": {"x": 1}}), DRIVERS, DESCRIBED)
    assert "metrics" not in inputs["vegeta"]
    assert "metrics" not in inputs["exec"]


def test_each_drivers_seconds_are_warmup_duration_and_past_with_its_override():
    req = request(control={"warmup": 1, "duration": 2, "delay": 3, "userdata": {
        "prom": {"control": {"duration": 10}}, "vegeta": {"control": {"past": 4}}}})
    plan = make_plan(req, DRIVERS, None, 30)
    assert plan.seconds == {"exec": 6.0, "prom": 14.0, "vegeta": 7.0}
    assert (plan.longest, plan.limit) == (14.0, 44.0)
    only_duration = make_plan(request(control={"duration": 2}), ["exec"], None, 0)
    assert (only_duration.seconds, only_duration.longest, only_duration.limit) == \
        ({"exec": 2.0}, 2.0, None)
    only_warmup = make_plan(request(control={"warmup": 3}), ["exec"], None, 0)
    assert only_warmup.seconds == {"exec": 3.0}


def test_a_plan_where_no_driver_measures_has_no_longest_time():
    plan = make_plan(request(control={"duration": 5}), ["exec"], None, 10, {"exec": "never"})
    assert (plan.inputs, plan.seconds, plan.longest, plan.limit) == ({}, {}, 0.0, 10.0)
    assert plan.skipped == {"exec": "run: never (switched off in config.yaml)"}


def test_a_driver_without_a_run_mode_runs_always():
    plan = make_plan(request(metrics=["rps"]), DRIVERS, DESCRIBED, 0,
                     {"vegeta": "when-requested"})
    assert sorted(plan.inputs) == DRIVERS and plan.skipped == {}
    plan = make_plan(request(metrics=["cpu"]), DRIVERS, DESCRIBED, 0,
                     {"vegeta": "when-requested"})
    assert sorted(plan.inputs) == ["exec", "prom"]
    assert plan.skipped == {
        "vegeta": "run: when-requested, and the request names no metric it describes"}


def test_unowned_metrics_need_both_names_and_descriptions():
    assert unowned_metrics(request(metrics=["cpu", "disk"]), DESCRIBED) == ["disk"]
    assert unowned_metrics(request(metrics=["disk"]), None) == []
    assert unowned_metrics(request(control={}), DESCRIBED) == []


def test_a_request_naming_no_metrics_gives_no_metrics_key_even_with_descriptions():
    assert split(request(control={"duration": 1}), DRIVERS, DESCRIBED) == {
        name: {"control": {"duration": 1}} for name in DRIVERS}
