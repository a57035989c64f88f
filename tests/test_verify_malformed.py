"""Malformed log rows and metadata are mismatches or one-line errors, never tracebacks;
checkpoints prove a chain extends an earlier head, even one rewritten end to end."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from provenance import audit
from provenance.cli import app
from provenance.review import review
from provenance.store import open_store
from provenance.verify import verify, verify_log_file
from tests.support import copy_db, raw_one, raw_sql, template_fixture

runner = CliRunner()
template = template_fixture("malformed")
DEEP = "[" * 100_000 + "]" * 100_000


@pytest.fixture()
def db(template: Path, tmp_path: Path) -> Path:
    path = tmp_path / "t.db"
    copy_db(template, path).dispose()
    store = open_store(str(path))
    with store.session() as s:
        (qid,) = raw_one(path, "SELECT id FROM quotes WHERE kind = 'direct' ORDER BY id LIMIT 1")
        review(s, str(qid), "verified", "checked against the recording", by="Ana Ruiz")
    store.dispose()
    return path


def _problems(db: Path) -> list[tuple[str, str, str]]:
    store = open_store(str(db))
    try:
        with store.session() as s:
            return [(p.check, p.record, p.detail) for p in verify(s).problems]
    finally:
        store.dispose()


def _one_line_error(args: list[str], code: int, message: str) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert message in " ".join(result.output.split()), result.output


def test_a_log_row_at_seq_zero_is_a_mismatch_and_listings_fail_in_one_line(db: Path) -> None:
    # A copy of the review entry at seq 0: verify used to scan seq > 0 only.
    raw_sql(
        db,
        "INSERT INTO audit_log (seq, ts, actor, action, subject, payload, hash, "
        "prev_hash) SELECT 0, ts, actor, action, subject, payload, 'z' || substr(hash, 2),"
        " 'y' || substr(prev_hash, 2) FROM audit_log WHERE action = 'review'",
    )
    # (z and y are not hex digits: the copy's hashes cannot collide with a stored one.)
    problems = _problems(db)
    assert any(c == "chain" and r == "log:0" for c, r, _ in problems), problems
    for args in (["reviews"], ["export"]):
        _one_line_error([*args, "--db", str(db)], 2, "audit log entry 0 is malformed")


def test_a_payload_nested_100000_deep_is_a_mismatch(db: Path) -> None:
    (seq,) = raw_one(db, "SELECT max(seq) FROM audit_log")
    raw_sql(db, "UPDATE audit_log SET payload = ? WHERE seq = ?", (DEEP, seq))
    problems = _problems(db)
    assert any(r == f"log:{seq}" and "nested too deep" in d for _, r, d in problems), problems
    _one_line_error(["reviews", "--db", str(db)], 2, f"audit log entry {seq} is malformed")
    bad = runner.invoke(app, ["verify", "--db", str(db)])
    assert bad.exit_code == 4 and "Traceback" not in bad.output


def test_a_review_entry_without_a_status_is_one_line_in_listings(db: Path) -> None:
    (seq,) = raw_one(db, "SELECT max(seq) FROM audit_log WHERE action = 'review'")
    raw_sql(db, 'UPDATE audit_log SET payload = \'{"note": "x"}\' WHERE seq = ?', (seq,))
    assert any(r == f"log:{seq}" for _, r, _ in _problems(db))
    _one_line_error(["reviews", "--db", str(db)], 2, "not a review decision")


def test_a_deep_line_in_an_exported_log_is_a_mismatch(db: Path, tmp_path: Path) -> None:
    out = runner.invoke(app, ["log", "--db", str(db), "--format", "jsonl"])
    lines = out.stdout.splitlines()
    lines.insert(2, '{"seq": ' + DEEP + "}")
    trail = tmp_path / "trail.jsonl"
    trail.write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = verify_log_file(trail)
    assert any("nested too deep" in p.detail for p in report.problems), report.problems


@pytest.mark.parametrize("value", ["abc", "", "4.5", "9" * 400])
def test_a_non_integer_schema_version_is_one_line_for_every_command(db: Path, value: str) -> None:
    raw_sql(db, "UPDATE meta SET value = ? WHERE key = 'schema_version'", (value,))
    for args in (["quotes"], ["verify"], ["reviews"], ["checkpoint"]):
        _one_line_error([*args, "--db", str(db)], 2, "meta.schema_version is")


def _rewrite_chain(db: Path, seq: int) -> None:
    """Edit entry ``seq``'s actor and re-hash every entry from there: a valid chain."""
    con = sqlite3.connect(db)
    try:
        rows = con.execute(
            "SELECT seq, ts, actor, action, subject, payload, prev_hash FROM audit_log ORDER BY seq"
        ).fetchall()
        prev = audit.GENESIS
        # Unique hashes are re-set in two steps so no intermediate value collides.
        con.execute("UPDATE audit_log SET hash = 'x' || seq, prev_hash = 'y' || seq")
        for s, ts, actor, action, subject, payload, _ in rows:
            body = {
                "seq": s,
                "ts": ts,
                "actor": "person:Mallory" if s == seq else actor,
                "action": action,
                "subject": subject,
                "payload": json.loads(payload),
                "prev_hash": prev,
            }
            digest = audit.entry_hash(body)
            con.execute(
                "UPDATE audit_log SET actor = ?, hash = ?, prev_hash = ? WHERE seq = ?",
                (body["actor"], digest, prev, s),
            )
            prev = digest
        con.commit()
    finally:
        con.close()


def test_a_checkpoint_catches_a_rewritten_chain_that_plain_verify_passes(
    db: Path, tmp_path: Path
) -> None:
    cp = tmp_path / "head.json"
    made = runner.invoke(app, ["checkpoint", "--db", str(db), "--out", str(cp), "-f", "json"])
    assert made.exit_code == 0, made.output
    saved = json.loads(cp.read_text(encoding="utf-8"))
    assert json.loads(made.stdout) == saved and saved["seq"] > 0 and len(saved["hash"]) == 64
    ok = runner.invoke(app, ["verify", "--db", str(db), "--checkpoint", str(cp)])
    assert ok.exit_code == 0, ok.output
    _rewrite_chain(db, 2)
    assert _problems(db) == []  # a whole rewrite is a valid chain: only the checkpoint knows
    bad = runner.invoke(app, ["verify", "--db", str(db), "--checkpoint", str(cp), "-f", "jsonl"])
    assert bad.exit_code == 4
    rows = [json.loads(line) for line in bad.stdout.splitlines()]
    assert [(r["check"], r["record"]) for r in rows] == [("chain", f"log:{saved['seq']}")]
    assert "rewritten" in rows[0]["detail"]


def test_a_checkpoint_beyond_a_truncated_log_is_reported(db: Path, tmp_path: Path) -> None:
    cp = tmp_path / "head.json"
    assert runner.invoke(app, ["checkpoint", "--db", str(db), "--out", str(cp)]).exit_code == 0
    (seq,) = raw_one(db, "SELECT max(seq) FROM audit_log")
    raw_sql(db, "DELETE FROM audit_log WHERE seq = ?", (seq,))
    bad = runner.invoke(app, ["verify", "--db", str(db), "--checkpoint", str(cp), "-f", "jsonl"])
    assert bad.exit_code == 4
    assert any("not in the log" in json.loads(line)["detail"] for line in bad.stdout.splitlines())


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("not json", "not a checkpoint"),
        ('{"seq": "x", "hash": "ab", "ts": ""}', "not a checkpoint: seq"),
    ],
)
def test_a_broken_checkpoint_file_is_one_line(
    db: Path, tmp_path: Path, content: str, message: str
) -> None:
    cp = tmp_path / "head.json"
    cp.write_text(content, encoding="utf-8")
    _one_line_error(["verify", "--db", str(db), "--checkpoint", str(cp)], 1, message)
    _one_line_error(
        ["verify", "--db", str(db), "--checkpoint", str(tmp_path / "none.json")], 1, "cannot read"
    )
