"""The pipeline is the layout: each stage (a module or a package of ``vrgraph``) imports only
stages before it, so the import graph between stages has no cycle; click stays in ``cli``."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "vrgraph"


def imports() -> dict[str, set[str]]:
    """Stage -> the other stages it imports (at module level or inside a function)."""
    edges: dict[str, set[str]] = {}
    for f in sorted(PACKAGE.rglob("*.py")):
        parts = list(f.relative_to(PACKAGE).with_suffix("").parts)
        is_init = parts[-1] == "__init__"
        parts = parts[:-1] if is_init else parts
        if not parts:
            continue
        module = ["vrgraph", *parts]
        package = module if is_init else module[:-1]
        for node in ast.walk(ast.parse(f.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.ImportFrom):
                continue
            base = package[: len(package) - node.level + 1] if node.level else []
            target = [*base, *(node.module.split(".") if node.module else [])]
            if target[:1] != ["vrgraph"]:
                continue
            names = [target + [a.name] for a in node.names] if len(target) == 1 else [target]
            edges.setdefault(parts[0], set()).update(
                t[1] for t in names if t[1] != parts[0] and not t[1].startswith("__"))
    return edges


def test_the_stages_import_one_way():
    edges = imports()
    assert {"validate", "publish", "serve", "store", "sheet"} <= set(edges)  # read right

    def cycle_from(start: str) -> list[str] | None:
        stack = [(start, [start])]
        seen = set()
        while stack:
            node, trail = stack.pop()
            for nxt in sorted(edges.get(node, ())):
                if nxt == start:
                    return trail + [nxt]
                if nxt not in seen:
                    seen.add(nxt)
                    stack.append((nxt, trail + [nxt]))
        return None

    cycles = [c for c in map(cycle_from, sorted(edges)) if c]
    assert not cycles, "import cycles between stages: " + "; ".join(" -> ".join(c) for c in cycles)


def test_click_is_imported_only_by_the_cli():
    users = sorted(str(f.relative_to(PACKAGE)) for f in PACKAGE.rglob("*.py")
                   if any(isinstance(n, (ast.Import, ast.ImportFrom)) and "click" in (
                       [a.name.split(".")[0] for a in n.names] if isinstance(n, ast.Import)
                       else [(n.module or "").split(".")[0]])
                       for n in ast.walk(ast.parse(f.read_text(encoding="utf-8")))))
    assert users and {Path(u).with_suffix("").parts[0] for u in users} == {"cli"}


def test_every_package_is_shipped():
    """The wheel ships the packages pyproject.toml lists: a new subpackage left out of the
    list would be missing from an installed vrgraph (found only when a wheel is built)."""
    import tomllib

    config = tomllib.loads((PACKAGE.parent / "pyproject.toml").read_text(encoding="utf-8"))
    listed = set(config["tool"]["setuptools"]["packages"])
    found = {".".join(("vrgraph", *init.parent.relative_to(PACKAGE).parts))
             for init in PACKAGE.rglob("__init__.py")} - {"vrgraph.bundled"}
    assert found - listed == set(), "add these to [tool.setuptools] packages"
