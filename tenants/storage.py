"""Object storage for recordings and fax documents (`STORAGE_URL`): a local folder by default.

Keys are relative paths like `fax/<shop>/<id>.pdf`; the store refuses any key that would leave
its root. An S3-compatible store implements the same Protocol.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Protocol
from urllib.parse import urlsplit

from flask import Flask

from tenants.config import settings_from


class ObjectStore(Protocol):
    def put(self, key: str, data: bytes) -> None: ...

    def path(self, key: str) -> Path:
        """A local file with the object's bytes (for sending with range requests)."""

    def delete(self, key: str) -> None: ...


class FolderStore:
    def __init__(self, root: Path) -> None:
        self.root = root.resolve()

    def _file(self, key: str) -> Path:
        target = (self.root / key).resolve()
        if self.root not in target.parents:
            raise ValueError(f"storage key leaves the store: {key!r}")
        return target

    def put(self, key: str, data: bytes) -> None:
        target = self._file(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(target.suffix + ".part")
        partial.write_bytes(data)
        os.replace(partial, target)  # readers never see half a file

    def path(self, key: str) -> Path:
        return self._file(key)

    def delete(self, key: str) -> None:
        self._file(key).unlink(missing_ok=True)


def store(app: Flask) -> ObjectStore:
    found = app.extensions.get("object_store")
    if found is None:
        url = settings_from(app.config).storage_url
        parts = urlsplit(url)
        if parts.scheme != "file":
            raise RuntimeError(f"STORAGE_URL {url!r}: only file:// folders are supported so far")
        found = FolderStore(Path(parts.path))
        app.extensions["object_store"] = found
    return found
