"""The release settings of ``vrgraph publish``, read from ``release.yaml``.

One place for the release date, version, title, publisher, contact and coverage of a release,
so that no date comes from the clock and a steward edits data, not code.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .. import bounds
from ..errors import InputError

SETTINGS = Path(__file__).with_name("release.yaml")
_YEAR = re.compile(r"^[0-9]{4}$")


@dataclass(frozen=True)
class Release:
    """What the catalogue says about one release (see ``release.yaml``)."""

    release: str                      # YYYY-MM-DD: dct:issued and dct:modified
    version: str
    title: str
    description: str
    keywords: tuple[str, ...]
    themes: tuple[tuple[str, str], ...]   # (EU data-theme code, label)
    publisher: str                    # agency id in the graph
    publisher_name: str
    publisher_type: str
    publisher_type_label: str
    contact_name: str
    contact_url: str
    spatial: str
    spatial_label: str
    temporal_start: str               # YYYY
    temporal_end: str                 # YYYY
    licence: str
    licence_title: str
    licence_type: str
    licence_type_label: str
    settings: str = "vrgraph/publish/release.yaml"  # the file read, as messages name it
    contact_email: str = ""           # the contact point's address (vcard:hasEmail)


def read_settings(path: Path, what: str) -> tuple[str, dict[str, Any]]:
    """A settings file (``what`` it holds): how errors name it (the package's own file by
    its name, a steward's by its path) and its YAML mapping; or an :class:`InputError`."""
    where = path.name if path.parent == SETTINGS.parent else str(path)
    text = bounds.read_text(path, where, bounds.TEXT_BYTES, InputError, what)
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as err:
        raise InputError(f"{where}: malformed YAML: {err}") from None
    except ValueError as err:  # a date that does not exist (2026-13-01), an endless number
        raise InputError(f"{where}: malformed YAML: a value cannot be read ({err}); put it in "
                         f"quotes") from None
    if not isinstance(raw, dict):
        raise InputError(f"{where}: expected a mapping of settings")
    return where, raw


def load(path: Path = SETTINGS) -> Release:
    """Read and check the release settings; raise :class:`InputError` naming the field."""
    where, raw = read_settings(path, "the release settings")

    def text(key: str, data: dict[str, Any] = raw) -> str:
        value = data.get(key)
        if value is None or str(value).strip() == "":
            raise InputError(f"{where}: setting '{key}' is missing or empty")
        return str(value).strip()

    release = raw.get("release")
    if isinstance(release, dt.date):
        release = release.isoformat()
    try:
        dt.date.fromisoformat(str(release))
    except ValueError:
        raise InputError(f"{where}: 'release' must be a date YYYY-MM-DD, not {release!r}") from None
    contact = raw.get("contact")
    temporal = raw.get("temporal")
    themes = raw.get("themes")
    keywords = raw.get("keywords")
    if not isinstance(contact, dict) or not isinstance(temporal, dict):
        raise InputError(f"{where}: 'contact' and 'temporal' must be mappings")
    if not isinstance(themes, dict) or not themes:
        raise InputError(f"{where}: 'themes' must map EU data-theme codes to labels")
    if not isinstance(keywords, list) or not keywords:
        raise InputError(f"{where}: 'keywords' must be a list of words")
    for key in ("start", "end"):
        if not _YEAR.match(str(temporal.get(key, ""))):
            raise InputError(f"{where}: 'temporal.{key}' must be a year YYYY")
    for key in ("spatial", "licence"):
        if not re.match(r"^https?://\S+$", text(key)):
            raise InputError(f"{where}: '{key}' must be an http(s) IRI")
    if not re.match(r"^https?://\S+$", text("url", contact)):
        raise InputError(f"{where}: 'contact.url' must be an http(s) IRI")
    email = str(contact.get("email") or "").strip()
    if email and not re.match(r"^[^@\s:/]+@[^@\s:/]+\.[^@\s:/]+$", email):
        raise InputError(f"{where}: 'contact.email' must be an address such as name@example.org, "
                         f"not {email!r}")
    return Release(
        release=str(release), version=text("version"), title=text("title"),
        description=text("description"),
        keywords=tuple(sorted(str(k).strip() for k in keywords)),
        themes=tuple(sorted((str(k), str(v)) for k, v in themes.items())),
        publisher=text("publisher"), publisher_name=text("publisher_name"),
        publisher_type=text("publisher_type"), publisher_type_label=text("publisher_type_label"),
        contact_name=text("name", contact), contact_url=text("url", contact),
        spatial=text("spatial"), spatial_label=text("spatial_label"),
        temporal_start=str(temporal["start"]), temporal_end=str(temporal["end"]),
        licence=text("licence"), licence_title=text("licence_title"),
        licence_type=text("licence_type"), licence_type_label=text("licence_type_label"),
        settings="vrgraph/publish/release.yaml" if path == SETTINGS else str(path),
        contact_email=email,
    )
