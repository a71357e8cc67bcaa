"""Shapes files that import other shapes files (``owl:imports``), followed.

SHACL 3.1 (https://www.w3.org/TR/shacl/#shapes-graph): "SHACL processors SHOULD follow
owl:imports". vrgraph follows an import that names a local file, by a path relative to the
importing file (``owl:imports <common.ttl>``, which Turtle resolves against the file's own
IRI) or a ``file:`` IRI, reading each through the same bounded reader as every RDF file
(:func:`vrgraph.store.parse_file`), each file once (a cycle ends where it closes). An
import of a resource the shapes graph already describes (SHACL-SPARQL's
``sh:prefixes/owl:imports*/sh:declare`` links prefix declarations so, and a file may import
its own ontology IRI) needs nothing read. Any other import (``http:``, ``https:``,
``urn:``) is refused: vrgraph never reaches the network, and validating against a part of
the shapes without saying so would be worse; ``vrgraph validate --skip-remote-imports``
leaves such imports out, on the user's word (the W3C SHACL-SPARQL test ``validator-001``
imports the DASH vocabulary from the network, and needs nothing of it).
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlparse

import pyoxigraph as ox
from rdflib import Graph, URIRef

from .. import store as st
from ..errors import InputError

OWL_IMPORTS = ox.NamedNode("http://www.w3.org/2002/07/owl#imports")
MAX_FILES = 256  # imported files in all: a budget like every reader's


def _local(iri: str) -> Path | None:
    """The local file an import names, or None."""
    parsed = urlparse(iri)
    if parsed.scheme != "file" or parsed.netloc not in ("", "localhost"):
        return None
    return Path(unquote(parsed.path))


def read_shapes(files: list[Path], skip_remote: bool = False) -> Graph:
    """``files`` and every local file they import, transitively, as one rdflib graph (each
    literal as written); an :class:`InputError` names the importing file of a bad import.
    With ``skip_remote``, an import of anything but a local file is left out."""
    g = Graph()
    seen: set[Path] = set()
    elsewhere: list[tuple[str, str]] = []  # (IRI, importing file) of imports not local
    queue: list[tuple[Path, str | None]] = [(path, None) for path in files]
    while queue:
        path, importer = queue.pop(0)
        display, why = str(path), f" (imported by {importer})" if importer else ""
        key = path.resolve()
        if key in seen:
            continue
        seen.add(key)
        if len(seen) > MAX_FILES:
            raise InputError(f"{display}{why}: more than {MAX_FILES} shapes files imported in "
                             f"all; is an import generated?")
        if not key.is_file():
            raise InputError(f"{display}: no such shapes file{why}")
        try:
            quads = st.parse_file(path, display)
        except InputError as err:
            raise InputError(f"{err}{why}") from None
        for q in quads:
            g.add((st.to_rdflib(q.subject), st.to_rdflib(q.predicate), st.to_rdflib(q.object)))
        for q in quads:
            if q.predicate == OWL_IMPORTS:
                if not isinstance(q.object, ox.NamedNode):
                    raise InputError(f"{display}: owl:imports needs an IRI, not {q.object}")
                target = _local(q.object.value)
                if target is None:
                    elsewhere.append((q.object.value, display))
                else:
                    queue.append((target, display))
    for iri, importer in elsewhere:
        if not skip_remote and (URIRef(iri), None, None) not in g:
            raise InputError(
                f"{importer}: owl:imports <{iri}>: only local files are followed (a path "
                f"relative to the importing file, or a file: IRI), never the network; save "
                f"the shapes beside it and import them by their path, or give them with "
                f"another --shapes (or leave it out with --skip-remote-imports)")
    return g
