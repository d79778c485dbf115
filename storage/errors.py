"""The storage error family: problems a person must fix (path, permissions, versions)."""


class StorageError(Exception):
    """The database cannot be used; the message says why, for a human."""


class NewerSchemaError(StorageError):
    """The database was written by a newer songbot."""
