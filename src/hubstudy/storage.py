"""Where things live under the data directory, and atomic writes.

    <data-dir>/
      hub.duckdb                               the published database (swapped in atomically)
      snapshots/<repo_type>/date=<D>/<pass>/page-000001.parquet
      snapshots/<repo_type>/date=<D>/<pass>/page-000001.json.zst
                                               listing pages, one pair per page: parsed columns,
                                               and the body exactly as received; pass is
                                               full (first crawl: light + heavy fields),
                                               light or heavy (incremental crawl)
      snapshots/<repo_type>/date=<D>/_progress.json   resume point of an unfinished crawl
      snapshots/<repo_type>/date=<D>/_SUCCESS         the snapshot is complete
      state/crawl_runs.jsonl                   one line per crawl run event
      state/crawl_state.json                   completed snapshots and their high-water marks
      evals/...                                eval source files
      .lock                                    held by a running nightly

Every file is written to a temporary name and renamed into place, so a crash leaves either the
old file or the new one, never half of one.
"""

from __future__ import annotations

import fcntl
import os
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import orjson
import pyarrow as pa
import pyarrow.parquet as pq

from .errors import LockError

REPO_TYPES = ("model", "dataset", "space")


def plural(repo_type: str) -> str:
    return repo_type + "s"


class DataDir:
    def __init__(self, root: str | os.PathLike[str]):
        self.root = Path(root).expanduser().resolve()

    @property
    def db(self) -> Path:
        return self.root / "hub.duckdb"

    @property
    def state(self) -> Path:
        return self.root / "state"

    def snapshot(self, repo_type: str, date: str) -> Path:
        return self.root / "snapshots" / plural(repo_type) / f"date={date}"

    def snapshot_dates(self, repo_type: str) -> list[str]:
        base = self.root / "snapshots" / plural(repo_type)
        if not base.exists():
            return []
        return sorted(p.name[5:] for p in base.iterdir() if p.name.startswith("date=") and (p / "_SUCCESS").exists())

    def ensure(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        self.state.mkdir(exist_ok=True)

    @contextmanager
    def lock(self) -> Iterator[None]:
        """Only one crawl or build at a time per data directory."""
        self.ensure()
        path = self.root / ".lock"
        fh = open(path, "a+")
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.seek(0)
            holder = fh.read().strip() or "another process"
            fh.close()
            raise LockError(
                f"another hubstudy run ({holder}) is working on {self.root}; "
                "wait for it to finish (only one nightly runs per data directory)"
            ) from None
        try:
            fh.seek(0)
            fh.truncate()
            fh.write(f"pid {os.getpid()}")
            fh.flush()
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)
            fh.close()


def atomic_write_bytes(path: Path, data: bytes, sync: bool = True) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    with open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        if sync:
            os.fsync(fh.fileno())
    os.replace(tmp, path)


def atomic_write_json(path: Path, obj: Any) -> None:
    atomic_write_bytes(path, orjson.dumps(obj, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS))


def read_json(path: Path, default: Any = None) -> Any:
    try:
        return orjson.loads(path.read_bytes())
    except FileNotFoundError:
        return default


def atomic_write_parquet(path: Path, table: pa.Table) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    pq.write_table(table, tmp, compression="zstd")
    os.replace(tmp, path)


def append_jsonl(path: Path, obj: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "ab") as fh:
        fh.write(orjson.dumps(obj) + b"\n")
        fh.flush()
        os.fsync(fh.fileno())
