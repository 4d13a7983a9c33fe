"""Modules the cockpit's libraries import at start-up but use rarely, loaded on their first use instead.

pendulum imports ``dateutil.parser`` (with ``dateutil.tz`` and ``ctypes`` behind it: ~6 ms of every start, about
a quarter of pendulum's import) only for ``pendulum.parse(..., strict=False)`` on text that is not ISO 8601, which
the cockpit never asks for. :func:`defer` registers such a module with the standard library's
:class:`importlib.util.LazyLoader`: the module object exists at once, and its code runs on the first attribute
read, so a caller that does use it sees no difference. (Python 3.11's LazyLoader does not lock that first load
against a second thread reading at the same moment; nothing in the cockpit reads this module at all.)
"""

from __future__ import annotations

import importlib.util
import sys

#: Imported by a dependency at start-up, used by none of the cockpit's own calls.
DEFERRED = ("dateutil.parser",)


def defer(name: str) -> bool:
    """Make ``name`` load on its first attribute read; False (and nothing done) when it is already imported or
    cannot be found."""
    if name in sys.modules:
        return False
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return False
    if spec is None or spec.loader is None:
        return False
    loader = importlib.util.LazyLoader(spec.loader)
    spec.loader = loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    loader.exec_module(module)
    parent, _, child = name.rpartition(".")
    if parent:
        # `from parent import child` then reads the attribute; without it the import system would look the
        # module up in sys.modules and read its __spec__, which loads it at once.
        setattr(sys.modules[parent], child, module)
    return True


def defer_all() -> None:
    for name in DEFERRED:
        defer(name)
