"""The README's set-up commands are the ones CI and the Makefile really use."""

import os
import re

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def read(*parts):
    with open(os.path.join(ROOT, *parts)) as f:
        return f.read()


def readme_commands():
    """Commands in the README's first-five-minutes block."""
    section = read("README.md").split("## The first five minutes", 1)[1]
    block = re.search(r"```sh\n(.*?)```", section, re.S).group(1)
    return [line.split("#")[0].strip() for line in block.splitlines() if line.strip()]


def test_readme_gives_make_demo_and_make_test_as_the_two_commands():
    assert readme_commands() == ["make demo", "make test"]


def test_ci_runs_exactly_the_readmes_test_command():
    lines = [l.strip() for l in read(".ci", "run").splitlines()
             if l.strip() and not l.startswith("#")]
    assert lines[-1] == "make test"
    assert "make test" in readme_commands()


def test_makefile_defines_every_target_the_readme_names():
    makefile = read("Makefile")
    targets = set(re.findall(r"^([a-z]+):", makefile, re.M))
    named = set(re.findall(r"`make (\w+)`", read("README.md")))
    named.update(c.split()[1] for c in readme_commands())
    assert named <= targets, named - targets


def test_make_test_runs_pytest_over_the_whole_tests_directory():
    recipe = re.search(r"^test:.*\n((?:\t.*\n)+)", read("Makefile"), re.M).group(1)
    assert re.search(r"-m pytest\b.*\btests\b", recipe)
