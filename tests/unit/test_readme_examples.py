"""Every ``cockpit`` command line in README.md's shell blocks runs as written.

The lines are taken from the README itself (a new example is tested with no change here), and run in-process
through :func:`cockpit.cli.main`, in README order, as one person would type them in a folder of their own: first
``cockpit demo sample.db ...`` (how README says sample.db is made), then the rest, with ``$COCKPIT_DB`` naming it and
the clock frozen on the last day of its data. Two things are put in place beforehand, as README's own set-up does:
``/srv/sales`` is a folder under the test's temporary one (group-writable and setgid, as ``install -d -m 2775``
makes it), the group ``sales`` is the test user's own group, and ``export.csv`` is a small HubSpot export.
"""

from __future__ import annotations

import grp
import json
import os
import re
import shlex
from pathlib import Path

import pytest

from cockpit.cli import main
from tests.support import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
SHELL_BLOCK = re.compile(r"^```sh\n(.*?)^```", re.MULTILINE | re.DOTALL)
#: ``eval "$(cockpit completion bash)"``: the command inside.
SUBSTITUTION = re.compile(r'"\$\((cockpit [^)]*)\)"')
HUBSPOT_EXPORT = (
    "Record ID,Deal Name,Deal Stage,Amount,Close Date,Deal owner,Create Date,Associated Company,Deal Type\n"
    "9001,Cedar renewal,qualifiedtobuy,1200,2026-12-15,Ana Torres,2026-11-02,Cedar Metals GmbH,newbusiness\n"
)


def readme_examples() -> list[str]:
    """The ``cockpit`` command lines of README's ``sh`` blocks, each once, in order; not the set-up lines that
    make a virtual environment (``.venv/bin/cockpit``), nor those that open the cockpit screen."""
    found: list[str] = []
    seen: set[tuple[str, ...]] = set()
    for block in SHELL_BLOCK.findall(README):
        for line in block.splitlines():
            line = line.strip()
            inner = SUBSTITUTION.search(line)
            command = line if line.startswith("cockpit ") else inner.group(1) if inner else None
            if command is None:
                continue
            argv = shlex.split(command, comments=True)[1:]
            if not argv or argv[0].startswith("-") or argv[0] == "run":
                continue  # the cockpit screen: tests/tui and tests/system open it
            if tuple(argv) not in seen:  # the same command again, with another comment, runs once
                seen.add(tuple(argv))
                found.append(command)
    return found


EXAMPLES = readme_examples()


def test_the_examples_are_found() -> None:
    # Worked out by reading README: 11 in "From the command line", the completion line, "cockpit check
    # /srv/sales/cockpit.db --quick" and "cockpit check --repair" in "Checking it" (its init and check repeat
    # earlier lines), and the demo.
    assert len(EXAMPLES) == 15, EXAMPLES
    assert EXAMPLES[0] == "cockpit report --db sample.db --format json          # table | json | csv | markdown"
    assert "cockpit completion bash" in EXAMPLES
    assert EXAMPLES[-1] == "cockpit demo sample.db --reps 8 --months 12 --seed 7 --end 2026-11-27"


def test_every_example_runs_as_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    srv = tmp_path / "srv" / "sales"
    srv.mkdir(parents=True)
    os.chmod(srv, 0o2775)
    (home / "export.csv").write_text(HUBSPOT_EXPORT, encoding="utf-8")
    monkeypatch.chdir(home)
    for name in [k for k in os.environ if k.startswith("COCKPIT_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("COCKPIT_DB", str(home / "sample.db"))
    monkeypatch.setenv("COCKPIT_CONFIG", str(home / "no-config.toml"))
    monkeypatch.setenv("COCKPIT_TZ", "Europe/Paris")
    monkeypatch.setenv("COCKPIT_NOW", "2026-11-27T17:00:00+01:00")  # the last day of sample.db's data
    monkeypatch.setenv("COCKPIT_CACHE_DIR", "")  # no KPI cache files
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.setenv("COLUMNS", "100")
    group = grp.getgrgid(os.getgid()).gr_name

    demo = next(e for e in EXAMPLES if e.startswith("cockpit demo "))
    outputs: dict[str, str] = {}
    failures = []
    for example in [demo, *(e for e in EXAMPLES if e != demo)]:
        command = example.replace("/srv/sales", str(srv)).replace("--group sales", f"--group {group}")
        capsys.readouterr()
        code = main(shlex.split(command, comments=True)[1:])
        out, err = capsys.readouterr()
        outputs[example] = out
        if code != 0:
            failures.append(f"{example}\n  exit {code}: {err.strip()}")
    assert not failures, "\n".join(failures)

    # A few outputs, worked out from README and the sample data (2,007 deals; the first new one is #2008).
    report = json.loads(outputs[EXAMPLES[0]])
    assert report["period"]["label"] == "2026-11"
    assert "Ana Torres" in [r["rep"] for r in report["reps"]]
    added = next(e for e in EXAMPLES if e.startswith("cockpit deal add "))
    assert outputs[added].strip() == "2008"
    moved = next(e for e in EXAMPLES if e.startswith("cockpit deal move "))
    assert outputs[moved].strip() == (
        'Moved deal #2008 "Renewal 2027" (Acme, Ana Torres, $24,000.00) from proposal to lost: went with competitor.'
    )
    assert outputs["cockpit undo"].strip().endswith(" undo move deal to lost")  # "<audit id> undo <action>"
    exported = (home / "deals.csv").read_text(encoding="utf-8").splitlines()
    assert exported[0].startswith("external_id,title,rep,")  # the columns import reads back (docs/IMPORT.md)
    # The deal added above, back in proposal: the undo ran before the export and took back its move to lost.
    assert [line for line in exported if "Renewal 2027" in line and "Acme" in line][0].count(",proposal,") == 1
    assert outputs["cockpit completion bash"].startswith("#compdef cockpit")
    repaired = next(e for e in EXAMPLES if e.startswith("cockpit check --repair"))
    assert re.search(r"KPI buckets: \d+ stored, all equal to a recount", outputs[repaired])
    assert (srv / "cockpit.db").exists()
