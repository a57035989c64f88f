"""``provenance verify``: re-derive everything the store claims and list what differs.

Four checks, each reported as :class:`Mismatch` rows naming the record:

* ``chain``: every audit entry's hash re-derives from its canonical JSON, each
  ``prev_hash`` is the hash before it and ``seq`` has no gaps (an edited or
  deleted entry breaks the chain at that point);
* ``document``: each document's id is the SHA-256 of its stored text;
* ``span``: ``text[start:end]`` equals the stored text of every content,
  speaker and cue span;
* ``record``: every stored value a listing or export shows, re-derived from the
  log and the documents or compared with the entry that logged it (documents,
  quotes, claims, speakers and aliases folded from their entries, merges,
  reviews, cluster memberships, each cluster's canonical text and members'
  relations re-computed, blocking keys re-derived, conflict flags), and
  nothing exists that no entry made. Each mismatch names its table and, where
  one value differs, its column.

Deleting the last entries of the log leaves a valid shorter chain; it is caught
by the ``record`` check when those entries made records, and always when the
caller passes the head hash published earlier (``expect_head``) or a
checkpoint (``checkpoint``), which also catch a chain rewritten end to end.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from provenance import audit, blocking, cluster_members, relations
from provenance.errors import InputError, public
from provenance.models import document_id
from provenance.names import canonical_name, fold
from provenance.people import person_payload
from provenance.tables import (
    AliasRow,
    AuditRow,
    ClaimRow,
    ClusterMemberRow,
    ClusterRow,
    ConflictRow,
    DocumentRow,
    MatchKeyRow,
    MergeRow,
    PersonRow,
    QuoteRow,
    ReviewRow,
    SpeakerRow,
)

SPAN_FIELDS = (
    ("content", "start", "end", "text"),
    ("speaker", "speaker_start", "speaker_end", "speaker_text"),
    ("cue", "cue_start", "cue_end", "cue_text"),
)
DOC_FIELDS = ("size", "path", "url", "source", "title")


class Mismatch(BaseModel):
    check: str = Field(description="chain, document, span or record")
    record: str = Field(description="<kind>:<id> of what is wrong, e.g. quote:<id>, log:<seq>")
    detail: str
    table: str | None = Field(default=None, description="the table holding the stored value")
    column: str | None = Field(default=None, description="the column that differs, if one")


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


@dataclass
class _Speaker:
    """A speaker as its log entries build it (what ``store._speaker_for`` wrote)."""

    seq: int
    name: str
    kind: str
    names: set[str]  # every name the log gave it (the name check of entries without aliases)
    titles: list[str] | None  # None: an entry from before titles were logged
    affiliation: str | None
    aliases: dict[str, list[Any]] | None  # alias -> [count, is_name]; None: not logged
    affiliation_logged: bool = True

    def rename(self) -> None:
        counts = {a: c for a, (c, is_name) in (self.aliases or {}).items() if is_name}
        if counts:
            self.name = canonical_name(counts)


@dataclass
class _Merge:
    speaker_id: int
    alias: str
    document: str
    score: float
    evidence: str | None
    seq: int


class ChainChecker:
    """Feeds entries in order; remembers what the log says the store should hold."""

    def __init__(self) -> None:
        self.expected_seq = 1
        self.prev = audit.GENESIS
        self.count = 0
        self.documents: dict[str, int] = {}  # live document id -> seq of its ingest
        self.speakers: dict[int, _Speaker] = {}
        self.merges: dict[int, _Merge] = {}  # by seq: stored merges are in log order
        self.reviews: dict[str, tuple[str, int, str, str, str]] = {}
        # quote id -> (status, seq, ts, note, reviewer)
        self.reassigned: dict[str, int | None] = {}
        # claim id -> (speaker id, seq) set by a person's speaker merge or split
        self.claim_speakers: dict[str, tuple[int, int]] = {}
        self.members: dict[str, tuple[int, int]] = {}  # quote id -> (cluster, seq)
        self.flags: dict[str, tuple[dict[str, Any], int]] = {}  # flag id -> (payload, seq)
        self.people: dict[int, tuple[dict[str, Any], int]] = {}  # person id -> (payload, seq)

    def feed(self, body: dict[str, Any]) -> Iterator[Mismatch]:
        seq = body.get("seq")
        where = f"log:{seq}"
        self.count += 1
        if seq != self.expected_seq:
            yield Mismatch(
                check="chain",
                record=where,
                table="audit_log",
                column="seq",
                detail=(
                    f"expected entry {self.expected_seq} next; entries "
                    f"{self.expected_seq}..{seq - 1 if isinstance(seq, int) else '?'} are missing"
                    if isinstance(seq, int) and seq > self.expected_seq
                    else f"expected entry {self.expected_seq} next, found seq {seq!r}"
                ),
            )
        if body.get("prev_hash") != self.prev:
            yield Mismatch(
                check="chain",
                record=where,
                table="audit_log",
                column="prev_hash",
                detail=(
                    f"prev_hash {str(body.get('prev_hash'))[:16]}… is not the hash of the entry "
                    f"before it ({self.prev[:16]}…)"
                ),
            )
        try:
            derived = audit.entry_hash(body)
        except (RecursionError, ValueError, TypeError) as exc:
            derived = f"unhashable ({type(exc).__name__})"
        if derived != body.get("hash"):
            yield Mismatch(
                check="chain",
                record=where,
                table="audit_log",
                detail=(
                    f"stored hash {str(body.get('hash'))[:16]}… but the entry re-derives to "
                    f"{derived[:16]}…: the entry was edited"
                ),
            )
        self.prev = str(body.get("hash"))
        self.expected_seq = (seq if isinstance(seq, int) and seq > 0 else self.expected_seq) + 1
        try:
            self._fold(body)
        except (TypeError, ValueError, AttributeError, KeyError) as exc:
            # Only a forged entry (whose hash then fails above) has payloads of other shapes.
            yield Mismatch(
                check="chain",
                record=where,
                table="audit_log",
                column="payload",
                detail=f"payload is not what a {body.get('action')!r} entry holds "
                f"({type(exc).__name__})",
            )

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
            for key in [k for k, m in self.merges.items() if m.document == ident]:
                del self.merges[key]
        elif action == audit.SPEAKER_CREATED and ident.isdigit():
            self._created(int(ident), p, seq)
        elif action == audit.SPEAKER_MERGED and ident.isdigit():
            self._merged(int(ident), p, seq)
        elif action == audit.REVIEW and kind == "quote":
            actor = str(body.get("actor", ""))
            self.reviews[ident] = (
                str(p.get("status")),
                seq,
                str(body.get("ts")),
                str(p.get("note", "")),
                actor.removeprefix("person:"),
            )
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
        elif action == audit.PERSON_IMPORTED and kind == "person" and ident.isdigit():
            self.people[int(ident)] = (p, seq)
        elif action == audit.SPEAKER_JOINED and ident.isdigit():
            self._joined(int(ident), p, seq)
        elif action == audit.SPEAKER_SPLIT and ident.isdigit():
            self._split(int(ident), p, seq)
        elif action == audit.SPEAKER_REASSIGNED and kind == "quote":
            sid = p.get("speaker_id")
            self.reassigned[ident] = sid if isinstance(sid, int) else None

    def _created(self, sid: int, p: dict[str, Any], seq: int) -> None:
        name = str(p.get("name"))
        aliases: dict[str, list[Any]] | None = None
        if "alias_counts" in p:  # adopted: the aliases as they were stored
            aliases = {str(a): [int(c), bool(n)] for a, (c, n) in p["alias_counts"].items()}
        elif "aliases" in p:
            aliases = {str(a): [1, a == name] for a in p["aliases"]}
        sp = self.speakers[sid] = _Speaker(
            seq=seq,
            name=name,
            kind=str(p.get("kind")),
            names={name},
            titles=list(p["titles"]) if "titles" in p else None,
            affiliation=p.get("affiliation"),
            aliases=aliases,
            affiliation_logged="affiliation" in p,
        )
        if sp.kind == "person" and "alias_counts" not in p:
            sp.rename()

    def _moved(self, sid: int, p: dict[str, Any], seq: int) -> None:
        """The quotes and claims a person's merge or split gave to speaker ``sid``."""
        for q in p["quotes"]:
            self.reassigned[str(q)] = sid
        for c in p["claims"]:
            self.claim_speakers[str(c)] = (sid, seq)

    def _joined(self, sid: int, p: dict[str, Any], seq: int) -> None:
        """``speakers merge``: what ``corrections.merge_speakers`` stored."""
        other = int(p["from"])
        self._moved(sid, p, seq)
        for m in self.merges.values():
            if m.speaker_id == other:
                m.speaker_id = sid
        a, b = self.speakers.get(sid), self.speakers.pop(other, None)
        if a is None or b is None:
            return  # a speaker the log never created: reported with speakers
        a.names |= b.names
        if a.aliases is not None and b.aliases is not None:
            for alias, (count, is_name) in b.aliases.items():
                held = a.aliases.setdefault(alias, [0, False])
                held[0] += count
                held[1] = held[1] or is_name
        else:
            a.aliases = None
        if a.titles is not None and b.titles is not None:
            a.titles += [t for t in b.titles if t not in a.titles]
        else:
            a.titles = None
        a.affiliation = a.affiliation or b.affiliation
        a.affiliation_logged = a.affiliation_logged and b.affiliation_logged

    def _split(self, sid: int, p: dict[str, Any], seq: int) -> None:
        """``speakers split``: what ``corrections.split_speaker`` stored."""
        other, key, name = int(p["from"]), str(p["key"]), str(p["name"])
        self._moved(sid, p, seq)
        for m in self.merges.values():
            if m.speaker_id == other and fold(m.alias) == key:
                m.speaker_id = sid
        old = self.speakers.get(other)
        aliases: dict[str, list[Any]] | None = None
        if old is not None and old.aliases is not None:
            aliases = {a: old.aliases.pop(a) for a in p["aliases"] if a in old.aliases}
        self.speakers[sid] = _Speaker(
            seq=seq,
            name=name,
            kind=str(p["kind"]),
            names={name, *map(str, p["aliases"])},
            titles=[],
            affiliation=None,
            aliases=aliases,
        )
        if old is not None and old.kind == "person":
            old.rename()

    def _merged(self, sid: int, p: dict[str, Any], seq: int) -> None:
        alias = str(p.get("alias", ""))
        score = p.get("score", 0)
        self.merges[seq] = _Merge(
            sid,
            alias,
            str(p.get("document", "")),
            float(score) if isinstance(score, int | float) else -1.0,
            p.get("evidence"),
            seq,
        )
        sp = self.speakers.get(sid)
        if sp is None:
            return  # a merge into a speaker the log never created: reported with speakers
        sp.names.add(alias)
        if "aliases" in p and sp.aliases is not None:
            for a in p["aliases"]:
                held = sp.aliases.get(a)
                if held:
                    held[0] += 1
                    held[1] = held[1] or a == alias
                else:
                    sp.aliases[a] = [1, a == alias]
        else:
            sp.aliases = None
        if "titles" in p and sp.titles is not None:
            sp.titles += [t for t in p["titles"] if t not in sp.titles]
        else:
            sp.titles = None
        if "affiliation" in p:
            sp.affiliation = sp.affiliation or p["affiliation"]
        else:
            sp.affiliation_logged = False
        if p.get("kind") == "person":
            sp.rename()


def _raw_bodies(session: Session, batch: int = 1000) -> Iterator[dict[str, Any] | Mismatch]:
    after: int | None = None  # from the lowest seq: rows at 0 or below are edits to report
    while True:
        stmt = select(*audit.ENTRY_COLUMNS)
        if after is not None:
            stmt = stmt.where(col(AuditRow.seq) > after)
        rows: list[Any] = session.exec(stmt.order_by(col(AuditRow.seq)).limit(batch)).all()
        if not rows:
            return
        for row in rows:
            try:
                yield audit.to_entry(row).model_dump()
            except audit.MalformedEntry as exc:
                yield Mismatch(
                    check="chain",
                    record=f"log:{row.seq}",
                    table="audit_log",
                    detail=f"entry is unreadable: {exc.reason}",
                )
        after = rows[-1].seq


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


def _differs(
    record: str, table: str, expected: dict[str, Any], actual: dict[str, Any], seq: int | str
) -> Iterator[Mismatch]:
    """One mismatch per column whose stored value is not the logged one.

    Columns the log entry does not carry (entries written before they were
    logged) are not compared; an edit cannot remove them from a hashed entry.
    """
    for column, value in actual.items():
        if column not in expected:
            continue
        want = expected[column]
        if (list(want) if isinstance(want, tuple) else want) != value:
            yield Mismatch(
                check="record",
                record=record,
                table=table,
                column=column,
                detail=(f"{column} is {_value(value)}; log entry {seq} says {_value(want)}"),
            )


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


def _check_claims(
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
                        f"{column} {_short(stored)} but the "
                        f"document has {_short(text[start:end])} at "
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
        yield from _differs(
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


def _check_keys(session: Session, rows: list[QuoteRow]) -> Iterator[Mismatch]:
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


def _check_document(
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
        yield from _differs(
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
                        f"{label} text {_short(stored)} but the document has "
                        f"{_short(actual)} at [{start}:{end}]"
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
        yield from _differs(qname, "quotes", _pairs(want, QUOTE_PAIRS), actual_fp, run.seq)
    for qid in logged:
        yield Mismatch(
            check="record",
            record=f"quote:{qid}",
            table="quotes",
            detail=(
                f"created by log entry {run.seq if run else '?'} but missing from the database"
            ),
        )
    yield from _check_claims(session, doc.id, text, claims, chain.claim_speakers)
    quotes += rows


def _check_documents_gone(
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


def _check_speakers(session: Session, chain: ChainChecker) -> Iterator[Mismatch]:
    """Speakers and their aliases against what their log entries build."""
    seen: set[int] = set()
    for row in session.exec(select(SpeakerRow).order_by(col(SpeakerRow.id))):
        sid = row.id
        assert sid is not None
        seen.add(sid)
        name = f"speaker:{sid}"
        sp = chain.speakers.get(sid)
        if sp is None:
            yield Mismatch(
                check="record",
                record=name,
                table="speakers",
                detail="no speaker.created entry in the log",
            )
            continue
        if sp.aliases is not None:
            expected: dict[str, Any] = {"name": sp.name}
        elif row.name not in sp.names:  # entries from before aliases were logged
            yield Mismatch(
                check="record",
                record=name,
                table="speakers",
                column="name",
                detail=(
                    f"name {row.name!r} was never logged for this speaker (logged: "
                    f"{', '.join(sorted(sp.names))})"
                ),
            )
            expected = {}
        else:
            expected = {}
        expected["kind"] = sp.kind
        if sp.titles is not None:
            expected["titles"] = json.dumps(sp.titles)
        if sp.affiliation_logged:
            expected["affiliation"] = sp.affiliation
        yield from _differs(
            name,
            "speakers",
            expected,
            {
                "name": row.name,
                "kind": row.kind,
                "titles": row.titles,
                "affiliation": row.affiliation,
            },
            sp.seq,
        )
    for sid in sorted(set(chain.speakers) - seen):
        yield Mismatch(
            check="record",
            record=f"speaker:{sid}",
            table="speakers",
            detail=(
                f"created by log entry {chain.speakers[sid].seq} but missing from the database"
            ),
        )
    yield from _check_aliases(session, chain)


def _check_aliases(session: Session, chain: ChainChecker) -> Iterator[Mismatch]:
    current: int | None = None
    left: dict[str, list[Any]] = {}

    def missing(sid: int | None) -> Iterator[Mismatch]:
        for alias in sorted(left):
            yield Mismatch(
                check="record",
                record=f"speaker:{sid}",
                table="aliases",
                detail=(f"alias {alias!r} was logged for this speaker but is not stored"),
            )

    for row in session.exec(select(AliasRow).order_by(col(AliasRow.speaker_id), col(AliasRow.id))):
        if row.speaker_id != current:
            yield from missing(current)
            current = row.speaker_id
            sp = chain.speakers.get(row.speaker_id)
            left = dict(sp.aliases) if sp is not None and sp.aliases is not None else {}
            legacy = sp is not None and sp.aliases is None
        if legacy:
            continue  # this speaker's entries predate logged aliases
        name = f"speaker:{row.speaker_id}"
        logged = left.pop(row.alias, None)
        if logged is None:
            yield Mismatch(
                check="record",
                record=name,
                table="aliases",
                column="alias",
                detail=(f"alias {row.alias!r} (row {row.id}) was never logged for this speaker"),
            )
            continue
        yield from _differs(
            f"{name}",
            "aliases",
            {"key": fold(row.alias), "count": logged[0], "is_name": logged[1]},
            {"key": row.key, "count": row.count, "is_name": bool(row.is_name)},
            f"of speaker {row.speaker_id} (alias {row.alias!r})",
        )
    yield from missing(current)
    stored = set(session.exec(select(AliasRow.speaker_id).distinct()).all())
    for sid, sp in sorted(chain.speakers.items()):
        if sid not in stored and sp.aliases:
            left = sp.aliases
            yield from missing(sid)


def _check_merges(session: Session, chain: ChainChecker) -> Iterator[Mismatch]:
    """Stored merges against the logged ones.

    Paired by (speaker, alias, document) first; the rows and entries left over are
    paired in order (row id, entry seq), so an edited value is named by its column.
    """
    logged: dict[tuple[int, str, str], list[_Merge]] = {}
    for m in sorted(chain.merges.values(), key=lambda m: m.seq):
        logged.setdefault((m.speaker_id, m.alias, m.document), []).append(m)
    unpaired: list[MergeRow] = []
    pairs: list[tuple[MergeRow, _Merge]] = []
    for row in session.exec(select(MergeRow).order_by(col(MergeRow.id))):
        found = logged.get((row.speaker_id, row.alias, row.document_id))
        if found:
            pairs.append((row, found.pop(0)))
        else:
            unpaired.append(row)
    left = sorted((m for ms in logged.values() for m in ms), key=lambda m: m.seq)
    pairs += list(zip(unpaired, left, strict=False))
    for row, m in pairs:
        expected: dict[str, Any] = {
            "speaker_id": m.speaker_id,
            "alias": m.alias,
            "document_id": m.document,
            "score": m.score,
        }
        if m.evidence is not None:
            expected["evidence"] = m.evidence
        yield from _differs(
            f"merge:{row.id}",
            "merges",
            expected,
            {
                "speaker_id": row.speaker_id,
                "alias": row.alias,
                "document_id": row.document_id,
                "score": float(row.score),
                "evidence": row.evidence,
            },
            m.seq,
        )
    for row in unpaired[len(left) :]:
        yield Mismatch(
            check="record",
            record=f"merge:{row.id}",
            table="merges",
            detail="no speaker.merged entry in the log made this merge",
        )
    for m in left[len(unpaired) :]:
        yield Mismatch(
            check="record",
            record=f"speaker:{m.speaker_id}",
            table="merges",
            detail=(f"merge of {m.alias!r} logged in entry {m.seq} is missing from the database"),
        )


def _check_reviews(session: Session, chain: ChainChecker) -> Iterator[Mismatch]:
    seen: set[str] = set()
    for row in session.exec(select(ReviewRow).order_by(col(ReviewRow.quote_id))):
        seen.add(row.quote_id)
        name = f"quote:{row.quote_id}"
        logged = chain.reviews.get(row.quote_id)
        if logged is None:
            yield Mismatch(
                check="record",
                record=name,
                table="reviews",
                detail="review status has no review entry in the log",
            )
            continue
        status, seq, ts, note, reviewer = logged
        if (row.status, row.seq) != (status, seq):
            yield Mismatch(
                check="record",
                record=name,
                table="reviews",
                column="status" if row.status != status else "seq",
                detail=(
                    f"review status is {row.status!r} (entry {row.seq}); the log's last decision "
                    f"is {status!r} (entry {seq})"
                ),
            )
        yield from _differs(
            name,
            "reviews",
            {"note": note, "reviewer": reviewer, "ts": ts},
            {"note": row.note, "reviewer": row.reviewer, "ts": row.ts},
            seq,
        )
    for qid in sorted(set(chain.reviews) - seen):
        yield Mismatch(
            check="record",
            record=f"quote:{qid}",
            table="reviews",
            detail=(
                f"reviewed in log entry {chain.reviews[qid][1]} but no current status is stored"
            ),
        )


def _check_clusters(session: Session, chain: ChainChecker) -> Iterator[Mismatch]:
    """Cluster memberships against each quote's last ``cluster.assigned`` entry, and each
    cluster's canonical text and members' relations re-derived from its members."""
    stored = dict(
        session.exec(select(ClusterMemberRow.quote_id, ClusterMemberRow.cluster_id)).all()
    )
    for qid in sorted(set(stored) | set(chain.members)):
        cluster, logged = stored.get(qid), chain.members.get(qid)
        if logged is None:
            yield Mismatch(
                check="record",
                record=f"quote:{qid}",
                table="cluster_members",
                column="quote_id",
                detail=(f"member of cluster {cluster} but no cluster.assigned entry put it there"),
            )
        elif cluster is None:
            yield Mismatch(
                check="record",
                record=f"quote:{qid}",
                table="cluster_members",
                detail=(
                    f"put in cluster {logged[0]} by log entry {logged[1]} but in no cluster now"
                ),
            )
        elif cluster != logged[0]:
            yield Mismatch(
                check="record",
                record=f"quote:{qid}",
                table="cluster_members",
                column="cluster_id",
                detail=(
                    f"member of cluster {cluster}; log entry {logged[1]} put it in {logged[0]}"
                ),
            )
    cluster_ids = {c for c in session.exec(select(ClusterRow.id)).all() if c is not None}
    for cid in sorted(set(stored.values()) - cluster_ids):
        yield Mismatch(
            check="record",
            record=f"cluster:{cid}",
            table="clusters",
            column="id",
            detail="has members but no cluster row",
        )
    for cid in sorted(cluster_ids - set(stored.values())):
        yield Mismatch(
            check="record",
            record=f"cluster:{cid}",
            table="clusters",
            column="id",
            detail="has no members",
        )
    yield from _check_canonical(session)


def _check_canonical(session: Session) -> Iterator[Mismatch]:
    """Each cluster's text, canonical quote and member relations, as a refresh computes them.

    Read one cluster at a time in cluster order (memory follows the largest cluster).
    """
    columns: tuple[Any, ...] = (
        ClusterMemberRow.cluster_id,
        ClusterMemberRow.quote_id,
        ClusterMemberRow.relation,
        ClusterMemberRow.score,
        QuoteRow.text,
        QuoteRow.start,
        DocumentRow.id,
        DocumentRow.published,
        DocumentRow.path,
        ClusterRow.text,
        ClusterRow.canonical_quote_id,
    )
    # sqlalchemy's select: sqlmodel's typed overloads stop at four columns.
    stmt = (
        sa_select(*columns)
        .join(QuoteRow, col(QuoteRow.id) == ClusterMemberRow.quote_id)
        .join(DocumentRow, col(DocumentRow.id) == QuoteRow.document_id)
        .join(ClusterRow, col(ClusterRow.id) == ClusterMemberRow.cluster_id)
        .order_by(col(ClusterMemberRow.cluster_id), col(ClusterMemberRow.quote_id))
    )
    group: list[Any] = []
    for row in session.execute(stmt):
        if group and row[0] != group[0][0]:
            yield from _check_cluster(group)
            group = []
        group.append(row)
    if group:
        yield from _check_cluster(group)


def _check_cluster(rows: list[Any]) -> Iterator[Mismatch]:
    ms = [
        cluster_members.Member(
            SimpleNamespace(id=r[1], text=r[4], start=r[5]),  # type: ignore[arg-type]
            relations.normalize(r[4]),
            None,
            cluster_members.DocRef(r[6], None, r[8], r[7]),
        )
        for r in rows
    ]
    best = cluster_members.canonical(ms)
    cid, text, canonical_id = rows[0][0], rows[0][9], rows[0][10]
    yield from _differs(
        f"cluster:{cid}",
        "clusters",
        {"text": best.quote.text, "canonical_quote_id": best.quote.id},
        {"text": text, "canonical_quote_id": canonical_id},
        "(re-derived from its members)",
    )
    wordings = list(dict.fromkeys(m.norm for m in ms))
    to_best = dict(zip(wordings, relations.relations_to(wordings, best.norm, True), strict=True))
    for m, r in zip(ms, rows, strict=True):
        rel, score = to_best[m.norm]
        yield from _differs(
            f"quote:{r[1]}",
            "cluster_members",
            {"relation": rel or "variant", "score": round(score, 1)},
            {"relation": r[2], "score": r[3]},
            "(re-derived from its cluster)",
        )


def _check_flags(session: Session, chain: ChainChecker) -> Iterator[Mismatch]:
    """Stored conflict flags against their last raising or updating entry."""
    seen: set[str] = set()
    for row in session.exec(select(ConflictRow).order_by(col(ConflictRow.id))):
        seen.add(row.id)
        name = f"conflict:{row.id}"
        logged = chain.flags.get(row.id)
        if logged is None:
            yield Mismatch(
                check="record",
                record=name,
                table="conflicts",
                detail="no flag.raised entry in the log (or it was cleared)",
            )
            continue
        payload, seq = logged
        try:
            fingerprint = audit.flag_fingerprint(row)
        except (ValueError, AttributeError, TypeError, RecursionError) as exc:
            yield Mismatch(
                check="record",
                record=name,
                table="conflicts",
                column="records",
                detail=(
                    f"records are unreadable ({str(exc).splitlines()[0]}); log "
                    f"entry {seq} has {len(payload.get('records') or [])} "
                    "records"
                ),
            )
            continue
        columns = {
            "id": "id",
            "kind": "kind",
            "scope": "scope",
            "score": "score",
            "explanation": "explanation",
            "records": "records",
            "records_sha256": "records",
            "flag": "id",
        }
        for key, value in fingerprint.items():
            if payload.get(key) != value:
                yield Mismatch(
                    check="record",
                    record=name,
                    table="conflicts",
                    column=columns.get(key, key),
                    detail=(
                        f"{key} is {_value(value)}; log entry {seq} says {_value(payload.get(key))}"
                    ),
                )
    for fid in sorted(set(chain.flags) - seen):
        yield Mismatch(
            check="record",
            record=f"conflict:{fid}",
            table="conflicts",
            detail=(
                f"raised by log entry {chain.flags[fid][1]} and never cleared, "
                "but missing from the database"
            ),
        )


def _check_people(session: Session, chain: ChainChecker) -> Iterator[Mismatch]:
    """Authority file entries against their last ``person.imported`` entry."""
    seen: set[int] = set()
    for row in session.exec(select(PersonRow).order_by(col(PersonRow.id))):
        assert row.id is not None
        seen.add(row.id)
        name = f"person:{row.id}"
        logged = chain.people.get(row.id)
        if logged is None:
            yield Mismatch(
                check="record",
                record=name,
                table="people",
                detail="no person.imported entry in the log",
            )
            continue
        payload, seq = logged
        yield from _differs(
            name,
            "people",
            {k: payload.get(k) for k in person_payload(payload)},
            person_payload(row),
            seq,
        )
    for pid in sorted(set(chain.people) - seen):
        yield Mismatch(
            check="record",
            record=f"person:{pid}",
            table="people",
            detail=(f"imported by log entry {chain.people[pid][1]} but missing from the database"),
        )


@public
def verify(
    session: Session,
    expect_head: str | None = None,
    batch: int = 50,
    checkpoint: audit.Checkpoint | None = None,
) -> VerifyReport:
    """Run every check.

    ``expect_head`` is a log hash published earlier (it must be in the chain);
    ``checkpoint`` one written by :func:`audit.checkpoint` (the entry at its seq
    must have its hash: the chain extends it).
    """
    report = VerifyReport()
    chain = ChainChecker()
    found_head = expect_head is None
    at_checkpoint: str | None = None
    for body in _raw_bodies(session):
        if isinstance(body, Mismatch):
            report.problems.append(body)
            continue
        report.problems.extend(chain.feed(body))
        report.head_seq, report.head_hash = body["seq"], body["hash"]
        found_head = found_head or body["hash"] == expect_head
        if checkpoint is not None and body["seq"] == checkpoint.seq:
            at_checkpoint = body["hash"]
    report.entries = chain.count
    if not found_head:
        report.problems.append(
            Mismatch(
                check="chain",
                record=f"log:{expect_head}",
                table="audit_log",
                detail=(
                    "the expected head hash is not in the log: entries were removed or rewritten"
                ),
            )
        )
    if checkpoint is not None:
        report.problems.extend(_against_checkpoint(checkpoint, at_checkpoint))
    seen: set[str] = set()
    after = ""
    while True:
        docs = session.exec(
            select(DocumentRow)
            .where(col(DocumentRow.id) > after)
            .order_by(col(DocumentRow.id))
            .limit(batch)
        ).all()
        if not docs:
            break
        quotes: list[QuoteRow] = []
        for doc in docs:
            report.documents += 1
            seen.add(doc.id)
            report.problems.extend(_check_document(session, doc, chain, report, quotes))
        report.problems.extend(_check_keys(session, quotes))
        after = docs[-1].id
        session.expunge_all()  # document texts can be large; keep one batch at a time
    report.problems.extend(_check_documents_gone(session, chain, seen))
    report.problems.extend(_check_speakers(session, chain))
    report.problems.extend(_check_merges(session, chain))
    report.problems.extend(_check_reviews(session, chain))
    report.problems.extend(_check_clusters(session, chain))
    report.problems.extend(_check_flags(session, chain))
    report.problems.extend(_check_people(session, chain))
    return report


def _against_checkpoint(cp: audit.Checkpoint, found: str | None) -> Iterator[Mismatch]:
    where = f"log:{cp.seq}"
    if found is None:
        yield Mismatch(
            check="chain",
            record=where,
            table="audit_log",
            detail=(f"the checkpoint's entry {cp.seq} is not in the log: entries were removed"),
        )
    elif found != cp.hash:
        yield Mismatch(
            check="chain",
            record=where,
            table="audit_log",
            column="hash",
            detail=(
                f"entry {cp.seq} hashes to {found[:16]}… but the checkpoint of {cp.ts} says "
                f"{cp.hash[:16]}…: the log was rewritten since"
            ),
        )


def verify_log_file(
    path: Path, expect_head: str | None = None, checkpoint: audit.Checkpoint | None = None
) -> VerifyReport:
    """Check the chain of an exported log (``provenance log --format jsonl``) without a store."""
    report = VerifyReport()
    chain = ChainChecker()
    found_head = expect_head is None
    at_checkpoint: str | None = None
    try:
        with path.open(encoding="utf-8") as lines:
            for n, line in enumerate(lines, 1):
                if not line.strip():
                    continue
                try:
                    body = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise InputError(str(path), f"not JSON: {exc.msg}", n) from None
                except RecursionError:
                    report.problems.append(
                        Mismatch(
                            check="chain",
                            record=f"line:{n}",
                            table="audit_log",
                            detail="entry is nested too deep to read",
                        )
                    )
                    chain.expected_seq += 1
                    continue
                if not isinstance(body, dict):
                    raise InputError(str(path), "not a log entry object", n)
                report.problems.extend(chain.feed(body))
                report.head_seq, report.head_hash = body.get("seq", 0), str(body.get("hash"))
                found_head = found_head or body.get("hash") == expect_head
                if checkpoint is not None and body.get("seq") == checkpoint.seq:
                    at_checkpoint = str(body.get("hash"))
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(str(path), f"cannot read: {exc}") from None
    report.entries = chain.count
    if not found_head:
        report.problems.append(
            Mismatch(
                check="chain",
                record=f"log:{expect_head}",
                detail="the expected head hash is not in the file",
            )
        )
    if checkpoint is not None:
        report.problems.extend(_against_checkpoint(checkpoint, at_checkpoint))
    return report
