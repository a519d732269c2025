"""The CPython interpreters this machine has, for tests that run several.

pyenv's real binaries (the shims add start-up time and pick by directory),
then pythonX.Y on PATH. A test asking for a missing one is skipped, naming it.
"""

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

VERSIONS = ["3.6", "3.7", "3.8", "3.9", "3.10", "3.11", "3.12", "3.13"]


def pyenv_roots():
    """`pyenv root` if pyenv is on PATH, plus the usual install places."""
    roots = []
    if shutil.which("pyenv"):
        out = subprocess.run(["pyenv", "root"], stdout=subprocess.PIPE, universal_newlines=True)
        if out.returncode == 0 and out.stdout.strip():
            roots.append(Path(out.stdout.strip()))
    roots += [Path.home() / ".pyenv", Path("/root/.pyenv")]
    return roots


def find_interpreters():
    """{"3.6": "/real/path/python3", ...}: pyenv's real binaries, then PATH."""
    found = {}
    for root in pyenv_roots():
        versions = root / "versions"
        if not versions.is_dir():
            continue
        for entry in sorted(versions.iterdir()):
            match = re.match(r"^(3\.\d+)\.\d+$", entry.name)
            binary = entry / "bin" / "python3"
            if match and binary.exists():
                found.setdefault(match.group(1), str(binary))
    for version in VERSIONS:
        on_path = shutil.which("python" + version)
        if on_path and version not in found:
            found[version] = os.path.realpath(on_path)
    return found


INTERPRETERS = find_interpreters()


def interpreter(version):
    """The real path of CPython `version`, or skip the test saying it is missing."""
    if version not in INTERPRETERS:
        pytest.skip("CPython {} not found under pyenv or on PATH".format(version))
    return INTERPRETERS[version]
