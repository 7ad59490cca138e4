"""Network and server faults from the replay's fault injection: the crawl completes with correct data,
and a fault that outlasts the retries fails the run clearly, keeps its pages and publishes nothing."""

from __future__ import annotations

import duckdb
import pytest

from hubstudy import replay
from hubstudy.build import build
from hubstudy.client import HubClient
from hubstudy.crawl import crawl
from hubstudy.errors import HubError, QualityGateError
from hubstudy.storage import DataDir

pytestmark = pytest.mark.e2e
DATE = "2026-09-01"


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    w = tmp_path_factory.mktemp("faults") / "world"
    replay.generate(w, models=1500, datasets=600, spaces=400, seed=4)
    return w


def fast_client(url: str) -> HubClient:
    return HubClient(url, None, timeout=1.0, backoff_base=0.02, backoff_cap=0.2, reset_margin=0.0, max_retries=5)


def crawl_and_build(url: str, root, page_workers: int = 0, **kw):
    dd = DataDir(root)
    dd.ensure()
    with fast_client(url) as c:
        crawl(c, dd, DATE, page_size=100, page_workers=page_workers)
        stats = c.stats.snapshot()
    build(dd, DATE, analysis_dir=None, emit=lambda s: None, **kw)
    return dd, stats


def snapshot_of(dd: DataDir):
    con = duckdb.connect(str(dd.db), read_only=True)
    out = {t: sorted(con.execute(f"SELECT {cols} FROM {t}").fetchall()) for t, cols in (
        ("models", "id, sha, downloads_30d, card_data::VARCHAR"), ("datasets", "id, sha"), ("spaces", "id, sha"),
        ("lineage", "child_id, parent_id, relation"))}
    con.close()
    return out


@pytest.fixture(scope="module")
def reference(world, tmp_path_factory):
    with replay.ReplayServer(world) as srv:
        dd, _ = crawl_and_build(srv.url, tmp_path_factory.mktemp("ref"))
    return snapshot_of(dd)


# request numbers count listing requests (retries included); all of these land in the models pass
FAULTS = ("at:1=repeat,at:3=503@3x,at:7=drop,at:10=slow@2s,at:13=429@2,at:16=badjson,at:19=truncate,"
          "at:22=502,at:23=504,at:24=500,scope:listing,retry:0")


# 0: pages decoded in the crawling process; 2: page worker processes (the crawling process only
# validates the JSON), which is what a machine with 2+ cores runs
@pytest.mark.parametrize("workers", [0, 2])
def test_every_fault_kind_is_survived_and_the_data_is_identical(world, reference, tmp_path, workers):
    with replay.ReplayServer(world, faults=replay.parse_faults(FAULTS)) as srv:
        dd, stats = crawl_and_build(srv.url, tmp_path, page_workers=workers)
        injected = srv.stats_snapshot()["faults"]
    for kind in ("503", "drop", "slow", "429", "badjson", "truncate", "repeat", "502", "504", "500"):
        assert injected.get(kind, 0) >= 1, (kind, injected)
    assert stats["retries"] >= 9 and stats["http_429"] >= 1
    assert snapshot_of(dd) == reference


@pytest.mark.parametrize("workers", [0, 2])
def test_a_fault_that_persists_fails_the_run_keeps_its_pages_and_publishes_nothing(world, reference, tmp_path, workers):
    dd = DataDir(tmp_path)
    dd.ensure()
    with replay.ReplayServer(world, faults=replay.parse_faults("at:4-400=503,scope:listing")) as srv:
        with fast_client(srv.url) as c, pytest.raises(HubError) as err:
            crawl(c, dd, DATE, page_size=100, page_workers=workers)
    assert "503" in str(err.value) and "resumes" in str(err.value)
    # the three pages fetched before the fault landed (one file: a group of pages), nothing after
    full = dd.snapshot("model", DATE) / "full"
    assert sorted(p.name for p in full.glob("page-*.parquet")) == ["page-000001.parquet"]
    assert sorted(p.name for p in full.glob("page-*.json.zst")) == [f"page-00000{n}.json.zst" for n in (1, 2, 3)]
    kept = duckdb.sql(f"SELECT DISTINCT page FROM read_parquet('{full}/page-*.parquet') ORDER BY 1").fetchall()
    assert kept == [(1,), (2,), (3,)]
    assert not (dd.snapshot("model", DATE) / "_SUCCESS").exists()
    with pytest.raises(QualityGateError, match="snapshot_complete"):
        build(dd, DATE, analysis_dir=None, emit=lambda s: None)
    assert not dd.db.exists()
    # the fault clears: the next run resumes from page 4 and ends with the same data as a clean crawl
    with replay.ReplayServer(world) as srv:
        with fast_client(srv.url) as c:
            crawl(c, dd, DATE, page_size=100, page_workers=workers)
        assert srv.stats_snapshot()["listing_by_type"]["model"] == 15 - 3
    build(dd, DATE, analysis_dir=None, emit=lambda s: None)
    assert snapshot_of(dd) == reference
    con = duckdb.connect(str(dd.db), read_only=True)
    runs = con.execute("SELECT status, resumed, error FROM crawl_runs WHERE repo_type = 'model' ORDER BY started_at, status").fetchall()
    assert ("complete", True, None) in runs
    assert any(s == "failed" and "503" in (e or "") for s, _, e in runs)
