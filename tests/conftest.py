"""Fixtures for the app tests: a seeded database made once per session, a frozen clock, an app factory."""

from __future__ import annotations

import asyncio
import compileall
import gc
import inspect
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from cockpit.core.config import Settings
from cockpit.core.store import Store
from tests.support import FROZEN_NOW, TZ, build_cockpit_db, settle, ts  # noqa: F401


def pytest_configure(config: pytest.Config) -> None:
    """Byte-compile the package once, before the workers start, as `pip install` does for an installed one.

    The tests import the checkout (``pythonpath = ["."]``), and a machine with ``PYTHONDONTWRITEBYTECODE`` set (this
    one, and CI's) would otherwise compile every module again in each worker and in every ``cockpit`` process a test
    starts (~0.15 s of a core each, ~200 of them). Python reads an up-to-date ``__pycache__`` whatever the variable
    says; a stale one is recompiled by its source's timestamp."""
    if not hasattr(config, "workerinput"):  # the controller (or a run without xdist), not each worker
        compileall.compile_dir(Path(__file__).resolve().parent.parent / "cockpit", quiet=1)
        compileall.compile_dir(Path(__file__).resolve().parent / "support", quiet=1)


def pytest_collection_finish(session: pytest.Session) -> None:
    """Spare the test process (not the app's own processes) most of the cyclic garbage collector's full passes.

    A test process holds ~170,000 long-lived objects (pytest, Textual, Rich, hypothesis, the collected tests), and
    each Pilot test allocates enough to set off a full collection every few tests: measured on the app tests, the
    collector took ~18% of the process's CPU, three quarters of it in full passes over those same long-lived
    objects. Frozen after collection, they are no longer traversed; a larger first threshold lets short-lived
    objects die by reference counting before a collection looks at them (collector time 4.3 s -> 1.6 s over
    tests/tui/test_void_restore_follow_up.py and test_deal_page.py). Every cycle is still collected, later; the
    processes the tests start (``cockpit`` in a pty, the CLI) keep Python's defaults."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(10_000, 10, 10)


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> bool | None:
    """Run ``async def`` tests (Pilot tests) in a fresh event loop; the project needs no asyncio plugin for this."""
    if inspect.iscoroutinefunction(pyfuncitem.obj):
        names = pyfuncitem._fixtureinfo.argnames
        asyncio.run(pyfuncitem.obj(**{name: pyfuncitem.funcargs[name] for name in names}))
        return True
    return None


# The suite runs on 2 cores with two xdist workers and real apps and processes beside it: a property's example may
# wait for the CPU, so no per-example deadline (the default 200 ms made cheap tests flaky under load).
hypothesis_settings.register_profile("cockpit", deadline=None, suppress_health_check=[HealthCheck.too_slow])
hypothesis_settings.load_profile("cockpit")

# The app draws ASCII where the locale cannot show UTF-8 (cockpit/core/charset.py), and a fresh CI machine may have
# no locale set at all: the suite runs in a UTF-8 locale, as the snapshots were made, and the processes it starts
# inherit it (the ASCII fallback's own pty test unsets it).
os.environ["LC_ALL"] = "C.UTF-8"


@pytest.fixture(autouse=True, scope="session")
def _cache_files_in_a_temporary_folder(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Cache files (the forecast's, cockpit/core/cache_files.py) go to this session's temporary folder, not the
    user's cache folder; cockpit processes the tests start inherit it."""
    os.environ["COCKPIT_CACHE_DIR"] = str(tmp_path_factory.mktemp("cache"))


@pytest.fixture(autouse=True, scope="session")
def _preferences_in_a_temporary_file(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Column choices (cockpit/core/preferences.py) go to this session's temporary folder, never the user's file; a
    test that chooses columns points COCKPIT_PREFERENCES at a file of its own (monkeypatch), so that the tests after
    it see the default columns."""
    os.environ["COCKPIT_PREFERENCES"] = str(tmp_path_factory.mktemp("preferences") / "preferences.json")


@pytest.fixture(scope="session")
def seeded_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seeded database, built once per session; tests copy it before writing."""
    path = tmp_path_factory.mktemp("seed") / "cockpit.db"
    build_cockpit_db(path)
    return path


@pytest.fixture
def db_path(seeded_db: Path, tmp_path: Path) -> Path:
    """A private copy of the seeded database."""
    target = tmp_path / "cockpit.db"
    shutil.copy(seeded_db, target)
    return target


@pytest.fixture
def settings(db_path: Path) -> Settings:
    return Settings(db_path=db_path, db_source="flag", timezone=TZ, currency="USD", stale_days=14)


@pytest.fixture
def make_cockpit(db_path: Path, settings: Settings) -> Callable[..., object]:
    """Build the app as the CLI does, with the frozen clock; ``as_rep`` chooses the acting rep."""
    from cockpit.tui.app import make_app

    stores: list[Store] = []

    def factory(as_rep: str | None = "Max Boss", **kwargs: object) -> object:
        store = Store(db_path, user="tester", now=lambda: FROZEN_NOW.int_timestamp)
        stores.append(store)
        return make_app(store, settings=kwargs.get("settings", settings), now=lambda: FROZEN_NOW, as_rep=as_rep)

    yield factory
    for store in stores:
        store.close()


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fixed demo data of the snapshots: `cockpit demo` with seed 7, 8 reps, 12 months ending on the frozen day."""
    from cockpit.core.demo import generate

    path = tmp_path_factory.mktemp("demo") / "demo.db"
    generate(path, reps=8, months=12, seed=7, end=FROZEN_NOW.date(), tz=TZ)
    return path


@pytest.fixture
def demo_settings(demo_db: Path, tmp_path: Path) -> Settings:
    """Settings on a private copy of the demo data (for tests that open their own stores or fork)."""
    target = tmp_path / "demo.db"
    shutil.copy(demo_db, target)
    return Settings(db_path=target, db_source="flag", timezone=TZ, currency="USD", stale_days=14)


@pytest.fixture
def make_demo_cockpit(demo_db: Path, tmp_path: Path) -> Callable[..., object]:
    """The app on a private copy of the demo data, with the frozen clock."""
    from cockpit.tui.app import make_app

    target = tmp_path / "demo.db"
    shutil.copy(demo_db, target)
    demo_settings = Settings(db_path=target, db_source="flag", timezone=TZ, currency="USD", stale_days=14)
    stores: list[Store] = []

    def factory(as_rep: str | None = None) -> object:
        store = Store(target, user="tester", now=lambda: FROZEN_NOW.int_timestamp)
        stores.append(store)
        return make_app(store, settings=demo_settings, now=lambda: FROZEN_NOW, as_rep=as_rep)

    yield factory
    for store in stores:
        store.close()
