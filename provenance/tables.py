"""Database tables (SQLModel). Records returned to callers are in :mod:`provenance.models`.

Spans are stored flattened (``start``, ``end``, ``text``) so that ``verify`` can
re-check ``documents.text[start:end] == text`` with plain SQL rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeVar

from sqlalchemy import Column, Connection, Index, Integer, Table, Text, UniqueConstraint
from sqlmodel import AutoString, Field, SQLModel

LOOKUP_CHUNK = 500
"""Ids or keys per ``IN (...)`` list: well under SQLite's and PostgreSQL's parameter limits."""

_T = TypeVar("_T")


def chunks(items: Sequence[_T], size: int = LOOKUP_CHUNK) -> list[Sequence[_T]]:
    """``items`` cut into lists of at most ``size``, for ``IN (...)`` look-ups."""
    return [items[i : i + size] for i in range(0, len(items), size)]


class MetaRow(SQLModel, table=True):
    __tablename__ = "meta"

    key: str = Field(primary_key=True, max_length=64)
    value: str


class DocumentRow(SQLModel, table=True):
    __tablename__ = "documents"

    id: str = Field(primary_key=True, max_length=64, description="SHA-256 of text")
    text: str = Field(sa_column=Column(Text, nullable=False))
    path: str | None = Field(default=None, sa_column=Column(Text))
    url: str | None = Field(default=None, sa_column=Column(Text))
    source: str | None = Field(default=None, index=True)
    title: str | None = Field(default=None, sa_column=Column(Text))
    published: date | None = None
    ingested_at: datetime
    size: int


class SpeakerRow(SQLModel, table=True):
    __tablename__ = "speakers"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(index=True)
    kind: str
    titles: str = Field(default="[]", description="JSON array of strings")
    affiliation: str | None = None
    created_at: datetime


class AliasRow(SQLModel, table=True):
    __tablename__ = "aliases"
    __table_args__ = (UniqueConstraint("speaker_id", "alias"),)

    id: int | None = Field(default=None, primary_key=True)
    speaker_id: int = Field(foreign_key="speakers.id", index=True)
    alias: str
    key: str = Field(index=True, description="folded alias: accents, case, apostrophes off")
    count: int = 1
    is_name: bool = Field(default=False, description="a resolved name, not a mention phrase")


class MergeRow(SQLModel, table=True):
    __tablename__ = "merges"

    id: int | None = Field(default=None, primary_key=True)
    speaker_id: int = Field(foreign_key="speakers.id", index=True)
    alias: str
    document_id: str = Field(foreign_key="documents.id", index=True)
    score: float = Field(description="0–100, rapidfuzz scale")
    evidence: str
    created_at: datetime


class QuoteRow(SQLModel, table=True):
    __tablename__ = "quotes"
    __table_args__ = (
        Index("ix_quotes_document_start", "document_id", "start"),
        Index("ix_quotes_speaker_document_start", "speaker_id", "document_id", "start"),
    )

    id: str = Field(primary_key=True, max_length=64)
    document_id: str = Field(foreign_key="documents.id")
    kind: str = Field(index=True)
    start: int
    end: int
    text: str = Field(sa_column=Column(Text, nullable=False))
    speaker_start: int | None = None
    speaker_end: int | None = None
    speaker_text: str | None = None
    cue_start: int | None = None
    cue_end: int | None = None
    cue_text: str | None = None
    # No index of its own: ix_quotes_speaker_document_start leads with it.
    speaker_id: int | None = Field(default=None, foreign_key="speakers.id")
    mention_name: str | None = Field(default=None, description="name as resolved in its document")
    confidence: float
    rule: str
    extractor_version: str


# ---- cross-source checks: clusters, quantity claims, flags -----------------


class MatchKeyRow(SQLModel, table=True):
    """Blocking keys of a quote: normalized text hash, tokens, MinHash LSH bands."""

    __tablename__ = "match_keys"
    __table_args__ = (Index("ix_match_keys_key", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    quote_id: str = Field(foreign_key="quotes.id", index=True, max_length=64)
    key: str = Field(max_length=80)


class ClusterRow(SQLModel, table=True):
    """One statement reported by one or more documents."""

    __tablename__ = "clusters"

    id: int | None = Field(default=None, primary_key=True)
    canonical_quote_id: str = Field(max_length=64)
    text: str = Field(sa_column=Column(Text, nullable=False))
    updated_at: datetime


class ClusterMemberRow(SQLModel, table=True):
    __tablename__ = "cluster_members"

    quote_id: str = Field(primary_key=True, foreign_key="quotes.id", max_length=64)
    cluster_id: int = Field(index=True)
    score: float = Field(default=100.0, description="0–100 similarity to the canonical text")
    relation: str = Field(default="same", description="same | fragment | variant")


class ClaimRow(SQLModel, table=True):
    """A quantified factual statement: a number of something in one sentence."""

    __tablename__ = "claims"
    # Numeric flags compare only the claims of one (noun class, event) key.
    __table_args__ = (Index("ix_claims_class_event", "noun_class", "event"),)

    id: str = Field(primary_key=True, max_length=64)
    document_id: str = Field(foreign_key="documents.id", index=True)
    start: int
    end: int
    text: str = Field(sa_column=Column(Text, nullable=False))
    # The number phrase ("about 2,000"); stored as q_start/q_end/q_text since schema 1.
    quantity_start: int = Field(sa_column=Column("q_start", Integer, nullable=False))
    quantity_end: int = Field(sa_column=Column("q_end", Integer, nullable=False))
    quantity_text: str = Field(sa_column=Column("q_text", AutoString, nullable=False))
    low: float
    high: float | None = Field(default=None, description="None: no upper bound")
    unit: str = Field(description="count | fraction")
    noun: str
    noun_class: str = Field(index=True)
    event: str | None = Field(default=None, index=True)
    days: str = Field(default="[]", description="JSON array of weekday names")
    places: str = Field(default="[]", description="JSON array of folded place words")
    speaker: str | None = None
    speaker_id: int | None = Field(default=None, foreign_key="speakers.id")


@dataclass(slots=True)
class ClaimValues:
    """A new claim as a plain record, with :class:`ClaimRow`'s attributes: how
    ``quantities.store_claims_of`` inserts claims (one executemany) and hands them to
    ``audit.log_claims``, sparing an ORM object per claim (most of storing them)."""

    id: str
    document_id: str
    start: int
    end: int
    text: str
    quantity_start: int
    quantity_end: int
    quantity_text: str
    low: float
    high: float | None
    unit: str
    noun: str
    noun_class: str
    event: str | None
    days: str
    places: str
    speaker: str | None
    speaker_id: int | None

    def columns(self) -> dict[str, Any]:
        """The values by column name of the ``claims`` table (see :class:`ClaimRow`)."""
        return {
            "id": self.id,
            "document_id": self.document_id,
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "q_start": self.quantity_start,
            "q_end": self.quantity_end,
            "q_text": self.quantity_text,
            "low": self.low,
            "high": self.high,
            "unit": self.unit,
            "noun": self.noun,
            "noun_class": self.noun_class,
            "event": self.event,
            "days": self.days,
            "places": self.places,
            "speaker": self.speaker,
            "speaker_id": self.speaker_id,
        }


class ConflictRow(SQLModel, table=True):
    __tablename__ = "conflicts"

    id: str = Field(primary_key=True, max_length=64)
    kind: str = Field(index=True, description="misquote | misattribution | numeric")
    scope: str = Field(index=True, description="cluster:<id> or numeric:<class>:<event>")
    score: float = Field(description="0–100")
    explanation: str = Field(sa_column=Column(Text, nullable=False))
    records: str = Field(sa_column=Column(Text, nullable=False), description="JSON array")
    raised_at: datetime


class AuditRow(SQLModel, table=True):
    """One entry of the append-only audit log (see :mod:`provenance.audit`).

    ``seq`` is assigned by the appender, not the database, and both ``seq`` and
    ``prev_hash`` are unique: two writers that read the same head cannot both
    append, so the chain never forks. ``ts`` is ISO 8601 UTC text and
    ``payload`` canonical JSON text, so the hash re-derives byte for byte.
    """

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_subject_seq", "subject", "seq"),)

    seq: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    ts: str = Field(max_length=40)
    actor: str = Field(sa_column=Column(Text, nullable=False))
    action: str = Field(max_length=64, index=True)
    subject: str = Field(sa_column=Column(Text, nullable=False))
    payload: str = Field(sa_column=Column(Text, nullable=False))
    hash: str = Field(max_length=64, unique=True)
    prev_hash: str = Field(max_length=64, unique=True)


class ReviewRow(SQLModel, table=True):
    """The current human review status of one quote; its history is in the audit log."""

    __tablename__ = "reviews"

    quote_id: str = Field(primary_key=True, max_length=64)
    status: str = Field(max_length=16, index=True)
    note: str = Field(default="", sa_column=Column(Text, nullable=False))
    reviewer: str
    ts: str = Field(max_length=40)
    seq: int = Field(description="audit log entry that recorded this decision")


class PersonRow(SQLModel, table=True):
    """One entry of the authority file (``provenance people import``); see
    :mod:`provenance.people`. Speakers are matched to it when read, not rewritten."""

    __tablename__ = "people"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(index=True)
    aliases: str = Field(
        default="[]", sa_column=Column(Text, nullable=False), description="JSON array of strings"
    )
    identifier: str | None = Field(default=None, description="e.g. a Wikidata QID")
    gender: str | None = Field(default=None, max_length=16)
    title: str | None = None
    created_at: datetime


# ---- bulk writing -----------------------------------------------------------

_INSERTS: dict[tuple[str, str, tuple[str, ...]], tuple[str, tuple[str, ...] | None]] = {}


def insert_rows(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert ``rows`` (column values, the same keys in each) with one driver executemany.

    Only for values the driver takes as they are (text, integers, floats, None):
    the quotes and audit entries of a bulk load. SQLAlchemy's own executemany
    converts each parameter first, which cost about a third of writing them.
    """
    if not rows:
        return
    keys = tuple(rows[0])
    cache_key = (conn.dialect.name, table.name, keys)
    found = _INSERTS.get(cache_key)
    if found is None:
        compiled = table.insert().compile(dialect=conn.dialect, column_keys=list(keys))
        order = compiled.positiontup  # None where the driver takes named parameters
        found = _INSERTS[cache_key] = (str(compiled), tuple(order) if order else None)
    sql, names = found
    conn.exec_driver_sql(sql, [tuple(r[k] for k in names) for r in rows] if names else rows)
