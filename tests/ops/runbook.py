"""The operator runbook (`docs/operations.md`) as data: its ```bash blocks, each marked
`# runbook:<name>`, and a runner that executes one block literally with bash against a stack,
after putting live values in its `<placeholders>`."""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from devstack import ROOT, Stack

RUNBOOK = ROOT / "docs" / "operations.md"
MARKER = re.compile(r"^# runbook:([a-z0-9][a-z0-9-]*)\s*$")
# Any fenced block: its info string (language) and body.
FENCE = re.compile(r"^```([^\n`]*)\n(.*?)^```\s*$", re.MULTILINE | re.DOTALL)
SHELL_LANGUAGES = {"bash", "sh", "shell", "console", "zsh"}
PLACEHOLDER = re.compile(r"<([a-z][a-z0-9_]*)>")


@dataclass(frozen=True)
class Block:
    name: str | None
    language: str
    body: str
    line: int


def blocks(path: Path = RUNBOOK) -> list[Block]:
    """Every shell block of the runbook, with its marker name (None when unmarked)."""
    text = path.read_text()
    found: list[Block] = []
    for match in FENCE.finditer(text):
        language = match.group(1).strip().lower()
        if language not in SHELL_LANGUAGES:
            continue
        body = match.group(2)
        first = next((line for line in body.splitlines() if line.strip()), "")
        marker = MARKER.match(first.strip())
        found.append(
            Block(
                name=marker.group(1) if marker else None,
                language=language,
                body=body,
                line=text.count("\n", 0, match.start()) + 1,
            )
        )
    return found


def marked_blocks(path: Path = RUNBOOK) -> dict[str, Block]:
    return {block.name: block for block in blocks(path) if block.name is not None}


@dataclass
class Runbook:
    """Runs the runbook's blocks against one stack; remembers which ran."""

    stack: Stack
    executed: set[str] = field(default_factory=set)

    def env(self, extra: dict[str, str]) -> dict[str, str]:
        env = {
            key: value
            for key, value in os.environ.items()
            # The CLI reads these; the runbook passes --address itself.
            if not key.startswith("TEMPORAL_")
        }
        env.update(
            {
                "PATH": f"{ROOT / '.venv' / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}",
                "ADDRESS": self.stack.temporal_target,
                "UI": self.stack.temporal_ui_url,
                "API": self.stack.api_url,
                "ADMIN": self.stack.admin_api_key,
                "NO_COLOR": "1",
            }
        )
        env.update(extra)
        return env

    def script(self, name: str, values: dict[str, object]) -> str:
        block = marked_blocks().get(name)
        assert block is not None, f"docs/operations.md has no block `# runbook:{name}`"
        text = block.body
        for key, value in values.items():
            text = text.replace(f"<{key}>", str(value))
        left = sorted(set(PLACEHOLDER.findall(text)))
        assert not left, f"runbook:{name}: no value for placeholder(s) {left}"
        return text

    def bash(
        self, script: str, env: dict[str, str], timeout: float
    ) -> subprocess.CompletedProcess[str]:
        """`script` with bash -e -u -o pipefail from the repository root, the stack's values in
        the environment."""
        return subprocess.run(
            ["bash", "-euo", "pipefail", "-c", script],
            cwd=ROOT,
            env=self.env(env),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def run_document(
        self, path: Path, *, env: dict[str, str] | None = None, timeout: float = 300
    ) -> subprocess.CompletedProcess[str]:
        """Every ```bash block of a page, in order, as one bash script (-e, -u, pipefail) from
        the repository root: what a reader pasting them into one terminal runs. No
        placeholders: such a page takes its values from the answers."""
        script = "\n".join(block.body for block in blocks(path) if block.language == "bash")
        left = sorted(set(PLACEHOLDER.findall(script)))
        assert not left, f"{path.name}: placeholders {left} cannot run as written"
        result = self.bash(script, env or {}, timeout)
        assert result.returncode == 0, (
            f"{path.name} exited {result.returncode}\n--- stdout ---\n{result.stdout}"
            f"\n--- stderr ---\n{result.stderr}"
        )
        return result

    def run(
        self,
        name: str,
        *,
        env: dict[str, str] | None = None,
        check: bool = True,
        timeout: float = 120,
        **values: object,
    ) -> subprocess.CompletedProcess[str]:
        """Execute block `name` with bash (-e, -u, pipefail) from the repository root."""
        script = self.script(name, values)
        self.executed.add(name)
        result = self.bash(script, env or {}, timeout)
        if check:
            assert result.returncode == 0, (
                f"runbook:{name} exited {result.returncode}\n--- script ---\n{script}"
                f"\n--- stdout ---\n{result.stdout}\n--- stderr ---\n{result.stderr}"
            )
        return result
