"""schema.org ClaimReview export (JSON-LD): reviewed quotes and conflict flags, plus quotations.

One ``ClaimReview`` per quote whose review status is verified, disputed or
retracted (the reviewer is its ``author``), and one per conflict flag
(misquote, misattribution, numeric; the automated check is its ``author``).
``itemReviewed`` is a ``Claim`` whose ``author`` is the speaker, whose
``appearance`` lists every document that reports the statement and whose
``firstAppearance`` is the earliest (:mod:`provenance.trace` order: date, undated
last, then ingest order). ``reviewRating`` uses one scale (:data:`SCALE`):

====  ============  ==========================================================
 3    Verified      review status ``verified``
 2    Disputed      review status ``disputed``; flags: Misquoted, Misattributed,
                    Conflicting figures
 1    Retracted     review status ``retracted``
====  ============  ==========================================================

Every stored quote is also a ``Quotation`` (``creator`` the speaker,
``isBasedOn`` the document). Quotations are streamed; reviews and flags are few.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from typing import Any, Literal, TextIO

from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import Session, col, select

from provenance.conflicts import list_conflicts
from provenance.export.records import ExportRecord, iter_records
from provenance.models import Conflict, SourceRef
from provenance.people import Person, authority_for
from provenance.review import ReviewStatus
from provenance.tables import (
    ConflictRow,
    DocumentRow,
    QuoteRow,
    ReviewRow,
    SpeakerRow,
)
from provenance.trace import Appearance, trace_quote

SCHEMA_ORG = "https://schema.org"
BEST, WORST = 3, 1
SCALE: dict[str, tuple[int, str]] = {
    ReviewStatus.verified.value: (3, "Verified"),
    ReviewStatus.disputed.value: (2, "Disputed"),
    ReviewStatus.retracted.value: (1, "Retracted"),
    "misquote": (2, "Misquoted"),
    "misattribution": (2, "Misattributed"),
    "numeric": (2, "Conflicting figures"),
}
"""Review status or flag kind -> (ratingValue, alternateName) on a 1 (worst) – 3 (best) scale."""
CHECKER = "provenance automated cross-source check"


class _Node(BaseModel):
    model_config = ConfigDict(populate_by_name=True)


class Agent(_Node):
    type: Literal["Person", "Organization"] = Field(alias="@type")
    id: str | None = Field(
        default=None, alias="@id", description="urn:provenance:speaker:<store id>, for speakers"
    )
    name: str = Field(description="for a speaker, the authority file's name when it has one")
    identifier: str | None = Field(
        default=None,
        description="the speaker's authority identifier (provenance people import), e.g. a QID",
    )


class Work(_Node):
    """A stored document as schema.org sees it."""

    type: Literal["CreativeWork"] = Field(default="CreativeWork", alias="@type")
    id: str = Field(alias="@id", description="urn:provenance:document:<SHA-256 of the text>")
    url: str | None = None
    headline: str | None = None
    datePublished: str | None = Field(default=None, description="YYYY-MM-DD")
    publisher: Agent | None = Field(default=None, description="the outlet")


class Rating(_Node):
    type: Literal["Rating"] = Field(default="Rating", alias="@type")
    ratingValue: int = Field(ge=WORST, le=BEST)
    bestRating: Literal[3] = 3
    worstRating: Literal[1] = 1
    alternateName: str
    ratingExplanation: str | None = None


class Claim(_Node):
    type: Literal["Claim"] = Field(default="Claim", alias="@type")
    author: Agent | None = Field(default=None, description="the speaker")
    appearance: list[Work]
    firstAppearance: Work


class ClaimReview(_Node):
    type: Literal["ClaimReview"] = Field(default="ClaimReview", alias="@type")
    id: str = Field(
        alias="@id", description="urn:provenance:review:<quote id> or urn:provenance:flag:<id>"
    )
    datePublished: str | None = Field(default=None, description="YYYY-MM-DD")
    claimReviewed: str
    itemReviewed: Claim
    reviewRating: Rating
    author: Agent = Field(description="the reviewer, or the automated check for a flag")


class Quotation(_Node):
    type: Literal["Quotation"] = Field(default="Quotation", alias="@type")
    id: str = Field(alias="@id", description="urn:provenance:quote:<id>")
    text: str
    creator: Agent | None = Field(default=None, description="the speaker")
    isBasedOn: Work


class ClaimReviewDocument(_Node):
    """``provenance export --format claimreview``: one JSON-LD document, ``@graph`` of nodes."""

    context: Literal["https://schema.org"] = Field(default="https://schema.org", alias="@context")
    graph: list[ClaimReview | Quotation] = Field(alias="@graph")


def _agent(
    kind: str | None, speaker_id: int | None, name: str | None, identifier: str | None = None
) -> Agent | None:
    if not name:
        return None
    return Agent(
        type="Organization" if kind in ("organization", "document") else "Person",
        id=f"urn:provenance:speaker:{speaker_id}" if speaker_id is not None else None,
        name=name,
        identifier=identifier,
    )


def _speaker_agent(
    session: Session,
    kind: str | None,
    speaker_id: int | None,
    name: str | None,
    known: dict[int, Person] | None = None,
) -> Agent | None:
    """The stored speaker as an agent, under the authority file's name and identifier
    (``known``: :func:`authority_for` of at least this speaker, when read already)."""
    if speaker_id is not None and known is None:
        known = authority_for(session, [speaker_id])
    p = known.get(speaker_id) if known is not None and speaker_id is not None else None
    if p is not None:
        return _agent(kind, speaker_id, p.name, p.identifier)
    return _agent(kind, speaker_id, name)


def _work(
    document: str, url: str | None, title: str | None, published: date | None, outlet: str | None
) -> Work:
    return Work(
        id=f"urn:provenance:document:{document}",
        url=url,
        headline=title,
        datePublished=published.isoformat() if published else None,
        publisher=Agent(type="Organization", name=outlet) if outlet else None,
    )


def _appearance_work(a: Appearance) -> Work:
    return _work(a.document, a.url, a.title, a.published, a.outlet)


def _claim(session: Session, quote_id: str, speaker: Agent | None) -> Claim:
    t = trace_quote(session, quote_id)
    works = list({a.document: _appearance_work(a) for a in t.appearances}.values())
    return Claim(
        author=speaker, appearance=works, firstAppearance=_appearance_work(t.first_appearance)
    )


def _rating(key: str, explanation: str | None) -> Rating:
    value, name = SCALE[key]
    return Rating(ratingValue=value, alternateName=name, ratingExplanation=explanation or None)


_REVIEW_COLUMNS: tuple[Any, ...] = (
    ReviewRow,
    QuoteRow.text,
    QuoteRow.speaker_id,
    SpeakerRow.name,
    SpeakerRow.kind,
)


def review_nodes(session: Session) -> Iterator[ClaimReview]:
    """A ClaimReview per reviewed quote (verified, disputed, retracted), newest decision last."""
    stmt = (
        select(*_REVIEW_COLUMNS)
        .join(QuoteRow, col(QuoteRow.id) == ReviewRow.quote_id)
        .join(SpeakerRow, col(SpeakerRow.id) == QuoteRow.speaker_id, isouter=True)
        .where(ReviewRow.status != ReviewStatus.unreviewed.value)
        .order_by(col(ReviewRow.seq))
    )
    rows = session.exec(stmt).all()
    known = authority_for(session, {r[2] for r in rows if r[2] is not None})
    for rv, text, speaker_id, name, kind in rows:
        yield ClaimReview(
            id=f"urn:provenance:review:{rv.quote_id}",
            datePublished=rv.ts[:10],
            claimReviewed=text,
            itemReviewed=_claim(
                session, rv.quote_id, _speaker_agent(session, kind, speaker_id, name, known)
            ),
            reviewRating=_rating(rv.status, rv.note),
            author=Agent(type="Person", name=rv.reviewer),
        )


def _flag_claim(session: Session, refs: list[SourceRef]) -> Claim:
    first = refs[0]
    speaker = _agent(None, None, first.speaker)
    if first.quote_id is not None and session.get(QuoteRow, first.quote_id) is not None:
        row = session.get(QuoteRow, first.quote_id)
        assert row is not None
        sp = session.get(SpeakerRow, row.speaker_id) if row.speaker_id else None
        return _claim(
            session,
            first.quote_id,
            _speaker_agent(session, sp.kind, sp.id, sp.name) if sp else speaker,
        )
    # A numeric flag is about sentences, not clustered quotes: its own records, oldest first.
    docs = {
        d.id: d
        for d in session.exec(
            select(DocumentRow).where(col(DocumentRow.id).in_([r.document for r in refs]))
        )
    }
    ordered = sorted(refs, key=lambda r: ((r.published or date.max), r.document, r.start))
    works = list(
        {
            r.document: _work(
                r.document,
                docs[r.document].url if r.document in docs else None,
                docs[r.document].title if r.document in docs else None,
                r.published,
                r.source,
            )
            for r in ordered
        }.values()
    )
    return Claim(author=speaker, appearance=works, firstAppearance=works[0])


def flag_nodes(session: Session) -> Iterator[ClaimReview]:
    """A ClaimReview per conflict flag, by the automated check."""
    raised = dict(session.exec(select(ConflictRow.id, ConflictRow.raised_at)).all())
    flags: list[Conflict] = list_conflicts(session)
    for f in flags:
        if not f.records:
            continue
        explanation = f.explanation + (f" Diff: {f.diff}" if f.diff else "")
        when = raised.get(f.id)
        yield ClaimReview(
            id=f"urn:provenance:flag:{f.id}",
            datePublished=when.date().isoformat() if when else None,
            claimReviewed=f.records[0].text,
            itemReviewed=_flag_claim(session, f.records),
            reviewRating=_rating(f.kind, explanation),
            author=Agent(type="Organization", name=CHECKER),
        )


def quotation(r: ExportRecord) -> Quotation:
    d = r.document
    return Quotation(
        id=f"urn:provenance:quote:{r.id}",
        text=r.text,
        creator=_agent(r.speaker_kind, r.speaker_id, r.speaker, r.speaker_identifier),
        isBasedOn=_work(d.id, d.url, d.title, d.date, d.source),
    )


def _dump(node: BaseModel) -> str:
    return json.dumps(
        node.model_dump(mode="json", by_alias=True, exclude_none=True), ensure_ascii=False
    )


def write_claimreview(
    session: Session, out: TextIO, speaker: str | None = None, include_nonspeech: bool = False
) -> int:
    """Write the JSON-LD document; returns the number of nodes (reviews, flags, quotations).

    ``speaker`` limits the quotations (reviews and flags are always all written).
    """
    out.write('{"@context": "' + SCHEMA_ORG + '", "@graph": [')
    n = 0
    nodes: Iterator[Any] = (
        x
        for part in (
            review_nodes(session),
            flag_nodes(session),
            (quotation(r) for r in iter_records(session, speaker, include_nonspeech, claims=False)),
        )
        for x in part
    )
    for node in nodes:
        out.write(("\n" if n == 0 else ",\n") + _dump(node))
        n += 1
    out.write("\n]}\n")
    return n
