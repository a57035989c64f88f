"""W3C Web Annotation export (JSON-LD): one annotation per span, streamed.

Each stored quote gives up to three annotations, one per span: the quote's
content, the speaker mention and the cue. Each targets the stored document text
(``urn:provenance:document:<sha256>``, the URL it came from as ``via``) with a
``TextQuoteSelector`` (``exact`` and up to 32 characters of ``prefix`` and
``suffix``) and a ``TextPositionSelector`` whose ``start``/``end`` count Unicode
code points, as the Web Annotation Data Model says; ``utf16Start``/``utf16End``
beside them count UTF-16 code units, the string indices of JavaScript tools
(they differ after any character outside the Basic Multilingual Plane, such as
an emoji). The body (``Attribution``, in the ``urn:provenance:vocab#``
vocabulary defined inline in the ``@context``) carries the span's role, the
quote's kind, speaker, mention, cue, rule, confidence and review status.

The output is one ``AnnotationPage`` whose ``items`` are written as they are
read, in document order; memory holds one batch of records and one text.
"""

from __future__ import annotations

import json
from bisect import bisect_left
from collections.abc import Iterator
from typing import Any, Literal, TextIO

from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import Session

from provenance import __version__
from provenance.export.records import (
    SELECTOR_CONTEXT,
    ExportRecord,
    TextQuoteSelector,
    iter_records,
)
from provenance.tables import DocumentRow

ANNO_CONTEXT = "http://www.w3.org/ns/anno.jsonld"
VOCAB = "urn:provenance:vocab#"
LOCAL_CONTEXT: dict[str, Any] = {
    "pv": VOCAB,
    "dcterms": "http://purl.org/dc/terms/",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "Attribution": "pv:Attribution",
    "offsetUnits": "pv:offsetUnits",
    "utf16Start": {"@id": "pv:utf16Start", "@type": "xsd:nonNegativeInteger"},
    "utf16End": {"@id": "pv:utf16End", "@type": "xsd:nonNegativeInteger"},
    "role": "pv:role",
    "kind": "pv:kind",
    "quote": {"@id": "pv:quote", "@type": "@id"},
    "speaker": {"@id": "pv:speaker", "@type": "@id"},
    "speakerKind": "pv:speakerKind",
    "mention": "pv:mention",
    "cue": "pv:cue",
    "rule": "pv:rule",
    "confidence": {"@id": "pv:confidence", "@type": "xsd:decimal"},
    "reviewStatus": "pv:reviewStatus",
    "identifier": "dcterms:identifier",
    "sha256": "pv:sha256",
    "title": "dcterms:title",
    "publisher": "dcterms:publisher",
    "published": {"@id": "dcterms:issued", "@type": "xsd:date"},
}
"""Terms of our own, beside the W3C ``anno.jsonld`` context."""
OFFSET_UNITS = (
    "TextPositionSelector start/end: Unicode code points; "
    "utf16Start/utf16End: UTF-16 code units (JavaScript string indices)"
)
FORMAT = "text/plain"
Role = Literal["content", "speaker", "cue"]


class _Model(BaseModel):
    model_config = ConfigDict(populate_by_name=True)


class TextPositionSelector(_Model):
    """Offsets into the document text: code points, with UTF-16 code units alongside."""

    type: Literal["TextPositionSelector"] = "TextPositionSelector"
    start: int = Field(ge=0, description="Unicode code point offset, inclusive")
    end: int = Field(ge=0, description="Unicode code point offset, exclusive")
    utf16Start: int = Field(ge=0, description="UTF-16 code unit offset, inclusive (extension)")
    utf16End: int = Field(ge=0, description="UTF-16 code unit offset, exclusive (extension)")


class SpeakerNode(_Model):
    id: str = Field(description="urn:provenance:speaker:<store id>")
    type: Literal["Person", "Organization"]
    name: str
    speakerKind: str = Field(description="person, organization, document, anonymous")
    identifier: str | None = Field(
        default=None, description="an authority identifier, when the store has one"
    )


class SourceDocument(_Model):
    id: str = Field(description="urn:provenance:document:<SHA-256 of the text>")
    type: Literal["Text"] = "Text"
    format: str = FORMAT
    sha256: str
    via: str | None = Field(default=None, description="the URL the text came from")
    title: str | None = None
    publisher: str | None = Field(default=None, description="the outlet (document source)")
    published: str | None = Field(default=None, description="publication date, YYYY-MM-DD")


class Generator(_Model):
    id: str
    type: Literal["Software"] = "Software"
    name: str


class AttributionBody(_Model):
    type: Literal["Attribution"] = "Attribution"
    role: Role = Field(description="which span: the quote's content, speaker mention or cue")
    quote: str = Field(description="urn:provenance:quote:<id>")
    kind: Literal["direct", "mixed", "indirect", "nonspeech"]
    speaker: SpeakerNode | None = None
    mention: str | None = Field(default=None, description="the speaker as reported")
    cue: str | None = None
    rule: str
    confidence: float | None = Field(default=None, ge=0.0, le=1.0)
    reviewStatus: str


class Target(_Model):
    type: Literal["SpecificResource"] = "SpecificResource"
    source: SourceDocument
    selector: tuple[TextQuoteSelector, TextPositionSelector]


class WebAnnotation(_Model):
    id: str = Field(description="urn:provenance:annotation:<quote id>:<role>")
    type: Literal["Annotation"] = "Annotation"
    motivation: Literal["classifying"] = "classifying"
    generator: Generator
    body: AttributionBody
    target: Target


class WebAnnotationPage(_Model):
    """``provenance export --format web-annotation``: a W3C Web Annotation page (JSON-LD)."""

    context: list[Any] = Field(alias="@context")
    id: str
    type: Literal["AnnotationPage"] = "AnnotationPage"
    offsetUnits: str = OFFSET_UNITS
    items: list[WebAnnotation]


def context() -> list[Any]:
    return [ANNO_CONTEXT, LOCAL_CONTEXT]


class Utf16:
    """Code point offsets of one text to UTF-16 code units (astral characters count 2)."""

    def __init__(self, text: str) -> None:
        self.astral = [i for i, ch in enumerate(text) if ord(ch) > 0xFFFF]

    def __call__(self, offset: int) -> int:
        return offset + bisect_left(self.astral, offset)


def _selectors(
    text: str, utf16: Utf16, start: int, end: int
) -> tuple[TextQuoteSelector, TextPositionSelector]:
    return (
        TextQuoteSelector(
            exact=text[start:end],
            prefix=text[max(0, start - SELECTOR_CONTEXT) : start],
            suffix=text[end : end + SELECTOR_CONTEXT],
        ),
        TextPositionSelector(start=start, end=end, utf16Start=utf16(start), utf16End=utf16(end)),
    )


def _source(r: ExportRecord) -> SourceDocument:
    d = r.document
    return SourceDocument(
        id=f"urn:provenance:document:{d.id}",
        sha256=d.id,
        via=d.url,
        title=d.title,
        publisher=d.source,
        published=d.date.isoformat() if d.date else None,
    )


def _speaker(r: ExportRecord) -> SpeakerNode | None:
    if r.speaker is None or r.speaker_id is None:
        return None
    kind = r.speaker_kind or "person"
    return SpeakerNode(
        id=f"urn:provenance:speaker:{r.speaker_id}",
        type="Organization" if kind in ("organization", "document") else "Person",
        name=r.speaker,
        speakerKind=kind,
        identifier=r.speaker_identifier,
    )


def span_annotations(r: ExportRecord, text: str, utf16: Utf16) -> Iterator[WebAnnotation]:
    """The annotations of one quote: its content, speaker mention and cue spans."""
    generator = Generator(
        id=f"urn:provenance:software:{__version__}", name=f"provenance {__version__}"
    )
    source = _source(r)
    speaker = _speaker(r)
    spans: list[tuple[Role, int, int]] = [("content", r.start, r.end)]
    if r.speaker_mention is not None:
        spans.append(("speaker", r.speaker_mention.start, r.speaker_mention.end))
    if r.cue is not None:
        spans.append(("cue", r.cue.start, r.cue.end))
    for role, start, end in spans:
        yield WebAnnotation(
            id=f"urn:provenance:annotation:{r.id}:{role}",
            generator=generator,
            body=AttributionBody(
                role=role,
                quote=f"urn:provenance:quote:{r.id}",
                kind=r.kind,
                speaker=speaker,
                mention=r.speaker_mention.text if r.speaker_mention else None,
                cue=r.cue.text if r.cue else None,
                rule=r.rule,
                confidence=r.confidence,
                reviewStatus=r.review_status.value,
            ),
            target=Target(source=source, selector=_selectors(text, utf16, start, end)),
        )


def iter_annotations(
    session: Session, speaker: str | None = None, include_nonspeech: bool = False
) -> Iterator[WebAnnotation]:
    """Every quote's span annotations, in document order (one document text held at a time)."""
    doc_id: str | None = None
    text = ""
    utf16 = Utf16("")
    for r in iter_records(session, speaker, include_nonspeech, claims=False):
        if r.document.id != doc_id:
            row = session.get(DocumentRow, r.document.id)
            assert row is not None
            doc_id, text, utf16 = r.document.id, row.text, Utf16(row.text)
            session.expunge(row)  # the text is ours now; the session need not keep it
        yield from span_annotations(r, text, utf16)


def write_web_annotation(
    session: Session, out: TextIO, speaker: str | None = None, include_nonspeech: bool = False
) -> int:
    """Write one ``AnnotationPage``; returns the number of annotations."""
    head = WebAnnotationPage.model_validate(
        {"@context": context(), "id": "urn:provenance:export:web-annotation", "items": []}
    )
    opening = json.dumps(
        head.model_dump(mode="json", by_alias=True, exclude_none=True), ensure_ascii=False, indent=1
    )
    # Everything up to the empty items list, then the items as they come.
    out.write(opening[: opening.rindex("[")] + "[")
    n = 0
    for a in iter_annotations(session, speaker, include_nonspeech):
        out.write(
            ("\n" if n == 0 else ",\n")
            + json.dumps(
                a.model_dump(mode="json", by_alias=True, exclude_none=True), ensure_ascii=False
            )
        )
        n += 1
    out.write("\n]\n}\n")
    return n
