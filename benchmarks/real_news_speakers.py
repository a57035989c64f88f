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
"""

from __future__ import annotations

import json
import sqlite3
from collections import Counter, defaultdict
from pathlib import Path

from provenance.lexicon import load, word_class
from provenance.speakers import first_names_agree, fold, name_gender, name_parts, typo_level

EXAMPLES = 6


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
    return out
