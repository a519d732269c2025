# -*- coding: utf-8 -*-
"""How the bundle is unpacked: magg_unpack.py in the zip, beside __main__.py.

A module of its own so that warm starts, which never unpack, do not pay
for compiling this code (about a millisecond on each start). Unpacking
must survive SIGKILL at any instant and any number of concurrent first
runs, without leaving a half bundle in use or anything to wait on:

- each run extracts and compiles (in this process: no worker processes to
  orphan, which is how shiv's bootstrap came to block every later run)
  into its own ``.magg-partial-*`` directory next to the target, then
  publishes it with one rename(2), which is atomic: the target is either
  absent or complete. A run that loses the race to another discards its
  copy and uses the winner's. No lock, so nothing to wait on;
- all of it must finish by the caller's deadline (checked between files),
  else it raises TimeoutError and the caller runs from the zip: a slow
  disk costs speed, never an endless wait;
- partial directories left by killed runs are removed by a later unpack
  once older than STALE_SECONDS, long after any live run has given up on
  them (a run that is stopped that long finds its partial gone and fails
  over to the zip).

Valid Python 3.6, standard library only.
"""

import os
import shutil
import stat
import sys
import tempfile
import time
import zipfile

PARTIAL_PREFIX = ".magg-partial-"
STALE_SECONDS = 600       # a partial this old belongs to no live run


def unpack(archive, root, target, force, deadline):
    """Extract and compile into a private partial dir, then rename it into place."""
    os.makedirs(root, exist_ok=True)  # SHIV_ROOT need not exist yet
    sweep(root)
    partial = tempfile.mkdtemp(prefix=PARTIAL_PREFIX, dir=root)
    try:
        with zipfile.ZipFile(archive) as zf:
            for info in zf.infolist():
                if info.filename.startswith("site-packages/"):
                    check(deadline)
                    zf.extract(info, partial)
        compile_tree(os.path.join(partial, "site-packages"), deadline)
        mask = os.umask(0o022)
        os.umask(mask)
        os.chmod(partial, 0o755 & ~mask)  # as shiv's would be; mkdtemp makes 0700
        publish(partial, root, target, force)
    finally:
        shutil.rmtree(partial, ignore_errors=True)  # gone already when published


def check(deadline):
    """Give up once the deadline has passed."""
    if time.monotonic() > deadline:
        raise TimeoutError("not finished by the deadline")


def compile_tree(top, deadline):
    """Write a .pyc next to every .py, for this interpreter, in this process.

    Timestamp-based even when SOURCE_DATE_EPOCH is set (py_compile would
    then write hash-based ones, which make every import read the source).
    Skipped with a pycache prefix: the importer would not look here.
    """
    import py_compile

    if getattr(sys, "pycache_prefix", None):
        return
    mode = getattr(py_compile, "PycInvalidationMode", None)  # 3.7+
    options = {"invalidation_mode": mode.TIMESTAMP} if mode else {}
    from importlib.util import cache_from_source

    for folder, _, files in os.walk(top):
        for file in sorted(files):
            if file.endswith(".py"):
                check(deadline)
                source = os.path.join(folder, file)
                py_compile.compile(source, cache_from_source(source), doraise=True, **options)


def publish(partial, root, target, force):
    """Rename partial to target; if another run's bundle got there first, keep that."""
    old = None
    if force:  # set the old bundle aside first: rename cannot replace a full dir
        old = tempfile.mkdtemp(prefix=PARTIAL_PREFIX, dir=root)
        try:
            os.rename(target, old)
        except FileNotFoundError:
            pass
    try:
        os.rename(partial, target)
    except OSError:
        if not os.path.isdir(os.path.join(target, "site-packages")):
            raise
    finally:
        if old:
            shutil.rmtree(old, ignore_errors=True)


def sweep(root):
    """Remove partial dirs of ours that killed runs left, once surely abandoned."""
    now = time.time()
    for entry in os.listdir(root):
        if entry.startswith(PARTIAL_PREFIX):
            path = os.path.join(root, entry)
            try:
                st = os.lstat(path)
            except OSError:
                continue
            mine = stat.S_ISDIR(st.st_mode) and st.st_uid == os.geteuid()
            if mine and now - st.st_mtime > STALE_SECONDS:
                shutil.rmtree(path, ignore_errors=True)
