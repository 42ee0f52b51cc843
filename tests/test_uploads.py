"""The server's store of uploaded files: content keys, a size bound, oldest dropped first."""

from __future__ import annotations

import os
from pathlib import Path

from pages.common.uploads import KEY_CHARS, UploadStore, content_key, is_key


def test_put_then_get_returns_the_same_bytes(tmp_path: Path) -> None:
    store = UploadStore(tmp_path / "up", limit=1000)
    key = store.put("sales.csv", b"a,b\n1,2\n")
    assert key == content_key(b"a,b\n1,2\n") and len(key) == KEY_CHARS and is_key(key)
    assert store.get(key) == ("sales.csv", b"a,b\n1,2\n")
    assert store.put("again.csv", b"a,b\n1,2\n") == key  # stored once
    assert len(list((tmp_path / "up").glob("*.bin"))) == 1


def test_oldest_file_is_dropped_first_and_size_stays_bounded(tmp_path: Path) -> None:
    store = UploadStore(tmp_path, limit=250)
    keys = []
    for k in range(3):
        keys.append(store.put(f"f{k}.csv", bytes([k]) * 100))
        path = tmp_path / f"{keys[-1]}.bin"
        os.utime(path, (1000 + k, 1000 + k))  # distinct ages, oldest first
    # 300 bytes do not fit in 250: the oldest went when the third arrived.
    assert store.get(keys[0]) is None
    assert store.get(keys[1]) == ("f1.csv", bytes([1]) * 100)
    assert store.get(keys[2]) == ("f2.csv", bytes([2]) * 100)
    assert sum(p.stat().st_size for p in tmp_path.glob("*.bin")) <= 250
    # Reading f1 made it the most recently used: the next file drops f2.
    os.utime(tmp_path / f"{keys[2]}.bin", (2000, 2000))
    os.utime(tmp_path / f"{keys[1]}.bin", (3000, 3000))
    store.put("f3.csv", bytes([3]) * 100)
    assert store.get(keys[2]) is None and store.get(keys[1]) is not None


def test_too_big_unknown_and_malformed_keys(tmp_path: Path) -> None:
    store = UploadStore(tmp_path, limit=10)
    assert store.put("big.csv", b"x" * 11) is None
    assert store.get("0" * KEY_CHARS) is None
    assert store.get("../../etc/passwd") is None
    assert not is_key("ABC") and not is_key("g" * KEY_CHARS)


def test_a_changed_file_on_disk_is_not_served(tmp_path: Path) -> None:
    store = UploadStore(tmp_path, limit=1000)
    key = store.put("a.csv", b"1,2,3")
    (tmp_path / f"{key}.bin").write_bytes(b"9,9,9")
    assert store.get(key) is None
