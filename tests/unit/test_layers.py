"""The core never imports the TUI: importing it in a fresh interpreter leaves textual and rich unloaded.

A fresh subprocess is needed because this test session may already have imported textual elsewhere.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent

CORE = (
    "cockpit.core.store",
    "cockpit.core.kpi",
    "cockpit.core.periods",
    "cockpit.core.parse",
    "cockpit.core.report",
    "cockpit.core.config",
    "cockpit.cli",
    "cockpit.cli.report",
    "cockpit.core.demo",
    "cockpit.core.importing",
    "cockpit.core.presets",
    "cockpit.core.exporting",
    "cockpit.cli.importcmd",
    "cockpit.cli.export",
    "cockpit.cli.demo",
    "cockpit.core.text",
)

PROBE = """
import importlib, json, sys
for name in sys.argv[1:]:
    importlib.import_module(name)
print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] in ("textual", "rich"))))
"""


def loaded_ui_modules(*modules: str) -> list[str]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *modules], cwd=ROOT, capture_output=True, text=True, timeout=60, check=True
    )
    return json.loads(done.stdout)


def test_core_together_does_not_import_textual_or_rich() -> None:
    assert loaded_ui_modules(*CORE) == []


@pytest.mark.parametrize("module", CORE)
def test_each_core_module_alone(module: str) -> None:
    assert loaded_ui_modules(module) == [], module


def test_the_probe_can_fail() -> None:
    # The probe must see textual when it is imported, or the tests above could never fail.
    assert "textual" in loaded_ui_modules("textual")
