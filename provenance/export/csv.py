"""CSV: one row per record (:class:`~provenance.export.records.CsvRecord` columns).

Cells a spreadsheet would run as formulas are neutralised (:mod:`provenance.cells`);
the raw value stays in the JSON Lines export, matched by ``id``.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from typing import TextIO

from provenance.export.records import CsvRecord, ExportRecord, csv_record


def write_csv(records: Iterator[ExportRecord], out: TextIO) -> int:
    """Write a header and ``records`` to ``out`` (CRLF, every cell quoted); returns how many."""
    # Quoting every cell keeps separators and line breaks inside a cell from splitting it.
    writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerow(list(CsvRecord.model_fields))
    n = 0
    for r in records:
        writer.writerow(csv_record(r).model_dump(mode="json").values())
        n += 1
    return n
