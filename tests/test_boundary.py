"""The functional core stays pure: the modules the README calls pure touch no OS.

They may not import os, select, fcntl, time, subprocess (or any other module
that reaches the OS), nor an app module that does; from signal they may use
constants only (SIGUSR1, signal.Signals for names). This is what lets every
rule be tested with scripted events and a fake clock, and a trace replay.
"""

import ast
import os
import re

import pytest

APP = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "app")
README = os.path.join(os.path.dirname(APP), "README.md")

PURE = ("bounds", "child", "events", "health", "heapmap", "lines", "merge", "messages",
        "orphans", "pacing", "plan", "printable", "progress", "records", "request",
        "rounds", "runmodes", "snapshot", "stopping", "stderr", "supervise", "tables", "yamlsection")
# The terminal view's package is pure as a whole: state in, text out.
VIEW = ("view/__init__", "view/block", "view/live", "view/numbers", "view/result",
        "view/text")
# The standard library a pure module may use: computation only.
ALLOWED = {"collections", "copy", "errno", "heapq", "itertools", "json", "math", "operator",
           "re", "signal", "unicodedata"}


def imports(module):
    """(imported module names, signal attributes used) anywhere in app/<module>.py."""
    with open(os.path.join(APP, module + ".py")) as handle:
        tree = ast.parse(handle.read())
    names, signal_uses = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.module == "signal":
                signal_uses.update(alias.name for alias in node.names)
            if node.module == "app":
                names.update("app." + alias.name for alias in node.names)
            elif node.module:
                names.add(node.module)
        elif (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
              and node.value.id == "signal"):
            signal_uses.add(node.attr)
    return names, signal_uses


@pytest.mark.parametrize("module", PURE + VIEW)
def test_a_pure_module_imports_nothing_that_touches_the_os(module):
    names, signal_uses = imports(module)
    stdlib = {n.split(".")[0] for n in names if not n.startswith("app")}
    assert stdlib <= ALLOWED, "app/%s.py imports %s" % (module, sorted(stdlib - ALLOWED))
    impure = sorted(n for n in names if n.startswith("app.")
                    and n.split(".")[1] not in PURE + ("view",) and n != "app.MaggError")
    assert impure == [], "app/%s.py imports the OS edge: %s" % (module, impure)
    calls = sorted(u for u in signal_uses if not re.match(r"^SIG[A-Z0-9]+$|^Signals$", u))
    assert calls == [], "app/%s.py uses signal.%s, not a constant" % (module, calls)


def test_the_readme_calls_pure_exactly_the_modules_checked_here():
    with open(README) as handle:
        rows = [line for line in handle if line.startswith("|") and "(pure" in line]
    called_pure = {name for row in rows for name in re.findall(r"`app/(\w+)\.py`", row)}
    assert called_pure == set(PURE)
