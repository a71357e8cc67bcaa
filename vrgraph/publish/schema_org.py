"""schema.org ``Dataset`` JSON-LD for the release's index page: what Google's Dataset Search
and other harvesters read (https://developers.google.com/search/docs/appearance/structured-data/dataset).

Made from the DCAT catalogue (one source of truth: the same titles, downloads and licence)
and the release settings: name, description, licence, creator and publisher, keywords,
version, spatial and temporal coverage, each download as a ``DataDownload`` (``contentUrl``,
``encodingFormat``) and the SPARQL endpoint. Spec: https://schema.org/Dataset
"""

from __future__ import annotations

import json
from typing import Any

from rdflib import Graph, URIRef
from rdflib.namespace import DCAT, DCTERMS

from .release import Release

_IANA = "http://www.iana.org/assignments/media-types/"


def dataset(cat: Graph, base: str, release: Release) -> bytes:
    """The graph dataset of catalogue ``cat`` as schema.org JSON-LD (sorted keys, stable)."""
    node = URIRef(base + "id/dataset/graph")
    publisher: dict[str, Any] = {
        "@type": "Organization", "@id": base + "id/agency/" + release.publisher,
        "name": release.publisher_name, "url": release.contact_url}
    contact = {"@type": "ContactPoint", "contactType": "data publisher",
               "name": release.contact_name, "url": release.contact_url}
    if release.contact_email:
        contact["email"] = release.contact_email
    publisher["contactPoint"] = contact
    downloads: list[dict[str, str]] = []
    for dist in sorted(cat.objects(node, DCAT.distribution), key=str):
        url = cat.value(dist, DCAT.downloadURL) or cat.value(dist, DCAT.accessURL)
        media = str(cat.value(dist, DCAT.mediaType) or "")
        if url is None:
            continue
        downloads.append({"@type": "DataDownload", "name": str(cat.value(dist, DCTERMS.title)),
                          "contentUrl": str(url),
                          "encodingFormat": media.removeprefix(_IANA)})
    service = URIRef(base + "id/service/sparql")
    endpoint = cat.value(service, DCAT.endpointURL)
    data: dict[str, Any] = {
        "@context": {"@vocab": "https://schema.org/"},  # inline: no page fetches a context
        "@type": "Dataset",
        "@id": str(node),
        "name": release.title,
        "description": release.description,
        "url": str(cat.value(node, DCAT.landingPage) or base),
        "identifier": str(node),
        "version": release.version,
        "datePublished": release.release,
        "inLanguage": "en",
        "isAccessibleForFree": True,
        "keywords": list(release.keywords),
        "license": release.licence,
        "creator": publisher,
        "publisher": publisher,
        "spatialCoverage": {"@type": "Place", "@id": release.spatial,
                            "name": release.spatial_label},
        "temporalCoverage": f"{release.temporal_start}/{release.temporal_end}",
        "distribution": downloads,
    }
    if endpoint is not None:
        data["potentialAction"] = {
            "@type": "SearchAction", "name": "SPARQL 1.1 endpoint",
            "target": {"@type": "EntryPoint", "urlTemplate": str(endpoint) + "{?query}",
                       "encodingType": "application/sparql-query"},
            "query-input": "required name=query"}
    return json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8")
