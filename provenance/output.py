"""Rendering records for the CLI: table, json, jsonl, csv.

The library returns pydantic records; this module turns them into flat rows
and writes them. Only the CLI calls it.
"""

from __future__ import annotations

import csv
import json
import re
import sys
from collections.abc import Iterable, Sequence
from enum import StrEnum
from pathlib import PurePath
from typing import TYPE_CHECKING, Any, TextIO

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from provenance.cells import neutralise

if TYPE_CHECKING:  # annotations only: `provenance --help` imports this module
    from pydantic import BaseModel

    from provenance.models import (
        Attribution,
        Cluster,
        Conflict,
        Quote,
        SourceRef,
        Speaker,
        UpdateReport,
    )
    from provenance.trace import Appearance

# An escape sequence as terminals read it: CSI (ESC [ … final), OSC (ESC ] … BEL or
# ESC \\, hyperlinks and window titles), other string commands (DCS, APC, PM, SOS),
# their 8-bit forms (C1), and two-character ESC commands.
_ESCAPE = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]?"
    r"|(?:\x1b[\]PX^_]|[\x9d\x90\x98\x9e\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\\\|\x9c)?"
    r"|\x1b[ -~]?"
)
# Other C0/C1 controls and DEL (tab and newline kept), and the Unicode bidi
# controls that reorder what a reader sees (shown, not obeyed).
_CONTROL = re.compile(
    r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e"
    r"\u2066-\u2069]"
)


def _visible(m: re.Match[str]) -> str:
    ch = m.group()
    return f"<U+{ord(ch):04X}>" if ord(ch) > 0x9F else f"\\x{ord(ch):02x}"


def sanitise(value: object) -> str:
    """Text from articles, notes, names or file names made safe for a terminal.

    Escape sequences (colours, OSC hyperlinks and titles, cursor moves) are
    removed; other control characters are shown as ``\\xNN`` and bidi controls as
    ``<U+202E>``; CR LF and CR become newlines. The result is meant to be printed
    as plain text (``markup=False`` or a :class:`rich.text.Text`), never as markup.
    """
    text = value if isinstance(value, str) else str(value)
    if text.isprintable():  # the common case: no control, format or bidi character
        return text
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub(_visible, _ESCAPE.sub("", text))


def plain(value: object, style: str = "") -> Text:
    """:func:`sanitise` as a Rich :class:`~rich.text.Text`: shown literally, never
    parsed as markup (a ``[/]`` or ``[link=…]`` in a quote is just text)."""
    return Text(sanitise(value), style=style)


class Format(StrEnum):
    table = "table"
    json = "json"
    jsonl = "jsonl"
    csv = "csv"


def quote_row(q: Quote) -> dict[str, Any]:
    """A stored quote as one flat JSON-ready object (offsets are characters)."""
    return {
        "id": q.id,
        "speaker": q.speaker,
        "text": q.text,
        "kind": q.kind,
        "document": q.document,
        "start": q.start,
        "end": q.end,
        "speaker_mention": q.speaker_mention.text if q.speaker_mention else None,
        "cue": q.cue.text if q.cue else None,
        "source": q.source,
        "path": q.path,
        "where": f"{q.source or (PurePath(q.path).name if q.path else q.document[:12])} "
        f"[{q.start}:{q.end}]",
        "published": q.published.isoformat() if q.published else None,
        "confidence": q.confidence,
        "rule": q.rule,
        "status": q.review_status,
        # Not the cluster id: it is numbered by the database (PostgreSQL and SQLite differ).
        "first": q.first_appearance,
        "sources": q.sources,
        # One narrow table cell for both: "3 first" = carried by 3 outlets, this the earliest.
        "seen": f"{q.sources} first" if q.first_appearance and q.sources > 1 else str(q.sources),
        # Last: CSV readers that take columns by position keep working.
        "speaker_identifier": q.speaker_identifier,
    }


def speaker_row(s: Speaker) -> dict[str, Any]:
    return {
        "id": s.id,
        "name": s.name,
        "kind": s.kind.value,
        "titles": s.titles,
        "affiliation": s.affiliation,
        "aliases": s.aliases,
        "quotes": s.quotes,
        "identifier": s.identifier,
    }


def attribution_row(document: str, a: Attribution) -> dict[str, Any]:
    """The ``provenance extract --format jsonl`` object for one attribution."""

    def span(s: Any) -> dict[str, Any] | None:
        return {"start": s.start, "end": s.end, "text": s.text} if s is not None else None

    return {
        "document": document,
        "kind": a.kind,
        "content": span(a.content),
        "speaker": span(a.speaker),
        "speaker_name": a.speaker_name,
        "cue": span(a.cue),
        "confidence": a.confidence,
        "rule": a.rule,
    }


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return "; ".join(str(v) for v in value)
    if isinstance(value, dict):  # e.g. stats' by_kind: "direct 5, mixed 2", not a Python repr
        return ", ".join(f"{k} {v}" for k, v in value.items())
    return str(value)


# Columns that never wrap: ids (12 characters, copied into `show`) and one-word values.
NO_WRAP = frozenset({"id", "document", "kind", "status", "quotes", "score", "seq"})
# Columns beside a quote's text that give it room: at most this wide.
NARROW = {"speaker": 24, "where": 26, "name": 24}


def emit(
    rows: Iterable[dict[str, Any]],
    fmt: Format,
    columns: Sequence[str] | None = None,
    title: str | None = None,
    out: TextIO | None = None,
) -> int:
    """Write rows in ``fmt``; ``columns`` picks and orders table/csv columns. Returns the count."""
    out = out or sys.stdout
    n = 0
    if fmt is Format.jsonl:
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False, default=str) + "\n")
            n += 1
        return n
    rows = list(rows)
    if fmt is Format.json:
        out.write(json.dumps(rows, ensure_ascii=False, indent=2, default=str) + "\n")
        return len(rows)
    cols = list(columns or (rows[0].keys() if rows else []))
    if fmt is Format.csv:
        writer = csv.DictWriter(out, fieldnames=cols, extrasaction="ignore", lineterminator="\n")
        writer.writeheader()
        for row in rows:
            # Listings are opened in spreadsheets too: same OWASP rule as `export`.
            writer.writerow({c: neutralise(_cell(row.get(c))) for c in cols})
        return len(rows)
    # No outer or inner vertical rules: at 80 columns they cost 7 characters of text.
    table = Table(
        title=plain(title) if title else None,
        show_lines=False,
        box=box.SIMPLE_HEAD,
        show_edge=False,
        collapse_padding=True,
        pad_edge=False,
    )
    # Hashes are 64 hex characters; a table shows a prefix that commands accept.
    short = {"id", "document"}
    for c in cols:
        # The statement is what a reader came for: it gets the room. Ids and one-word
        # columns never wrap (an id is copied into `show`); names and places fold.
        if c in NO_WRAP:
            table.add_column(c, no_wrap=True)
        else:
            table.add_column(
                c,
                overflow="fold",
                max_width=70 if c == "text" else NARROW.get(c),
                min_width=12 if c == "text" else None,
            )
    for row in rows:
        table.add_row(
            *(plain(_cell(row.get(c))[:12] if c in short else _cell(row.get(c))) for c in cols)
        )
    Console(file=out, soft_wrap=False).print(table)
    return len(rows)


def emit_object(obj: BaseModel | dict[str, Any], fmt: Format, out: TextIO | None = None) -> None:
    """One record: JSON for json/jsonl, a two-column table otherwise."""
    out = out or sys.stdout
    data = obj if isinstance(obj, dict) else obj.model_dump(mode="json")
    if fmt in (Format.json, Format.jsonl):
        out.write(
            json.dumps(data, ensure_ascii=False, indent=2 if fmt is Format.json else None) + "\n"
        )
        return
    emit(
        ({"field": k, "value": _cell(v)} for k, v in data.items()), fmt, ["field", "value"], out=out
    )


# ---- cross-source checks: clusters, quantity claims, flags ------------------


def check_summary(r: UpdateReport) -> str:
    """One line of what a run of the cross-source checks changed (``match``, ``ingest``)."""
    return (
        f"claims: {r.claims}; quotes matched: {r.quotes}; "
        f"clusters touched: {r.clusters_touched}; flags raised: {r.raised}, "
        f"cleared: {r.cleared}"
    )


def _where(r: SourceRef) -> str:
    name = r.source or (r.path.rsplit("/", 1)[-1] if r.path else r.document[:12])
    return f"{name} [{r.start}:{r.end}]"


def cluster_row(c: Cluster) -> dict[str, Any]:
    """A cluster flattened for table/csv: sources as "outlet [start:end] (relation)"."""
    first = c.first_appearance
    return {
        "id": c.id,
        "text": c.text,
        "speakers": c.speakers,
        "distinct_sources": c.distinct_sources,
        "first_source": _where(first) if first else None,
        "first_date": first.published.isoformat() if first and first.published else None,
        "sources": [f"{_where(r)} {r.speaker or '-'} ({r.relation})" for r in c.sources],
    }


def conflict_row(c: Conflict) -> dict[str, Any]:
    # The id is what exports list in conflict_flags (as <kind>:<id>) and the log's subject.
    return {
        "id": c.id,
        "kind": c.kind,
        "score": c.score,
        "explanation": c.explanation,
        "diff": c.diff,
        "records": [f"{_where(r)} {r.speaker or '-'}: {r.text}" for r in c.records],
    }


def trace_row(a: Appearance) -> dict[str, Any]:
    """One report in ``provenance trace``: every field, plus ``wording`` for the table
    (the text of the first report and of identical ones, the word diff of the others)."""
    row = a.model_dump(mode="json")
    row["where"] = a.outlet or (PurePath(a.path).name if a.path else a.document[:12])
    row["reported_as"] = a.speaker_as_reported
    row["wording"] = a.diff or a.text
    return row


def trace_table_row(a: Appearance) -> dict[str, Any]:
    """The table view of one report: what a reader compares, in a terminal's width."""
    row = trace_row(a)
    return {
        "#": a.position,
        "date": row["published"],
        "outlet": row["where"],
        "as reported": a.speaker_as_reported,
        "speaker": a.speaker,
        "change": a.change.value,
        "wording": row["wording"],
    }
