"""vrgraph: a violence-reduction strategy as a knowledge graph.

The pipeline is the layout, each stage importing only those before it:
``source`` (read the document) -> ``curation`` (steward's files) -> ``build`` (RDF graph)
-> ``store`` (strict loading into Oxigraph) -> ``reason`` (materialise entailments)
-> ``validate`` (SHACL) / ``query`` (canned SPARQL) -> ``report``, ``publish``, ``serve``.
``pipeline`` strings the stages together for the CLI (``cli``).
"""

__version__ = "0.1.0"
