"""Gold attributions for evaluation: brat standoff (PolNeAR/PARC) and our JSON Lines.

Brat folders hold ``<split>/text/NAME.txt`` and ``<split>/attributions/NAME_<annotator>.ann``;
when a text has several annotators the alphabetically first ``.ann`` file is read. The
reserved PolNeAR ``test`` split is refused. All offsets are half-open character (not
byte) ranges into the document text. Malformed gold raises
:class:`~provenance.errors.GoldFormatError`; unreadable prediction lines raise
:class:`~provenance.errors.InputError` naming the file and line.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

from pydantic import BaseModel, Field, ValidationError

from provenance.errors import GoldFormatError, InputError
from provenance.models import Attribution, ResolvedSpeaker, Span

Ranges = list[tuple[int, int]]
"""Sorted, non-overlapping, non-empty half-open character ranges."""
QUOTE_KINDS = frozenset({"direct", "mixed"})
QUOTE_MARKS = frozenset("\"“”‘’'«»")
APOSTROPHES = frozenset("’'")
_T_LINE = re.compile(r"^(T\d+)\t(\S+) (\d+ \d+(?:;\d+ \d+)*)(?:\t|$)")
_ID_LINE = re.compile(r"^[TERAMN#*]\d*\t")


def merge_ranges(ranges: Iterable[tuple[int, int]]) -> Ranges:
    """Union of half-open ranges, sorted, with empty ranges dropped."""
    out: Ranges = []
    for start, end in sorted(r for r in ranges if r[1] > r[0]):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


class GoldAttribution(BaseModel):
    """One gold attribution: ranges are character offsets into its document."""

    content: Ranges
    text: str = Field(description="content fragments joined by one space")
    sources: Ranges = Field(default_factory=list)
    source_text: str = Field(default="", description="source fragments (or name) joined by a space")
    cues: Ranges = Field(default_factory=list)
    is_quote: bool = False
    annotation: str = Field(default="", description="where it came from: event id or line")


class GoldDocument(BaseModel):
    """An annotated document: its text and gold attributions."""

    name: str = Field(description="file name of the text, e.g. NAME.txt; predictions key on it")
    text: str
    gold: list[GoldAttribution]
    source_file: str = ""
    skipped: int = Field(default=0, description="gold events without any Content role")


def is_apostrophe(text: str, i: int) -> bool:
    """Whether the ’ or ' at ``text[i]`` is an apostrophe rather than a quotation mark.

    It is when between two letters ("It’s"); also, beyond the plain letter rule,
    before an ``s`` ending a word ("U.N.'s", "1990's") or after a word-final ``s``
    ("voters’ choice"). A plural possessive that closes a quoted word is still found
    by the opening mark that precedes it.
    """
    before, after = text[i - 1 : i] or " ", text[i + 1 : i + 2] or " "
    end_of_s = after in "sS" and not (text[i + 2 : i + 3] or " ").isalpha()
    return (
        (before.isalpha() and after.isalpha())
        or (end_of_s and not before.isspace())
        or (before in "sS" and not after.isalpha())
    )


def has_quote_mark(text: str, ranges: Sequence[tuple[int, int]]) -> bool:
    """True when ``text`` within ``ranges`` holds a quotation mark (:data:`QUOTE_MARKS`).

    ’ and ' do not count where :func:`is_apostrophe`; neighbours are read from the
    whole text, across range ends.
    """
    return any(
        text[i] in QUOTE_MARKS and not (text[i] in APOSTROPHES and is_apostrophe(text, i))
        for start, end in ranges
        for i in range(start, end)
    )


def read_text(path: Path) -> str:
    """A document's text exactly as stored (UTF-8, newlines untranslated)."""
    with path.open(encoding="utf-8", newline="") as fh:
        return fh.read()


def refuse_test_split(folder: Path) -> None:
    """Raise InputError for a PolNeAR ``test`` split, which is reserved and never read."""
    if folder.name == "test" or folder.resolve().name == "test":
        raise InputError(str(folder), "the test split is reserved; evaluate on dev or train")


def parse_brat(ann: str, text: str, source: str = "<ann>") -> tuple[list[GoldAttribution], int]:
    """Gold attributions in one brat ``.ann`` string over ``text``, and events skipped.

    Events whose type starts with ``Attribution`` are read; roles are named by the
    text before any trailing digits (``Content2`` is ``Content``), may be missing or
    repeated, and their fragments are pooled. Events with no Content are skipped.
    Other annotation types (``Discard``, ``Discuss``, notes) are ignored, and so are
    continuation lines of text-bound annotations whose quoted text holds a newline.
    Ranges must lie in ``text`` and the annotated text must agree with it.
    """
    spans: dict[str, Ranges] = {}
    events: list[tuple[str, list[tuple[str, str]]]] = []
    for number, line in enumerate(ann.splitlines(), 1):
        where = f"{source}:{number}"
        if line.startswith("T") and _ID_LINE.match(line):
            m = _T_LINE.match(line)
            if not m:
                raise GoldFormatError(f"{where}: malformed text-bound line {line[:80]!r}")
            frags = [tuple(map(int, f.split())) for f in m.group(3).split(";")]
            if any(not 0 <= start <= end <= len(text) for start, end in frags):
                raise GoldFormatError(f"{where}: range outside text of {len(text)} chars")
            shown = line.split("\t", 2)[2] if line.count("\t") >= 2 else ""
            if not " ".join(text[s:e] for s, e in frags).startswith(shown):
                raise GoldFormatError(f"{where}: annotated text differs from the document")
            spans[m.group(1)] = merge_ranges((s, e) for s, e in frags)
        elif line.startswith("E") and _ID_LINE.match(line):
            eid, _, body = line.partition("\t")
            args = [a.partition(":") for a in body.split()]
            if not args or not args[0][0].startswith("Attribution"):
                continue
            roles = [(re.sub(r"\d+$", "", role), ref) for role, _, ref in args[1:]]
            events.append((f"{source}:{eid}", roles))
    gold: list[GoldAttribution] = []
    skipped = 0
    for eid, roles in events:
        pooled: dict[str, Ranges] = {"Content": [], "Source": [], "Cue": []}
        for role, ref in roles:
            if ref not in spans:
                raise GoldFormatError(f"{eid}: role {role} refers to unknown {ref!r}")
            if role in pooled:
                pooled[role] = merge_ranges(pooled[role] + spans[ref])
        if not pooled["Content"]:
            skipped += 1
            continue
        content = pooled["Content"]
        gold.append(GoldAttribution(
            content=content, text=" ".join(text[s:e] for s, e in content),
            sources=pooled["Source"], source_text=" ".join(text[s:e] for s, e in pooled["Source"]),
            cues=pooled["Cue"], is_quote=has_quote_mark(text, content), annotation=eid,
        ))  # fmt: skip
    return gold, skipped


def load_brat(folder: Path, limit: int | None = None) -> list[GoldDocument]:
    """Gold documents of a PolNeAR-style split folder (``text/`` and ``attributions/``).

    Texts are taken in sorted file-name order (the first ``limit`` of them, if given);
    texts with no ``.ann`` are not annotated and are left out. When several annotators
    annotated one text (``NAME_<annotator>.ann``), only the lexicographically first
    file name is used, so results are deterministic and each text counts once.
    """
    refuse_test_split(folder)
    text_dir, ann_dir = folder / "text", folder / "attributions"
    if not text_dir.is_dir() or not ann_dir.is_dir():
        raise GoldFormatError(f"{folder}: expected text/ and attributions/ folders")
    anns: dict[str, Path] = {}
    for found in sorted(ann_dir.glob("*.ann")):
        anns.setdefault(found.stem.rsplit("_", 1)[0], found)
    docs: list[GoldDocument] = []
    for path in sorted(text_dir.glob("*.txt")):
        if limit is not None and len(docs) >= limit:
            break
        if (ann := anns.get(path.stem)) is None:
            continue
        text = read_text(path)
        gold, skipped = parse_brat(read_text(ann), text, ann.name)
        docs.append(GoldDocument(
            name=path.name, text=text, gold=gold, source_file=str(ann), skipped=skipped
        ))  # fmt: skip
    return docs


def _locate(text: str, needle: str, near: int) -> Ranges:
    """The whole-word, case-insensitive occurrence of ``needle`` nearest offset ``near``."""
    word = re.compile(rf"(?<!\w){re.escape(needle)}(?!\w)", re.IGNORECASE)
    found = [m.span() for m in word.finditer(text)]
    return [min(found, key=lambda s: abs(s[0] - near))] if needle and found else []


def load_jsonl_gold(gold_path: Path, corpus_dir: Path) -> list[GoldDocument]:
    """Gold documents from this project's JSON Lines gold (one quote per line).

    Fields: ``doc`` (file in ``corpus_dir``), ``start``/``end`` (characters), ``text``,
    ``speaker`` (a name; null means not speech and the line is skipped, though its
    document still counts), ``kind`` and ``cue`` (the cue word, located as its
    nearest whole-word occurrence to the content). A line is a quote when its
    ``kind`` is direct or mixed, since these spans exclude the quotation marks.
    """
    docs: dict[str, GoldDocument] = {}
    for number, line in enumerate(read_text(gold_path).splitlines(), 1):
        if not line.strip():
            continue
        where = f"{gold_path}:{number}"
        try:
            row = json.loads(line)
            name, start, end = str(row["doc"]), int(row["start"]), int(row["end"])
        except (ValueError, KeyError, TypeError) as exc:
            raise GoldFormatError(f"{where}: {exc}") from exc
        if name not in docs:
            if not (corpus_dir / name).is_file():
                raise GoldFormatError(f"{where}: no document {corpus_dir / name}")
            text = read_text(corpus_dir / name)
            docs[name] = GoldDocument(name=name, text=text, gold=[], source_file=str(gold_path))
        text = docs[name].text
        if not 0 <= start < end <= len(text) or text[start:end] != row.get("text", text[start:end]):
            raise GoldFormatError(f"{where}: text does not match {name}[{start}:{end}]")
        if row.get("speaker") is None:
            continue
        docs[name].gold.append(GoldAttribution(
            content=[(start, end)], text=text[start:end], source_text=str(row["speaker"]),
            cues=_locate(text, str(row.get("cue") or ""), start),
            is_quote=row.get("kind") in QUOTE_KINDS, annotation=where,
        ))  # fmt: skip
    return list(docs.values())


def read_predictions(
    lines: Iterable[str], source: str = "<predictions>"
) -> dict[str, list[Attribution]]:
    """``provenance extract --format jsonl`` lines grouped by the file name of ``document``.

    Raises :class:`InputError` (naming ``source`` and the 1-based line) for a bad line.
    """
    out: dict[str, list[Attribution]] = {}
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            name = row.get("speaker_name")
            out.setdefault(Path(str(row["document"])).name, []).append(Attribution(
                kind=row["kind"], content=Span(**row["content"]),
                speaker=Span(**row["speaker"]) if row.get("speaker") else None,
                cue=Span(**row["cue"]) if row.get("cue") else None,
                resolved=ResolvedSpeaker(name=name) if name else None,
            ))  # fmt: skip
        except (ValueError, KeyError, TypeError, ValidationError) as exc:
            raise InputError(source, f"not an attribution record: {exc}", number) from exc
    return out
