"""The report: its findings agree with the queries, the page is self-contained, it renders."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.helpers import dom, needs_chromium, screenshot
from vrgraph.cli import main
from vrgraph.query.canned import load_queries
from vrgraph.report import SECTIONS, collect, findings


@pytest.fixture(scope="module")
def results(store, project):
    return collect(store, load_queries(project.queries))


@pytest.fixture(scope="module")
def page(tmp_path_factory) -> tuple[Path, str]:
    out = tmp_path_factory.mktemp("report") / "report.html"
    result = CliRunner().invoke(main, ["report", "-o", str(out)])
    assert result.exit_code == 0, result.output
    return out, result.output


def test_findings_state_the_gaps_the_queries_find(results):
    text = "\n".join(f.text for f in findings(results))
    for row in results["principles-without-actions"]:
        number = row["notation"][2:]
        assert re.search(rf"{row['kind'].capitalize()} principle {number} .*no action is "
                         rf"aligned to it", text)
    for row in results["actions-without-alignment"]:
        assert row["number"] in text
    unled = [row["number"] for row in results["actions-without-lead"]]
    assert f"{len(unled)} actions of 131" in text


def test_findings_on_the_real_document(results):
    """Checked by reading the document: SP6 and EP7 are cited by no action; 5.4.9, 5.4.10,
    5.9.16 and 5.9.17 cite no principle and lie under no cell that does."""
    gaps = [f.text for f in findings(results) if f.severity == "gap"]
    assert any(t.startswith("Strategic principle 6") for t in gaps)
    assert any(t.startswith("Enabling principle 7") for t in gaps)
    assert any("5.4.9, 5.4.10, 5.9.16, 5.9.17" in t for t in gaps)


def test_the_terminal_summary_and_exit_code(page):
    out, output = page
    assert "Validation: conforms (0 violations, 25 warnings)" in output
    assert "Strategic principle 6" in output
    assert f"Report: {out}" in output


class _Refs(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.refs: list[str] = []
        self.tags: set[str] = set()

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        self.refs += [v for k, v in attrs if k in ("src", "href") and v]


def test_the_page_is_self_contained(page):
    html = page[0].read_text()
    parser = _Refs()
    parser.feed(html)
    assert "script" not in parser.tags or "<script>" in html  # inline only (no src)
    assert all(ref.startswith("#") for ref in parser.refs), parser.refs
    assert "@import" not in html and "url(" not in html
    assert html.count("<svg") == 3  # heatmap, coverage bars, network


def test_every_section_is_on_the_page(page, results):
    html = page[0].read_text()
    for anchor in ("findings", "heatmap", "coverage", "gaps", "agencies", "quality"):
        assert f'id="{anchor}"' in html
    for row in results["actions-without-lead"]:
        assert f"<td>{row['number']}</td>" in html and f"<td>{row['lines']}</td>" in html


def test_report_refuses_a_missing_query(scratch):
    (scratch.root / "queries/principle-coverage.rq").unlink()
    result = CliRunner().invoke(main, ["--root", str(scratch.root), "report", "-o",
                                       str(scratch.root / "r.html")])
    assert result.exit_code == 2 and "principle-coverage" in result.output
    assert not (scratch.root / "r.html").exists()


def test_the_sections_are_canned_queries(project):
    assert set(SECTIONS) <= set(load_queries(project.queries))


@needs_chromium
def test_the_page_renders_in_a_real_browser(page, tmp_path):
    text = dom(tmp_path, page[0].as_uri())
    assert "Where are the gaps?" in text and "<svg" in text
    screenshot(tmp_path, page[0].as_uri(), "1200,1600")


def test_every_value_is_escaped_by_the_template(results):
    """A hostile label, plan title or note anywhere in the answers reaches the page as text:
    the template engine escapes every value (the report has no escaping of its own)."""
    import copy

    from vrgraph.report import Results, render

    evil = "<script>alert(1)</script>\" onload=\"x"
    hostile = Results(copy.deepcopy(results.tables))
    for name in SECTIONS:
        for row in hostile[name]:
            for key in row:
                if key in ("label", "planTitle", "name", "example", "text", "definition"):
                    row[key] = evil
    page = render(hostile, None, {"<b>": 1}, evil)
    assert "<script>alert" not in page and 'onload="x' not in page
    assert page.count("<script>") == 1  # the report's own
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert page.count("<svg") == 3 and "&lt;b&gt;" in page


def test_texts_are_cut_at_a_word_and_counts_are_in_english(page):
    html = page[0].read_text()
    assert "recogn\u2026" not in html  # cut at a word, not inside one
    assert " 1 plans" not in html and " 1 actions" not in html
    assert "No column for EP6" in html  # the document's numbering skips it
