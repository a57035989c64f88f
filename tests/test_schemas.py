"""JSON Schemas in schemas/: current with the models, and every export line validates."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from typer.testing import CliRunner

from provenance import audit
from provenance.cli import app
from provenance.export import write_export
from provenance.review import review
from provenance.schemas import DIALECT, MODELS, SchemaState, write_schemas
from provenance.store import open_store
from tests.support import FORMULA_ARTICLE, build_sample_db, ingest_text

SCHEMAS = Path(__file__).resolve().parents[1] / "schemas"
runner = CliRunner()


def _validator(name: str) -> Draft202012Validator:
    schema = json.loads((SCHEMAS / f"{name}.schema.json").read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Samples (with their clusters, claims and flags) plus formula-like quotes and a review."""
    path = build_sample_db(tmp_path_factory.mktemp("schemas") / "samples.db")
    store = open_store(str(path))
    ingest_text(store, FORMULA_ARTICLE)
    with store.session() as s:
        first = next(iter(audit.iter_entries(s, action=audit.EXTRACTION_RUN))).payload["quotes"]
        qid = next(q["id"] for q in first if q["kind"] != "nonspeech")
        review(s, qid, "disputed", "Two outlets disagree.", "Ana Ruiz")
        s.commit()
    store.dispose()
    return path


def test_checked_in_schemas_are_current() -> None:
    states = write_schemas(SCHEMAS, check=True)
    assert {f.name: f.state for f in states} == {n: SchemaState.unchanged for n in MODELS}


@pytest.mark.parametrize("name", list(MODELS))
def test_schemas_declare_draft_2020_12_and_are_valid_schemas(name: str) -> None:
    schema = json.loads((SCHEMAS / f"{name}.schema.json").read_text(encoding="utf-8"))
    assert schema["$schema"] == DIALECT
    Draft202012Validator.check_schema(schema)


def test_a_stale_or_missing_schema_fails_the_check(tmp_path: Path) -> None:
    assert {f.state for f in write_schemas(tmp_path)} == {SchemaState.written}
    edited = tmp_path / "export-record.schema.json"
    edited.write_text(
        edited.read_text(encoding="utf-8").replace('"text"', '"txt"'), encoding="utf-8"
    )
    (tmp_path / "audit-entry.schema.json").unlink()
    states = {f.name: f.state for f in write_schemas(tmp_path, check=True)}
    assert states["export-record"] is SchemaState.stale
    assert states["audit-entry"] is SchemaState.missing
    assert states["csv-record"] is SchemaState.unchanged
    result = runner.invoke(app, ["schemas", "--check", "--dir", str(tmp_path)])
    assert result.exit_code == 1 and "stale schema files" in result.output
    assert runner.invoke(app, ["schemas", "--dir", str(tmp_path)]).exit_code == 0
    assert runner.invoke(app, ["schemas", "--check", "--dir", str(tmp_path)]).exit_code == 0


def _export(db: Path, fmt: str) -> str:
    store = open_store(str(db))
    out = io.StringIO()
    with store.session() as s:
        assert write_export(s, fmt, out, include_nonspeech=True) > 0
    store.dispose()
    return out.getvalue()


def _errors(validator: Draft202012Validator, instance: Any) -> list[str]:
    return [e.message for e in validator.iter_errors(instance)]


def test_every_jsonl_export_line_validates(db: Path) -> None:
    validator = _validator("export-record")
    lines = _export(db, "jsonl").splitlines()
    assert len(lines) > 50
    kinds = set()
    for line in lines:
        record = json.loads(line)
        assert not _errors(validator, record), record["id"]
        kinds.add(
            (
                record["record_type"],
                record["cluster_id"] is not None,
                bool(record["conflict_flags"]),
            )
        )
    # Quotes in clusters, flagged quotes and flagged claims are all covered.
    assert {("quote", True, True), ("claim", False, True), ("quote", False, False)} <= kinds
    broken = dict(json.loads(lines[0]), start="twelve")
    assert _errors(validator, broken)  # the schema does constrain records


def test_every_csv_row_validates(db: Path) -> None:
    validator = _validator("csv-record")
    rows = list(csv.DictReader(io.StringIO(_export(db, "csv"), newline="")))
    assert rows
    for row in rows:
        assert not _errors(validator, row), row["id"]


def test_every_log_entry_and_verify_mismatch_validates(db: Path) -> None:
    entries = runner.invoke(app, ["log", "--db", str(db), "--format", "jsonl"])
    validator = _validator("audit-entry")
    lines = entries.stdout.splitlines()
    assert lines and all(not _errors(validator, json.loads(line)) for line in lines)
    mismatch = {"check": "span", "record": "quote:abc", "detail": "content text differs"}
    assert not _errors(_validator("verify-mismatch"), mismatch)
