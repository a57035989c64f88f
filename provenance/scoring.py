"""Scoring a batch's candidates in worker processes, while this process assigns clusters.

:func:`provenance.clusters.add_quotes` assigns quotes to clusters one after
another, each seeing the assignments before it. Which quotes are a quote's
candidates, and how each relates to it (``relation_hits``: a pure function of
the two normalized texts and whether one speaker said both), do not depend on
those assignments: every earlier matchable quote of the batch is placed in some
cluster before a later one is assigned (see ``Batch.pend``). So the candidates
of a window of :data:`WINDOW` quotes are found here, their relations scored in
a worker, and meanwhile this process assigns the window before. The results are
those of scoring in this process: the same function on the same inputs.

The workers are forked after the batch's normalized texts are read (they
inherit them: a task carries candidate numbers, not texts); a text numbered
after the fork travels with its task. Where ``fork`` is not available, or for
small batches, everything is scored in this process.
"""

from __future__ import annotations

import multiprocessing
from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import BrokenExecutor, Executor, Future, ProcessPoolExecutor
from contextlib import contextmanager
from operator import itemgetter
from typing import NamedTuple, TypeVar

import numpy as np

from provenance.relations import relation_hits

WINDOW = 256
"""Quotes per task: enough that a task's pickling is small next to its scoring."""
PARALLEL_MIN_QUOTES = 2_000
"""Fewer quotes to match are scored in this process: a fork and its first tasks cost
more than they save (an incremental ingest of a few articles)."""
IN_FLIGHT_PER_WORKER = 2
"""Windows found and handed out ahead of the one being assigned, per worker."""

Hit = tuple[int, str, float]
"""(index into the candidates, relation, score 0–100), as ``relation_hits`` gives them."""


class Task(NamedTuple):
    """One quote to score: its normalized text, its candidates' numbers (``Batch``
    numbering), whether each has the quote's speaker, and the texts of numbers a
    forked worker does not have (numbered after the fork)."""

    norm: str
    numbers: np.ndarray
    same: np.ndarray
    extra: dict[int, str]


# The normalized texts by number, as the workers inherit them from the fork; only
# numbers below _KNOWN are read from it (later ones are in the task).
_TEXTS: Sequence[str] = ()
_KNOWN = 0


def score(
    tasks: Sequence[Task], workers: int = 1, texts: Sequence[str] | None = None
) -> list[list[Hit]]:
    """``relation_hits`` of each task's quote against its candidates, their texts from
    ``texts`` by number (None: the ones a worker inherited). ``workers`` > 1 lets
    ``cdist`` use threads for a huge group (in this process only)."""
    by_number, limit = (_TEXTS, _KNOWN) if texts is None else (texts, len(texts))
    out: list[list[Hit]] = []
    for norm, numbers, same, extra in tasks:
        picked = numbers.tolist()
        if not picked:
            out.append([])
            continue
        if extra or picked[-1] >= limit:
            found = [extra[n] if n in extra else by_number[n] for n in picked]
        elif len(picked) > 1:
            found = list(itemgetter(*picked)(by_number))
        else:
            found = [by_number[picked[0]]]
        out.append(relation_hits(norm, found, same, workers))
    return out


@contextmanager
def scoring_pool(texts: Sequence[str], workers: int, quotes: int) -> Iterator[Executor | None]:
    """A pool of ``workers`` − 1 processes (this one assigns) that inherit ``texts``,
    or None (score here) for one worker, under :data:`PARALLEL_MIN_QUOTES` quotes, or
    without ``fork``. ``texts`` must not change while the pool lives; texts numbered
    later travel with their tasks (:func:`task`)."""
    global _TEXTS, _KNOWN
    if workers <= 1 or quotes < PARALLEL_MIN_QUOTES:
        yield None
        return
    if "fork" not in multiprocessing.get_all_start_methods():
        yield None
        return
    _TEXTS, _KNOWN = texts, len(texts)
    try:
        ctx = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(max_workers=max(1, workers - 1), mp_context=ctx) as pool:
            yield pool
    finally:
        _TEXTS, _KNOWN = (), 0


def task(norm: str, numbers: np.ndarray, same: np.ndarray, texts: Sequence[str]) -> Task:
    """The :class:`Task` of one quote: with it the texts (from ``texts``, by number) of
    the candidates numbered after the workers were forked, which they do not have."""
    extra = (
        {n: texts[n] for n in numbers.tolist() if n >= _KNOWN}
        if _KNOWN and len(numbers) and numbers[-1] >= _KNOWN
        else {}
    )
    return Task(norm, numbers, same, extra)


Item = TypeVar("Item")


def pipelined(
    windows: Iterator[tuple[list[Item], list[Task]]],
    pool: Executor | None,
    workers: int,
    texts: Sequence[str],
) -> Iterator[tuple[Item, list[Hit]]]:
    """Each item of each window with the hits of its task, in order.

    ``windows`` gives (items, tasks), one task per item; a window is taken from it
    (the candidates found) only while fewer than :data:`IN_FLIGHT_PER_WORKER` per
    worker are out, so finding runs ahead of assigning by a bounded amount.
    Without a pool each window is scored here as it comes, from ``texts``.
    """
    if pool is None:
        for items, tasks in windows:
            yield from zip(items, score(tasks, workers, texts), strict=True)
        return
    ahead = IN_FLIGHT_PER_WORKER * max(1, workers - 1)
    waiting: deque[tuple[list[Item], list[Task], Future[list[list[Hit]]] | None]] = deque()
    broken = False

    # A worker that dies (killed for memory, say) breaks the pool: from then on every
    # window is scored here, the same function on the same inputs.
    def send(tasks: list[Task]) -> Future[list[list[Hit]]] | None:
        nonlocal broken
        if not broken:
            try:
                return pool.submit(score, tasks)
            except BrokenExecutor:
                broken = True
        return None

    def hits(tasks: list[Task], fut: Future[list[list[Hit]]] | None) -> list[list[Hit]]:
        nonlocal broken
        if fut is not None and not broken:
            try:
                return fut.result()
            except BrokenExecutor:
                broken = True
        return score(tasks, workers, texts)

    for items, tasks in windows:
        waiting.append((items, tasks, send(tasks)))
        while len(waiting) > ahead:
            done_items, done_tasks, fut = waiting.popleft()
            yield from zip(done_items, hits(done_tasks, fut), strict=True)
    while waiting:
        done_items, done_tasks, fut = waiting.popleft()
        yield from zip(done_items, hits(done_tasks, fut), strict=True)
