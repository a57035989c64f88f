"""Human decisions: review a quote, delete a document. Each is an audit log entry.

The ``reviews`` table holds only the current status of each reviewed quote, for
fast listings and exports; the history is the log (``review`` entries on the
quote's subject), and ``verify`` checks that the two agree.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import UTC, datetime

from pydantic import BaseModel, Field
from sqlalchemy import delete
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, col, select

from provenance import audit
from provenance.choices import FlagDecision, ReviewStatus
from provenance.corrections import CORRECTION
from provenance.crosscheck import forget_document, resync_quotes
from provenance.errors import NotFoundError, ProvenanceError, enum_value, public
from provenance.store import backoff, find_speakers, transient
from provenance.tables import (
    AliasRow,
    ClaimRow,
    ClusterMemberRow,
    ConflictRow,
    DocumentRow,
    MergeRow,
    QuoteRow,
    ReviewRow,
    SpeakerRow,
)


class ReviewDecision(BaseModel):
    """One decision as the log recorded it."""

    seq: int = Field(description="audit log entry")
    ts: str = Field(description="UTC, ISO 8601")
    by: str = Field(description="reviewer name")
    status: ReviewStatus
    previous: ReviewStatus
    note: str = ""
    hash: str = Field(description="SHA-256 of the audit log entry")


class ReviewState(BaseModel):
    """A quote's current status and every decision that led to it, oldest first."""

    quote_id: str
    status: ReviewStatus = ReviewStatus.unreviewed
    history: list[ReviewDecision] = Field(default_factory=list)


class FlagReview(BaseModel):
    """One decision on a conflict flag as the log recorded it."""

    seq: int = Field(description="audit log entry")
    ts: str = Field(description="UTC, ISO 8601")
    by: str = Field(description="reviewer name")
    decision: FlagDecision
    previous: FlagDecision
    note: str = ""
    hash: str = Field(description="SHA-256 of the audit log entry")


class FlagState(BaseModel):
    """A flag's current decision (``open`` until someone decides) and its history."""

    flag_id: str
    decision: FlagDecision = FlagDecision.open
    history: list[FlagReview] = Field(default_factory=list)


class DeletedDocument(BaseModel):
    document: str
    quotes: int
    seq: int = Field(description="audit log entry")


def _resolve_quote(session: Session, prefix: str) -> str:
    ids = session.exec(
        select(QuoteRow.id).where(col(QuoteRow.id).startswith(prefix)).limit(2)
    ).all()
    if len(ids) != 1:
        raise NotFoundError(f"{'no' if not ids else 'more than one'} quote with id {prefix!r}")
    return ids[0]


def decision(entry: audit.AuditEntry) -> ReviewDecision:
    p = entry.payload
    try:
        return ReviewDecision(
            seq=entry.seq,
            ts=entry.ts,
            by=entry.actor.removeprefix("person:"),
            status=p["status"],
            previous=p.get("previous", "unreviewed"),
            note=p.get("note", ""),
            hash=entry.hash,
        )
    except (KeyError, ValueError):  # only an edited log holds such an entry
        raise audit.MalformedEntry(entry.seq, "payload is not a review decision") from None


REVIEW_ATTEMPTS = 5
"""Tries when the database reports a transient failure (a lock, a deadlock, a dropped link)."""


@public
def review(
    session: Session, quote_id: str, status: ReviewStatus | str, note: str = "", by: str = ""
) -> ReviewState:
    """Record a reviewer's decision on a quote (id or unique prefix) and commit.

    A transient database failure is retried (the decision is recorded once);
    anything else is raised.
    """
    if not by.strip():
        raise ProvenanceError("a review needs a reviewer name (--by)")
    chosen: ReviewStatus = enum_value(ReviewStatus, status, "status")
    for attempt in range(REVIEW_ATTEMPTS):
        try:
            return _review_once(session, quote_id, chosen, note, by)
        except OperationalError as exc:
            session.rollback()
            if not transient(exc) or attempt + 1 == REVIEW_ATTEMPTS:
                raise
            backoff(attempt)
    raise AssertionError("unreachable")


def _review_once(
    session: Session, quote_id: str, status: ReviewStatus, note: str, by: str
) -> ReviewState:
    audit.lock_writers(session)  # the status read below is then the one we replace
    qid = _resolve_quote(session, quote_id)
    current = session.get(ReviewRow, qid)
    previous = ReviewStatus(current.status) if current else ReviewStatus.unreviewed
    entry = audit.record(
        session,
        audit.REVIEW,
        audit.subject("quote", qid),
        {"status": status.value, "previous": previous.value, "note": note},
        actor=audit.person_actor(by.strip()),
    )
    row = current or ReviewRow(
        quote_id=qid, status=status.value, reviewer=by, ts=entry.ts, seq=entry.seq
    )
    row.status, row.note, row.reviewer, row.ts, row.seq = (
        status.value,
        note,
        by.strip(),
        entry.ts,
        entry.seq,
    )
    session.add(row)
    session.commit()
    return review_state(session, qid)


def review_state(session: Session, quote_id: str) -> ReviewState:
    """Current status and history of one quote (id or unique prefix)."""
    qid = _resolve_quote(session, quote_id)
    return review_states(session, [qid])[qid]


def review_states(session: Session, quote_ids: Iterable[str]) -> dict[str, ReviewState]:
    """States of many quotes with two queries; unreviewed quotes get an empty history."""
    ids = list(quote_ids)
    states = {q: ReviewState(quote_id=q) for q in ids}
    subjects = [audit.subject("quote", q) for q in ids]
    if not ids:
        return states
    for row in session.exec(
        select(*audit.ENTRY_COLUMNS)
        .where(col(audit.AuditRow.subject).in_(subjects), audit.AuditRow.action == audit.REVIEW)
        .order_by(col(audit.AuditRow.seq))
    ):
        entry = audit.to_entry(row)
        states[entry.subject.removeprefix("quote:")].history.append(decision(entry))
    for qid, status in session.exec(
        select(ReviewRow.quote_id, ReviewRow.status).where(col(ReviewRow.quote_id).in_(ids))
    ):
        states[qid].status = ReviewStatus(status)
    return states


@public
def list_reviews(session: Session, status: ReviewStatus | str | None = None) -> list[ReviewState]:
    """Every reviewed quote (optionally only one status), most recent decision first."""
    stmt = select(ReviewRow.quote_id).order_by(col(ReviewRow.seq).desc())
    if status is not None:
        stmt = stmt.where(ReviewRow.status == enum_value(ReviewStatus, status, "status").value)
    ids = list(session.exec(stmt))
    states = review_states(session, ids)
    return [states[q] for q in ids]


class Reassigned(BaseModel):
    quote_id: str
    speaker_id: int
    speaker: str
    previous_id: int | None = None
    seq: int = Field(description="audit log entry")
    flags_raised: int = Field(default=0, description="flags the reassignment raised")
    flags_cleared: int = Field(default=0, description="flags the reassignment cleared")
    flags_updated: int = Field(
        default=0, description="flags whose records the reassignment changed (a speaker's name)"
    )


def reassign_speaker(
    session: Session, quote_id: str, speaker: int | str, note: str = "", by: str = ""
) -> Reassigned:
    """Attribute a quote (id or unique prefix) to another stored speaker and commit.

    ``speaker`` is a speaker id or a name query that means exactly one speaker.

    Logged as ``speaker.reassigned`` on the quote, which ``verify`` reads in place of
    the extraction's speaker. The flags of the quote's clusters are re-derived at once
    (:func:`provenance.crosscheck.resync_quotes`, reason ``correction``).
    """
    if not by.strip():
        raise ProvenanceError("a reassignment needs a reviewer name (--by)")
    if isinstance(speaker, str) and not speaker.strip().isdigit():
        ids = find_speakers(session, speaker.strip())
        if len(ids) != 1:
            raise NotFoundError(f"{speaker!r} means {len(ids)} speakers: give the id")
        speaker_id = ids[0]
    else:
        speaker_id = int(speaker)
    audit.lock_writers(session)
    qid = _resolve_quote(session, quote_id)
    target = session.get(SpeakerRow, speaker_id)
    if target is None:
        raise NotFoundError(f"no speaker with id {speaker_id}")
    row = session.get(QuoteRow, qid)
    assert row is not None
    previous = row.speaker_id
    entry = audit.record(
        session,
        audit.SPEAKER_REASSIGNED,
        audit.subject("quote", qid),
        {"speaker_id": speaker_id, "previous": previous, "note": note},
        actor=audit.person_actor(by.strip()),
    )
    row.speaker_id = speaker_id
    session.add(row)
    flags = resync_quotes(session, [qid], CORRECTION)
    out = Reassigned(
        quote_id=qid,
        speaker_id=speaker_id,
        speaker=target.name,
        previous_id=previous,
        seq=entry.seq,
        flags_raised=flags.raised,
        flags_cleared=flags.cleared,
        flags_updated=flags.updated,
    )
    session.commit()
    return out


def _flag_review(entry: audit.AuditEntry) -> FlagReview:
    p = entry.payload
    return FlagReview(
        seq=entry.seq,
        ts=entry.ts,
        by=entry.actor.removeprefix("person:"),
        decision=p["decision"],
        previous=p.get("previous", "open"),
        note=p.get("note", ""),
        hash=entry.hash,
    )


def flag_states(session: Session, flag_ids: Iterable[str]) -> dict[str, FlagState]:
    """Decisions on flags, read from their ``flag.reviewed`` log entries (subject index)."""
    ids = list(flag_ids)
    states = {f: FlagState(flag_id=f) for f in ids}
    if not ids:
        return states
    for row in session.exec(
        select(*audit.ENTRY_COLUMNS)
        .where(
            col(audit.AuditRow.subject).in_([audit.subject("conflict", f) for f in ids]),
            audit.AuditRow.action == audit.FLAG_REVIEWED,
        )
        .order_by(col(audit.AuditRow.seq))
    ):
        entry = audit.to_entry(row)
        state = states[entry.subject.removeprefix("conflict:")]
        state.history.append(_flag_review(entry))
        state.decision = state.history[-1].decision
    return states


def review_flag(
    session: Session, flag_id: str, decision: FlagDecision | str, note: str = "", by: str = ""
) -> FlagState:
    """Record a reviewer's decision on a conflict flag (id or unique prefix) and commit.

    The decision lives in the log (subject ``conflict:<id>``); a flag raised again
    with the same id keeps its history. "dismissed" also clears the flag (a
    ``flag.cleared`` entry, reason ``dismissed``), and later refreshes keep it down
    while its evidence (the records, hashed) is the same; "confirmed" keeps it.
    """
    if not by.strip():
        raise ProvenanceError("a review needs a reviewer name (--by)")
    decision = FlagDecision(decision)
    audit.lock_writers(session)
    ids = session.exec(
        select(ConflictRow.id).where(col(ConflictRow.id).startswith(flag_id)).limit(2)
    ).all()
    if len(ids) != 1:
        raise NotFoundError(f"{'no' if not ids else 'more than one'} flag with id {flag_id!r}")
    row = session.get(ConflictRow, ids[0])
    assert row is not None
    fid = row.id
    previous = flag_states(session, [fid])[fid].decision
    # The evidence hash lets a later refresh tell "the same false alarm" (stays
    # down) from new evidence under the same flag (raised again).
    audit.record(
        session,
        audit.FLAG_REVIEWED,
        audit.subject("conflict", fid),
        {
            "decision": decision.value,
            "previous": previous.value,
            "note": note,
            "evidence_sha256": audit.text_hash(row.records),
            "kind": row.kind,
            "scope": row.scope,
        },
        actor=audit.person_actor(by.strip()),
    )
    if decision is FlagDecision.dismissed:
        audit.log_flag(session, audit.FLAG_CLEARED, row, "dismissed")
        session.delete(row)
    session.commit()
    return flag_states(session, [fid])[fid]


def list_flag_reviews(session: Session) -> list[FlagState]:
    """Every flag someone decided on, most recent decision first."""
    latest: dict[str, int] = {}
    for subject, seq in session.exec(
        select(audit.AuditRow.subject, audit.AuditRow.seq).where(
            audit.AuditRow.action == audit.FLAG_REVIEWED
        )
    ):
        latest[subject.removeprefix("conflict:")] = seq
    ids = sorted(latest, key=lambda f: -latest[f])
    states = flag_states(session, ids)
    return [states[f] for f in ids]


@public
def delete_document(session: Session, doc_id: str, reason: str, by: str) -> DeletedDocument:
    """Remove a document and its records, logging what went; commits."""
    if not by.strip():
        raise ProvenanceError("a deletion needs a name (--by)")
    audit.lock_writers(session)
    ids = session.exec(
        select(DocumentRow.id).where(col(DocumentRow.id).startswith(doc_id)).limit(2)
    ).all()
    if len(ids) != 1:
        raise NotFoundError(f"no unique document with id {doc_id!r}")
    did = ids[0]
    quotes = list(
        session.exec(
            select(QuoteRow.id).where(QuoteRow.document_id == did).order_by(col(QuoteRow.id))
        )
    )
    entry = audit.record(
        session,
        audit.DOCUMENT_DELETED,
        audit.subject("document", did),
        {"quotes": quotes, "reason": reason},
        actor=audit.person_actor(by.strip()),
    )
    session.execute(delete(ReviewRow).where(col(ReviewRow.quote_id).in_(quotes)))
    # Clusters, claims and flags point at the quotes: they go first.
    forget_document(session, did)
    session.execute(delete(QuoteRow).where(col(QuoteRow.document_id) == did))
    session.execute(delete(MergeRow).where(col(MergeRow.document_id) == did))
    session.execute(delete(DocumentRow).where(col(DocumentRow.id) == did))
    session.commit()
    return DeletedDocument(document=did, quotes=len(quotes), seq=entry.seq)


class Adopted(BaseModel):
    documents: int = 0
    speakers: int = 0
    merges: int = 0
    memberships: int = Field(default=0, description="cluster memberships logged")
    flags: int = Field(default=0, description="conflict flags logged")
    log_began: str | None = Field(
        default=None,
        description=("time of the first log entry; records stored later are never adopted"),
    )
    refused: list[str] = Field(
        default_factory=list,
        description=(
            "records without entries stored after the log began (<kind>:<id>): not adopted, "
            "verify reports them"
        ),
    )


def _before(stamp: datetime | None, began: datetime | None) -> bool:
    """Whether a row's stored time is before the log's first entry (None: no log yet)."""
    if began is None:
        return True
    if stamp is None:
        return False
    return (stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)) < began


@public
def adopt(session: Session, by: str, batch: int = 100) -> Adopted:
    """Log the records stored before this store had an audit log; commits per batch.

    Only records from before the log's first entry (by their stored time:
    documents' ``ingested_at``, speakers' and merges' ``created_at``, flags'
    ``raised_at``; cluster memberships by their quote's document) are adopted.
    A record without entries stored since is an edit behind the log's back: it
    is listed in ``refused`` and left for ``verify`` to report.

    Each entry is made by ``person:<by>`` (not the software: it was recorded
    after the fact) and document entries carry ``"adopted": true``. Records
    that already have entries are left alone, so edits to them still show in
    ``verify``; running it again logs nothing new.
    """
    if not by.strip():
        raise ProvenanceError("adopting records needs a name (--by)")
    actor = audit.person_actor(by.strip())
    first = session.exec(
        select(audit.AuditRow.ts).order_by(col(audit.AuditRow.seq)).limit(1)
    ).first()
    began = datetime.fromisoformat(first.replace("Z", "+00:00")) if first else None
    logged_docs: set[str] = set()
    logged_speakers: set[int] = set()
    logged_merges: Counter[tuple[int, str, str, float]] = Counter()
    logged_members: set[str] = set()
    logged_flags: set[str] = set()
    for e in audit.iter_entries(session):
        ident = e.subject.partition(":")[2]
        if e.action == audit.DOCUMENT_INGESTED:
            logged_docs.add(ident)
        elif e.action == audit.CLUSTER_ASSIGNED:
            (
                logged_members.add
                if e.payload.get("cluster") is not None
                else logged_members.discard
            )(ident)
        elif e.action == audit.CLUSTER_RESET:
            logged_members.clear()
        elif e.action in (audit.FLAG_RAISED, audit.FLAG_UPDATED):
            logged_flags.add(ident)
        elif e.action == audit.FLAG_CLEARED:
            logged_flags.discard(ident)
        elif e.action in (audit.SPEAKER_CREATED, audit.SPEAKER_SPLIT) and ident.isdigit():
            logged_speakers.add(int(ident))
        elif e.action == audit.SPEAKER_MERGED and ident.isdigit():
            logged_merges[
                (int(ident), e.payload["alias"], e.payload["document"], float(e.payload["score"]))
            ] += 1
    out = Adopted(log_began=first)
    for row in session.exec(select(SpeakerRow).order_by(col(SpeakerRow.id))).all():
        if row.id is None or row.id in logged_speakers:
            continue
        if not _before(row.created_at, began):
            out.refused.append(f"speaker:{row.id}")
            continue
        counts = {
            a.alias: [a.count, a.is_name]
            for a in session.exec(
                select(AliasRow).where(AliasRow.speaker_id == row.id).order_by(col(AliasRow.id))
            )
        }
        audit.log_speaker_created(session, row, "", actor, alias_counts=counts)
        out.speakers += 1
    for m in session.exec(select(MergeRow).order_by(col(MergeRow.id))).all():
        key = (m.speaker_id, m.alias, m.document_id, float(m.score))
        if logged_merges[key] > 0:
            logged_merges[key] -= 1
            continue
        if not _before(m.created_at, began):
            out.refused.append(f"merge:{m.id}")
            continue
        audit.log_speaker_merged(
            session, m.speaker_id, m.alias, m.document_id, m.score, m.evidence, actor
        )
        out.merges += 1
    session.commit()
    missing = [
        d
        for d in session.exec(select(DocumentRow.id).order_by(col(DocumentRow.id)))
        if d not in logged_docs
    ]
    adopted_docs: set[str] = set()
    for start in range(0, len(missing), batch):
        for doc_id in missing[start : start + batch]:
            doc = session.get(DocumentRow, doc_id)
            assert doc is not None
            if not _before(doc.ingested_at, began):
                out.refused.append(f"document:{doc_id}")
                continue
            versions = Counter(
                session.exec(
                    select(QuoteRow.extractor_version).where(QuoteRow.document_id == doc_id)
                )
            )
            audit.log_document(session, doc, actor, adopted=True)
            audit.log_extraction(
                session, doc_id, versions.most_common(1)[0][0] if versions else "unknown", actor
            )
            if (
                session.exec(
                    select(ClaimRow.id).where(ClaimRow.document_id == doc_id).limit(1)
                ).first()
                is not None
            ):
                audit.log_claims(session, doc_id, actor)
            adopted_docs.add(doc_id)
            out.documents += 1
        session.commit()
        session.expunge_all()
    for member, doc_id, ingested in session.exec(
        select(ClusterMemberRow, QuoteRow.document_id, DocumentRow.ingested_at)
        .join(QuoteRow, col(QuoteRow.id) == ClusterMemberRow.quote_id)
        .join(DocumentRow, col(DocumentRow.id) == QuoteRow.document_id)
        .order_by(col(ClusterMemberRow.quote_id))
    ).all():
        if member.quote_id in logged_members:
            continue
        if doc_id not in adopted_docs and not _before(ingested, began):
            out.refused.append(f"quote:{member.quote_id}")
            continue
        audit.log_cluster_assigned(
            session,
            member.quote_id,
            member.cluster_id,
            None,
            "adopted",
            member.relation,
            member.score,
            actor=actor,
        )
        out.memberships += 1
    for f in session.exec(select(ConflictRow).order_by(col(ConflictRow.id))).all():
        if f.id in logged_flags:
            continue
        if not _before(f.raised_at, began):
            out.refused.append(f"conflict:{f.id}")
            continue
        audit.log_flag(session, audit.FLAG_RAISED, f, "adopted", actor)
        out.flags += 1
    session.commit()
    return out
