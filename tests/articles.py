"""Generated news articles and whole-database checks for the reliability tests.

Articles: invented people, places and sentences (no copied text),
deterministic for a given seed; every article differs from every other, so
each is a new document. The benchmarks use them too.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

FIRST = ["Mara", "Tobias", "Ines", "Caleb", "Priya", "Otto", "Lucia", "Desmond", "Hana", "Rafael"]
LAST = ["Okafor", "Lindqvist", "Brennan", "Takeda", "Moreau", "Castellanos", "Whitlock", "Novak"]
ROLES = ["the county treasurer", "a spokeswoman for the water board", "the harbor master",
         "a union organizer", "the school superintendent", "a city council member"]
TOPICS = ["the bridge repairs", "the new bus routes", "the library budget", "the flood barrier",
          "the port expansion", "the clinic closure", "the recycling contract"]
QUOTES = [
    "We have been asking for this for years, and we are not going to wait any longer",
    "The numbers do not support what the council decided last night",
    "Every family in this district deserves a straight answer",
    "I think the plan is sound, but the timeline is far too optimistic",
    "Nobody told us the costs would double before the vote",
    "We will publish every document as soon as the review is finished",
]
# Quotes are assembled from parts, so that articles rarely repeat each other's words
# (a corpus where every article quotes the same six sentences is no corpus).
OPENERS = ["We", "The council", "Our office", "Nobody on this board", "The city", "My neighbors",
           "The contractor", "Every department"]
VERBS = ["have asked for", "cannot support", "will publish", "never promised", "still expect",
         "were told nothing about", "have paid twice for", "will not accept"]
OBJECTS = ["a full audit of", "new numbers on", "a public vote on", "an honest timeline for",
           "more money for", "the missing reports on", "a second opinion on"]
MONTHS = ["January", "March", "May", "July", "September", "November"]
FILLER = [
    "The meeting ran for nearly four hours and drew a larger crowd than usual.",
    "Several residents waited in the hallway because the chamber was full.",
    "A final decision is expected before the end of the quarter.",
    "The proposal had been delayed twice since the spring.",
]


def _quote(rng: random.Random, topic: str) -> str:
    return (f"{rng.choice(OPENERS)} {rng.choice(VERBS)} {rng.choice(OBJECTS)} {topic} "
            f"before {rng.choice(MONTHS)} {rng.randint(1, 28)}, and {rng.choice(QUOTES).lower()}")


def article(i: int, rng: random.Random, paragraphs: int = 8) -> str:
    """One article of about ``paragraphs`` paragraphs (roughly 150 words per 2 paragraphs)."""
    topic = rng.choice(TOPICS)
    people = [f"{rng.choice(FIRST)} {rng.choice(LAST)}" for _ in range(3)]
    out = [f"Report {i}: residents of Ward {i % 97} debated {topic} on Tuesday."]
    for p in range(paragraphs):
        who = people[p % len(people)]
        surname = who.split()[-1]
        kind = rng.randrange(4)
        if kind == 0:
            out.append(f"“{_quote(rng, topic)},” said {who}, {rng.choice(ROLES)}.")
        elif kind == 1:
            out.append(f"{who} said the vote on {topic} should wait until item {i}-{p} is "
                       f"reviewed. {rng.choice(FILLER)}")
        elif kind == 2:
            out.append(f"“{_quote(rng, topic)}.” {surname} added that the review of {topic} "
                       "would take weeks.")
        else:
            out.append(f"{rng.choice(FILLER)} {rng.choice(FILLER)}")
    return "\n\n".join(out) + "\n"


def write_corpus(folder: Path, n: int, seed: int = 7, start: int = 0,
                 paragraphs: int = 8) -> list[Path]:
    """``n`` article files ``folder/a00000.txt`` …; returns their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    paths = []
    for i in range(start, start + n):
        path = folder / f"a{i:05d}.txt"
        path.write_text(article(i, rng, paragraphs), encoding="utf-8")
        paths.append(path)
    return paths


def snapshot(db: str) -> dict[str, Any]:
    """Everything a user can list, in a form that compares across databases and runs."""
    from provenance.store import list_merges, list_quotes, list_speakers, open_store, stats

    store = open_store(db)
    try:
        with store.session() as s:
            quotes = [(q.document, q.start, q.end, q.kind, q.text, q.speaker, q.rule,
                       q.confidence, q.source, q.published)
                      for q in list_quotes(s, include_nonspeech=True)]
            speakers = [(sp.name, sp.kind, sp.titles, sp.aliases, sp.quotes, sp.affiliation)
                        for sp in list_speakers(s)]
            merges = [(m.speaker, m.alias, m.score, m.document) for m in list_merges(s)]
            return {"stats": stats(s).model_dump(), "quotes": quotes, "speakers": speakers,
                    "merges": merges}
    finally:
        store.dispose()


def check_invariants(db: str) -> dict[str, int]:
    """Run ``provenance verify`` on ``db`` (it must pass); returns quotes stored per document id.

    verify re-derives document hashes, every span and the audit chain; the
    per-document counts let a test compare a run with a clean one.
    """
    import subprocess
    import sys

    from sqlalchemy import func
    from sqlmodel import select

    from provenance.store import open_store
    from provenance.tables import DocumentRow, QuoteRow

    repo = Path(__file__).resolve().parents[1]
    done = subprocess.run([sys.executable, "-m", "provenance", "verify", "--db", db],
                          cwd=repo, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    store = open_store(db)
    try:
        with store.session() as s:
            per_doc = {d: 0 for d in s.exec(select(DocumentRow.id))}
            per_doc.update(dict(s.exec(select(QuoteRow.document_id, func.count())
                                       .group_by(QuoteRow.document_id)).all()))
    finally:
        store.dispose()
    return per_doc
