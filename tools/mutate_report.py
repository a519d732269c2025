"""The table `make mutate` prints: per module of app/, what mutmut's run found.

Run from the repository root with the mutation venv's Python, after
`mutmut run` (it reads mutants/app/**/*.py.meta, mutmut's results):

    .venv-mutate/bin/python tools/mutate_report.py [--survivors FILE] [--markdown]

Columns, per module:

- mutants: what mutmut made of the module (the marked ones not included);
- killed: a test failed (a timeout counts: the mutant made magg hang, and
  a test noticed);
- survived: every test that runs the mutated function passed;
- not reached: no test that `make mutate` runs calls the function;
- not run: a test reaches it, but this run did not try it (`make mutate`
  tries the pure modules' mutants; `make mutate-all` every one);
- other: mutmut could not say (suspicious, a crash of the test run);
- marked: mutants that `# pragma: no mutate` keeps from being made
  (equivalent mutants, each pragma with a comment saying why);
- killed %: killed / (killed + survived + other), the ones tried.

The groups are those of tests/test_boundary.py (pure) and of the OS edge;
the targets (issue 19): a pure module kills >= 95 % of the mutants it
reaches (every one of them tried) and marks <= 2 %; an OS-edge module is
reached by some test. A row that misses its target ends with `<`.

The surviving mutants, each with its diff, go to --survivors (default
mutants/survivors.txt): the list to work from.
"""

import argparse
import json
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests"))

from mutation import group  # noqa: E402 (needs the path above)

KILLED_TARGET = 95.0
MARKED_LIMIT = 2.0

# mutmut's exit codes (mutmut/stats.py): what each one means here.
KILLED = {1, 3, 36, 24, -24, 152, 255}
SURVIVED = {0}
NOT_REACHED = {5, 33}
NOT_RUN = {None}
PRAGMA = re.compile(r"#\s*pragma:\s*no mutate[^\n]*")


def pure_modules():
    """The pure modules of app/, as "merge", "view.text"."""
    found = []
    for folder, _, files in os.walk(os.path.join(ROOT, "app")):
        for name in files:
            if name.endswith(".py") and name != "__init__.py":
                rel = os.path.relpath(os.path.join(folder, name), os.path.join(ROOT, "app"))
                found.append(rel[:-len(".py")].replace(os.sep, "."))
    return sorted(m for m in found if group(m) == "pure")


def module_of(path):
    rel = os.path.relpath(path, os.path.join(ROOT, "mutants", "app"))
    return rel[:-len(".py.meta")].replace(os.sep, ".")


def results():
    """{module: {mutant name: exit code}} from mutmut's .meta files."""
    found = {}
    base = os.path.join(ROOT, "mutants", "app")
    for folder, _, files in os.walk(base):
        for name in files:
            if name.endswith(".py.meta"):
                path = os.path.join(folder, name)
                with open(path) as handle:
                    found[module_of(path)] = json.load(handle)["exit_code_by_key"]
    return found


def marked(module):
    """How many mutants the module's pragmas keep from being made."""
    from mutmut.mutation.file_mutation import create_mutations
    path = os.path.join(ROOT, "app", *module.split(".")) + ".py"
    with open(path) as handle:
        source = handle.read()
    if not PRAGMA.search(source):
        return 0
    made = len(create_mutations(path, source)[1])
    unmarked = len(create_mutations(path, PRAGMA.sub("#", source))[1])
    return unmarked - made


def reached_functions():
    """The functions some test calls, as mutmut's learning run found them."""
    path = os.path.join(ROOT, "mutants", "mutmut-stats.json")
    if not os.path.exists(path):
        return set()
    with open(path) as handle:
        tests = json.load(handle)["tests_by_mangled_function_name"]
    return {name for name, found in tests.items() if found}


def function_of(mutant):
    """"app.merge.x_merge__mutmut_3" -> "app.merge.x_merge"."""
    return mutant.rsplit("__mutmut_", 1)[0]


def row(module, codes, reached):
    counts = {"killed": 0, "survived": 0, "not reached": 0, "not run": 0, "other": 0}
    for name, code in codes.items():
        if code in KILLED:
            counts["killed"] += 1
        elif code in SURVIVED:
            counts["survived"] += 1
        elif code in NOT_REACHED or (code in NOT_RUN and function_of(name) not in reached):
            counts["not reached"] += 1
        elif code in NOT_RUN:
            counts["not run"] += 1
        else:
            counts["other"] += 1
    counts["mutants"] = len(codes)
    counts["marked"] = marked(module)
    tried = counts["killed"] + counts["survived"] + counts["other"]
    counts["percent"] = 100.0 * counts["killed"] / tried if tried else None
    counts["misses"] = misses(group(module), counts, tried)
    return counts


def misses(kind, counts, tried):
    """Whether the module misses its target (see the module's docstring)."""
    if counts["mutants"] == 0:
        return False
    if kind == "pure":
        percent_marked = 100.0 * counts["marked"] / (counts["mutants"] + counts["marked"])
        return ((tried > 0 and counts["percent"] < KILLED_TARGET) or counts["not run"] > 0
                or percent_marked > MARKED_LIMIT)
    if kind == "os-edge":
        return counts["mutants"] == counts["not reached"]
    return False


COLUMNS = ("mutants", "killed", "survived", "not reached", "not run", "other", "marked")


def table(rows, markdown):
    head = ("module", "group") + COLUMNS + ("killed %",)
    lines = []
    for module, kind, counts in rows:
        percent = "-" if counts["percent"] is None else "%.1f" % counts["percent"]
        cells = (module, kind) + tuple(str(counts[c]) for c in COLUMNS) + (percent,)
        lines.append(cells + ("<" if counts["misses"] else "",))
    if markdown:
        out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        out += ["| " + " | ".join(cells[:-1]) + (" " + cells[-1] if cells[-1] else "") + " |"
                for cells in lines]
        return "\n".join(out)
    widths = [max(len(str(c[i])) for c in [head] + lines) for i in range(len(head))]
    fmt = lambda cells: "  ".join(  # noqa: E731
        str(c).ljust(w) if i < 2 else str(c).rjust(w) for i, (c, w) in enumerate(zip(cells, widths)))
    return "\n".join([fmt(head)] + [fmt(cells[:-1]) + " " + cells[-1] for cells in lines])


def totals(rows):
    total = {c: sum(counts[c] for _, _, counts in rows) for c in COLUMNS}
    tried = total["killed"] + total["survived"] + total["other"]
    total["percent"] = 100.0 * total["killed"] / tried if tried else None
    total["misses"] = False
    return total


def survivors(found):
    """Every surviving mutant with its diff, module by module."""
    from mutmut.mutation.diff_apply import get_diff_for_mutant
    out = []
    for module in sorted(found):
        path = os.path.join("app", *module.split(".")) + ".py"
        for name, code in sorted(found[module].items()):
            if code in SURVIVED:
                out.append("# %s\n%s\n" % (name, get_diff_for_mutant(name, path=path)))
    return out


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--survivors", default=os.path.join("mutants", "survivors.txt"))
    parser.add_argument("--markdown", action="store_true")
    parser.add_argument("--patterns", choices=("pure",),
                        help="print mutmut's names for the pure modules' mutants, and stop")
    args = parser.parse_args(argv)
    os.chdir(ROOT)
    if args.patterns:
        print(" ".join("'app.%s.*'" % m for m in pure_modules()))
        return 0
    found = results()
    if not found:
        print("no results: run `make mutate` (mutmut run) first", file=sys.stderr)
        return 1
    order = {"pure": 0, "os-edge": 1, "other": 2}
    reached = reached_functions()
    rows = sorted(((m, group(m), row(m, codes, reached)) for m, codes in found.items()),
                  key=lambda r: (order[r[1]], r[0]))
    rows.append(("all", "", totals(rows)))
    print(table(rows, args.markdown))
    listed = survivors(found)
    with open(args.survivors, "w") as handle:
        handle.write("\n".join(listed))
    print("\n%d surviving mutants with their diffs: %s" % (len(listed), args.survivors))
    missed = [m for m, _, counts in rows if counts["misses"]]
    if missed:
        print("below target (<): %s" % ", ".join(missed))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
