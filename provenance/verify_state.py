"""``provenance verify``'s checks of derived state against the replayed log.

Speakers and aliases (:func:`check_speakers`), merges, reviews, cluster memberships
with each cluster's canonical wording and members' relations re-computed
(:func:`check_clusters`), conflict flags and imported people: each stored row must
be what the log's entries made (:class:`~provenance.verify_chain.ChainChecker`), and
nothing may exist that no entry made.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from provenance import audit, cluster_members, relations
from provenance.names import fold
from provenance.people import person_payload
from provenance.tables import (
    AliasRow,
    ClusterMemberRow,
    ClusterRow,
    ConflictRow,
    DocumentRow,
    MergeRow,
    PersonRow,
    QuoteRow,
    ReviewRow,
    SpeakerRow,
)
from provenance.verify_chain import ChainChecker, LoggedMerge, Mismatch, differs, shown


def check_speakers(session: Session, chain: ChainChecker) -> Iterator[Mismatch]:
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
        yield from differs(
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
        yield from differs(
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


def check_merges(session: Session, chain: ChainChecker) -> Iterator[Mismatch]:
    """Stored merges against the logged ones.

    Paired by (speaker, alias, document) first; the rows and entries left over are
    paired in order (row id, entry seq), so an edited value is named by its column.
    """
    logged: dict[tuple[int, str, str], list[LoggedMerge]] = {}
    for m in sorted(chain.merges.values(), key=lambda m: m.seq):
        logged.setdefault((m.speaker_id, m.alias, m.document), []).append(m)
    unpaired: list[MergeRow] = []
    pairs: list[tuple[MergeRow, LoggedMerge]] = []
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
        yield from differs(
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


def check_reviews(session: Session, chain: ChainChecker) -> Iterator[Mismatch]:
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
        yield from differs(
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


def check_clusters(session: Session, chain: ChainChecker) -> Iterator[Mismatch]:
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
    yield from differs(
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
        yield from differs(
            f"quote:{r[1]}",
            "cluster_members",
            {"relation": rel or "variant", "score": round(score, 1)},
            {"relation": r[2], "score": r[3]},
            "(re-derived from its cluster)",
        )


def check_flags(session: Session, chain: ChainChecker) -> Iterator[Mismatch]:
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
                        f"{key} is {shown(value)}; log entry {seq} says {shown(payload.get(key))}"
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


def check_people(session: Session, chain: ChainChecker) -> Iterator[Mismatch]:
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
        yield from differs(
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
