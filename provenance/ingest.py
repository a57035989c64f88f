"""The ingest pipeline: documents → extract → speakers → store.

Each document is written in its own transaction, so a failure (or a kill)
never leaves half a document, and what was stored before stays stored.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from provenance import conflicts
from provenance.documents import read_paths
from provenance.errors import InputError
from provenance.extract import EXTRACTOR_VERSION, extract
from provenance.models import DocumentIn, IngestProblem, IngestReport
from provenance.store import Store, commit_index, has_document, load_speaker_index, write_document

Progress = Callable[[DocumentIn | IngestProblem], None]
"""Called with each document read and each problem, as they happen."""


def ingest(store: Store, paths: Iterable[str | Path], *, source: str | None = None,
           published: date | None = None, fallback_encoding: str | None = None,
           progress: Progress | None = None) -> IngestReport:
    """Read, extract and store every document under ``paths``.

    ``source`` and ``published`` override what the files say. Problems are
    collected in the report (one per bad file or line); they never stop the batch.
    """
    report = IngestReport()
    new_ids: list[str] = []
    with store.session() as session:
        index = load_speaker_index(session)
        def problem(p: IngestProblem) -> None:
            report.failed += 1
            report.problems.append(p)
            if progress:
                progress(p)

        for item in read_paths(paths, fallback_encoding):
            if isinstance(item, InputError):
                problem(IngestProblem(path=item.path, line=item.line, message=item.message))
                continue
            if progress:
                progress(item)
            doc = item
            if source is not None or published is not None:
                doc = doc.model_copy(update={k: v for k, v in
                                             (("source", source), ("published", published))
                                             if v is not None})
            if has_document(session, doc.id):
                report.unchanged += 1
                report.document_ids.append(doc.id)
                continue
            try:
                n_quotes, n_speakers = write_document(session, doc, extract(doc.text), index,
                                                      EXTRACTOR_VERSION)
                commit_index(session, index)
            except SQLAlchemyError as exc:
                session.rollback()
                session.info.clear()
                problem(IngestProblem(
                    path=doc.path or "<input>", line=doc.line,
                    message=f"not stored: {type(exc).__name__}: {str(exc).splitlines()[0]}"))
                index = load_speaker_index(session)
                continue
            report.new += 1
            report.quotes += n_quotes
            report.speakers += n_speakers
            report.document_ids.append(doc.id)
            new_ids.append(doc.id)
        if new_ids:
            # Clusters and flags follow the stored quotes; documents stay stored if this fails.
            try:
                conflicts.update(session, new_ids)
                session.commit()
            except SQLAlchemyError as exc:
                session.rollback()
                report.problems.append(IngestProblem(
                    path="<verification>",
                    message=f"clusters and flags not updated: {type(exc).__name__}; "
                            "run `provenance match` to rebuild"))
    return report
