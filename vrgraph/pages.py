"""The Jinja2 environment every HTML page is rendered with (``vrgraph/templates/``).

Autoescaping is on for every template, so each value reaches a page escaped by MarkupSafe;
a variable that a template names and the caller did not give is an error, not an empty
string.
"""

from __future__ import annotations

from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

TEMPLATES = Environment(loader=PackageLoader("vrgraph", "templates"), autoescape=True,
                        undefined=StrictUndefined, keep_trailing_newline=True)


def render(name: str, **values: Any) -> str:
    """The template ``name`` rendered with ``values``."""
    return TEMPLATES.get_template(name).render(**values)


def raw(name: str) -> Markup:
    """A template file's text as is (a style sheet to inline)."""
    return Markup(TEMPLATES.loader.get_source(TEMPLATES, name)[0])  # type: ignore[union-attr]
