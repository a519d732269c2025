"""The fast read of config.yaml gives what a full parse gives (Hypothesis).

magg parses only its `magg` block when yamlsection.py proves that a full
parse of the file would give the same (app/config.py: read_config). The
property: for generated files (a `magg` section from valid and invalid
values, other sections in every YAML style that can make a line look like
`magg:` without being one, odd line ends, marks, tabs, a stray character),

- when the full parse succeeds, the fast read gives the same settings;
- when it fails because of the `magg` section (the same file without it
  parses), the fast read fails with the same message;
- otherwise (another section is broken, which is left to its driver) the
  fast read gives settings or a config error, never anything else.

Profiles as in test_properties.py (HYPOTHESIS_PROFILE): "ci" is quick and
derandomized, "thorough" searches deeper with a fresh seed:

    HYPOTHESIS_PROFILE=thorough .venv/bin/python -m pytest tests/test_config_properties.py
"""

import os
import re

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from app import MaggError
from app.config import parse_config, read_config
from app.configfile import as_utf8

_SLOW_IS_FINE = [HealthCheck.too_slow, HealthCheck.data_too_large,
                 HealthCheck.filter_too_much]
settings.register_profile("config-ci", max_examples=300, deadline=None, derandomize=True,
                          database=None, suppress_health_check=_SLOW_IS_FINE)
settings.register_profile("config-thorough", max_examples=20000, deadline=None,
                          database=None, suppress_health_check=_SLOW_IS_FINE)
PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "ci")
SETTINGS = settings.get_profile("config-" + ("thorough" if PROFILE == "thorough" else "ci"))


# -- the magg section -------------------------------------------------------------

SECONDS = st.sampled_from(["5", "1m", "0", "-1", "soon", "'30s'", '"1h"', "[1,", "[1]",
                           "*a", "&b 4", ".nan", "1e400", "{", "5 # comment 'x", "!!int 3",
                           "2001-02-30", '"\\x35"', "~"])
BOOLS = st.sampled_from(["true", "false", "maybe", "1", "yes", "off", "'true'"])
RUNS = st.sampled_from(["never", "always", "when-requested", "sometimes", "'never'",
                        '"n\\x65ver"', "[never]", "*a"])
NAMES = st.sampled_from(["prom", "prom-b", "old", "1", "on", "yes", "'old'", '"prom"'])
SECTION_KEYS = st.sampled_from(["grace_period", "cleanup_grace_period", "progress_interval"])


@st.composite
def driver_entries(draw, indent):
    lines = []
    for name in draw(st.lists(NAMES, max_size=3)):
        style = draw(st.integers(0, 3))
        if style == 0:
            lines.append("%s%s: {run: %s}" % (indent, name, draw(RUNS)))
        elif style == 1:
            lines.append("%s%s:" % (indent, name))
            lines.append("%s  run: %s" % (indent, draw(RUNS)))
            if draw(st.booleans()):
                lines.append("%s  force_cancel: %s" % (indent, draw(BOOLS)))
        elif style == 2:
            lines.append("%s%s: &a {run: never}" % (indent, name))
        else:
            lines.append("%s%s:" % (indent, name))
    if draw(st.booleans()) and lines:
        lines.insert(draw(st.integers(0, len(lines))), indent + "<<: {merged: {run: never}}")
    return lines


@st.composite
def magg_sections(draw):
    """The text of one `magg` section, valid or not."""
    style = draw(st.integers(0, 9))
    if style == 0:
        return "magg: {grace_period: %s, drivers: {prom: {run: %s}}}\n" % (
            draw(SECONDS), draw(RUNS))
    if style == 1:         # a flow mapping whose lines start at column 0
        return "magg: {grace_period: %s,\n%s: %s}\n" % (
            draw(SECONDS), draw(SECTION_KEYS), draw(SECONDS))
    if style == 2:
        return draw(st.sampled_from(["magg:\n", "magg: null\n", "magg: 5\n", "magg: [1]\n",
                                     "magg: ~ # nothing\n", "magg: &m\n  grace_period: 2\n",
                                     "magg: !!map\n  force_cancel: true\n",
                                     "magg:\n- a\n- b\n", "magg: {}\n"]))
    lines = [draw(st.sampled_from(["magg:", "magg:  # settings 'here", "magg: # \"x"]))]
    for _ in range(draw(st.integers(0, 4))):
        kind = draw(st.integers(0, 6))
        if kind == 0:
            lines.append("  %s: %s" % (draw(SECTION_KEYS), draw(SECONDS)))
        elif kind == 1:
            lines.append("  force_cancel: %s" % draw(BOOLS))
        elif kind == 2:
            lines.append("  stderr_limit: %s" % draw(st.sampled_from(
                ["0", "1024", "4MiB", "-1", "0x10"])))
        elif kind == 3:
            lines.append("  drivers:")
            lines.extend(draw(driver_entries("    ")))
        elif kind == 4:
            lines.append(draw(st.sampled_from(
                ["# a comment at column 0 with a 'quote", "", "  # \"", "  bogus_key: 1",
                 "   ", "\t", "  grace_period: \"multi", "  line\"", "  x: |",
                 "    magg: in a block scalar", "  q: 'it''s'"])))
        elif kind == 5:
            lines.append("  drivers: {prom: {run: %s}, old: {run: %s}}" % (
                draw(RUNS), draw(RUNS)))
        else:
            lines.append("  drivers: &d")
            lines.extend(draw(driver_entries("    ")))
    return "\n".join(lines) + "\n"


HIDDEN_MAGG = st.sampled_from([
    '"m\\x61gg": {grace_period: 11}\n', "'magg': {grace_period: 12}\n",
    "? magg\n: {grace_period: 13}\n", "!!str magg: {grace_period: 14}\n",
    "&k magg: {grace_period: 15}\n", "magg : {grace_period: 16}\n",
    "<<: {magg: {grace_period: 17}}\n", '? "ma\\\n  gg"\n: {grace_period: 18}\n',
    "magg:\t{grace_period: 19}\n", "magg:{grace_period: 20}\n"])


# -- every other section ----------------------------------------------------------

# Bodies the fast read can prove harmless, and ones it should not trust.
CLEAN_BODIES = st.sampled_from([
    " value\n", "\n  a: 1\n  b: [1, 2]\n", " 'single ''quoted'' with \"dq\" inside'\n",
    ' "double \\" escaped"\n', " |\n  magg: {grace_period: 5}\n  text\n",
    " >\n  folded \"quote\n\n", "\n- a\n- \"b\"\n", " &a {grace_period: 7}\n", " &b 3\n",
    " *a\n", " # comment with 'quote' \"x\"\n  x: 1\n", " !!str tagged\n",
    "\n  q: 'sum(rate(x{job=\"a\"}[5m])) by (le)'\n", "\n  <<: {x: 1}\n  y: 2\n",
    ' "m\\x61gg"\n', " plain words 'here\n", " plain\n  continued\n", " {a: 1, b: c}\n",
    "\n  k: v\n  k: w\n", " x # {\n", "\n  ? x\n  : y\n", "\n  - name: m1\n    query: up\n",
    "\n  url: http://prom:9090  # the \"server\"\n", "\n  a: {x: 1}\n  b: ['c', \"d\"]\n",
    " [{name: m1, query: \"rate(x{a=\\\"b\\\"}[5m])\"}, {name: m2}]\n",
    " {\"k\": 'v', w: [1, 'x'], \"y\": {z: \"]\"}}\n"])
TRICKY_BODIES = st.sampled_from([
    ' "multi\nmagg: {grace_period: 9}\n  end"\n', " 'multi\nmagg: {grace_period: 8}'\n",
    " [1,\nmagg: {grace_period: 7}]\n", " {a: 1,\nmagg: {grace_period: 6}}\n",
    "\n- a\n- \"b\"\n- 'c\nmagg: 4'\n", " [a, b\n  , c]\n", " {a: [1, 2]}\n",
    "\n  q: \"line\\\n  continued\"\n", " [\"x\", 'y']\n", " 2001-02-30\n",
    " !!int twelve\n", " 'unclosed\n", " [unclosed\n", "\n\tx: 1\n", " a\tb\n",
    "\n  - [x,\nmagg: {grace_period: 3}]\n", " \"a\" \"b\nmagg: 1\"\n", " ]\n",
    " &a,\"b\nmagg: {grace_period: 2}\"\n", " [a]\"b\nmagg: 1\"\n",
    " 'a''\nmagg: 1'\n", ' "a\\"\nmagg: 1"\n', " !t'x \"y\nmagg: 1\"\n",
    " &a\n  \"x\nmagg: 1\"\n", " - \"x\nmagg: 1\"\n", ' [a "b, [", c]\nmagg: 1"]]\n',
    " [a:\"b, [\", c]\nmagg: 1\"]]\n", " [[[1]]]\n", " [a, 'b\nmagg: 2']\n",
    " {a: [1, {b: 2}]}\n", " [x, #c\nmagg: 1]\n"])
OTHER_NAMES = st.sampled_from(["prom", "vegeta", "exec", "maggie", "magg_x", "x.magg",
                               "m", "1", "measure-prom"])


@st.composite
def other_sections(draw, bodies):
    return "%s:%s" % (draw(OTHER_NAMES), draw(bodies))


ODD_CHARACTERS = st.sampled_from(list("'\"[]{}#:\t\r\n-?&*!|>%@ ,") + [
    "\r\n", "\x85", "\u2028", "\u2029", "\ufeff", "\\", "\x00", "---\n", "...\n",
    "magg:", "\nmagg: 1\n"])


PIECES = {"magg": magg_sections(), "clean": other_sections(CLEAN_BODIES),
          "tricky": other_sections(TRICKY_BODIES), "hidden": HIDDEN_MAGG}


def split_at_a_key(text):
    """(text up to the next line that starts with a letter, digit or _; the rest)."""
    match = re.search(r"\n[A-Za-z0-9_]", text)
    return (text[:match.start() + 1], text[match.start() + 1:]) if match else (text, "")


@st.composite
def config_files(draw):
    """(the file's bytes, the same file without its magg sections)."""
    others = st.lists(st.sampled_from(["clean"] * 3 + ["tricky"]), max_size=3)
    kinds = draw(others) + (["magg"] if draw(st.integers(0, 4)) else []) + draw(others)
    if draw(st.integers(0, 5)) == 0:
        kinds.insert(draw(st.integers(0, len(kinds))), draw(st.sampled_from(["magg", "hidden"])))
    pieces = [draw(PIECES[kind]) for kind in kinds]
    if draw(st.integers(0, 4)) == 0 and "hidden" not in kinds and pieces:
        index = draw(st.integers(0, len(pieces) - 1))
        # Not inside a magg key: the piece would no longer be a magg section.
        at = draw(st.integers(5 if kinds[index] == "magg" else 0, len(pieces[index])))
        pieces[index] = pieces[index][:at] + draw(ODD_CHARACTERS) + pieces[index][at:]
        if kinds[index] == "magg":
            # A line break it added may start a new top-level key: from there
            # on, the text is not the magg section's, and neither are its errors.
            magg, rest = split_at_a_key(pieces[index])
            pieces[index:index + 1] = [magg, rest]
            kinds[index:index + 1] = ["magg", "clean"]
    pieces = [(text, kind in ("magg", "hidden")) for text, kind in zip(pieces, kinds)]
    head = draw(st.sampled_from([""] * 6 + ["---\n", "--- # doc\n", "%YAML 1.1\n---\n",
                                 "# header 'comment\n\n", "  \n", "\ufeff"]))
    tail = draw(st.sampled_from([""] * 6 + ["...\n", "---\nb: 1\n", "# end\n", "\n\n"]))
    ends = draw(st.sampled_from(["\n", "\n", "\r\n", "mixed"]))
    encode = draw(st.sampled_from(["utf-8", "utf-8", "utf-8-sig", "utf-16"]))

    def file_of(chosen):
        text = head + "".join(chosen) + tail
        if ends == "\r\n":
            text = text.replace("\n", "\r\n")
        elif ends == "mixed":
            text = "\r\n".join(text.split("\n", 2)[:2] + text.split("\n", 2)[2:3])
        return text.encode(encode, "surrogatepass")

    return (file_of([text for text, _ in pieces]),
            file_of([text for text, is_magg in pieces if not is_magg]))


# A `magg:` line that is text inside another section's value: rule 4's cases.
# (how the value starts, how it ends, whether it is left open inside a flow or a quote)
VALUES_LEFT_OPEN = st.sampled_from([
    ("'", "'", "quote"), ('"', '"', "quote"), ("'it''s ", "'", "quote"),
    ('"a \\" ', '"', "quote"), ('"joined \\', '"', "quote"), ("[a, '", "']", "quote"),
    ('[a, "b', '"]', "quote"), ('[a "b, [', '"]]', "quote"), ("['x', \"y", '"]', "quote"),
    ("&x '", "'", "quote"), ('!!str "', '"', "quote"), ("\n  - \"", '"', "quote"),
    ("\n  '", "'", "quote"), ("'a'' ''", "'", "quote"), ('[a:"b, [", c]', '"]]', "quote"),
    ('[a"b, {', '"}]', "quote"), ("[", "]", "flow"), ("{", "}", "flow"), ("[[", "]]", "flow"),
    ("{a: [", "]}", "flow"), ('{"k": "v", w: [', "]}", "flow"), ("[x, # c ]", "]", "flow"),
    ("{a: 1, #}", "}", "flow"), ("[!t]", "]", "flow"), ("[a, !!str]", "]", "flow"),
    ("[x, #c", "]", "flow"), ('[a:"b #", c]', "]", "flow")])
INSIDE = {"quote": st.sampled_from(["magg: {grace_period: 9}", "magg:", "  grace_period: 8",
                                    "x: 1", "", "# c", "- y", "  drivers: {old: {run: never}}"]),
          # `magg: 5` parses alone, and in a flow goes on as "5 end" on the next line.
          "flow": st.sampled_from(["magg: {grace_period: 9},", "magg: 1,", "x: 1,", "",
                                   "# c", "  drivers: {old: {run: never}},", "magg: 5"])}


@st.composite
def magg_inside_a_value(draw):
    """(bytes, a file that fails): a `magg:` line inside another section's value."""
    before = "".join(draw(st.lists(other_sections(CLEAN_BODIES), max_size=2)))
    opener, closer, kind = draw(VALUES_LEFT_OPEN)
    inside = draw(st.lists(INSIDE[kind], min_size=1, max_size=4))
    # The value ends on a line that looks like a key: the block would end
    # before it and parse alone, so only rule 4 can tell.
    text = "%sprom: %s\n%s\n%s%s\n" % (before, opener, "\n".join(inside),
                                        draw(st.sampled_from(["x: 1", "end", "y: "])), closer)
    after = "".join(draw(st.lists(other_sections(CLEAN_BODIES), max_size=2)))
    if draw(st.booleans()):
        after += draw(magg_sections())
    return (text + after).encode("utf-8"), b"\x00"    # only a full parse's settings count


def outcome(read, *args):
    try:
        return read(*args)
    except MaggError as err:
        assert err.reason == "config", err.message
        return err.message


def full_parse(raw):
    data, start = as_utf8(raw, "config.yaml")
    return outcome(parse_config, data[start:].decode("utf-8", "replace"), "config.yaml")


def fast_read(raw):
    data, start = as_utf8(raw, "config.yaml")
    return outcome(read_config, data, start, "config.yaml")


@SETTINGS
@given(config_files())
def test_the_fast_read_gives_what_a_full_parse_gives(files):
    raw, without_magg = files
    try:
        as_utf8(raw, "config.yaml")
    except MaggError:           # UTF-16 without a BOM, say: refused before either read
        event("refused by its encoding")
        return
    full, fast = full_parse(raw), fast_read(raw)
    event("full parse: %s" % ("settings" if not isinstance(full, str) else
                              "invalid YAML" if "invalid YAML" in full else "error"))
    if not isinstance(full, str):
        assert fast == full
    elif not isinstance(outcome(full_parse, without_magg), str):
        assert fast == full         # the magg section is what is wrong: the same error


@SETTINGS
@given(magg_inside_a_value())
def test_a_magg_line_inside_another_section_s_value_is_read_as_a_full_parse_reads_it(files):
    test_the_fast_read_gives_what_a_full_parse_gives.hypothesis.inner_test(files)
