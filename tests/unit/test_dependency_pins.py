"""The installed dependencies are the ones pyproject.toml declares: Textual exactly (the snapshots are drawn by it),
every other one inside its tested range."""

from __future__ import annotations

import importlib.metadata
import tomllib

import pytest
from packaging.requirements import Requirement

from tests.support import ROOT

PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
RUNTIME = [Requirement(text) for text in PROJECT["dependencies"]]
TEST = [Requirement(text) for text in PROJECT["optional-dependencies"]["test"]]


@pytest.mark.parametrize("requirement", RUNTIME + TEST, ids=str)
def test_installed_version_is_inside_the_declared_range(requirement: Requirement) -> None:
    installed = importlib.metadata.version(requirement.name)
    assert requirement.specifier.contains(installed, prereleases=True), f"{requirement.name} {installed}"


@pytest.mark.parametrize("requirement", RUNTIME + TEST, ids=str)
def test_every_range_has_an_upper_bound(requirement: Requirement) -> None:
    operators = {spec.operator for spec in requirement.specifier}
    assert operators & {"==", "<", "<=", "~="}, f"{requirement} has no upper bound"


def test_textual_is_pinned_to_the_version_of_the_snapshots() -> None:
    textual = next(r for r in RUNTIME if r.name == "textual")
    assert [(s.operator, s.version) for s in textual.specifier] == [("==", "8.2.8")]
    # The snapshots record the version they were drawn with nowhere else; this is the one place it is written.
    assert importlib.metadata.version("textual") == "8.2.8"
