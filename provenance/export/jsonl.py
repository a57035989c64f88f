"""JSON Lines: one :class:`~provenance.export.records.ExportRecord` per line, raw values."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import TextIO

from provenance.export.records import ExportRecord


def write_jsonl(records: Iterator[ExportRecord], out: TextIO) -> int:
    """Write ``records`` to ``out``; returns how many."""
    n = 0
    for r in records:
        out.write(json.dumps(r.model_dump(mode="json"), ensure_ascii=False) + "\n")
        n += 1
    return n
