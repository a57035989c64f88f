"""``provenance verify``: re-derive everything the store claims and list what differs.

Four checks, each reported as :class:`Mismatch` rows naming the record:

* ``chain``: every audit entry's hash re-derives from its canonical JSON, each
  ``prev_hash`` is the hash before it and ``seq`` has no gaps (an edited or
  deleted entry breaks the chain at that point);
* ``document``: each document's id is the SHA-256 of its stored text;
* ``span``: ``text[start:end]`` equals the stored text of every content,
  speaker and cue span;
* ``record``: documents, quotes, claims, speakers, merges, review statuses,
  cluster memberships and conflict flags agree with the log entries that
  created them (the last ``cluster.assigned`` of each quote, the last
  ``flag.raised``/``flag.updated`` of each flag not cleared since), and
  nothing exists that no entry made.

Deleting the last entries of the log leaves a valid shorter chain; it is caught
by the ``record`` check when those entries made records, and always when the
caller passes the head hash published earlier (``expect_head``).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field
from sqlmodel import Session, col, select

from provenance import audit
from provenance.errors import InputError
from provenance.models import document_id
from provenance.tables import (
    AuditRow,
    ClaimRow,
    ClusterMemberRow,
    ClusterRow,
    ConflictRow,
    DocumentRow,
    MergeRow,
    QuoteRow,
    ReviewRow,
    SpeakerRow,
)

SPAN_FIELDS = (("content", "start", "end", "text"),
               ("speaker", "speaker_start", "speaker_end", "speaker_text"),
               ("cue", "cue_start", "cue_end", "cue_text"))
DOC_FIELDS = ("size", "path", "url", "source", "title")


class Mismatch(BaseModel):
    check: str = Field(description="chain, document, span or record")
    record: str = Field(description="<kind>:<id> of what is wrong, e.g. quote:<id>, log:<seq>")
    detail: str


class VerifyReport(BaseModel):
    entries: int = 0
    documents: int = 0
    spans: int = 0
    records: int = 0
    head_seq: int = 0
    head_hash: str = audit.GENESIS
    problems: list[Mismatch] = Field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _short(text: str | None, n: int = 40) -> str:
    if text is None:
        return "nothing"
    return repr(text if len(text) <= n else text[: n - 1] + "…")


def _value(v: object) -> str:
    return _short(v, 20) if isinstance(v, str) else repr(v)


class ChainChecker:
    """Feeds entries in order; remembers what the log says the store should hold."""

    def __init__(self) -> None:
        self.expected_seq = 1
        self.prev = audit.GENESIS
        self.count = 0
        self.documents: dict[str, int] = {}  # live document id -> seq of its ingest
        self.speakers: dict[int, int] = {}
        self.speaker_names: dict[int, set[str]] = {}  # every name the log gave a speaker
        self.merges: Counter[tuple[int, str, str, float]] = Counter()
        self.reviews: dict[str, tuple[str, int]] = {}  # quote id -> (status, seq)
        self.reassigned: dict[str, int | None] = {}
        self.members: dict[str, tuple[int, int]] = {}  # quote id -> (cluster, seq)
        self.flags: dict[str, tuple[dict[str, Any], int]] = {}  # flag id -> (payload, seq)

    def feed(self, body: dict[str, Any]) -> Iterator[Mismatch]:
        seq = body.get("seq")
        where = f"log:{seq}"
        self.count += 1
        if seq != self.expected_seq:
            yield Mismatch(check="chain", record=where, detail=(
                f"expected entry {self.expected_seq} next; entries "
                f"{self.expected_seq}..{seq - 1 if isinstance(seq, int) else '?'} are missing"))
        if body.get("prev_hash") != self.prev:
            yield Mismatch(check="chain", record=where, detail=(
                f"prev_hash {str(body.get('prev_hash'))[:16]}… is not the hash of the entry "
                f"before it ({self.prev[:16]}…)"))
        derived = audit.entry_hash(body)
        if derived != body.get("hash"):
            yield Mismatch(check="chain", record=where, detail=(
                f"stored hash {str(body.get('hash'))[:16]}… but the entry re-derives to "
                f"{derived[:16]}…: the entry was edited"))
        self.prev = str(body.get("hash"))
        self.expected_seq = (seq if isinstance(seq, int) else self.expected_seq) + 1
        self._fold(body)

    def _fold(self, body: dict[str, Any]) -> None:
        action, subj, p = body.get("action"), str(body.get("subject", "")), body.get("payload")
        if not isinstance(p, dict):
            return
        kind, _, ident = subj.partition(":")
        seq: int = body["seq"] if isinstance(body.get("seq"), int) else 0
        if action == audit.DOCUMENT_INGESTED:
            self.documents[ident] = seq
        elif action == audit.DOCUMENT_DELETED:
            self.documents.pop(ident, None)
            for q in p.get("quotes", []):
                self.reviews.pop(q, None)
                self.members.pop(q, None)
            for key in [k for k in self.merges if k[2] == ident]:
                del self.merges[key]
        elif action == audit.SPEAKER_CREATED and ident.isdigit():
            self.speakers[int(ident)] = seq
            self.speaker_names.setdefault(int(ident), set()).add(str(p.get("name")))
        elif action == audit.SPEAKER_MERGED and ident.isdigit():
            self.speaker_names.setdefault(int(ident), set()).add(str(p.get("alias")))
            self.merges[(int(ident), p.get("alias", ""), p.get("document", ""),
                         float(p.get("score", 0)))] += 1
        elif action == audit.REVIEW and kind == "quote":
            self.reviews[ident] = (str(p.get("status")), seq)
        elif action == audit.CLUSTER_ASSIGNED and kind == "quote":
            cluster = p.get("cluster")
            if isinstance(cluster, int):
                self.members[ident] = (cluster, seq)
            else:
                self.members.pop(ident, None)
        elif action == audit.CLUSTER_RESET:
            self.members.clear()
        elif action in (audit.FLAG_RAISED, audit.FLAG_UPDATED) and kind == "conflict":
            self.flags[ident] = (p, seq)
        elif action == audit.FLAG_CLEARED and kind == "conflict":
            self.flags.pop(ident, None)
        elif action == audit.SPEAKER_REASSIGNED and kind == "quote":
            sid = p.get("speaker_id")
            self.reassigned[ident] = sid if isinstance(sid, int) else None


def _raw_bodies(session: Session, batch: int = 1000) -> Iterator[dict[str, Any] | Mismatch]:
    after = 0
    while True:
        rows: list[Any] = session.exec(select(*audit.ENTRY_COLUMNS).where(col(AuditRow.seq) > after)
                            .order_by(col(AuditRow.seq)).limit(batch)).all()
        if not rows:
            return
        for row in rows:
            try:
                yield audit.to_entry(row).model_dump()
            except ValueError as exc:
                yield Mismatch(check="chain", record=f"log:{row.seq}",
                               detail=f"entry is unreadable: {str(exc).splitlines()[0]}")
        after = rows[-1].seq


def _logged_document(session: Session, doc_id: str) -> tuple[
        dict[str, Any] | None, audit.AuditEntry | None, audit.AuditEntry | None]:
    """The document's last ingest payload and its last extraction and claims entries."""
    ingested, run, claims = None, None, None
    for row in session.exec(select(*audit.ENTRY_COLUMNS).where(
            AuditRow.subject == audit.subject("document", doc_id),
            col(AuditRow.action).in_([audit.DOCUMENT_INGESTED, audit.EXTRACTION_RUN,
                                      audit.CLAIMS_EXTRACTED]))
            .order_by(col(AuditRow.seq))):
        try:
            entry = audit.to_entry(row)
        except ValueError:
            continue  # reported by the chain check
        if entry.action == audit.DOCUMENT_INGESTED:
            ingested, run, claims = entry.payload, None, None
        elif entry.action == audit.EXTRACTION_RUN:
            run = entry
        else:
            claims = entry
    return ingested, run, claims


def _check_claims(session: Session, doc_id: str,
                  entry: audit.AuditEntry | None) -> Iterator[Mismatch]:
    """The document's claims against its last ``claims.extracted`` entry."""
    logged = {c["id"]: c for c in (entry.payload.get("claims", []) if entry else [])}
    for row in session.exec(select(ClaimRow).where(ClaimRow.document_id == doc_id)):
        name = f"claim:{row.id}"
        expected = logged.pop(row.id, None)
        if expected is None or entry is None:
            yield Mismatch(check="record", record=name,
                           detail="no claims.extracted entry in the log created this record")
            continue
        for key, value in audit.claim_fingerprint(row).items():
            want = expected.get(key)
            if (list(want) if isinstance(want, tuple) else want) != value:
                yield Mismatch(check="record", record=name, detail=(
                    f"{key} is {_value(value)}; log entry {entry.seq} says {_value(want)}"))
    for cid in logged:
        yield Mismatch(check="record", record=f"claim:{cid}", detail=(
            f"created by log entry {entry.seq if entry else '?'} but missing from the database"))


def _check_document(session: Session, doc: Any, chain: ChainChecker,
                    report: VerifyReport) -> Iterator[Mismatch]:
    name = f"document:{doc.id}"
    text: str = doc.text
    if document_id(text) != doc.id:
        yield Mismatch(check="document", record=name, detail=(
            f"stored text hashes to {document_id(text)[:16]}…, not its id: the text was edited"))
    if doc.size != len(text):
        yield Mismatch(check="document", record=name,
                       detail=f"size {doc.size} but the text has {len(text)} characters")
    ingested, run, claims = _logged_document(session, doc.id)
    if doc.id not in chain.documents or ingested is None:
        yield Mismatch(check="record", record=name, detail="no document.ingested entry in the log")
    else:
        for f in DOC_FIELDS:
            if ingested.get(f) != getattr(doc, f):
                yield Mismatch(check="record", record=name, detail=(
                    f"{f} is {getattr(doc, f)!r}; log entry {chain.documents[doc.id]} "
                    f"says {ingested.get(f)!r}"))
        published = doc.published.isoformat() if doc.published else None
        if ingested.get("published") != published:
            yield Mismatch(check="record", record=name, detail=(
                f"published is {published!r}; the log says {ingested.get('published')!r}"))
    logged = {q["id"]: q for q in (run.payload.get("quotes", []) if run else [])}
    for row in session.exec(select(QuoteRow).where(QuoteRow.document_id == doc.id)):
        report.records += 1
        qname = f"quote:{row.id}"
        for label, s_attr, e_attr, t_attr in SPAN_FIELDS:
            start, end, stored = getattr(row, s_attr), getattr(row, e_attr), getattr(row, t_attr)
            if start is None and stored is None:
                continue
            report.spans += 1
            actual = text[start:end] if start is not None and end is not None else None
            if actual != stored:
                yield Mismatch(check="span", record=qname, detail=(
                    f"{label} text {_short(stored)} but the document has {_short(actual)} "
                    f"at [{start}:{end}]"))
        expected = logged.pop(row.id, None)
        if expected is None or run is None:
            yield Mismatch(check="record", record=qname,
                           detail="no extraction.run entry in the log created this record")
            continue
        actual_fp = audit.quote_fingerprint(row)
        want = dict(expected, speaker_id=chain.reassigned.get(row.id, expected.get("speaker_id")))
        for key, value in actual_fp.items():
            if want.get(key) != value:
                yield Mismatch(check="record", record=qname, detail=(
                    f"{key} is {_value(value)}; log entry {run.seq} says {_value(want.get(key))}"))
        if row.extractor_version != run.payload.get("extractor_version"):
            yield Mismatch(check="record", record=qname, detail=(
                f"extractor_version is {row.extractor_version!r}; log entry {run.seq} says "
                f"{run.payload.get('extractor_version')!r}"))
    for qid in logged:
        yield Mismatch(check="record", record=f"quote:{qid}", detail=(
            f"created by log entry {run.seq if run else '?'} but missing from the database"))
    yield from _check_claims(session, doc.id, claims)


def _check_others(session: Session, chain: ChainChecker,
                  seen_documents: set[str]) -> Iterator[Mismatch]:
    for doc_id, seq in chain.documents.items():
        if doc_id not in seen_documents:
            yield Mismatch(check="record", record=f"document:{doc_id}", detail=(
                f"ingested by log entry {seq} and never deleted, but missing from the database"))
    for qid, doc_id in session.exec(select(QuoteRow.id, QuoteRow.document_id).join(
            DocumentRow, col(QuoteRow.document_id) == DocumentRow.id, isouter=True).where(
            col(DocumentRow.id).is_(None))):
        yield Mismatch(check="record", record=f"quote:{qid}",
                       detail=f"its document {doc_id[:16]}… does not exist")
    names = {sid: name for sid, name in session.exec(select(SpeakerRow.id, SpeakerRow.name))
             if sid is not None}
    stored = set(names)
    for sid in sorted(stored & set(chain.speakers)):
        # The shown name is re-chosen among the names merged in, never a new one.
        if names[sid] not in chain.speaker_names.get(sid, set()):
            yield Mismatch(check="record", record=f"speaker:{sid}", detail=(
                f"name {names[sid]!r} was never logged for this speaker (logged: "
                f"{', '.join(sorted(chain.speaker_names.get(sid, set())))})"))
    for sid in sorted(stored - set(chain.speakers)):
        yield Mismatch(check="record", record=f"speaker:{sid}",
                       detail="no speaker.created entry in the log")
    for sid in sorted(set(chain.speakers) - stored):
        yield Mismatch(check="record", record=f"speaker:{sid}", detail=(
            f"created by log entry {chain.speakers[sid]} but missing from the database"))
    merges = Counter((m.speaker_id, m.alias, m.document_id, float(m.score))
                     for m in session.exec(select(MergeRow)))
    for key in sorted((merges - chain.merges) + (chain.merges - merges)):
        side = "not in the log" if merges[key] > chain.merges[key] else "missing from the database"
        yield Mismatch(check="record", record=f"speaker:{key[0]}", detail=(
            f"merge of {key[1]!r} (document {key[2][:16]}…, score {key[3]}) is {side}"))
    reviews = {r.quote_id: r for r in session.exec(select(ReviewRow))}
    for qid in sorted(set(reviews) | set(chain.reviews)):
        row, logged = reviews.get(qid), chain.reviews.get(qid)
        if row is None or logged is None:
            yield Mismatch(check="record", record=f"quote:{qid}", detail=(
                "review status has no review entry in the log" if logged is None
                else f"reviewed in log entry {logged[1]} but no current status is stored"))
        elif (row.status, row.seq) != logged:
            yield Mismatch(check="record", record=f"quote:{qid}", detail=(
                f"review status is {row.status!r} (entry {row.seq}); the log's last decision is "
                f"{logged[0]!r} (entry {logged[1]})"))


def _check_clusters(session: Session, chain: ChainChecker) -> Iterator[Mismatch]:
    """Cluster memberships against each quote's last ``cluster.assigned`` entry."""
    stored = dict(session.exec(select(ClusterMemberRow.quote_id, ClusterMemberRow.cluster_id))
                  .all())
    for qid in sorted(set(stored) | set(chain.members)):
        cluster, logged = stored.get(qid), chain.members.get(qid)
        if logged is None:
            yield Mismatch(check="record", record=f"quote:{qid}", detail=(
                f"member of cluster {cluster} but no cluster.assigned entry put it there"))
        elif cluster is None:
            yield Mismatch(check="record", record=f"quote:{qid}", detail=(
                f"put in cluster {logged[0]} by log entry {logged[1]} but in no cluster now"))
        elif cluster != logged[0]:
            yield Mismatch(check="record", record=f"quote:{qid}", detail=(
                f"member of cluster {cluster}; log entry {logged[1]} put it in {logged[0]}"))
    clusters = {c for c in session.exec(select(ClusterRow.id)).all() if c is not None}
    for cid in sorted(set(stored.values()) - clusters):
        yield Mismatch(check="record", record=f"cluster:{cid}",
                       detail="has members but no cluster row")
    for cid in sorted(clusters - set(stored.values())):
        yield Mismatch(check="record", record=f"cluster:{cid}", detail="has no members")


def _check_flags(session: Session, chain: ChainChecker) -> Iterator[Mismatch]:
    """Stored conflict flags against their last raising or updating entry."""
    seen: set[str] = set()
    for row in session.exec(select(ConflictRow).order_by(col(ConflictRow.id))):
        seen.add(row.id)
        name = f"conflict:{row.id}"
        logged = chain.flags.get(row.id)
        if logged is None:
            yield Mismatch(check="record", record=name,
                           detail="no flag.raised entry in the log (or it was cleared)")
            continue
        payload, seq = logged
        try:
            fingerprint = audit.flag_fingerprint(row)
        except (ValueError, AttributeError) as exc:
            yield Mismatch(check="record", record=name, detail=(
                f"records are unreadable ({str(exc).splitlines()[0]}); log entry {seq} has "
                f"{len(payload.get('records') or [])} records"))
            continue
        for key, value in fingerprint.items():
            if payload.get(key) != value:
                yield Mismatch(check="record", record=name, detail=(
                    f"{key} is {_value(value)}; log entry {seq} says {_value(payload.get(key))}"))
    for fid in sorted(set(chain.flags) - seen):
        yield Mismatch(check="record", record=f"conflict:{fid}", detail=(
            f"raised by log entry {chain.flags[fid][1]} and never cleared, "
            "but missing from the database"))


def verify(session: Session, expect_head: str | None = None, batch: int = 50) -> VerifyReport:
    """Run every check; ``expect_head`` is a log hash published earlier (must be in the chain)."""
    report = VerifyReport()
    chain = ChainChecker()
    found_head = expect_head is None
    for body in _raw_bodies(session):
        if isinstance(body, Mismatch):
            report.problems.append(body)
            continue
        report.problems.extend(chain.feed(body))
        report.head_seq, report.head_hash = body["seq"], body["hash"]
        found_head = found_head or body["hash"] == expect_head
    report.entries = chain.count
    if not found_head:
        report.problems.append(Mismatch(check="chain", record=f"log:{expect_head}", detail=(
            "the expected head hash is not in the log: entries were removed or rewritten")))
    seen: set[str] = set()
    after = ""
    while True:
        docs = session.exec(select(DocumentRow).where(col(DocumentRow.id) > after)
                            .order_by(col(DocumentRow.id)).limit(batch)).all()
        if not docs:
            break
        for doc in docs:
            report.documents += 1
            seen.add(doc.id)
            report.problems.extend(_check_document(session, doc, chain, report))
        after = docs[-1].id
        session.expunge_all()  # document texts can be large; keep one batch at a time
    report.problems.extend(_check_others(session, chain, seen))
    report.problems.extend(_check_clusters(session, chain))
    report.problems.extend(_check_flags(session, chain))
    return report


def verify_log_file(path: Path, expect_head: str | None = None) -> VerifyReport:
    """Check the chain of an exported log (``provenance log --format jsonl``) without a store."""
    report = VerifyReport()
    chain = ChainChecker()
    found_head = expect_head is None
    try:
        with path.open(encoding="utf-8") as lines:
            for n, line in enumerate(lines, 1):
                if not line.strip():
                    continue
                try:
                    body = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise InputError(str(path), f"not JSON: {exc.msg}", n) from None
                if not isinstance(body, dict):
                    raise InputError(str(path), "not a log entry object", n)
                report.problems.extend(chain.feed(body))
                report.head_seq, report.head_hash = body.get("seq", 0), str(body.get("hash"))
                found_head = found_head or body.get("hash") == expect_head
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(str(path), f"cannot read: {exc}") from None
    report.entries = chain.count
    if not found_head:
        report.problems.append(Mismatch(check="chain", record=f"log:{expect_head}",
                                        detail="the expected head hash is not in the file"))
    return report
