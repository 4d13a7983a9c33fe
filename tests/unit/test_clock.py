"""cockpit/core/clock.py: one clock, real, running from a moment, or frozen; always timezone-aware."""

from __future__ import annotations

import pendulum
import pytest

from cockpit.core.clock import Clock

PARIS = pendulum.datetime(2026, 11, 18, 10, 0, tz="Europe/Paris")  # 09:00 UTC: 1_794_992_400


def test_a_frozen_clock_stands_still_and_gives_the_same_timestamp() -> None:
    clock = Clock.frozen_at(PARIS)
    assert clock.now() == PARIS and clock.now().timezone_name == "Europe/Paris"
    assert clock.timestamp() == 1_794_992_400.0


def test_a_moment_starts_a_clock_that_runs_on(monkeypatch: pytest.MonkeyPatch) -> None:
    ticks = iter([100.0, 100.0, 190.5])  # monotonic at start, then at two readings
    monkeypatch.setattr("cockpit.core.clock.time.monotonic", lambda: next(ticks))
    clock = Clock.of(PARIS)
    assert clock.now() == PARIS
    assert clock.now() == PARIS.add(seconds=90)  # whole seconds


def test_a_function_is_asked_at_each_reading_and_none_is_the_real_time() -> None:
    moments = iter([PARIS, PARIS.add(hours=1)])
    clock = Clock.of(lambda: next(moments))
    assert [clock.now().hour, clock.now().hour] == [10, 11]
    real = Clock.of(None, "UTC")
    assert abs(real.timestamp() - pendulum.now("UTC").timestamp()) < 5 and real.now().timezone_name == "UTC"
    assert Clock.of(real) is real


def test_a_naive_moment_is_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        Clock(lambda: pendulum.naive(2026, 11, 18)).now()
