"""The `magg` section of ./config.yaml: defaults and validation."""

import os

import pytest

from app import MaggError
from app.config import DEFAULTS, HEARTBEAT, io_timeout, load_config, parse_config


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


# -- a key given twice ---------------------------------------------------------------
# YAML keeps the last of two equal keys: a driver listed twice, the second
# time without `run: never`, would quietly run again.

@pytest.mark.parametrize("text, key, lines", [
    ("magg:\n  grace_period: 5\nprom: {}\nmagg:\n  grace_period: 9\n", "magg", "lines 1 and 4"),
    ("magg:\n  drivers:\n    old: {run: never}\n  drivers: {}\n", "magg.drivers", "lines 2 and 4"),
    ("magg:\n  drivers:\n    old: {run: never}\n    new: {}\n    old: {}\n",
     "magg.drivers.old", "lines 3 and 5"),
    ("magg:\n  drivers:\n    old:\n      run: never\n      run: always\n",
     "magg.drivers.old.run", "lines 4 and 5"),
    ("magg: {grace_period: 5, grace_period: 6}\n", "magg.grace_period", "line 1"),
    ("magg:\n  drivers:\n    on: {}\n    yes: {run: never}\n", "magg.drivers.yes",
     "lines 3 and 4"),
    ('magg:\n  "grace_period": 1\n  grace_period: 2\n', "magg.grace_period", "lines 2 and 3"),
])
def test_a_key_given_twice_in_the_magg_section_names_it_and_both_lines(tmp_path, text, key,
                                                                        lines):
    assert "%s is given twice (%s)" % (key, lines) in error(tmp_path, text)


@pytest.mark.parametrize("text", ["prom: {a: 1, a: 2}\nmagg: {}\n", "prom: 1\nprom: 2\n",
                                  "magg:\n  drivers:\n    <<: {old: {}}\n    old: {run: never}\n"])
def test_keys_given_twice_elsewhere_or_overriding_a_merge_are_not_magg_s_business(
        tmp_path, text):
    load(tmp_path, text)


def test_a_duplicate_in_the_magg_section_counts_the_lines_of_the_whole_file(tmp_path):
    text = "prom:\n" + "  q: 'x'\n" * 100 + "magg:\n  drivers: {a: {}}\n  drivers: {}\n"
    assert "magg.drivers is given twice (lines 103 and 104)" in error(tmp_path, text)


# -- the fast read: only the magg block is parsed, when that is provably the same ------

def big_config(magg_at_end=False, queries=3000):
    prom = "prom:\n  metrics:\n" + "".join(
        "    - name: m%d\n      query: 'sum(rate(x{job=\"a\"}[5m]))'\n" % i
        for i in range(queries))
    magg = "magg:\n  grace_period: 7\n  drivers: {old: {run: never}}\n"
    return (prom + magg) if magg_at_end else (magg + prom)


@pytest.mark.parametrize("magg_at_end", [False, True])
def test_a_big_file_is_read_without_parsing_the_other_sections(monkeypatch, magg_at_end):
    from app import config
    text = big_config(magg_at_end)
    expected = parse_config(text)
    monkeypatch.setattr(config, "parse_config", lambda *a: pytest.fail("parsed it all"))
    assert config.read_config(text.encode("utf-8")) == expected
    assert expected.grace_period == 7 and expected.drivers["old"].run == "never"


def test_a_yaml_error_in_another_section_is_left_to_its_driver(tmp_path):
    # Documented in the README: once magg can prove where its block is, the
    # rest of the file is not parsed, so another driver's mistake is its own.
    config = load(tmp_path, "magg:\n  grace_period: 3\nprom:\n  url: [unclosed\n")
    assert config.grace_period == 3


def test_a_yaml_error_before_a_block_magg_cannot_prove_is_reported(tmp_path):
    # The quote may run on into magg's lines: only a full parse can say.
    assert "invalid YAML" in error(tmp_path, "prom: 'unclosed\nmagg:\n  grace_period: 3\n")


def test_magg_inside_another_section_s_multi_line_string_is_not_magg(tmp_path):
    assert load(tmp_path, 'prom: "a\nmagg: {grace_period: 9}\n  b"\n') == DEFAULTS


@pytest.mark.parametrize("text", ["prom: &a 1\nmagg: {grace_period: &a 2}\n",
                                  "magg: {grace_period: &a 2}\nprom: &a 1\n"])
def test_an_anchor_of_the_magg_block_defined_again_elsewhere_is_invalid_yaml(tmp_path, text):
    # PyYAML refuses a duplicate anchor; the block alone would not show it.
    assert "found duplicate anchor 'a'" in error(tmp_path, text)


@pytest.mark.parametrize("key", ['"m\\x61gg"', "'magg'", "!!str magg", "? magg\n"])
def test_magg_written_as_any_yaml_key_is_read(tmp_path, key):
    assert load(tmp_path, "prom: 1\n%s: {grace_period: 4}\n" % key).grace_period == 4


# -- the encoding ----------------------------------------------------------------------

TEXT = "# réglages\nmagg:\n  drivers:\n    old: {run: never}\n"


@pytest.mark.parametrize("codec", ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be",
                                   "utf-32", "utf-32-le", "utf-32-be"])
def test_utf8_and_utf16_or_utf32_with_a_byte_order_mark_are_read(tmp_path, codec):
    bom = {"utf-16-le": "\ufeff", "utf-16-be": "\ufeff", "utf-32-le": "\ufeff",
           "utf-32-be": "\ufeff"}.get(codec, "")
    (tmp_path / "config.yaml").write_bytes((bom + TEXT).encode(codec))
    assert load_config(str(tmp_path / "config.yaml")).drivers["old"].run == "never"


@pytest.mark.parametrize("codec, name", [
    ("utf-16-le", "UTF-16 (little-endian)"), ("utf-16-be", "UTF-16 (big-endian)"),
    ("utf-32-le", "UTF-32 (little-endian)"), ("utf-32-be", "UTF-32 (big-endian)")])
def test_utf16_or_utf32_without_a_byte_order_mark_is_an_error_naming_it(tmp_path, codec,
                                                                       name):
    (tmp_path / "config.yaml").write_bytes(TEXT.encode(codec))
    with pytest.raises(MaggError) as err:
        load_config(str(tmp_path / "config.yaml"))
    assert "config.yaml: looks like %s without a byte order mark" % name in err.value.message


def test_bytes_that_are_not_utf8_read_as_replacement_characters(tmp_path):
    (tmp_path / "config.yaml").write_bytes(b"# r\xe9glages\nmagg:\n  drivers: {caf\xe9: {}}\n")
    assert list(load_config(str(tmp_path / "config.yaml")).drivers) == ["caf\ufffd"]


# -- what config.yaml is -----------------------------------------------------------------

def kind_error(path):
    with pytest.raises(MaggError) as err:
        load_config(str(path))
    assert err.value.reason == "config"
    return err.value.message


def test_a_fifo_is_an_error_at_once_naming_it(tmp_path):
    os.mkfifo(str(tmp_path / "config.yaml"))
    assert kind_error(tmp_path / "config.yaml").endswith(
        "config.yaml: is a FIFO (named pipe); magg reads its settings only from a regular file")


def test_a_directory_is_an_error_naming_it(tmp_path):
    (tmp_path / "config.yaml").mkdir()
    assert "config.yaml: is a directory;" in kind_error(tmp_path / "config.yaml")


def test_a_symlink_to_a_device_names_the_target_and_what_it_is(tmp_path):
    os.symlink("/dev/null", str(tmp_path / "config.yaml"))
    assert ("config.yaml: is a symbolic link to /dev/null, which is a character device"
            in kind_error(tmp_path / "config.yaml"))


def test_a_dangling_symlink_is_an_error_naming_its_target(tmp_path):
    os.symlink("settings/servo.yaml", str(tmp_path / "config.yaml"))
    assert ("config.yaml: is a symbolic link to settings/servo.yaml, which does not exist"
            in kind_error(tmp_path / "config.yaml"))


def test_a_symlink_to_a_regular_file_is_read(tmp_path):
    (tmp_path / "real.yaml").write_text("magg: {grace_period: 2}\n")
    os.symlink("real.yaml", str(tmp_path / "config.yaml"))
    assert load_config(str(tmp_path / "config.yaml")).grace_period == 2


# -- what an operator reads, exactly -------------------------------------------

@pytest.mark.parametrize("text, message", [
    ("- 1\n", "the top level must be a mapping of sections"),
    ("magg: 5\n", "magg must be a mapping, got int"),
    ("magg:\n  nope: 1\n  zzz: 2\n",
     "unknown key magg.nope, magg.zzz under magg (known: grace_period, force_cancel, "
     "cleanup_grace_period, progress_interval, stderr_limit, drivers)"),
    ("magg:\n  force_cancel: 3\n", "magg.force_cancel must be true or false, got 3"),
    ("magg:\n  stderr_limit: 1.5\n",
     "magg.stderr_limit must be a whole number of bytes (0 or more), got 1.5"),
    ("magg:\n  drivers: [1]\n",
     "magg.drivers must be a mapping of driver names to their settings, got [1]"),
    ("magg:\n  drivers:\n    prom: 5\n",
     "magg.drivers.prom must be a mapping (run: ..., force_cancel: ...), got 5"),
    ("magg:\n  drivers:\n    prom:\n      colour: 1\n      size: 2\n",
     "unknown key magg.drivers.prom.colour, magg.drivers.prom.size (known: run, force_cancel)"),
    ("magg:\n  drivers:\n    prom:\n      run: sometimes\n",
     'magg.drivers.prom.run must be one of always, when-requested, never, got "sometimes"'),
    ("magg:\n  drivers:\n    prom:\n      force_cancel: maybe\n",
     'magg.drivers.prom.force_cancel must be true or false, got "maybe"'),
    ("magg:\n  cleanup_grace_period: 1\nmagg:\n  cleanup_grace_period: 2\n",
     "magg is given twice (lines 1 and 3); YAML would keep only the last"),
    ("magg: {a: [}\n", "invalid YAML: while parsing a flow node\nexpected the node content, "
     "but found '}'\n  in \"<unicode string>\", line 1, column 12:\n    magg: {a: [}\n"
     "               ^"),
])
def test_a_config_error_names_the_file_and_says_exactly_what_is_wrong(text, message):
    with pytest.raises(MaggError) as err:
        parse_config(text, "cfg.yaml")
    assert (err.value.status, err.value.reason, err.value.exit_code, err.value.message) == \
        ("failed", "config", 1, "cfg.yaml: " + message)


def test_the_fast_read_names_the_file_and_the_lines_of_the_whole_file():
    from app.config import read_config
    data = b"other: 1\nmagg:\n  cleanup_grace_period: 1\nmagg:\n  cleanup_grace_period: 2\n"
    with pytest.raises(MaggError) as err:
        read_config(data, 0, "cfg.yaml")
    assert err.value.message == \
        "cfg.yaml: magg is given twice (lines 2 and 4); YAML would keep only the last"
    with pytest.raises(MaggError) as err:
        read_config(b"x: 1\nmagg:\n  force_cancel: 3\n", 0, "cfg.yaml")
    assert err.value.message == "cfg.yaml: magg.force_cancel must be true or false, got 3"
    with pytest.raises(MaggError) as err:
        read_config(b"magg: 5\n\xff: [\n", 0, "cfg.yaml")
    assert err.value.message.startswith("cfg.yaml: invalid YAML: ")


@pytest.mark.parametrize("text, limit, heartbeat", [
    ("3", 2.0, 1.5), ("2", 1.0, 1.0), ("2.5", 1.5, 1.25), ("1.5", 0.75, 0.75),
    ("-1", None, HEARTBEAT),
    ("inf", None, HEARTBEAT), ("", None, HEARTBEAT),
])
def test_optune_io_timeout_at_its_edges(text, limit, heartbeat):
    assert io_timeout(text) == (limit, heartbeat, ())


def test_an_io_timeout_that_is_no_number_is_named_in_one_warning():
    assert io_timeout(" nan ") == (None, HEARTBEAT,
                                   ("ignoring OPTUNE_IO_TIMEOUT='nan': not a number",))
    assert io_timeout("soon") == (None, HEARTBEAT,
                                  ("ignoring OPTUNE_IO_TIMEOUT='soon': not a number",))


def test_settings_without_optune_io_timeout_have_no_limit_and_no_warning(tmp_path):
    from app.config import load_settings
    settings = load_settings({}, str(tmp_path / "config.yaml"))
    assert (settings.io_limit, settings.heartbeat, settings.warnings) == (None, HEARTBEAT, ())
    settings = load_settings({"OPTUNE_IO_TIMEOUT": "3"}, str(tmp_path / "config.yaml"))
    assert (settings.io_limit, settings.heartbeat, settings.warnings) == (2.0, 1.5, ())


def test_a_config_file_read_from_disk_is_named_by_its_path(tmp_path):
    path = tmp_path / "other.yaml"
    path.write_text("magg:\n  force_cancel: 3\n")
    with pytest.raises(MaggError) as err:
        load_config(str(path))
    assert err.value.message == "%s: magg.force_cancel must be true or false, got 3" % path
