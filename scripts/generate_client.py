"""`make client`: regenerate the typed Python client (clients/python/paytrust_client) from the
api's OpenAPI document with openapi-python-client.

    python scripts/generate_client.py [OUTPUT_DIR]   (default clients/python/paytrust_client)

The document comes from the code (`create_app(...).openapi()`, no server needed), so the client
always matches the routes and models of this checkout; tests/api/test_python_client.py fails
when the committed client differs from a fresh generation.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CLIENT = ROOT / "clients" / "python"
PACKAGE = "paytrust_client"
# Any valid admin key: only the document is built, nothing is served.
_DOC_ADMIN_KEY = "openapi-document-only-0123456789-ABCDEF!"


def openapi_document() -> dict[str, object]:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("ADMIN_API_KEY", _DOC_ADMIN_KEY)
    # Only the document is wanted: no gateway or credentials key is used (PAYTRUST_ENV).
    os.environ.setdefault("PAYTRUST_ENV", "development")
    from api.app import create_app
    from config import Settings

    document: dict[str, object] = create_app(Settings()).openapi()
    return document


def generate(output: Path) -> None:
    """Write the generated package to `output` (replaced whole)."""
    bin_dir = Path(sys.executable).parent
    generator = bin_dir / "openapi-python-client"
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"}
    with tempfile.TemporaryDirectory(prefix="paytrust-client-") as tmp:
        spec = Path(tmp) / "openapi.json"
        spec.write_text(json.dumps(openapi_document(), indent=2, sort_keys=True))
        project = Path(tmp) / "project"
        subprocess.run(
            [
                str(generator),
                "generate",
                "--path",
                str(spec),
                "--config",
                str(CLIENT / "openapi-python-client.yaml"),
                "--meta",
                "none",
                "--output-path",
                str(project),
                "--fail-on-warning",
            ],
            check=True,
            cwd=tmp,
            env=env,
            stdout=subprocess.DEVNULL,
        )
        if output.exists():
            shutil.rmtree(output)
        shutil.copytree(
            project, output, ignore=shutil.ignore_patterns("__pycache__", ".ruff_cache")
        )
    (output / "py.typed").write_text("# PEP 561: the client's annotations are its types\n")


def main(argv: list[str]) -> int:
    output = Path(argv[0]).resolve() if argv else CLIENT / PACKAGE
    generate(output)
    print(f"generated {output.relative_to(ROOT) if output.is_relative_to(ROOT) else output}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
