"""Clusters as stored: their members, canonical wording and listing.

:func:`members_of` reads clusters' members (:class:`Member`: the quote row, its
normalized text, speaker and document) in a few statements; :func:`refresh_clusters`
re-derives each cluster's canonical wording (:func:`canonical`: the earliest full
wording) and every member's relation and score to it; :func:`list_clusters` and
:func:`clusters_for` are what ``provenance matches`` shows.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, NamedTuple

from sqlalchemy import (
    bindparam,
    update,
)
from sqlalchemy import select as sa_select  # sqlmodel.select types at most four columns
from sqlmodel import Session, col, select

from provenance.errors import public
from provenance.models import Cluster, SourceRef
from provenance.relations import normalize, relations_to
from provenance.store import find_speakers
from provenance.tables import (
    ClusterMemberRow,
    ClusterRow,
    DocumentRow,
    QuoteRow,
    SpeakerRow,
    chunks,
)


def _now() -> datetime:
    return datetime.now(UTC)


class DocRef(NamedTuple):
    """What cluster and conflict checks read of a member's document: not its text,
    which a look-up of whole rows would read again for every member."""

    id: str
    source: str | None
    path: str | None
    published: date | None


@dataclass
class Member:
    """A cluster member with what conflict checks need."""

    quote: QuoteRow
    norm: str
    speaker: str | None
    doc: DocRef
    speaker_kind: str | None = None  # person | organization | document | anonymous


def members(session: Session, cluster_id: int) -> list[Member]:
    return members_of(session, [cluster_id]).get(cluster_id, [])


def members_of(session: Session, cluster_ids: Sequence[int]) -> dict[int, list[Member]]:
    """Members of each of ``cluster_ids``, a few statements for all of them.

    Each cluster's members come in the order one look-up of that cluster alone
    gives (the ``cluster_members(cluster_id)`` index, then insertion order):
    flags list their records in that order.
    """
    out: dict[int, list[Member]] = {}
    for part in chunks(sorted(set(cluster_ids))):
        stmt = (
            sa_select(
                col(ClusterMemberRow.cluster_id),
                QuoteRow,
                col(SpeakerRow.name),
                col(DocumentRow.id),
                col(DocumentRow.source),
                col(DocumentRow.path),
                col(DocumentRow.published),
                col(SpeakerRow.kind),
            )
            .join(ClusterMemberRow, col(ClusterMemberRow.quote_id) == QuoteRow.id)
            .join(SpeakerRow, col(QuoteRow.speaker_id) == SpeakerRow.id, isouter=True)
            .join(DocumentRow, col(QuoteRow.document_id) == DocumentRow.id)
            .where(col(ClusterMemberRow.cluster_id).in_(part))
        )
        for cluster_id, q, name, d_id, source, path, published, kind in session.execute(stmt):
            doc = DocRef(d_id, source, path, published)
            out.setdefault(cluster_id, []).append(Member(q, normalize(q.text), name, doc, kind))
    return out


def canonical(ms: list[Member]) -> Member:
    """The wording most documents agree on among full (not fragment) versions."""
    docs: dict[str, set[str]] = defaultdict(set)
    for m in ms:
        docs[m.norm].add(m.doc.id)
    # Compared over distinct wordings: a much-reported cluster repeats a few of them.
    full_wordings = _full_wordings(docs)
    full = [m for m in ms if m.norm in full_wordings]
    # Ties go to the first in (date, path, offset, id) order, whatever order the members
    # were read in: verify re-derives the choice and must find the same one.
    ordered = sorted(full or ms, key=lambda m: (*_order(m), m.quote.id))
    return max(ordered, key=lambda m: (len(docs[m.norm]), len(m.norm), -_order(m)[0]))


def _full_wordings(wordings: Iterable[str]) -> set[str]:
    """The wordings not found inside another one (distinct normalized texts).

    Only a longer wording can hold a distinct one, so each is looked for in the
    longer ones joined by a newline (never in a normalized text, so no match spans
    two): one search in C per wording, not one per pair.
    """
    ordered = sorted(wordings, key=len)
    joined = "\n".join(ordered)
    out: set[str] = set()
    at, longer_from, k = 0, [], 0
    for n in ordered:  # where each wording starts in ``joined``
        longer_from.append(at)
        at += len(n) + 1
    for n in ordered:
        while k < len(ordered) and len(ordered[k]) <= len(n):
            k += 1
        if k == len(ordered) or joined.find(n, longer_from[k]) < 0:
            out.add(n)
    return out


def _order(m: Member) -> tuple[int, str, int]:
    published = m.doc.published or date.max
    return published.toordinal(), m.doc.path or m.doc.id, m.quote.start


def refresh_cluster(session: Session, cluster_id: int) -> list[Member]:
    """Recompute a cluster's canonical text and members' relations; [] if it is gone."""
    return refresh_clusters(session, [cluster_id]).get(cluster_id, [])


def refresh_clusters(session: Session, cluster_ids: Sequence[int]) -> dict[int, list[Member]]:
    """:func:`refresh_cluster` of many clusters: their members and cluster ids read in a
    few statements, the new values written with two ``executemany`` updates.

    Core statements, not ORM objects: a rebuild refreshes every cluster, and loading,
    setting and flushing a row object per cluster and member cost more than the
    refresh itself (the values written are the same).
    """
    found = members_of(session, cluster_ids)
    ids = sorted(found)
    clusters_table = ClusterRow.__table__  # type: ignore[attr-defined]
    members_table = ClusterMemberRow.__table__  # type: ignore[attr-defined]
    stored: set[int] = set()
    for part in chunks(ids):
        stored.update(
            session.execute(
                sa_select(clusters_table.c.id).where(clusters_table.c.id.in_(part))
            ).scalars()
        )
    out: dict[int, list[Member]] = {}
    now = _now()
    cluster_rows: list[dict[str, Any]] = []
    member_rows: list[dict[str, Any]] = []
    for cluster_id in ids:
        if cluster_id not in stored:
            continue
        ms = found[cluster_id]
        best = canonical(ms)
        cluster_rows.append(
            {"b_id": cluster_id, "b_quote": best.quote.id, "b_text": best.quote.text, "b_at": now}
        )
        wordings = list(dict.fromkeys(m.norm for m in ms))  # members share wordings
        to_best = dict(zip(wordings, relations_to(wordings, best.norm, True), strict=True))
        for m in ms:
            rel, score = to_best[m.norm]
            member_rows.append(
                {"b_quote": m.quote.id, "b_relation": rel or "variant", "b_score": round(score, 1)}
            )
        out[cluster_id] = ms
    if cluster_rows:
        session.execute(
            update(clusters_table)
            .where(clusters_table.c.id == bindparam("b_id"))
            .values(
                canonical_quote_id=bindparam("b_quote"),
                text=bindparam("b_text"),
                updated_at=bindparam("b_at"),
            ),
            cluster_rows,
        )
    if member_rows:
        session.execute(
            update(members_table)
            .where(members_table.c.quote_id == bindparam("b_quote"))
            .values(relation=bindparam("b_relation"), score=bindparam("b_score")),
            member_rows,
        )
    session.flush()
    return out


def source_ref(m: Member, relation_: str = "same", score: float = 100.0) -> SourceRef:
    return SourceRef(
        document=m.doc.id,
        source=m.doc.source,
        path=m.doc.path,
        published=m.doc.published,
        start=m.quote.start,
        end=m.quote.end,
        text=m.quote.text,
        speaker=m.speaker,
        quote_id=m.quote.id,
        relation=relation_,
        score=score,
    )


def list_clusters(
    session: Session, speaker_ids: list[int] | None = None, min_sources: int = 1
) -> list[Cluster]:
    """Stored clusters with ≥ ``min_sources`` distinct outlets, most reported first."""
    out = []
    rel = {m.quote_id: m for m in session.exec(select(ClusterMemberRow))}
    for c in session.exec(select(ClusterRow)):
        assert c.id is not None
        ms = sorted(members(session, c.id), key=_order)
        if speaker_ids is not None and not any(m.quote.speaker_id in speaker_ids for m in ms):
            continue
        refs = [source_ref(m, rel[m.quote.id].relation, rel[m.quote.id].score) for m in ms]
        distinct = len({m.doc.source or m.doc.path or m.doc.id for m in ms})
        if distinct < min_sources or not refs:
            continue
        speakers = sorted({m.speaker for m in ms if m.speaker})
        out.append(
            Cluster(
                id=c.id,
                text=c.text,
                speakers=speakers,
                sources=refs,
                first_appearance=refs[0],
                distinct_sources=distinct,
            )
        )
    out.sort(key=lambda c: (-c.distinct_sources, -len(c.sources), c.id))
    return out


@public
def clusters_for(
    session: Session, speaker: str | None = None, min_sources: int = 1
) -> list[Cluster]:
    """:func:`list_clusters` for a speaker name query (any spelling) or everyone."""
    ids = find_speakers(session, speaker) if speaker is not None else None
    return list_clusters(session, ids, min_sources)
