"""Cross-source checks: keep quantity claims, quote clusters and flags current.

The stage after storing: :func:`update` runs for newly stored documents (ingest
calls it), :func:`rebuild` recomputes everything (``provenance match``) and
:func:`forget_document` undoes a document before it is deleted. Each runs
:mod:`provenance.quantities` (claims), then :mod:`provenance.clusters`, then
derives flags with :mod:`provenance.conflicts` and syncs them per *scope* (a
cluster, or a counted noun and event): new flags raised, changed ones updated,
vanished ones cleared, each an audit entry.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime

from sqlalchemy import delete
from sqlmodel import Session, col, select

from provenance import audit, cluster_members, clusters
from provenance import quantities as claims_stage
from provenance.batch import WriteBatch
from provenance.conflicts import WINDOW_DAYS, cluster_conflicts, numeric_conflicts
from provenance.errors import public
from provenance.models import Conflict, UpdateReport
from provenance.tables import (
    LOOKUP_CHUNK,
    AuditRow,
    ClaimRow,
    ClusterMemberRow,
    ConflictRow,
    DocumentRow,
    QuoteRow,
)


def scoped_id(scope: str, flag_id: str) -> str:
    """The stored id of a flag found in ``scope``: 32 hex characters.

    A flag's records can move to another scope (clusters merge; a rebuild
    renumbers them). Were the id the same in both, the old scope's refresh would
    log it cleared while the row lives on under the new one, and ``verify``
    would rightly object; with the scope in the id, one flag is cleared and
    another raised, each logged.
    """
    return hashlib.sha256(f"{scope}|{flag_id}".encode()).hexdigest()[:32]


def _sync(
    session: Session,
    scope: str,
    found: list[Conflict],
    report: UpdateReport,
    reason: str = "refresh",
    existing: dict[str, ConflictRow] | None = None,
    dismissed: dict[str, str] | None = None,
    dismissed_anywhere: frozenset[str] = frozenset(),
) -> None:
    """Store ``found`` as the flags of ``scope``: raise new ones, clear vanished ones.

    Each flag raised, changed or cleared is one audit entry in this transaction.
    ``existing`` (the scope's stored flags) and ``dismissed``
    (:func:`dismissed_evidence` of at least the flags found) are read here unless
    the caller read them for many scopes at once (:func:`_sync_clusters`).
    ``dismissed_anywhere`` (:func:`dismissed_records`): evidence dismissed under any
    flag id, for a rebuild, which renumbers the clusters in flag ids.
    """
    if existing is None:
        existing = {
            r.id: r for r in session.exec(select(ConflictRow).where(ConflictRow.scope == scope))
        }
    wanted = {scoped_id(scope, c.id): c for c in found}
    if dismissed is None:
        dismissed = dismissed_evidence(session, sorted(wanted))
    for cid in list(wanted):
        evidence = audit.text_hash(_records_json(wanted[cid]))
        if dismissed.get(cid) == evidence or evidence in dismissed_anywhere:
            del wanted[cid]  # a reviewer dismissed this very evidence: it stays down
    for cid in sorted(set(existing) - set(wanted)):
        row = existing[cid]
        audit.log_flag(session, audit.FLAG_CLEARED, row, reason)  # it no longer holds
        session.delete(row)
        report.cleared += 1
    for cid, c in wanted.items():
        payload = _records_json(c)
        explanation = c.explanation if c.diff is None else f"{c.explanation}\n{c.diff}"
        if cid in existing:
            row = existing[cid]
            if (row.score, row.explanation, row.records) != (c.score, explanation, payload):
                row.score, row.explanation, row.records = c.score, explanation, payload
                audit.log_flag(session, audit.FLAG_UPDATED, row, reason)
                report.updated += 1
            continue
        row = ConflictRow(
            id=cid,
            kind=c.kind,
            scope=scope,
            score=c.score,
            explanation=explanation,
            records=payload,
            raised_at=datetime.now(UTC),
        )
        session.add(row)
        audit.log_flag(session, audit.FLAG_RAISED, row, reason)
        report.raised += 1


CLAIMS_DOCUMENTS = 500
"""Documents whose claims are found and stored together (their texts are held)."""

SYNC_CLUSTERS = 1000
"""Clusters refreshed and synced per step of :func:`_sync_clusters`: a rebuild
touches every cluster, and holding all their members (quote and document rows)
at once grew memory by ~12 KB per stored quote."""


def _sync_clusters(
    session: Session,
    cluster_ids: set[int],
    report: UpdateReport,
    reason: str = "refresh",
    dismissed_anywhere: frozenset[str] = frozenset(),
) -> None:
    """Refresh the given clusters and their misquote/misattribution flags.

    The same as :func:`cluster_members.refresh_cluster` then :func:`_sync` for each cluster in
    id order (the audit entries come in that order), with the reads done together
    for :data:`SYNC_CLUSTERS` clusters at a time: one cluster's refresh and flags
    change nothing another one reads.
    """
    ids = sorted(cluster_ids)
    for lo in range(0, len(ids), SYNC_CLUSTERS):
        _sync_some(session, ids[lo : lo + SYNC_CLUSTERS], report, reason, dismissed_anywhere)


def flagged_clusters(session: Session) -> set[int]:
    """Ids of the clusters that hold a stored flag (few: flags are rare)."""
    return {
        int(scope.split(":", 1)[1])
        for scope in session.exec(
            select(ConflictRow.scope)
            .where(col(ConflictRow.scope).startswith("cluster:"))
            .distinct()
        )
    }


def _sync_some(
    session: Session,
    ids: list[int],
    report: UpdateReport,
    reason: str,
    dismissed_anywhere: frozenset[str],
) -> None:
    refreshed = cluster_members.refresh_clusters(session, ids)
    found = {c: cluster_conflicts(refreshed.get(c, [])) for c in ids}
    del refreshed
    scopes = [f"cluster:{c}" for c in ids]
    existing: dict[str, dict[str, ConflictRow]] = {s: {} for s in scopes}
    for lo in range(0, len(scopes), LOOKUP_CHUNK):
        for r in session.exec(
            select(ConflictRow).where(col(ConflictRow.scope).in_(scopes[lo : lo + LOOKUP_CHUNK]))
        ):
            existing[r.scope][r.id] = r
    dismissed = dismissed_evidence(
        session, sorted(scoped_id(f"cluster:{c}", x.id) for c in ids for x in found[c])
    )
    for c, scope in zip(ids, scopes, strict=True):
        _sync(
            session,
            scope,
            found[c],
            report,
            reason,
            existing[scope],
            dismissed,
            dismissed_anywhere=dismissed_anywhere,
        )
    session.flush()


def _records_json(c: Conflict) -> str:
    """The stored form of a flag's records (its evidence; hashed in the audit log)."""
    return json.dumps([r.model_dump(mode="json") for r in c.records], ensure_ascii=False)


# ---- reviewer decisions on flags ---------------------------------------------


def _latest_dismissals(rows: Iterable[tuple[str, str]], out: dict[str, str]) -> None:
    """Fold ``flag.reviewed`` entries (subject, payload), in log order, into ``out``: flag
    id -> SHA-256 of the records dismissed, while the latest decision is "dismissed"
    (a later "confirmed" lifts it)."""
    for subj, payload in rows:
        p = json.loads(payload)
        flag = subj.split(":", 1)[1]
        if p.get("decision") == "dismissed":
            out[flag] = p.get("evidence_sha256", "")
        else:
            out.pop(flag, None)


def dismissed_evidence(session: Session, flag_ids: list[str]) -> dict[str, str]:
    """Flag id -> SHA-256 of the records a reviewer dismissed, for those of ``flag_ids``
    whose latest decision is "dismissed"."""
    out: dict[str, str] = {}
    subjects = [audit.subject("conflict", f) for f in flag_ids]
    for lo in range(0, len(subjects), LOOKUP_CHUNK):
        _latest_dismissals(
            session.exec(
                select(AuditRow.subject, AuditRow.payload)
                .where(
                    AuditRow.action == audit.FLAG_REVIEWED,
                    col(AuditRow.subject).in_(subjects[lo : lo + LOOKUP_CHUNK]),
                )
                .order_by(col(AuditRow.seq))
            ),
            out,
        )
    return out


def dismissed_records(session: Session) -> frozenset[str]:
    """SHA-256 of every flag evidence whose latest decision is a dismissal, under any
    flag id: a scan of the ``flag.reviewed`` entries, done once by :func:`rebuild`
    (which renumbers clusters, so a flag's id changes while its records do not)."""
    out: dict[str, str] = {}
    _latest_dismissals(
        session.exec(
            select(AuditRow.subject, AuditRow.payload)
            .where(AuditRow.action == audit.FLAG_REVIEWED)
            .order_by(col(AuditRow.seq))
        ),
        out,
    )
    return frozenset(h for h in out.values() if h)


def refresh_numeric(
    session: Session,
    keys: set[tuple[str, str]],
    report: UpdateReport,
    window_days: int = WINDOW_DAYS,
    dismissed_anywhere: frozenset[str] = frozenset(),
) -> None:
    """Re-check the numeric flags of each (noun class, event) key in ``keys``.

    Only the claims of that key are read (index ``ix_claims_class_event``) and
    only their documents, so the cost follows the key's claims, not the database.
    """
    docs: dict[str, DocumentRow] = {}
    for noun_class, event in sorted(keys):
        rows = list(
            session.exec(
                select(ClaimRow).where(ClaimRow.noun_class == noun_class, ClaimRow.event == event)
            )
        )
        todo = sorted({r.document_id for r in rows} - set(docs))
        for lo in range(0, len(todo), LOOKUP_CHUNK):
            docs.update(
                (d.id, d)
                for d in session.exec(
                    select(DocumentRow).where(col(DocumentRow.id).in_(todo[lo : lo + LOOKUP_CHUNK]))
                )
            )
        _sync(
            session,
            f"numeric:{noun_class}:{event}",
            numeric_conflicts(rows, docs, window_days),
            report,
            dismissed_anywhere=dismissed_anywhere,
        )


def update(
    session: Session,
    document_ids: list[str],
    workers: int = 1,
    relog_claims: frozenset[str] = frozenset(),
    window_days: int = WINDOW_DAYS,
    dismissed_anywhere: frozenset[str] = frozenset(),
    found: Mapping[str, Sequence[claims_stage.Found]] | None = None,
    digests: Mapping[str, bytes] | None = None,
) -> UpdateReport:
    """Claims, clusters and flags for newly stored documents; the caller commits.

    A document's claims are logged when it has some, or when it is in
    ``relog_claims`` (its claims were dropped: the log must say it has none now).
    ``dismissed_anywhere``: see :func:`_sync`. ``found``: the quantities of documents
    found already (``quantities.find_quantities`` of their texts, as ingest's workers
    do); the others are found here, in ``workers`` processes. ``digests``: quote texts'
    band digests computed already (``blocking.band_digests``, in ingest's workers).
    """
    # Audit entries go in together at the next read or flush (see provenance.batch):
    # this runs under the writers' lock, with no savepoints.
    batch = WriteBatch.of(session)
    held, batch.hold_audit = batch.hold_audit, True
    try:
        return _update(
            session,
            document_ids,
            workers,
            relog_claims,
            window_days,
            dismissed_anywhere,
            found,
            digests,
        )
    finally:
        batch.hold_audit = held


def _update(
    session: Session,
    document_ids: list[str],
    workers: int,
    relog_claims: frozenset[str],
    window_days: int,
    dismissed_anywhere: frozenset[str] = frozenset(),
    found: Mapping[str, Sequence[claims_stage.Found]] | None = None,
    digests: Mapping[str, bytes] | None = None,
) -> UpdateReport:
    report = UpdateReport()
    keys: set[tuple[str, str]] = set()
    # The claims of all documents are found and stored together, then logged in
    # document order: the same entries, in the same order, as one document at a time.
    unfound = sum(d not in found for d in document_ids) if found else len(document_ids)
    with claims_stage.finding_pool(workers, unfound) as pool:
        for lo in range(0, len(document_ids), CLAIMS_DOCUMENTS):
            part = document_ids[lo : lo + CLAIMS_DOCUMENTS]
            stored = claims_stage.store_claims_of(session, part, found, pool)
            for doc_id in part:
                added, rows = stored.get(doc_id, (0, []))
                if added or doc_id in relog_claims:
                    audit.log_claims(session, doc_id, rows=rows)
                report.claims += added
                keys |= {(c.noun_class, c.event) for c in rows if c.event is not None}
    by_doc: dict[str, list[str]] = {d: [] for d in document_ids}
    for lo in range(0, len(document_ids), LOOKUP_CHUNK):
        for doc_id, quote_id in session.exec(
            select(QuoteRow.document_id, QuoteRow.id)
            .where(col(QuoteRow.document_id).in_(document_ids[lo : lo + LOOKUP_CHUNK]))
            .order_by(col(QuoteRow.document_id), col(QuoteRow.start))
        ):
            by_doc[doc_id].append(quote_id)
    quote_ids = [q for d in document_ids for q in by_doc[d]]
    assigned = clusters.add_quotes(session, quote_ids, workers, digests)
    report.quotes, report.clusters_touched = len(quote_ids), len(assigned.changed)
    # A lone new cluster is stored refreshed and has nothing to flag: skipping them is
    # most of a rebuild's refresh (the clusters of a million quotes are mostly lone).
    # Unless its id is a deleted cluster's that kept a flag: a refresh clears that.
    skip = assigned.lone - flagged_clusters(session)
    _sync_clusters(session, assigned.changed - skip, report, dismissed_anywhere=dismissed_anywhere)
    refresh_numeric(session, keys, report, window_days, dismissed_anywhere=dismissed_anywhere)
    session.flush()
    return report


def forget_document(session: Session, document_id: str) -> UpdateReport:
    """Drop a document's claims and cluster memberships before it is deleted; no commit.

    Flags that relied on it are cleared. A cluster that the document's quote was
    the only bridge of stays whole until ``provenance match`` rebuilds.
    """
    report = UpdateReport()
    quote_ids = list(session.exec(select(QuoteRow.id).where(QuoteRow.document_id == document_id)))
    touched = clusters.forget_quotes(session, quote_ids)
    keys = {
        (c, e)
        for c, e in session.exec(
            select(ClaimRow.noun_class, ClaimRow.event).where(ClaimRow.document_id == document_id)
        )
        if e is not None
    }
    session.exec(delete(ClaimRow).where(col(ClaimRow.document_id) == document_id))
    for cluster_id in sorted(touched):
        _sync(
            session,
            f"cluster:{cluster_id}",
            cluster_conflicts(cluster_members.refresh_cluster(session, cluster_id)),
            report,
        )
    refresh_numeric(session, keys, report)
    session.flush()
    return report


def resync_quotes(session: Session, quote_ids: list[str], reason: str) -> UpdateReport:
    """Refresh the clusters holding ``quote_ids`` and their flags after a person changed
    who said them (``review --speaker``, ``speakers merge``/``split``); no commit.

    Memberships stay as they are (they record what matched when); the flags, which
    compare speakers, follow at once, each change logged with ``reason``.
    """
    cluster_ids: set[int] = set()
    for lo in range(0, len(quote_ids), LOOKUP_CHUNK):
        cluster_ids.update(
            session.exec(
                select(ClusterMemberRow.cluster_id).where(
                    col(ClusterMemberRow.quote_id).in_(quote_ids[lo : lo + LOOKUP_CHUNK])
                )
            )
        )
    report = UpdateReport(quotes=len(quote_ids), clusters_touched=len(cluster_ids))
    session.flush()  # the members are read with their new speakers
    _sync_clusters(session, cluster_ids, report, reason)
    session.flush()
    return report


@public
def rebuild(session: Session, workers: int = 1, window_days: int = WINDOW_DAYS) -> UpdateReport:
    """Forget all claims, clusters and flags and recompute them from stored documents.

    ``window_days``: reports further apart are not compared for numeric flags.
    """
    audit.lock_writers(session)
    clusters.clear(session)
    had_claims = frozenset(session.exec(select(ClaimRow.document_id).distinct()).all())
    session.exec(delete(ClaimRow))
    # Cluster ids (the scopes of flags) are renumbered: every flag is cleared and
    # re-raised below if it still holds, each change logged.
    for row in session.exec(select(ConflictRow).order_by(col(ConflictRow.id))).all():
        audit.log_flag(session, audit.FLAG_CLEARED, row, "rebuild")
    session.exec(delete(ConflictRow))
    docs = session.exec(
        select(DocumentRow.id).order_by(col(DocumentRow.published), col(DocumentRow.ingested_at))
    ).all()
    # A dismissal names the flag's old id; its evidence (the records) is what lasts.
    return update(session, list(docs), workers, had_claims, window_days, dismissed_records(session))
