"""The store is the one door to the database: no module outside cockpit/core/store/ runs SQL or reaches into it.

Read from the source (AST), so a new ``conn.execute(...)`` or ``store._lock`` anywhere in the package fails here,
whatever path runs it.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from tests.support import ROOT

PACKAGE = ROOT / "cockpit"
STORE = PACKAGE / "core" / "store"
SQL_CALLS = {"execute", "executemany", "executescript"}
#: A query's text (a widget query such as "Input, Select" is not one).
SQL_TEXT = re.compile(r"\bselect\b[\s\S]*\bfrom\b", re.IGNORECASE)


def _outside_the_store() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if STORE not in p.parents)


def _offences(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        where = f"{path.name}:{getattr(node, 'lineno', '?')}"
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in SQL_CALLS:
            found.append(f"{where} calls .{node.func.attr}(")
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "query"
            and node.args
            and isinstance(node.args[0], ast.Constant | ast.JoinedStr)
            and SQL_TEXT.search(ast.unparse(node.args[0]))
        ):
            found.append(f"{where} queries SQL")
        elif (
            isinstance(node, ast.Attribute)
            and node.attr.startswith("_")
            and not node.attr.startswith("__")
            and isinstance(node.value, ast.Name)
            and node.value.id == "store"
        ):
            found.append(f"{where} reads store.{node.attr}")
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("cockpit.core.store"):
            found += [f"{where} imports {a.name} from {node.module}" for a in node.names if a.name.startswith("_")]
    return found


def test_no_module_outside_the_store_runs_sql_or_reaches_into_it() -> None:
    files = _outside_the_store()
    assert PACKAGE / "core" / "views.py" in files  # the walk sees the package (a wrong root would pass vacuously)
    offences = [f"{path.parent.name}/{o}" for path in files for o in _offences(path)]
    assert offences == []


def test_the_check_finds_what_it_looks_for(tmp_path: Path) -> None:
    # The same walk over a module that does all three, so the test above can fail.
    bad = tmp_path / "bad.py"
    bad.write_text(
        "from cockpit.core.store.validation import _private\n"
        "def f(store, conn):\n"
        "    conn.execute('SELECT 1')\n"
        "    store.query(f'SELECT * FROM {conn}')\n"
        "    return store._lock\n",
        encoding="utf-8",
    )
    assert sorted(o.split(" ", 1)[1] for o in _offences(bad)) == [
        "calls .execute(",
        "imports _private from cockpit.core.store.validation",
        "queries SQL",
        "reads store._lock",
    ]
