"""Small text helpers shared by the reader and the builder."""

from __future__ import annotations

import html
import re
import unicodedata

_TAG = re.compile(r"<[^>]+>")
_BREAK_TAG = re.compile(r"<\s*(li|/p|br\s*/?)\s*[^>]*>", re.I)
_LINK = re.compile(r"\[([^\]]*)\]\(([^)]*)\)")
_SPACES = re.compile(r"[ \t\u00a0]+")


def clean(raw: str, keep_breaks: bool = False) -> str:
    """Strip HTML tags, markdown emphasis and link syntax; collapse whitespace.

    With ``keep_breaks`` list items and paragraphs become line breaks, so that a list
    inside a table cell stays readable.
    """
    text = raw.replace("\\_", "_").replace("\\(", "(").replace("\\)", ")")
    if keep_breaks:
        text = _BREAK_TAG.sub("\n", text)
    text = _TAG.sub(" ", text)
    text = _LINK.sub(r"\1", text)
    text = text.replace("**", "")
    text = html.unescape(text)
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    return "\n".join(line for line in lines if line) if keep_breaks else " ".join(
        line for line in lines if line
    )


def slug(text: str) -> str:
    """Lowercase ASCII slug: ``[a-z0-9]+(-[a-z0-9]+)*``."""
    text = re.sub(r"['’]", "", text)
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def normalise(text: str) -> str:
    """Lowercase words only: what two quotations of one principle have in common."""
    return " ".join(re.findall(r"[a-z0-9]+", clean(text).lower()))


def empty_links(raw: str) -> list[str]:
    """Link texts of markdown links whose target is empty or ``#``."""
    return [m.group(1) for m in _LINK.finditer(raw) if m.group(2).strip() in ("", "#")]


def link(raw: str) -> tuple[str, str | None]:
    """The text and target of ``raw`` if it is one markdown link ``[text](target)`` (the
    target ``None`` where it is empty or ``#``); any other text as it is, with no target."""
    m = _LINK.fullmatch(raw.strip())
    if not m:
        return raw, None
    target = m.group(2).strip()
    return m.group(1), (None if target in ("", "#") else target)


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(cell: str) -> str:
    """Defuse formula injection in a CSV cell: ``'=cmd'`` becomes ``"'=cmd"``, so that a
    spreadsheet shows it as text (https://owasp.org/www-community/attacks/CSV_Injection)."""
    return "'" + cell if cell.startswith(FORMULA_STARTS) else cell


def natural(text: str) -> tuple[list[int | str], str]:
    """Sort key that puts 5.1.2 before 5.1.10 and EP2 before EP10: runs of digits compare as
    numbers, the rest case-insensitively (strings and numbers alternate, so they never meet),
    then the text itself, so that no two different texts tie."""
    return [int(p) if p.isdigit() else p.lower() for p in re.split(r"(\d+)", text)], text
