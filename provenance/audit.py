"""The audit log: an append-only, hash-chained record of every change.

Each change to the store appends one entry in the same transaction as the
change, so a change and its entry are committed together or not at all.
Entries are never updated or deleted; a correction is a new entry.

The hash contract (what ``provenance verify`` re-derives, and what anyone can
re-derive from an exported log with ten lines of code):

* An entry is the JSON object ``{"seq", "ts", "actor", "action", "subject",
  "payload", "prev_hash"}``: ``seq`` is 1, 2, 3, … with no gaps; ``ts`` is UTC,
  ISO 8601 with microseconds and a ``Z``; ``subject`` is ``"<kind>:<id>"``
  (``document:<sha256>``, ``quote:<id>``, ``speaker:<n>``, ``conflict:<id>``,
  ``cluster:*``); ``payload`` is an
  object; ``prev_hash`` is the previous entry's ``hash`` (64 zeros for seq 1).
* Its canonical JSON is ``json.dumps(entry, sort_keys=True,
  separators=(",", ":"), ensure_ascii=False, allow_nan=False)``, and its
  ``hash`` is the lowercase hex SHA-256 of that string encoded as UTF-8
  (:func:`entry_hash`).

Actions written by the library (payload keys in brackets):

* ``document.ingested`` [sha256, size (characters), path, url, source, title, published]
* ``extraction.run`` [extractor_version, quotes: one object per stored record
  with id, kind, start, end, text_sha256, rule, confidence (0–1), speaker_id,
  speaker and cue offsets, mention_name]
* ``claims.extracted`` [claims: id, start, end, text_sha256, quantity offsets,
  low, high, unit, noun_class, event, speaker_id, q_text, noun, days, places
  (JSON text as stored), speaker of every claim of the document]
* ``speaker.created`` [name, kind, document, titles, affiliation, aliases (the
  names the mention adds) or, when adopted, alias_counts {alias: [count,
  is_name]}]; ``speaker.merged`` [alias, document, score (0–100, rapidfuzz
  scale), evidence, and the mention's kind, titles, affiliation, aliases]:
  ``verify`` folds them into the speakers and aliases tables (entries written
  before these keys existed are checked for what they carry)
* ``review`` [status, previous, note]; ``document.deleted`` [quotes, reason]
* ``document.failed`` [sha256, path, line, stage, error, message, extractor]: a
  readable document that could not be stored (nothing of it is); ``verify`` skips it

* ``cluster.assigned`` on ``quote:<id>`` [cluster (``None``: left every cluster),
  previous, reason (new | joined | merged | forgotten), relation, score (0–100),
  matched (the stored quote it matched)]; ``cluster.reset`` on ``cluster:*``
  [clusters, members] before a rebuild forgets every membership
* ``flag.raised`` / ``flag.updated`` / ``flag.cleared`` on ``conflict:<id>``
  [flag, kind, scope, score (0–100), explanation, records (document, start,
  end, quote of each record involved), records_sha256, reason]

``speaker.reassigned`` [speaker_id] on a quote subject tells ``verify`` that a
quote's speaker changed after extraction.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime
from json.encoder import encode_basestring
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from pydantic import BaseModel, Field, ValidationError
from sqlalchemy import or_, text
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from provenance import __version__, locks
from provenance.batch import WriteBatch
from provenance.errors import InputError, StoreError, public
from provenance.tables import (
    AuditRow,
    ClaimRow,
    ClaimValues,
    ConflictRow,
    DocumentRow,
    QuoteRow,
    SpeakerRow,
)

GENESIS = "0" * 64
SOFTWARE_ACTOR = f"software:provenance/{__version__}"
APPEND_RETRIES = 8
PG_LOCK_KEY = locks.PG_APPEND_KEY  # orders appends to the log on PostgreSQL
PG_WRITE_KEY = locks.PG_WRITE_KEY  # every writer takes it first (see lock_writers)

DOCUMENT_INGESTED = "document.ingested"
DOCUMENT_DELETED = "document.deleted"
DOCUMENT_FAILED = "document.failed"
EXTRACTION_RUN = "extraction.run"
CLAIMS_EXTRACTED = "claims.extracted"
SPEAKER_CREATED = "speaker.created"
SPEAKER_MERGED = "speaker.merged"
SPEAKER_REASSIGNED = "speaker.reassigned"
SPEAKER_JOINED = "speaker.joined"  # a person merged another speaker into this one
SPEAKER_SPLIT = "speaker.split"  # a person moved one alias's quotes to this new speaker
REVIEW = "review"
FLAG_RAISED = "flag.raised"
FLAG_CLEARED = "flag.cleared"
FLAG_UPDATED = "flag.updated"
FLAG_REVIEWED = "flag.reviewed"  # a person confirms or dismisses a flag; the log is its record
CLUSTER_ASSIGNED = "cluster.assigned"
CLUSTER_RESET = "cluster.reset"
PERSON_IMPORTED = "person.imported"  # an authority file line (provenance.people)
FLAG_ACTIONS = (FLAG_RAISED, FLAG_UPDATED, FLAG_CLEARED)
SUBJECT_KINDS = ("document", "quote", "speaker", "cluster", "conflict", "person")


class AuditEntry(BaseModel):
    """One audit log entry, as stored and as exported (``provenance log``)."""

    seq: int = Field(ge=1, description="1, 2, 3, … without gaps")
    ts: str = Field(description="UTC, ISO 8601 with microseconds and Z")
    actor: str = Field(description="software:provenance/<version> or person:<name>")
    action: str
    subject: str = Field(description="<kind>:<id>, e.g. quote:<id> or document:<sha256>")
    payload: dict[str, Any]
    prev_hash: str = Field(description="hash of entry seq-1; 64 zeros for seq 1")
    hash: str = Field(description="SHA-256 hex of the canonical JSON of the other fields")

    def body(self) -> dict[str, Any]:
        """The hashed fields: everything but ``hash``."""
        return self.model_dump(exclude={"hash"})


def canonical_json(value: Any) -> str:
    """The one serialisation that is hashed: sorted keys, no spaces, UTF-8 kept, no NaN."""
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )


def entry_hash(body: Mapping[str, Any]) -> str:
    """SHA-256 (hex) of the canonical JSON of an entry without its ``hash`` field."""
    fields = {k: v for k, v in body.items() if k != "hash"}
    return hashlib.sha256(canonical_json(fields).encode("utf-8")).hexdigest()


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def subject(kind: str, ident: object) -> str:
    return f"{kind}:{ident}"


def person_actor(name: str) -> str:
    return f"person:{name}"


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


ENTRY_COLUMNS: tuple[Any, ...] = (
    AuditRow.seq,
    AuditRow.ts,
    AuditRow.actor,
    AuditRow.action,
    AuditRow.subject,
    AuditRow.payload,
    AuditRow.prev_hash,
    AuditRow.hash,
)
"""Selected as plain columns so that long reads keep no ORM objects alive."""


def to_entry(row: Any) -> AuditEntry:
    """An entry from an :class:`AuditRow` or a row of :data:`ENTRY_COLUMNS`.

    Raises :class:`MalformedEntry` (a :class:`StoreError`) for a row that is no
    entry: a seq below 1, a payload that is not a JSON object or is nested too
    deep to read. Only an edit of the database makes one; ``verify`` lists them.
    """
    try:
        return AuditEntry(
            seq=row.seq,
            ts=row.ts,
            actor=row.actor,
            action=row.action,
            subject=row.subject,
            payload=json.loads(row.payload),
            prev_hash=row.prev_hash,
            hash=row.hash,
        )
    except RecursionError:
        raise MalformedEntry(row.seq, "payload is nested too deep to read") from None
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise MalformedEntry(row.seq, f"{where}: {first['msg']}") from None
    except (ValueError, TypeError) as exc:
        raise MalformedEntry(row.seq, str(exc).splitlines()[0]) from None


class MalformedEntry(StoreError):
    """A row of the audit log that is not a readable entry (the database was edited)."""

    def __init__(self, seq: object, reason: str) -> None:
        self.seq, self.reason = seq, reason
        super().__init__(
            f"audit log entry {seq} is malformed ({reason}); "
            "run `provenance verify` for the full list"
        )


def lock_for_append(session: Session) -> bool:
    """Hold the log's write lock before reading the chain head; True when held.

    SQLite (WAL) has one writer at a time, so a head read under the write lock
    is still the head at commit; Python's sqlite3 opens a transaction only at
    the first write, so a session that has only read yet gets ``BEGIN IMMEDIATE``.
    PostgreSQL gets a transaction-scoped advisory lock: appenders queue until
    the previous one commits, then read its entry as the head (READ COMMITTED).
    """
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": PG_LOCK_KEY})
        return True
    if conn.dialect.name != "sqlite":
        return False
    raw = conn.connection.driver_connection
    if raw is not None and not raw.in_transaction:
        raw.execute("BEGIN IMMEDIATE")
    return True


def lock_writers(session: Session) -> None:
    """Take every write lock a transaction may need, first and in one order.

    PostgreSQL: the writers' advisory lock, then the log's (:data:`PG_WRITE_KEY`,
    :data:`PG_LOCK_KEY`), before any row is touched. A writer that updated rows
    and then queued for the log's lock while another held it and wanted those
    rows deadlocked (``review`` during ``match``). SQLite: BEGIN IMMEDIATE.
    """
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        for key in (PG_WRITE_KEY, PG_LOCK_KEY):
            session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})
        return
    lock_for_append(session)


def _entry_hash(
    seq: int, ts: str, actor: str, action: str, subject: str, payload_json: str, prev: str
) -> str:
    """:func:`entry_hash` of the body with its payload already in canonical JSON.

    The canonical JSON of the body spelled out in its sorted key order, so the
    payload is serialised once; the audit tests check it equals :func:`entry_hash`.
    """
    s = encode_basestring  # what canonical_json does to a str (ensure_ascii=False)
    text = (
        f'{{"action":{s(action)},"actor":{s(actor)},"payload":{payload_json},'
        f'"prev_hash":{s(prev)},"seq":{seq},"subject":{s(subject)},"ts":{s(ts)}}}'
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def record(
    session: Session,
    action: str,
    subject: str,
    payload: Mapping[str, Any],
    actor: str = SOFTWARE_ACTOR,
) -> AuditEntry:
    """Append one entry in the session's transaction; the caller commits.

    Safe with concurrent writers: on SQLite and PostgreSQL a lock is taken
    first (see :func:`lock_for_append`); elsewhere a writer that lost the race
    to the same ``seq`` (a unique key, like ``prev_hash``) rolls back to a
    savepoint and re-reads the head.
    """
    values = _append(session, action, subject, payload, actor)
    return AuditEntry.model_construct(**{**values, "payload": json.loads(values["payload"])})


def _append(
    session: Session, action: str, subject: str, payload: Mapping[str, Any], actor: str
) -> dict[str, Any]:
    """:func:`record` without building the entry to return: the row's column values.

    The store's hooks append ~5 entries per ingested document and use none of them.
    """
    # A remembered head means this transaction holds the lock already.
    batch = WriteBatch.peek(session)
    locked = (batch is not None and batch.audit_head is not None) or lock_for_append(session)
    payload_json = canonical_json(dict(payload))  # fails early on NaN, sets, …
    for _ in range(APPEND_RETRIES):
        # Under the lock the head cannot move but by our own appends, so within one
        # transaction it is read once (ingest appends several entries per document).
        last = batch.audit_head if locked and batch is not None else None
        if last is None:
            last = session.exec(
                select(AuditRow.seq, AuditRow.hash).order_by(col(AuditRow.seq).desc()).limit(1)
            ).first()
        seq, prev = (last[0] + 1, last[1]) if last else (1, GENESIS)
        ts = utc_now()
        digest = _entry_hash(seq, ts, actor, action, subject, payload_json, prev)
        values: dict[str, Any] = {
            "seq": seq,
            "ts": ts,
            "actor": actor,
            "action": action,
            "subject": subject,
            "payload": payload_json,
            "hash": digest,
            "prev_hash": prev,
        }
        if locked:
            # No insert per entry: the head is remembered (above), and with
            # ``hold_audit`` the entries go in together, in order, at the next flush,
            # ORM query or commit (see provenance.batch).
            batch = WriteBatch.of(session)
            if batch.hold_audit:
                batch.audit_entries.append(values)
            else:
                session.add(AuditRow(**values))
            batch.audit_head = (seq, digest)
            return values
        try:
            with session.begin_nested():
                session.add(AuditRow(**values))
            return values
        except IntegrityError:
            continue  # another writer appended seq first
    raise StoreError(f"could not append to the audit log after {APPEND_RETRIES} attempts")


# ---- hooks called by the store: one call per event ----------------------------


def log_document(
    session: Session, doc: DocumentRow | SimpleNamespace, actor: str = SOFTWARE_ACTOR, **extra: Any
) -> None:
    _append(
        session,
        DOCUMENT_INGESTED,
        subject("document", doc.id),
        {
            "sha256": doc.id,
            "size": doc.size,
            "path": doc.path,
            "url": doc.url,
            "source": doc.source,
            "title": doc.title,
            "published": doc.published.isoformat() if doc.published else None,
            **extra,
        },
        actor,
    )


def quote_fingerprint(q: QuoteRow | SimpleNamespace) -> dict[str, Any]:
    """What the extraction entry fixes about a stored quote (compared by ``verify``)."""

    def pair(s: int | None, e: int | None) -> list[int] | None:
        return [s, e] if s is not None and e is not None else None

    return {
        "id": q.id,
        "kind": q.kind,
        "start": q.start,
        "end": q.end,
        "text_sha256": text_hash(q.text),
        "rule": q.rule,
        "confidence": q.confidence,
        "speaker_id": q.speaker_id,
        "speaker": pair(q.speaker_start, q.speaker_end),
        "cue": pair(q.cue_start, q.cue_end),
        "mention_name": q.mention_name,
    }


def log_extraction(
    session: Session,
    doc_id: str,
    extractor_version: str,
    actor: str = SOFTWARE_ACTOR,
    stored: list[dict[str, Any]] | None = None,
) -> None:
    """The extraction run over one document, with every record it stored.

    ``stored``: the quote rows (column values) the caller has just inserted for a
    new document, which are then all it has; without it they are read back.
    """
    rows: Sequence[QuoteRow | SimpleNamespace]
    if stored is not None:
        # Quote ids are unique per (start, end), so this is the database's order too.
        rows = sorted((SimpleNamespace(**q) for q in stored), key=lambda q: (q.start, q.end))
    else:
        rows = session.exec(
            select(QuoteRow)
            .where(QuoteRow.document_id == doc_id)
            .order_by(col(QuoteRow.start), col(QuoteRow.end))
        ).all()
    _append(
        session,
        EXTRACTION_RUN,
        subject("document", doc_id),
        {"extractor_version": extractor_version, "quotes": [quote_fingerprint(q) for q in rows]},
        actor,
    )


def claim_fingerprint(c: ClaimRow | ClaimValues) -> dict[str, Any]:
    """What the ``claims.extracted`` entry fixes about a stored claim."""
    return {
        "id": c.id,
        "start": c.start,
        "end": c.end,
        "text_sha256": text_hash(c.text),
        "quantity": [c.quantity_start, c.quantity_end],
        "low": c.low,
        "high": c.high,
        "unit": c.unit,
        "noun_class": c.noun_class,
        "event": c.event,
        "speaker_id": c.speaker_id,
        "q_text": c.quantity_text,
        "noun": c.noun,
        "days": c.days,
        "places": c.places,
        "speaker": c.speaker,
    }


def log_claims(
    session: Session,
    doc_id: str,
    actor: str = SOFTWARE_ACTOR,
    rows: Sequence[ClaimRow | ClaimValues] | None = None,
) -> None:
    """The quantity claims stored for one document (all of them, as after this change).

    ``rows``: those claims, ordered by (start, quantity start, id), when the
    caller holds them (:func:`provenance.quantities.store_claims_of`).
    """
    if rows is None:
        rows = session.exec(
            select(ClaimRow)
            .where(ClaimRow.document_id == doc_id)
            .order_by(col(ClaimRow.start), col(ClaimRow.quantity_start), col(ClaimRow.id))
        ).all()
    _append(
        session,
        CLAIMS_EXTRACTED,
        subject("document", doc_id),
        {"claims": [claim_fingerprint(c) for c in rows]},
        actor,
    )


def log_speaker_created(
    session: Session,
    row: SpeakerRow | SimpleNamespace,
    doc_id: str,
    actor: str = SOFTWARE_ACTOR,
    aliases: list[str] | None = None,
    alias_counts: dict[str, list[Any]] | None = None,
) -> None:
    """A new speaker with the aliases its first mention gave it (``aliases``), or, when
    adopted, every stored alias as ``alias_counts`` {alias: [count, is_name]}."""
    payload: dict[str, Any] = {
        "name": row.name,
        "kind": row.kind,
        "document": doc_id,
        "titles": json.loads(row.titles),
        "affiliation": row.affiliation,
    }
    if aliases is not None:
        payload["aliases"] = aliases
    if alias_counts is not None:
        payload["alias_counts"] = alias_counts
    _append(session, SPEAKER_CREATED, subject("speaker", row.id), payload, actor)


def log_speaker_merged(
    session: Session,
    speaker_id: int,
    alias: str,
    doc_id: str,
    score: float,
    evidence: str,
    actor: str = SOFTWARE_ACTOR,
    **mention: Any,
) -> None:
    """A mention matched to a stored speaker; ``score`` is 0–100 (rapidfuzz scale).

    ``mention``: what the mention adds to the speaker (kind, titles, affiliation,
    aliases), which ``verify`` folds to re-derive the speaker's stored columns.
    """
    _append(
        session,
        SPEAKER_MERGED,
        subject("speaker", speaker_id),
        {"alias": alias, "document": doc_id, "score": score, "evidence": evidence, **mention},
        actor,
    )


def log_cluster_assigned(
    session: Session,
    quote_id: str,
    cluster: int | None,
    previous: int | None,
    reason: str,
    relation: str | None = None,
    score: float | None = None,
    matched: str | None = None,
    actor: str = SOFTWARE_ACTOR,
) -> None:
    """A quote joined ``cluster`` (or left ``previous`` when ``cluster`` is None).

    ``relation`` and ``score`` (0–100) compare it with ``matched``, the stored
    quote that brought it in; a new cluster has neither.
    """
    _append(
        session,
        CLUSTER_ASSIGNED,
        subject("quote", quote_id),
        {
            "cluster": cluster,
            "previous": previous,
            "reason": reason,
            "relation": relation,
            "score": score,
            "matched": matched,
        },
        actor,
    )


def flag_refs(records_json: str) -> list[dict[str, Any]]:
    """The records a stored flag involves, as (document, start, end, quote) objects."""
    return [
        {
            "document": r.get("document"),
            "start": r.get("start"),
            "end": r.get("end"),
            "quote": r.get("quote_id"),
        }
        for r in json.loads(records_json)
    ]


def flag_fingerprint(row: ConflictRow) -> dict[str, Any]:
    """What a flag entry fixes about a stored conflict (compared by ``verify``)."""
    return {
        "flag": row.id,
        "kind": row.kind,
        "scope": row.scope,
        "score": row.score,
        "explanation": row.explanation,
        "records": flag_refs(row.records),
        "records_sha256": text_hash(row.records),
    }


def log_flag(
    session: Session, action: str, row: ConflictRow, reason: str, actor: str = SOFTWARE_ACTOR
) -> None:
    """A conflict flag raised, updated or cleared; ``reason`` says which refresh did it."""
    _append(
        session,
        action,
        subject("conflict", row.id),
        {**flag_fingerprint(row), "reason": reason},
        actor,
    )


# ---- reading -------------------------------------------------------------------


def iter_entries(
    session: Session,
    subject_prefix: str | None = None,
    action: str | None = None,
    batch: int = 1000,
) -> Iterator[AuditEntry]:
    """Entries in ``seq`` order, read ``batch`` at a time (memory stays flat)."""
    after = 0
    while True:
        stmt = select(*ENTRY_COLUMNS).where(col(AuditRow.seq) > after)
        if subject_prefix and ":" in subject_prefix:
            stmt = stmt.where(col(AuditRow.subject).startswith(subject_prefix))
        elif subject_prefix:  # a bare id: any kind of subject
            stmt = stmt.where(
                or_(
                    *(
                        col(AuditRow.subject).startswith(f"{kind}:{subject_prefix}")
                        for kind in SUBJECT_KINDS
                    )
                )
            )
        if action:
            stmt = stmt.where(AuditRow.action == action)
        rows = session.exec(stmt.order_by(col(AuditRow.seq)).limit(batch)).all()
        if not rows:
            return
        for row in rows:
            yield to_entry(row)
        after = rows[-1].seq


@public
def list_entries(
    session: Session,
    subject_prefix: str | None = None,
    action: str | None = None,
    limit: int | None = None,
) -> Iterator[AuditEntry]:
    """Entries for ``provenance log``: ``quote:ab12`` or a bare ``ab12`` match by prefix."""
    for n, entry in enumerate(iter_entries(session, subject_prefix, action)):
        if limit is not None and n >= limit:
            return
        yield entry


def head(session: Session) -> AuditEntry | None:
    """The last entry: its hash stands for the whole log (publish it to anchor the log)."""
    row = session.exec(select(AuditRow).order_by(col(AuditRow.seq).desc()).limit(1)).first()
    return to_entry(row) if row else None


class Checkpoint(BaseModel):
    """The log's head at one moment: keep it elsewhere, and ``verify --checkpoint`` proves
    the log still extends it (nothing up to ``seq`` was rewritten or removed)."""

    seq: int = Field(ge=0, description="entries in the log; 0 for an empty log")
    hash: str = Field(description="hash of entry seq (64 zeros for an empty log)")
    ts: str = Field(description="UTC time the entry was written, ISO 8601")


def checkpoint(session: Session) -> Checkpoint:
    """The current head as a :class:`Checkpoint` (one indexed read)."""
    row = session.exec(
        select(AuditRow.seq, AuditRow.hash, AuditRow.ts).order_by(col(AuditRow.seq).desc()).limit(1)
    ).first()
    if row is None:
        return Checkpoint(seq=0, hash=GENESIS, ts="")
    return Checkpoint(seq=row[0], hash=row[1], ts=row[2])


def write_checkpoint(session: Session, out: Path | None = None) -> Checkpoint:
    """The current :func:`checkpoint`, also written to ``out`` as JSON when given."""
    cp = checkpoint(session)
    if out is not None:
        try:
            out.write_text(cp.model_dump_json(indent=2) + "\n", encoding="utf-8")
        except OSError as exc:
            raise InputError(str(out), f"cannot write: {exc.strerror}") from None
    return cp


def read_checkpoint(path: Path) -> Checkpoint:
    """A checkpoint file written by ``provenance checkpoint --out``; InputError if it is not one."""
    try:
        return Checkpoint.model_validate_json(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(str(path), f"cannot read: {exc}") from None
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "file"
        raise InputError(str(path), f"not a checkpoint: {where}: {first['msg']}") from None
