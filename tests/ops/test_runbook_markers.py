"""Nothing untested sneaks into the runbook: every shell block of docs/operations.md carries a
`# runbook:<name>` marker, names are unique, and each name is run by tests/ops/test_runbook.py."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from tests.ops.runbook import RUNBOOK, blocks

TESTS = Path(__file__).with_name("test_runbook.py")


def test_every_shell_block_is_marked() -> None:
    found = blocks()
    assert found, f"{RUNBOOK} has no ```bash blocks"
    unmarked = [f"line {block.line}: {block.body[:60]!r}" for block in found if block.name is None]
    assert not unmarked, "blocks without a `# runbook:<name>` first line:\n" + "\n".join(unmarked)
    not_bash = [
        f"line {block.line}: ```{block.language}" for block in found if block.language != "bash"
    ]
    assert not not_bash, "use ```bash for shell blocks (they are the tested ones):\n" + "\n".join(
        not_bash
    )


def test_block_names_are_unique() -> None:
    counts = Counter(block.name for block in blocks() if block.name)
    assert not [name for name, n in counts.items() if n > 1], counts


def test_every_marked_block_has_a_test_and_every_test_a_block() -> None:
    documented = {block.name for block in blocks() if block.name}
    # Each block is run by name: runbook.run("<name>", ...) or run_until(runbook, "<name>", ...).
    source = TESTS.read_text()
    exercised = set(
        re.findall(r'(?:runbook\.run|run_until)\(\s*(?:runbook,\s*)?"([a-z0-9-]+)"', source)
    )
    missing = sorted(documented - exercised)
    assert not missing, f"blocks no test runs: {missing}"
    assert exercised - documented == set(), (
        f"tests run missing blocks: {sorted(exercised - documented)}"
    )
