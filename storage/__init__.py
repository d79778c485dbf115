"""Persistence behind a small async interface: SQLite (WAL) with versioned migrations."""

from storage.db import Database
from storage.errors import NewerSchemaError, StorageError
from storage.jobs import JobStore

__all__ = ["Database", "JobStore", "NewerSchemaError", "StorageError"]
