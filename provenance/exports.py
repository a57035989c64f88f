"""Every export format behind one call: ``provenance export --format …``.

The record exports (JSON Lines, CSV, PROV-JSON) are in :mod:`provenance.export`
and :mod:`provenance.export_prov`; the W3C Web Annotation page in
:mod:`provenance.export_webanno`; schema.org ClaimReview in
:mod:`provenance.export_claimreview`. Those import :mod:`provenance.export`, never
this module, so there is no import cycle.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TextIO

from sqlmodel import Session

from provenance.export import export as export_records
from provenance.export_claimreview import write_claimreview
from provenance.export_webanno import write_web_annotation


class ExportFormat(StrEnum):
    jsonl = "jsonl"
    csv = "csv"
    prov_json = "prov-json"
    web_annotation = "web-annotation"
    claimreview = "claimreview"


def write_export(session: Session, fmt: ExportFormat | str, out: TextIO,
                 speaker: str | None = None, include_nonspeech: bool = False) -> int:
    """Write the export in ``fmt`` to ``out``; returns how many records, annotations or nodes."""
    fmt = ExportFormat(fmt)
    if fmt is ExportFormat.web_annotation:
        return write_web_annotation(session, out, speaker, include_nonspeech)
    if fmt is ExportFormat.claimreview:
        return write_claimreview(session, out, speaker, include_nonspeech)
    return export_records(session, fmt.value, out, speaker, include_nonspeech)
