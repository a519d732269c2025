"""The `magg` section of ./config.yaml: defaults and validation."""

import pytest

from app import MaggError
from app.config import DEFAULTS, load_config, parse_config


def load(tmp_path, text):
    path = tmp_path / "config.yaml"
    path.write_text(text)
    return load_config(str(path))


def error(tmp_path, text):
    with pytest.raises(MaggError) as err:
        load(tmp_path, text)
    assert "config.yaml" in err.value.message
    return err.value.message


def test_defaults_without_a_config_file(tmp_path):
    config = load_config(str(tmp_path / "config.yaml"))
    assert config == DEFAULTS
    assert (config.grace_period, config.force_cancel, config.cleanup_grace_period,
            config.progress_interval, config.stderr_limit) == (
        0, False, 300, 1, 4 * 1024 * 1024)


@pytest.mark.parametrize("text", [
    "",
    "prom:\n  url: http://prom:9090\n",
    "# magg is not configured\nprom: {}\n",
    "magg:\n",
    "magg: null\nprom: {}\n",
])
def test_defaults_without_a_magg_section(tmp_path, text):
    assert load(tmp_path, text) == DEFAULTS


def test_other_sections_are_ignored_whatever_they_hold(tmp_path):
    config = load(tmp_path, "prom:\n  anything: [1, 2]\nmagg:\n  grace_period: 5\n"
                            "vegeta: 3\n")
    assert config.grace_period == 5


def test_magg_keys_are_read_with_durations(tmp_path):
    config = load(tmp_path, "magg:\n  grace_period: 1m\n  force_cancel: true\n"
                            "  cleanup_grace_period: 10\n")
    assert config.grace_period == 60
    assert config.force_cancel is True
    assert config.cleanup_grace_period == 10


def test_pacing_keys_are_read(tmp_path):
    config = load(tmp_path, "magg:\n  progress_interval: 250ms\n  stderr_limit: 0\n")
    assert config.progress_interval == 0.25
    assert config.stderr_limit == 0


def test_partial_section_keeps_the_other_defaults(tmp_path):
    config = load(tmp_path, "magg:\n  force_cancel: true\n")
    assert config.grace_period == 0
    assert config.cleanup_grace_period == 300


def test_invalid_yaml_names_config_yaml(tmp_path):
    assert "invalid YAML" in error(tmp_path, "magg:\n  grace_period: [1,\n")


def test_file_never_mentioning_magg_is_left_to_its_drivers_even_if_invalid(tmp_path):
    # Documented in the README: YAML is parsed only when the file mentions
    # magg, so a broken section of another driver is that driver's error.
    assert load(tmp_path, "prom:\n  url: [unclosed\n") == DEFAULTS


@pytest.mark.parametrize("text", ["magg: 5\n", "magg: [grace_period]\n",
                                  "magg: grace_period\n"])
def test_magg_section_that_is_not_a_mapping_names_it(tmp_path, text):
    assert "magg" in error(tmp_path, text)


@pytest.mark.parametrize("key, value", [
    ("grace_period", "soon"),
    ("grace_period", "true"),
    ("grace_period", "[1]"),
    ("cleanup_grace_period", "{a: 1}"),
    ("force_cancel", "'yes please'"),
    ("force_cancel", "1"),
    ("progress_interval", "often"),
    ("stderr_limit", "4MiB"),
    ("stderr_limit", "-1"),
    ("stderr_limit", "1.5"),
    ("stderr_limit", "true"),
])
def test_key_of_the_wrong_type_names_the_key(tmp_path, key, value):
    assert "magg." + key in error(tmp_path, "magg:\n  %s: %s\n" % (key, value))


@pytest.mark.parametrize("key", ["grace_period", "cleanup_grace_period"])
def test_negative_seconds_name_the_key(tmp_path, key):
    message = error(tmp_path, "magg:\n  %s: -1\n" % key)
    assert "magg." + key in message
    assert "negative" in message


def test_unknown_key_under_magg_names_the_key(tmp_path):
    message = error(tmp_path, "magg:\n  grace_period: 5\n  grace_perod: 5\n")
    assert "magg.grace_perod" in message


# -- magg.drivers.<name>.run ------------------------------------------------------------

def test_no_drivers_key_means_no_run_modes(tmp_path):
    assert load(tmp_path, "magg:\n  grace_period: 1\n").drivers == {}


def test_run_modes_are_read_per_driver(tmp_path):
    config = load(tmp_path, "magg:\n  drivers:\n    prom-a: {run: when-requested}\n"
                            "    old:\n      run: never\n    exec: {run: always}\n")
    assert {name: c.run for name, c in config.drivers.items()} == {
        "prom-a": "when-requested", "old": "never", "exec": "always"}
    assert not any(c.force_cancel for c in config.drivers.values())


def test_force_cancel_is_read_per_driver(tmp_path):
    config = load(tmp_path, "magg:\n  drivers:\n    hey: {force_cancel: true}\n"
                            "    prom: {run: when-requested, force_cancel: false}\n")
    assert config.drivers["hey"] == ("always", True)
    assert config.drivers["prom"] == ("when-requested", False)


@pytest.mark.parametrize("value", ["maybe", "1", "[true]", "null"])
def test_a_bad_per_driver_force_cancel_names_its_key(tmp_path, value):
    message = error(tmp_path, "magg:\n  drivers:\n    hey:\n      force_cancel: %s\n" % value)
    assert "magg.drivers.hey.force_cancel must be true or false" in message


@pytest.mark.parametrize("text", ["magg:\n  drivers:\n", "magg:\n  drivers:\n    prom:\n"])
def test_empty_drivers_entries_mean_the_default(tmp_path, text):
    entry = load(tmp_path, text).drivers.get("prom")
    assert entry is None or entry == ("always", False)


@pytest.mark.parametrize("value", ["sometimes", "true", "[always]", "1"])
def test_bad_run_mode_names_the_drivers_run_key(tmp_path, value):
    message = error(tmp_path, "magg:\n  drivers:\n    prom-b:\n      run: %s\n" % value)
    assert "magg.drivers.prom-b.run" in message


def test_unknown_key_under_a_driver_names_it(tmp_path):
    assert "magg.drivers.prom.rnu" in error(
        tmp_path, "magg:\n  drivers:\n    prom:\n      rnu: never\n")


@pytest.mark.parametrize("text", ["magg:\n  drivers: [prom]\n",
                                  "magg:\n  drivers:\n    prom: never\n"])
def test_drivers_key_of_the_wrong_shape_names_it(tmp_path, text):
    assert "magg.drivers" in error(tmp_path, text)


@pytest.mark.parametrize("text, named", [
    ("magg:\n  grace_period: [1,\n", "invalid YAML"),
    ("magg:\n  grace_period: 5\n  bogus_key: 1\n", "magg.bogus_key"),
    ("magg:\n  grace_period: -3\n", "magg.grace_period"),
    ("magg:\n  force_cancel: maybe\n", "magg.force_cancel"),
    ("magg: 5\n", "magg"),
])
def test_config_error_names_config_yaml_and_what_is_wrong(text, named):
    with pytest.raises(MaggError) as err:
        parse_config(text)
    assert "config.yaml" in err.value.message and named in err.value.message


def test_sections_of_other_drivers_alone_give_the_defaults():
    assert parse_config("prom:\n  url: http://prom:9090\nvegeta: {rate: 5}\n") == DEFAULTS
