"""Where the database is, and which schema this code reads: no sqlalchemy imported.

``--db``, ``$PROVENANCE_DB`` or the default file become a SQLAlchemy URL here, so that
:mod:`provenance.quickread` can find a SQLite file and check its schema version with
the stdlib alone (issue 15: start-up); :mod:`provenance.store` and
:mod:`provenance.migrations` take these names from this module.
"""

from __future__ import annotations

import os
from pathlib import Path

DEFAULT_DB = "provenance.db"
ENV_VAR = "PROVENANCE_DB"
SQLITE_BUSY_TIMEOUT_MS = 30_000

SCHEMA_VERSION = 5
"""The schema this code reads and a new database is created at: the version of the
last step of :data:`provenance.migrations.MIGRATIONS` (appending a step means raising
it; migrations.py refuses to import when they disagree)."""


def resolve_url(db: str | None = None) -> str:
    """A SQLAlchemy URL from ``--db``, ``$PROVENANCE_DB`` or the default file."""
    value = db or os.environ.get(ENV_VAR) or DEFAULT_DB
    if "://" in value:
        return value
    return f"sqlite:///{Path(value).expanduser().resolve()}"


def sqlite_path(url: str) -> str | None:
    """The file of a ``sqlite:///`` URL (``:memory:`` as is); None for any other URL."""
    return url.removeprefix("sqlite:///") if url.startswith("sqlite:///") else None
