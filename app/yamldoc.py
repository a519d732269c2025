"""A YAML document read safely for one section: bounded nesting, no key given twice.

yaml.safe_load keeps the last of two equal keys without a word, so a
driver written twice under magg.drivers, the second time without
`run: never`, would quietly run. load() composes the nodes, looks for a key
given twice in the section (at any depth, and the section itself twice at
the top level) before anything is constructed, then constructs the
document. Keys are compared as the mapping would: `1` and `0x1`, `on` and
`yes` are one key. Keys merged in with `<<` may be overridden, as YAML says.
"""

import collections

Document = collections.namedtuple("Document", "data duplicate anchors")
Document.__doc__ = """data: the document (None when the text holds none, or when a key is
duplicated); duplicate: None or (key path, its line, the line it is given
again), lines from 1; anchors: the anchor names the text defines."""

MERGE = "tag:yaml.org,2002:merge"
STR = "tag:yaml.org,2002:str"


def load(text, section):
    """Document of the YAML text (a str); yaml.YAMLError or ValueError when it is not YAML."""
    loader = bounded_loader()(text)
    try:
        root = loader.get_single_node()
        twice = duplicate(root, section, loader)
        if twice is not None or root is None:
            return Document(None, twice, loader.defined)
        return Document(loader.construct_document(root), None, loader.defined)
    finally:
        loader.dispose()


def bounded_loader():
    """yaml.SafeLoader, refusing collections nested more than MAX_DEPTH levels.

    PyYAML composes nodes recursively: "[" * 100000 would end in a
    RecursionError. Only composition is changed, so it is as safe as
    safe_load. It also notes each anchor it meets (`defined`).
    """
    import yaml
    from yaml.composer import ComposerError
    from app.bounds import MAX_DEPTH

    class BoundedLoader(yaml.SafeLoader):
        depth = 0

        def __init__(self, stream):
            yaml.SafeLoader.__init__(self, stream)
            self.defined = []

        def compose_node(self, parent, index):
            if not self.check_event(yaml.AliasEvent) and self.peek_event().anchor:
                self.defined.append(self.peek_event().anchor)
            nests = self.check_event(yaml.SequenceStartEvent, yaml.MappingStartEvent)
            if nests and self.depth >= MAX_DEPTH:
                raise ComposerError(None, None, "nested more than %d levels deep"
                                    % MAX_DEPTH, self.peek_event().start_mark)
            self.depth += nests
            try:
                return yaml.SafeLoader.compose_node(self, parent, index)
            finally:
                self.depth -= nests

    return BoundedLoader


def duplicate(root, section, loader):
    """(key path, line, line) of the first key given twice in `section`, or None.

    The walk goes through the section's nodes in document order, each node
    once (aliases may share one, or loop back).
    """
    from yaml.nodes import MappingNode, ScalarNode
    if not isinstance(root, MappingNode):
        return None
    tops = [(key, value) for key, value in root.value
            if isinstance(key, ScalarNode) and key.tag == STR and key.value == section]
    if len(tops) > 1:
        return section, _line(tops[0][0]), _line(tops[1][0])
    stack = [(tops[0][1], section)] if tops else []
    seen = set()
    while stack:
        node, where = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, MappingNode):
            twice, children = _mapping(node, where, loader)
            if twice is not None:
                return twice
        elif isinstance(node, ScalarNode):
            children = []
        else:
            children = [(item, "%s[%d]" % (where, i)) for i, item in enumerate(node.value)]
        stack.extend(reversed(children))
    return None


def _mapping(node, where, loader):
    """(the first key given twice in this mapping or None, its children to walk)."""
    from yaml.nodes import ScalarNode
    from app.bounds import short_text
    lines, children = {}, []
    for key, value in node.value:
        if key.tag == MERGE:
            children.append((value, where))
            continue
        if not isinstance(key, ScalarNode):     # unhashable: construction refuses it
            children.append((value, where))
            continue
        name = loader.construct_object(key, deep=True)
        here = "%s.%s" % (where, short_text(key.value))      # as written: `on`, not True
        if name in lines:
            return (here, lines[name], _line(key)), children
        lines[name] = _line(key)
        children.append((value, here))
    return None, children


def _line(node):
    return node.start_mark.line + 1
