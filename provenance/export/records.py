"""The records every export format is made of: every quote and claim with its provenance.

Quotes, then quantity claims, are read in keyset-paginated batches ordered by
(document, start, id), so memory holds one batch and the texts of the documents
it touches, whatever the size of the store. Each batch looks up its current
review statuses, cluster memberships and conflict flags in their tables; the
two streams are merged so each document's records come together. Each format
module of :mod:`provenance.export` writes these records its own way.
"""

from __future__ import annotations

import datetime as dt
import heapq
from collections.abc import Iterator
from typing import Any, Literal

from pydantic import BaseModel, Field
from sqlalchemy import tuple_
from sqlmodel import Session, col, select

from provenance import audit
from provenance.cells import neutralise
from provenance.people import authority_for
from provenance.review import ReviewDecision, ReviewStatus, decision
from provenance.store import find_speakers
from provenance.tables import (
    AuditRow,
    ClaimRow,
    ClusterMemberRow,
    ConflictRow,
    DocumentRow,
    QuoteRow,
    ReviewRow,
    SpeakerRow,
)

SELECTOR_CONTEXT = 32
"""Characters of prefix and suffix in a TextQuoteSelector."""
PAGE_ROWS = 1000  # rows read per query while exporting


class ExportDocument(BaseModel):
    id: str = Field(description="SHA-256 (hex) of the document text as UTF-8")
    path: str | None = None
    url: str | None = None
    source: str | None = None
    title: str | None = None
    date: dt.date | None = Field(default=None, description="publication date")


class TextQuoteSelector(BaseModel):
    """W3C Web Annotation selector: finds the quote again in the document text."""

    type: Literal["TextQuoteSelector"] = "TextQuoteSelector"
    exact: str
    prefix: str = Field(description=f"up to {SELECTOR_CONTEXT} characters before")
    suffix: str = Field(description=f"up to {SELECTOR_CONTEXT} characters after")


class SpanRef(BaseModel):
    start: int = Field(ge=0, description="character offset, inclusive")
    end: int = Field(ge=0, description="character offset, exclusive")
    text: str


class LogRef(BaseModel):
    """The audit log entry that created a record: check it with ``provenance verify``."""

    seq: int
    hash: str


class ClaimDetail(BaseModel):
    """What a quantity claim says: ``low``–``high`` (``high`` None: no upper bound) of ``noun``."""

    quantity: SpanRef = Field(description="the number as written in the document")
    low: float
    high: float | None = None
    unit: str = Field(description="count | fraction")
    noun: str
    noun_class: str
    event: str | None = None


class ExportRecord(BaseModel):
    """One quote or claim in ``provenance export --format jsonl``.

    ``text`` is ``document text[start:end]`` (character offsets; a claim's span
    is its sentence); ``confidence`` is 0–1. ``cluster_id`` and
    ``conflict_flags`` (``<kind>:<flag id>``, as in ``provenance log``) are the
    current clusters and flags; their history is in the audit log.
    """

    id: str
    record_type: Literal["quote", "claim"] = "quote"
    text: str
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    kind: Literal["direct", "mixed", "indirect", "nonspeech", "claim"]
    speaker: str | None = None
    speaker_id: int | None = None
    speaker_identifier: str | None = Field(
        default=None,
        description=(
            "the speaker's authority identifier (provenance people import), e.g. a Wikidata QID"
        ),
    )
    speaker_kind: str | None = Field(
        default=None, description="person, organization, document, anonymous"
    )
    speaker_mention: SpanRef | None = None
    cue: SpanRef | None = None
    claim: ClaimDetail | None = Field(default=None, description="claims only")
    document: ExportDocument
    selector: TextQuoteSelector
    extractor_version: str | None = Field(default=None, description="quotes only")
    rule: str
    confidence: float | None = Field(default=None, ge=0.0, le=1.0, description="quotes only")
    cluster_id: str | None = None
    conflict_flags: list[str] = Field(default_factory=list)
    review_status: ReviewStatus = ReviewStatus.unreviewed
    review_history: list[ReviewDecision] = Field(default_factory=list)
    created_by: LogRef | None = Field(
        default=None, description="extraction.run (quote) or claims.extracted (claim) entry"
    )


class CsvRecord(BaseModel):
    """One row of ``provenance export --format csv``: every cell a string, as written.

    A cell that a spreadsheet could run as a formula starts with an added ``'``;
    the raw value is in the JSON Lines export under the same ``id``.
    """

    id: str
    record_type: str
    text: str
    start: str
    end: str
    kind: str
    speaker: str
    speaker_mention: str
    cue: str
    document_id: str
    path: str
    url: str
    source: str
    date: str
    prefix: str
    suffix: str
    extractor_version: str
    rule: str
    confidence: str
    cluster_id: str
    conflict_flags: str = Field(description="flags joined with '; '")
    review_status: str
    review_history: str = Field(description="'ts by: status (note)' joined with ' | '")
    log_seq: str
    log_hash: str


def _span(s: int | None, e: int | None, t: str | None) -> SpanRef | None:
    return (
        SpanRef(start=s, end=e, text=t)
        if s is not None and e is not None and t is not None
        else None
    )


_COLUMNS: tuple[Any, ...] = (
    QuoteRow.id,
    QuoteRow.document_id,
    QuoteRow.kind,
    QuoteRow.start,
    QuoteRow.end,
    QuoteRow.text,
    QuoteRow.speaker_start,
    QuoteRow.speaker_end,
    QuoteRow.speaker_text,
    QuoteRow.cue_start,
    QuoteRow.cue_end,
    QuoteRow.cue_text,
    QuoteRow.speaker_id,
    QuoteRow.confidence,
    QuoteRow.rule,
    QuoteRow.extractor_version,
    SpeakerRow.name,
    col(SpeakerRow.kind).label("speaker_kind"),
    DocumentRow.path,
    DocumentRow.url,
    DocumentRow.source,
    DocumentRow.title,
    DocumentRow.published,
)


_CLAIM_COLUMNS: tuple[Any, ...] = (
    ClaimRow.id,
    ClaimRow.document_id,
    ClaimRow.start,
    ClaimRow.end,
    ClaimRow.text,
    ClaimRow.quantity_start,
    ClaimRow.quantity_end,
    ClaimRow.quantity_text,
    ClaimRow.low,
    ClaimRow.high,
    ClaimRow.unit,
    ClaimRow.noun,
    ClaimRow.noun_class,
    ClaimRow.event,
    ClaimRow.speaker,
    ClaimRow.speaker_id,
    col(SpeakerRow.kind).label("speaker_kind"),
    DocumentRow.path,
    DocumentRow.url,
    DocumentRow.source,
    DocumentRow.title,
    DocumentRow.published,
)


def _flag_name(kind: str, flag_id: str) -> str:
    return f"{kind}:{flag_id}"


def _flags_by_ref(session: Session, scopes: set[str]) -> dict[tuple[Any, ...], list[str]]:
    """(quote id) or (document, start, end, scope) of each record -> names of its flags.

    A claim is found by its sentence and scope: a sentence may hold claims about
    other things, which other flags are about.
    """
    out: dict[tuple[Any, ...], list[str]] = {}
    if not scopes:
        return out
    for fid, kind, scope, records in session.exec(
        select(ConflictRow.id, ConflictRow.kind, ConflictRow.scope, ConflictRow.records)
        .where(col(ConflictRow.scope).in_(sorted(scopes)))
        .order_by(col(ConflictRow.id))
    ):
        for ref in audit.flag_refs(records):
            key = (
                (ref["quote"],)
                if ref["quote"]
                else (ref["document"], ref["start"], ref["end"], scope)
            )
            out.setdefault(key, []).append(_flag_name(kind, fid))
    return out


class _Context:
    """What one batch needs besides its rows: texts, reviews, clusters, flags, log entries."""

    def __init__(
        self, session: Session, rows: list[Any], texts: dict[str, str], claims: bool = False
    ) -> None:
        ids = [r.id for r in rows]
        self.history: dict[str, list[ReviewDecision]] = {q: [] for q in ids}
        self.status: dict[str, str] = {}
        self.clusters: dict[str, int] = {}
        if not claims:
            for row in session.exec(
                select(*audit.ENTRY_COLUMNS)
                .where(
                    col(AuditRow.subject).in_([audit.subject("quote", q) for q in ids]),
                    AuditRow.action == audit.REVIEW,
                )
                .order_by(col(AuditRow.seq))
            ):
                entry = audit.to_entry(row)
                self.history[entry.subject.removeprefix("quote:")].append(decision(entry))
            self.status = dict(
                session.exec(
                    select(ReviewRow.quote_id, ReviewRow.status).where(
                        col(ReviewRow.quote_id).in_(ids)
                    )
                ).all()
            )
            self.clusters = dict(
                session.exec(
                    select(ClusterMemberRow.quote_id, ClusterMemberRow.cluster_id).where(
                        col(ClusterMemberRow.quote_id).in_(ids)
                    )
                ).all()
            )
            scopes = {f"cluster:{c}" for c in self.clusters.values()}
        else:
            scopes = {f"numeric:{r.noun_class}:{r.event}" for r in rows if r.event is not None}
        self.flags = _flags_by_ref(session, scopes)
        docs = list(dict.fromkeys(r.document_id for r in rows))
        missing = [d for d in docs if d not in texts]
        fresh = (
            dict(
                session.exec(
                    select(DocumentRow.id, DocumentRow.text).where(col(DocumentRow.id).in_(missing))
                ).all()
            )
            if missing
            else {}
        )
        # Keep only this batch's documents: the last may continue into the next batch.
        texts_now = {d: texts[d] if d in texts else fresh[d] for d in docs}
        texts.clear()
        texts.update(texts_now)
        self.texts = texts
        self.runs: dict[str, LogRef] = {}
        action = audit.CLAIMS_EXTRACTED if claims else audit.EXTRACTION_RUN
        for subj, seq, h in session.exec(
            select(AuditRow.subject, AuditRow.seq, AuditRow.hash)
            .where(
                col(AuditRow.subject).in_([audit.subject("document", d) for d in docs]),
                AuditRow.action == action,
            )
            .order_by(col(AuditRow.seq))
        ):
            self.runs[subj.removeprefix("document:")] = LogRef(seq=seq, hash=h)

    def selector(self, r: Any) -> TextQuoteSelector:
        text = self.texts[r.document_id]
        return TextQuoteSelector(
            exact=r.text,
            prefix=text[max(0, r.start - SELECTOR_CONTEXT) : r.start],
            suffix=text[r.end : r.end + SELECTOR_CONTEXT],
        )


def _document(r: Any) -> ExportDocument:
    return ExportDocument(
        id=r.document_id, path=r.path, url=r.url, source=r.source, title=r.title, date=r.published
    )


def _pages(session: Session, stmt: Any, order: tuple[Any, ...], batch: int) -> Iterator[list[Any]]:
    """Keyset pagination on ``order`` = (document, start, id) columns."""
    last: tuple[str, int, str] | None = None
    while True:
        page = stmt if last is None else stmt.where(tuple_(*order) > tuple_(*last))
        rows = list(session.exec(page.order_by(*order).limit(batch)))
        if not rows:
            return
        yield rows
        last = (rows[-1].document_id, rows[-1].start, rows[-1].id)


def _quote_records(
    session: Session, speaker_ids: list[int] | None, include_nonspeech: bool, batch: int
) -> Iterator[ExportRecord]:
    stmt = (
        select(*_COLUMNS)
        .join(DocumentRow, col(QuoteRow.document_id) == DocumentRow.id)
        .join(SpeakerRow, col(QuoteRow.speaker_id) == SpeakerRow.id, isouter=True)
    )
    if speaker_ids is not None:
        stmt = stmt.where(col(QuoteRow.speaker_id).in_(speaker_ids))
    if not include_nonspeech:
        stmt = stmt.where(QuoteRow.kind != "nonspeech")
    texts: dict[str, str] = {}
    for rows in _pages(
        session, stmt, (col(QuoteRow.document_id), col(QuoteRow.start), col(QuoteRow.id)), batch
    ):
        ctx = _Context(session, rows, texts)
        known = authority_for(session, {r.speaker_id for r in rows if r.speaker_id is not None})
        for r in rows:
            cluster = ctx.clusters.get(r.id)
            person = known.get(r.speaker_id) if r.speaker_id is not None else None
            yield ExportRecord(
                id=r.id,
                text=r.text,
                start=r.start,
                end=r.end,
                kind=r.kind,
                speaker=person.name if person else r.name,
                speaker_id=r.speaker_id,
                speaker_identifier=person.identifier if person else None,
                speaker_kind=r.speaker_kind,
                speaker_mention=_span(r.speaker_start, r.speaker_end, r.speaker_text),
                cue=_span(r.cue_start, r.cue_end, r.cue_text),
                document=_document(r),
                selector=ctx.selector(r),
                extractor_version=r.extractor_version,
                rule=r.rule,
                confidence=r.confidence,
                cluster_id=None if cluster is None else str(cluster),
                conflict_flags=ctx.flags.get((r.id,), []),
                review_status=ReviewStatus(ctx.status.get(r.id, ReviewStatus.unreviewed)),
                review_history=ctx.history[r.id],
                created_by=ctx.runs.get(r.document_id),
            )


def _claim_records(
    session: Session, speaker_ids: list[int] | None, batch: int
) -> Iterator[ExportRecord]:
    stmt = (
        select(*_CLAIM_COLUMNS)
        .join(DocumentRow, col(ClaimRow.document_id) == DocumentRow.id)
        .join(SpeakerRow, col(ClaimRow.speaker_id) == SpeakerRow.id, isouter=True)
    )
    if speaker_ids is not None:
        stmt = stmt.where(col(ClaimRow.speaker_id).in_(speaker_ids))
    texts: dict[str, str] = {}
    for rows in _pages(
        session, stmt, (col(ClaimRow.document_id), col(ClaimRow.start), col(ClaimRow.id)), batch
    ):
        ctx = _Context(session, rows, texts, claims=True)
        known = authority_for(session, {r.speaker_id for r in rows if r.speaker_id is not None})
        for r in rows:
            person = known.get(r.speaker_id) if r.speaker_id is not None else None
            yield ExportRecord(
                id=r.id,
                record_type="claim",
                text=r.text,
                start=r.start,
                end=r.end,
                kind="claim",
                speaker=person.name if person else r.speaker,
                speaker_id=r.speaker_id,
                speaker_identifier=person.identifier if person else None,
                speaker_kind=r.speaker_kind,
                claim=ClaimDetail(
                    quantity=SpanRef(
                        start=r.quantity_start, end=r.quantity_end, text=r.quantity_text
                    ),
                    low=r.low,
                    high=r.high,
                    unit=r.unit,
                    noun=r.noun,
                    noun_class=r.noun_class,
                    event=r.event,
                ),
                document=_document(r),
                selector=ctx.selector(r),
                rule=f"quantity:{r.unit}",
                conflict_flags=ctx.flags.get(
                    (r.document_id, r.start, r.end, f"numeric:{r.noun_class}:{r.event}"), []
                ),
                created_by=ctx.runs.get(r.document_id),
            )


def iter_records(
    session: Session,
    speaker: str | None = None,
    include_nonspeech: bool = False,
    batch: int = PAGE_ROWS,
    claims: bool = True,
) -> Iterator[ExportRecord]:
    """Every stored quote and quantity claim with its provenance, in document order."""
    ids = find_speakers(session, speaker) if speaker is not None else None
    quotes = _quote_records(session, ids, include_nonspeech, batch)
    if not claims:
        yield from quotes
        return
    # Both streams are ordered by (document, start, id): merging keeps memory flat.
    yield from heapq.merge(
        quotes, _claim_records(session, ids, batch), key=lambda r: (r.document.id, r.start, r.id)
    )


def csv_record(r: ExportRecord) -> CsvRecord:
    def s(value: object) -> str:
        return neutralise("" if value is None else str(value))

    history = " | ".join(
        f"{d.ts} {d.by}: {d.status.value}" + (f" ({d.note})" if d.note else "")
        for d in r.review_history
    )
    return CsvRecord(
        id=r.id,
        record_type=r.record_type,
        text=s(r.text),
        start=str(r.start),
        end=str(r.end),
        kind=r.kind,
        speaker=s(r.speaker),
        speaker_mention=s(r.speaker_mention.text if r.speaker_mention else None),
        cue=s(r.cue.text if r.cue else None),
        document_id=r.document.id,
        path=s(r.document.path),
        url=s(r.document.url),
        source=s(r.document.source),
        date=r.document.date.isoformat() if r.document.date else "",
        prefix=s(r.selector.prefix),
        suffix=s(r.selector.suffix),
        extractor_version=s(r.extractor_version),
        rule=s(r.rule),
        confidence="" if r.confidence is None else str(r.confidence),
        cluster_id=s(r.cluster_id),
        conflict_flags=s("; ".join(r.conflict_flags)),
        review_status=r.review_status.value,
        review_history=s(history),
        log_seq=str(r.created_by.seq) if r.created_by else "",
        log_hash=r.created_by.hash if r.created_by else "",
    )
