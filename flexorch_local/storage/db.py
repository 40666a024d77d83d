"""One SQLite file in WAL mode, one connection per thread."""

from __future__ import annotations

import json
import secrets
import sqlite3
import threading
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS tenants (
    id TEXT PRIMARY KEY, plan TEXT NOT NULL, rpm INTEGER, credits_limit INTEGER NOT NULL,
    credits_used INTEGER NOT NULL DEFAULT 0, trial_ends_at TEXT, email TEXT UNIQUE,
    password_hash TEXT, verified INTEGER NOT NULL DEFAULT 0, llm_config TEXT,
    created_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS api_keys (
    key_hash TEXT PRIMARY KEY, tenant_id TEXT NOT NULL, prefix TEXT NOT NULL,
    revoked INTEGER NOT NULL DEFAULT 0, created_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS refresh_tokens (
    token_hash TEXT PRIMARY KEY, tenant_id TEXT NOT NULL, expires_at TEXT NOT NULL,
    revoked INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS documents (
    id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL, filename TEXT NOT NULL, file_ext TEXT,
    file_type TEXT, content_hash TEXT NOT NULL, size_bytes INTEGER NOT NULL, blob TEXT,
    source TEXT NOT NULL, locale TEXT NOT NULL, created_at TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS documents_hash ON documents(tenant_id, content_hash);
CREATE TABLE IF NOT EXISTS jobs (
    id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL, type TEXT NOT NULL, status TEXT NOT NULL,
    stage TEXT, document_id TEXT, execution_id TEXT, filename TEXT, engine TEXT,
    credits INTEGER NOT NULL DEFAULT 0, params TEXT, result TEXT, failure_reason TEXT,
    dataset_id TEXT, created_at TEXT NOT NULL, started_at TEXT, completed_at TEXT);
CREATE INDEX IF NOT EXISTS jobs_tenant ON jobs(tenant_id, created_at);
CREATE INDEX IF NOT EXISTS jobs_exe ON jobs(execution_id);
CREATE TABLE IF NOT EXISTS datasets (
    id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL, name TEXT NOT NULL, slug TEXT NOT NULL,
    description TEXT, status TEXT NOT NULL, row_count INTEGER NOT NULL DEFAULT 0,
    source_job_ids TEXT NOT NULL, source_execution_ids TEXT NOT NULL,
    index_status TEXT NOT NULL DEFAULT 'not_indexed', chunks_indexed INTEGER NOT NULL DEFAULT 0,
    total_chunks INTEGER NOT NULL DEFAULT 0, created_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS dataset_rows (
    dataset_id TEXT NOT NULL, idx INTEGER NOT NULL, row TEXT NOT NULL,
    PRIMARY KEY (dataset_id, idx));
CREATE TABLE IF NOT EXISTS chunks (
    dataset_id TEXT NOT NULL, idx INTEGER NOT NULL, tenant_id TEXT NOT NULL, chunk TEXT NOT NULL,
    vector TEXT, PRIMARY KEY (dataset_id, idx));
CREATE TABLE IF NOT EXISTS connectors (
    id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL, type TEXT NOT NULL, name TEXT NOT NULL,
    config TEXT NOT NULL, secrets TEXT NOT NULL, active INTEGER NOT NULL DEFAULT 1,
    last_tested_at TEXT, last_used_at TEXT, created_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS webhooks (
    id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL, url TEXT NOT NULL, events TEXT NOT NULL,
    secret TEXT NOT NULL, auto_export TEXT, active INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS webhook_deliveries (
    id TEXT PRIMARY KEY, webhook_id TEXT NOT NULL, tenant_id TEXT NOT NULL, event TEXT NOT NULL,
    attempt INTEGER NOT NULL, status_code INTEGER, ok INTEGER NOT NULL, error TEXT,
    created_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS feedback (
    job_id TEXT PRIMARY KEY, id TEXT NOT NULL, tenant_id TEXT NOT NULL, rating TEXT NOT NULL,
    issue TEXT, notes TEXT, created_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS fine_tunes (
    id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL, dataset_id TEXT NOT NULL, model TEXT NOT NULL,
    suffix TEXT, status TEXT NOT NULL, detail TEXT, created_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS idempotency_keys (
    tenant_id TEXT NOT NULL, key TEXT NOT NULL, method TEXT NOT NULL, path TEXT NOT NULL,
    status_code INTEGER, content_type TEXT, body BLOB, created_at REAL NOT NULL,
    PRIMARY KEY (tenant_id, key));
CREATE TABLE IF NOT EXISTS audit_events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, tenant_id TEXT, timestamp TEXT NOT NULL,
    event_type TEXT NOT NULL, document_id TEXT, outcome TEXT NOT NULL, detail TEXT);
"""


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def new_id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(8)}"


def dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), default=str)


class Database:
    """Thread-safe access to the one SQLite file.

    A connection per thread: sqlite3 connections must not be shared across threads, and
    the worker pool and the request threads all write."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._local = threading.local()
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = self._conn()
        conn.execute("PRAGMA journal_mode=WAL")
        conn.executescript(SCHEMA)

    def _conn(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA busy_timeout=30000")
            conn.execute("PRAGMA synchronous=NORMAL")
            self._local.conn = conn
        return conn

    def execute(self, sql: str, params: Iterable[Any] = ()) -> int:
        return self._conn().execute(sql, tuple(params)).rowcount

    def executemany(self, sql: str, rows: Iterable[Iterable[Any]]) -> None:
        conn = self._conn()
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.executemany(sql, (tuple(r) for r in rows))
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    def all(self, sql: str, params: Iterable[Any] = ()) -> list[dict[str, Any]]:
        return [dict(r) for r in self._conn().execute(sql, tuple(params)).fetchall()]

    def one(self, sql: str, params: Iterable[Any] = ()) -> dict[str, Any] | None:
        row = self._conn().execute(sql, tuple(params)).fetchone()
        return dict(row) if row else None

    def scalar(self, sql: str, params: Iterable[Any] = ()) -> Any:
        row = self._conn().execute(sql, tuple(params)).fetchone()
        return row[0] if row else None

    def insert(self, table: str, values: dict[str, Any]) -> None:
        cols = ", ".join(values)
        marks = ", ".join("?" for _ in values)
        self.execute(f"INSERT INTO {table} ({cols}) VALUES ({marks})", values.values())

    def update(self, table: str, key: str, values: dict[str, Any]) -> None:
        sets = ", ".join(f"{c} = ?" for c in values)
        self.execute(f"UPDATE {table} SET {sets} WHERE id = ?", [*values.values(), key])

    def transaction(self) -> _Transaction:
        return _Transaction(self._conn())


class _Transaction:
    """BEGIN IMMEDIATE … COMMIT, so read-check-write sequences (credits) do not race."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def __enter__(self) -> sqlite3.Connection:
        self.conn.execute("BEGIN IMMEDIATE")
        return self.conn

    def __exit__(self, exc_type: object, *_: object) -> None:
        self.conn.execute("ROLLBACK" if exc_type else "COMMIT")
