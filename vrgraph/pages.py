"""The Jinja2 environment every HTML page is rendered with (``vrgraph/templates/``).

Autoescaping is on for every template, so each value reaches a page escaped by MarkupSafe;
a variable that a template names and the caller did not give is an error, not an empty
string. Two filters serve the static site: ``rel`` (a relative link between two pages of a
release, so the site works opened from disk and from any static host) and ``ld_json``
(JSON-LD to embed in a ``<script>`` element, where no value can close the element).
"""

from __future__ import annotations

import functools
import hashlib
import io
import posixpath
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import jinja2
from jinja2 import BaseLoader, BytecodeCache, Environment, PackageLoader, StrictUndefined
from jinja2.bccache import Bucket
from markupsafe import Markup

from . import atomic


def rel(target: str, current: str) -> str:
    """The relative link from the page ``current`` to ``target`` (both release paths; the
    target may carry a ``#fragment``)."""
    base = posixpath.dirname(current) or "."
    target, hash_, anchor = target.partition("#")
    if not target:
        return hash_ + anchor
    return posixpath.relpath(target, base) + hash_ + anchor


def ld_json(data: bytes) -> Markup:
    """JSON text safe inside ``<script>``: ``<``, ``>`` and ``&`` become JSON unicode escapes
    (the element's content is not HTML-decoded, so HTML escaping would corrupt it)."""
    text = data.decode("utf-8").strip()
    return Markup(text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e"))


@dataclass(frozen=True)
class PageTerm:
    """One RDF term as a page shows it (``terms.html`` renders it): plain ``text``, a link
    (``href``, with a CSS class), ``code``, or a ``group`` of terms (an RDF list, a SHACL
    path, a blank node) written ``open`` + parts joined by ``sep`` + ``close``."""

    kind: Literal["text", "link", "code", "group"]
    text: str = ""
    href: str = ""
    cls: str = ""
    parts: tuple[PageTerm, ...] = ()
    open: str = ""
    sep: str = ""
    close: str = ""

    @staticmethod
    def link(target: str, current: str, text: str, cls: str = "") -> PageTerm:
        """A link within the release, from the page ``current``."""
        return PageTerm("link", text, rel(target, current), cls)

    @staticmethod
    def external(iri: str, text: str) -> PageTerm:
        """A link out of the release (http(s) only; anything else is shown as code)."""
        if iri.startswith(("http://", "https://")):
            return PageTerm("link", text, iri, "ext")
        return PageTerm("code", text)

    @staticmethod
    def group(parts: list[PageTerm], open: str = "", sep: str = " ", close: str = ""
              ) -> PageTerm:
        return PageTerm("group", parts=tuple(parts), open=open, sep=sep, close=close)


TEMPLATES = Environment(loader=PackageLoader("vrgraph", "templates"), autoescape=True,
                        undefined=StrictUndefined, keep_trailing_newline=True)
TEMPLATES.filters.update(rel=rel, ld_json=ld_json)


class _Compiled(BytecodeCache):
    """The templates compiled to Python code, kept in ``folder`` between runs (compiling
    the report's takes 0.1 to 0.2 s, rendering it 0.04 s). Jinja2 compares each kept
    template's source checksum and its own bytecode format, and compiles a changed one
    again; the file name carries Jinja2's version and a hash of this module (the
    environment's settings, such as autoescaping, are compiled into the code). Best
    effort: a folder that cannot be read or written keeps nothing."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def _path(self, bucket: Bucket) -> Path:
        return self.folder / f"template-{jinja2.__version__}-{_settings()}-{bucket.key}.cache"

    def load_bytecode(self, bucket: Bucket) -> None:
        try:
            data = self._path(bucket).read_bytes()
        except OSError:
            return
        bucket.bytecode_from_string(data)

    def dump_bytecode(self, bucket: Bucket) -> None:
        out = io.BytesIO()
        bucket.write_bytecode(out)
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            atomic.write_file(self._path(bucket), out.getvalue())
        except OSError:
            pass


@functools.cache
def _settings() -> str:
    return hashlib.blake2b(Path(__file__).read_bytes(), digest_size=8).hexdigest()


@contextmanager
def compiled_in(folder: Path | None) -> Iterator[None]:
    """Within the block, keep the templates compiled in ``folder`` between runs (None:
    compile them at every start)."""
    before = TEMPLATES.bytecode_cache
    TEMPLATES.bytecode_cache = _Compiled(folder) if folder is not None else None
    try:
        yield
    finally:
        TEMPLATES.bytecode_cache = before


def render(name: str, **values: Any) -> str:
    """The template ``name`` rendered with ``values``."""
    return TEMPLATES.get_template(name).render(**values)


def raw(name: str) -> Markup:
    """A template file's text as is (a style sheet to inline or to ship)."""
    loader = TEMPLATES.loader
    assert isinstance(loader, BaseLoader)
    return Markup(loader.get_source(TEMPLATES, name)[0])
