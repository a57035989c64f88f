"""Which report of a statement came first, and how many outlets carry it.

One ordering for every reader of clusters (``trace``, ``quotes``, ``show``, the
ClaimReview export): publication date first; undated documents after the dated
ones; then ingest order (the ``document.ingested`` log entry, which the store
writes in input order even when many documents share a timestamp); then the
position in the document. This module reads the tables only, so the store can
use it without importing the matching stage; and it imports the database layer
inside the two functions that query, so that :mod:`provenance.quickread` ranks
the rows it reads with sqlite3 by :func:`rank` without importing sqlalchemy.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from provenance.models import Quote

if TYPE_CHECKING:
    from sqlmodel import Session

_NEVER = 2**62  # ingest position of a document with no log entry (a store before the log)


@dataclass(frozen=True)
class Standing:
    """A quote among the reports of its statement."""

    cluster_id: int | None
    first: bool = True
    sources: int = 1


def outlet(source: str | None, path: str | None, document_id: str) -> str:
    """What counts as one source: the outlet name, else the file, else the document."""
    return source or path or document_id


def ingest_order(session: Session, document_ids: Iterable[str]) -> dict[str, int]:
    """Document id -> sequence number of its ``document.ingested`` log entry."""
    from sqlalchemy import func
    from sqlmodel import col, select

    from provenance import audit
    from provenance.tables import AuditRow, chunks

    ids = list(dict.fromkeys(document_ids))
    out: dict[str, int] = {}
    for chunk in chunks(ids):
        for subj, seq in session.exec(
            select(AuditRow.subject, func.min(AuditRow.seq))
            .where(
                col(AuditRow.subject).in_([audit.subject("document", d) for d in chunk]),
                AuditRow.action == audit.DOCUMENT_INGESTED,
            )
            .group_by(col(AuditRow.subject))
        ):
            out[subj.removeprefix("document:")] = seq
    return out


def order_key(
    published: date | None, ingest_seq: int | None, document_id: str, start: int
) -> tuple[int, int, str, int]:
    """Sort key of one report: date (undated last), ingest order, document, offset."""
    return (
        (published or date.max).toordinal(),
        _NEVER if ingest_seq is None else ingest_seq,
        document_id,
        start,
    )


def standings(session: Session, quote_ids: Iterable[str]) -> dict[str, Standing]:
    """For each quote: its cluster, whether it is the cluster's first report, how many outlets.

    A quote in no cluster is its own first and only report.
    """
    from sqlmodel import col, select

    from provenance.tables import ClusterMemberRow, DocumentRow, QuoteRow, chunks

    ids = list(dict.fromkeys(quote_ids))
    cluster_of: dict[str, int] = {}
    for chunk in chunks(ids):
        cluster_of.update(
            session.exec(
                select(ClusterMemberRow.quote_id, ClusterMemberRow.cluster_id).where(
                    col(ClusterMemberRow.quote_id).in_(chunk)
                )
            ).all()
        )
    columns: tuple[Any, ...] = (
        ClusterMemberRow.cluster_id,
        QuoteRow.id,
        QuoteRow.start,
        DocumentRow.id,
        DocumentRow.published,
        DocumentRow.source,
        DocumentRow.path,
    )
    members: list[Any] = []
    for ids_part in chunks(sorted(set(cluster_of.values()))):
        members.extend(
            session.exec(
                select(*columns)
                .join(QuoteRow, col(QuoteRow.id) == ClusterMemberRow.quote_id)
                .join(DocumentRow, col(DocumentRow.id) == QuoteRow.document_id)
                .where(col(ClusterMemberRow.cluster_id).in_(ids_part))
            )
        )
    seqs = ingest_order(session, [r[3] for r in members])
    return rank(ids, cluster_of, members, seqs)


def rank(
    quote_ids: list[str],
    cluster_of: dict[str, int],
    members: Iterable[Sequence[Any]],
    seqs: dict[str, int],
) -> dict[str, Standing]:
    """:func:`standings` once read: each quote's cluster (``cluster_of``), every report of
    those clusters (``members``: cluster id, quote id, start, document id, its date,
    source, path) and the documents' ingest order (``seqs``: :func:`ingest_order`)."""
    rows: dict[int, list[Sequence[Any]]] = defaultdict(list)
    for r in members:
        rows[r[0]].append(r)
    firsts: dict[int, str] = {}
    counts: dict[int, int] = {}
    for cid, rs in rows.items():
        firsts[cid] = min(rs, key=lambda r: order_key(r[4], seqs.get(r[3]), r[3], r[2]))[1]
        counts[cid] = len({outlet(r[5], r[6], r[3]) for r in rs})
    out: dict[str, Standing] = {}
    for q in quote_ids:
        found = cluster_of.get(q)
        out[q] = (
            Standing(None)
            if found is None or found not in rows
            else Standing(found, firsts[found] == q, counts[found])
        )
    return out


def with_standing(quotes: list[Quote], found: dict[str, Standing]) -> list[Quote]:
    """``quotes`` with their cluster, whether each is the first report, how many outlets
    (``found``: :func:`standings` of their ids)."""
    for q in quotes:
        st = found[q.id]
        q.cluster_id, q.first_appearance, q.sources = st.cluster_id, st.first, st.sources
    return quotes
