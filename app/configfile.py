"""config.yaml as UTF-8 bytes: a regular file only, opened without blocking, decoded by its BOM.

A FIFO named config.yaml blocks open() until some writer comes, and a
device can block every read: magg would hang before its first line, with
the signals that should stop it waiting behind the read. So the path is
looked at first (os.stat: a directory, a FIFO, a device or a socket is a
config error saying which), then opened with O_NONBLOCK and checked again,
in case it was replaced in between. A missing file means the defaults, but
a symbolic link to nothing is an error: the operator meant some file.

Encodings: UTF-8, with or without a byte order mark; UTF-16 and UTF-32 are
read when a byte order mark says which, and refused with their name
without one (YAML's own rule: the NUL bytes of the first characters give
them away). Bytes that are not UTF-8 read as U+FFFD, as today: they are
nearly always in another driver's section (a Latin-1 comment), which is not
magg's to judge, and every value magg accepts is ASCII except a driver
name, which then matches no driver and is warned about by name.
"""

import os
import stat

from app.config import config_error

_KINDS = ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO (named pipe)"),
          (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
          (stat.S_ISSOCK, "a socket"))
_BOMS = ((b"\x00\x00\xfe\xff", "utf-32-be"), (b"\xff\xfe\x00\x00", "utf-32-le"),
         (b"\xfe\xff", "utf-16-be"), (b"\xff\xfe", "utf-16-le"))
UTF8_BOM = b"\xef\xbb\xbf"
# What the first bytes of a YAML file without a BOM say about it (YAML 1.2, 5.2).
_NUL_PATTERNS = ((4, lambda b: b[:3] == b"\0\0\0", "UTF-32 (big-endian)"),
                 (4, lambda b: b[1:4] == b"\0\0\0", "UTF-32 (little-endian)"),
                 (2, lambda b: b[0] == 0, "UTF-16 (big-endian)"),
                 (2, lambda b: b[1] == 0, "UTF-16 (little-endian)"))


def read(path):
    """(UTF-8 bytes, where the text starts past a BOM), or None when there is no file."""
    raw = read_regular(path)
    return None if raw is None else as_utf8(raw, path)


def read_regular(path):
    """The bytes of the regular file at path; None when nothing is there."""
    try:
        _must_be_regular(path, os.stat(path).st_mode)
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:
        if os.path.islink(path):
            raise config_error(path, "is a symbolic link to %s, which does not exist"
                               % _target(path))
        return None
    except OSError as err:
        raise config_error(path, "cannot be read: %s" % err)
    with os.fdopen(fd, "rb") as handle:
        try:
            _must_be_regular(path, os.fstat(fd).st_mode)
            return handle.read()
        except OSError as err:
            raise config_error(path, "cannot be read: %s" % err)


def _must_be_regular(path, mode):
    if stat.S_ISREG(mode):
        return
    kind = next((name for test, name in _KINDS if test(mode)), "not a regular file")
    link = ("a symbolic link to %s, which is " % _target(path)
            if os.path.islink(path) else "")
    raise config_error(path, "is %s%s; magg reads its settings only from a regular file"
                       % (link, kind))


def _target(path):
    """What a symbolic link points to, as written, and where it leads when that differs."""
    resolved = os.path.realpath(path)
    try:
        written = os.readlink(path)
    except OSError:         # replaced since it was looked at
        return resolved
    if os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(path)),
                                     written)) == resolved:
        return written
    return "%s (that is, %s)" % (written, resolved)


def as_utf8(raw, path):
    """(UTF-8 bytes, the offset past a UTF-8 BOM) from the file's bytes (pure)."""
    for bom, codec in _BOMS:
        if raw.startswith(bom):
            return raw[len(bom):].decode(codec, "replace").encode("utf-8"), 0
    for size, test, name in _NUL_PATTERNS:
        if len(raw) >= size and test(raw):
            raise config_error(path, "looks like %s without a byte order mark; magg reads "
                               "UTF-8, or UTF-16 and UTF-32 that start with one" % name)
    return raw, len(UTF8_BOM) if raw.startswith(UTF8_BOM) else 0
