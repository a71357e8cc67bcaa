"""A remote SPARQL store: query it over the SPARQL 1.1 Protocol and fill it over the Graph
Store HTTP Protocol. A late stage, beside ``serve``: it uses ``store``, ``reason`` and
``query`` and nothing after them. Standard library HTTP (``urllib``) only.

Specs: https://www.w3.org/TR/sparql11-protocol/ (queries: POST, URL-encoded ``query`` and
``default-graph-uri``), https://www.w3.org/TR/sparql11-http-rdf-update/ (push: ``PUT`` to
``?default`` or ``?graph=IRI``), https://www.w3.org/TR/sparql11-results-json/ (answers).

- :mod:`.client`: HTTP, its time budget, authentication (:func:`~.client.credentials`) and
  errors (:class:`~.client.EndpointError`, :class:`~.client.IncompleteAnswer`);
- :mod:`.bind`: parameters bound as typed terms in the query text (:func:`~.bind.bind_remote`);
- :mod:`.endpoint`: :class:`~.endpoint.RemoteStore`, a query endpoint that answers like
  ``pyoxigraph.Store`` (:func:`~.endpoint.remote_store` makes one);
- :mod:`.push`: a graph written to a Graph Store endpoint (:func:`~.push.push`).

The endpoint is expected to hold the *reasoned* graph, as ``vrgraph push`` writes it by
default (asserted triples, the ontology and what ``vrgraph.reason`` infers, in one graph), so
that a canned query gives the same rows remotely as embedded (``tests/test_remote.py``
checks every canned query against an Oxigraph server).

How ``vrgraph.cli`` uses it (this package imports nothing from ``cli``):

* ``vrgraph push`` loads the graph and calls :func:`~.push.push`.
* ``query run``, ``sparql`` and ``report`` take ``--endpoint URL`` (``VRGRAPH_ENDPOINT``) and
  ``--graph IRI`` and use ``remote_store(endpoint, graph)`` instead of the local store. A
  ``RemoteStore`` answers ``query()`` like ``pyoxigraph.Store`` does (solutions, a
  boolean or triples), so ``vrgraph.query.run`` / ``run_canned`` (parameter look-ups
  included), ``report.collect``, ``results.render`` and the ``sparql`` command's CONSTRUCT
  printing work on it unchanged; the report's triple count is ``RemoteStore.count``.
  Its errors are ``VrgraphError`` subclasses (exit 2, one line, no traceback).
* ``validate --endpoint URL`` and ``report --endpoint URL`` validate on the store
  (``vrgraph.remote_validate``: the compiled SHACL checks run there as SPARQL), or where it
  cannot answer, on a copy of its graph fetched home.
* ``--user NAME`` on each of them: :func:`~.client.credentials` (the password from
  ``$VRGRAPH_PASSWORD`` or a prompt; without ``--user``, ``~/.netrc``), sent by HTTP Basic
  or Digest, whichever the store asks for.

Every store the project knows answers every canned query row by row as embedded: an
Oxigraph server and Virtuoso 7.2 (``tests/test_virtuoso.py``; ``docs/virtuoso.md`` lists
what that took). No answer cut by the store (a result cap such as Virtuoso's
``ResultSetMaxRows``) is read as whole: ``IncompleteAnswer``, exit 1.
"""
