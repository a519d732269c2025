#!/usr/bin/env python3
"""Build dist/measure.pyz: the app and PyYAML in one file, with shiv.

Run by ``make dist`` with the dev virtualenv's Python (shiv must be on its
PATH next to it). Standard library only. The steps, and why:

1. Fetch the PyYAML source distribution pinned in vendor/requirements.txt
   with ``pip download --require-hashes``, so pip itself verifies the sha256.
   ``--no-build-isolation`` lets pip read the sdist's metadata with the
   venv's setuptools instead of fetching setuptools/Cython into a throwaway
   environment; a first attempt with ``--no-index`` against vendor/ makes the
   build work offline once vendor/ holds the file.
2. Stage a site-packages directory (build/site-packages): PyYAML's
   pure-Python ``yaml/`` package only (no ``_yaml`` C extension, no .c/.pyx,
   no .so), so one artifact serves every CPU and CPython 3.6 to 3.13; and
   the ``.py`` files of ``app/``.
3. Run shiv on it (``--site-packages``, no pip install, no
   ``--extend-pythonpath`` so no PYTHONPATH reaches the drivers we start).
   No ``--compile-pyc``: pyz/__main__.py always writes the .pyc files when
   it unpacks, so warm starts do not recompile, even with
   PYTHONDONTWRITEBYTECODE=1.
4. Swap shiv's ``__main__.py`` for pyz/__main__.py and leave shiv's
   ``_bootstrap`` package out: the artifact unpacks itself. Why shiv's own
   bootstrap is not used is said once, in pyz/__main__.py's docstring.
   pyz/unpack.py goes in beside it as ``magg_unpack.py``. The rewrite also
   sorts entries and fixes file modes, so the result depends neither on the
   file system's listing order nor on the builder's umask.

Reproducible: every zip entry gets the same timestamp (SOURCE_DATE_EPOCH if
set, else the last commit's time), entries are sorted and modes fixed, so
two builds of one commit are byte-identical. Prints the sha256 and size.
"""

import hashlib
import os
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENDOR = ROOT / "vendor"
REQUIREMENTS = VENDOR / "requirements.txt"
SDIST_GLOB = "PyYAML-*.tar.gz"
APP = ROOT / "app"
ZIP_MAIN = ROOT / "pyz" / "__main__.py"
# Beside __main__.py, loaded only by a run that unpacks (see its docstring).
ZIP_UNPACK = ("magg_unpack.py", ROOT / "pyz" / "unpack.py")
# shiv's run-time bootstrap: pyz/__main__.py does its work, so it is left out.
SHIV_BOOTSTRAP = "_bootstrap/"
BUILD = ROOT / "build"
STAGING = BUILD / "site-packages"
OUTPUT = ROOT / "dist" / "measure.pyz"

SHEBANG = "/usr/bin/env python3"
ENTRY_POINT = "app.__main__:main"
# shiv's own --reproducible default (1980-01-02), for builds outside git.
FALLBACK_EPOCH = 315554400
FILE_MODE = 0o644


def run(*cmd, check=True):
    """Run a command, echoing it, so `make dist` shows what it does."""
    print("+", " ".join(str(c) for c in cmd), flush=True)
    return subprocess.run([str(c) for c in cmd], check=check)


def fetch_sdist():
    """Download the pinned PyYAML sdist into vendor/ (pip checks the hash).

    pip re-verifies a file already in vendor/ too, so a corrupted or swapped
    download fails the build either way.
    """
    pip = [
        sys.executable, "-m", "pip", "download",
        "--no-deps", "--no-binary", ":all:", "--no-build-isolation",
        "--require-hashes", "-r", REQUIREMENTS, "-d", VENDOR,
    ]
    if list(VENDOR.glob(SDIST_GLOB)):
        offline = run(*pip, "--no-index", "--find-links", VENDOR, check=False)
        if offline.returncode == 0:
            return only_sdist()
    run(*pip)
    return only_sdist()


def only_sdist():
    """The one PyYAML sdist in vendor/: several would make the build ambiguous."""
    found = sorted(VENDOR.glob(SDIST_GLOB))
    if len(found) != 1:
        sys.exit("build.py: expected one {} in vendor/, found {}".format(
            SDIST_GLOB, [p.name for p in found]))
    return found[0]


def write_file(target, data):
    """Write bytes with a fixed mode: shiv copies modes into the zip."""
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    target.chmod(FILE_MODE)


def stage_yaml(sdist):
    """Copy lib/yaml/*.py (and the licence) out of the sdist; nothing compiled."""
    with tarfile.open(str(sdist)) as tar:
        top = sdist.name[: -len(".tar.gz")]
        prefix = top + "/lib/yaml/"
        for member in tar.getmembers():
            name = member.name
            if member.isfile() and name.startswith(prefix) and name.endswith(".py"):
                relative = name[len(prefix):]
                if "/" not in relative:
                    write_file(STAGING / "yaml" / relative, tar.extractfile(member).read())
        licence = tar.extractfile(top + "/LICENSE").read()
        write_file(STAGING / "yaml" / "LICENSE", licence)


def stage_app():
    """Copy app/'s .py files only: no __pycache__, no editor droppings."""
    for source in sorted(APP.rglob("*.py")):
        if "__pycache__" not in source.parts:
            write_file(STAGING / "app" / source.relative_to(APP), source.read_bytes())


def source_date_epoch():
    """SOURCE_DATE_EPOCH if given, else the last commit's time, else a constant."""
    if os.environ.get("SOURCE_DATE_EPOCH"):
        return os.environ["SOURCE_DATE_EPOCH"]
    try:
        out = subprocess.run(
            ["git", "-C", str(ROOT), "log", "-1", "--format=%ct"],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, check=True,
        ).stdout.decode().strip()
    except (OSError, subprocess.CalledProcessError):
        out = ""
    return out or str(FALLBACK_EPOCH)


def run_shiv(epoch):
    """Zip the staging dir with shiv; the shiv next to this Python (the venv's)."""
    shiv = Path(sys.executable).parent / "shiv"
    env = dict(os.environ, SOURCE_DATE_EPOCH=epoch)
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    print("+ SOURCE_DATE_EPOCH=" + epoch, flush=True)
    subprocess.run([
        str(shiv), "--site-packages", str(STAGING), "--reproducible",
        "-e", ENTRY_POINT, "-p", SHEBANG, "-o", str(OUTPUT),
    ], env=env, check=True)


def swap_main():
    """Rewrite the zip: pyz/__main__.py and pyz/unpack.py in, _bootstrap/ out.

    Keeps shiv's timestamps; sorts the entries (shiv adds its bootstrap in
    directory-listing order) and sets every file's mode to 0644, so neither
    the file system nor the builder's umask leaks into the artifact.
    """
    with zipfile.ZipFile(str(OUTPUT)) as old:
        entries = [(info, old.read(info)) for info in old.infolist()
                   if not info.filename.startswith(SHIV_BOOTSTRAP)]
    main_info = next(info for info, _ in entries if info.filename == "__main__.py")
    name, source = ZIP_UNPACK
    unpack_info = zipfile.ZipInfo(name, date_time=main_info.date_time)
    unpack_info.compress_type = main_info.compress_type
    entries.append((unpack_info, source.read_bytes()))
    entries.sort(key=lambda entry: entry[0].filename)
    tmp = OUTPUT.with_name(OUTPUT.name + ".tmp")
    with tmp.open("wb") as fd:
        fd.write(b"#!" + SHEBANG.encode() + b"\n")
        with zipfile.ZipFile(fd, "w") as new:
            for info, data in entries:
                if info.filename == "__main__.py":
                    data = ZIP_MAIN.read_bytes()
                fresh = zipfile.ZipInfo(info.filename, date_time=info.date_time)
                fresh.compress_type = info.compress_type
                fresh.external_attr = (0o100000 | FILE_MODE) << 16
                new.writestr(fresh, data)
    tmp.chmod(0o755)
    tmp.replace(OUTPUT)


def check_artifact():
    """Refuse to ship a compiled extension or a bundle without yaml."""
    with zipfile.ZipFile(str(OUTPUT)) as archive:
        names = archive.namelist()
    compiled = [n for n in names if n.endswith((".so", ".pyd", ".c", ".pyx"))]
    if compiled:
        sys.exit("build.py: compiled code in the artifact: {}".format(compiled))
    for needed in ("site-packages/yaml/__init__.py", "site-packages/app/__main__.py",
                   ZIP_UNPACK[0]):
        if needed not in names:
            sys.exit("build.py: {} missing from the artifact".format(needed))


def report():
    """Print what the README says `make dist` prints: path, sha256, size."""
    data = OUTPUT.read_bytes()
    print("{}  sha256 {}  {} bytes".format(
        OUTPUT.relative_to(ROOT), hashlib.sha256(data).hexdigest(), len(data)))


def main():
    sdist = fetch_sdist()
    shutil.rmtree(str(BUILD), ignore_errors=True)
    stage_yaml(sdist)
    stage_app()
    run_shiv(source_date_epoch())
    swap_main()
    check_artifact()
    report()


if __name__ == "__main__":
    main()
