"""Small helpers shared by the tests."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any


def values_of(node: Any, key: str) -> Iterator[Any]:
    """Every value under ``key`` anywhere in parsed JSON (``@context``, ``$ref``)."""
    if isinstance(node, dict):
        for k, value in node.items():
            if k == key:
                yield value
            else:
                yield from values_of(value, key)
    elif isinstance(node, list):
        for item in node:
            yield from values_of(item, key)
