"""The sandbox's state: JSON documents in a SQLite file in the state folder (survives restarts).

A document belongs to a ``kind`` ("google.user", "graph.group", …) and a ``scope`` (the Google
customer id or the Entra tenant id), has an ``id`` and may be invisible until ``visible_at``
(replication delay: just-created objects are not yet seen by get, list or member-add).
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any


class Conflict(Exception):
    pass


class Store:
    def __init__(self, path: Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.lock = threading.RLock()
        self.db = sqlite3.connect(str(self.path), check_same_thread=False, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.execute(
            "CREATE TABLE IF NOT EXISTS docs (kind TEXT NOT NULL, scope TEXT NOT NULL, id TEXT NOT NULL, "
            "data TEXT NOT NULL, visible_at REAL NOT NULL DEFAULT 0, PRIMARY KEY (kind, scope, id))"
        )
        self.db.execute("CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL)")
        # Read-only views of whole collections (``shared``), kept until a document changes.
        self.writes = 0  # documents written through this store (another process's: data_version)
        self.views: dict[tuple, tuple[tuple[int, int], float, Any]] = {}

    # --- documents ---------------------------------------------------------------------------
    def insert(self, kind: str, scope: str, id: str, data: dict, visible_after: float = 0.0) -> dict:
        with self.lock:
            try:
                self.db.execute(
                    "INSERT INTO docs (kind, scope, id, data, visible_at) VALUES (?, ?, ?, ?, ?)",
                    (kind, scope, id, json.dumps(data), time.time() + max(visible_after, 0.0)),
                )
                self.writes += 1
            except sqlite3.IntegrityError:
                raise Conflict(f"{kind} {scope}/{id} exists") from None
        return data

    def get(self, kind: str, scope: str, id: str, *, include_invisible: bool = False) -> dict | None:
        with self.lock:
            row = self.db.execute(
                "SELECT data, visible_at FROM docs WHERE kind = ? AND scope = ? AND id = ?", (kind, scope, id)
            ).fetchone()
        if row is None or (not include_invisible and row[1] > time.time()):
            return None
        return json.loads(row[0])

    def exists(self, kind: str, scope: str, id: str) -> bool:
        return self.get(kind, scope, id, include_invisible=True) is not None

    def update(self, kind: str, scope: str, id: str, data: dict) -> dict:
        with self.lock:
            self.db.execute(
                "UPDATE docs SET data = ? WHERE kind = ? AND scope = ? AND id = ?",
                (json.dumps(data), kind, scope, id),
            )
            self.writes += 1
        return data

    def delete(self, kind: str, scope: str, id: str) -> bool:
        with self.lock:
            cursor = self.db.execute(
                "DELETE FROM docs WHERE kind = ? AND scope = ? AND id = ?", (kind, scope, id)
            )
            self.writes += 1
        return cursor.rowcount > 0

    def list(self, kind: str, scope: str | None = None, *, include_invisible: bool = False) -> list[dict]:
        """Documents in insertion order (stable paging)."""
        sql = "SELECT data, visible_at FROM docs WHERE kind = ?"
        params: list = [kind]
        if scope is not None:
            sql += " AND scope = ?"
            params.append(scope)
        sql += " ORDER BY rowid"
        with self.lock:
            rows = self.db.execute(sql, params).fetchall()
        now = time.time()
        return [json.loads(data) for data, visible_at in rows if include_invisible or visible_at <= now]

    def shared(
        self, kind: str, scope: str, name: str = "", derive: Callable[[list[dict]], Any] | None = None
    ) -> Any:
        """The visible documents (or ``derive(documents)``, e.g. sorted), READ-ONLY: kept and
        handed to every caller until a document is written (by this process or another) or one
        becomes visible. Listing 100,000 accounts a page at a time then parses and sorts them
        once, not once per page."""
        with self.lock:
            version = (self.writes, self.db.execute("PRAGMA data_version").fetchone()[0])
            now = time.time()
            key = (kind, scope, name)
            cached = self.views.get(key)
            if cached is not None and cached[0] == version and now < cached[1]:
                return cached[2]
            rows = self.db.execute(
                "SELECT data, visible_at FROM docs WHERE kind = ? AND scope = ? ORDER BY rowid", (kind, scope)
            ).fetchall()
            documents = [json.loads(data) for data, visible_at in rows if visible_at <= now]
            horizon = min(
                (visible_at for _data, visible_at in rows if visible_at > now), default=float("inf")
            )
            value = derive(documents) if derive else documents
            self.views[key] = (version, horizon, value)
            return value

    def count(self, kind: str, scope: str | None = None) -> int:
        return len(self.list(kind, scope, include_invisible=True))

    # --- counters (stats that must survive a restart) ------------------------------------------
    def increment(self, name: str, by: int = 1) -> int:
        with self.lock:
            self.db.execute(
                "INSERT INTO counters (name, value) VALUES (?, ?) "
                "ON CONFLICT(name) DO UPDATE SET value = value + ?",
                (name, by, by),
            )
            return self.db.execute("SELECT value FROM counters WHERE name = ?", (name,)).fetchone()[0]

    def counters(self, prefix: str = "") -> dict[str, int]:
        with self.lock:
            rows = self.db.execute(
                "SELECT name, value FROM counters WHERE name LIKE ?", (prefix + "%",)
            ).fetchall()
        return dict(rows)

    def reset(self) -> None:
        with self.lock:
            self.db.execute("DELETE FROM docs")
            self.db.execute("DELETE FROM counters")
            self.writes += 1

    def close(self) -> None:
        with self.lock:
            self.db.close()
