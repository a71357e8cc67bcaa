"""Read one curation file within budgets and check it against its schema.

A file is read as strict UTF-8 (at most :data:`bounds.TEXT_BYTES`), parsed by PyYAML's safe
loader with its nesting and its aliases bounded (a "billion laughs" of aliases is refused
before anything is built), then checked against its JSON Schema in
``schema.yaml`` (https://json-schema.org/draft/2020-12). Every value keeps the
line it was written on, so that each error reads ``FILE:LINE: field: what is wrong``.
"""

from __future__ import annotations

import datetime
import functools
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from .. import bounds
from ..errors import CurationError, located

#: How deep the mappings and lists of a curation file may nest.
DEPTH = 20
#: How many values a curation file may hold once its aliases are expanded.
NODES = 200_000

Key = tuple[str | int, ...]
_TYPES = {"string": "text", "integer": "a whole number", "array": "a list",
          "object": "a mapping", "number": "a number", "boolean": "true or false"}


@dataclass
class Read:
    """A curation file's data, and the line of every value and key in it by path."""

    data: Any
    lines: dict[Key, int]
    display: str

    def line(self, path: Key) -> int:
        """The line of the value at ``path``, or of the nearest value holding it."""
        while path not in self.lines and path:
            path = path[:-1]
        return self.lines.get(path, 1)


def read(path: Path, display: str, schema: str) -> Read:
    """Read ``path`` and check it against the schema of file ``schema``."""
    if not path.exists():
        raise CurationError(f"{display}: curation file is missing")
    text = bounds.read_text(path, display, bounds.TEXT_BYTES, CurationError)
    node = _compose(text, display)
    lines: dict[Key, int] = {}
    data = _build(node, (), lines, display, yaml.SafeLoader("")) if node is not None else None
    got = Read(data, lines, display)
    _check(got, schema)
    return got


def _yaml_error(err: yaml.YAMLError, display: str) -> CurationError:
    mark = getattr(err, "problem_mark", None)
    problem = getattr(err, "problem", None) or str(err).splitlines()[0]
    return CurationError(located(display, mark.line + 1 if mark else None,
                                 f"malformed YAML: {problem}",
                                 mark.column + 1 if mark else None))


class _Loader(yaml.SafeLoader):
    """PyYAML's safe loader, composing with its depth and its number of aliases bounded."""

    def __init__(self, text: str, display: str) -> None:
        super().__init__(text)
        self.display, self.depth, self.aliases = display, 0, 0

    def refuse(self, message: str) -> CurationError:
        # types-PyYAML leaves Parser.peek_event unannotated
        mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
        return CurationError(located(self.display, mark.line + 1, f"{message}; refused"))

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        if self.check_event(yaml.AliasEvent):
            self.aliases += 1
            if self.aliases > bounds.YAML_ALIASES:
                raise self.refuse(f"more than {bounds.YAML_ALIASES} YAML aliases (*name)")
        self.depth += 1
        if self.depth > DEPTH:
            raise self.refuse(f"nested deeper than the budget of {DEPTH} levels")
        try:
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


def _compose(text: str, display: str) -> yaml.Node | None:
    """The YAML node tree of ``text``, its depth and aliases bounded while it is composed,
    then its size once expanded."""
    try:
        loader = _Loader(text, display)
        try:
            node = loader.get_single_node()
        finally:
            loader.dispose()
    except yaml.reader.ReaderError as err:
        line = text.count("\n", 0, err.position) + 1
        raise CurationError(located(display, line, f"malformed YAML: character "
                                    f"U+{err.character:04X} is not allowed in YAML")) from None
    except yaml.YAMLError as err:
        raise _yaml_error(err, display) from None
    if node is not None and loader.aliases:
        _expanded(node, {}, (), display)
    return node


def _expanded(node: yaml.Node, sizes: dict[int, int], stack: tuple[int, ...],
              display: str) -> int:
    """How many values ``node`` holds with its aliases expanded; refused over :data:`NODES`."""
    key = id(node)
    if key in sizes:
        return sizes[key]
    if key in stack:
        raise CurationError(located(display, node.start_mark.line + 1,
                                    "a YAML alias refers to the value that holds it; refused"))
    total = 1
    if isinstance(node, yaml.MappingNode):
        children = [n for pair in node.value for n in pair]
    elif isinstance(node, yaml.SequenceNode):
        children = node.value
    else:
        children = []
    for child in children:
        total += _expanded(child, sizes, (*stack, key), display)
        if total > NODES:
            raise CurationError(located(display, node.start_mark.line + 1,
                                        f"YAML aliases expand to more than the budget of "
                                        f"{NODES} values; refused"))
    sizes[key] = total
    return total


def _build(node: yaml.Node, path: Key, lines: dict[Key, int], display: str,
           loader: yaml.SafeLoader) -> Any:
    """Plain Python data from ``node``, recording the line of every value by its path;
    a key that is not text, or given twice, is refused."""
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.SequenceNode):
        return [_build(n, (*path, i), lines, display, loader)
                for i, n in enumerate(node.value)]
    if isinstance(node, yaml.MappingNode):
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = (_scalar(key_node, display, loader) if isinstance(key_node, yaml.ScalarNode)
                   else None)
            where = key_node.start_mark.line + 1
            if not isinstance(key_node, yaml.ScalarNode):
                raise CurationError(located(display, where, "a key must be text, not a list "
                                            "or a mapping"))
            if not isinstance(key, str):
                raise CurationError(located(display, where, f"key {key_node.value!r} must be "
                                            f"text; put it in quotes"))
            if key in out:
                raise CurationError(located(display, where, f"{key}: given twice; keep "
                                            f"one"))
            out[key] = _build(value_node, (*path, key), lines, display, loader)
            lines[(*path, key, "")] = where            # the line of the key itself
        return out
    return _scalar(node, display, loader)


def _scalar(node: yaml.Node, display: str, loader: yaml.SafeLoader) -> Any:
    try:
        return loader.construct_object(node)
    except yaml.YAMLError as err:
        raise _yaml_error(err, display) from None
    except ValueError as err:  # a date that does not exist (2026-13-01), an endless number
        raise CurationError(located(display, node.start_mark.line + 1,
                                    f"malformed YAML: {node.value[:40]!r} cannot be read "
                                    f"({err}); put it in quotes", node.start_mark.column + 1)
                            ) from None


@functools.cache
def _schemas() -> dict[str, Any]:
    text = resources.files(__package__).joinpath("schema.yaml").read_text("utf-8")
    schemas: dict[str, Any] = yaml.safe_load(text)   # the package's own file, a mapping
    return schemas


@functools.cache
def _validator(name: str) -> jsonschema.Draft202012Validator:
    schemas = _schemas()
    return jsonschema.Draft202012Validator({**schemas["files"][name], "$defs": schemas["$defs"]})


def _check(got: Read, name: str) -> None:
    """Raise the first error (by line) of ``got`` against the schema of file ``name``."""
    errors = sorted(_validator(name).iter_errors(got.data),
                    key=lambda e: (got.line(tuple(e.absolute_path)), list(map(str, e.path))))
    if not errors:
        return
    error = errors[0]
    while error.context:                       # oneOf: the branch that went deepest
        closest = max(error.context, key=lambda e: len(e.absolute_path))
        if closest.absolute_path == error.absolute_path and "description" in error.schema:
            break                              # no branch fits this value: say what does
        error = closest
    raise CurationError(_message(got, error))


def _message(got: Read, error: jsonschema.ValidationError) -> str:
    """``FILE:LINE: field: what is wrong`` for one schema error."""
    path = tuple(error.absolute_path)
    # the keyword, its value in the schema, the schema and the instance are set on every
    # error iter_errors gives (jsonschema types them as possibly unset)
    kind, rule = error.validator, error.validator_value
    value: Any = error.instance
    schema = error.schema if isinstance(error.schema, Mapping) else {}
    shown = _show(value)
    line = got.line(path)
    if "propertyNames" in error.absolute_schema_path:      # a key of the mapping at path
        return _at(got, got.line((*path, value, "")), (*path, value),
                   f"{shown} is not {_description(schema)}")
    if kind == "required" and isinstance(rule, list):
        missing = next(p for p in rule if p not in value)
        return _at(got, line, path + (missing,), f"missing; each entry needs {', '.join(rule)}")
    if kind in ("additionalProperties", "unevaluatedProperties"):
        allowed = sorted(schema.get("properties", {}))
        extra = next(k for k in value if k not in allowed)
        fields = f"; the fields are {', '.join(allowed)}" if allowed else ""
        return _at(got, got.line((*path, extra, "")), path + (extra,),
                   f"not a field of this file{fields}")
    if kind == "type" and isinstance(rule, (str, list)):
        wanted = " or ".join(_TYPES.get(t, t) for t in ([rule] if isinstance(rule, str) else rule))
        quotable = isinstance(value, (int, float, datetime.date)) and not isinstance(value, bool)
        hint = "; put it in quotes" if wanted == "text" and quotable else ""
        return _at(got, line, path, f"{shown} is not {wanted}{hint}")
    if kind == "enum" and isinstance(rule, list):
        return _at(got, line, path, f"{shown} is not one of {', '.join(map(str, rule))}")
    if kind in ("pattern", "const", "minimum", "oneOf"):
        return _at(got, line, path, f"{shown} is not {_description(schema)}")
    if kind == "minLength":
        return _at(got, line, path, "is empty")
    if kind == "minItems":
        return _at(got, line, path, "is an empty list")
    if kind == "uniqueItems":
        return _at(got, line, path, f"{shown} repeats an item")
    return _at(got, line, path, error.message)


def _at(got: Read, line: int, path: Key, message: str) -> str:
    field = _field(path)
    return located(got.display, line, f"{field}: {message}" if field else message)


def _field(path: Key) -> str:
    """The field a path ends in, with its list positions: ``source[2]``. A number at the
    start (the entry's position) or a key there (the entry's key) is left to the line."""
    names = [i for i, p in enumerate(path) if isinstance(p, str)]
    if not names:
        return ""
    start = names[-1]
    return str(path[start]) + "".join(f"[{p}]" for p in path[start + 1:])


def _show(value: Any) -> str:
    text = value.isoformat() if isinstance(value, datetime.date) else repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _description(schema: Mapping[str, Any]) -> str:
    if "description" in schema:
        return str(schema["description"])
    ref = schema.get("$ref", "")
    if ref.startswith("#/$defs/"):
        return _description(_schemas()["$defs"][ref.rsplit("/", 1)[1]])
    return f"valid here ({', '.join(f'{k}: {v}' for k, v in schema.items())})"
