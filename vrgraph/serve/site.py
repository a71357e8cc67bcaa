"""The static site of ``vrgraph serve --site DIR``: which file a URL path names, safely.

A path is percent-decoded once, split on ``/`` and refused if a segment is ``.`` or ``..``
or holds a backslash or NUL; the file it names is then resolved with every symlink followed
and refused unless it still lies inside the (resolved) site folder, so neither ``..`` nor a
symlink can reach a file outside it. A folder is served as its ``index.html``.
"""

from __future__ import annotations

import mimetypes
import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, unquote

_TYPES = {".ttl": "text/turtle", ".nt": "application/n-triples", ".nq": "application/n-quads",
          ".trig": "application/trig", ".jsonld": "application/ld+json",
          ".rdf": "application/rdf+xml", ".rq": "application/sparql-query", ".csv": "text/csv",
          ".json": "application/json", ".html": "text/html", ".css": "text/css",
          ".js": "text/javascript", ".svg": "image/svg+xml", ".txt": "text/plain",
          ".md": "text/markdown"}
_NAMES = {"void": "text/turtle", "SHA256SUMS": "text/plain"}  # .well-known/void of a release
_TEXT = ("application/json", "application/ld+json", "application/n-triples",
         "application/n-quads", "application/trig", "application/sparql-query")


@dataclass(frozen=True)
class Found:
    """What a URL path names: a ``file`` to send, or a ``redirect`` (a folder asked for
    without its trailing slash, so that relative links in its index work)."""

    file: Path | None = None
    redirect: str | None = None


def resolve(site: Path, url_path: str) -> Found | None:
    """The file of ``site`` (resolved) that ``url_path`` names, or None if there is none
    or the path would lead outside the site."""
    try:
        relative = unquote(url_path, errors="strict")
    except UnicodeDecodeError:
        return None
    parts = [p for p in relative.split("/") if p]
    if any(p in (".", "..") or "\\" in p or "\0" in p for p in parts):
        return None
    target = _inside(site, site.joinpath(*parts))
    if target is not None and target.is_dir():
        if not url_path.endswith("/"):
            # built from the segments: "/%2Fdoc" is "/doc/", never "//doc/" (another host)
            return Found(redirect=quote("/" + "/".join(parts) + "/" if parts else "/"))
        target = _inside(site, target / "index.html")
    if target is None or not target.is_file():
        return None
    return Found(file=target)


def _inside(root: Path, path: Path) -> Path | None:
    """``path`` with every symlink resolved, or None if that lies outside ``root``."""
    real = Path(os.path.realpath(path))
    return real if real == root or root in real.parents else None


def content_type(path: Path) -> str:
    """The Content-Type to send ``path`` with (RDF and SPARQL types known, text as UTF-8)."""
    media = (_TYPES.get(path.suffix.lower()) or _NAMES.get(path.name)
             or mimetypes.guess_type(path.name)[0] or "application/octet-stream")
    if media.startswith("text/") or media in _TEXT:
        media += "; charset=utf-8"
    return media
