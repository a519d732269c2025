# -*- coding: utf-8 -*-
"""The zipapp's __main__: find (or make) the unpacked bundle, then run the app.

build.py puts this file at the root of dist/measure.pyz in place of shiv's
three-line ``import _bootstrap; _bootstrap.bootstrap()``. shiv still builds
the zip and still does the unpacking (``_bootstrap.extract_site_packages``:
file lock, atomic rename, .pyc compilation); this file decides *where*, and
runs the app itself on warm starts. Why not shiv's own bootstrap:

- shiv always unpacks to ``~/.shiv`` (or a fixed ``--root``), which fails
  with a traceback when HOME is missing or read-only: a service account, a
  container with a read-only root filesystem, uid 65534;
- importing ``_bootstrap`` on every start costs ~15 ms (it is compiled from
  the zip each time, and pulls in typing, pathlib, compileall, hashlib...),
  a large share of a start-up budget of 40 ms over a bare interpreter.

Where the bundle is unpacked, first fit wins:

1. ``$SHIV_ROOT`` when set, as with any shiv app (the user's choice, unchecked);
2. ``~/.shiv``, shiv's default, when it is (or can be made) a directory owned
   by this user that no one else may write to, and it already holds this
   build or is writable;
3. ``<tempdir>/magg-<uid>``, created with mode 0700 and used only if it is a
   real directory (not a symlink) owned by this user with no group or other
   access, so no other user can plant code in it;
4. nowhere: the app and PyYAML are imported straight from the zip
   (everything in it is pure Python), compiled in memory on each run.

Each interpreter gets its own directory (the name ends in its cache tag,
e.g. ``cpython-36``): shiv compiles .pyc files once, when it unpacks, for
the interpreter that unpacks, and with PYTHONDONTWRITEBYTECODE=1 any other
version sharing the directory would recompile everything on every start.

Nothing here touches os.environ (and shiv's --extend-pythonpath is off):
drivers the aggregator starts see exactly the environment it was given.
Of shiv's run-time variables only SHIV_ROOT and SHIV_FORCE_EXTRACT are read.
This file must stay valid Python 3.6.
"""

import json
import os
import stat
import sys

TEMP_PREFIX = "magg-"
TRUE_WORDS = ("1", "true", "t", "yes")


def owned_and_closed(path, mask):
    """True if path is a real directory of ours with none of mask's mode bits."""
    try:
        st = os.lstat(path)
    except OSError:
        return False
    return stat.S_ISDIR(st.st_mode) and st.st_uid == os.geteuid() and not st.st_mode & mask


def home_root():
    """~/.shiv if HOME resolves to an absolute path we can make safe, else None."""
    root = os.path.expanduser(os.path.join("~", ".shiv"))
    if not os.path.isabs(root):
        return None
    try:
        os.makedirs(root, 0o700, exist_ok=True)
    except OSError:
        return None
    return root if owned_and_closed(root, 0o022) else None


def temp_root():
    """A private per-user directory in the system temp dir, or None."""
    import tempfile

    try:
        base = tempfile.gettempdir()
    except OSError:  # no usable temp dir anywhere
        return None
    root = os.path.join(base, TEMP_PREFIX + str(os.geteuid()))
    try:
        os.mkdir(root, 0o700)
    except FileExistsError:
        pass
    except OSError:
        return None
    return root if owned_and_closed(root, 0o077) else None


def unpack_dir(name):
    """The directory for this build and interpreter, or None to run from the zip."""
    if os.environ.get("SHIV_ROOT"):
        return os.path.join(os.path.expanduser(os.environ["SHIV_ROOT"]), name)
    for choose in (home_root, temp_root):
        root = choose()
        target = root and os.path.join(root, name)
        if target and (os.path.isdir(target) or os.access(root, os.W_OK)):
            return target
    return None


def unpack(archive, target, force):
    """Let shiv's bootstrap unpack site-packages and compile it for this Python."""
    import zipfile
    from pathlib import Path

    import _bootstrap

    with zipfile.ZipFile(archive) as zf:
        _bootstrap.extract_site_packages(zf, Path(target), compile_pyc=True, force=force)


def call_entry_point(entry_point, site_packages):
    """Put site_packages before the interpreter's own site dirs and run main()."""
    from importlib import import_module

    index = len(sys.path)
    for i, part in enumerate(sys.path):
        if os.path.basename(part) in ("site-packages", "dist-packages"):
            index = i
            break
    sys.path.insert(index, site_packages)
    module, _, function = entry_point.partition(":")
    sys.exit(getattr(import_module(module), function)())


def main():
    archive = os.path.abspath(sys.argv[0])
    env = json.loads(__loader__.get_data("environment.json").decode("utf-8"))
    name = "{}_{}_{}".format(
        os.path.basename(os.path.realpath(archive)), env["build_id"], sys.implementation.cache_tag
    )
    target = unpack_dir(name)
    if target is None:
        call_entry_point(env["entry_point"], os.path.join(archive, "site-packages"))
    site_packages = os.path.join(target, "site-packages")
    force = os.environ.get("SHIV_FORCE_EXTRACT", "").lower() in TRUE_WORDS
    if force or not os.path.isdir(site_packages):
        unpack(archive, target, force)
    call_entry_point(env["entry_point"], site_packages)


main()
