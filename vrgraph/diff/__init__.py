"""What changed between two versions of the graph, in the graph's own terms: a stage beside
``report`` and ``publish`` (issues "Stewardship", 19 and 20).

A version is a graph file, a release folder (its ``vrgraph.ttl``) or a git revision of the
project (``data/graph.ttl`` at that revision). Each is loaded alone (asserted triples, no
reasoning; the ontology for the labels of its terms) and read into a
:class:`~vrgraph.diff.read.Snapshot` of its strategies (``diff.read``).
:func:`~vrgraph.diff.compare.compare` pairs the strategies of the two versions (by short
name, else by document) and gives, for each strategy both hold:

- actions added, removed and renumbered (one removed and one added with the same text);
- text, lead and tier changes of the actions in both;
- alignments gained or lost, stated on the row and inherited from a group cell apart;
- gaps opened or closed: principles that lose or gain all their actions, actions that lose or
  gain their only lead;
- quality notes added or resolved;
- the steward's edits made or withdrawn (``data/curation/edits.yaml``), each with who made it,
  when, why and the workbook cell it came from;

the strategies only one version holds (a collection compared), and every other statement
added or removed, grouped by the resource it is about: two versions are equal exactly when
their graphs are isomorphic. ``diff.write`` gives text, Markdown, JSON, or RDF: a change set
with provenance (PROV-O), one ``vr:Addition`` / ``vr:Removal`` per change.
"""

from __future__ import annotations

from .compare import Change, Group, StrategyChange, Summary, compare
from .read import MODES, Action, Snapshot, Strategy, read, snapshot
from .write import as_json, as_markdown, as_text, as_turtle

__all__ = ["MODES", "Action", "Change", "Group", "Snapshot", "Strategy", "StrategyChange",
           "Summary", "as_json", "as_markdown", "as_text", "as_turtle", "compare", "read",
           "snapshot"]
