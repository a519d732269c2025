"""config.yaml that could wedge or mislead magg, through the agent-like client.

A FIFO or device never blocks a command, a key given twice or a file magg
cannot read is an error naming it, UTF-16 and UTF-32 are read by their byte
order mark, and the rest of a big file is not parsed (issue 17).
"""

import os
import socket

import pytest

from fakedriver import read_records, write_driver

# A FIFO config.yaml used to hang every command: more than enough to tell.
PROMPT = 20

NEVER_OLD = "magg:\n  drivers:\n    old: {run: never}\n"


@pytest.fixture
def old_and_prom(measure_d, tmp_path):
    """Drivers `old` (it records every start) and `prom`; returns old's log."""
    log = str(tmp_path / "old.log")
    write_driver(measure_d, "old", record=log)
    write_driver(measure_d, "prom")
    return log


def config_failure(run, *named):
    assert run.killed is None, run            # it answered, and in time
    assert run.returncode == 1 and run.result["reason"] == "config", run
    for text in named:
        assert text in run.result["message"], run
    return run.result["message"]


def test_a_fifo_config_yaml_is_an_error_at_once(servo, magg, old_and_prom):
    os.mkfifo(str(servo / "config.yaml"))
    run = magg.info(servo, timeout=PROMPT)
    config_failure(run, "config.yaml: is a FIFO (named pipe)")


def test_version_still_answers_with_a_fifo_config_yaml_and_says_why(servo, magg,
                                                                     old_and_prom):
    os.mkfifo(str(servo / "config.yaml"))
    run = magg.call(servo, ["--version"], timeout=PROMPT)
    assert run.ok and run.killed is None, run
    assert "config.yaml: is a FIFO" in run.stderr


def test_a_socket_config_yaml_is_an_error_naming_it(servo, magg, old_and_prom, tmp_path):
    # A unix socket path must be short: bind in tmp_path, link it in.
    sock = socket.socket(socket.AF_UNIX)
    try:
        sock.bind(str(tmp_path / "s"))
        os.symlink(str(tmp_path / "s"), str(servo / "config.yaml"))
        run = magg.info(servo, timeout=PROMPT)
    finally:
        sock.close()
    config_failure(run, "which is a socket")


def test_a_dangling_symlink_is_an_error_naming_its_target(servo, magg, old_and_prom):
    os.symlink("/etc/servo/config.yaml", str(servo / "config.yaml"))
    run = magg.info(servo)
    config_failure(run, "symbolic link to /etc/servo/config.yaml, which does not exist")
    assert read_records(old_and_prom) == []


@pytest.mark.parametrize("codec", ["utf-16", "utf-32"])
def test_a_utf16_or_utf32_config_yaml_with_a_bom_is_read(servo, magg, old_and_prom, codec):
    (servo / "config.yaml").write_bytes(NEVER_OLD.encode(codec))
    run = magg.info(servo)
    assert run.ok, run
    assert sorted(run.result["drivers"]) == ["prom"]
    assert read_records(old_and_prom) == []


def test_a_utf16_config_yaml_without_a_bom_is_an_error_naming_the_encoding(
        servo, magg, old_and_prom):
    (servo / "config.yaml").write_bytes(NEVER_OLD.encode("utf-16-le"))
    config_failure(magg.info(servo), "looks like UTF-16 (little-endian)")


def test_a_driver_listed_twice_is_an_error_not_a_driver_switched_back_on(
        servo, magg, old_and_prom):
    (servo / "config.yaml").write_text(NEVER_OLD + "    prom: {}\n    old: {}\n")
    config_failure(magg.info(servo), "magg.drivers.old is given twice (lines 3 and 5)")
    assert read_records(old_and_prom) == []


def test_magg_given_twice_is_an_error_naming_both_lines(servo, magg, old_and_prom):
    (servo / "config.yaml").write_text(NEVER_OLD + "prom: {}\nmagg: {grace_period: 5}\n")
    config_failure(magg.info(servo), "magg is given twice (lines 1 and 5)")


def test_another_driver_s_broken_section_in_a_big_file_is_left_to_it(
        servo, magg, old_and_prom):
    prom = "prom:\n  metrics:\n" + "".join(
        "    - {name: m%d, query: 'rate(x{job=\"a\"}[5m])'}\n" % i for i in range(20000))
    (servo / "config.yaml").write_text(prom + NEVER_OLD + "vegeta: [unclosed\n")
    run = magg.info(servo)
    assert run.ok, run
    assert sorted(run.result["drivers"]) == ["prom"]
