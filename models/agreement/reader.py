"""An agreement's bytes to the mapping YAML gives, read with a safe loader and bounded while it reads.

Nothing in the file is ever executed: the safe loader knows no constructor for !!python tags. A
proposal is refused before it costs time or memory: past limits.MAX_BYTES, past MAX_ALIASES alias
uses, or past MAX_NODES nodes once aliases are expanded, counted as each node is composed, so a
"billion laughs" text is refused after 20,000 nodes rather than walked a billion times by whatever
reads the data next. No step of the read recurses once per level of nesting: conditions nested too
deep are refused afterwards, with the rule's id, by limits.shape_problems.
"""

from __future__ import annotations

from typing import Any, cast

import yaml
from yaml.nodes import CollectionNode, MappingNode, ScalarNode, SequenceNode

from features.values import bounded_repr
from models.agreement.errors import AgreementError
from models.agreement.limits import MAX_ALIASES, MAX_BYTES, MAX_MERGE_DEPTH, MAX_NODES

_MAX_MESSAGE = 300  # characters of a YAML error quoted back; its snippet of the file is enough
_SIMPLE_KEY_REACH = 1024  # characters a YAML simple key may span (PyYAML's rule)
Mark = yaml.error.Mark | None


class _Refused(yaml.YAMLError):
    """A YAML text past a limit, with where it passed it."""

    def __init__(self, problem: str, mark: Mark) -> None:
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark is not None else ""
        super().__init__(f"{problem}{where}")


class _StrictLoader(yaml.SafeLoader):
    """The safe loader, composing without recursion, counting nodes and aliases, refusing repeated keys."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._aliases = 0
        self._merges = 0  # merge keys being flattened inside one another
        self._nodes = 0  # composed so far, aliases expanded
        self._sizes: dict[int, int] = {}  # id(node) -> nodes in it, aliases expanded; complete nodes only

    # PyYAML looks at every saved simple-key position on every token, one per open flow collection, so a
    # line of 16,000 brackets took 30 s. Positions are saved oldest first and one goes stale no later than
    # those saved after it, so looking at the oldest is enough.
    def next_possible_simple_key(self) -> int | None:
        for key in self.possible_simple_keys.values():
            return int(key.token_number)
        return None

    def stale_possible_simple_keys(self) -> None:
        keys = self.possible_simple_keys
        while keys:
            level, key = next(iter(keys.items()))
            if key.line == self.line and self.index - key.index <= _SIMPLE_KEY_REACH:
                return
            if key.required:
                raise yaml.scanner.ScannerError("while scanning a simple key", key.mark,
                                                "could not find expected ':'", self.get_mark())
            del keys[level]

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node:
        # PyYAML's composer recurses once per level; this one keeps the open collections on a list. It is
        # called for the document's root only, and this loader has no path resolvers, so the
        # descend_resolver/ascend_resolver calls PyYAML makes around each node would do nothing.
        open_nodes: list[tuple[CollectionNode, list[yaml.Node]]] = []  # with a mapping's pending key
        while True:
            if open_nodes and self.check_event(yaml.SequenceEndEvent, yaml.MappingEndEvent):
                node = self._close(open_nodes.pop()[0])
            else:
                node = self._start_node()
                if isinstance(node, CollectionNode) and id(node) not in self._sizes:
                    open_nodes.append((node, []))  # opened, not an alias of a complete collection
                    continue
            if not open_nodes:
                return node
            _attach(*open_nodes[-1], node)

    def _event(self) -> yaml.Event:
        event: yaml.Event = self.get_event()  # type: ignore[no-untyped-call] # untyped in types-PyYAML
        return event

    def _start_node(self) -> yaml.Node:
        """The next scalar or alias, complete, or the next collection, opened."""
        event = self._event()
        if isinstance(event, yaml.AliasEvent):
            return self._alias(event)
        if not isinstance(event, (yaml.ScalarEvent, yaml.CollectionStartEvent)):
            raise yaml.composer.ComposerError(None, None, f"unexpected {type(event).__name__}", _start(event))
        anchor = event.anchor
        if anchor is not None and anchor in self.anchors:
            raise yaml.composer.ComposerError(f"found duplicate anchor {anchor!r}; first occurrence",
                                              self.anchors[anchor].start_mark, "second occurrence", _start(event))
        node = self._new_node(event)
        self._grow(1, _start(event))
        if anchor is not None:
            self.anchors[anchor] = node
        if isinstance(node, ScalarNode):
            self._sizes[id(node)] = 1
        return node

    def _new_node(self, event: yaml.ScalarEvent | yaml.CollectionStartEvent) -> yaml.Node:
        if isinstance(event, yaml.ScalarEvent):
            tag = self._tag(ScalarNode, event, event.value)
            return ScalarNode(tag, event.value, _start(event), _end(event), style=event.style)
        kind = SequenceNode if isinstance(event, yaml.SequenceStartEvent) else MappingNode
        return kind(self._tag(kind, event, None), [], _start(event), None, flow_style=event.flow_style)

    def _tag(self, kind: type[yaml.Node], event: yaml.ScalarEvent | yaml.CollectionStartEvent,
             value: str | None) -> str:
        if event.tag is not None and event.tag != "!":
            return event.tag
        tag: str = self.resolve(kind, value, event.implicit)  # type: ignore[no-untyped-call] # untyped stub
        return tag

    def _alias(self, event: yaml.AliasEvent) -> yaml.Node:
        self._aliases += 1
        if self._aliases > MAX_ALIASES:
            raise _Refused(f"more than {MAX_ALIASES} aliases (*name); write the values out instead", _start(event))
        node = self.anchors.get(event.anchor)
        if node is None:
            raise yaml.composer.ComposerError(None, None, f"found undefined alias {event.anchor!r}", _start(event))
        size = self._sizes.get(id(node))
        if size is None:  # an anchor still being composed: the value would contain itself
            raise _Refused("an alias refers to a collection it is inside", _start(event))
        self._grow(size, _start(event))
        return node

    def _grow(self, nodes: int, mark: Mark) -> None:
        self._nodes += nodes
        if self._nodes > MAX_NODES:
            raise _Refused(f"more than {MAX_NODES} values once aliases are expanded", mark)

    def _close(self, node: CollectionNode) -> yaml.Node:
        node.end_mark = _end(self._event())
        sizes = self._sizes
        if isinstance(node, MappingNode):
            sizes[id(node)] = 1 + sum(sizes[id(key)] + sizes[id(value)] for key, value in node.value)
        else:
            sizes[id(node)] = 1 + sum(sizes[id(item)] for item in node.value)
        return node

    def flatten_mapping(self, node: MappingNode) -> None:
        # PyYAML flattens merge keys (<<) inside merged mappings recursively
        self._merges += 1
        try:
            if self._merges > MAX_MERGE_DEPTH:
                raise _Refused(f"merge keys (<<) nested more than {MAX_MERGE_DEPTH} levels deep", node.start_mark)
            super().flatten_mapping(node)
        finally:
            self._merges -= 1

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge" or not isinstance(key_node, ScalarNode):
                continue  # a collection as a key is refused by the constructor as unhashable
            key = self.construct_object(key_node, deep=True)
            if not isinstance(key, (str, int, float, bool)):
                continue  # a date or a binary key is refused later by the schema
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"key {bounded_repr(key)} is given twice in one mapping", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def _start(event: yaml.Event) -> Mark:
    return cast(Mark, event.start_mark)  # PyYAML's own parser: never libyaml's marks


def _end(event: yaml.Event) -> Mark:
    return cast(Mark, event.end_mark)


def _attach(parent: CollectionNode, pending: list[yaml.Node], node: yaml.Node) -> None:
    """Add a complete node to the collection being composed: an item, a key, or the value of a key."""
    if isinstance(parent, SequenceNode):
        parent.value.append(node)
    elif pending:
        parent.value.append((pending.pop(), node))
    else:
        pending.append(node)


def read_document(data: bytes, source: str) -> dict[str, Any]:
    """The top-level mapping of an agreement text given as UTF-8 bytes."""
    if len(data) > MAX_BYTES:
        raise AgreementError(f"agreement {source}: {len(data)} bytes; an agreement text holds at most "
                             f"{MAX_BYTES} bytes ({MAX_BYTES // 1024} KiB)")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise AgreementError(f"agreement {source}: not UTF-8 text (byte {exc.start})") from None
    return read_yaml(text, source)


def read_yaml(text: str, source: str) -> dict[str, Any]:
    """The top-level mapping of a YAML text of at most MAX_BYTES."""
    try:
        raw = yaml.load(text, Loader=_StrictLoader)  # noqa: S506 - a SafeLoader subclass
    except (_Refused, yaml.constructor.ConstructorError) as exc:
        # a !!python/object tag ends up here: the safe loader knows no such constructor
        raise AgreementError(f"agreement {source}: refused: {_one_line(exc)}") from None
    except yaml.YAMLError as exc:
        raise AgreementError(f"agreement {source}: not valid YAML: {_one_line(exc)}") from None
    except ValueError as exc:  # a constructor's own refusal: a 5,000-digit integer, a 13th month
        raise AgreementError(f"agreement {source}: refused: a value YAML cannot read: {_one_line(exc)}") from None
    if not isinstance(raw, dict):
        got = "an empty file" if raw is None else type(raw).__name__
        raise AgreementError(f"agreement {source}: expected a mapping at the top level, got {got}")
    return raw


def _one_line(exc: Exception) -> str:
    text = " ".join(str(exc).split())
    return text if len(text) <= _MAX_MESSAGE else text[: _MAX_MESSAGE - 3] + "..."
