"""JSON Schemas (draft 2020-12) of the exported record types, generated from the models.

``provenance schemas`` writes ``schemas/<name>.schema.json``; ``--check``
reports files that differ from what the models generate now (a test runs it,
so a model change without regenerated schemas fails the suite).
"""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from provenance.audit import AuditEntry
from provenance.export.claimreview import ClaimReviewDocument
from provenance.export.records import CsvRecord, ExportRecord
from provenance.export.webanno import WebAnnotationPage
from provenance.trace import Appearance, Trace
from provenance.verify_chain import Mismatch

DIALECT = "https://json-schema.org/draft/2020-12/schema"
MODELS: dict[str, type[BaseModel]] = {
    "export-record": ExportRecord,
    "csv-record": CsvRecord,
    "audit-entry": AuditEntry,
    "verify-mismatch": Mismatch,
    "web-annotation": WebAnnotationPage,
    "claimreview": ClaimReviewDocument,
    "trace": Trace,
    "trace-appearance": Appearance,
}
"""File stem -> model: ``export --format jsonl`` lines, ``export --format csv`` rows
(cells as strings once read back, see the schema's ``description``), ``log
--format jsonl`` lines, ``verify --format jsonl`` lines, ``export --format
web-annotation`` and ``--format claimreview`` documents (JSON-LD, compacted as
written), ``trace --format json`` and ``trace --format jsonl`` lines."""


class SchemaState(StrEnum):
    written = "written"
    unchanged = "unchanged"
    stale = "stale"
    missing = "missing"


class SchemaFile(BaseModel):
    name: str
    path: str
    state: SchemaState


def schema(name: str) -> dict[str, Any]:
    """The JSON Schema of one exported record type, as serialised (``mode='serialization'``)."""
    generated = MODELS[name].model_json_schema(mode="serialization")
    return {"$schema": DIALECT, "$id": f"urn:provenance:schema:{name}", **generated}


def render(name: str) -> str:
    return json.dumps(schema(name), indent=2, ensure_ascii=False) + "\n"


def write_schemas(directory: Path, check: bool = False) -> list[SchemaFile]:
    """Write every schema into ``directory``; with ``check`` only compare (nothing written)."""
    out = []
    for name in MODELS:
        path = directory / f"{name}.schema.json"
        want = render(name)
        have = path.read_text(encoding="utf-8") if path.exists() else None
        if have == want:
            state = SchemaState.unchanged
        elif check:
            state = SchemaState.missing if have is None else SchemaState.stale
        else:
            directory.mkdir(parents=True, exist_ok=True)
            path.write_text(want, encoding="utf-8")
            state = SchemaState.written
        out.append(SchemaFile(name=name, path=str(path), state=state))
    return out
