"""Every export format behind one call: ``provenance export --format …``.

The record exports (JSON Lines, CSV, PROV-JSON) are in :mod:`provenance.export`
and :mod:`provenance.export_prov`; the W3C Web Annotation page in
:mod:`provenance.export_webanno`; schema.org ClaimReview in
:mod:`provenance.export_claimreview`. Those import :mod:`provenance.export`, never
this module, so there is no import cycle.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import TextIO

from sqlmodel import Session

from provenance.choices import ExportFormat
from provenance.errors import ProvenanceError, public
from provenance.export import export as export_records
from provenance.export_claimreview import write_claimreview
from provenance.export_webanno import write_web_annotation


def write_export(session: Session, fmt: ExportFormat | str, out: TextIO,
                 speaker: str | None = None, include_nonspeech: bool = False) -> int:
    """Write the export in ``fmt`` to ``out``; returns how many records, annotations or nodes."""
    fmt = ExportFormat(fmt)
    if fmt is ExportFormat.web_annotation:
        return write_web_annotation(session, out, speaker, include_nonspeech)
    if fmt is ExportFormat.claimreview:
        return write_claimreview(session, out, speaker, include_nonspeech)
    return export_records(session, fmt.value, out, speaker, include_nonspeech)


def _same_file(a: Path, b: Path) -> bool:
    try:
        if a.resolve() == b.resolve():
            return True
        return a.exists() and b.exists() and os.path.samefile(a, b)  # a hard link too
    except OSError:
        return False


@public
def export_file(session: Session, fmt: ExportFormat | str, path: Path, protected: list[Path],
                speaker: str | None = None, include_nonspeech: bool = False) -> int:
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
            raise ProvenanceError(f"{path}: that is the database ({db_file.name}); "
                                  "export to another file")
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
