"""Lexicons (cue verbs, titles, pronouns, speaker nouns) loaded once from data files.

The files live in the repository's ``data/lexicons/`` and are packaged into the
wheel as ``provenance/_data/lexicons/``; lines starting with ``#`` are comments.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from provenance.errors import LexiconError


def data_dir() -> Path:
    """The folder holding ``lexicons/`` and ``samples/`` (installed or source tree)."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "_data", here.parent / "data"):
        if (candidate / "lexicons").is_dir():
            return candidate
    raise LexiconError(f"no lexicon folder found beside {here}")


def _rows(name: str) -> list[list[str]]:
    path = data_dir() / "lexicons" / name
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise LexiconError(f"{path}: {exc.strerror}") from exc
    return [ln.split("\t") for ln in lines if ln.strip() and not ln.startswith("#")]


PARTICLES = frozenset({"back", "on", "it"})
"""Complements of ``cues.tsv`` that are a particle: the verb is a cue only with it right
after ("shot back", "went on", "as one voter put it"), and it reports no clause of its own
(the quotation is it)."""


@dataclass(frozen=True)
class Cue:
    lemma: str
    frame: str  # speech | written | cognition | describe
    complement: str = "clause"  # clause | object (tell X) | of (accuse X of) | none | a particle


@dataclass(frozen=True)
class Lexicon:
    cue_forms: dict[str, Cue]
    multiword_cues: dict[str, tuple[str, str]]  # phrase -> (frame, source position)
    titles: dict[str, str]  # lower-case title -> gender (m, f, -)
    pronouns: dict[str, tuple[str, str]]  # pronoun -> (gender, number)
    speaker_nouns: dict[str, str]  # noun -> kind
    abbreviations: frozenset[str]
    number_abbreviations: frozenset[str]  # abbreviations only before a number ("No. 5")
    name_stopwords: frozenset[str]
    first_names: dict[str, str] = field(default_factory=dict)  # lower-case -> gender (m, f)
    nicknames: dict[str, frozenset[str]] = field(default_factory=dict)  # name -> its other forms
    word_classes: dict[str, frozenset[str]] = field(default_factory=dict)
    max_title_words: int = field(default=3)
    title_ends: frozenset[str] = field(default_factory=frozenset)  # last word of each title
    # cue lemma -> word patterns after it that report no statement ("*": a few words)
    no_statement: dict[str, tuple[tuple[str, ...], ...]] = field(default_factory=dict)

    @functools.cached_property
    def source_after(self) -> dict[str, tuple[tuple[str, ...], ...]]:
        """First word -> the word tuples of multi-word cues starting with it (longest first)."""
        out: dict[str, list[tuple[str, ...]]] = {}
        for phrase in self.multiword_cues:
            words = tuple(phrase.split())
            out.setdefault(words[0], []).append(words)
        return {k: tuple(sorted(v, key=len, reverse=True)) for k, v in out.items()}

    def words(self, word_class: str) -> frozenset[str]:
        """Lower-case words of one class of ``grammar.tsv``.

        An unknown class is an error, not an empty set: a misspelt class name
        would otherwise silently switch a rule off.
        """
        try:
            return self.word_classes[word_class]
        except KeyError:
            raise LexiconError(f"grammar.tsv has no word class {word_class!r}") from None


@cache
def load() -> Lexicon:
    """All lexicons, read from disk once per process."""
    cue_forms: dict[str, Cue] = {}
    for row in _rows("cues.tsv"):
        if len(row) not in (3, 4):
            raise LexiconError(f"cues.tsv: expected 3 or 4 columns, got {row!r}")
        lemma, forms, frame = row[:3]
        complement = row[3] if len(row) == 4 else "clause"
        for form in forms.split():
            cue_forms.setdefault(form.lower(), Cue(lemma, frame, complement))
    multi = {}
    for row in _rows("multiword_cues.tsv"):
        if len(row) != 3 or row[2] != "after":
            raise LexiconError(f"multiword_cues.tsv: expected phrase, frame, 'after'; got {row!r}")
        multi[row[0].lower()] = (row[1], row[2])
    titles = {row[0].lower(): (row[1] if len(row) > 1 else "-") for row in _rows("titles.tsv")}
    pronouns = {row[0].lower(): (row[1], row[2]) for row in _rows("pronouns.tsv")}
    nouns = {row[0].lower(): row[1] for row in _rows("speaker_nouns.tsv")}
    abbreviation_rows = _rows("abbreviations.txt")
    abbreviations = frozenset(row[0].lower() for row in abbreviation_rows if len(row) == 1)
    number_abbreviations = frozenset(row[0].lower() for row in abbreviation_rows if len(row) > 1)
    stop = frozenset(row[0] for row in _rows("name_stopwords.txt"))
    nick: dict[str, set[str]] = {}
    for row in _rows("nicknames.tsv"):
        spellings = [row[0].lower(), *row[1].lower().split()]
        for one in spellings:
            nick.setdefault(one, set()).update(f for f in spellings if f != one)
    no_statement: dict[str, list[tuple[str, ...]]] = {}
    for row in _rows("no_statement.tsv"):
        if len(row) != 2 or row[0].lower() not in {c.lemma for c in cue_forms.values()}:
            raise LexiconError(f"no_statement.tsv: expected a cue lemma and words, got {row!r}")
        no_statement.setdefault(row[0].lower(), []).append(tuple(row[1].lower().split()))
    classes: dict[str, set[str]] = {}
    for row in _rows("grammar.tsv"):
        if len(row) != 2:
            raise LexiconError(f"grammar.tsv: expected 2 columns, got {row!r}")
        for word_class in row[1].split(","):
            classes.setdefault(word_class.strip(), set()).add(row[0].lower())
    return Lexicon(
        cue_forms=cue_forms,
        multiword_cues=multi,
        titles=titles,
        pronouns=pronouns,
        speaker_nouns=nouns,
        abbreviations=abbreviations,
        number_abbreviations=number_abbreviations,
        name_stopwords=stop,
        first_names={row[0].lower(): row[1] for row in _rows("first_names.tsv")},
        nicknames={k: frozenset(v) for k, v in nick.items()},
        word_classes={k: frozenset(v) for k, v in classes.items()},
        max_title_words=max(len(t.split()) for t in titles),
        title_ends=frozenset(t.split()[-1] for t in titles),
        no_statement={k: tuple(v) for k, v in no_statement.items()},
    )


def word_class(name: str) -> frozenset[str]:
    """Lower-case words of one class of ``data/lexicons/grammar.tsv``."""
    return load().words(name)
