"""Paged reads for review screens (the web pages of ``provenance serve``).

Every function reads one page: a bounded number of rows found through an index,
so a page costs about the same on a 1,000,000-quote store as on the demo. Pages
are ``offset``/``limit`` with ``limit`` capped at :data:`MAX_LIMIT`; each page
fetches one row more than it shows to know whether another page follows.
"""

from __future__ import annotations

import difflib
import itertools
import json
from collections import defaultdict
from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel, Field
from sqlalchemy import func
from sqlmodel import Session, col, select

from provenance.errors import NotFoundError
from provenance.models import Cluster, Conflict, Document, Quote, SourceRef, Speaker
from provenance.people import authority_for
from provenance.review import FlagState, ReviewState, flag_states, review_states
from provenance.store import (
    _quote,
    _with_authority,
    find_speakers,
    get_document,
    id_prefix,
    speaker_record,
)
from provenance.tables import (
    AliasRow,
    ClusterMemberRow,
    ClusterRow,
    ConflictRow,
    DocumentRow,
    QuoteRow,
    ReviewRow,
    SpeakerRow,
)
from provenance.trace import Trace, trace

DEFAULT_LIMIT = 50
MAX_LIMIT = 200

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    """One page of a listing: ``items``, where it starts, and whether more follow."""

    items: list[T]
    offset: int = Field(ge=0)
    limit: int = Field(ge=1, le=MAX_LIMIT)
    more: bool = Field(description="another page follows")


def clamp(offset: int | None, limit: int | None) -> tuple[int, int]:
    """Offset ≥ 0 and 1 ≤ limit ≤ MAX_LIMIT (default DEFAULT_LIMIT)."""
    return max(0, offset or 0), min(MAX_LIMIT, max(1, limit or DEFAULT_LIMIT))


def _page(rows: list[T], offset: int, limit: int) -> Page[T]:
    return Page[T](items=rows[:limit], offset=offset, limit=limit, more=len(rows) > limit)


# ---- speakers ---------------------------------------------------------------


def speakers_page(
    session: Session, query: str | None = None, offset: int = 0, limit: int = DEFAULT_LIMIT
) -> Page[Speaker]:
    """Speakers by name (a forgiving name query narrows them), with quote counts and aliases.

    A query nobody matches raises :class:`NotFoundError` with suggestions.
    """
    offset, limit = clamp(offset, limit)
    stmt = select(SpeakerRow)
    if query:
        stmt = stmt.where(col(SpeakerRow.id).in_(find_speakers(session, query)))
    rows = list(
        session.exec(
            stmt.order_by(col(SpeakerRow.name), col(SpeakerRow.id)).offset(offset).limit(limit + 1)
        )
    )
    ids = [r.id for r in rows]
    counts: dict[int, int] = dict(
        session.exec(  # type: ignore[arg-type]
            select(QuoteRow.speaker_id, func.count())
            .where(col(QuoteRow.speaker_id).in_(ids))
            .group_by(col(QuoteRow.speaker_id))
        ).all()
    )
    aliases: dict[int, set[str]] = defaultdict(set)
    for sid, alias in session.exec(
        select(AliasRow.speaker_id, AliasRow.alias).where(col(AliasRow.speaker_id).in_(ids))
    ):
        aliases[sid].add(alias)
    known = authority_for(session, [i for i in ids if i is not None])
    out = [
        speaker_record(r, known.get(r.id), aliases[r.id], counts.get(r.id, 0))
        for r in rows
        if r.id is not None
    ]
    return _page(out, offset, limit)


def get_speaker(session: Session, speaker_id: int) -> Speaker:
    row = session.get(SpeakerRow, speaker_id)
    if row is None:
        raise NotFoundError(f"no speaker with id {speaker_id}")
    aliases = set(session.exec(select(AliasRow.alias).where(AliasRow.speaker_id == speaker_id)))
    count = session.exec(
        select(func.count()).select_from(QuoteRow).where(QuoteRow.speaker_id == speaker_id)
    ).one()
    return speaker_record(row, authority_for(session, [speaker_id]).get(speaker_id), aliases, count)


# ---- quotes and documents ---------------------------------------------------


def _quotes_stmt() -> Any:
    """Quotes with their speaker's name, document citation columns and review status."""
    return (
        select(  # type: ignore[call-overload]
            QuoteRow,
            SpeakerRow.name,
            DocumentRow.id,
            DocumentRow.source,
            DocumentRow.path,
            DocumentRow.published,
            ReviewRow.status,
        )
        .join(SpeakerRow, col(QuoteRow.speaker_id) == SpeakerRow.id, isouter=True)
        .join(DocumentRow, col(QuoteRow.document_id) == DocumentRow.id)
        .join(ReviewRow, col(ReviewRow.quote_id) == QuoteRow.id, isouter=True)
    )


class _DocCols(BaseModel):
    id: str
    source: str | None
    path: str | None
    published: object


def _quotes(rows: list[Any]) -> list[Quote]:
    out = []
    for q, name, did, source, path, published, status in rows:
        doc = _DocCols(id=did, source=source, path=path, published=published)
        out.append(_quote(q, name, doc, status))  # type: ignore[arg-type]
    return out


def speaker_quotes(
    session: Session, speaker_id: int, offset: int = 0, limit: int = DEFAULT_LIMIT
) -> Page[Quote]:
    """A speaker's quotes by document and position (index ``speaker_id, document_id, start``)."""
    offset, limit = clamp(offset, limit)
    stmt = (
        _quotes_stmt()
        .where(QuoteRow.speaker_id == speaker_id)
        .order_by(col(QuoteRow.document_id), col(QuoteRow.start), col(QuoteRow.id))
    )
    return _page(
        _with_authority(session, _quotes(list(session.exec(stmt.offset(offset).limit(limit + 1))))),
        offset,
        limit,
    )


def documents_page(session: Session, offset: int = 0, limit: int = DEFAULT_LIMIT) -> Page[Document]:
    """Stored documents by id (the primary key), without their texts."""
    offset, limit = clamp(offset, limit)
    rows = session.exec(
        select(  # type: ignore[call-overload,misc]
            DocumentRow.id,
            DocumentRow.path,
            DocumentRow.url,
            DocumentRow.source,
            DocumentRow.title,
            DocumentRow.published,
            DocumentRow.ingested_at,
            DocumentRow.size,
        )
        .order_by(col(DocumentRow.id))
        .offset(offset)
        .limit(limit + 1)
    ).all()
    docs = [
        Document(id=d, path=p, url=u, source=s, title=t, published=pub, ingested_at=i, size=n)
        for d, p, u, s, t, pub, i, n in rows
    ]
    return _page(docs, offset, limit)


Role = Literal["content", "speaker", "cue"]


class Mark(BaseModel):
    """One extracted span active over a segment: which quote, and which of its spans."""

    quote_id: str
    role: Role
    kind: str = Field(description="direct, mixed, indirect or nonspeech")
    speaker: str | None = None
    cue: str | None = None
    rule: str
    confidence: float = Field(description="0–1")


class Segment(BaseModel):
    """A run of text with the same spans over it; the segments concatenate to the text."""

    start: int
    end: int
    text: str
    marks: list[Mark] = Field(default_factory=list, description="innermost (shortest) first")


class DocumentView(BaseModel):
    document: Document
    segments: list[Segment]
    quotes: list[Quote]


MAX_DOCUMENT_QUOTES = 2_000  # a page's worth of spans even for a very long text


def document_view(session: Session, doc_id: str) -> DocumentView:
    """A document's text cut at every span boundary, each piece with the spans over it."""
    doc = get_document(session, doc_id)
    text = session.exec(select(DocumentRow.text).where(DocumentRow.id == doc.id)).one()
    stmt = (
        _quotes_stmt()
        .where(QuoteRow.document_id == doc.id)
        .order_by(col(QuoteRow.start), col(QuoteRow.end))
        .limit(MAX_DOCUMENT_QUOTES)
    )
    quotes = _with_authority(session, _quotes(list(session.exec(stmt))))
    spans: list[tuple[int, int, Mark]] = []
    for q in quotes:
        for role, span in (("content", q.content), ("speaker", q.speaker_mention), ("cue", q.cue)):
            if span is not None and span.end > span.start:
                spans.append(
                    (
                        span.start,
                        span.end,
                        Mark(
                            quote_id=q.id,
                            role=role,
                            kind=q.kind,
                            speaker=q.speaker,
                            cue=q.cue.text if q.cue else None,
                            rule=q.rule,
                            confidence=q.confidence,
                        ),
                    )
                )
    # One sweep over the boundaries: each segment costs the spans open over it, not all spans.
    starts: dict[int, list[int]] = defaultdict(list)
    ends: dict[int, list[int]] = defaultdict(list)
    for i, (a, b, _) in enumerate(spans):
        starts[a].append(i)
        ends[b].append(i)
    cuts = sorted({0, len(text), *starts, *ends})
    rank = {"speaker": 0, "cue": 0, "content": 1}
    active: set[int] = set()
    segments = []
    for a, b in itertools.pairwise(cuts):
        active.difference_update(ends.get(a, ()))
        active.update(starts.get(a, ()))
        over = sorted((spans[i] for i in active), key=lambda x: (rank[x[2].role], x[1] - x[0]))
        segments.append(Segment(start=a, end=b, text=text[a:b], marks=[m for _, _, m in over]))
    return DocumentView(document=doc, segments=segments, quotes=quotes)


class QuoteView(BaseModel):
    quote: Quote
    before: str
    after: str
    review: ReviewState


def quote_view(session: Session, quote_id: str, context: int = 300) -> QuoteView:
    """A quote (id or unique prefix), ``context`` characters each side, its review history."""
    rows = list(session.exec(_quotes_stmt().where(id_prefix(col(QuoteRow.id), quote_id)).limit(2)))
    if len(rows) != 1:
        raise NotFoundError(f"{'no' if not rows else 'more than one'} quote with id {quote_id!r}")
    (q,) = _with_authority(session, _quotes(rows))
    text = session.exec(select(DocumentRow.text).where(DocumentRow.id == q.document)).one()
    return QuoteView(
        quote=q,
        before=text[max(0, q.start - context) : q.start],
        after=text[q.end : q.end + context],
        review=review_states(session, [q.id])[q.id],
    )


# ---- clusters -----------------------------------------------------------------


class DiffPart(BaseModel):
    op: Literal["equal", "removed", "added"]
    text: str


def _word_key(word: str) -> str:
    return word.strip(PUNCTUATION).casefold()


PUNCTUATION = ".,;:!?\"'“”‘’()[]…—–-"


def diff_parts(a: str, b: str) -> list[DiffPart]:
    """Word diff from ``a`` (canonical) to ``b`` (as reported), as typed parts.

    Words compare without case and surrounding punctuation (a quote cut before its
    comma is the same words); the parts show ``b``'s words as printed.
    """
    wa, wb = a.split(), b.split()
    matcher = difflib.SequenceMatcher(
        a=[_word_key(w) for w in wa], b=[_word_key(w) for w in wb], autojunk=False
    )
    out: list[DiffPart] = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            out.append(DiffPart(op="equal", text=" ".join(wb[j1:j2])))
            continue
        if i2 > i1:
            out.append(DiffPart(op="removed", text=" ".join(wa[i1:i2])))
        if j2 > j1:
            out.append(DiffPart(op="added", text=" ".join(wb[j1:j2])))
    return out


class TraceView(BaseModel):
    """A statement's reports in order (:func:`provenance.trace.trace`), each with its
    word diff from the first report."""

    trace: Trace
    diffs: dict[str, list[DiffPart]] = Field(description="quote id -> diff from the first")


def trace_view(session: Session, query: str) -> TraceView:
    """The trace page: ``query`` is a quote id prefix (6+ hex digits) or words of a quote."""
    found = trace(session, query)
    first = found.first_appearance.text
    return TraceView(
        trace=found, diffs={a.quote_id: diff_parts(first, a.text) for a in found.appearances}
    )


class ClusterView(BaseModel):
    cluster: Cluster
    diffs: dict[str, list[DiffPart]] = Field(description="quote id -> diff from the canonical")
    reported: dict[str, str | None] = Field(
        default_factory=dict, description="quote id -> the speaker as the document wrote it"
    )


def clusters_page(
    session: Session, min_members: int = 2, offset: int = 0, limit: int = 20
) -> Page[ClusterView]:
    """Clusters of ≥ ``min_members`` quotes in id order, each appearance with its word diff.

    Read through the ``cluster_members(cluster_id)`` index: the page's clusters are the
    first groups of the index past ``offset``, not a sort of every cluster.
    """
    offset, limit = clamp(offset, limit)
    ids = list(
        session.exec(
            select(ClusterMemberRow.cluster_id)
            .group_by(col(ClusterMemberRow.cluster_id))
            .having(func.count() >= min_members)
            .order_by(col(ClusterMemberRow.cluster_id))
            .offset(offset)
            .limit(limit + 1)
        )
    )
    texts = dict(
        session.exec(
            select(ClusterRow.id, ClusterRow.text).where(col(ClusterRow.id).in_(ids))
        ).all()
    )
    stmt = (
        _quotes_stmt()
        .add_columns(ClusterMemberRow.cluster_id, ClusterMemberRow.relation, ClusterMemberRow.score)
        .join(ClusterMemberRow, col(ClusterMemberRow.quote_id) == QuoteRow.id)
        .where(col(ClusterMemberRow.cluster_id).in_(ids))
    )
    members: dict[int, list[SourceRef]] = defaultdict(list)
    reported: dict[str, str | None] = {}
    for row in session.exec(stmt):
        *quote_cols, cid, relation, score = row
        (q,) = _quotes([tuple(quote_cols)])
        reported[q.id] = q.speaker_mention.text if q.speaker_mention else None
        members[cid].append(
            SourceRef(
                document=q.document,
                source=q.source,
                path=q.path,
                published=q.published,
                start=q.start,
                end=q.end,
                text=q.text,
                speaker=q.speaker,
                quote_id=q.id,
                relation=relation,
                score=score,
            )
        )
    out = []
    for cid in ids:
        refs = sorted(
            members[cid],
            key=lambda r: (r.published is None, r.published or 0, r.path or r.document, r.start),
        )
        if not refs:
            continue
        canonical = texts.get(cid, refs[0].text)
        out.append(
            ClusterView(
                cluster=Cluster(
                    id=cid,
                    text=canonical,
                    speakers=sorted({r.speaker for r in refs if r.speaker}),
                    sources=refs,
                    first_appearance=refs[0],
                    distinct_sources=len({r.source or r.path or r.document for r in refs}),
                ),
                # Raw wording, not the matcher's normalised form:
                # the reader compares what was printed.
                diffs={r.quote_id or "": diff_parts(canonical, r.text) for r in refs},
                reported={r.quote_id or "": reported.get(r.quote_id or "") for r in refs},
            )
        )
    return _page(out, offset, limit)


# ---- conflicts ----------------------------------------------------------------


class InContext(BaseModel):
    """One side of a flag: the record and the text around it in its document."""

    ref: SourceRef
    before: str
    after: str


class FlagView(BaseModel):
    conflict: Conflict
    sides: list[InContext]
    review: FlagState


def conflicts_page(
    session: Session, kind: str | None = None, offset: int = 0, limit: int = 20, context: int = 200
) -> Page[FlagView]:
    """Flags most confident (highest score, 0–100) first, each side in ``context`` characters."""
    offset, limit = clamp(offset, limit)
    stmt = select(ConflictRow)
    if kind is not None:
        stmt = stmt.where(ConflictRow.kind == kind)
    rows = list(
        session.exec(
            stmt.order_by(col(ConflictRow.score).desc(), col(ConflictRow.id))
            .offset(offset)
            .limit(limit + 1)
        )
    )
    states = flag_states(session, [r.id for r in rows[:limit]])
    out = []
    texts: dict[str, str] = {}
    for r in rows:
        explanation, _, diff = r.explanation.partition("\n")
        refs = [SourceRef(**x) for x in json.loads(r.records)]
        sides = []
        for ref in refs:
            if ref.document not in texts:
                texts[ref.document] = session.exec(
                    select(DocumentRow.text).where(DocumentRow.id == ref.document)
                ).one()
            text = texts[ref.document]
            sides.append(
                InContext(
                    ref=ref,
                    before=text[max(0, ref.start - context) : ref.start],
                    after=text[ref.end : ref.end + context],
                )
            )
        out.append(
            FlagView(
                conflict=Conflict(
                    id=r.id,
                    kind=r.kind,
                    score=r.score,
                    explanation=explanation,
                    diff=diff or None,
                    records=refs,
                ),
                sides=sides,
                review=states.get(r.id, FlagState(flag_id=r.id)),
            )
        )
    return _page(out, offset, limit)
