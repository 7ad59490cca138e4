"""Keep a local copy of a dataset folder's parquet files, downloading only what changed.

Files are found with the tree API (``GET /api/datasets/<id>/tree/<rev>/<folder>?recursive=true``,
paginated by ``Link``) and downloaded from ``/datasets/<id>/resolve/<rev>/<path>``. A file is
downloaded again only when its ``oid`` or ``size`` differs from the last run (kept in a small
state JSON) or the local copy is missing or of the wrong size. Local files the tree no longer
lists are removed, so the loader can read whatever the folder holds.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import quote

from hubstudy.errors import HubResponseError

Log = Callable[[str], None]


@dataclass(frozen=True)
class RemoteFile:
    path: str
    oid: str
    size: int


def remote_files(entries: list[Any], folder: str, suffix: str = ".parquet") -> tuple[list[RemoteFile], list[str]]:
    """The files worth fetching from tree entries, and a note for each entry that is unusable.

    >>> files, bad = remote_files([
    ...     {"type": "directory", "oid": "d", "size": 0, "path": "data"},
    ...     {"type": "file", "oid": "a1", "size": 10, "path": "data/train-00000-of-00001.parquet"},
    ...     {"type": "file", "oid": "b2", "size": 5, "path": "data/../../etc/passwd.parquet"}], "data")
    >>> [f.path for f in files], len(bad)
    (['data/train-00000-of-00001.parquet'], 1)
    """
    files: list[RemoteFile] = []
    bad: list[str] = []
    prefix = PurePosixPath(folder)
    for entry in entries:
        if not isinstance(entry, dict) or entry.get("type") != "file":
            continue
        path, oid, size = entry.get("path"), entry.get("oid"), entry.get("size")
        if not isinstance(path, str) or not path.endswith(suffix):
            continue
        pure = PurePosixPath(path)
        if pure.is_absolute() or ".." in pure.parts or prefix not in pure.parents:
            bad.append(f"unsafe or foreign path {path!r}")
            continue
        if not isinstance(oid, str) or not isinstance(size, int) or isinstance(size, bool) or size < 0:
            bad.append(f"{path}: missing oid or size")
            continue
        files.append(RemoteFile(path, oid, size))
    return sorted(files, key=lambda f: f.path), bad


def _tree_entries(client: Any, path: str) -> list[Any]:
    """Every entry of a recursive tree listing, following ``Link`` pages when the client can."""
    params = {"recursive": "true"}
    if hasattr(client, "paginate"):
        return [entry for page in client.paginate(path, params) for entry in page.records]
    entries = client.get_json(path, params)  # a client with only get_json sees the first page
    if not isinstance(entries, list):
        raise HubResponseError(f"{path}: the tree listing is not a JSON list")
    return entries


def sync_folder(
    client: Any,
    repo_id: str,
    folder: str,
    dest: Path,
    previous: dict[str, Any],
    log: Log,
    revision: str = "main",
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Bring ``dest`` in line with the dataset folder. Returns (new state, counts).

    ``previous`` is this source's state from the last run: ``{"files": {path: {"oid", "size"}}}``.
    Raises :class:`hubstudy.errors.HubError` when the Hub cannot be read; files already on disk
    are then left as they were.
    """
    tree = f"/api/datasets/{repo_id}/tree/{quote(revision, safe='')}/{quote(folder)}"
    files, bad = remote_files(_tree_entries(client, tree), folder)
    for note in bad:
        log(f"evals: {repo_id}: skipped tree entry: {note}")
    if not files:
        # An empty answer must not wipe the copy we have: treat it as a fault of the Hub.
        raise HubResponseError(f"{repo_id}: the tree of {folder}/ lists no parquet file")

    known = previous.get("files", {}) if isinstance(previous, dict) else {}
    counts = {"files": len(files), "downloaded": 0, "unchanged": 0, "removed": 0, "bytes": 0, "bad_entries": len(bad)}
    state_files: dict[str, dict[str, Any]] = {}
    for f in files:
        local = dest / f.path
        was = known.get(f.path) or {}
        if was.get("oid") == f.oid and was.get("size") == f.size and local.is_file() and local.stat().st_size == f.size:
            counts["unchanged"] += 1
        else:
            log(f"evals: downloading {repo_id}/{f.path} ({f.size:,} bytes)")
            client.download(f"/datasets/{repo_id}/resolve/{quote(revision, safe='')}/{quote(f.path)}", local)
            got = local.stat().st_size
            if got != f.size:
                local.unlink(missing_ok=True)
                raise HubResponseError(f"{repo_id}/{f.path}: downloaded {got} bytes, the tree said {f.size}")
            counts["downloaded"] += 1
            counts["bytes"] += got
        state_files[f.path] = {"oid": f.oid, "size": f.size}

    wanted = {(dest / f.path).resolve() for f in files}
    root = dest / folder
    if root.exists():
        for stale in root.rglob("*.parquet"):
            if stale.resolve() not in wanted:
                stale.unlink()
                counts["removed"] += 1
                log(f"evals: removed {stale.relative_to(dest)} (no longer in {repo_id})")
    return {"repo_id": repo_id, "revision": revision, "files": state_files}, counts
