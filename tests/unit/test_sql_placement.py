"""SQL statement construction lives in `db/` (and `migrations/`), nowhere else (issue 10).

"Where is tenant filtering enforced?" has a one-hop answer only if every statement is built in
a `db/` repository bound to a tenant (`XRepository(session, tenant_id)`), admin-wide reads
being separately named. This test walks the application packages with `ast` and fails when a
module outside `db/` and `migrations/` uses a SQLAlchemy statement or expression constructor
(`select`, `insert`, `update`, `delete`, `text`, `literal`, `func`, `and_`, ... and the ORM
loader options such as `selectinload`) imported from `sqlalchemy`, `sqlalchemy.sql`,
`sqlalchemy.orm` or `sqlalchemy.dialects.*`, whether by `from ... import name` or as an
attribute of an imported module (`sa.select`). Types (`AsyncSession`, `ColumnElement`,
`Select`), exceptions (`sqlalchemy.exc`) and engine objects are not statements and are allowed.
Not detected: unit-of-work calls on a session (`session.add`, `session.get`) and column
comparisons passed to a `db/` function; the repositories are their home too, by review.

Scope: the application packages (`api`, `activities`, `workflows`, `gateways`, `notify`,
`domain`, `contracts`, `observability`) and the top-level modules. Not scanned:
`tests/` and `bench/` (they set up and inspect the database directly, which is their job),
`scripts/` (operator one-offs run against a database, not application code), and `sandbox/`
(it stands in for an external system, a gateway, and shares no code with the project: its
storage is its own and is not PayTrust's tenancy).
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PACKAGES = (
    "api",
    "activities",
    "workflows",
    "gateways",
    "notify",
    "domain",
    "contracts",
    "observability",
)
TOP_LEVEL = ("worker.py", "paytrust_cli.py", "devstack.py", "events_cli.py", "demo.py", "config.py")

SQLALCHEMY_MODULES = ("sqlalchemy", "sqlalchemy.sql", "sqlalchemy.sql.expression", "sqlalchemy.orm")
CONSTRUCTORS = frozenset(
    {
        # statements
        "select",
        "insert",
        "update",
        "delete",
        "text",
        "union",
        "union_all",
        "values",
        "lateral",
        "exists",
        # expressions
        "literal",
        "literal_column",
        "func",
        "and_",
        "or_",
        "not_",
        "case",
        "cast",
        "type_coerce",
        "column",
        "table",
        "bindparam",
        "tuple_",
        "null",
        "true",
        "false",
        "desc",
        "asc",
        "distinct",
        "between",
        "extract",
        "over",
        "collate",
        "any_",
        "all_",
        "nulls_first",
        "nulls_last",
        "join",
        "outerjoin",
        # ORM query building
        "aliased",
        "selectinload",
        "joinedload",
        "subqueryload",
        "contains_eager",
        "load_only",
        "defer",
        "undefer",
        "raiseload",
        "lazyload",
        "noload",
        "with_loader_criteria",
        "Load",
    }
)


def _is_sqlalchemy(module: str) -> bool:
    return module in SQLALCHEMY_MODULES or module.startswith("sqlalchemy.dialects")


def violations(source: str) -> list[str]:
    """`line: name` for each statement constructor the module imports or uses."""
    tree = ast.parse(source)
    found: list[str] = []
    module_aliases: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and _is_sqlalchemy(node.module):
            for alias in node.names:
                if alias.name in CONSTRUCTORS or node.module.startswith("sqlalchemy.dialects"):
                    found.append(f"{node.lineno}: {node.module}.{alias.name}")
        elif isinstance(node, ast.ImportFrom) and node.module == "sqlalchemy.dialects":
            for alias in node.names:
                found.append(f"{node.lineno}: sqlalchemy.dialects.{alias.name}")
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if _is_sqlalchemy(alias.name) or alias.name == "sqlalchemy.dialects":
                    module_aliases.add(alias.asname or alias.name.split(".")[0])
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and node.attr in CONSTRUCTORS
            and isinstance(node.value, ast.Name | ast.Attribute)
            and ast.unparse(node.value).split(".")[0] in module_aliases
        ):
            found.append(f"{node.lineno}: {ast.unparse(node)}")
    return found


def scanned_files() -> list[str]:
    files = [p for p in TOP_LEVEL if (ROOT / p).exists()]
    for package in PACKAGES:
        files.extend(str(p.relative_to(ROOT)) for p in sorted((ROOT / package).rglob("*.py")))
    return files


def test_no_sql_statement_construction_outside_db() -> None:
    offending = {}
    for path in scanned_files():
        found = violations((ROOT / path).read_text())
        if found:
            offending[path] = found
    assert not offending, (
        "SQL statement construction outside db/: move it into a db/ repository "
        f"(XRepository(session, tenant_id)): {offending}"
    )


def test_the_walk_covers_the_application() -> None:
    files = scanned_files()
    assert "api/auth.py" in files and "worker.py" in files and "workflows/invoice.py" in files
    assert not any(f.startswith(("db/", "migrations/", "sandbox/", "tests/")) for f in files)


def test_detects_each_form_of_construction() -> None:
    assert violations("from sqlalchemy import select, text\n") == [
        "1: sqlalchemy.select",
        "1: sqlalchemy.text",
    ]
    assert violations("from sqlalchemy.dialects.mysql import insert\n") == [
        "1: sqlalchemy.dialects.mysql.insert"
    ]
    assert violations("from sqlalchemy.orm import selectinload\n") == [
        "1: sqlalchemy.orm.selectinload"
    ]
    assert violations("import sqlalchemy as sa\nq = sa.select(1)\n") == ["2: sa.select"]
    assert violations("import sqlalchemy\nq = sqlalchemy.func.count()\n") == ["2: sqlalchemy.func"]


def test_types_exceptions_and_sessions_are_allowed() -> None:
    source = (
        "from sqlalchemy import ColumnElement, Select\n"
        "from sqlalchemy.exc import IntegrityError\n"
        "from sqlalchemy.ext.asyncio import AsyncSession\n"
        "from sqlalchemy.orm import InstrumentedAttribute\n"
    )
    assert violations(source) == []
