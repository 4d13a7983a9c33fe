"""Settings: command-line flag > environment > TOML config file > default.

The config file lives in the platform config directory (``cockpit/config.toml``), for example::

    db = "/srv/sales/cockpit.db"
    timezone = "Europe/Paris"
    currency = "EUR"
    fiscal_year_start = 4
    stale_days = 21
    holidays = ["2026-12-25", "2027-01-01"]

    [stages]            # name = default probability, in pipeline order; "won" and "lost" are always present
    lead = 0.1
    qualified = 0.25
    proposal = 0.5
    negotiation = 0.75
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from cockpit.core.dirs import config_path, default_demo_db
from cockpit.core.errors import ConfigError

DEFAULT_STAGES: tuple[tuple[str, float], ...] = (
    ("lead", 0.10),
    ("qualified", 0.25),
    ("proposal", 0.50),
    ("negotiation", 0.75),
    ("won", 1.0),
    ("lost", 0.0),
)


@dataclass(frozen=True)
class Settings:
    """Everything the core and the UI need to know about this user's set-up."""

    db_path: Path
    db_source: str  # "flag" | "env" | "config" | "demo"
    timezone: str | None = None  # None: the system's
    currency: str = "USD"
    fiscal_year_start: int = 1
    stale_days: int = 14
    holidays: tuple[str, ...] = ()
    stages: tuple[tuple[str, float], ...] = DEFAULT_STAGES
    extra: Mapping[str, object] = field(default_factory=dict)

    @property
    def is_demo_default(self) -> bool:
        """True when no database was named anywhere and the generated demo database is used."""
        return self.db_source == "demo"


def _read_config(path: Path) -> dict:
    if not path.exists():
        return {}
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot read config file {path}: {exc}") from None


def _stages(raw: object) -> tuple[tuple[str, float], ...]:
    if raw is None:
        return DEFAULT_STAGES
    if not isinstance(raw, Mapping) or not raw:
        raise ConfigError("config: [stages] must map stage names to probabilities")
    stages: list[tuple[str, float]] = []
    for name, prob in raw.items():
        if not isinstance(prob, int | float) or not 0 <= prob <= 1:
            raise ConfigError(f"config: stage {name!r} needs a probability between 0 and 1")
        if name not in ("won", "lost"):
            stages.append((str(name).strip().lower(), float(prob)))
    if not stages:
        raise ConfigError("config: [stages] needs at least one open stage")
    return (*stages, ("won", 1.0), ("lost", 0.0))


def load_settings(
    db: str | os.PathLike[str] | None = None,
    *,
    env: Mapping[str, str] | None = None,
    config_file: Path | None = None,
) -> Settings:
    """Resolve settings with precedence flag > environment > config file > default."""
    env = os.environ if env is None else env
    raw = _read_config(config_file or config_path())
    if db:
        db_path, source = Path(db), "flag"
    elif env.get("COCKPIT_DB"):
        db_path, source = Path(env["COCKPIT_DB"]), "env"
    elif raw.get("db"):
        db_path, source = Path(str(raw["db"])).expanduser(), "config"
    else:
        db_path, source = default_demo_db(), "demo"
    tz = env.get("COCKPIT_TZ") or raw.get("timezone") or None
    currency = str(env.get("COCKPIT_CURRENCY") or raw.get("currency") or "USD").upper()
    fy = raw.get("fiscal_year_start", 1)
    if not isinstance(fy, int) or not 1 <= fy <= 12:
        raise ConfigError("config: fiscal_year_start must be a month number 1-12")
    stale = raw.get("stale_days", 14)
    if not isinstance(stale, int) or stale < 1:
        raise ConfigError("config: stale_days must be a positive whole number")
    holidays = tuple(str(h) for h in raw.get("holidays", ()))
    return Settings(
        db_path=db_path,
        db_source=source,
        timezone=str(tz) if tz else None,
        currency=currency,
        fiscal_year_start=fy,
        stale_days=stale,
        holidays=holidays,
        stages=_stages(raw.get("stages")),
        extra={k: v for k, v in raw.items() if k not in {"db", "timezone", "currency", "stages"}},
    )
