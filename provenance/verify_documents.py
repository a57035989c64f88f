"""``provenance verify``'s document checks: ids, spans, quotes, claims and blocking keys.

Each stored document's id must be the SHA-256 of its text; every content, speaker
and cue span must hold at its offsets; quotes and claims must be what the log's
extraction and claims entries recorded (:func:`check_document`); blocking keys must
re-derive from the quotes' texts (:func:`check_keys`); a document the log deleted
must be gone (:func:`check_documents_gone`).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlmodel import Session, col, select

from provenance import audit, blocking
from provenance.models import document_id
from provenance.tables import (
    AuditRow,
    ClaimRow,
    ClusterMemberRow,
    DocumentRow,
    MatchKeyRow,
    QuoteRow,
)
from provenance.verify_chain import ChainChecker, Mismatch, VerifyReport, differs, short_text

SPAN_FIELDS = (
    ("content", "start", "end", "text"),
    ("speaker", "speaker_start", "speaker_end", "speaker_text"),
    ("cue", "cue_start", "cue_end", "cue_text"),
)


DOC_FIELDS = ("size", "path", "url", "source", "title")


def _logged_document(
    session: Session, doc_id: str
) -> tuple[dict[str, Any] | None, audit.AuditEntry | None, audit.AuditEntry | None]:
    """The document's last ingest payload and its last extraction and claims entries."""
    ingested, run, claims = None, None, None
    for row in session.exec(
        select(*audit.ENTRY_COLUMNS)
        .where(
            AuditRow.subject == audit.subject("document", doc_id),
            col(AuditRow.action).in_(
                [audit.DOCUMENT_INGESTED, audit.EXTRACTION_RUN, audit.CLAIMS_EXTRACTED]
            ),
        )
        .order_by(col(AuditRow.seq))
    ):
        try:
            entry = audit.to_entry(row)
        except audit.MalformedEntry:
            continue  # reported by the chain check
        if entry.action == audit.DOCUMENT_INGESTED:
            ingested, run, claims = entry.payload, None, None
        elif entry.action == audit.EXTRACTION_RUN:
            run = entry
        else:
            claims = entry
    return ingested, run, claims


def _pairs(fp: dict[str, Any], pairs: tuple[tuple[str, str, str], ...]) -> dict[str, Any]:
    """A fingerprint with its [start, end] pairs spread over their two columns."""
    out = {k: v for k, v in fp.items() if k not in {p[0] for p in pairs}}
    for key, start, end in pairs:
        if key in fp:
            value = (
                fp[key] if isinstance(fp[key], list | tuple) and len(fp[key]) == 2 else [None, None]
            )
            out[start], out[end] = value
    if "text_sha256" in out:
        out["text"] = out.pop("text_sha256")
    return out


QUOTE_PAIRS = (("speaker", "speaker_start", "speaker_end"), ("cue", "cue_start", "cue_end"))


CLAIM_PAIRS = (("quantity", "q_start", "q_end"),)


def check_claims(
    session: Session,
    doc_id: str,
    text: str,
    entry: audit.AuditEntry | None,
    moved: dict[str, tuple[int, int]] | None = None,
) -> Iterator[Mismatch]:
    """The document's claims against its last ``claims.extracted`` entry and its text."""
    logged = {
        c["id"]: c
        for c in (entry.payload.get("claims", []) if entry else [])
        if isinstance(c, dict)
    }
    for row in session.exec(select(ClaimRow).where(ClaimRow.document_id == doc_id)):
        name = f"claim:{row.id}"
        # Mismatches name the database column (q_text), not the ORM attribute.
        for column, stored, start, end in (
            ("text", row.text, row.start, row.end),
            ("q_text", row.quantity_text, row.quantity_start, row.quantity_end),
        ):
            if text[start:end] != stored:
                yield Mismatch(
                    check="span",
                    record=name,
                    table="claims",
                    column=column,
                    detail=(
                        f"{column} {short_text(stored)} but the "
                        f"document has {short_text(text[start:end])} at "
                        f"[{start}:{end}]"
                    ),
                )
        expected = logged.pop(row.id, None)
        if expected is None or entry is None:
            yield Mismatch(
                check="record",
                record=name,
                table="claims",
                detail="no claims.extracted entry in the log created this record",
            )
            continue
        override = (moved or {}).get(row.id)
        if override is not None and entry is not None and override[1] > entry.seq:
            # A person's speaker merge or split after the extraction moved it.
            expected = dict(expected, speaker_id=override[0])
        yield from differs(
            name,
            "claims",
            _pairs(expected, CLAIM_PAIRS),
            _pairs(audit.claim_fingerprint(row), CLAIM_PAIRS),
            entry.seq,
        )
    for cid in logged:
        yield Mismatch(
            check="record",
            record=f"claim:{cid}",
            table="claims",
            detail=(
                f"created by log entry {entry.seq if entry else '?'} but missing from the database"
            ),
        )


def check_keys(session: Session, rows: list[QuoteRow]) -> Iterator[Mismatch]:
    """The blocking keys of some quotes: exactly those their texts give, for clustered ones."""
    ids = [r.id for r in rows]
    clustered = (
        set(
            session.exec(
                select(ClusterMemberRow.quote_id).where(col(ClusterMemberRow.quote_id).in_(ids))
            ).all()
        )
        if ids
        else set()
    )
    stored: dict[str, list[str]] = {}
    if ids:
        for qid, key in session.exec(
            select(MatchKeyRow.quote_id, MatchKeyRow.key).where(col(MatchKeyRow.quote_id).in_(ids))
        ):
            stored.setdefault(qid, []).append(key)
    todo = [r for r in rows if r.id in clustered]
    derived = (
        dict(
            zip(
                [r.id for r in todo],
                (k for _, k in blocking.batch_keys([r.text for r in todo])),
                strict=True,
            )
        )
        if todo
        else {}
    )
    for qid in sorted(set(stored) | set(derived)):
        have, want = sorted(stored.get(qid, [])), sorted(derived.get(qid, []))
        if have != want:
            extra, missing = sorted(set(have) - set(want)), sorted(set(want) - set(have))
            yield Mismatch(
                check="record",
                record=f"quote:{qid}",
                table="match_keys",
                column="key",
                detail=(
                    f"blocking keys differ from the quote's text: {len(extra)} not derived "
                    f"({', '.join(extra[:2])}), {len(missing)} missing ({', '.join(missing[:2])})"
                ),
            )


def check_document(
    session: Session, doc: Any, chain: ChainChecker, report: VerifyReport, quotes: list[QuoteRow]
) -> Iterator[Mismatch]:
    """One document, its quotes and claims; its quotes are added to ``quotes`` (their
    blocking keys are checked a batch of documents at a time: MinHash is vectorised)."""
    name = f"document:{doc.id}"
    text: str = doc.text
    if document_id(text) != doc.id:
        yield Mismatch(
            check="document",
            record=name,
            table="documents",
            column="text",
            detail=(
                f"stored text hashes to {document_id(text)[:16]}…, not its id: the text or the id "
                "was edited"
            ),
        )
    if doc.size != len(text):
        yield Mismatch(
            check="document",
            record=name,
            table="documents",
            column="size",
            detail=f"size {doc.size} but the text has {len(text)} characters",
        )
    ingested, run, claims = _logged_document(session, doc.id)
    if doc.id not in chain.documents or ingested is None:
        yield Mismatch(
            check="record",
            record=name,
            table="documents",
            detail="no document.ingested entry in the log",
        )
    else:
        published = doc.published.isoformat() if doc.published else None
        yield from differs(
            name,
            "documents",
            ingested,
            {**{f: getattr(doc, f) for f in DOC_FIELDS}, "published": published},
            chain.documents[doc.id],
        )
    logged = {
        q["id"]: q for q in (run.payload.get("quotes", []) if run else []) if isinstance(q, dict)
    }
    rows = list(session.exec(select(QuoteRow).where(QuoteRow.document_id == doc.id)))
    for row in rows:
        report.records += 1
        qname = f"quote:{row.id}"
        for label, s_attr, e_attr, t_attr in SPAN_FIELDS:
            start, end, stored = getattr(row, s_attr), getattr(row, e_attr), getattr(row, t_attr)
            if start is None and stored is None:
                continue
            report.spans += 1
            actual = text[start:end] if isinstance(start, int) and isinstance(end, int) else None
            if actual != stored:
                yield Mismatch(
                    check="span",
                    record=qname,
                    table="quotes",
                    column=t_attr,
                    detail=(
                        f"{label} text {short_text(stored)} but the document has "
                        f"{short_text(actual)} at [{start}:{end}]"
                    ),
                )
        expected = logged.pop(row.id, None)
        if expected is None or run is None:
            yield Mismatch(
                check="record",
                record=qname,
                table="quotes",
                detail="no extraction.run entry in the log created this record",
            )
            continue
        want = dict(
            expected,
            speaker_id=chain.reassigned.get(row.id, expected.get("speaker_id")),
            extractor_version=run.payload.get("extractor_version"),
        )
        # The stored offsets themselves: the fingerprint's pairs drop a half-set pair.
        actual_fp = {
            **_pairs(audit.quote_fingerprint(row), QUOTE_PAIRS),
            "extractor_version": row.extractor_version,
            **{c: getattr(row, c) for _, a, b in QUOTE_PAIRS for c in (a, b)},
        }
        yield from differs(qname, "quotes", _pairs(want, QUOTE_PAIRS), actual_fp, run.seq)
    for qid in logged:
        yield Mismatch(
            check="record",
            record=f"quote:{qid}",
            table="quotes",
            detail=(
                f"created by log entry {run.seq if run else '?'} but missing from the database"
            ),
        )
    yield from check_claims(session, doc.id, text, claims, chain.claim_speakers)
    quotes += rows


def check_documents_gone(
    session: Session, chain: ChainChecker, seen_documents: set[str]
) -> Iterator[Mismatch]:
    for doc_id, seq in chain.documents.items():
        if doc_id not in seen_documents:
            yield Mismatch(
                check="record",
                record=f"document:{doc_id}",
                table="documents",
                detail=(
                    f"ingested by log entry {seq} and never deleted, but missing from the database"
                ),
            )
    for qid, doc_id in session.exec(
        select(QuoteRow.id, QuoteRow.document_id)
        .join(DocumentRow, col(QuoteRow.document_id) == DocumentRow.id, isouter=True)
        .where(col(DocumentRow.id).is_(None))
    ):
        yield Mismatch(
            check="record",
            record=f"quote:{qid}",
            table="quotes",
            column="document_id",
            detail=f"its document {doc_id[:16]}… does not exist",
        )
    for kid, qid in session.exec(
        select(MatchKeyRow.id, MatchKeyRow.quote_id)
        .join(QuoteRow, col(MatchKeyRow.quote_id) == QuoteRow.id, isouter=True)
        .where(col(QuoteRow.id).is_(None))
    ):
        yield Mismatch(
            check="record",
            record=f"quote:{qid}",
            table="match_keys",
            column="quote_id",
            detail=f"blocking key {kid} of a quote that does not exist",
        )
