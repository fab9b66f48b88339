"""Sealed cache files: what is written reads back whole, anything else reads as absent."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitmem.derived import sealed


def test_a_written_value_replaces_the_old_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    path = tmp_path / "cache" / "kept.marshal"
    sealed.write(str(path), {"a": (1, "x")})
    sealed.write(str(path), {"b": (2, "y")})
    assert sealed.read(str(path)) == {"b": (2, "y")}
    assert [p.name for p in path.parent.iterdir()] == ["kept.marshal"]


def test_a_damaged_or_foreign_file_reads_as_absent(tmp_path: Path) -> None:
    path = tmp_path / "kept.marshal"
    sealed.write(str(path), ("tree", {"k": "v"}))
    data = path.read_bytes()
    for damaged in (data[:-1], data[:3], b"", data[:4] + b"\x00" + data[5:]):
        path.write_bytes(damaged)
        assert sealed.read(str(path)) is None
    assert sealed.read(str(tmp_path / "missing.marshal")) is None


def test_a_write_that_fails_raises_and_leaves_nothing_behind(tmp_path: Path) -> None:
    path = tmp_path / "kept.marshal"
    path.mkdir()
    (path / "inside").write_text("a directory where the file should be")
    with pytest.raises(OSError):
        sealed.write(str(path), (1,))
    with pytest.raises(ValueError):
        sealed.write(str(tmp_path / "other.marshal"), (object(),))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kept.marshal"]


def test_old_files_are_pruned_to_the_newest_once_twice_as_many(tmp_path: Path) -> None:
    import os

    def make(n: int) -> None:
        path = tmp_path / f"fact-{n:02d}"
        sealed.write(str(path), (n,))
        os.utime(path, ns=(n * 10**9, n * 10**9))

    (tmp_path / "other").write_text("not a fact")
    for n in range(7):
        make(n)
        sealed.keep_newest(str(tmp_path), "fact-", 4)
    assert len(list(tmp_path.glob("fact-*"))) == 7  # under twice as many: only listed
    make(7)
    sealed.keep_newest(str(tmp_path), "fact-", 4)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fact-04", "fact-05", "fact-06", "fact-07", "other"]
