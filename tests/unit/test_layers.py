"""The direction of imports: the layer contract in pyproject.toml holds, and the core runs without Textual or Rich.

``lint-imports`` (import-linter) checks the contract statically; a fresh interpreter importing every module of
``cockpit.core`` checks it at run time (this test session has imported Textual already, hence the subprocess).
"""

from __future__ import annotations

import json
import pkgutil
import shutil
import subprocess
import sys
from pathlib import Path

import cockpit.core
from tests.support import ROOT

LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")

PROBE = """
import importlib, json, sys
for name in sys.argv[1:]:
    importlib.import_module(name)
print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] in ("textual", "rich"))))
"""


def core_modules() -> list[str]:
    """Every module of the core package, found by walking it (not a list kept by hand)."""
    return sorted(m.name for m in pkgutil.walk_packages(cockpit.core.__path__, "cockpit.core."))


def lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT_IMPORTS), "--config", str(root / "pyproject.toml"), "--no-cache"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
        env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"},
    )


def test_the_import_contract_is_kept() -> None:
    done = lint_imports(ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2 kept, 0 broken" in done.stdout


def test_the_contract_catches_a_core_module_importing_the_ui(tmp_path: Path) -> None:
    # A copy of the package where one core module imports a widget: the contract must break (so the test above can
    # fail), naming the forbidden import.
    shutil.copytree(ROOT / "cockpit", tmp_path / "cockpit", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    periods = tmp_path / "cockpit" / "core" / "periods.py"
    periods.write_text(periods.read_text() + "\nfrom cockpit.tui.widgets import trend  # noqa\n")
    done = lint_imports(tmp_path)
    assert done.returncode != 0
    assert "BROKEN" in done.stdout and "cockpit.core.periods" in done.stdout


def test_the_core_runs_without_textual_or_rich() -> None:
    modules = core_modules()
    assert "cockpit.core.store" in modules and "cockpit.core.kpi" in modules  # the walk found the package
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *modules], cwd=ROOT, capture_output=True, text=True, timeout=60, check=True
    )
    assert json.loads(done.stdout) == []


def test_the_probe_sees_textual_when_it_is_imported() -> None:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, "textual"], cwd=ROOT, capture_output=True, text=True, timeout=60, check=True
    )
    assert "textual" in json.loads(done.stdout)


SCRIPTED = """
import json, sys
from cockpit.cli import main
code = main(sys.argv[1:])
print(json.dumps([code, sorted(m for m in sys.modules if m.split(".")[0] == "textual")]), file=sys.stderr)
"""


def test_scripted_commands_never_load_the_terminal_ui(tmp_path: Path) -> None:
    db = tmp_path / "sample.db"
    shutil.copy(ROOT / "sample.db", db)
    env = {"PATH": "/usr/bin:/bin", "COCKPIT_CACHE_DIR": "", "COCKPIT_CONFIG": str(tmp_path / "none.toml")}
    for argv in (["report", "--db", str(db), "--format", "json"], ["check", str(db), "--quick"]):
        done = subprocess.run(
            [sys.executable, "-c", SCRIPTED, *argv], cwd=ROOT, capture_output=True, text=True, timeout=60, env=env
        )
        code, textual = json.loads(done.stderr.strip().splitlines()[-1])
        assert textual == [], argv
        assert code in (0, 2), done.stderr  # check may find the copy's folder not group-shared: still no UI
