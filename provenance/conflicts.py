"""Conflicts between sources: misquotes, misattributions and numeric disagreements.

This is the last verification stage; :func:`update` runs the earlier ones too
(claims, then clusters) for newly stored documents, so one call after ingest
keeps clusters and flags current. Flags are stored per *scope* (a cluster, or a
counted noun and event) and each refresh raises new flags and clears the ones
that no longer hold.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import re
from datetime import UTC, datetime
from functools import lru_cache
from itertools import combinations

from pydantic import BaseModel
from rapidfuzz import fuzz
from sqlalchemy import delete
from sqlmodel import Session, col, select

from provenance import audit, match
from provenance import claims as claims_stage
from provenance.lexicon import load
from provenance.models import Conflict, SourceRef
from provenance.speakers import fold, name_parts
from provenance.tables import ClaimRow, ConflictRow, DocumentRow, QuoteRow

CONFLICT_KINDS = ("misquote", "misattribution", "numeric")
SAME_NAME = 85.0  # folded-name ratio (0–100) above which two speaker names are one person
MISATTRIBUTION_MIN_WORDS = 6  # a shorter shared fragment is too generic to flag


class UpdateReport(BaseModel):
    claims: int = 0
    quotes: int = 0
    clusters_touched: int = 0
    raised: int = 0
    cleared: int = 0


def word_diff(a: str, b: str) -> str:
    """Word-level diff from ``a`` to ``b``: ``[-removed-]`` and ``{+added+}``."""
    wa, wb = a.split(), b.split()
    out: list[str] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=wa, b=wb, autojunk=False).get_opcodes():
        if op == "equal":
            out += wa[i1:i2]
            continue
        if i2 > i1:
            out.append("[-" + " ".join(wa[i1:i2]) + "-]")
        if j2 > j1:
            out.append("{+" + " ".join(wb[j1:j2]) + "+}")
    return " ".join(out)


def same_person(a: str | None, b: str | None) -> bool:
    """True when two speaker names are one person despite spelling (Newsom/Newson)."""
    if a is None or b is None:
        return False
    if fuzz.ratio(fold(a), fold(b)) >= SAME_NAME:
        return True
    (_, sa), (_, sb) = name_parts(a), name_parts(b)
    return bool(sa) and fuzz.ratio(sa, sb) >= SAME_NAME and (sa in fold(b) or sb in fold(a))


def _where(ref: SourceRef) -> str:
    return ref.source or (ref.path.rsplit("/", 1)[-1] if ref.path else ref.document[:12])


def _at(ref: SourceRef) -> str:
    """Outlet and character range: one document may give the same figure twice."""
    return f"{_where(ref)} [{ref.start}:{ref.end}]"


def _conflict_id(kind: str, refs: list[SourceRef], extra: str = "") -> str:
    keys = sorted(f"{r.document}:{r.start}:{r.end}" for r in refs)
    return hashlib.sha256(f"{kind}|{extra}|{'|'.join(keys)}".encode()).hexdigest()[:32]


def cluster_conflicts(ms: list[match.Member]) -> list[Conflict]:
    """Misquotes and misattributions inside one cluster."""
    if len(ms) < 2:
        return []
    best = match.canonical(ms)
    agree = [m for m in ms if m.norm == best.norm]
    out: list[Conflict] = []
    for m in ms:
        rel, score = match.relation(m.norm, best.norm)
        if rel is not None or not same_person(m.speaker, best.speaker):
            continue
        refs = [match.source_ref(m, "variant", round(score, 1))] + [
            match.source_ref(a) for a in agree if same_person(a.speaker, m.speaker)]
        diff = word_diff(best.quote.text.strip(" ,."), m.quote.text.strip(" ,."))
        others = ", ".join(sorted({_where(r) for r in refs[1:]}))
        out.append(Conflict(
            id=_conflict_id("misquote", refs), kind="misquote", score=round(100 - score, 1),
            explanation=(f"{_where(refs[0])} quotes {m.speaker} as “{m.quote.text.strip(' ,')}” "
                         f"but {others} {'has' if len(refs) == 2 else 'have'} "
                         f"“{best.quote.text.strip(' ,')}” ({score:.0f}/100 similar)."),
            records=refs, diff=diff))
    # Misattribution: the same words (not a short generic fragment) with different speakers.
    said = [m for m in ms if m.speaker and (match.relation(m.norm, best.norm)[0] == "same"
            or len(m.norm.split()) >= MISATTRIBUTION_MIN_WORDS)
            and match.relation(m.norm, best.norm)[0] is not None]
    groups: list[list[match.Member]] = []
    for m in said:
        group = next((g for g in groups if same_person(g[0].speaker, m.speaker)), None)
        if group is None:
            groups.append([m])
        else:
            group.append(m)
    for ga, gb in combinations(groups, 2):
        score = max(fuzz.ratio(a.norm, b.norm) for a in ga for b in gb)
        refs = [match.source_ref(m) for m in ga + gb]
        where_a = ", ".join(sorted({_where(match.source_ref(m)) for m in ga}))
        where_b = ", ".join(sorted({_where(match.source_ref(m)) for m in gb}))
        out.append(Conflict(
            id=_conflict_id("misattribution", refs), kind="misattribution", score=round(score, 1),
            explanation=(f"The same words “{best.quote.text.strip(' ,')}” are attributed to "
                         f"{ga[0].speaker} by {where_a} and to {gb[0].speaker} by {where_b}."),
            records=refs))
    return out


def _claim_ref(c: ClaimRow, doc: DocumentRow) -> SourceRef:
    return SourceRef(document=c.document_id, source=doc.source, path=doc.path,
                     published=doc.published, start=c.start, end=c.end, text=c.text,
                     speaker=c.speaker, quote_id=None, relation="claim")


def _range(c: ClaimRow) -> str:
    if c.high is None:
        return f"{c.low:g} or more"
    return f"{c.low:g}" if c.low == c.high else f"{c.low:g}–{c.high:g}"


Occasion = tuple[frozenset[str], frozenset[str]]


def occasion_of(c: ClaimRow) -> Occasion:
    """(weekdays, places) a claim's sentence names, parsed from their JSON columns."""
    return frozenset(json.loads(c.days)), frozenset(json.loads(c.places))


def _same_occasion(a: Occasion, b: Occasion) -> bool:
    """False when both name days (or places) and none are shared."""
    return all(not (xa and xb) or bool(xa & xb) for xa, xb in zip(a, b, strict=True))


_NAME_RUN = re.compile(r"[A-Z][\w’'-]+(?:[ \t]+(?:of[ \t]+|de[ \t]+)?[A-Z][\w’'-]+)*")
STORY_MIN_SHARED = 2
"""Proper names two documents must share to be reports of one story."""


@lru_cache(maxsize=4096)
def story_keys(text: str) -> frozenset[str]:
    """Proper names (maximal capitalised runs, folded) a document mentions.

    A sentence-initial single word ("Police", "Thousands") is not a name; an
    all-capitals dateline ("RIVERTON —") is. Two documents about different
    events rarely share two such names; two reports of one event nearly always do.
    """
    stop = {w.lower() for w in load().name_stopwords}
    keys = set()
    for m in _NAME_RUN.finditer(text):
        run = m.group()
        before = text[max(0, m.start() - 2) : m.start()]
        initial = m.start() == 0 or before.endswith(("\n", ". ", "! ", "? ", "“", "\""))
        words = run.split()
        if len(words) == 1 and ((initial and not run.isupper()) or run.lower() in stop
                                or len(run) < 3):
            continue
        keys.add(fold(run))
    return frozenset(keys)


def different_stories(a: DocumentRow, b: DocumentRow) -> bool:
    """Whether two documents name enough places and people to tell they report other events.

    Both must name at least :data:`STORY_MIN_SHARED` proper names and share fewer; a
    short text naming none cannot be told apart and stays comparable.
    """
    ka, kb = story_keys(a.text), story_keys(b.text)
    return min(len(ka), len(kb)) >= STORY_MIN_SHARED and len(ka & kb) < STORY_MIN_SHARED


def numeric_conflicts(rows: list[ClaimRow], docs: dict[str, DocumentRow]) -> list[Conflict]:
    """Claims from different documents whose ranges for one thing do not overlap.

    One flag per pair of disagreeing ranges, holding every claim on either side
    (two outlets saying eight against one saying 14 is one flag, not two).
    """
    sides: dict[tuple[tuple[float, float | None], tuple[float, float | None]],
                tuple[dict[str, ClaimRow], dict[str, ClaimRow]]] = {}
    occasions = {c.id: occasion_of(c) for c in rows}  # parsed once, not once per pair
    for a, b in combinations(rows, 2):
        if a.document_id == b.document_id or a.unit != b.unit \
                or not _same_occasion(occasions[a.id], occasions[b.id]) \
                or different_stories(docs[a.document_id], docs[b.document_id]):
            continue
        lo, hi = (a, b) if (a.high if a.high is not None else float("inf")) < b.low else (b, a)
        if lo.high is None or lo.high >= hi.low:
            continue  # ranges overlap: compatible figures
        low_side, high_side = sides.setdefault(((lo.low, lo.high), (hi.low, hi.high)), ({}, {}))
        low_side[lo.id], high_side[hi.id] = lo, hi
    out = []
    for ((_, lo_high), (hi_low, _)), (low_side, high_side) in sides.items():
        assert lo_high is not None
        score = round(100 * (1 - lo_high / hi_low), 1) if hi_low else 100.0
        los, his = list(low_side.values()), list(high_side.values())
        refs = [_claim_ref(c, docs[c.document_id]) for c in los + his]
        first = his[0]
        out.append(Conflict(
            id=_conflict_id("numeric", refs), kind="numeric", score=score,
            explanation=(f"{_side(los, refs[:len(los)])} but {_side(his, refs[len(los):])} "
                         f"about the same thing ({first.noun_class}, {first.event}); "
                         "the ranges do not overlap."),
            records=refs))
    return out


def _side(claims: list[ClaimRow], refs: list[SourceRef]) -> str:
    """"A [0:9] and B [5:20] say “eight people” (8)" for claims sharing one range."""
    where = ", ".join(_at(r) for r in refs)
    said = " / ".join(dict.fromkeys(f"“{c.q_text} {c.noun}”" for c in claims))
    verb = "says" if len(refs) == 1 else "say"
    return f"{where} {verb} {said} ({_range(claims[0])})"


def _sync(session: Session, scope: str, found: list[Conflict], report: UpdateReport,
          reason: str = "refresh") -> None:
    """Store ``found`` as the flags of ``scope``: raise new ones, clear vanished ones.

    Each flag raised, changed or cleared is one audit entry in this transaction.
    """
    existing = {r.id: r for r in session.exec(select(ConflictRow).where(
        ConflictRow.scope == scope))}
    wanted = {c.id: c for c in found}
    for cid in sorted(set(existing) - set(wanted)):
        row = existing[cid]
        audit.log_flag(session, audit.FLAG_CLEARED, row, reason)  # it no longer holds
        session.delete(row)
        report.cleared += 1
    for cid, c in wanted.items():
        payload = json.dumps([r.model_dump(mode="json") for r in c.records], ensure_ascii=False)
        explanation = c.explanation if c.diff is None else f"{c.explanation}\n{c.diff}"
        if cid in existing:
            row = existing[cid]
            if (row.score, row.explanation, row.records) != (c.score, explanation, payload):
                row.score, row.explanation, row.records = c.score, explanation, payload
                audit.log_flag(session, audit.FLAG_UPDATED, row, reason)
            continue
        row = ConflictRow(id=cid, kind=c.kind, scope=scope, score=c.score,
                          explanation=explanation, records=payload, raised_at=datetime.now(UTC))
        session.add(row)
        audit.log_flag(session, audit.FLAG_RAISED, row, reason)
        report.raised += 1


def refresh_numeric(session: Session, keys: set[tuple[str, str]], report: UpdateReport) -> None:
    """Re-check the numeric flags of each (noun class, event) key in ``keys``.

    Only the claims of that key are read (index ``ix_claims_class_event``) and
    only their documents, so the cost follows the key's claims, not the database.
    """
    docs: dict[str, DocumentRow] = {}
    for noun_class, event in sorted(keys):
        rows = list(session.exec(select(ClaimRow).where(ClaimRow.noun_class == noun_class,
                                                        ClaimRow.event == event)))
        todo = sorted({r.document_id for r in rows} - set(docs))
        for lo in range(0, len(todo), match.LOOKUP_CHUNK):
            docs.update((d.id, d) for d in session.exec(select(DocumentRow).where(
                col(DocumentRow.id).in_(todo[lo:lo + match.LOOKUP_CHUNK]))))
        _sync(session, f"numeric:{noun_class}:{event}", numeric_conflicts(rows, docs), report)


def update(session: Session, document_ids: list[str], workers: int = 1,
           relog_claims: frozenset[str] = frozenset()) -> UpdateReport:
    """Claims, clusters and flags for newly stored documents; the caller commits.

    A document's claims are logged when it has some, or when it is in
    ``relog_claims`` (its claims were dropped: the log must say it has none now).
    """
    report = UpdateReport()
    keys: set[tuple[str, str]] = set()
    quote_ids: list[str] = []
    for doc_id in document_ids:
        found = claims_stage.store_claims(session, doc_id)
        if found or doc_id in relog_claims:
            session.flush()
            audit.log_claims(session, doc_id)
        report.claims += found
        keys |= {(c, e) for c, e in session.exec(select(ClaimRow.noun_class, ClaimRow.event)
                                                  .where(ClaimRow.document_id == doc_id))
                 if e is not None}
        quote_ids += session.exec(select(QuoteRow.id).where(QuoteRow.document_id == doc_id)
                                  .order_by(col(QuoteRow.start))).all()
    touched = match.add_quotes(session, quote_ids, workers)
    report.quotes, report.clusters_touched = len(quote_ids), len(touched)
    for cluster_id in sorted(touched):
        ms = match.refresh_cluster(session, cluster_id)
        _sync(session, f"cluster:{cluster_id}", cluster_conflicts(ms), report)
    refresh_numeric(session, keys, report)
    session.flush()
    return report


def forget_document(session: Session, document_id: str) -> UpdateReport:
    """Drop a document's claims and cluster memberships before it is deleted; no commit.

    Flags that relied on it are cleared. A cluster that the document's quote was
    the only bridge of stays whole until ``provenance match`` rebuilds.
    """
    report = UpdateReport()
    quote_ids = list(session.exec(select(QuoteRow.id).where(QuoteRow.document_id == document_id)))
    touched = match.forget_quotes(session, quote_ids)
    keys = {(c, e) for c, e in session.exec(select(ClaimRow.noun_class, ClaimRow.event).where(
        ClaimRow.document_id == document_id)) if e is not None}
    session.exec(delete(ClaimRow).where(col(ClaimRow.document_id) == document_id))
    for cluster_id in sorted(touched):
        _sync(session, f"cluster:{cluster_id}",
              cluster_conflicts(match.refresh_cluster(session, cluster_id)), report)
    refresh_numeric(session, keys, report)
    session.flush()
    return report


def rebuild(session: Session, workers: int = 1) -> UpdateReport:
    """Forget all claims, clusters and flags and recompute them from stored documents."""
    audit.lock_writers(session)
    match.clear(session)
    had_claims = frozenset(session.exec(select(ClaimRow.document_id).distinct()).all())
    session.exec(delete(ClaimRow))
    # Cluster ids (the scopes of flags) are renumbered: every flag is cleared and
    # re-raised below if it still holds, each change logged.
    for row in session.exec(select(ConflictRow).order_by(col(ConflictRow.id))).all():
        audit.log_flag(session, audit.FLAG_CLEARED, row, "rebuild")
    session.exec(delete(ConflictRow))
    docs = session.exec(select(DocumentRow.id).order_by(col(DocumentRow.published),
                                                        col(DocumentRow.ingested_at))).all()
    return update(session, list(docs), workers, had_claims)


def list_conflicts(session: Session, kind: str | None = None) -> list[Conflict]:
    """Stored flags, strongest first; ``kind`` is misquote, misattribution or numeric."""
    stmt = select(ConflictRow)
    if kind is not None:
        stmt = stmt.where(ConflictRow.kind == kind)
    out = []
    for r in session.exec(stmt):
        explanation, _, diff = r.explanation.partition("\n")
        out.append(Conflict(id=r.id, kind=r.kind,
                            score=r.score, explanation=explanation, diff=diff or None,
                            records=[SourceRef(**x) for x in json.loads(r.records)]))
    order = {"misattribution": 0, "misquote": 1, "numeric": 2}
    out.sort(key=lambda c: (order[c.kind], -c.score, c.id))
    return out

