# -*- coding: utf-8 -*-
"""The zipapp's __main__: choose where shiv unpacks, then hand over to shiv.

build.py puts this file at the root of dist/measure.pyz in place of shiv's
three-line __main__ (``import _bootstrap; _bootstrap.bootstrap()``). It
replaces one function of shiv's bootstrap, ``cache_path``, because shiv's
default (``~/.shiv``) fails with a traceback when HOME is missing or
read-only, which is normal for a service account or a container with a
read-only root filesystem. Where the bundle goes, in order:

1. ``$SHIV_ROOT`` when set, as with any shiv app (the user's choice, unchecked);
2. ``~/.shiv`` when it is (or can be made) a directory owned by this user
   that no one else may write to, and it already holds this build or is
   writable;
3. ``<tempdir>/magg-<uid>``: created with mode 0700, used only if it is a
   real directory (not a symlink) owned by this user with no group/other
   access, so no other user can plant code in it;
4. otherwise nothing is written at all: the code is imported straight from
   the zip (everything in it is pure Python), compiled in memory each run.

Each interpreter gets its own directory (the name ends in its cache tag,
e.g. ``cpython-36``) because shiv pre-compiles .pyc files once, at unpack
time, for the interpreter that unpacks; sharing one directory between
Python versions would leave the others recompiling on every start (these
machines set PYTHONDONTWRITEBYTECODE=1).

Nothing here touches os.environ: drivers the aggregator starts see exactly
the environment it was given. This file must stay valid Python 3.6.
"""

import os
import stat
import sys
from pathlib import Path

import _bootstrap

TEMP_PREFIX = "magg-"


class NoSafeRoot(Exception):
    """No directory fit to unpack into: run from the zip instead."""


def _owned_and_closed(path, mask):
    """True if path is a real directory of ours with none of mask's bits set."""
    try:
        st = os.lstat(path)
    except OSError:
        return False
    return (
        stat.S_ISDIR(st.st_mode)
        and st.st_uid == os.geteuid()
        and not st.st_mode & mask
    )


def _usable(root, name):
    """A root holding this build already, or one we can unpack into."""
    return os.path.isdir(os.path.join(root, name)) or os.access(root, os.W_OK)


def _home_root():
    """~/.shiv, shiv's own default, if HOME resolves to something safe."""
    root = os.path.expanduser(os.path.join("~", ".shiv"))
    if not os.path.isabs(root):
        return None
    try:
        os.makedirs(root, 0o700, exist_ok=True)
    except OSError:
        return None
    return root if _owned_and_closed(root, 0o022) else None


def _temp_root():
    """A private per-user directory in the system temp dir, or None."""
    import tempfile

    try:
        base = tempfile.gettempdir()
    except Exception:  # no writable temp dir anywhere: FileNotFoundError
        return None
    root = os.path.join(base, TEMP_PREFIX + str(os.geteuid()))
    try:
        os.mkdir(root, 0o700)
    except FileExistsError:
        pass
    except OSError:
        return None
    return root if _owned_and_closed(root, 0o077) else None


def cache_path(archive, root_dir, build_id):
    """Replacement for shiv's cache_path: same arguments, same meaning."""
    archive_name = os.path.basename(os.path.realpath(archive.filename))
    name = "{}_{}_{}".format(archive_name, build_id, sys.implementation.cache_tag)
    if root_dir:
        return Path(os.path.expanduser(root_dir)) / name
    for root in (_home_root(), _temp_root()):
        if root and _usable(root, name):
            return Path(root) / name
    raise NoSafeRoot()


def run_from_zip():
    """Import the app and PyYAML straight from the archive; write nothing."""
    with _bootstrap.current_zipfile() as archive:
        env = _bootstrap.Environment.from_json(archive.read("environment.json").decode())
    index = _bootstrap.get_first_sitedir_index() or len(sys.path)
    sys.path.insert(index, os.path.join(os.path.abspath(sys.argv[0]), "site-packages"))
    _bootstrap.run(_bootstrap.import_string(env.entry_point))


def main():
    _bootstrap.cache_path = cache_path
    try:
        _bootstrap.bootstrap()
    except NoSafeRoot:
        run_from_zip()


main()
