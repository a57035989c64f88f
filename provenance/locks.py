"""PostgreSQL advisory lock keys, in one place so no two uses can collide.

Transaction-scoped (``pg_advisory_xact_lock``); SQLite needs none of them: its
single writer lock (``BEGIN IMMEDIATE``) orders everything. When a transaction
needs several, it takes them in the order listed here (see
:func:`provenance.audit.lock_writers`), so two writers never wait on each other.
"""

from __future__ import annotations

PG_MIGRATE_KEY = 7243190
"""Schema work (:mod:`provenance.migrations`): processes opening one database queue here."""
PG_WRITE_KEY = 7243191
"""Every writer takes it first: ingest's speaker creation, matching, reviews, deletions."""
PG_APPEND_KEY = 0x70726F76  # "prov"
"""Appends to the audit log: the chain head is read under it."""
