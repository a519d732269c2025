"""A driver that cannot start is named with the reason: its #! interpreter, its line ends.

"No such file or directory" for a file that is plainly there sends the
operator looking in the wrong place; the file's #! line usually says why.
"""

import errno
import os

import pytest
from hypothesis import given
from hypothesis import strategies as st

import test_properties  # noqa: F401 (registers and loads the Hypothesis profile)
from app.shebang import explain, interpreter_of, why_not_started
from fakedriver import write_driver, write_script

PLAIN = {errno.ENOENT: "No such file or directory", errno.EACCES: "Permission denied",
         errno.ENOEXEC: "Exec format error"}
THERE = {"/bin/sh", "/usr/bin/env", "/etc/passwd"}


def why(head, code):
    return explain(head, code, PLAIN[code], lambda p: p in THERE or len(p) > 200,
                   lambda p: p != "/etc/passwd")


# -- the rule (no processes) ----------------------------------------------------

def test_missing_interpreter_is_named():
    assert why(b"#!/usr/bin/pyhton3\nprint(1)\n", errno.ENOENT) == \
        "its interpreter /usr/bin/pyhton3 (line 1) does not exist"


def test_interpreter_with_arguments_and_spaces_after_the_bang_is_found():
    assert interpreter_of(b"#! /usr/bin/python3 -u\n") == b"/usr/bin/python3"
    assert interpreter_of(b"#!\t/opt/py/bin/python\t-E\n") == b"/opt/py/bin/python"
    assert interpreter_of(b"no shebang\n") is None


def test_crlf_line_end_is_named_as_such():
    text = why(b"#!/bin/sh\r\necho\r\n", errno.ENOENT)
    assert "carriage return" in text and "/bin/sh\\r" in text and "dos2unix" in text


def test_interpreter_that_is_not_executable_is_named():
    assert why(b"#!/etc/passwd\n", errno.EACCES) == \
        "its interpreter /etc/passwd (line 1) is not executable"


def test_interpreter_name_longer_than_the_kernel_reads_is_named():
    head = b"#!/" + b"d" * 300 + b"/python3\n"
    text = why(head, errno.ENOEXEC)
    assert "more than the kernel reads" in text and "/usr/bin/env" in text


def test_long_arguments_after_a_short_interpreter_are_not_blamed():
    assert why(b"#!/bin/sh " + b"-x " * 100 + b"\n", errno.ENOENT) is None


def test_no_shebang_and_not_a_program_says_so():
    assert "no #! line" in why(b"echo hello\n", errno.ENOEXEC)


def test_a_compiled_program_without_its_loader_says_so():
    assert "loader" in why(b"\x7fELF\x02\x01\x01" + b"\0" * 100, errno.ENOENT)


def test_other_errors_keep_the_system_s_words():
    assert why(b"#!/bin/sh\n", errno.EACCES) is None       # noexec mount, say


def test_a_file_gone_since_discovery_keeps_the_system_s_words(tmp_path):
    err = OSError(errno.ENOENT, "No such file or directory")
    assert why_not_started(str(tmp_path / "gone"), err) == "No such file or directory"


@given(st.binary(max_size=600), st.sampled_from(sorted(PLAIN)))
def test_any_file_head_is_explained_or_left_alone_without_error(head, code):
    text = why(head, code)
    assert text is None or (isinstance(text, str) and text.isprintable())


# -- through magg -----------------------------------------------------------------

def shebang_driver(measure_d, name, line):
    """A driver whose first line is `line` (bytes), executable."""
    path = os.path.join(str(measure_d), name)
    with open(path, "wb") as f:
        f.write(line + b"\nprint('{}')\n")
    os.chmod(path, 0o755)
    return path


def test_driver_whose_interpreter_is_missing_is_named_with_that_interpreter(
        servo, measure_d, magg):
    write_driver(measure_d, "prom")
    shebang_driver(measure_d, "vegeta", b"#!/usr/bin/pyhton3")
    run = magg.info(servo)
    assert run.returncode == 1, run
    assert ("vegeta: failed: cannot start measure.d/vegeta: its interpreter "
            "/usr/bin/pyhton3 (line 1) does not exist") in run.result["message"]


def test_check_names_a_crlf_driver_s_line_ends(servo, measure_d, magg):
    path = write_script(measure_d, "exec", sh="true")
    with open(path, "rb") as f:
        text = f.read()
    with open(path, "wb") as f:
        f.write(text.replace(b"\n", b"\r\n"))
    run = magg.call(servo, ["--check", "app1"])
    assert run.returncode == 1, run
    assert "CRLF" in run.result["drivers"]["exec"]["problem"]


def test_driver_whose_interpreter_is_not_executable_is_named(servo, measure_d, magg,
                                                            tmp_path):
    interpreter = tmp_path / "python-without-x"
    interpreter.write_text("")
    shebang_driver(measure_d, "prom", b"#!" + str(interpreter).encode())
    run = magg.info(servo)
    assert "its interpreter %s (line 1) is not executable" % interpreter \
        in run.result["message"], run


def test_interpreter_that_exists_but_cannot_start_says_what_it_lacks(
        servo, measure_d, magg, tmp_path):
    wrapper = tmp_path / "wrapper"
    wrapper.write_text("#!/no/such/python\n")
    wrapper.chmod(0o755)
    shebang_driver(measure_d, "prom", b"#!" + str(wrapper).encode())
    message = magg.info(servo).result["message"]
    assert ("its interpreter %s (line 1) cannot be started: its interpreter /no/such/python "
            "(line 1) does not exist" % wrapper) in message, message


@pytest.mark.skipif(not os.path.exists("/bin/sh"), reason="needs /bin/sh")
def test_interpreter_path_longer_than_the_kernel_reads_is_named(servo, measure_d, magg,
                                                               tmp_path):
    deep = tmp_path
    while len(str(deep)) < 300:
        deep = deep / ("d" * 60)
    deep.mkdir(parents=True)
    os.symlink("/bin/sh", str(deep / "sh"))
    shebang_driver(measure_d, "prom", b"#!" + str(deep / "sh").encode())
    message = magg.info(servo).result["message"]
    assert "more than the kernel reads" in message, message
