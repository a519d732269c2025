"""Why a driver could not be started, in words an operator can act on.

"No such file or directory" for a file that is plainly in measure.d almost
always means its #! line names a program that is not there: a typo
(/usr/bin/pyhton3), an interpreter the image lacks, a CRLF line end that
makes the name "python3\\r", or a line longer than the kernel reads. The
file's first bytes say which.
"""

import errno
import os

from app.printable import printable

HEAD = 4096
# Bytes of a #! line the kernel reads (BINPRM_BUF_SIZE, with the #!): 128
# before Linux 5.1, 256 since. A longer interpreter path is cut (older
# kernels, then "no such file") or refused ("exec format error").
OLD_KERNEL_READS = 127


def why_not_started(path, err, depth=0):
    """The reason to give for err, the OSError from starting path (reads its head)."""
    plain = err.strerror or str(err)
    try:
        with open(path, "rb") as handle:
            head = handle.read(HEAD)
    except OSError:
        return plain
    why = explain(head, err.errno, plain, os.path.exists,
                  lambda name: os.access(name, os.X_OK) and not os.path.isdir(name))
    if why is not None:
        return why
    interpreter = interpreter_of(head)
    if depth == 0 and interpreter is not None and err.errno == errno.ENOENT:
        # It exists, yet "no such file": its own #! line or loader is missing.
        return "its interpreter %s (line 1) cannot be started: %s" % (
            shown(interpreter), why_not_started(os.fsdecode(interpreter), err, 1))
    return plain


def interpreter_of(head):
    """The interpreter a #! line names (bytes), or None when there is no #! line (pure)."""
    if not head.startswith(b"#!"):
        return None
    line = head[2:].split(b"\n", 1)[0].lstrip(b" \t")
    for separator in (b" ", b"\t"):
        line = line.split(separator, 1)[0]
    return line


def explain(head, code, plain, exists, runnable):
    """A better reason than plain (strerror of code) from the file's first bytes, or None (pure).

    exists(path) and runnable(path) look the interpreter up.
    """
    if head.startswith(b"\x7fELF"):
        if code == errno.ENOENT:
            return ("it is a compiled program whose loader (its ELF interpreter, such as "
                    "ld-linux) does not exist here: it was built for another system, "
                    "glibc against musl say (%s)" % plain)
        return None
    interpreter = interpreter_of(head)
    if interpreter is None:
        if code == errno.ENOEXEC:
            return "it has no #! line and is not a program this system runs (%s)" % plain
        return None
    line = head.split(b"\n", 1)[0]
    # Where the interpreter's name ends on the line: the kernel must read that far.
    name_end = len(line) - len(line[2:].lstrip(b" \t")) + len(interpreter)
    name = os.fsdecode(interpreter)
    if interpreter.endswith(b"\r") and code == errno.ENOENT:
        return ("its #! line ends with a carriage return (the file has Windows CRLF line "
                "ends), so its interpreter is %s, which does not exist; convert the file "
                "with dos2unix" % shown(interpreter))
    if not interpreter:
        return "its #! line names no interpreter (%s)" % plain
    if code in (errno.ENOENT, errno.ENOEXEC) and name_end > OLD_KERNEL_READS and \
            exists(name):
        return ("its #! line names its interpreter in its first %d bytes, more than the "
                "kernel reads (%d before Linux 5.1, 255 since), so the name is cut; use a "
                "shorter path, or #!/usr/bin/env (%s)" % (name_end, OLD_KERNEL_READS, plain))
    if code == errno.ENOENT and not exists(name):
        return "its interpreter %s (line 1) does not exist" % shown(interpreter)
    if code == errno.EACCES and exists(name) and not runnable(name):
        return "its interpreter %s (line 1) is not executable" % shown(interpreter)
    return None


def shown(interpreter):
    return printable(os.fsdecode(interpreter))
