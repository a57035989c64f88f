"""``provenance trace``: a statement from its first report to its last, and how it changed.

A quote is found by id (or unique prefix) or by its words (rapidfuzz, 0–100).
Its cluster (``cluster_members``, built by :mod:`provenance.clusters`) is ordered as
:mod:`provenance.appearances` orders reports: publication date, undated last,
then ingest order. Each later report is compared with the first one, word by
word on the normalized text (case, accents and punctuation ignored), in the
terms quote-drift studies use (Leskovec et al. 2009, MemeTracker; Simmons,
Adamic & Adar 2011): identical, truncated, words inserted, words removed, words
substituted. A report whose resolved speaker is another named speaker than the
first report that names one is re-attributed (anonymous descriptions such as "the
candidates" and unresolved pronouns neither count nor set the reference; the two
reports must be one statement (:func:`same_statement`): at least six shared words,
as for the misattribution flag, covering two thirds of the shorter report: "top
secret" or "their fair share" inside another statement is no re-attribution).
"""

from __future__ import annotations

import difflib
import re
from datetime import date
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field
from rapidfuzz import fuzz, process
from sqlmodel import Session, col, select

from provenance.appearances import ingest_order, order_key, outlet
from provenance.conflicts import MISATTRIBUTION_MIN_WORDS, same_person
from provenance.errors import NotFoundError, ProvenanceError, public
from provenance.models import QuoteKind, SpeakerKind
from provenance.people import authority_for
from provenance.relations import normalize
from provenance.store import id_prefix
from provenance.tables import (
    ClusterMemberRow,
    ClusterRow,
    DocumentRow,
    QuoteRow,
    ReviewRow,
    SpeakerRow,
)

MIN_SCORE = 80.0
"""A text query finds a quote scoring at least this (:func:`score_text`, 0–100)."""
MIN_ID_PREFIX = 6
"""Shorter hexadecimal queries are read as words, not as an id prefix."""
SUGGESTIONS = 3
SHARED_SHARE = 2 / 3
"""Share (0–1) of the shorter report's words two reports must have in common to be
one statement (for re-attribution)."""
_HEX = frozenset("0123456789abcdef")


class Change(StrEnum):
    """How a report differs from the first report of its statement."""

    identical = "identical"
    truncated = "truncated"
    inserted = "words inserted"
    removed = "words removed"
    substituted = "words substituted"
    reattributed = "re-attributed"


class Appearance(BaseModel):
    """One report of the statement, compared with the first."""

    position: int = Field(ge=1, description="1 = first appearance")
    quote_id: str
    document: str = Field(description="SHA-256 of the document text")
    outlet: str | None = Field(default=None, description="the document's source")
    path: str | None = None
    url: str | None = None
    title: str | None = None
    published: date | None = None
    ingest_seq: int | None = Field(
        default=None, description="audit log entry that stored the document"
    )
    kind: QuoteKind
    start: int = Field(ge=0, description="character (code point) offset, inclusive")
    end: int = Field(ge=0, description="character (code point) offset, exclusive")
    text: str
    speaker_as_reported: str | None = Field(default=None, description="the speaker mention")
    speaker: str | None = Field(
        default=None, description="resolved speaker (the authority file's name when it has one)"
    )
    speaker_id: int | None = None
    speaker_identifier: str | None = Field(
        default=None,
        description="the speaker's authority identifier (provenance people import), e.g. a QID",
    )
    speaker_kind: str | None = Field(
        default=None, description="person, organization, document, anonymous"
    )
    change: Change = Field(description="re-attributed if the speaker differs, else text_change")
    text_change: Change
    reattributed: bool = False
    similarity: float = Field(
        ge=0, le=100, description="rapidfuzz ratio to the first report, 0–100"
    )
    diff: str | None = Field(
        default=None, description="word diff from the first: [-removed-] {+added+}"
    )
    relation: str | None = Field(
        default=None, description="to the cluster's canonical text: same, fragment, variant"
    )
    review_status: str = "unreviewed"


class Trace(BaseModel):
    """A statement's reports in order, the first one first."""

    query: str
    quote_id: str = Field(description="the quote the query found")
    match_score: float | None = Field(
        default=None, description="0–100 for a text query; None for an id"
    )
    cluster_id: int | None = None
    text: str = Field(description="the cluster's canonical wording (or the quote's)")
    sources: int = Field(ge=1, description="distinct outlets")
    speakers: list[str] = Field(default_factory=list)
    attributed_to: str | None = Field(
        default=None,
        description="speaker of the first report that names one (not anonymous): "
        "what re-attribution is judged against",
    )
    first_appearance: Appearance
    appearances: list[Appearance]


_POSSESSIVE = re.compile(r"(?<=\w)['’](?:s\b)?", re.IGNORECASE)


def _words(text: str) -> list[tuple[str, str]]:
    """(word as written, comparison key) pairs; punctuation-only tokens dropped.

    The key is the normalized word with a possessive folded away, so "ISIS’s",
    "ISIS'" and "ISIS" are one word, and "home," and "home." are too.
    """
    out = []
    for raw in text.split():
        key = normalize(_POSSESSIVE.sub("", raw))
        if key:
            out.append((raw, key))
    return out


def compare(first: str, other: str) -> tuple[Change, str | None]:
    """How ``other`` differs from ``first``, word by word, and the word diff (None if identical).

    The diff shows ``other``'s words as written, ``[-removed-]`` and ``{+added+}``.
    """
    a, b = _words(first), _words(other)
    ops = difflib.SequenceMatcher(
        a=[k for _, k in a], b=[k for _, k in b], autojunk=False
    ).get_opcodes()
    changed = [op for op in ops if op[0] != "equal"]
    if not changed:
        return Change.identical, None
    parts: list[str] = []
    for op, i1, i2, j1, j2 in ops:
        if op == "equal":
            parts += [w for w, _ in b[j1:j2]]
            continue
        if i2 > i1:
            parts.append("[-" + " ".join(w for w, _ in a[i1:i2]) + "-]")
        if j2 > j1:
            parts.append("{+" + " ".join(w for w, _ in b[j1:j2]) + "+}")
    kinds = {op[0] for op in changed}
    if kinds == {"delete"}:
        # Cut at the ends only (a sentence dropped before or after): truncated.
        ends = all(i1 == 0 or i2 == len(a) for _, i1, i2, _, _ in changed)
        change = Change.truncated if ends else Change.removed
    elif kinds == {"insert"}:
        change = Change.inserted
    else:
        change = Change.substituted
    return change, " ".join(parts)


def same_statement(a: str, b: str) -> bool:
    """True when two reports carry one statement, not just a common phrase.

    They share at least ``MISATTRIBUTION_MIN_WORDS`` words (in order, compared as
    :func:`compare` does), and those cover at least :data:`SHARED_SHARE` of the
    shorter report: a fragment of a quote is all shared; two different sentences
    that both say "the next president of the United States" are not.
    """
    ka, kb = [k for _, k in _words(a)], [k for _, k in _words(b)]
    shared = sum(
        block.size
        for block in difflib.SequenceMatcher(a=ka, b=kb, autojunk=False).get_matching_blocks()
    )
    return shared >= MISATTRIBUTION_MIN_WORDS and shared >= SHARED_SHARE * min(len(ka), len(kb))


def text_change(first: str, other: str) -> Change:
    """How ``other`` differs from ``first``, word by word after normalization."""
    return compare(first, other)[0]


def score_text(query: str, quote: str, **_: Any) -> float:
    """How well a quote's normalized text matches a normalized query, 0–100.

    The best-aligned substring when the query is a part of the quote
    (``partial_ratio``), the whole-string ratio otherwise: a short quote inside a
    long query is not a match. Word-set scorers are not used: one shared word
    ("at", "the") would make any quote match.
    """
    if len(query) <= len(quote):
        return fuzz.partial_ratio(query, quote)
    return fuzz.ratio(query, quote)


def find_quote(session: Session, query: str) -> tuple[str, float | None]:
    """The quote an id (or unique prefix) or a text means: (quote id, score 0–100 or None).

    Raises :class:`NotFoundError` with the closest quotes when no text scores
    :data:`MIN_SCORE`.
    """
    q = query.strip()
    if not q:
        raise ProvenanceError("trace: give a quote id or some of its words")
    if len(q) >= MIN_ID_PREFIX and set(q.lower()) <= _HEX:
        ids = session.exec(
            select(QuoteRow.id).where(id_prefix(col(QuoteRow.id), q.lower())).limit(2)
        ).all()
        if len(ids) > 1:
            raise NotFoundError(f"more than one quote with id {q!r}")
        if ids:
            return ids[0], None
    want = normalize(q)
    texts = {
        qid: normalize(text)
        for qid, text in session.exec(
            select(QuoteRow.id, QuoteRow.text).where(QuoteRow.kind != "nonspeech")
        )
    }
    hits = process.extract(want, texts, scorer=score_text, limit=20)
    # Among equal scores the wording closest in length (a whole quote over a fragment).
    hits.sort(key=lambda h: (-h[1], abs(len(h[0]) - len(want)), h[2]))
    if not hits or hits[0][1] < MIN_SCORE:
        raw = dict(
            session.exec(
                select(QuoteRow.id, QuoteRow.text).where(
                    col(QuoteRow.id).in_([h[2] for h in hits[:SUGGESTIONS]])
                )
            ).all()
        )
        raise NotFoundError(
            f"no quote matches {q!r} (best score below {MIN_SCORE:.0f}/100)",
            [f"{h[2][:12]} “{_short(raw[h[2]])}” ({h[1]:.0f})" for h in hits[:SUGGESTIONS]],
        )
    return hits[0][2], round(hits[0][1], 1)


def _short(text: str, width: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


_COLUMNS: tuple[Any, ...] = (
    QuoteRow,
    DocumentRow,
    SpeakerRow.name,
    ReviewRow.status,
    ClusterMemberRow.relation,
    SpeakerRow.kind,
)


def _rows(session: Session, quote_id: str) -> tuple[int | None, str | None, list[Any]]:
    """(cluster id, canonical text, rows with their relation) of the quote's statement."""
    cid = session.exec(
        select(ClusterMemberRow.cluster_id).where(ClusterMemberRow.quote_id == quote_id)
    ).first()
    stmt = (
        select(*_COLUMNS)
        .join(DocumentRow, col(DocumentRow.id) == QuoteRow.document_id)
        .join(SpeakerRow, col(SpeakerRow.id) == QuoteRow.speaker_id, isouter=True)
        .join(ReviewRow, col(ReviewRow.quote_id) == QuoteRow.id, isouter=True)
        .join(ClusterMemberRow, col(ClusterMemberRow.quote_id) == QuoteRow.id, isouter=True)
    )
    if cid is None:
        return None, None, list(session.exec(stmt.where(QuoteRow.id == quote_id)))
    cluster = session.get(ClusterRow, cid)
    rows = list(session.exec(stmt.where(ClusterMemberRow.cluster_id == cid)))
    return cid, cluster.text if cluster else None, rows


def _with_authority(session: Session, rows: list[Any]) -> tuple[list[Any], dict[int, str]]:
    """``rows`` with each speaker the authority file knows under its name, and those
    speakers' identifiers (two spellings the file names one person are one speaker)."""
    known = authority_for(session, {r[0].speaker_id for r in rows if r[0].speaker_id is not None})
    out = [
        (*r[:2], known[r[0].speaker_id].name, *r[3:]) if r[0].speaker_id in known else r
        for r in rows
    ]
    return out, {sid: p.identifier for sid, p in known.items() if p.identifier}


def trace_quote(
    session: Session, quote_id: str, query: str | None = None, score: float | None = None
) -> Trace:
    """The trace of the statement a stored quote (full id) reports."""
    cid, canonical, rows = _rows(session, quote_id)
    if not rows:
        raise NotFoundError(f"no quote with id {quote_id!r}")
    rows, identifiers = _with_authority(session, rows)
    seqs = ingest_order(session, [r[1].id for r in rows])
    rows.sort(key=lambda r: order_key(r[1].published, seqs.get(r[1].id), r[1].id, r[0].start))
    first_q = rows[0][0]
    first_norm = normalize(first_q.text)
    # Who said it is judged against the first report that names someone: an unresolved
    # pronoun ("she") or a description ("the Democratic front-runner", stored as an
    # anonymous speaker) in an early report says nothing about a later report's speaker.
    named = next((r for r in rows if _named(r[0].speaker_id, r[5])), None)
    out: list[Appearance] = []
    for i, (q, doc, name, status, rel, kind) in enumerate(rows, 1):
        change, diff = compare(first_q.text, q.text)
        # A phrase of a few words ("top secret", "their fair share") is repeated by anyone,
        # also inside other statements: only the same statement can be re-attributed.
        moved = (
            named is not None
            and _named(q.speaker_id, kind)
            and q.speaker_id != named[0].speaker_id
            and not same_person(name, named[2])
            and same_statement(named[0].text, q.text)
        )
        out.append(
            Appearance(
                position=i,
                quote_id=q.id,
                document=doc.id,
                outlet=doc.source,
                path=doc.path,
                url=doc.url,
                title=doc.title,
                published=doc.published,
                ingest_seq=seqs.get(doc.id),
                kind=q.kind,
                start=q.start,
                end=q.end,
                text=q.text,
                speaker_as_reported=q.speaker_text,
                speaker=name,
                speaker_id=q.speaker_id,
                speaker_identifier=identifiers.get(q.speaker_id)
                if q.speaker_id is not None
                else None,
                speaker_kind=kind,
                change=Change.reattributed if moved else change,
                text_change=change,
                reattributed=moved,
                similarity=round(fuzz.ratio(first_norm, normalize(q.text)), 1),
                diff=diff,
                relation=rel,
                review_status=status or "unreviewed",
            )
        )
    return Trace(
        query=query if query is not None else quote_id,
        quote_id=quote_id,
        match_score=score,
        cluster_id=cid,
        text=canonical or first_q.text,
        sources=len({outlet(r[1].source, r[1].path, r[1].id) for r in rows}),
        speakers=sorted({r[2] for r in rows if r[2]}),
        attributed_to=named[2] if named is not None else None,
        first_appearance=out[0],
        appearances=out,
    )


def _named(speaker_id: int | None, kind: str | None) -> bool:
    return speaker_id is not None and kind != SpeakerKind.anonymous.value


@public
def trace(session: Session, query: str) -> Trace:
    """``provenance trace ID|TEXT``: find the quote, then its statement's reports in order."""
    quote_id, score = find_quote(session, query)
    return trace_quote(session, quote_id, query, score)
