"""The compiled-code cache (cockpit/compiled_code.py): classes made from its code are the classes the standard
library makes, a later start compiles nothing an earlier one did, and a file it should not trust is not read."""

from __future__ import annotations

import collections
import dataclasses
import inspect
import json
import os
import shutil
import subprocess
import sys
import typing
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cockpit import compiled_code
from cockpit.compiled_code import CompiledCode

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "sample.db"
T = typing.TypeVar("T")


@pytest.fixture
def cache_file(tmp_path: Path) -> Iterator[Path]:
    yield tmp_path / "compiled.marshal"
    compiled_code.uninstall()


def _run(code: str, cache_dir: Path) -> str:
    env = {**os.environ, "COCKPIT_CACHE_DIR": str(cache_dir)}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT, check=True)
    return done.stdout


START = """
from cockpit import compiled_code
cache = compiled_code.install()
import cockpit.store, cockpit.kpi, cockpit.snapshot
print(cache.loaded, len(cache.compiled), len(cache.used))
compiled_code.save()
"""


def test_a_later_start_compiles_nothing_an_earlier_start_compiled(tmp_path: Path) -> None:
    loaded, compiled, used = map(int, _run(START, tmp_path).split())
    assert loaded == 0 and compiled == used  # the first start compiles every method it makes
    assert compiled >= 3 * 8  # at least the store's eight frozen row classes, three methods or more each
    (file,) = tmp_path.glob("compiled-*.marshal")
    assert file.stat().st_mode & 0o777 == 0o600  # code that runs: this user's only
    loaded, compiled, used = map(int, _run(START, tmp_path).split())
    assert (loaded, compiled, used) == (used, 0, used)


def test_the_cockpit_command_keeps_the_file_and_answers_the_same_from_it(tmp_path: Path) -> None:
    db = tmp_path / "sales.db"
    shutil.copy(SAMPLE, db)
    cache_dir = tmp_path / "cache"
    env = {**os.environ, "COCKPIT_CACHE_DIR": str(cache_dir), "COCKPIT_NOW": "2026-11-18T10:00:00", "COCKPIT_TZ": "UTC"}
    argv = [sys.executable, "-m", "cockpit", "report", "--db", str(db), "--format", "json", "--period", "2026-10"]
    first = subprocess.run(argv, capture_output=True, text=True, env=env, cwd=ROOT, check=True)
    (file,) = cache_dir.glob("compiled-*.marshal")
    written = file.stat().st_mtime_ns
    second = subprocess.run(argv, capture_output=True, text=True, env=env, cwd=ROOT, check=True)
    assert json.loads(second.stdout) == json.loads(first.stdout)
    assert file.stat().st_mtime_ns == written  # nothing new compiled, nothing written


# ------------------------------------------------------------------------------------------ the same classes


def _made_twice(make: Callable[[], T], file: Path) -> tuple[T, T, CompiledCode]:
    """What ``make`` gives with the cache compiling (a first start), then with it reading what that start saved
    (a later one), and the later one's cache. Leaves the later one installed."""
    compiled_code.install(file)
    compiled = make()
    assert compiled_code.save()  # something was compiled, and written
    compiled_code.uninstall()
    cache = compiled_code.install(file)
    return compiled, make(), cache


NAMES = st.lists(
    st.sampled_from(["a", "b", "name", "when", "value", "id", "self_", "cls_"]), min_size=1, max_size=5, unique=True
)
OPTIONS = st.fixed_dictionaries(
    {
        "frozen": st.booleans(),
        "eq": st.booleans(),
        "order": st.booleans(),
        "unsafe_hash": st.booleans(),
        "kw_only": st.booleans(),
        "slots": st.booleans(),
    }
)


def _make(names: list[str], options: dict[str, bool], defaults: int) -> type:
    options = dict(options)
    if options["order"]:
        options["eq"] = True
    annotations = {name: (int if i % 2 else "str | None") for i, name in enumerate(names)}
    namespace: dict[str, object] = {"__annotations__": annotations, "__module__": __name__}
    for name in names[len(names) - defaults :]:
        namespace[name] = dataclasses.field(default_factory=list) if name == "value" else 0
    return dataclasses.dataclass(type("Row", (), namespace), **options)


def _behaviour(cls: type, names: list[str]) -> list[object]:
    """What a caller can see of a dataclass: its signature and annotations, what its instances print, compare and
    hash to, and what a write to a frozen one does."""
    seen: list[object] = [str(inspect.signature(cls)), cls.__init__.__annotations__]
    one = cls(**{name: index for index, name in enumerate(names)})
    two = cls(**{name: index for index, name in enumerate(names)})
    other = cls(**{name: index + 1 for index, name in enumerate(names)})
    seen += [repr(one), one == two, one == other, one != other]
    try:
        seen.append(hash(one) == hash(two))
    except TypeError as exc:
        seen.append(str(exc))
    try:
        seen.append(one < other)
    except TypeError as exc:
        seen.append(str(exc).replace(cls.__qualname__, "Row"))
    try:
        setattr(one, names[0], "changed")
        seen.append(getattr(one, names[0]))
    except dataclasses.FrozenInstanceError as exc:
        seen.append(f"frozen: {exc}")
    try:
        delattr(two, names[0])
        seen.append(hasattr(two, names[0]))
    except dataclasses.FrozenInstanceError as exc:
        seen.append(f"frozen: {exc}")
    return seen


@given(names=NAMES, options=OPTIONS, defaults=st.integers(0, 5))
def test_a_dataclass_made_from_the_files_code_behaves_as_one_compiled_at_once(
    names: list[str], options: dict[str, bool], defaults: int, tmp_path_factory: pytest.TempPathFactory
) -> None:
    defaults = min(defaults, len(names))
    file = tmp_path_factory.mktemp("compiled") / "compiled.marshal"
    expected = _behaviour(_make(names, options, defaults), names)  # the standard library's own exec
    try:
        compiled, from_file, cache = _made_twice(lambda: _behaviour(_make(names, options, defaults), names), file)
    finally:
        compiled_code.uninstall()
    assert not cache.compiled and cache.used  # every method came from the file
    assert compiled == expected
    assert from_file == expected


def test_a_named_tuple_made_from_the_files_code_is_the_same(cache_file: Path) -> None:
    def make() -> list[object]:
        Point = collections.namedtuple("Point", ["x", "y"], defaults=[0])

        class Typed(typing.NamedTuple):
            when: int
            what: str

        return [repr(Point(1)), Point(1, 2) == (1, 2), repr(Typed(3, "call")), Typed._fields, Typed(when=1, what="a")]

    expected = make()
    compiled, from_file, cache = _made_twice(make, cache_file)
    assert compiled == from_file == expected
    assert cache.loaded and not cache.compiled and any(mode == "eval" for mode, _ in cache.used)


def test_a_forward_reference_made_from_the_files_code_is_the_same(cache_file: Path) -> None:
    def make() -> list[object]:
        ref = typing.ForwardRef("list[int] | None")
        return [ref, ref._evaluate(globals(), None, frozenset()), typing.get_type_hints(_Annotated)]

    expected = make()
    compiled, from_file, cache = _made_twice(make, cache_file)
    assert compiled == from_file == expected
    assert ("eval", "list[int] | None") in cache.used and not cache.compiled


class _Annotated:
    when: int | None
    names: list[str]


def test_exec_and_eval_without_globals_still_run_in_the_callers_namespace(cache_file: Path) -> None:
    cache = compiled_code.install(cache_file)
    here = {"x": 2}
    cache.exec("y = x * 3", here)  # globals given: compiled through the cache
    assert here["y"] == 6
    x = 5  # noqa: F841 - read by the code below through the caller's locals
    assert cache.eval("x + 1") == 6
    assert ("exec", "y = x * 3") in cache.used and ("eval", "x + 1") not in cache.used


def test_uninstall_gives_the_built_in_functions_back(cache_file: Path) -> None:
    compiled_code.install(cache_file)
    assert dataclasses.exec is not exec  # type: ignore[attr-defined]
    compiled_code.uninstall()
    assert "exec" not in vars(dataclasses) and "eval" not in vars(collections) and "compile" not in vars(typing)
    assert not compiled_code.save()  # none installed: nothing to write


# ------------------------------------------------------------------------------------------ files not to trust


def _write_valid(file: Path) -> None:
    cache = CompiledCode(file)
    cache.code("value = 1", "exec")
    assert cache.save()


def test_a_file_others_may_write_is_not_read(cache_file: Path) -> None:
    _write_valid(cache_file)
    assert CompiledCode(cache_file).loaded == 1
    cache_file.chmod(0o666)
    assert CompiledCode(cache_file).loaded == 0
    cache_file.chmod(0o620)
    assert CompiledCode(cache_file).loaded == 0


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda data: data[: len(data) // 2], id="cut short"),
        pytest.param(lambda data: data.replace(sys.version.encode()[:4], b"2.7."), id="another interpreter"),
        pytest.param(lambda data: b"", id="empty"),
        pytest.param(lambda data: compiled_code.header() + b"\x00garbage", id="not marshal"),
        pytest.param(
            lambda data: compiled_code.header() + __import__("marshal").dumps({("exec", "x"): 5}), id="no code"
        ),
        pytest.param(lambda data: compiled_code.header() + __import__("marshal").dumps([1, 2]), id="not a dict"),
        pytest.param(
            lambda data: (
                compiled_code.header() + __import__("marshal").dumps({("run", "x"): compile("1", "<string>", "eval")})
            ),
            id="bad mode",
        ),
    ],
)
def test_a_damaged_or_foreign_file_is_ignored_and_then_replaced(cache_file: Path, damage) -> None:  # noqa: ANN001
    _write_valid(cache_file)
    cache_file.write_bytes(damage(cache_file.read_bytes()))
    cache = CompiledCode(cache_file)
    assert cache.loaded == 0
    assert cache.code("value = 1", "exec").co_names == ("value",)
    assert cache.save()
    assert CompiledCode(cache_file).loaded == 1


def test_a_file_that_cannot_be_written_costs_nothing_but_speed(tmp_path: Path) -> None:
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the folder should be")
    cache = CompiledCode(blocked / "compiled.marshal")
    cache.code("value = 1", "exec")
    assert not cache.save()
    assert cache.compiled  # still to write, by a later save


def test_a_save_past_the_limit_keeps_only_what_this_process_used(cache_file: Path, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setattr(compiled_code, "MAX_ENTRIES", 3)
    first = CompiledCode(cache_file)
    for n in range(3):
        first.code(f"old = {n}", "exec")
    assert first.save()
    second = CompiledCode(cache_file)
    second.code("old = 0", "exec")
    second.code("new = 1", "exec")
    assert second.save()
    assert set(CompiledCode(cache_file).codes) == {("exec", "old = 0"), ("exec", "new = 1")}


async def test_the_cockpit_keeps_what_its_start_compiled_once_the_first_data_frame_is_painted(
    make_cockpit, cache_file: Path
) -> None:
    """Not at the end only: a cockpit left open for days, or killed with its SSH session, still leaves the file."""
    cache = compiled_code.install(cache_file)
    cache.code("compiled_at_start = 1", "exec")
    app = make_cockpit()
    async with app.run_test(size=(120, 40)) as pilot:
        while app.refreshes == 0:
            await pilot.pause(0.05)
        assert not cache_file.exists()
        await pilot.pause()
        await pilot.pause()
        assert ("exec", "compiled_at_start = 1") in CompiledCode(cache_file).codes


def test_code_compiled_while_a_save_writes_stays_pending_for_the_next_save(cache_file: Path, monkeypatch) -> None:  # noqa: ANN001
    """A worker thread may make a dataclass while the UI thread saves: what the file did not get is not forgotten."""
    cache = CompiledCode(cache_file)
    cache.code("first = 1", "exec")
    real_dumps = compiled_code.marshal.dumps

    def dumps_while_another_thread_compiles(value: object) -> bytes:
        cache.code("second = 2", "exec")  # as another thread would, between the copies and the write
        return real_dumps(value)

    monkeypatch.setattr(compiled_code.marshal, "dumps", dumps_while_another_thread_compiles)
    assert cache.save()
    monkeypatch.undo()
    assert set(CompiledCode(cache_file).codes) == {("exec", "first = 1")}
    assert cache.compiled == {("exec", "second = 2")}
    assert cache.save()
    assert set(CompiledCode(cache_file).codes) == {("exec", "first = 1"), ("exec", "second = 2")}
