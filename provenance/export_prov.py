"""W3C PROV-JSON export, built with the ``prov`` package and streamed.

The model: each document is an entity (``doc:<sha256>``); each extraction run
and each review is an activity named by its audit log entry (``log:<seq>``);
speakers (``speaker:<id>``), the software and reviewers are agents; each quote
is an entity (``quote:<id>``) that ``wasGeneratedBy`` its run, ``wasQuotedFrom``
its document (direct and mixed quotes; ``wasDerivedFrom`` for paraphrase) and
``wasAttributedTo`` its speaker.

A :class:`prov.model.ProvDocument` lives in memory, so one is built per batch
of records and its PROV-JSON sections are spooled to temporary files, then
joined into one document. Every relation carries an identifier, so records of
different batches never share a key.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
from collections.abc import Iterator
from typing import IO, Any, TextIO

from prov.model import PROV, Namespace, ProvDocument
from prov.serializers.provjson import encode_json_document
from sqlmodel import Session, col, select

from provenance import audit
from provenance.export import ExportRecord
from provenance.tables import AuditRow

NAMESPACES = {
    "pv": "urn:provenance:ns#",
    "doc": "urn:sha256:",
    "quote": "urn:provenance:quote:",
    "speaker": "urn:provenance:speaker:",
    "agent": "urn:provenance:agent:",
    "log": "urn:provenance:log:",
}
PV = Namespace("pv", NAMESPACES["pv"])
SPEAKER_TYPES = {"person": "Person", "organization": "Organization"}
BATCH = 500
SPOOL_BYTES = 1 << 20


def _new_document() -> ProvDocument:
    doc = ProvDocument()
    for prefix, uri in NAMESPACES.items():
        doc.add_namespace(prefix, uri)
    return doc


def actor_agent(actor: str) -> str:
    """A stable agent id for an audit ``actor`` such as ``person:Ana Ruiz``."""
    kind = actor.partition(":")[0] or "actor"
    return f"agent:{kind}-{hashlib.sha256(actor.encode('utf-8')).hexdigest()[:16]}"


class _Builder:
    """Adds records to a per-batch ProvDocument, each agent and document once overall."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.agents: set[str] = set()
        self.last_document: str | None = None
        self.run: str | None = None
        self.doc = _new_document()

    def agent(self, actor: str) -> str:
        ident = actor_agent(actor)
        if ident not in self.agents:
            self.agents.add(ident)
            kind = PROV["SoftwareAgent"] if actor.startswith("software:") else PROV["Person"]
            self.doc.agent(ident, {"prov:type": kind,
                                   "prov:label": actor.partition(":")[2] or actor})
        return ident

    def document(self, r: ExportRecord) -> None:
        d = r.document
        self.last_document = d.id
        attrs: dict[str, Any] = {"prov:type": PROV["Entity"]}
        for key, value in (("pv:path", d.path), ("prov:location", d.url), ("pv:source", d.source),
                           ("prov:label", d.title),
                           ("pv:published", d.date.isoformat() if d.date else None)):
            if value is not None:
                attrs[key] = value
        self.doc.entity(f"doc:{d.id}", attrs)
        self.run = None
        row = self.session.exec(select(*audit.ENTRY_COLUMNS).where(
            AuditRow.subject == audit.subject("document", d.id),
            AuditRow.action == audit.EXTRACTION_RUN).order_by(col(AuditRow.seq).desc())
            .limit(1)).first()
        if row is None:
            return
        entry = audit.to_entry(row)
        self.run = f"log:{entry.seq}"
        self.doc.activity(self.run, entry.ts, entry.ts, {
            "prov:type": PV["ExtractionRun"],
            "pv:extractorVersion": str(entry.payload.get("extractor_version")),
            "pv:logHash": entry.hash})
        self.doc.used(self.run, f"doc:{d.id}", identifier=f"pv:use-{entry.seq}")
        self.doc.wasAssociatedWith(self.run, self.agent(entry.actor),
                                   identifier=f"pv:assoc-{entry.seq}")

    def quote(self, r: ExportRecord) -> None:
        if r.document.id != self.last_document:
            self.document(r)
        q = f"quote:{r.id}"
        attrs: dict[str, Any] = {"pv:text": r.text, "pv:start": r.start, "pv:end": r.end,
                                 "pv:kind": r.kind, "pv:rule": r.rule,
                                 "pv:confidence": r.confidence,
                                 "pv:reviewStatus": r.review_status.value}
        if r.cluster_id is not None:
            attrs["pv:cluster"] = r.cluster_id
        if r.conflict_flags:
            attrs["pv:conflictFlags"] = "; ".join(r.conflict_flags)
        self.doc.entity(q, attrs)
        relate = self.doc.wasQuotedFrom if r.kind in ("direct", "mixed") \
            else self.doc.wasDerivedFrom
        relate(q, f"doc:{r.document.id}", self.run, identifier=f"pv:der-{r.id}")
        if self.run is not None:
            self.doc.wasGeneratedBy(q, self.run, identifier=f"pv:gen-{r.id}")
        if r.speaker_id is not None:
            sp = f"speaker:{r.speaker_id}"
            if sp not in self.agents:
                self.agents.add(sp)
                attrs = {"prov:label": r.speaker or ""}
                if r.speaker_kind in SPEAKER_TYPES:
                    attrs["prov:type"] = PROV[SPEAKER_TYPES[r.speaker_kind]]
                self.doc.agent(sp, attrs)
            self.doc.wasAttributedTo(q, sp, identifier=f"pv:attr-{r.id}")
        for d in r.review_history:
            act = f"log:{d.seq}"
            self.doc.activity(act, d.ts, d.ts, {
                "prov:type": PV["Review"], "pv:status": d.status.value,
                "pv:previous": d.previous.value, "pv:note": d.note, "pv:logHash": d.hash})
            self.doc.used(act, q, identifier=f"pv:use-{d.seq}")
            self.doc.wasAssociatedWith(act, self.agent(audit.person_actor(d.by)),
                                       identifier=f"pv:assoc-{d.seq}")

    def flush(self) -> dict[str, dict[str, Any]]:
        encoded = encode_json_document(self.doc)
        self.doc = _new_document()
        return encoded


def _sections(session: Session, records: Iterator[ExportRecord],
              spool: dict[str, IO[str]]) -> int:
    builder = _Builder(session)
    n = 0

    def drain() -> None:
        for section, items in builder.flush().items():
            if section == "prefix":
                continue
            f = spool.get(section)
            if f is None:
                # Closed by write_prov_json once joined, whatever happens.
                f = spool[section] = tempfile.SpooledTemporaryFile(  # noqa: SIM115
                    max_size=SPOOL_BYTES, mode="w+", encoding="utf-8")
            for key, value in items.items():
                if f.tell():
                    f.write(",")
                f.write(json.dumps(key, ensure_ascii=False) + ":"
                        + json.dumps(value, ensure_ascii=False) + "\n")

    for r in records:
        builder.quote(r)
        n += 1
        if n % BATCH == 0:
            drain()
    drain()
    return n


def write_prov_json(session: Session, records: Iterator[ExportRecord], out: TextIO) -> int:
    """Write one PROV-JSON document; returns the number of quote records."""
    spool: dict[str, IO[str]] = {}
    try:
        n = _sections(session, records, spool)
        out.write('{"prefix":' + json.dumps(NAMESPACES) + "\n")
        for section, f in spool.items():
            out.write("," + json.dumps(section) + ":{")
            f.seek(0)
            while chunk := f.read(1 << 16):
                out.write(chunk)
            out.write("}\n")
        out.write("}\n")
    finally:
        for f in spool.values():
            f.close()
    return n
