"""``provenance export``: every quote and claim with its full provenance, streamed.

Records are read in keyset-paginated batches ordered by (document, start, id),
so memory holds one batch and the texts of the documents it touches, whatever
the size of the store. JSON Lines keeps raw values; CSV neutralises cells a
spreadsheet would run as formulas (the raw value stays in the JSON Lines export,
matched by ``id``); PROV-JSON is in :mod:`provenance.export_prov`.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Iterator
from enum import StrEnum
from typing import Any, Literal, TextIO

from pydantic import BaseModel, Field
from sqlalchemy import tuple_
from sqlmodel import Session, col, select

from provenance import audit
from provenance.review import ReviewDecision, ReviewStatus, decision
from provenance.store import find_speakers
from provenance.tables import AuditRow, DocumentRow, QuoteRow, ReviewRow, SpeakerRow

SELECTOR_CONTEXT = 32
"""Characters of prefix and suffix in a TextQuoteSelector."""
BATCH = 1000
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")
"""A cell starting with one of these (after spaces) is run as a formula by some
spreadsheet (OWASP CSV injection; the full-width forms by CJK-locale Excel)."""


class ExportFormat(StrEnum):
    jsonl = "jsonl"
    csv = "csv"
    prov_json = "prov-json"


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


class ExportRecord(BaseModel):
    """One quote or claim in ``provenance export --format jsonl``.

    ``text`` is ``document text[start:end]`` (character offsets); ``confidence``
    is 0–1.
    """

    id: str
    text: str
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    kind: Literal["direct", "mixed", "indirect", "nonspeech"]
    speaker: str | None = None
    speaker_id: int | None = None
    speaker_kind: str | None = Field(default=None,
                                     description="person, organization, document, anonymous")
    speaker_mention: SpanRef | None = None
    cue: SpanRef | None = None
    document: ExportDocument
    selector: TextQuoteSelector
    extractor_version: str
    rule: str
    confidence: float = Field(ge=0.0, le=1.0)
    cluster_id: str | None = None
    conflict_flags: list[str] = Field(default_factory=list)
    review_status: ReviewStatus = ReviewStatus.unreviewed
    review_history: list[ReviewDecision] = Field(default_factory=list)
    created_by: LogRef | None = Field(default=None, description="extraction.run log entry")


class CsvRecord(BaseModel):
    """One row of ``provenance export --format csv``: every cell a string, as written.

    A cell that a spreadsheet could run as a formula starts with an added ``'``;
    the raw value is in the JSON Lines export under the same ``id``.
    """

    id: str
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
    return SpanRef(start=s, end=e, text=t) if s is not None and e is not None and t is not None \
        else None


_COLUMNS: tuple[Any, ...] = (
    QuoteRow.id, QuoteRow.document_id, QuoteRow.kind, QuoteRow.start, QuoteRow.end,
    QuoteRow.text, QuoteRow.speaker_start, QuoteRow.speaker_end, QuoteRow.speaker_text,
    QuoteRow.cue_start, QuoteRow.cue_end, QuoteRow.cue_text, QuoteRow.speaker_id,
    QuoteRow.confidence, QuoteRow.rule, QuoteRow.extractor_version,
    SpeakerRow.name, col(SpeakerRow.kind).label("speaker_kind"), DocumentRow.path,
    DocumentRow.url, DocumentRow.source, DocumentRow.title, DocumentRow.published)


class _QuoteLog:
    """What the log says about a batch of quotes: reviews, flags, cluster."""

    def __init__(self) -> None:
        self.history: list[ReviewDecision] = []
        self.flags: dict[str, None] = {}
        self.cluster: str | None = None

    def fold(self, entry: audit.AuditEntry) -> None:
        if entry.action == audit.REVIEW:
            self.history.append(decision(entry))
        elif entry.action == audit.FLAG_RAISED:
            self.flags[str(entry.payload.get("flag"))] = None
        elif entry.action == audit.FLAG_CLEARED:
            self.flags.pop(str(entry.payload.get("flag")), None)
        elif entry.action == audit.CLUSTER_ASSIGNED:
            cluster = entry.payload.get("cluster")
            self.cluster = None if cluster is None else str(cluster)


def _batch_context(session: Session, rows: list[Any], texts: dict[str, str]
                   ) -> tuple[dict[str, _QuoteLog], dict[str, str], dict[str, LogRef]]:
    ids = [r.id for r in rows]
    logs = {q: _QuoteLog() for q in ids}
    for row in session.exec(select(*audit.ENTRY_COLUMNS).where(
            col(AuditRow.subject).in_([audit.subject("quote", q) for q in ids]),
            col(AuditRow.action).in_(audit.QUOTE_ACTIONS)).order_by(col(AuditRow.seq))):
        entry = audit.to_entry(row)
        logs[entry.subject.removeprefix("quote:")].fold(entry)
    status = dict(session.exec(select(ReviewRow.quote_id, ReviewRow.status).where(
        col(ReviewRow.quote_id).in_(ids))).all())
    docs = list(dict.fromkeys(r.document_id for r in rows))
    missing = [d for d in docs if d not in texts]
    fresh = dict(session.exec(select(DocumentRow.id, DocumentRow.text).where(
        col(DocumentRow.id).in_(missing))).all()) if missing else {}
    # Keep only this batch's documents: the last may continue into the next batch.
    texts_now = {d: texts[d] if d in texts else fresh[d] for d in docs}
    texts.clear()
    texts.update(texts_now)
    runs: dict[str, LogRef] = {}
    for subj, seq, h in session.exec(select(AuditRow.subject, AuditRow.seq, AuditRow.hash).where(
            col(AuditRow.subject).in_([audit.subject("document", d) for d in docs]),
            AuditRow.action == audit.EXTRACTION_RUN).order_by(col(AuditRow.seq))):
        runs[subj.removeprefix("document:")] = LogRef(seq=seq, hash=h)
    return logs, status, runs


def iter_records(session: Session, speaker: str | None = None, include_nonspeech: bool = False,
                 batch: int = BATCH) -> Iterator[ExportRecord]:
    """Every stored quote or claim with its provenance, in document order."""
    stmt = select(*_COLUMNS).join(DocumentRow, col(QuoteRow.document_id) == DocumentRow.id).join(
        SpeakerRow, col(QuoteRow.speaker_id) == SpeakerRow.id, isouter=True)
    if speaker is not None:
        stmt = stmt.where(col(QuoteRow.speaker_id).in_(find_speakers(session, speaker)))
    if not include_nonspeech:
        stmt = stmt.where(QuoteRow.kind != "nonspeech")
    order = (col(QuoteRow.document_id), col(QuoteRow.start), col(QuoteRow.id))
    texts: dict[str, str] = {}
    last: tuple[str, int, str] | None = None
    while True:
        page = stmt if last is None else stmt.where(tuple_(*order) > tuple_(*last))
        rows = list(session.exec(page.order_by(*order).limit(batch)))
        if not rows:
            return
        logs, status, runs = _batch_context(session, rows, texts)
        for r in rows:
            text = texts[r.document_id]
            log = logs[r.id]
            yield ExportRecord(
                id=r.id, text=r.text, start=r.start, end=r.end, kind=r.kind, speaker=r.name,
                speaker_id=r.speaker_id, speaker_kind=r.speaker_kind,
                speaker_mention=_span(r.speaker_start, r.speaker_end, r.speaker_text),
                cue=_span(r.cue_start, r.cue_end, r.cue_text),
                document=ExportDocument(id=r.document_id, path=r.path, url=r.url,
                                        source=r.source, title=r.title, date=r.published),
                selector=TextQuoteSelector(
                    exact=r.text, prefix=text[max(0, r.start - SELECTOR_CONTEXT):r.start],
                    suffix=text[r.end:r.end + SELECTOR_CONTEXT]),
                extractor_version=r.extractor_version, rule=r.rule, confidence=r.confidence,
                cluster_id=log.cluster, conflict_flags=list(log.flags),
                review_status=ReviewStatus(status.get(r.id, ReviewStatus.unreviewed)),
                review_history=log.history, created_by=runs.get(r.document_id))
        last = (rows[-1].document_id, rows[-1].start, rows[-1].id)


def neutralise(value: str) -> str:
    """A cell no spreadsheet runs as a formula: a leading ``'`` if it could start one."""
    if value[:1] in ("\t", "\r") or value.lstrip(" \n\t\r").startswith(FORMULA_START):
        return "'" + value
    return value


def csv_record(r: ExportRecord) -> CsvRecord:
    def s(value: object) -> str:
        return neutralise("" if value is None else str(value))

    history = " | ".join(f"{d.ts} {d.by}: {d.status.value}" + (f" ({d.note})" if d.note else "")
                         for d in r.review_history)
    return CsvRecord(
        id=r.id, text=s(r.text), start=str(r.start), end=str(r.end), kind=r.kind,
        speaker=s(r.speaker),
        speaker_mention=s(r.speaker_mention.text if r.speaker_mention else None),
        cue=s(r.cue.text if r.cue else None), document_id=r.document.id,
        path=s(r.document.path), url=s(r.document.url), source=s(r.document.source),
        date=r.document.date.isoformat() if r.document.date else "",
        prefix=s(r.selector.prefix), suffix=s(r.selector.suffix),
        extractor_version=s(r.extractor_version), rule=s(r.rule), confidence=str(r.confidence),
        cluster_id=s(r.cluster_id), conflict_flags=s("; ".join(r.conflict_flags)),
        review_status=r.review_status.value, review_history=s(history),
        log_seq=str(r.created_by.seq) if r.created_by else "",
        log_hash=r.created_by.hash if r.created_by else "")


def write_jsonl(records: Iterator[ExportRecord], out: TextIO) -> int:
    n = 0
    for r in records:
        out.write(json.dumps(r.model_dump(mode="json"), ensure_ascii=False) + "\n")
        n += 1
    return n


def write_csv(records: Iterator[ExportRecord], out: TextIO) -> int:
    # Quoting every cell keeps separators and line breaks inside a cell from splitting it.
    writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerow(list(CsvRecord.model_fields))
    n = 0
    for r in records:
        writer.writerow(csv_record(r).model_dump(mode="json").values())
        n += 1
    return n


def export(session: Session, fmt: ExportFormat | str, out: TextIO, speaker: str | None = None,
           include_nonspeech: bool = False) -> int:
    """Write the export in ``fmt`` to ``out``; returns the number of quote records."""
    fmt = ExportFormat(fmt)
    records = iter_records(session, speaker, include_nonspeech)
    if fmt is ExportFormat.jsonl:
        return write_jsonl(records, out)
    if fmt is ExportFormat.csv:
        return write_csv(records, out)
    from provenance.export_prov import write_prov_json

    return write_prov_json(session, records, out)
