"""Uploaded files kept on the server by content hash, so a link can name them.

A shared link to the Sales Trends page carries ``data=<key>``, where the key is the first
:data:`KEY_CHARS` hex digits of the file's sha256. The server keeps each uploaded file
once under that key in a cache folder of bounded size; when a new file does not fit, the
files used longest ago are dropped first. Nothing lists the folder: a key is only known
to whoever uploaded the file or was sent the link (128 bits, not guessable).

The folder is ``$DTW_UPLOAD_DIR`` if set, else ``$XDG_CACHE_HOME/dtw-match/uploads``
(``~/.cache/dtw-match/uploads``); its size limit is ``$DTW_UPLOAD_CACHE_MB`` megabytes
(default :data:`DEFAULT_LIMIT_MB`).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

KEY_CHARS = 32
DEFAULT_LIMIT_MB = 500
_KEY = re.compile(rf"^[0-9a-f]{{{KEY_CHARS}}}$")
_DATA = ".bin"
_META = ".json"


def default_folder() -> Path:
    """The cache folder from the environment (see the module docstring)."""
    explicit = os.environ.get("DTW_UPLOAD_DIR")
    if explicit:
        return Path(explicit)
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "dtw-match" / "uploads"


def default_limit() -> int:
    """The cache's size limit in bytes, from ``$DTW_UPLOAD_CACHE_MB``."""
    return int(float(os.environ.get("DTW_UPLOAD_CACHE_MB", DEFAULT_LIMIT_MB)) * 1e6)


def content_key(data: bytes) -> str:
    """The key of a file: the first :data:`KEY_CHARS` hex digits of its sha256."""
    return hashlib.sha256(data).hexdigest()[:KEY_CHARS]


def is_key(text: str) -> bool:
    """True when ``text`` has the form of a key (it may still name no file held)."""
    return bool(_KEY.match(text))


@dataclass(frozen=True)
class UploadStore:
    """A folder of uploaded files named by content key, at most ``limit`` bytes in all.

    Parameters
    ----------
    folder : Path
        Where the files live; created on first use.
    limit : int
        Most bytes the folder's files may take together; files used longest ago are
        deleted first to make room. A single file bigger than the limit is not kept.
    """

    folder: Path
    limit: int

    @classmethod
    def from_env(cls) -> UploadStore:
        """The store configured by the environment (see the module docstring)."""
        return cls(default_folder(), default_limit())

    def put(self, name: str, data: bytes) -> str | None:
        """Keep ``data`` (called ``name`` on screen); its key, or None if it cannot fit.

        Storing the same bytes again only marks them as recently used.
        """
        key = content_key(data)
        if len(data) > self.limit:
            return None
        blob = self.folder / f"{key}{_DATA}"
        if blob.exists():
            self._touch(key)
            return key
        self.folder.mkdir(parents=True, exist_ok=True)
        self._make_room(len(data))
        for path, payload in (
            (self.folder / f"{key}{_META}", json.dumps({"name": name}).encode("utf-8")),
            (blob, data),
        ):
            fd, tmp = tempfile.mkstemp(dir=self.folder, prefix=".part-")
            with os.fdopen(fd, "wb") as fh:
                fh.write(payload)
            os.replace(tmp, path)
        return key

    def get(self, key: str) -> tuple[str, bytes] | None:
        """``(name, bytes)`` of the file with this key, or None if it is not held."""
        if not is_key(key):
            return None
        try:
            data = (self.folder / f"{key}{_DATA}").read_bytes()
            meta = json.loads((self.folder / f"{key}{_META}").read_text("utf-8"))
        except (OSError, ValueError):
            return None
        if content_key(data) != key:
            return None
        self._touch(key)
        return str(meta.get("name", "uploaded file")), data

    def _touch(self, key: str) -> None:
        now = time.time()
        with contextlib.suppress(OSError):
            os.utime(self.folder / f"{key}{_DATA}", (now, now))

    def _make_room(self, incoming: int) -> None:
        blobs = []
        for path in self.folder.glob(f"*{_DATA}"):
            try:
                st = path.stat()
            except OSError:
                continue
            blobs.append((st.st_mtime, st.st_size, path))
        used = sum(size for _, size, _ in blobs)
        for _, size, path in sorted(blobs):
            if used + incoming <= self.limit:
                break
            path.unlink(missing_ok=True)
            path.with_suffix(_META).unlink(missing_ok=True)
            used -= size
