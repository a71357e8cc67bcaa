"""The reader against the document: what it reads and the flaws it finds."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from vrgraph import source
from vrgraph.errors import SourceError

# Counted by hand from section 5 of the document (plan: number of numbered rows).
ACTIONS_PER_PLAN = {"5.1": 28, "5.2": 12, "5.3": 6, "5.4": 10, "5.5": 7, "5.6": 7, "5.7": 9,
                    "5.8": 4, "5.9": 16, "5.10": 12, "5.11": 5, "5.12": 15}


def test_every_plan_and_action_is_read(doc):
    assert {p.number: len(p.actions) for p in doc.plans} == ACTIONS_PER_PLAN
    assert len(doc.actions) == 131
    assert len({a.number for a in doc.actions}) == 131


def test_principles_have_their_numbers_and_full_text(doc):
    assert [p.number for p in doc.principles if p.kind == "strategic"] == [1, 2, 3, 4, 5, 6]
    assert [p.number for p in doc.principles if p.kind == "enabling"] == [1, 2, 3, 4, 5, 7, 8, 9]
    sp5 = doc.principle("strategic", 5)
    assert sp5.text.startswith("We recognise and value the many assets and strengths that "
                               "exist within families and communities")
    assert doc.principle("enabling", 9).text == (
        "We will work in a way that is trauma-informed, ACE-aware and resilience-focused.")


@pytest.mark.parametrize("number,text_start,lead,cited,lines", [
    ("5.1.1", "Through both weekly and monthly partnership tasking", "Community Safety",
     ["strategic-4", "enabling-3", "enabling-1"], (110, 110)),
    ("5.1.9", "A partnership board and officer group has formed to work on minimising",
     "HLT / Schools / Young Hackney", [], (123, 125)),
    ("5.1.28", "The NPS in Hackney provides a range of interventions", "NPS / CRC",
     ["strategic-4"], (155, 158)),
    ("5.2.7", "Assess and proportionally respond to gang members", 
     "IGU Manager/ YOS Manager/ C&F service manager", ["strategic-3"], (176, 178)),
    ("5.5.5", "Review referrals to safeguarding regarding young people", "Ian Tweedie", [],
     (243, 245)),
    ("5.6.7", "Ensuring that vulnerabilities of young people", "", ["strategic-1"], (269, 269)),
    ("5.9.7", "Enable and support residents, schools", "", [], (311, 311)),
    ("5.12.14", "Level 1/2 Youth work training and Football coaching",
     "HCVS / Hackney Wick FC", [], (390, 392)),
])
def test_sample_actions_field_by_field(doc, number, text_start, lead, cited, lines):
    action = next(a for a in doc.actions if a.number == number)
    assert action.text.startswith(text_start)
    assert action.lead == lead
    assert [f"{c.kind}-{c.number}" for c in action.citations if c.row == number] == cited
    assert (action.span.first, action.span.last) == lines


def test_row_split_text_is_joined_without_debris(doc):
    action = next(a for a in doc.actions if a.number == "5.1.9")
    assert "has formed to work" in action.text
    assert "\t" not in action.text and "--" not in action.text


def test_list_inside_a_cell_keeps_its_items(doc):
    action = next(a for a in doc.actions if a.number == "5.4.3")
    assert "\n- Unconscious bias and cultural bias" in action.text


def test_misprinted_numbers_are_read_and_kept(doc):
    stated = {a.number: a.stated_number for a in doc.actions if a.number != a.stated_number}
    assert stated == {"5.3.3": "5.3.3.", "5.9.7": "5.97"}


def test_a_cell_split_across_rows_is_joined(doc):
    action = next(a for a in doc.actions if a.number == "5.9.5")
    ep5 = next(c for c in action.citations if c.kind == "enabling")
    assert ep5.quote.endswith("resilient to violence")
    assert 310 in ep5.lines


def test_every_flaw_class_is_found(doc):
    kinds = Counter(f.kind for f in doc.flaws)
    for kind in ("RowSplit", "SpanningCell", "ColumnShift", "NumberingSlip", "NumberingGap",
                 "EmptyLead", "MisattributedQuote", "QuoteVariant", "PrincipleNumberingGap",
                 "Placeholder", "EmptyLink", "PageBreakSplit", "HeadingLevelSlip",
                 "EmptyListItem"):
        assert kinds[kind] > 0, kind
    gaps = {f.key for f in doc.flaws if f.kind == "NumberingGap"}
    assert gaps == {"5.1.20", "5.9.9", "5.12.15"}
    shifted = {f.targets[0] for f in doc.flaws if f.kind == "ColumnShift"}
    assert shifted == {"action:5.6.7", "action:5.7.1"}
    misattributed = [f for f in doc.flaws if f.kind == "MisattributedQuote"]
    assert [f.targets[0] for f in misattributed] == ["action:5.8.2"]
    assert "strategic principle 2" in misattributed[0].message
    assert {f.key for f in doc.flaws if f.kind == "PrincipleNumberingGap"} == {"enabling-6"}


def test_group_cells_cover_the_rows_below_them(doc):
    cells = {(c.row, c.column): c for c in doc.cells}
    assert cells[("5.1.23", "strategic")].covers == ["5.1.24", "5.1.25", "5.1.26", "5.1.27"]
    assert cells[("5.11.4", "strategic")].covers == ["5.11.5"]
    assert "runs on into line(s) 363" in cells[("5.11.4", "strategic")].evidence[0]
    # a cell stops at the end of its themed group ...
    assert cells[("5.9.12", "strategic")].covers == ["5.9.13", "5.9.14", "5.9.15"]
    # ... and at a row with a citation of its own, even in the wrong column
    assert ("5.6.6", "strategic") not in cells


def test_no_stated_alignment_is_lost(doc):
    """Every '[... Principle N]' label in section 5 becomes exactly one citation."""
    import re
    table = "\n".join(doc.lines[105:394])
    labels = re.findall(r"\[\s*(?:Strategic|Enabling)\s+principle\s+\d+\s*\]", table, re.I)
    assert len(labels) == sum(len(a.citations) for a in doc.actions)


def test_unreadable_source_is_a_clear_error(tmp_path: Path):
    missing = tmp_path / "nope.md"
    with pytest.raises(SourceError, match="cannot read the source document"):
        source.read(missing)
    wrong = tmp_path / "other.md"
    wrong.write_text("# Some other document\n\nNo plans here.\n")
    with pytest.raises(SourceError, match=r"other.md:1: expected a line matching"):
        source.read(wrong)


def test_heading_slips_are_found(doc):
    slips = {f.targets[0] for f in doc.flaws if f.kind == "HeadingLevelSlip"}
    assert {"plan:5.1", "plan:5.3", "plan:5.5", "plan:5.7", "section:1.2", "section:3",
            "section:4.2", "section:6.1/summary"} <= slips
    assert "plan:5.2" not in slips


def test_row_split_notes_name_the_split_they_describe(doc):
    """Read at lines 155-158, 184-187, 287-290, 332-335, 353-354 and 361-364: a separator
    line inside a row interrupts it (5.1.28, 5.8.1, 5.10.1); one after a row's last part is
    not a flaw of the row (5.2.12 and 5.11.5 are split by a blank line, 5.11.1 not at all)."""
    splits = {f.key: f for f in doc.flaws if f.kind == "RowSplit"}
    separators = {k: (f.lines.first, f.message) for k, f in splits.items()
                  if k.endswith("-separator")}
    assert separators == {
        f"{n}-separator": (line, f"A table separator line interrupts the row of action {n}.")
        for n, line in (("5.1.28", 156), ("5.8.1", 288), ("5.10.1", 333))}
    for number, first, last in (("5.2.12", 184, 186), ("5.11.5", 361, 363)):
        assert splits[number].lines == source.Lines(first, last)
        assert splits[number].message == (f"The row of action {number} is split across lines "
                                          f"{first}-{last}.")
    assert not [k for k in splits if k.startswith("5.11.1")]
    actions = {a.number: a for a in doc.actions}
    for key, flaw in splits.items():
        span = actions[key.removesuffix("-separator")].span
        assert span.first <= flaw.lines.first <= flaw.lines.last <= span.last, key
        assert span.first < span.last, key


def test_footnotes_belong_where_their_mark_is(doc):
    assert [(f.number, f.line, f.owner, f.target) for f in doc.footnotes] == [
        ("1", 56, "section:3.2", None),
        ("2", 72, "section:3.4", "https://www.nhsconfed.org/-/media/Confederation/Files/"
                                 "Publications/Documents/Violence_and_health_and_wellbeing_"
                                 "boards.pdf")]
    assert doc.footnotes[0].text == ("A Public Health Approach to Serious Youth Violence: "
                                     "Supporting Evidence, Greater London Authority (GLA)")
    assert doc.footnotes[1].text == doc.footnotes[1].target


def test_a_group_introduction_printed_in_the_table_is_read(doc):
    groups = {g.title: g for p in doc.plans for g in p.groups}
    intro = groups["Keeping deadly weapons off our streets"].intro
    assert intro == [(115, "We collaborate across the partnership and within the community to "
                           "reduce the availability and accessibility of knives and other "
                           "deadly weapons")]


def test_two_separators_in_one_row_are_one_note(doc, tmp_path: Path):
    lines = list(doc.lines)
    assert lines[156] == ""                       # line 157, inside the row of 5.1.28
    lines[156] = "--\t--\t--\t--"
    path = tmp_path / "doc.md"
    path.write_text("\n".join(lines))
    (note,) = [f for f in source.read(path).flaws if f.key == "5.1.28-separator"]
    assert note.message == "2 table separator lines interrupt the row of action 5.1.28."
    assert note.lines == source.Lines(156, 157)
