"""Section ``speakers`` of ``benchmarks/real_news.py``: who the archive thinks is speaking.

Prints, from the database an archive ingest made (issue 13's figures):

- surplus person rows: rows beyond the first that share one folded name;
- surname-only rows whose full name the archive knows (another person row with
  two or more words and the same surname);
- contradicting merges: a merge whose alias and speaker have different surnames
  (beyond a typo: one edit, same first letter, five letters or more) or first
  names that contradict (neither an initial of, equal to, nor a nickname of the other);
- junk names: a name starting with a function word, verb form or adverb, a
  headline-like name (four name words or more), a name holding a stop word;
- empty names;
- pronoun-gender disagreements: quotes whose speaker mention is "he"/"she" while
  the speaker's titles or known first name say the other gender.

Each figure comes with up to a few examples, so that a change can be read in context.
Then the judged share of right speakers from :data:`JUDGEMENTS`, per speaker.

Usage::

    python -m benchmarks.real_news --workdir /tmp/rn-audit --sections ingest,speakers
    python -m benchmarks.real_news_speakers DB_URL --sample "Donald Trump" [--n 25] [--seed 13]

``--sample`` draws the records a person judges (:func:`draw`): the records of
``kind != nonspeech`` stored under speakers of exactly that name, in (document url,
start, end) order, ``random.Random(seed).sample`` of ``n`` of them; it prints each
as a judgement line (no label yet) and the article text around it, for the
terminal only: PolNeAR text never goes into the repository.
"""

from __future__ import annotations

import argparse
import json
import random
import sqlite3
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from provenance.lexicon import load, word_class
from provenance.names import first_names_agree, fold, name_gender, name_parts, typo_level

EXAMPLES = 6
JUDGEMENTS = Path(__file__).resolve().parents[1] / "data" / "judgements" / "speakers.jsonl"


def junk_reason(name: str) -> str | None:
    """Why ``name`` is not a person's name, or None.

    A function word, cue verb or headline verb opening it ("Although Rubio", "Endorsed
    Trump", "According"), a stop word inside it, an inflected cue verb closing it
    ("Putin Remarks"), or four name words or more not starting with a known first
    name ("Trump Addresses Munich Attack"; initials, particles and "Jr." not counted).
    """
    lex = load()
    words = name.split()
    if not words:
        return "empty"
    first = words[0].lower().strip(".,")
    function = (
        lex.words("conjunction")
        | lex.words("finite")
        | lex.words("relative")
        | word_class("determiner")
        | word_class("connector")
        | lex.words("headline_verb")
    )
    if first not in lex.first_names and (
        first in function or first in lex.cue_forms or first == "according"
    ):
        return f"starts with {words[0]!r}"
    stop = [w for w in words if w.removesuffix("’s").removesuffix("'s") in lex.name_stopwords]
    if stop:
        return f"stop word {stop[0]!r}"
    last = words[-1].lower()
    if len(words) > 1 and last in lex.cue_forms and last.endswith(("s", "ed")):
        return f"ends with cue verb {words[-1]!r}"
    particles = word_class("name_particle")
    core = [
        w
        for w in words
        if w.lower() not in particles
        and w.lower().rstrip(".") not in particles
        and len(w.rstrip(".")) > 1
    ]
    if len(core) >= 4 and core[0].lower() not in lex.first_names:
        return "headline-like"
    return None


def report(db_url: str, archive: Path) -> list[str]:
    db = db_url.removeprefix("sqlite:///")
    con = sqlite3.connect(db)
    persons = con.execute("select id, name, titles from speakers where kind = 'person'").fetchall()
    out: list[str] = []

    by_name: dict[str, list[int]] = defaultdict(list)
    for sid, name, _ in persons:
        by_name[fold(name)].append(sid)
    surplus = {k: len(v) - 1 for k, v in by_name.items() if len(v) > 1}
    out.append(
        f"person rows: {len(persons)}; surplus rows sharing one name: "
        f"{sum(surplus.values())} over {len(surplus)} names"
    )
    for k, n in Counter(surplus).most_common(EXAMPLES):
        out.append(f"  {k!r}: {n + 1} rows")

    full_by_surname: dict[str, set[str]] = defaultdict(set)
    for _, name, _ in persons:
        first, last = name_parts(name)
        if first:
            full_by_surname[last].add(name)
    only = [
        (sid, name)
        for sid, name, _ in persons
        if name_parts(name)[0] is None and full_by_surname.get(name_parts(name)[1])
    ]
    out.append(f"surname-only rows whose full name the archive knows: {len(only)}")
    for sid, name in only[:EXAMPLES]:
        known = sorted(full_by_surname[name_parts(name)[1]])[:3]
        out.append(f"  #{sid} {name!r} ~ {known}")

    names = {sid: name for sid, name, _ in con.execute("select id, name, kind from speakers")}
    kinds = dict(con.execute("select id, kind from speakers").fetchall())
    bad_merges = []
    typo_merges = []
    for sid, alias, evidence in con.execute("select speaker_id, alias, evidence from merges"):
        if kinds.get(sid) != "person":
            continue
        (af, al), (sf, sl) = name_parts(alias), name_parts(names[sid])
        if al != sl:
            if typo_level(al, sl):
                typo_merges.append((alias, names[sid]))
            else:
                bad_merges.append((alias, names[sid], "surname", evidence))
                continue
        if af and sf and not first_names_agree(af, sf):
            bad_merges.append((alias, names[sid], "first name", evidence))
    out.append(
        f"merges: {con.execute('select count(*) from merges').fetchone()[0]}; "
        f"contradicting (surname or first name): {len(bad_merges)}; "
        f"typo-level surname merges: {len(typo_merges)}"
    )
    for alias, name, why, evidence in bad_merges[:EXAMPLES]:
        out.append(f"  {alias!r} -> {name!r} ({why}; {evidence})")
    for alias, name in Counter(typo_merges).most_common(EXAMPLES):
        out.append(f"  typo-level: {alias!r} -> {name!r}")

    junk = [(sid, name, junk_reason(name)) for sid, name, _ in persons]
    junk = [j for j in junk if j[2] and j[2] != "empty"]
    empty = con.execute("select count(*) from speakers where trim(name) = ''").fetchone()[0]
    out.append(f"junk person names: {len(junk)}; empty names: {empty}")
    for sid, name, why in junk[: EXAMPLES * 2]:
        out.append(f"  #{sid} {name!r}: {why}")

    lex = load()
    gender: dict[int, str] = {}
    for sid, name, titles in persons:
        g = name_gender(name)
        if g == "-":
            tg = {lex.titles.get(t.lower(), "-") for t in json.loads(titles)} - {"-"}
            g = tg.pop() if len(tg) == 1 else "-"
        gender[sid] = g
    disagree = []
    for qid, sid, mention in con.execute(
        "select id, speaker_id, speaker_text from quotes where lower(speaker_text) in ('he', 'she')"
    ):
        want = lex.pronouns[mention.lower()][0]
        if gender.get(sid, "-") not in ("-", want):
            disagree.append((qid, mention, names[sid]))
    out.append(f"pronoun-gender disagreements: {len(disagree)}")
    for (mention, name), n in Counter((m, s) for _, m, s in disagree).most_common(EXAMPLES):
        out.append(f"  {mention!r} -> {name!r}: {n}")
    for query in ("Trump", "Clinton", "Obama"):
        rows = [name for _, name, _ in persons if name_parts(name)[1] == fold(query)]
        out.append(
            f"rows with surname {query}: {len(rows)} "
            f"({', '.join(repr(n) for n, _ in Counter(rows).most_common(5))})"
        )
    con.close()
    out.extend(judged())
    return out


def judged(path: Path = JUDGEMENTS) -> list[str]:
    """The judged share of right speakers per speaker credited, of right speaker and
    content span, and the wrong speakers by cause (``error``)."""
    if not path.exists():
        return []
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    tally: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for j in rows:
        tally[j["credited_to"]][0] += j["label"] == "right"
        tally[j["credited_to"]][1] += 1
    right = sum(j["label"] == "right" for j in rows)
    both = sum(j["label"] == "right" and j.get("span") == "right" for j in rows)
    causes = Counter(j.get("error", "?") for j in rows if j["label"] != "right")
    parts = ", ".join(f"{name} {r}/{n}" for name, (r, n) in sorted(tally.items()))
    n = max(len(rows), 1)
    return [
        f"judged right speaker ({path.name}): {parts} ({right / n:.2f}); "
        f"right speaker and span: {both}/{len(rows)} ({both / n:.2f})",
        "  wrong speakers by cause: " + ", ".join(f"{k} {v}" for k, v in causes.most_common()),
    ]


def draw(db_url: str, speaker: str, n: int = 25, seed: int = 13) -> list[dict[str, Any]]:
    """A seeded random ``n`` of the records credited to ``speaker`` (not nonspeech).

    Ordered by (document url, start, end) before sampling, so that the same database
    content draws the same records whatever the row ids.
    """
    con = sqlite3.connect(db_url.removeprefix("sqlite:///"))
    rows = con.execute(
        "select d.url, q.start, q.end, q.speaker_start, q.speaker_end, q.kind "
        "from quotes q join speakers s on s.id = q.speaker_id "
        "join documents d on d.id = q.document_id "
        "where s.name = ? and q.kind != 'nonspeech' order by d.url, q.start, q.end",
        (speaker,),
    ).fetchall()
    con.close()
    chosen = random.Random(seed).sample(rows, min(n, len(rows)))
    return [
        {
            "file": str(url).removeprefix("polnear:"),
            "start": start,
            "end": end,
            "speaker_start": s_start,
            "speaker_end": s_end,
            "kind": kind,
            "credited_to": speaker,
        }
        for url, start, end, s_start, s_end, kind in chosen
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("db_url")
    parser.add_argument(
        "--archive", type=Path, default=Path("/tmp/rn-audit/polnear-train-dev.jsonl")
    )
    parser.add_argument("--sample", metavar="SPEAKER", default=None)
    parser.add_argument("--n", type=int, default=25)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--width", type=int, default=400, help="context characters per side")
    args = parser.parse_args()
    if not args.sample:
        print("\n".join(report(args.db_url, args.archive)))
        return 0
    texts = {}
    for line in args.archive.open(encoding="utf-8"):
        record = json.loads(line)
        texts[record["url"].removeprefix("polnear:")] = record["text"]
    for rec in draw(args.db_url, args.sample, args.n, args.seed):
        text = texts.get(rec["file"], "")
        start, end, ss, se = rec["start"], rec["end"], rec["speaker_start"], rec["speaker_end"]
        print("=" * 100)
        print(json.dumps(rec))
        mention = text[ss:se] if ss is not None and se is not None else None
        print(f"mention: {mention!r}")
        before = text[max(0, start - args.width) : start]
        print(f"…{before}>>>{text[start:end]}<<<{text[end : end + args.width]}…")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
