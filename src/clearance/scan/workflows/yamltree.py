"""YAML with line numbers, for checks that point at the line they complain about.

Keys and scalars stay the strings written in the file (so `on:` is "on", not YAML 1.1's True).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml


@dataclass(frozen=True)
class Node:
    """A YAML value and the 1-based line it starts on."""

    value: Any  # dict[str, Node] | list[Node] | str
    line: int

    def get(self, key: str) -> Node | None:
        if isinstance(self.value, dict):
            found = self.value.get(key)
            return found if isinstance(found, Node) else None
        return None

    def text(self) -> str:
        """The scalar's text ('' for mappings and sequences)."""
        return self.value if isinstance(self.value, str) else ""

    def items(self) -> list[tuple[str, Node]]:
        return list(self.value.items()) if isinstance(self.value, dict) else []

    def elements(self) -> list[Node]:
        return list(self.value) if isinstance(self.value, list) else []


def _convert(node: yaml.Node) -> Node:
    line = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        mapping: dict[str, Node] = {}
        for key, value in node.value:
            mapping[str(key.value)] = _convert(value)
        return Node(mapping, line)
    if isinstance(node, yaml.SequenceNode):
        return Node([_convert(v) for v in node.value], line)
    return Node(str(node.value), line)


def parse(text: str) -> Node | None:
    """The document's tree, or None for an empty document. Raises yaml.YAMLError."""
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    return None if root is None else _convert(root)
