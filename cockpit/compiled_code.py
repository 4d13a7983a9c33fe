"""Code the standard library compiles at every start, kept compiled from one start to the next.

``dataclasses`` makes each dataclass's methods (``__init__``, ``__repr__``, ``__eq__``, ``__hash__``, and for a
frozen class ``__setattr__`` and ``__delattr__``) by writing their source and passing it to ``exec``;
``collections.namedtuple`` makes its ``__new__`` the same way with ``eval``; ``typing`` compiles every annotation
written as a string (a ``ForwardRef``). Python 3.11 compiles that source again at every start, as it would a module
with no ``.pyc``: the cockpit's start makes 77 dataclasses (42 of them Textual's, 4 Rich's), 48 named tuples and 264
forward references, ~25 ms of compiling against ~1 ms to read the same code objects back with :mod:`marshal`
(docs/PERFORMANCE.md).

:func:`install` gives those three modules an ``exec``, an ``eval`` and a ``compile`` that look the source up among
the code an earlier start compiled, and compile only what is not there; :func:`save` writes the file again when
something was compiled. An entry is what ``compile`` makes of exactly its source text, so it cannot go stale: a
class that changed writes a different text. The file is kept per interpreter version (marshal's format and the
bytecode change with it); it holds code that runs, so it is read only when this user owns it and nobody else may
write it; a file that cannot be read is ignored, and one that cannot be written costs the next start its speed,
nothing else. Only the ``cockpit`` command installs it (:mod:`cockpit.start`), never an import of the package.
"""

from __future__ import annotations

import builtins
import collections
import dataclasses
import marshal
import os
import sys
import typing
from pathlib import Path
from types import CodeType
from typing import Any

from cockpit.dirs import cache_dir, replace_file

#: The file's first line; the interpreter's full version follows it (the bytecode of two builds may differ).
FILE_MAGIC = b"cockpit compiled code 1\n"
#: Beyond this many entries a save keeps only what this process used (old classes' code would pile up otherwise).
MAX_ENTRIES = 4000
MODES = ("exec", "eval")

Key = tuple[str, str]  # (mode, source)


class CompiledCode:
    """Code objects by source text: those read from ``file`` and those compiled since."""

    def __init__(self, file: Path | None) -> None:
        self.file = file
        self.codes: dict[Key, CodeType] = read(file) if file is not None else {}
        self.loaded = len(self.codes)
        self.compiled: set[Key] = set()  # not in the file yet
        self.used: set[Key] = set()

    def code(self, source: str, mode: str) -> CodeType:
        """What ``compile(source, "<string>", mode)`` gives, as ``exec`` and ``eval`` compile a string, from the
        file when an earlier start compiled the same text."""
        key = (mode, source)
        found = self.codes.get(key)
        if found is None:
            # dont_inherit: exec and eval compile with the flags of the caller (the standard library's, none), not
            # with this module's `from __future__ import annotations`.
            found = self.codes[key] = compile(source, "<string>", mode, dont_inherit=True)
            self.compiled.add(key)
        self.used.add(key)
        return found

    def exec(self, source: Any, globals: Any = None, locals: Any = None, /, **kwargs: Any) -> None:  # noqa: A002
        """``exec`` for a module that passes its own globals (as dataclasses does); anything else as it was."""
        if type(source) is not str or globals is None:
            frame = sys._getframe(1)  # exec with no globals runs in its caller's namespace, not in this one
            if globals is None:
                globals, locals = frame.f_globals, frame.f_locals if locals is None else locals  # noqa: A001
            return builtins.exec(source, globals, locals, **kwargs)
        return builtins.exec(self.code(source, "exec"), globals, locals, **kwargs)

    def eval(self, source: Any, globals: Any = None, locals: Any = None, /) -> Any:  # noqa: A002
        """``eval`` for a module that passes its own globals (as collections.namedtuple does)."""
        if type(source) is not str or globals is None:
            frame = sys._getframe(1)
            if globals is None:
                globals, locals = frame.f_globals, frame.f_locals if locals is None else locals  # noqa: A001
            return builtins.eval(source, globals, locals)
        return builtins.eval(self.code(source, "eval"), globals, locals)

    def compile(
        self, source: Any, filename: str, mode: str, flags: int = 0, dont_inherit: bool = False, optimize: int = -1
    ) -> Any:
        """``compile`` for a module that compiles strings with no flags (as typing does for forward references)."""
        if type(source) is str and filename == "<string>" and mode in MODES and flags == 0 and optimize == -1:
            return self.code(source, mode)
        return builtins.compile(source, filename, mode, flags, dont_inherit, optimize)

    def save(self) -> bool:
        """Write the file if this process compiled anything not in it; True when written."""
        if self.file is None or not self.compiled:
            return False
        # Copies (each made in one step under the GIL): a thread may compile more meanwhile, which then stays
        # pending for the next save.
        pending, codes = set(self.compiled), dict(self.codes)
        if len(codes) > MAX_ENTRIES:
            used = set(self.used)
            codes = {key: code for key, code in codes.items() if key in used}
        data = header() + marshal.dumps(codes)
        try:
            replace_file(self.file, data)
        except OSError:
            return False  # a full disk or a read-only home: the next start compiles again
        self.compiled -= pending
        return True


def header() -> bytes:
    return FILE_MAGIC + sys.version.encode("utf-8", "replace").replace(b"\n", b" ") + b"\n"


def read(file: Path) -> dict[Key, CodeType]:
    """The code objects in ``file``; nothing when it is missing, someone else's, writable by others, from another
    interpreter, or not what :meth:`CompiledCode.save` writes."""
    try:
        with open(file, "rb") as handle:
            info = os.fstat(handle.fileno())
            if info.st_uid != os.getuid() or info.st_mode & 0o022:
                return {}
            data = handle.read()  # whole: marshal.load on a file reads it in many small pieces
    except OSError:
        return {}
    start = header()
    if not data.startswith(start):
        return {}
    try:
        codes = marshal.loads(memoryview(data)[len(start) :])
    except (EOFError, ValueError, TypeError):
        return {}
    if not isinstance(codes, dict):
        return {}
    for key, code in codes.items():
        if not (type(key) is tuple and len(key) == 2 and key[0] in MODES and type(key[1]) is str):
            return {}
        if type(code) is not CodeType:
            return {}
    return codes


def default_file() -> Path | None:
    """This interpreter's file in the user's cache directory (None when ``COCKPIT_CACHE_DIR`` is empty)."""
    folder = cache_dir()
    if folder is None:
        return None
    return folder / f"compiled-{sys.implementation.cache_tag}.marshal"


#: Where the cache stands in for a built-in function: (module, the built-in's name).
PATCHED = ((dataclasses, "exec"), (collections, "eval"), (typing, "compile"))

_installed: CompiledCode | None = None


def install(file: Path | None = None) -> CompiledCode:
    """Serve ``dataclasses``' ``exec``, ``collections``' ``eval`` and ``typing``'s ``compile`` from ``file``
    (default: :func:`default_file`) for the rest of the process; installing again returns the one installed."""
    global _installed
    if _installed is None:
        _installed = CompiledCode(default_file() if file is None else file)
        for module, name in PATCHED:
            setattr(module, name, getattr(_installed, name))
    return _installed


def uninstall() -> None:
    """Give the modules their built-in functions back (for tests)."""
    global _installed
    _installed = None
    for module, name in PATCHED:
        module.__dict__.pop(name, None)


def save() -> bool:
    """Write the installed cache's file if it compiled anything new (nothing when none is installed)."""
    return _installed.save() if _installed is not None else False
