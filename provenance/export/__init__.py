"""Exports: every format behind one call, ``provenance export --format …``.

One module per format, each writing the records of :mod:`provenance.export.records`
(read in document order, streamed): :mod:`~provenance.export.jsonl`,
:mod:`~provenance.export.csv`, :mod:`~provenance.export.prov` (W3C PROV-JSON),
:mod:`~provenance.export.webanno` (W3C Web Annotation) and
:mod:`~provenance.export.claimreview` (schema.org ClaimReview). Format modules import
``records``, never this module, so there is no import cycle; each is imported only
when its format is asked for.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import TextIO

from sqlmodel import Session

from provenance.choices import ExportFormat
from provenance.errors import ProvenanceError, enum_value, public


def write_export(
    session: Session,
    fmt: ExportFormat | str,
    out: TextIO,
    speaker: str | None = None,
    include_nonspeech: bool = False,
) -> int:
    """Write the export in ``fmt`` to ``out``; returns how many records (jsonl, csv,
    prov-json: quotes and claims), annotations (web-annotation) or nodes (claimreview)."""
    fmt = enum_value(ExportFormat, fmt, "fmt")
    if fmt is ExportFormat.web_annotation:
        from provenance.export.webanno import write_web_annotation

        return write_web_annotation(session, out, speaker, include_nonspeech)
    if fmt is ExportFormat.claimreview:
        from provenance.export.claimreview import write_claimreview

        return write_claimreview(session, out, speaker, include_nonspeech)
    from provenance.export.records import iter_records

    records = iter_records(session, speaker, include_nonspeech)
    if fmt is ExportFormat.jsonl:
        from provenance.export.jsonl import write_jsonl

        return write_jsonl(records, out)
    if fmt is ExportFormat.csv:
        from provenance.export.csv import write_csv

        return write_csv(records, out)
    from provenance.export.prov import write_prov_json

    return write_prov_json(session, records, out)


def _same_file(a: Path, b: Path) -> bool:
    try:
        if a.resolve() == b.resolve():
            return True
        return a.exists() and b.exists() and os.path.samefile(a, b)  # a hard link too
    except OSError:
        return False


@public
def export_file(
    session: Session,
    fmt: ExportFormat | str,
    path: Path,
    protected: list[Path],
    speaker: str | None = None,
    include_nonspeech: bool = False,
) -> int:
    """:func:`write_export` into the file ``path``, which appears only when the export succeeded.

    ``path`` may not be one of ``protected`` (the database's own files, see
    :meth:`provenance.store.Store.files`), however it is reached (symlinks, hard links).
    The export goes to a temporary file beside ``path``, renamed over it at the end:
    a failure (an unknown speaker, a full disk) leaves an existing file as it was.
    """
    if not isinstance(path, str | os.PathLike):
        raise ProvenanceError(f"export path: want a file path, got {type(path).__name__}")
    path = Path(path)
    for db_file in protected:
        if _same_file(path, db_file):
            raise ProvenanceError(
                f"{path}: that is the database ({db_file.name}); export to another file"
            )
    if path.is_dir():
        raise ProvenanceError(f"{path}: is a folder; give a file name")
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    except OSError as exc:
        raise ProvenanceError(f"{path}: cannot write: {exc.strerror}") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as out:
            n = write_export(session, fmt, out, speaker, include_nonspeech)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise ProvenanceError(f"{path}: cannot write: {exc.strerror or exc}") from None
        raise
    return n
