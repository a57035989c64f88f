"""Spreadsheet-safe CSV cells (OWASP CSV injection), for ``export`` and the CLI's listings.

Standard library only: the CLI's ``--format csv`` uses it without importing the
export machinery.
"""

from __future__ import annotations

import unicodedata

FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")
"""A cell starting with one of these (after spaces) is run as a formula by some
spreadsheet (OWASP CSV injection; the full-width forms by CJK-locale Excel)."""


def _blank(ch: str) -> bool:
    """Spaces and invisibles a spreadsheet may skip before a formula: NBSP, U+3000,
    U+200B, U+FEFF, VT, FF, U+2028 and the like (any Unicode space, control or format)."""
    return ch.isspace() or unicodedata.category(ch) in ("Cc", "Cf", "Zs", "Zl", "Zp")


def neutralise(value: str) -> str:
    """A cell no spreadsheet runs as a formula: a leading ``'`` if it could start one."""
    if value[:1] in ("\t", "\r"):
        return "'" + value
    n = 0
    while n < len(value) and _blank(value[n]):
        n += 1
    if value[n : n + 1] and value[n] in FORMULA_START:
        return "'" + value
    return value
