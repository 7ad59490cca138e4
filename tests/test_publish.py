"""Readers are never blocked or misled: atomic publish, read-only queries, one nightly at a time."""

from __future__ import annotations

import subprocess
import sys

import duckdb
import pytest

import hubstudy.build
from hubstudy.build import build
from hubstudy.crawl import crawl
from hubstudy.errors import LockError
from hubstudy.pipeline import Settings, nightly
from hubstudy.storage import DataDir

from tinyhub import client_for, model, world  # noqa: F401


def crawl_and_build(dd: DataDir, hub, date: str):
    crawl(client_for(hub), dd, date, page_size=4)
    return build(dd, date, analysis_dir=None)


def test_a_reader_holding_the_old_file_keeps_its_state_while_a_new_build_is_published(tmp_path, world):
    dd = DataDir(tmp_path)
    dd.ensure()
    crawl_and_build(dd, world, "2024-02-01")
    reader = duckdb.connect(str(dd.db), read_only=True)
    before = reader.execute("SELECT count(*) FROM models").fetchone()[0]
    world.repos["models"].append(model(50))
    crawl_and_build(dd, world, "2024-02-02")
    # the open connection still reads the file it opened: the old state, whole
    assert reader.execute("SELECT count(*) FROM models").fetchone()[0] == before
    assert reader.execute("SELECT max(snapshot_date) FROM models").fetchone()[0].isoformat() == "2024-02-01"
    # a new reader (another process: DuckDB shares one instance per path inside a process) sees the new state
    out = subprocess.run([sys.executable, "-c", "import duckdb, sys; print(duckdb.connect(sys.argv[1], read_only=True)"
                          ".execute('SELECT count(*) FROM models').fetchone()[0])", str(dd.db)],
                         capture_output=True, text=True, check=True)
    assert int(out.stdout) == before + 1
    assert not list(tmp_path.glob(".hub.duckdb.building-*"))


def test_a_failed_quality_gate_keeps_the_previous_database(tmp_path, world):
    dd = DataDir(tmp_path)
    dd.ensure()
    crawl_and_build(dd, world, "2024-02-01")
    world.repos["models"] = world.repos["models"][:3]  # 9 -> 3 models: a 67% drop
    with pytest.raises(Exception, match="models_count_vs_previous"):
        crawl_and_build(dd, world, "2024-02-02")
    con = duckdb.connect(str(dd.db), read_only=True)
    assert con.execute("SELECT count(*) FROM models").fetchone()[0] == 9
    con.close()
    forced = build(dd, "2024-02-02", analysis_dir=None, force=True)
    assert forced.published and forced.counts["models"] == 3


def test_a_second_nightly_on_the_same_data_dir_refuses_with_a_clear_message(tmp_path):
    dd = DataDir(tmp_path)
    s = Settings.from_args(endpoint="http://127.0.0.1:9", data_dir=str(tmp_path), date="2024-02-01", anonymous=True)
    with dd.lock():
        with pytest.raises(LockError, match=r"another hubstudy run .*only one nightly runs per data directory"):
            nightly(s)


def test_hubstudy_sql_opens_the_database_read_only(tmp_path, world):
    dd = DataDir(tmp_path)
    dd.ensure()
    crawl_and_build(dd, world, "2024-02-01")
    run = lambda q: subprocess.run([sys.executable, "-m", "hubstudy.cli", "sql", "--data-dir", str(tmp_path), q],
                                   capture_output=True, text=True)
    ok = run("SELECT count(*) AS n FROM models")
    assert ok.returncode == 0 and "9" in ok.stdout
    bad = run("DELETE FROM models")
    assert bad.returncode == 2 and "read-only" in bad.stderr.lower()
    con = duckdb.connect(str(dd.db), read_only=True)
    assert con.execute("SELECT count(*) FROM models").fetchone()[0] == 9


def test_the_draft_is_written_without_fsyncs_and_synced_once_before_it_is_published(tmp_path, world, monkeypatch):
    """DuckDB's fsync per commit is off while the build writes its private draft (the draft is
    discarded by any failure), and the finished file is synced before the rename publishes it.
    The published database carries no such setting: readers get DuckDB's standard mode."""
    modes, synced = [], []
    real_off, real_sync = hubstudy.build._fsync_off, hubstudy.build._sync_file

    def fsync_off(con):
        out = real_off(con)
        modes.append(con.execute("SELECT current_setting('fsync_mode')").fetchone()[0])
        return out

    def sync_file(path):
        synced.append((path.name, path.exists(), (path.parent / "hub.duckdb").exists()))
        real_sync(path)

    monkeypatch.setattr(hubstudy.build, "_fsync_off", fsync_off)
    monkeypatch.setattr(hubstudy.build, "_sync_file", sync_file)
    dd = DataDir(tmp_path)
    dd.ensure()
    res = crawl_and_build(dd, world, "2024-02-01")
    assert [m.upper() for m in modes] == ["NONE"]
    assert len(synced) == 1 and synced[0][0].startswith(".hub.duckdb.building-")
    assert synced[0][1:] == (True, False)  # the draft, synced before the rename made it hub.duckdb
    con = duckdb.connect(str(res.db_path), read_only=True)
    assert con.execute("SELECT current_setting('fsync_mode')").fetchone()[0].upper() == "STANDARD"
    assert con.execute("SELECT count(*) FROM models").fetchone()[0] > 0
