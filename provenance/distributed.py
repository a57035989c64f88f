"""Extraction on a Dask cluster; the database is written from this process only.

Install with ``pip install 'provenance[dask]'`` here and on every Dask worker
(the workers import :mod:`provenance` to run :func:`~provenance.extract.extract`).
The client reads the files and ships their text in batches, so workers need no
access to the files; they send back attributions, which this process writes in
input order through the same path as a local ingest. Results are therefore the
same as ``provenance ingest --workers 1``. Use a PostgreSQL ``--db`` when the
machine running this is not the one the team queries from.

Two ways in:

- :func:`ingest_dask` — files to database, e.g. ``provenance ingest --dask
  tcp://scheduler:8786 --db postgresql+psycopg://… corpus/``.
- :func:`extract_bag` — for a pipeline that already has a ``dask.bag`` of
  :class:`~provenance.models.DocumentIn`; it maps extraction over the bag and
  returns a bag of ``(DocumentIn, list[Attribution])`` for you to store with
  :func:`write_pairs`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from provenance.errors import ProvenanceError
from provenance.extract import extract
from provenance.ingest import Progress, Writer, ingest
from provenance.models import Attribution, DocumentIn, IngestReport
from provenance.store import Store

if TYPE_CHECKING:
    import dask.bag
    from distributed import Client

BATCH_SIZE = 32
"""Documents per Dask task: a task costs about a millisecond of scheduling."""
CONNECT_TIMEOUT = "10s"
"""How long to wait for the scheduler to answer before giving up."""


def _client(scheduler: str | Client) -> tuple[Client, bool]:
    """A connected client and whether we own it (and must close it)."""
    try:
        from distributed import Client
    except ImportError:
        raise ProvenanceError("Dask is not installed: pip install 'provenance[dask]'") from None
    if isinstance(scheduler, Client):
        return scheduler, False
    try:
        return Client(scheduler, timeout=CONNECT_TIMEOUT), True
    except (OSError, TimeoutError) as exc:
        raise ProvenanceError(f"cannot reach Dask scheduler {scheduler}: {exc}") from None


class DaskExecutor:
    """Adapts a Dask client to the ``submit(fn, arg)`` the ingest pipeline expects."""

    def __init__(self, client: Client) -> None:
        self.client = client

    def submit(self, fn: Callable[..., Any], /, *args: Any) -> Any:
        # pure=False: the texts differ every time, so hashing them would be wasted work.
        return self.client.submit(fn, *args, pure=False)

    @property
    def workers(self) -> int:
        return max(1, len(self.client.scheduler_info().get("workers", {})))


def ingest_dask(
    store: Store,
    paths: Iterable[str | Path],
    scheduler: str | Client,
    *,
    source: str | None = None,
    published: date | None = None,
    fallback_encoding: str | None = None,
    progress: Progress | None = None,
    batch_size: int = BATCH_SIZE,
    match: bool = True,
    follow_links: bool = False,
) -> IngestReport:
    """Like :func:`provenance.ingest.ingest`, extracting on the Dask cluster at ``scheduler``.

    ``scheduler`` is an address (``tcp://host:8786``) or a connected
    ``distributed.Client``. At most :data:`provenance.ingest.WINDOW_PER_WORKER`
    tasks per Dask worker are in flight, so memory here stays flat however
    large the corpus.
    """
    client, owned = _client(scheduler)
    try:
        executor = DaskExecutor(client)
        return ingest(
            store,
            paths,
            source=source,
            published=published,
            fallback_encoding=fallback_encoding,
            progress=progress,
            workers=executor.workers,
            executor=executor,
            batch_size=batch_size,
            match=match,
            follow_links=follow_links,
        )
    finally:
        if owned:
            client.close()


def _extract_pair(doc: DocumentIn) -> tuple[DocumentIn, list[Attribution]]:
    return doc, extract(doc.text)


def extract_bag(docs: dask.bag.Bag) -> dask.bag.Bag:
    """A bag of ``(document, attributions)`` from a bag of :class:`DocumentIn`."""
    return docs.map(_extract_pair)


def write_pairs(
    store: Store, pairs: Iterable[tuple[DocumentIn, list[Attribution]]]
) -> IngestReport:
    """Store extracted pairs (e.g. ``extract_bag(b)`` computed), one transaction each.

    Documents already stored count as unchanged. Iterate a bag lazily with
    ``bag.to_delayed()`` for corpora that do not fit in memory here.
    """
    report = IngestReport()
    with store.write_session() as session:
        writer = Writer(session, report)
        for doc, attributions in pairs:
            writer.write(doc, attributions)
        writer.close()
    return report
