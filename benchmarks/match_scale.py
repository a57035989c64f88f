"""Quote clustering at scale: time, peak memory and recall of planted variants.

Generates synthetic quotes (Zipf-distributed made-up words, one speaker each)
and plants variants of some of them: case, punctuation, curly marks, an
ellipsis, a fragment (partial quote) and one-word drift. Clusters them with
:func:`provenance.clusters.cluster_texts` (blocking + rapidfuzz ``cdist``) and prints:

* seconds and peak RSS for ``--n`` quotes (targets: 100,000 ≤ 60 s, 1,000,000
  ≤ 15 min on 2 cores within 4 GB);
* recall of planted variants (variant in its original's cluster; target ≥ 0.99);
* on a ``--sample`` quote set: recall of the pairs an all-pairs reference joins
  (every pair scored with ``cdist``), and the speed-up over that reference.

Usage: python -m benchmarks.match_scale [--n 100000] [--sample 10000] [--workers 2]
"""

from __future__ import annotations

import argparse
import random
import resource
import time

import numpy as np

from provenance.clusters import (
    candidate_matrix,
    cluster_texts,
    normalize,
    relation,
)

KINDS = ("case", "punct", "curly", "ellipsis", "fragment", "drift")


def vocabulary(rng: random.Random, size: int) -> list[str]:
    letters = "abcdefghijklmnopqrstuvwxyz"
    words = {"".join(rng.choice(letters) for _ in range(rng.randint(2, 10))) for _ in range(size)}
    out = sorted(words)
    rng.shuffle(out)
    # A few contractions so that straight vs curly apostrophes matter.
    return [w + "'s" if i % 50 == 7 else w for i, w in enumerate(out)]


def base_quote(
    rng: random.Random, vocab: list[str], cdf: np.ndarray, nprng: np.random.Generator
) -> str:
    n = rng.randint(8, 28)
    idx = np.searchsorted(cdf, nprng.random(n))
    ws = [vocab[i] for i in idx]
    ws[0] = ws[0].capitalize()
    if n > 12:
        ws[n // 2] += ","
    return " ".join(ws) + rng.choice([".", ",", "", "!"])


def variant(rng: random.Random, text: str, kind: str, vocab: list[str]) -> str:
    ws = text.split()
    if kind == "case":
        return text.upper() if rng.random() < 0.5 else text.lower()
    if kind == "punct":
        return text.rstrip(".,!") + rng.choice([".", ";", " —", "?"])
    if kind == "curly":
        return "“" + text.replace("'", "’") + "”"
    if kind == "ellipsis":
        cut = rng.randint(3, len(ws) - 2)
        return " ".join(ws[:cut]) + " … " + " ".join(ws[cut:])
    if kind == "fragment":
        size = rng.randint(max(5, len(ws) // 3), max(5, len(ws) - 2))
        start = rng.randint(0, len(ws) - size)
        return " ".join(ws[start : start + size])
    pos = rng.randint(1, len(ws) - 2)
    ws[pos] = rng.choice(vocab)
    return " ".join(ws)


def generate(n: int, seed: int) -> tuple[list[str], list[int], list[tuple[int, int]]]:
    """(texts, speakers, planted (original index, variant index) pairs)."""
    rng = random.Random(seed)
    nprng = np.random.default_rng(seed)
    vocab = vocabulary(rng, max(20_000, n // 5))
    ranks = np.arange(1, len(vocab) + 1, dtype=np.float64)
    weights = 1.0 / ranks**1.05
    cdf = np.cumsum(weights / weights.sum())
    cdf[-1] = 1.0
    texts: list[str] = []
    speakers: list[int] = []
    planted: list[tuple[int, int]] = []
    n_speakers = max(10, n // 20)
    while len(texts) < n:
        i = len(texts)
        texts.append(base_quote(rng, vocab, cdf, nprng))
        speakers.append(rng.randrange(n_speakers))
        if rng.random() < 0.25:
            for kind in rng.sample(KINDS, rng.randint(1, 2)):
                if len(texts) >= n or (
                    kind in ("fragment", "drift") and len(texts[i].split()) < 12
                ):
                    continue
                texts.append(variant(rng, texts[i], kind, vocab))
                speakers.append(speakers[i])
                planted.append((i, len(texts) - 1))
    order = list(range(len(texts)))
    rng.shuffle(order)  # originals and variants are not neighbours
    where = {old: new for new, old in enumerate(order)}
    return (
        [texts[o] for o in order],
        [speakers[o] for o in order],
        [(where[a], where[b]) for a, b in planted],
    )


def planted_recall(labels: np.ndarray, planted: list[tuple[int, int]]) -> float:
    return sum(labels[a] == labels[b] for a, b in planted) / max(1, len(planted))


def all_pairs_labels(texts: list[str], speakers: list[int], workers: int) -> np.ndarray:
    """Reference clustering: every pair scored with cdist (no blocking)."""
    norms = [normalize(t) for t in texts]
    parent = list(range(len(norms)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    step = 2000
    for lo in range(0, len(norms), step):
        q = norms[lo : lo + step]
        # The same LCS filter as the blocked run (it is exact: no pair that
        # relation() accepts fails it), applied to every pair.
        for x, j in zip(*np.nonzero(candidate_matrix(q, norms, workers)), strict=True):
            i = lo + int(x)
            if i < j and relation(norms[i], norms[j], speakers[i] == speakers[j])[0]:
                ri, rj = find(i), find(int(j))
                parent[max(ri, rj)] = min(ri, rj)
    return np.array([find(i) for i in range(len(norms))])


def pair_recall(reference: np.ndarray, labels: np.ndarray) -> tuple[float, int]:
    """Share of pairs the reference puts together that the blocked run also does."""
    together = found = 0
    for root in np.unique(reference):
        members = np.flatnonzero(reference == root)
        if len(members) < 2:
            continue
        k = len(members)
        together += k * (k - 1) // 2
        _, counts = np.unique(labels[members], return_counts=True)
        found += int((counts * (counts - 1) // 2).sum())
    return found / max(1, together), together


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--sample", type=int, default=10_000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()

    texts, speakers, planted = generate(args.sample, args.seed + 1)
    t0 = time.perf_counter()
    blocked = cluster_texts(texts, speakers, workers=args.workers).labels
    t_blocked = time.perf_counter() - t0
    t0 = time.perf_counter()
    reference = all_pairs_labels(texts, speakers, args.workers)
    t_ref = time.perf_counter() - t0
    recall, pairs = pair_recall(reference, blocked)
    print(f"sample: {len(texts):,} quotes, {len(planted):,} planted variants")
    print(
        f"  all-pairs reference: {t_ref:.1f} s; blocked: {t_blocked:.1f} s "
        f"(speed-up x{t_ref / t_blocked:.1f})"
    )
    print(f"  recall of reference pairs: {recall:.4f} ({pairs:,} pairs)")
    print(
        f"  planted-variant recall: blocked {planted_recall(blocked, planted):.4f}, "
        f"all-pairs {planted_recall(reference, planted):.4f}"
    )

    t0 = time.perf_counter()
    texts, speakers, planted = generate(args.n, args.seed)
    t_gen = time.perf_counter() - t0
    t0 = time.perf_counter()
    result = cluster_texts(texts, speakers, workers=args.workers)
    t_run = time.perf_counter() - t0
    clusters = len(np.unique(result.labels))
    print(
        f"scale: {len(texts):,} quotes ({len(planted):,} planted variants), "
        f"generated in {t_gen:.1f} s"
    )
    print(
        f"  clustered in {t_run:.1f} s with {args.workers} workers: {clusters:,} clusters, "
        f"{result.blocks:,} blocks, {result.comparisons:,} pairs scored "
        f"({result.comparisons / (len(texts) ** 2 / 2):.2e} of all pairs)"
    )
    print(f"  planted-variant recall: {planted_recall(result.labels, planted):.4f}")
    print(f"  peak RSS: {peak_rss_mb():,.0f} MB")


if __name__ == "__main__":
    main()
