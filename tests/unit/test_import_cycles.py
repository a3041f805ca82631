"""No import cycles between PayTrust's top-level packages (issue 10, "Layers").

`lint-imports` (pyproject.toml) checks the forbidden edges one by one. Its cycle contract,
`acyclic_siblings` (import-linter 2.x), looks for cycles among the children of one package;
PayTrust's layers are root packages with no common parent, so it cannot see a cycle between
them. This test asks grimp, the graph builder import-linter itself uses, for the graph of the
root packages that `[tool.importlinter]` lists, squashed to one node per package, and fails
naming the cycle and one import chain per edge of it. `make test` runs it with the suite.
"""

from __future__ import annotations

import itertools
import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parents[2]


def root_packages() -> list[str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    packages: list[str] = config["tool"]["importlinter"]["root_packages"]
    return packages


def package_edges(graph: grimp.ImportGraph, packages: Sequence[str]) -> dict[str, set[str]]:
    """Package → the packages it imports directly (any module of it, any module of them)."""
    return {
        importer: {
            imported
            for imported in packages
            if imported != importer
            and graph.direct_import_exists(importer=importer, imported=imported, as_packages=True)
        }
        for importer in packages
    }


def find_cycle(edges: Mapping[str, set[str]]) -> list[str] | None:
    """One cycle of the graph as [a, b, ..., a], or None: a depth-first search in name order."""
    state: dict[str, str] = {}  # "open" while on the current path, "done" after
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = "open"
        path.append(node)
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == "open":
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        path.pop()
        state[node] = "done"
        return None

    for node in sorted(edges):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_the_cycle_finder_finds_a_cycle_and_accepts_a_layering():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"api": {"db", "domain"}, "db": {"domain"}, "domain": set()}) is None


def test_no_import_cycles_between_top_level_packages():
    packages = root_packages()
    graph = grimp.build_graph(*packages, cache_dir=None)
    cycle = find_cycle(package_edges(graph, packages))
    if cycle is not None:
        chains = [
            " -> ".join(
                graph.find_shortest_chain(importer=a, imported=b, as_packages=True) or (a, b)
            )
            for a, b in itertools.pairwise(cycle)
        ]
        raise AssertionError(
            "import cycle between top-level packages: "
            + " -> ".join(cycle)
            + "\n"
            + "\n".join(chains)
        )
