"""Conflict flags: what counts as a misquote, a misattribution or a numeric disagreement.

Pure derivation: :func:`cluster_conflicts` reads one cluster's members and
:func:`numeric_conflicts` the quantity claims of one (noun class, event) key,
each returning :class:`~provenance.models.Conflict` records with a confidence
(0–100). Storing them (raise, update, clear, each logged) is
:mod:`provenance.crosscheck`'s; :func:`list_conflicts` reads what is stored.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import re
from functools import lru_cache
from itertools import combinations

from rapidfuzz import fuzz
from sqlmodel import Session, select

from provenance import cluster_members, relations
from provenance.errors import public
from provenance.lexicon import _rows, load
from provenance.models import Conflict, SourceRef
from provenance.names import fold, name_parts
from provenance.tables import ClaimRow, ConflictRow, DocumentRow

CONFLICT_KINDS = ("misquote", "misattribution", "numeric")
SAME_NAME = 85.0  # folded-name ratio (0–100) above which two speaker names are one person
MISATTRIBUTION_MIN_WORDS = relations.STATEMENT_WORDS  # a shorter shared fragment is too generic
CHANGES_CACHE = 8192  # (wording, wording) pairs whose content changes are kept


def word_diff(a: str, b: str) -> str:
    """Word-level diff from ``a`` to ``b``: ``[-removed-]`` and ``{+added+}``."""
    wa, wb = a.split(), b.split()
    out: list[str] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=wa, b=wb, autojunk=False).get_opcodes():
        if op == "equal":
            out += wa[i1:i2]
            continue
        if i2 > i1:
            out.append("[-" + " ".join(wa[i1:i2]) + "-]")
        if j2 > j1:
            out.append("{+" + " ".join(wb[j1:j2]) + "+}")
    return " ".join(out)


def same_person(a: str | None, b: str | None) -> bool:
    """True when two speaker names are one person despite spelling (Newsom/Newson)."""
    if a is None or b is None:
        return False
    if fuzz.ratio(fold(a), fold(b)) >= SAME_NAME:
        return True
    (_, sa), (_, sb) = name_parts(a), name_parts(b)
    return bool(sa) and fuzz.ratio(sa, sb) >= SAME_NAME and (sa in fold(b) or sb in fold(a))


def _where(ref: SourceRef) -> str:
    return ref.source or (ref.path.rsplit("/", 1)[-1] if ref.path else ref.document[:12])


def _at(ref: SourceRef) -> str:
    """Outlet and character range: one document may give the same figure twice."""
    return f"{_where(ref)} [{ref.start}:{ref.end}]"


def _conflict_id(kind: str, refs: list[SourceRef], extra: str = "") -> str:
    """A flag's id within its scope (``crosscheck.scoped_id`` adds the scope) from what
    the flag is about, not from all its evidence: a misquote from its misquoting
    report, a misattribution from its cluster alone, numbers from the claims set
    against each other. A flag whose evidence grows keeps its id, so the change is one
    ``flag.updated`` entry and a reviewer's decisions stay with it."""
    keys = sorted(f"{r.document}:{r.start}:{r.end}" for r in refs)
    return hashlib.sha256(f"{kind}|{extra}|{'|'.join(keys)}".encode()).hexdigest()[:32]


# Extractor rules that find a named speaker in the quote's own sentence; "continuation",
# "same-sentence-speaker", "colon-lead-in" and "previous-paragraph-speaker" carry a
# speaker over from elsewhere, so they are no evidence that a source named this speaker.
EXPLICIT_RULES = frozenset(
    {
        "quote-then-subject-cue",
        "quote-then-cue-subject",
        "quote-then-subject-aside-cue",
        "subject-cue-quote",
        "according-to",
        "speaker-colon",
        "quote-dash-speaker",
        "speaker-dash-quote",
    }
)
MIN_EVIDENCE_WORDS = 4  # a flag never rests on a quote shorter than this
# Similarity (0–100) a misquote needs when only one other document has the wording: one
# report against one at 75–85 was, on real news, the speaker saying it twice differently.
LONE_MISQUOTE_SIMILARITY = 85.0
is_statement = relations.is_statement
# Reports further apart are not about one occasion (numeric, misquote): the same window
# clusters use to keep parts and variants of far-apart reports apart.
WINDOW_DAYS = relations.OCCASION_DAYS


def _words(text: str) -> int:
    return len(relations.normalize(text).split())


def explicit(m: cluster_members.Member) -> bool:
    """Whether the source itself names this speaker next to the quote.

    The extractor rule must find the speaker in the quote's sentence (see
    :data:`EXPLICIT_RULES`, no "+unbalanced" marks), and the mention must be a
    name — its first run of capitalized words (no pronoun, article or title) is
    the resolved speaker's name or its end ("Trump" for Donald Trump) — not "he"
    or "the candidate".
    """
    rule = m.quote.rule
    if "+" in rule or rule not in EXPLICIT_RULES or not m.quote.speaker_text:
        return False
    lex = load()
    skip = set(lex.pronouns) | set(lex.titles) | {"the", "a", "an", "mr", "mrs", "ms", "dr"}
    run: list[str] = []  # the mention's first run of name words
    for w in m.quote.speaker_text.split():
        word = w.strip(".,’'")
        if word[:1].isupper() and word.lower() not in skip:
            run.append(word)
            if w.endswith(","):
                break
        elif run:
            break
    # The mention must name the speaker it was resolved to: "Trump" for Donald Trump,
    # not "Morton Blackwell, …, from Virginia" for West Virginia.
    name, first = fold(m.speaker or ""), fold(" ".join(run))
    return bool(first) and (
        first == name or name.endswith(" " + first) or first.endswith(" " + name)
    )


def _days(
    a: cluster_members.Member | DocumentRow, b: cluster_members.Member | DocumentRow
) -> int | None:
    da = a.doc.published if isinstance(a, cluster_members.Member) else a.published
    db = b.doc.published if isinstance(b, cluster_members.Member) else b.published
    return None if da is None or db is None else abs((da - db).days)


_BRACKETED = re.compile(r"\[[^\]]*\]")  # an editor's insertion: "he [Trump] is"
POSSESSIVE = re.compile(r"(\w)[’']s?(?=\W|$)")  # "ISIS’s" and "ISIS’" alike


@lru_cache(maxsize=1)
def _contractions() -> dict[str, list[str]]:
    """Normalized contracted form -> its words (``flag_words.tsv`` class ``contraction``)."""
    return {
        relations.normalize(r[0]): r[2].split()
        for r in _rows("flag_words.tsv")
        if len(r) > 2 and r[1] == "contraction"
    }


def _diff_words(text: str) -> list[str]:
    """Normalized words with each ellipsis kept as one "…" word (where a cut was marked),
    an editor's bracketed insertion dropped, possessives and contractions spelt out."""
    text = _BRACKETED.sub(" ", text)
    text = POSSESSIVE.sub(lambda m: m.group(1), text) if "s" in text else text
    expand = _contractions()
    parts = [
        " ".join(w for t in relations.normalize(p).split() for w in expand.get(t, [t]))
        for p in relations._ELLIPSIS.split(text)
    ]
    out: list[str] = []
    for i, part in enumerate(parts):
        if i:
            out.append("…")
        out += part.split()
    return out


def content_changes(a: str, b: str) -> list[str]:
    """Content words that differ between two wordings of one statement.

    Not changes: case and punctuation (normalized away), words dropped where the
    shorter wording marks a cut with an ellipsis, words one wording has before or
    after all of the other's (a quote that starts or stops later), a dropped repetition ("no, no,
    no" / "no"), and function words (``flag_words.tsv`` class ``function``).
    """
    return [w for w, _ in _changes(a, b)]


@lru_cache(maxsize=CHANGES_CACHE)
def _changes(a: str, b: str) -> tuple[tuple[str, bool], ...]:
    """The content changes of :func:`content_changes` from ``a`` to ``b``, in order, each
    as (word, whether ``b`` added it rather than dropped it).

    Kept for the last :data:`CHANGES_CACHE` pairs: an incremental update re-checks every
    member of a cluster it touches, and a much-reported cluster repeats its wordings."""
    wa, wb = _diff_words(a), _diff_words(b)
    function = relations.flag_words().get("function", frozenset())
    changed: list[tuple[str, bool]] = []
    ops = difflib.SequenceMatcher(a=wa, b=wb, autojunk=False).get_opcodes()
    for n, (op, i1, i2, j1, j2) in enumerate(ops):
        if op == "equal":
            continue
        if op in ("delete", "insert") and n in (0, len(ops) - 1):
            continue  # one report starts or stops quoting later: a cut, not a change
        removed, added = wa[i1:i2], wb[j1:j2]
        if "…" in added or ("…" in wb[max(0, j1 - 1) : j1 + 1] and not added):
            continue  # b marks the cut
        if "…" in removed or ("…" in wa[max(0, i1 - 1) : i1 + 1] and not removed):
            continue  # a marks the cut
        if (not added and _repeated(removed, wa, i1, i2)) or (
            not removed and _repeated(added, wb, j1, j2)
        ):
            continue
        changed += [(w, False) for w in removed if w not in function]
        changed += [(w, True) for w in added if w not in function]
    return tuple(changed)


def _repeated(words: list[str], seq: list[str], i1: int, i2: int) -> bool:
    """Whether ``seq[i1:i2]`` (== ``words``) only repeats the words next to it."""
    n = len(words)
    return set(words) <= set(seq[max(0, i1 - n) : i1] + seq[i2 : i2 + n])


# An opening mark inside a quote: “ or " anywhere, ‘ or ' before a word and after a
# space or bracket (an apostrophe sits inside or at the end of a word, never here).
_INNER_QUOTE = re.compile(r"[“\"]|(?:^|[\s(—–-])[‘']\w")


def _quotes_inside(a: cluster_members.Member, b: cluster_members.Member) -> bool:
    """Whether the longer of two quotes marks quoted words inside it: its speaker is
    quoting someone ("… Trump tweeted, quoting Comey"), not saying the shorter's words."""
    longer = a if len(a.norm) >= len(b.norm) else b
    return bool(_INNER_QUOTE.search(longer.quote.text.strip(" “”‘’\"'")))


CONTAINED_SHARE = 0.8  # of the shorter quote's words, in one run inside the longer


def _contained(a: str, b: str) -> bool:
    """Whether the shorter of two normalized quotes is, word for word, inside the longer:
    one run of at least :data:`MISATTRIBUTION_MIN_WORDS` words covering
    :data:`CONTAINED_SHARE` of it. "Not going to go into that" and "not going to go into
    what my campaign is doing" share five words of a stock phrase, not a statement."""
    wa, wb = a.split(), b.split()
    short, long = (wa, wb) if len(wa) <= len(wb) else (wb, wa)
    run = difflib.SequenceMatcher(a=short, b=long, autojunk=False).find_longest_match().size
    return run >= MISATTRIBUTION_MIN_WORDS and run >= CONTAINED_SHARE * len(short)


def _maybe_same(a: cluster_members.Member, b: cluster_members.Member) -> bool:
    """One speaker for a misquote: the same person, or one side's speaker unknown (the
    cluster already holds the two as one statement; an unresolved speaker is no
    evidence of another one)."""
    return a.speaker is None or b.speaker is None or same_person(a.speaker, b.speaker)


def misquote_confidence(
    m: cluster_members.Member, agree: list[cluster_members.Member], similarity: float
) -> float:
    """0–100: 40, +20 when both attributions are explicit (:func:`explicit`), +10 per
    further document agreeing on the other wording (at most +20), +20 when the two
    wordings are ≥ 85/100 similar (clearly one statement, changed in a few words)."""
    score = 40.0
    if explicit(m) and any(explicit(a) for a in agree):
        score += 20
    score += min(20, 10 * (len({a.doc.id for a in agree}) - 1))
    if similarity >= 85:
        score += 20
    return score


def misattribution_confidence(
    ga: list[cluster_members.Member], gb: list[cluster_members.Member], same: bool, words: int
) -> float:
    """0–100: 40, +20 when the shared words are the whole quote on both sides (not a
    part of a longer one), +2 per word beyond six (at most +20), +10 when both
    speakers are named with at least two words, +10 when both sides are published
    within :data:`WINDOW_DAYS` days of each other."""
    score = 40.0 + (20 if same else 0) + min(20, 2 * max(0, words - MISATTRIBUTION_MIN_WORDS))
    if all(len((g[0].speaker or "").split()) >= 2 for g in (ga, gb)):
        score += 10
    days = [_days(a, b) for a in ga for b in gb]
    if any(d is not None and d <= WINDOW_DAYS for d in days):
        score += 10
    return score


def cluster_conflicts(ms: list[cluster_members.Member]) -> list[Conflict]:
    """Misquotes and misattributions inside one cluster.

    A misquote is a member by the canonical wording's speaker (or with either speaker
    unresolved), from another document, at least :data:`relations.VARIANT` similar to it
    (less is another statement), not a part of it (a fragment), and differing in
    content words (:func:`content_changes`) that it both drops and puts in (a swap or
    a substitution, not only a cut or an addition), from a document that does not itself
    report the speaker saying it in two wordings; when a single other document has
    the canonical wording, ≥ :data:`LONE_MISQUOTE_SIMILARITY`.
    A misattribution is two or more groups of members — different people by name and
    by speaker id — each explicitly attributed (:func:`explicit`), sharing a statement
    (:func:`is_statement`) with another group: the same wording, or one inside the
    other word for word (:func:`_contained`). One flag per cluster lists every such
    group (its score the highest of its pairs'); for two groups it is the pair's flag.
    Quotes under :data:`MIN_EVIDENCE_WORDS` words never take part.
    """
    ms = [m for m in ms if _words(m.quote.text) >= MIN_EVIDENCE_WORDS]
    if len(ms) < 2:
        return []
    best = cluster_members.canonical(ms)
    agree = [m for m in ms if m.norm == best.norm]
    out: list[Conflict] = []
    # Documents reporting the canonical speaker saying this in two or more wordings:
    # the speaker repeated the line ("the same phrasing three times"), so another
    # wording elsewhere may be another repetition, not a misquote.
    wordings: dict[str, set[str]] = {}
    for m in ms:
        if _maybe_same(m, best):
            wordings.setdefault(m.doc.id, set()).add(m.norm)
    repeated = {d for d, ws in wordings.items() if len(ws) > 1}
    # Many members share a wording (one statement reported by many outlets).
    norms = list(dict.fromkeys(m.norm for m in ms))
    to_best = dict(zip(norms, relations.relations_to(norms, best.norm), strict=True))
    for m in ms:
        if m.norm == best.norm or m.doc.id in repeated:
            continue
        rel, score = to_best[m.norm]
        # A fragment is a part of the statement, not a change to it; under VARIANT the
        # two are other statements (which a correct cluster does not hold anyway).
        if rel == "fragment" or score < relations.VARIANT or not _maybe_same(m, best):
            continue
        if {added for _, added in _changes(best.quote.text, m.quote.text)} != {False, True}:
            # Words only left out (a cut without an ellipsis) or only added (an
            # ad-lib on a prepared text, a second answer in the same interview: "I
            # meant exactly that" / "No, I meant …"): not one wording changed.
            continue
        # Cross-source only: one article repeating a line differently is not two reports.
        sided = [
            a
            for a in agree
            if _maybe_same(a, m) and a.doc.id != m.doc.id and a.doc.id not in repeated
        ]
        if not sided:
            continue
        if len({a.doc.id for a in sided}) < 2 and score < LONE_MISQUOTE_SIMILARITY:
            continue  # one report against one, in rather different words: two utterances
        refs = [cluster_members.source_ref(m, "variant", round(score, 1))] + [
            cluster_members.source_ref(a) for a in sided
        ]
        diff = word_diff(best.quote.text.strip(" ,."), m.quote.text.strip(" ,."))
        others = ", ".join(sorted({_where(r) for r in refs[1:]}))
        out.append(
            Conflict(
                # The misquoting report names the flag: another outlet agreeing with the
                # canonical wording updates it (its review history stays with it).
                id=_conflict_id("misquote", refs[:1]),
                kind="misquote",
                score=misquote_confidence(m, sided, score),
                explanation=(
                    f"{_where(refs[0])} quotes {m.speaker} as “{m.quote.text.strip(' ,')}” "
                    f"but {others} {'has' if len(refs) == 2 else 'have'} "
                    f"“{best.quote.text.strip(' ,')}” ({score:.0f}/100 similar)."
                ),
                records=refs,
                diff=diff,
            )
        )
    # Misattribution: one statement, two people, each named by its source.
    said = [
        m
        for m in ms
        if m.speaker
        and m.speaker_kind in (None, "person")
        and explicit(m)
        and is_statement(m.quote.text)
    ]
    groups: list[list[cluster_members.Member]] = []
    for m in said:
        group = next(
            (
                g
                for g in groups
                if g[0].quote.speaker_id == m.quote.speaker_id
                or same_person(g[0].speaker, m.speaker)
            ),
            None,
        )
        if group is None:
            groups.append([m])
        else:
            group.append(m)
    # relation() of each wording of a group to the wordings of the groups after it, a
    # row per wording: a group pair per call cost a call per pair of people, and a
    # much-reported statement is said by many.
    related: list[dict[str, dict[str, str]]] = []
    for i, ga in enumerate(groups):
        later = list(dict.fromkeys(b.norm for gb in groups[i + 1 :] for b in gb))
        unsaid = [False] * len(later)
        rows: dict[str, dict[str, str]] = {}
        for a in ga:
            if a.norm not in rows:
                rows[a.norm] = {
                    later[j]: rel for j, rel, _ in relations.relation_hits(a.norm, later, unsaid)
                }
        related.append(rows)
    # One flag for the statement, listing every person it is given to who shares it
    # with another: a line given to five people is one question for a fact-checker (whose
    # words are these?), not ten flags, one per pair of them.
    scores: list[float] = []
    sides: set[int] = set()
    for (i, ga), (j, gb) in combinations(enumerate(groups), 2):
        rows = related[i]
        shared = [
            (rel, a, b)
            for a in ga
            for b in gb
            if (rel := rows[a.norm].get(b.norm)) is not None
            and a.doc.id != b.doc.id
            and (
                rel == "same"
                or (rel == "fragment" and not _quotes_inside(a, b) and _contained(a.norm, b.norm))
            )
        ]
        if not shared:
            continue
        whole = any(rel == "same" for rel, _, _ in shared)
        words = max(min(_words(a.quote.text), _words(b.quote.text)) for _, a, b in shared)
        scores.append(misattribution_confidence(ga, gb, whole, words))
        sides |= {i, j}
    if sides:
        given = [groups[k] for k in sorted(sides)]
        refs_of = [[cluster_members.source_ref(m) for m in g] for g in given]
        refs = [r for rs in refs_of for r in rs]
        parts = [
            f"to {g[0].speaker} by {', '.join(sorted({_where(r) for r in rs}))}"
            for g, rs in zip(given, refs_of, strict=True)
        ]
        out.append(
            Conflict(
                # One per cluster (its scope): a further report or person updates it.
                id=_conflict_id("misattribution", []),
                kind="misattribution",
                score=max(scores),
                explanation=(
                    f"The same words “{best.quote.text.strip(' ,')}” are attributed "
                    f"{', '.join(parts[:-1])} and {parts[-1]}."
                ),
                records=refs,
            )
        )
    return out


def _claim_ref(c: ClaimRow, doc: DocumentRow) -> SourceRef:
    return SourceRef(
        document=c.document_id,
        source=doc.source,
        path=doc.path,
        published=doc.published,
        start=c.start,
        end=c.end,
        text=c.text,
        speaker=c.speaker,
        quote_id=None,
        relation="claim",
    )


def _range(c: ClaimRow) -> str:
    if c.high is None:
        return f"{c.low:g} or more"
    return f"{c.low:g}" if c.low == c.high else f"{c.low:g}–{c.high:g}"


Occasion = tuple[frozenset[str], frozenset[str]]


def occasion_of(c: ClaimRow) -> Occasion:
    """(weekdays, places) a claim's sentence names, parsed from their JSON columns."""
    return frozenset(json.loads(c.days)), frozenset(json.loads(c.places))


def _same_occasion(a: Occasion, b: Occasion) -> bool:
    """False when both name days (or places) and none are shared."""
    return all(not (xa and xb) or bool(xa & xb) for xa, xb in zip(a, b, strict=True))


_NAME_RUN = re.compile(r"[A-Z][\w’'-]+(?:[ \t]+(?:of[ \t]+|de[ \t]+)?[A-Z][\w’'-]+)*")
STORY_MIN_SHARED = 2
"""Proper names two documents must share to be reports of one story."""


@lru_cache(maxsize=4096)
def story_keys(text: str) -> frozenset[str]:
    """Proper names (maximal capitalised runs, folded) a document mentions.

    A sentence-initial single word ("Police", "Thousands") is not a name; an
    all-capitals dateline ("RIVERTON —") is. Two documents about different
    events rarely share two such names; two reports of one event nearly always do.
    """
    stop = {w.lower() for w in load().name_stopwords}
    keys = set()
    for m in _NAME_RUN.finditer(text):
        run = m.group()
        before = text[max(0, m.start() - 2) : m.start()]
        initial = m.start() == 0 or before.endswith(("\n", ". ", "! ", "? ", "“", '"'))
        words = run.split()
        if len(words) == 1 and (
            (initial and not run.isupper()) or run.lower() in stop or len(run) < 3
        ):
            continue
        keys.add(fold(run))
    return frozenset(keys)


def different_stories(a: DocumentRow, b: DocumentRow) -> bool:
    """Whether two documents name enough places and people to tell they report other events.

    Both must name at least :data:`STORY_MIN_SHARED` proper names and share fewer; a
    short text naming none cannot be told apart and stays comparable.
    """
    ka, kb = story_keys(a.text), story_keys(b.text)
    return min(len(ka), len(kb)) >= STORY_MIN_SHARED and len(ka & kb) < STORY_MIN_SHARED


def same_event_docs(
    a: DocumentRow, b: DocumentRow, places_shared: bool, window_days: int = WINDOW_DAYS
) -> bool:
    """Whether two documents can report one event.

    The claims must name a common place or proper name (``places_shared``: news of
    one week mentions many past events in passing). Both dates known: published at
    most ``window_days`` apart and not :func:`different_stories`. A date unknown:
    the documents must share at least :data:`STORY_MIN_SHARED` proper names
    (participants).
    ``places_shared``: the two claims' sentences name a common place or proper name.
    """
    if not places_shared:
        return False  # "49 killed in Orlando" and "130 killed in Paris" in one week's news
    days = _days(a, b)
    if days is not None:
        return days <= window_days and not different_stories(a, b)
    return len(story_keys(a.text) & story_keys(b.text)) >= STORY_MIN_SHARED


def numeric_confidence(lo: ClaimRow, hi: ClaimRow, a: DocumentRow, b: DocumentRow) -> float:
    """0–100: 40, +20 × how far apart the figures are (1 − low side's top / high side's
    bottom), +20 when both dates are known and within :data:`WINDOW_DAYS`, +10 when the
    claims name a shared place, +10 when neither figure is hedged ("about", "at least")."""
    score = 40.0
    if hi.low:
        score += 20 * (1 - (lo.high or 0) / hi.low)
    days = _days(a, b)
    if days is not None and days <= WINDOW_DAYS:
        score += 20
    if set(json.loads(lo.places)) & set(json.loads(hi.places)):
        score += 10
    if lo.low == lo.high and hi.low == hi.high:
        score += 10
    return round(score, 1)


def numeric_conflicts(
    rows: list[ClaimRow], docs: dict[str, DocumentRow], window_days: int = WINDOW_DAYS
) -> list[Conflict]:
    """Claims from different documents whose ranges for one thing on one event do not overlap.

    Compared only: one counted-noun class and event (the caller's key), one unit,
    the same occasion (:func:`_same_occasion`) and documents that can report one
    event (:func:`same_event_docs`). One flag per pair of disagreeing ranges,
    holding every claim on either side (two outlets saying eight against one
    saying 14 is one flag, not two); its score is the highest pair confidence.
    """
    sides: dict[
        tuple[tuple[float, float | None], tuple[float, float | None]],
        tuple[dict[str, ClaimRow], dict[str, ClaimRow], list[float]],
    ] = {}
    occasions = {c.id: occasion_of(c) for c in rows}  # parsed once, not once per pair
    for a, b in combinations(rows, 2):
        if (
            a.document_id == b.document_id
            or a.unit != b.unit
            or not _same_occasion(occasions[a.id], occasions[b.id])
        ):
            continue
        lo, hi = (a, b) if (a.high if a.high is not None else float("inf")) < b.low else (b, a)
        if lo.high is None or lo.high >= hi.low:
            continue  # ranges overlap: compatible figures
        doc_a, doc_b = docs[a.document_id], docs[b.document_id]
        # A place both claims name: a place word ("downtown") or a proper name in both
        # sentences ("… to Riverton"). A shared weekday is not enough: one week's news
        # says "Friday" of the Nice attack and of a visit to Orlando.
        shared_place = bool(occasions[a.id][1] & occasions[b.id][1]) or bool(
            story_keys(a.text) & story_keys(b.text)
        )
        if not same_event_docs(doc_a, doc_b, shared_place, window_days):
            continue
        low_side, high_side, scores = sides.setdefault(
            ((lo.low, lo.high), (hi.low, hi.high)), ({}, {}, [])
        )
        low_side[lo.id], high_side[hi.id] = lo, hi
        scores.append(numeric_confidence(lo, hi, doc_a, doc_b))
    out = []
    for low_side, high_side, scores in sides.values():
        los, his = list(low_side.values()), list(high_side.values())
        refs = [_claim_ref(c, docs[c.document_id]) for c in los + his]
        first = his[0]
        out.append(
            Conflict(
                id=_conflict_id("numeric", refs),
                kind="numeric",
                score=max(scores),
                explanation=(
                    f"{_side(los, refs[: len(los)])} but {_side(his, refs[len(los) :])} "
                    f"about the same thing ({first.noun_class}, {first.event}); "
                    "the ranges do not overlap."
                ),
                records=refs,
            )
        )
    return out


def _side(claims: list[ClaimRow], refs: list[SourceRef]) -> str:
    """ "A [0:9] and B [5:20] say “eight people” (8)" for claims sharing one range."""
    where = ", ".join(_at(r) for r in refs)
    said = " / ".join(dict.fromkeys(f"“{c.quantity_text} {c.noun}”" for c in claims))
    verb = "says" if len(refs) == 1 else "say"
    return f"{where} {verb} {said} ({_range(claims[0])})"


@public
def list_conflicts(
    session: Session, kind: str | None = None, min_score: float = 0.0
) -> list[Conflict]:
    """Stored flags, most confident first; ``kind`` is misquote, misattribution or numeric.

    ``min_score`` (0–100) keeps flags whose confidence is at least that.
    """
    stmt = select(ConflictRow).where(ConflictRow.score >= min_score)
    if kind is not None:
        stmt = stmt.where(ConflictRow.kind == kind)
    out = []
    for r in session.exec(stmt):
        explanation, _, diff = r.explanation.partition("\n")
        out.append(
            Conflict(
                id=r.id,
                kind=r.kind,
                score=r.score,
                explanation=explanation,
                diff=diff or None,
                records=[SourceRef(**x) for x in json.loads(r.records)],
            )
        )
    out.sort(key=lambda c: (-c.score, c.kind, c.id))
    return out
