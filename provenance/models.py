"""Typed records passed between pipeline stages and returned by the library.

These are plain pydantic models: what a caller gets back and what the CLI
prints. The database tables that persist them live in :mod:`provenance.tables`.

Every :class:`Span` is a half-open range of character offsets (not bytes) into a
document's text exactly as stored, and ``text[start:end] == span.text`` always.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import date, datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, model_validator

QuoteKind = Literal["direct", "mixed", "indirect", "nonspeech"]
"""``direct``: a whole quoted statement; ``mixed``: a quoted fragment inside
reported speech; ``indirect``: paraphrase without quotation marks;
``nonspeech``: quotation marks that report nobody (scare quotes, sign text,
titles). Non-speech records are stored but never given a speaker."""


class Record(BaseModel):
    """Base of the records: a model's validator and serializer are built when it is
    first used, not at import (most commands use a few of them; building them all
    took ~30 ms of every start-up, issue 15)."""

    model_config = ConfigDict(defer_build=True)


class SpeakerKind(StrEnum):
    person = "person"
    organization = "organization"
    document = "document"
    anonymous = "anonymous"


class Span(Record):
    """Half-open character range ``[start, end)`` into a document's text."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    start: int = Field(ge=0)
    end: int = Field(ge=0)
    text: str

    @model_validator(mode="after")
    def _consistent(self) -> Span:
        if self.end < self.start or len(self.text) != self.end - self.start:
            raise ValueError(f"span [{self.start}, {self.end}) cannot hold {len(self.text)} chars")
        return self

    @classmethod
    def of(cls, text: str, start: int, end: int) -> Span:
        """The span of ``text[start:end]``; offsets are characters."""
        return cls(start=start, end=end, text=text[start:end])

    def holds_in(self, text: str) -> bool:
        """True when this span is exactly what ``text`` has at its offsets."""
        return text[self.start : self.end] == self.text


class ResolvedSpeaker(Record):
    """Who a speaker mention refers to, as far as one document tells."""

    name: str
    kind: SpeakerKind = SpeakerKind.person
    titles: list[str] = Field(default_factory=list)
    affiliation: str | None = None
    mentions: list[str] = Field(default_factory=list)
    gender: str = Field(
        default="-",
        description="m, f or - (unknown): what the document "
        "says (titles, first name, the pronouns that refer to the person)",
    )


class Attribution(Record):
    """One quote or attributed claim found in one document (no database ids).

    ``confidence`` is 0.0–1.0; ``rule`` names the extraction rule that fired.
    """

    kind: QuoteKind
    content: Span
    speaker: Span | None = None
    cue: Span | None = None
    resolved: ResolvedSpeaker | None = None
    confidence: float = Field(default=1.0, ge=0.0, le=1.0)
    rule: str = ""

    @property
    def speaker_name(self) -> str | None:
        return self.resolved.name if self.resolved else None

    def spans(self) -> list[Span]:
        return [s for s in (self.content, self.speaker, self.cue) if s is not None]


class DocumentMeta(Record):
    """Where a document came from: what a reader needs to cite it."""

    path: str | None = None
    url: str | None = None
    source: str | None = None
    title: str | None = None
    published: date | None = None


class DocumentIn(DocumentMeta):
    """A document as read from input, before storage."""

    text: str
    line: int | None = Field(default=None, description="1-based line of a JSON Lines input")
    warning: str | None = Field(default=None, description="read, but with a caveat (e.g. encoding)")

    # (text, its id): ingest asks for the id of every document several times.
    _id_of: tuple[str, str] | None = PrivateAttr(default=None)

    @property
    def id(self) -> str:
        known = self._id_of
        if known is None or known[0] is not self.text:  # the text may have been replaced
            known = self._id_of = (self.text, document_id(self.text))
        return known[1]


def document_id(text: str) -> str:
    """SHA-256 (hex) of the document text as UTF-8: identity by content."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class Document(DocumentMeta):
    """A stored document, without its text."""

    id: str
    ingested_at: datetime
    size: int = Field(description="length of the text in characters")


class Speaker(Record):
    id: int
    name: str
    kind: SpeakerKind
    titles: list[str] = Field(default_factory=list)
    affiliation: str | None = None
    aliases: list[str] = Field(default_factory=list)
    quotes: int = 0
    identifier: str | None = Field(
        default=None,
        description=("from the authority file (provenance people import), e.g. a Wikidata QID"),
    )


class Merge(Record):
    """A decision to treat a mention as an existing speaker, kept for review."""

    speaker_id: int
    speaker: str
    alias: str
    document: str
    score: float = Field(description="0–100, rapidfuzz scale")
    evidence: str


class Quote(Record):
    """A stored quote or claim, with the speaker resolved across documents."""

    id: str
    document: str
    kind: QuoteKind
    content: Span
    speaker_mention: Span | None = None
    cue: Span | None = None
    speaker_id: int | None = None
    speaker: str | None = None
    speaker_identifier: str | None = Field(
        default=None,
        description=(
            "the speaker's authority identifier (provenance people import), e.g. a Wikidata QID"
        ),
    )
    confidence: float
    rule: str
    extractor_version: str
    source: str | None = None
    path: str | None = None
    published: date | None = None
    review_status: str = Field(
        default="unreviewed", description="unreviewed, verified, disputed or retracted"
    )
    cluster_id: int | None = Field(default=None, description="the statement it reports, if any")
    first_appearance: bool = Field(
        default=True, description="the earliest report of its statement (see `provenance trace`)"
    )
    sources: int = Field(default=1, ge=1, description="distinct outlets that carry its statement")

    @property
    def start(self) -> int:
        return self.content.start

    @property
    def end(self) -> int:
        return self.content.end

    @property
    def text(self) -> str:
        return self.content.text


QUOTE_COLUMNS = (
    "id",
    "document_id",
    "kind",
    "start",
    "end",
    "text",
    "speaker_start",
    "speaker_end",
    "speaker_text",
    "cue_start",
    "cue_end",
    "cue_text",
    "speaker_id",
    "confidence",
    "rule",
    "extractor_version",
)
"""The columns of the ``quotes`` table a :class:`Quote` is built from, in the order
:func:`stored_quote` takes their values."""


def stored_quote(
    values: Sequence[Any],
    speaker: str | None,
    source: str | None = None,
    path: str | None = None,
    published: date | None = None,
    status: str | None = None,
) -> Quote:
    """A stored quote as a record: ``values`` of :data:`QUOTE_COLUMNS`, the speaker's
    name, its document's source, path and date, its review status (None: unreviewed).

    One builder for the store and :mod:`provenance.quickread`, which reads the same rows
    with sqlite3.
    """
    v = dict(zip(QUOTE_COLUMNS, values, strict=True))

    def span(s: int | None, e: int | None, t: str | None) -> Span | None:
        return (
            Span(start=s, end=e, text=t)
            if s is not None and e is not None and t is not None
            else None
        )

    return Quote(
        id=v["id"],
        document=v["document_id"],
        kind=v["kind"],
        content=Span(start=v["start"], end=v["end"], text=v["text"]),
        speaker_mention=span(v["speaker_start"], v["speaker_end"], v["speaker_text"]),
        cue=span(v["cue_start"], v["cue_end"], v["cue_text"]),
        speaker_id=v["speaker_id"],
        speaker=speaker,
        confidence=v["confidence"],
        rule=v["rule"],
        extractor_version=v["extractor_version"],
        source=source,
        path=path,
        published=published,
        review_status=status or "unreviewed",
    )


class Stats(Record):
    documents: int
    quotes: int
    speakers: int
    nonspeech: int = 0
    by_kind: dict[str, int] = Field(default_factory=dict)


class IngestProblem(Record):
    path: str
    line: int | None = None
    message: str
    internal: bool = False
    """A readable document that failed in provenance itself (a bug), not bad input."""

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.message}"


class UpdateReport(Record):
    """What one run of the cross-source checks changed (``crosscheck.update``/``rebuild``)."""

    claims: int = Field(default=0, description="quantity claims stored")
    quotes: int = Field(default=0, description="quotes matched against the clusters")
    clusters_touched: int = 0
    raised: int = Field(default=0, description="flags raised")
    cleared: int = Field(default=0, description="flags cleared")
    updated: int = Field(default=0, description="flags whose score or records changed")


class IngestReport(Record):
    new: int = 0
    unchanged: int = 0
    failed: int = 0
    quotes: int = Field(default=0, description="records stored, non-speech included")
    nonspeech: int = Field(default=0, description="of which non-speech (scare quotes, signs)")
    speakers: int = 0
    problems: list[IngestProblem] = Field(default_factory=list)
    warnings: list[IngestProblem] = Field(default_factory=list)
    document_ids: list[str] = Field(default_factory=list)
    checks: UpdateReport | None = Field(
        default=None,
        description="the cross-source checks of the new documents; None with match=False, "
        "when nothing new was stored, or when the checks failed (see problems)",
    )

    @property
    def ok(self) -> bool:
        return self.failed == 0


def quote_id(document: str, start: int, end: int) -> str:
    """Stable id of a quote: SHA-256 over its document and content offsets."""
    return hashlib.sha256(f"{document}:{start}:{end}".encode()).hexdigest()[:32]


_HEX = frozenset("0123456789abcdef")


def id_range(prefix: str) -> tuple[str, str] | None:
    """The ids starting with ``prefix`` as a range ``lo <= id < hi``, for an index to
    serve; None when ``prefix`` is empty or not lower-case hex (ids are)."""
    if not prefix or not set(prefix) <= _HEX:
        return None
    last = prefix[-1]
    return prefix, prefix[:-1] + (
        "g" if last == "f" else "a" if last == "9" else chr(ord(last) + 1)
    )


# ---- cross-source checks: clusters, quantity claims, flags -----------------


class SourceRef(Record):
    """Where a quote or claim appears: document, outlet, date, character offsets, speaker."""

    document: str
    source: str | None = None
    path: str | None = None
    published: date | None = None
    start: int
    end: int
    text: str
    speaker: str | None = None
    quote_id: str | None = None
    relation: str = Field(default="same", description="same | fragment | variant")
    score: float = Field(default=100.0, description="0–100 similarity to the canonical text")


class Cluster(Record):
    """One statement as reported across documents."""

    id: int
    text: str = Field(description="canonical wording: the most reported full version")
    speakers: list[str] = Field(default_factory=list)
    sources: list[SourceRef] = Field(default_factory=list)
    first_appearance: SourceRef | None = None
    distinct_sources: int = 0


class Claim(Record):
    """An attributed claim (indirect speech) or a quantified factual statement."""

    id: str
    kind: Literal["indirect", "quantity"]
    document: str
    source: str | None = None
    path: str | None = None
    published: date | None = None
    start: int
    end: int
    text: str = Field(description="the claim as written in the source, numbers included")
    speaker: str | None = Field(
        default=None,
        description="a person (the authority file's name when it has one), or the attributed body",
    )
    speaker_id: int | None = Field(default=None, description="the stored speaker, if any")
    speaker_identifier: str | None = Field(
        default=None,
        description="the speaker's authority identifier (provenance people import), e.g. a QID",
    )
    quantity: str | None = None
    low: float | None = None
    high: float | None = Field(default=None, description="None: unbounded (or not a quantity)")
    unit: str | None = None
    noun: str | None = None
    noun_class: str | None = None
    event: str | None = None


class Conflict(Record):
    """A disagreement between sources, with a 0–100 score and a plain explanation."""

    id: str
    kind: Literal["misquote", "misattribution", "numeric"]
    score: float = Field(description="0–100; higher is a stronger disagreement")
    explanation: str
    records: list[SourceRef]
    diff: str | None = Field(default=None, description="word diff: [-removed-] {+added+}")
