"""What the team cockpit's start imports: only what its first frame needs (each module is start-up time).

In a fresh interpreter, because this test session has imported everything already.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PROBE = """
import json, sys
import cockpit.cli, cockpit.app, cockpit.screens.dashboard
print(json.dumps(sorted(sys.modules)))
"""

#: Loaded when first used: a logging form or quick entry, My day (a rep's start), the insights, the chart library.
LATER = ("cockpit.quick", "cockpit.screens.forms", "cockpit.screens.myday", "cockpit.insights", "plotext")


def test_the_team_cockpit_start_leaves_forms_my_day_and_plotext_unloaded() -> None:
    done = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True, timeout=60, check=True
    )
    loaded = set(json.loads(done.stdout))
    assert "cockpit.widgets.kpi_tile" in loaded  # the probe sees what the dashboard imports
    assert [name for name in LATER if name in loaded] == []
