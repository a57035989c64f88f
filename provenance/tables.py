"""Database tables (SQLModel). Records returned to callers are in :mod:`provenance.models`.

Spans are stored flattened (``start``, ``end``, ``text``) so that ``verify`` can
re-check ``documents.text[start:end] == text`` with plain SQL rows.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

SCHEMA_VERSION = 2  # bump together with a step in provenance/migrations.py


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
    speaker_id: int | None = Field(default=None, foreign_key="speakers.id", index=True)
    mention_name: str | None = Field(default=None, description="name as resolved in its document")
    confidence: float
    rule: str
    extractor_version: str
