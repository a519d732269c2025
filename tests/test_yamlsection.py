"""yamlsection.find: the `magg` block of config.yaml's bytes, or ABSENT, or None (unsure).

Each rule of the proof has examples here: what it lets through, and what
makes it say "unsure" (the whole file is then parsed, so being unsure is
never wrong, only slower). test_config_properties.py checks the whole
against PyYAML on generated files.
"""

import time

import pytest

from app.yamlsection import ABSENT, Block, anchored_elsewhere, find, line_of

PROM = b"prom:\n  url: http://prom:9090\n  q: 'sum(rate(x{job=\"a\"}[5m]))'\n"
MAGG = b"magg:\n  grace_period: 5\n"


def block_text(data, start=0):
    found = find(data, start)
    assert isinstance(found, Block), found
    return data[found.begin:found.end], line_of(data, start, found.begin)


# -- ABSENT: no top-level key can be magg ------------------------------------------

@pytest.mark.parametrize("data", [
    b"", b"prom: {}\n", b"prom: [unclosed\n", b"[1, 2]\n", b"# magg\n# is not set\n",
    b"---\n# magg\n", b"prom:\n  magg: 1\n", b"prom: {magg: 1}\n", b"maggie: 1\nxmagg: 2\n",
    b"prom:\n  - magg: 1\n", b"prom: 'magg: 1'\n",
])
def test_files_without_a_top_level_magg_key_are_absent(data):
    assert find(data) is ABSENT


@pytest.mark.parametrize("data", [
    b'"m\\x61gg": {}\n', b'"\\x6dagg": {}\n', b'"ma\\u0067g": {}\n', b'"\\U0000006Dagg": 1\n',
    b'? "ma\\\n  gg"\n: 1\n', b'? "ma\\\r\n  gg"\r\n: 1\r\n',
])
def test_escapes_that_could_spell_magg_are_not_absent(data):
    assert find(data) is None


# -- Block: the magg block, and the line it starts on ------------------------------

def test_the_block_at_the_start_runs_to_the_next_key():
    assert block_text(MAGG + PROM) == (MAGG, 0)


def test_the_block_after_other_sections_keeps_its_line_number():
    assert block_text(PROM + b"\n# settings\n" + MAGG + b"vegeta: 1\n") == (MAGG, 5)


def test_the_block_at_the_end_of_the_file_without_a_final_newline():
    assert block_text(PROM + b"magg: {grace_period: 5}") == (b"magg: {grace_period: 5}", 3)


def test_comments_and_sequences_at_column_0_stay_in_the_block():
    text = b"magg:\n# a comment\n- a\n  \n[x,\n y]\n"
    assert block_text(text + PROM) == (text, 0)


@pytest.mark.parametrize("head", [b"---\n", b"--- # the document\n", b"\n  \n# note\n"])
def test_a_leading_document_start_blank_lines_and_comments_are_fine(head):
    assert block_text(head + MAGG) == (MAGG, head.count(b"\n"))


def test_crlf_line_ends_and_a_utf8_bom_are_fine():
    data = b"\xef\xbb\xbf" + PROM.replace(b"\n", b"\r\n") + b"magg:\r\n  x: 1\r\n"
    assert block_text(data, 3) == (b"magg:\r\n  x: 1\r\n", 3)


@pytest.mark.parametrize("prefix", [
    b"a: 'it''s closed'\n", b'a: "a \\" quote"\n', b"a: [1, 2]\n", b"a: {b: 1}\n",
    b"a: don't\n",
    b"a:\n- 'x'\n- [y]\n", b"a: x{job=\"a\"}[5m]\n", b"a: &x 'y'\n", b"a: !!str \"y\"\n",
    b'a: ["x"]\n', b"a: [[1], {b: c}]\n", b"a: {q: 'it''s', r: \"x]\"}\n",
    b'a: [{name: m1, query: "rate(x{job=\\"a\\"}[5m])"}]\n', b'a: {"k": "v", "w": [1]}\n',
])
def test_quotes_and_flows_that_close_on_their_line_do_not_matter(prefix):
    assert block_text(prefix + MAGG) == (MAGG, prefix.count(b"\n"))


def test_a_long_line_that_only_nearly_closes_is_judged_at_once():
    # Every way of splitting the spaces is the same: no backtracking blow-up.
    line = b"a: [" + b"x,   " * 2000 + b'"y\n'
    start = time.monotonic()
    assert find(line + MAGG) is None
    assert time.monotonic() - start < 1


# -- None: only a full parse can say ---------------------------------------------

@pytest.mark.parametrize("prefix", [
    b"a: 'still\n", b'a: "still\n', b"a: [1,\n", b"a: {b: 1,\n", b"a: 'it''\n",
    b'a: "ends in an escaped quote\\"\n', b'a: "joined \\\n', b"a:\n  - \"x\n",
    b"a: &x \"y\n", b"a: !t \"y\n", b"a: [x # ]\n", b"a: {b: !t]}\n", b"a: [[[1]]]\n",
    b'a: [a "b, [", c]\n', b'a: [a:"b, [", c]\n', b"a: [a, 'b\n", b'a: {x: [1, "y}]\n',
])
def test_a_quote_or_flow_open_at_a_line_end_before_magg_is_unsure(prefix):
    assert find(prefix + MAGG) is None


@pytest.mark.parametrize("prefix", [
    b"a: plain 'quote\n", b"a: x # a 'comment\n", b"a: |\n  'text\n", b"a: 'x: \"y'\n",
])
def test_text_that_only_looks_like_an_open_quote_is_unsure_too(prefix):
    # Being sure would take PyYAML's scanner, which is what the fast read avoids.
    assert find(prefix + MAGG) is None


@pytest.mark.parametrize("line", [
    b'"magg": {}', b"'magg': {}", b"? magg\n: {}", b"!!str magg: {}", b"&k magg: {}",
    b"*k : {}", b"<<: {magg: {}}", b"magg : {}", b"magg:\t{}", b"magg:{}", b"%YAML 1.1",
    b"---", b"...", b"magg: 1\nmagg: 2",
])
def test_a_line_start_that_could_hide_magg_or_start_a_document_is_unsure(line):
    assert find(MAGG + PROM + line + b"\n") is None
    assert find(PROM + line + b"\n") is (None if b"magg" in line else ABSENT)


@pytest.mark.parametrize("data", [
    b"  prom: 1\n  magg: 2\n", b"{prom: 1, magg: 2}\n", b"- magg\n", b"%YAML 1.1\n---\nmagg: 1\n",
    b"--- magg: 1\n", b"---#\nmagg: 1\n", b"\tmagg: 1\n", b'"prom": 1\nmagg: 2\n',
    b"prom #: 1\nmagg: 2\n",
])
def test_a_top_level_that_is_not_a_block_mapping_at_column_0_is_unsure(data):
    assert find(data) is None


@pytest.mark.parametrize("brk", [b"\r", b"\xc2\x85", b"\xe2\x80\xa8", b"\xe2\x80\xa9"])
def test_line_breaks_pyyaml_counts_besides_lf_and_crlf_are_unsure(brk):
    assert find(b"prom: x" + brk + b"magg: {}\n") is None
    assert find(MAGG + b"prom: x" + brk + b"y: 1\n") is None


# -- anchors ------------------------------------------------------------------------

def test_an_anchor_of_the_block_written_elsewhere_is_found():
    data = b"a: &x 1\n" + b"magg: {grace_period: &x 2}\n" + b"b: &y 3\n"
    block = find(data)
    assert anchored_elsewhere(data, 0, block, ["x"])
    assert not anchored_elsewhere(data, 0, block, ["xy", "z"])


# -- where the text starts (past a byte order mark), and the edges of each rule ---------

def test_find_reads_from_start_and_the_default_start_is_0():
    assert find(b"magg: 1\n") == Block(0, 8)
    assert find(b"\xef\xbb\xbfmagg: 1\n", 3) == Block(3, 11)
    # What lies before start is no text: a lone CR there breaks no line, and
    # bytes there are no key.
    assert find(b"\rmagg:\n  a: 1\n", 1) == Block(1, 14)
    assert find(b"xxmagg: 1\n", 2) == Block(2, 10)


def test_crlf_is_no_odd_break_but_a_lone_cr_later_is():
    assert find(b"magg:\r\n  a: 1\r\n") == Block(0, 15)
    assert find(b"magg:\n  a: 1\r  b: 2\n") is None


def test_a_leading_comment_or_document_start_is_skipped_once():
    assert find(b"# c\nmagg: 1\n") == Block(4, 12)
    assert find(b"---\nmagg: 1\n") == Block(4, 12)


def test_an_anchor_counts_only_where_the_text_is_and_only_by_its_whole_name():
    data = b"&a x\nmagg: &a 1\n"
    block = Block(5, len(data))
    assert anchored_elsewhere(data, 5, block, ["a"]) is False
    assert anchored_elsewhere(data, 0, block, ["a"]) is True
    data = b"x: &aB 1\nmagg: &a 2\n"
    assert anchored_elsewhere(data, 0, Block(9, len(data)), ["a"]) is False
    data = b"x: &b 1\nmagg: &a 2\n  y: &b 3\n"
    assert anchored_elsewhere(data, 0, Block(8, len(data)), ["a", "b"]) is True
    assert anchored_elsewhere(data, 0, Block(8, len(data)), []) is False


def test_a_line_number_counts_from_start():
    assert line_of(b"\n\nab\ncd", 2, 5) == 1


# -- the rules as the module builds them at import ------------------------------------

def imported_afresh():
    """app/yamlsection.py run anew, under its own name: its regular expressions
    are built when it is imported (`make mutate` switches a mutant on only
    after the first import, so this is how a change to them is seen)."""
    import importlib.util
    import app.yamlsection
    spec = importlib.util.spec_from_file_location("app.yamlsection", app.yamlsection.__file__)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


CLOSED = [b"a: 'it''s closed'\n", b'a: "a \\" quote"\n', b"a: [1, 2]\n", b"a: {b: 1}\n",
          b"a: don't\n", b"a:\n- 'x'\n- [y]\n", b"a: x{job=\"a\"}[5m]\n", b"a: &x 'y'\n",
          b"a: !!str \"y\"\n", b'a: ["x"]\n', b"a: [[1], {b: c}]\n",
          b"a: {q: 'it''s', r: \"x]\"}\n", b'a: {"k": "v", "w": [1]}\n',
          b'a: [{name: m1, query: "rate(x{job=\\"a\\"}[5m])"}]\n', b"a: [x, 'y']\n",
          b"a: {b: 'c', d: \"e\"}\n", b"a: [ 'x' ,  \"y\" ]\n", b"a: 'x' # it's\n"]
OPEN = [b"a: 'still\n", b'a: "still\n', b"a: [1,\n", b"a: {b: 1,\n", b"a: 'it''\n",
        b'a: "ends in an escaped quote\\"\n', b"a: [x # ]\n", b"a: {b: !t]}\n", b"a: [[[1]]]\n",
        b'a: [a "b, [", c]\n', b"a: [a, 'b\n", b'a: {x: [1, "y}]\n']


def test_a_fresh_import_builds_the_same_rules():
    fresh = imported_afresh()
    for prefix in CLOSED:
        assert fresh.find(prefix + MAGG) == fresh.Block(len(prefix), len(prefix + MAGG)), prefix
    for prefix in OPEN:
        assert fresh.find(prefix + MAGG) is None, prefix
    assert fresh.find(b"prom: x\rmagg: {}\n") is None
    assert fresh.find(b'"m\\x61gg": {}\n') is None
    assert fresh.find(b"# magg\n") == fresh.ABSENT
