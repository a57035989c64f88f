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
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, select

from provenance import audit
from provenance.errors import InputError, public
from provenance.tables import (
    AuditRow,
    DocumentRow,
    QuoteRow,
)
from provenance.verify_chain import ChainChecker, Mismatch, VerifyReport
from provenance.verify_documents import check_document, check_documents_gone, check_keys
from provenance.verify_state import (
    check_clusters,
    check_flags,
    check_merges,
    check_people,
    check_reviews,
    check_speakers,
)


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
            report.problems.extend(check_document(session, doc, chain, report, quotes))
        report.problems.extend(check_keys(session, quotes))
        after = docs[-1].id
        session.expunge_all()  # document texts can be large; keep one batch at a time
    report.problems.extend(check_documents_gone(session, chain, seen))
    report.problems.extend(check_speakers(session, chain))
    report.problems.extend(check_merges(session, chain))
    report.problems.extend(check_reviews(session, chain))
    report.problems.extend(check_clusters(session, chain))
    report.problems.extend(check_flags(session, chain))
    report.problems.extend(check_people(session, chain))
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
