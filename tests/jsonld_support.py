"""JSON-LD checks without the network: bundled contexts, expansion, terms nobody defined."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pyld import jsonld

CONTEXTS = Path(__file__).resolve().parents[1] / "data" / "contexts"
BUNDLED = {
    "http://www.w3.org/ns/anno.jsonld": CONTEXTS / "anno.jsonld",
    "https://www.w3.org/ns/anno.jsonld": CONTEXTS / "anno.jsonld",
    "https://schema.org": CONTEXTS / "schema.org.jsonld",
    "https://schema.org/": CONTEXTS / "schema.org.jsonld",
    "http://schema.org/": CONTEXTS / "schema.org.jsonld",
}


def load_context(url: str, _options: Any = None) -> dict[str, Any]:
    """pyld document loader: bundled contexts only; any other URL is an error (no network)."""
    if url not in BUNDLED:
        raise ValueError(f"no bundled context for {url}")
    return {"contextUrl": None, "documentUrl": url,
            "document": json.loads(BUNDLED[url].read_text(encoding="utf-8"))}


def expand(doc: dict[str, Any]) -> list[dict[str, Any]]:
    return jsonld.expand(doc, {"documentLoader": load_context})


def terms(context: Any) -> set[str]:
    """Every term a context (URL, object or list of them) defines."""
    if isinstance(context, str):
        return terms(load_context(context)["document"]["@context"])
    if isinstance(context, list):
        return set().union(*(terms(c) for c in context))
    return set(context)


def undefined_terms(node: Any, known: set[str]) -> set[str]:
    """Keys and ``type`` values the context does not define: expansion would drop them silently."""
    found: set[str] = set()
    if isinstance(node, list):
        for x in node:
            found |= undefined_terms(x, known)
    elif isinstance(node, dict):
        for key, value in node.items():
            if key == "@context":
                continue
            if not key.startswith("@") and key not in known:
                found.add(key)
            if key in ("type", "@type"):
                for t in value if isinstance(value, list) else [value]:
                    if t not in known:
                        found.add(f"type {t}")
            found |= undefined_terms(value, known)
    return found
