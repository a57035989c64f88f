"""Versioned schema migrations: an ordered list of steps, no framework.

A new database gets every table from the SQLModel metadata and is stamped
with the latest version. An older database gets each step newer than its
``meta.schema_version`` applied in order, one transaction per step, the
version bumped in the same transaction, so a killed upgrade resumes where it
stopped. Steps must be idempotent (``checkfirst``) because a fresh database
already has what they add.

A table added to :mod:`provenance.tables` appears in older databases by
itself (missing tables are created on open). Anything else (a new column or
index, changed data): edit :mod:`provenance.tables` and append a step here with
the next version number, and raise :data:`provenance.dbfile.SCHEMA_VERSION` to it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, inspect, select, text
from sqlmodel import SQLModel

from provenance.dbfile import SCHEMA_VERSION
from provenance.errors import StoreError
from provenance.locks import PG_MIGRATE_KEY
from provenance.tables import ClaimRow, MetaRow, PersonRow, QuoteRow


@dataclass(frozen=True)
class Migration:
    version: int
    description: str
    apply: Callable[[Connection], None]


def _baseline(conn: Connection) -> None:
    SQLModel.metadata.create_all(conn)


def _speaker_quote_index(conn: Connection) -> None:
    # `quotes --speaker` filters on speaker_id and orders by document and start.
    for index in QuoteRow.__table__.indexes:  # type: ignore[attr-defined]
        if index.name == "ix_quotes_speaker_document_start":
            index.create(conn, checkfirst=True)


def _claim_key_index(conn: Connection) -> None:
    # Numeric conflict checks read the claims of one (noun class, event) key.
    for index in ClaimRow.__table__.indexes:  # type: ignore[attr-defined]
        if index.name == "ix_claims_class_event":
            index.create(conn, checkfirst=True)


def _drop_speaker_id_index(conn: Connection) -> None:
    # ix_quotes_speaker_document_start starts with speaker_id and serves every query
    # the single-column index did; keeping both cost each stored quote one more update.
    conn.execute(text("DROP INDEX IF EXISTS ix_quotes_speaker_id"))


def _people(conn: Connection) -> None:
    # The authority file (provenance people import); no existing table changes.
    PersonRow.__table__.create(conn, checkfirst=True)  # type: ignore[attr-defined]


MIGRATIONS: list[Migration] = [
    Migration(1, "baseline: documents, quotes, speakers, aliases, merges, meta", _baseline),
    Migration(
        2, "index quotes(speaker_id, document_id, start) for speaker queries", _speaker_quote_index
    ),
    Migration(3, "index claims(noun_class, event) for numeric conflict checks", _claim_key_index),
    Migration(
        4,
        "drop quotes(speaker_id): ix_quotes_speaker_document_start covers it",
        _drop_speaker_id_index,
    ),
    Migration(5, "people: the authority file of canonical names and identifiers", _people),
]

# SCHEMA_VERSION lives in dbfile.py, which quickread reads without importing sqlalchemy;
# it must be the last step's version (steps are numbered 1, 2, … in order, which a test checks).
if MIGRATIONS[-1].version != SCHEMA_VERSION:
    raise RuntimeError(
        f"dbfile.SCHEMA_VERSION is {SCHEMA_VERSION}, the last migration {MIGRATIONS[-1].version}"
    )


def _lock(conn: Connection) -> None:
    """Serialise schema work between processes opening the same database at once."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": PG_MIGRATE_KEY})
    # SQLite: the caller's connection already holds a write lock (BEGIN IMMEDIATE).


def current_version(conn: Connection) -> int | None:
    """The stored schema version, or None for a database without provenance tables."""
    if not inspect(conn).has_table(MetaRow.__tablename__):
        return None
    table = MetaRow.__table__  # type: ignore[attr-defined]
    value = conn.execute(select(table.c.value).where(table.c.key == "schema_version")).scalar()
    if value is None:
        return None
    text_ = str(value).strip()
    if not (text_.isascii() and text_.isdigit() and len(text_) <= 9):
        raise StoreError(
            f"meta.schema_version is {text_[:40]!r}, not a schema number: "
            "the database's metadata was edited or damaged"
        )
    return int(text_)


def _stamp(conn: Connection, version: int, *, insert: bool) -> None:
    table = MetaRow.__table__  # type: ignore[attr-defined]
    if insert:
        conn.execute(table.insert().values(key="schema_version", value=str(version)))
    else:
        conn.execute(
            table.update().where(table.c.key == "schema_version").values(value=str(version))
        )


def _up_to_date(engine: Engine) -> bool:
    """Whether the schema is current, read without a lock.

    The common case: opening a store then takes no write lock, so read-only
    commands (``stats``, ``quotes``) run beside a writer holding it instead of
    waiting out its transaction (and failing after the busy timeout).
    """
    with engine.connect() as conn:  # a plain read: SQLite and PostgreSQL take no write lock
        names = set(inspect(conn).get_table_names())
        if not set(SQLModel.metadata.tables) <= names:
            return False
        return current_version(conn) == SCHEMA_VERSION


def migrate(engine: Engine) -> list[Migration]:
    """Bring the database at ``engine`` to :data:`SCHEMA_VERSION`; returns the steps applied.

    Raises :class:`StoreError` when the database is newer than this code.
    """
    applied: list[Migration] = []
    if _up_to_date(engine):
        return applied
    with engine.connect().execution_options(sqlite_immediate=True) as conn, conn.begin():
        _lock(conn)
        found = current_version(conn)
        if found is None:
            SQLModel.metadata.create_all(conn)
            _stamp(conn, SCHEMA_VERSION, insert=True)
            return applied
        if found > SCHEMA_VERSION:
            raise StoreError(
                f"database schema {found} is newer than this provenance "
                f"({SCHEMA_VERSION}); upgrade provenance"
            )
        # New tables need no step: create_all adds the missing ones and leaves the rest.
        SQLModel.metadata.create_all(conn)
    for step in MIGRATIONS:
        if step.version <= found:
            continue
        with engine.connect().execution_options(sqlite_immediate=True) as conn, conn.begin():
            _lock(conn)
            now = current_version(conn) or 0
            if step.version <= now:
                continue  # another process applied it meanwhile
            step.apply(conn)
            _stamp(conn, step.version, insert=False)
        applied.append(step)
    return applied
