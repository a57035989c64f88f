"""The ingest pipeline: documents → extract → speakers → store.

Each document is written in its own transaction, so a failure (or a kill)
never leaves half a document, and what was stored before stays stored.

Extraction is a pure function of the text, so it can run anywhere: inline,
in a local process pool (``workers``) or on a Dask cluster (any ``executor``
with ``submit``). Writing always happens here, in input order, through one
session: the speaker index lives in this process, and the results do not
depend on how many workers extracted them.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import date
from itertools import islice
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlmodel import Session, col

from provenance import audit, crosscheck
from provenance.batch import WriteBatch
from provenance.blocking import band_digests
from provenance.documents import read_paths
from provenance.errors import ArgumentError, InputError, public
from provenance.extract import EXTRACTOR_VERSION, extract
from provenance.lexicon import load
from provenance.models import Attribution, DocumentIn, IngestProblem, IngestReport
from provenance.quantities import Found, find_quantities
from provenance.relations import MATCHED_KINDS
from provenance.store import (
    Store,
    backoff,
    commit_index,
    has_document,
    learn_index,
    load_speaker_index,
    transient,
    write_document,
)
from provenance.tables import DocumentRow, MergeRow, SpeakerRow

Progress = Callable[[DocumentIn | IngestProblem], None]
"""Called with each document read and each problem, as they happen."""
Item = DocumentIn | InputError

BATCH_SIZE = 8
"""Documents per extraction task: enough to hide the cost of shipping a task."""
WINDOW_PER_WORKER = 8
"""Extraction tasks in flight per worker (each :data:`BATCH_SIZE` documents)."""
WRITE_ATTEMPTS = 5
"""Tries per document when the database reports a lock or serialisation failure."""
FAILED_HINT = (
    "this is a bug in provenance, not in your file: the failure is in the audit log "
    "(`provenance log --action document.failed`); re-running the same ingest retries "
    "it (stored documents are skipped)"
)
COMMIT_EVERY = 512
"""Documents per transaction. Quote and audit keys are hashes, so each row lands on
a random index page: the fewer commits, the fewer times a page is written. The last
2,000 articles into a store of 10,000 took 40 % longer than the first 2,000 with 128
per transaction, 28 % with 512 (more gained little)."""
COMMIT_SECONDS = 1.0
"""…or fewer, so a concurrent writer never waits long for the lock, and a kill loses
at most this much work (which a re-run redoes)."""
DIGESTS_HELD = 250_000
"""Quotes whose band digests (~0.3 KB each with the text) an ingest keeps from its workers
for the update after it; the update computes the rest itself."""


@runtime_checkable
class Executor(Protocol):
    """Anything with ``submit(fn, arg)`` returning a future with ``result()``:
    a :class:`concurrent.futures.Executor`, or the adapter in :mod:`provenance.distributed`."""

    def submit(self, fn: Callable[..., Any], /, *args: Any) -> Any: ...


Extracted = tuple[list[Attribution], list[Found] | None, dict[str, bytes] | None]
"""A text's attributions and, when asked for (for the cross-source update), its
quantities (:func:`~provenance.quantities.find_quantities`) and the band digests of
its matched quotes (:func:`~provenance.clusters.band_digests`); None: not asked for,
or finding them failed (the update finds them itself)."""


def extract_batch(texts: list[str], quantities: bool = False) -> list[Extracted]:
    """:func:`~provenance.extract.extract` over several texts, and what the cross-source
    update after the ingest needs of them when ``quantities``; what workers run."""
    return [_extracted(t, quantities) for t in texts]


def _extracted(text: str, update: bool) -> Extracted:
    attributions = extract(text)
    if not update:
        return attributions, None, None
    return attributions, _quantities(text), _digests(attributions)


def _quantities(text: str) -> list[Found] | None:
    try:
        return find_quantities(text)
    except Exception:  # the update finds them again, and fails there as it would have
        return None


def _digests(attributions: list[Attribution]) -> dict[str, bytes] | None:
    try:
        return band_digests([a.content.text for a in attributions if a.kind in MATCHED_KINDS])
    except Exception:  # as for _quantities
        return None


class _Inline:
    """Runs each task at once in this process (``workers=1``)."""

    def submit(self, fn: Callable[..., Any], /, *args: Any) -> Future[Any]:
        fut: Future[Any] = Future()
        try:
            fut.set_result(fn(*args))
        except Exception as exc:  # raised from result(), as a pool would
            fut.set_exception(exc)
        return fut


@dataclass
class _Chunk:
    items: list[Item]
    todo: list[int]  # positions in items that need extraction
    future: Any = None
    results: list[Extracted | Exception] = field(default_factory=list)


def default_workers() -> int:
    """Worker processes for ``--workers`` when not given: every core this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def local_pool(workers: int) -> ProcessPoolExecutor:
    """A process pool for extraction; fork where available (the lexicons are loaded once)."""
    load()
    methods = multiprocessing.get_all_start_methods()
    ctx = multiprocessing.get_context("fork" if "fork" in methods else None)
    return ProcessPoolExecutor(max_workers=workers, mp_context=ctx)


@contextmanager
def _collector_skips_existing() -> Iterator[None]:
    """While the block runs, the cyclic garbage collector leaves alone the objects
    that existed before it (the imported libraries: ~75,000 objects).

    A bulk load keeps thousands of rows alive between commits, which sets off a
    full collection every few hundred documents; each walked every object in the
    process and together they cost ~7 % of an ingest. Frozen objects are skipped,
    not leaked: they are handed back to the collector when the block ends. A
    caller that froze objects itself (before forking workers, say) keeps its freeze.
    """
    if gc.get_freeze_count():
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def _override(doc: DocumentIn, source: str | None, published: date | None) -> DocumentIn:
    if source is None and published is None:
        return doc
    update = {k: v for k, v in (("source", source), ("published", published)) if v is not None}
    return doc.model_copy(update=update)


def _chunks(items: Iterator[Item], store: Store, size: int) -> Iterator[_Chunk]:
    """Input in chunks of ``size``, the documents already stored marked as not needing
    extraction (looked up :data:`COMMIT_EVERY` documents at a time)."""
    with store.session() as session:
        while block := list(islice(items, max(size, COMMIT_EVERY))):
            ids = {it.id for it in block if isinstance(it, DocumentIn)}
            stored = (
                set(
                    session.execute(
                        select(col(DocumentRow.id)).where(col(DocumentRow.id).in_(ids))
                    ).scalars()
                )
                if ids
                else set()
            )
            session.rollback()  # end the read transaction: never hold a snapshot while waiting
            for lo in range(0, len(block), size):
                chunk = block[lo : lo + size]
                todo = [
                    i
                    for i, it in enumerate(chunk)
                    if isinstance(it, DocumentIn) and it.id not in stored
                ]
                yield _Chunk(chunk, todo)


def _ordered(
    chunks: Iterator[_Chunk], executor: Executor, window: int, quantities: bool = False
) -> Iterator[_Chunk]:
    """Chunks with extraction results, in input order, at most ``window`` in flight."""
    pending: deque[_Chunk] = deque()
    for chunk in chunks:
        if chunk.todo:
            texts = [chunk.items[i].text for i in chunk.todo]  # type: ignore[union-attr]
            chunk.future = executor.submit(extract_batch, texts, quantities)
        pending.append(chunk)
        while len(pending) >= window:
            yield _finish(pending.popleft(), quantities)
    while pending:
        yield _finish(pending.popleft(), quantities)


def _finish(chunk: _Chunk, quantities: bool = False) -> _Chunk:
    if chunk.future is not None:
        try:
            chunk.results = chunk.future.result()
        except Exception:  # one text broke the batch: find which, keep the rest
            chunk.results = [
                _extract_one(chunk.items[i].text, quantities)  # type: ignore[union-attr]
                for i in chunk.todo
            ]
        chunk.future = None
    return chunk


def _extract_one(text: str, quantities: bool = False) -> Extracted | Exception:
    try:
        return _extracted(text, quantities)
    except Exception as exc:  # reported as that document's internal error
        return exc


@dataclass
class _Written:
    doc: DocumentIn
    attributions: list[Attribution]
    quotes: int
    speakers: int


class Writer:
    """The one committed path: writes documents in order, a few per transaction.

    A transaction holds at most :data:`COMMIT_EVERY` documents or
    :data:`COMMIT_SECONDS` of work: each document is stored whole or not at all,
    and a kill loses at most the uncommitted batch, which a re-run redoes.
    If a batch fails, it is rolled back and its documents are written again one
    per transaction, so one bad document costs only itself. Call :meth:`close`
    at the end to commit the last batch.
    """

    def __init__(
        self, session: Session, report: IngestReport, progress: Progress | None = None
    ) -> None:
        self.session = session
        self.report = report
        self.progress = progress
        self.index = load_speaker_index(session)
        self.seen = self._marks()
        session.commit()
        self.batch: list[_Written] = []
        self.batch_ids: set[str] = set()
        self.started = 0.0
        self.new_ids: list[str] = []

    def _begin(self) -> None:
        """Start a write transaction; catch up with speakers other processes wrote meanwhile."""
        if self.session.get_bind().dialect.name == "postgresql":
            # Concurrent ingests queue here, as they do on SQLite's write lock, so
            # one does not create a speaker the other is creating too.
            self.session.execute(
                text("SELECT pg_advisory_xact_lock(:key)"), {"key": audit.PG_WRITE_KEY}
            )
        # Audit entries of the transaction go in as one insert (see provenance.batch);
        # set per transaction because a reset discards the batch.
        batch = WriteBatch.of(self.session)
        batch.hold_audit = True
        marks = self._marks()
        if marks != self.seen:
            self.index = load_speaker_index(self.session)
            batch.cache = None  # cached speaker rows may be stale too
            self.seen = marks
        self.started = time.monotonic()

    def _unchanged(self, doc: DocumentIn) -> None:
        self.report.unchanged += 1
        self.report.document_ids.append(doc.id)

    def write(self, doc: DocumentIn, attributions: list[Attribution] | None) -> None:
        """Add ``doc`` to the current transaction (``None``: it was already stored)."""
        if attributions is None or doc.id in self.batch_ids:
            self._unchanged(doc)
            return
        try:
            if not self.batch:
                self._begin()
            # No has_document() here: the caller checked just before, and if another
            # process stored it since, the insert fails and _replay sorts it out.
            quotes, speakers = write_document(
                self.session, doc, attributions, self.index, EXTRACTOR_VERSION
            )
            # Later documents of this batch must see this one's speakers; a
            # rollback reloads the index from the database (see _replay).
            learn_index(self.session, self.index)
        except Exception:  # any failure: write the batch one by one, see _replay
            self._replay(_Written(doc, attributions, 0, 0))
            return
        self.batch.append(_Written(doc, attributions, quotes, speakers))
        self.batch_ids.add(doc.id)
        if len(self.batch) >= COMMIT_EVERY or time.monotonic() - self.started > COMMIT_SECONDS:
            self.commit()

    def commit(self) -> None:
        """Commit the documents written since the last commit."""
        if not self.batch:
            return
        try:
            marks = self._marks()
            self.session.commit()
        except Exception:  # see _replay
            self._replay()
            return
        self.seen = marks
        for w in self.batch:
            self._count(w)
        self.batch, self.batch_ids = [], set()

    close = commit

    def _marks(self) -> tuple[int, int]:
        """Newest speaker and merge ids: every write that touches a speaker moves one.

        Read in a write transaction just before its commit, they are ours or were
        already seen when it began (see :meth:`_begin`): the transaction holds the
        write lock from its first statement (SQLite's BEGIN IMMEDIATE, the advisory
        lock on PostgreSQL), so nobody else wrote in between.
        """
        row = self.session.execute(
            select(
                select(func.max(SpeakerRow.id)).scalar_subquery(),
                select(func.max(MergeRow.id)).scalar_subquery(),
            )
        ).one()
        return row[0] or 0, row[1] or 0

    def _count(self, w: _Written) -> None:
        self.new_ids.append(w.doc.id)
        self.report.new += 1
        self.report.quotes += w.quotes
        self.report.nonspeech += sum(a.kind == "nonspeech" for a in w.attributions)
        self.report.speakers += w.speakers
        self.report.document_ids.append(w.doc.id)

    def _replay(self, failed: _Written | None = None) -> None:
        """Roll back the batch and write its documents one per transaction."""
        todo = self.batch + ([failed] if failed else [])
        self.batch, self.batch_ids = [], set()
        self._reset()
        for w in todo:
            self._write_alone(w.doc, w.attributions)

    def _write_alone(self, doc: DocumentIn, attributions: list[Attribution]) -> None:
        session = self.session
        for attempt in range(WRITE_ATTEMPTS):
            try:
                self._begin()
                if has_document(session, doc.id):
                    session.rollback()
                    self._unchanged(doc)
                    return
                quotes, speakers = write_document(
                    session, doc, attributions, self.index, EXTRACTOR_VERSION
                )
                marks = self._marks()
                commit_index(session, self.index)
                self.seen = marks
            except Exception as exc:  # sorted below: retry, skip or report
                self._reset()
                if isinstance(exc, IntegrityError) and self._stored(doc.id):
                    self._unchanged(doc)  # another process stored the same document first
                    return
                # Only a lock or a lost connection is worth another try: a deterministic
                # failure retried with backoff only multiplied the time it took to fail.
                if transient(exc) and attempt + 1 < WRITE_ATTEMPTS:
                    backoff(attempt)
                    continue
                self._fail(doc, exc, internal=not transient(exc))
                return
            self._count(_Written(doc, attributions, quotes, speakers))
            return

    def _stored(self, doc_id: str) -> bool:
        try:
            return has_document(self.session, doc_id)
        except SQLAlchemyError:
            return False
        finally:
            self.session.rollback()

    def _reset(self) -> None:
        self.session.rollback()
        WriteBatch.discard(self.session)
        self.index = load_speaker_index(self.session)
        self.seen = self._marks()
        self.session.rollback()

    def problem(self, p: IngestProblem) -> None:
        self.report.failed += 1
        self.report.problems.append(p)
        if self.progress:
            self.progress(p)

    def _fail(
        self, doc: DocumentIn, exc: BaseException, *, internal: bool = True, stage: str = "store"
    ) -> None:
        """Report one document that could not be stored, and log the failure.

        ``internal``: the input was readable, so the failure is ours (a bug), reported
        as an ``internal error`` naming the file, the record and what to do.
        """
        reason = (str(getattr(exc, "orig", None) or exc).splitlines() or [""])[0][:300]
        record = f"document {doc.id[:16]}"
        if internal:
            message = (
                f"not stored ({stage}): {type(exc).__name__}: {reason} "
                f"[{record}]; hint: {FAILED_HINT}"
            )
        else:
            message = (
                f"not stored: {type(exc).__name__}: {reason} [{record}]; "
                "hint: the database stayed busy or unreachable; re-run the ingest"
            )
        self.problem(
            IngestProblem(
                path=doc.path or "<input>", line=doc.line, message=message, internal=internal
            )
        )
        self._log_failure(doc, exc, stage)

    def _log_failure(self, doc: DocumentIn, exc: BaseException, stage: str) -> None:
        """A ``document.failed`` entry: the failure outlives the terminal it was shown on."""
        try:
            self._begin()
            audit.record(
                self.session,
                audit.DOCUMENT_FAILED,
                audit.subject("document", doc.id),
                {
                    "sha256": doc.id,
                    "path": doc.path,
                    "line": doc.line,
                    "stage": stage,
                    "error": type(exc).__name__,
                    "message": (str(getattr(exc, "orig", None) or exc).splitlines() or [""])[0][
                        :300
                    ],
                    "extractor": EXTRACTOR_VERSION,
                },
            )
            self.session.commit()
        except Exception:  # the store may be the problem; the report has it
            self._reset()

    def extraction_failed(self, doc: DocumentIn, exc: Exception) -> None:
        self._fail(doc, exc, stage="extract")


@public(lists=("paths",))
def ingest(
    store: Store,
    paths: Iterable[str | Path],
    *,
    source: str | None = None,
    published: date | None = None,
    fallback_encoding: str | None = None,
    progress: Progress | None = None,
    workers: int = 1,
    executor: Executor | None = None,
    batch_size: int = BATCH_SIZE,
    match: bool = True,
    follow_links: bool = False,
) -> IngestReport:
    """Read, extract and store every document under ``paths``.

    ``source`` and ``published`` override what the files say. Problems are
    collected in the report (one per bad file or line); they never stop the batch.
    ``workers`` > 1 extracts in that many local processes; ``executor`` (e.g. a
    Dask client adapter) takes precedence. Results are the same either way.
    ``match=False`` skips clustering and conflict flags for the new documents
    (for a bulk load: run ``provenance match`` once afterwards). ``follow_links``
    reads files that symbolic links in the folders point to outside them.
    """
    if workers < 1 or batch_size < 1:
        raise ArgumentError("ingest(): workers and batch_size must be 1 or more")
    report = IngestReport()
    items = (
        it if isinstance(it, InputError) else _override(it, source, published)
        for it in read_paths(paths, fallback_encoding, follow_links)
    )
    with ExitStack() as stack:
        stack.enter_context(_collector_skips_existing())
        # The update after the documents runs in local processes, unless the caller
        # brought an executor (a cluster's workers are not this machine's cores).
        local = workers if executor is None else 1
        if executor is None:
            executor = stack.enter_context(local_pool(workers)) if workers > 1 else _Inline()
        # Tasks in flight: enough that the workers keep extracting while the writer
        # commits a batch (a commit outlasts a task); 2 per worker left them idle a
        # fifth of the time on 2 cores.
        window = WINDOW_PER_WORKER * max(1, workers)
        session = stack.enter_context(store.write_session())
        writer = Writer(session, report, progress)
        # Quantities found with the extraction, for the cross-source update (by document id).
        found: dict[str, list[Found]] = {}
        digests: dict[str, bytes] = {}  # quote text -> band digests (blocking.band_digests)
        for chunk in _ordered(_chunks(items, store, batch_size), executor, window, match):
            results: dict[int, Extracted | Exception] = dict(
                zip(chunk.todo, chunk.results, strict=True)
            )
            for pos, item in enumerate(chunk.items):
                if isinstance(item, InputError):
                    writer.problem(
                        IngestProblem(path=item.path, line=item.line, message=item.message)
                    )
                    continue
                if progress:
                    progress(item)
                if item.warning:
                    report.warnings.append(
                        IngestProblem(
                            path=item.path or "<input>", line=item.line, message=item.warning
                        )
                    )
                result = results.get(pos)
                if isinstance(result, Exception):
                    writer.extraction_failed(item, result)
                    continue
                if result is None:
                    writer.write(item, None)
                    continue
                attributions, quantities, band = result
                if quantities is not None:
                    found[item.id] = quantities
                if band is not None and len(digests) < DIGESTS_HELD:
                    digests.update(band)
                writer.write(item, attributions)
        writer.close()
        WriteBatch.of(session).hold_audit = False
        if writer.new_ids and match:
            # Clusters and flags follow the stored quotes; documents stay stored if this fails.
            try:
                audit.lock_writers(session)
                checks = crosscheck.update(
                    session, writer.new_ids, local, found=found, digests=digests
                )
                session.commit()
                report.checks = checks
            except SQLAlchemyError as exc:
                session.rollback()
                report.problems.append(
                    IngestProblem(
                        path="<cross-source checks>",
                        message=f"clusters and flags not updated: {type(exc).__name__}; "
                        "run `provenance match` to rebuild",
                    )
                )
    return report
