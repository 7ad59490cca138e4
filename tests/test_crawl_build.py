"""Crawl + build on a tiny in-test Hub served through httpx.MockTransport.

The full end-to-end path over real HTTP is in test_e2e_nightly.py; these tests pin the crawl's
pass planning, resume and the build's tables on worlds small enough to reason about by hand.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import duckdb
import httpx
import pytest

from hubstudy.build import build
from hubstudy.client import HubClient
from hubstudy.crawl import crawl, crawl_repo_type
from hubstudy.storage import DataDir

from tinyhub import T0, client_for, iso, world  # noqa: F401  (world is a fixture)


def test_first_crawl_is_one_pass_per_repo_type_with_heavy_fields(tmp_path, world):
    dd = DataDir(tmp_path)
    dd.ensure()
    results = crawl(client_for(world), dd, "2024-02-01", page_size=4)
    assert [r.mode for r in results] == ["full", "full", "full"]
    kinds = [k for k, _ in world.log]
    assert kinds.count("models") == 3 and kinds.count("datasets") == 1 and kinds.count("spaces") == 1
    assert "cardData" in world.log[0][1]["expand"]
    assert world.log[0][1]["sort"] == ["createdAt"]


def test_build_makes_the_public_tables_with_lineage_and_families(tmp_path, world):
    dd = DataDir(tmp_path)
    dd.ensure()
    crawl(client_for(world), dd, "2024-02-01", page_size=4)
    res = build(dd, "2024-02-01", analysis_dir=None)
    con = duckdb.connect(str(res.db_path), read_only=True)
    assert con.execute("SELECT count(*) FROM models").fetchone()[0] == 9
    assert con.execute("SELECT count(*) FROM datasets").fetchone()[0] == 4
    assert con.execute("SELECT count(*) FROM spaces").fetchone()[0] == 3
    by_rel = dict(con.execute("SELECT relation, count(*) FROM lineage GROUP BY ALL").fetchall())
    assert by_rel == {"finetune": 5, "quantized": 1, "merge": 2}
    assert con.execute("SELECT root_id, depth FROM model_family WHERE id = 'org/m6'").fetchone() == ("org/m0", 2)
    assert con.execute("SELECT relation, n_parents FROM models WHERE id = 'org/m7'").fetchone() == ("merge", 2)
    assert con.execute("SELECT license, num_parameters FROM models WHERE id = 'org/m3'").fetchone() == ("mit", 1003)
    q = con.execute("SELECT id, reason FROM quarantine WHERE stage = 'lineage'").fetchall()
    assert ("org/m8", "bad_base_model") in q
    assert con.execute("SELECT count(*) FROM crawl_runs WHERE status = 'complete'").fetchone()[0] == 3
    assert con.execute("SELECT bool_and(passed) FROM quality_checks").fetchone()[0] is True


def test_second_night_is_a_light_pass_plus_only_the_changed_models(tmp_path, world):
    dd = DataDir(tmp_path)
    dd.ensure()
    c = client_for(world)
    crawl(c, dd, "2024-02-01", page_size=4, lookback_s=0)
    world.log.clear()
    changed = world.repos["models"][2]
    changed["lastModified"] = iso(T0 + timedelta(days=400))
    changed["cardData"] = {"base_model": "org/m0", "license": "apache-2.0"}
    res = crawl_repo_type(c, dd, "model", "2024-02-02", page_size=4, lookback_s=0)
    assert res.mode == "incremental"
    light = [q for k, q in world.log if "cardData" not in q["expand"]]
    heavy = [q for k, q in world.log if "cardData" in q["expand"]]
    assert len(light) == 3  # ceil(9 / 4)
    assert len(heavy) == 1 and heavy[0]["sort"] == ["lastModified"]
    crawl(c, dd, "2024-02-02", page_size=4, repo_types=("dataset", "space"))
    out = build(dd, "2024-02-02", analysis_dir=None)
    con = duckdb.connect(str(out.db_path), read_only=True)
    assert con.execute("SELECT card_data->>'$.license', heavy_fetched_at FROM models WHERE id = 'org/m2'").fetchone() == (
        "apache-2.0", datetime(2024, 2, 2).date())
    # unchanged models keep the heavy fields of the first night
    assert con.execute("SELECT card_data->>'$.license' FROM models WHERE id = 'org/m3'").fetchone()[0] == "mit"
    assert con.execute("SELECT count(DISTINCT snapshot_date) FROM model_snapshots").fetchone()[0] == 2


def _interrupted_crawl(tmp_path, world) -> DataDir:
    """A models crawl (pages of 2) that the Hub fails after its second page."""
    dd = DataDir(tmp_path)
    dd.ensure()
    world.fail_after = 2
    c = HubClient("http://hub.test", transport=httpx.MockTransport(world), sleep=lambda s: None, max_retries=1)
    with pytest.raises(Exception, match="503"):
        crawl_repo_type(c, dd, "model", "2024-02-01", page_size=2)
    return dd


def test_an_interrupted_crawl_resumes_from_the_last_page_and_loses_nothing(tmp_path, world):
    dd = _interrupted_crawl(tmp_path, world)
    assert (dd.snapshot("model", "2024-02-01") / "_progress.json").exists()
    assert not (dd.snapshot("model", "2024-02-01") / "_SUCCESS").exists()
    world.fail_after = None
    world.log.clear()
    res = crawl_repo_type(client_for(world), dd, "model", "2024-02-01", page_size=2)
    assert res.status == "complete" and res.rows == 9 and len(world.log) == 3  # pages 3-5 only
    crawl(client_for(world), dd, "2024-02-01", page_size=2, repo_types=("dataset", "space"))
    con = duckdb.connect(str(build(dd, "2024-02-01", analysis_dir=None).db_path), read_only=True)
    assert con.execute("SELECT count(*), count(DISTINCT id) FROM models").fetchone() == (9, 9)
    runs = con.execute("SELECT status, resumed FROM crawl_runs WHERE repo_type = 'model' ORDER BY started_at").fetchall()
    assert ("complete", True) in runs


def test_a_partial_snapshot_is_never_published(tmp_path, world):
    dd = DataDir(tmp_path)
    dd.ensure()
    crawl(client_for(world), dd, "2024-02-01", page_size=4, repo_types=("model",))
    with pytest.raises(Exception, match="quality gate refused"):
        build(dd, "2024-02-01", analysis_dir=None)
    assert not dd.db.exists()


def test_an_expand_field_the_hub_refuses_costs_that_field_not_the_night(tmp_path, world):
    def strict(req: httpx.Request) -> httpx.Response:
        if "evalResults" in req.url.params.get_list("expand"):
            return httpx.Response(400, json={"error": "Invalid expand value: evalResults"})
        return world(req)

    dd = DataDir(tmp_path)
    dd.ensure()
    msgs: list[str] = []
    res = crawl_repo_type(client_for(strict), dd, "model", "2024-02-01", page_size=4, emit=msgs.append)
    assert res.status == "complete" and res.rows == 9
    assert any("refused expand=evalResults" in m for m in msgs)
    assert all("evalResults" not in q.get("expand", []) for _, q in world.log)


def test_the_raw_records_stay_queryable_beside_the_parsed_tables(tmp_path, world):
    dd = DataDir(tmp_path)
    dd.ensure()
    crawl(client_for(world), dd, "2024-02-01", page_size=4)
    con = duckdb.connect(str(build(dd, "2024-02-01", analysis_dir=None).db_path), read_only=True)
    raw = con.execute("SELECT raw->>'$.sha', raw->>'$.createdAt' FROM models_raw WHERE id = 'org/m3'").fetchone()
    assert raw == (f"{3:040x}", iso(T0 + timedelta(days=3)))
    assert con.execute("SELECT count(*) FROM spaces_raw").fetchone()[0] == 3


def _snapshot_files(root) -> dict[str, bytes]:
    """Every page file of a data directory, by path relative to its snapshots folder."""
    snaps = root / "snapshots"
    return {str(f.relative_to(snaps)): f.read_bytes() for f in sorted(snaps.rglob("page-*")) if f.is_file()}


def test_page_worker_processes_write_the_same_pages_with_the_same_requests(tmp_path, world):
    import pyarrow.parquet as pq

    out = {}
    for workers in (0, 2):
        dd = DataDir(tmp_path / f"w{workers}")
        dd.ensure()
        world.log.clear()
        c = client_for(world)
        crawl(c, dd, "2024-02-01", page_size=2, lookback_s=0, page_workers=workers)
        first = len(world.log)
        world.repos["models"][4]["lastModified"] = iso(T0 + timedelta(days=500))
        crawl(c, dd, "2024-02-02", page_size=2, lookback_s=0, page_workers=workers)
        world.repos["models"][4]["lastModified"] = iso(T0 + timedelta(days=4))  # as it was, for the other run
        state = (dd.state / "crawl_state.json").read_bytes()
        out[workers] = (first, len(world.log), _snapshot_files(dd.root), state)
    (r0, n0, files0, st0), (r2, n2, files2, st2) = out[0], out[2]
    assert (r2, n2) == (r0, n0) and n0 > r0
    assert files0.keys() == files2.keys() and any("heavy" in k for k in files0)
    for name in files0:
        if name.endswith(".parquet"):  # same rows and values (file bytes may differ in metadata)
            a = pq.read_table(tmp_path / "w0" / "snapshots" / name)
            b = pq.read_table(tmp_path / "w2" / "snapshots" / name)
            assert a.equals(b), name
        else:
            assert files0[name] == files2[name], name
    import json

    hwm0 = {k: v for k, v in json.loads(st0).items() if isinstance(v, dict)}
    hwm2 = {k: v for k, v in json.loads(st2).items() if isinstance(v, dict)}
    strip = lambda d: {t: {day: {k: x for k, x in run.items() if k != "duration_s"} for day, run in runs.items()}  # noqa: E731
                       for t, runs in d.items()}
    assert strip(hwm0) == strip(hwm2)


def test_a_resumed_crawl_drops_pages_written_beyond_its_resume_point(tmp_path, world):
    dd = _interrupted_crawl(tmp_path, world)
    full = dd.snapshot("model", "2024-02-01") / "full"
    # what a page worker of a killed run may leave: a page the resume point does not count yet,
    # and one the resumed listing will not reach
    stale = [full / "page-000003.parquet", full / "page-000099.parquet", full / "page-000099.json.zst"]
    for f in stale:
        f.write_bytes(b"left by a killed run")
    world.fail_after = None
    res = crawl_repo_type(client_for(world), dd, "model", "2024-02-01", page_size=2)
    assert res.status == "complete" and res.rows == 9
    assert not stale[1].exists() and not stale[2].exists()
    assert stale[0].read_bytes() != b"left by a killed run"  # asked again and rewritten
    # pages 1-2 landed (one file) before the failure; the resumed run wrote pages 3-5 (one file)
    assert sorted(f.name for f in full.glob("page-*.parquet")) == ["page-000001.parquet", "page-000003.parquet"]
    assert sorted(f.name for f in full.glob("page-*.json.zst")) == [f"page-{n:06d}.json.zst" for n in range(1, 6)]
    pages = duckdb.sql(f"SELECT page, count(*) FROM read_parquet('{full}/page-*.parquet') GROUP BY 1 ORDER BY 1").fetchall()
    assert pages == [(1, 2), (2, 2), (3, 2), (4, 2), (5, 1)]


@pytest.mark.parametrize("per_file", [2, 3])
def test_pages_are_written_in_groups_with_the_rows_of_one_file_per_page(tmp_path, world, per_file):
    """Groups of pages in one Parquet file (named after the first) hold the rows that one file per
    page holds, each with its own page and position; each page's body is still kept on its own."""
    found = {}
    for n in (1, per_file):
        dd = DataDir(tmp_path / str(n))
        dd.ensure()
        res = crawl_repo_type(client_for(world), dd, "model", "2024-02-01", page_size=2, pages_per_file=n)
        assert res.status == "complete" and res.rows == 9 and res.pages == 5
        full = dd.snapshot("model", "2024-02-01") / "full"
        names = sorted(f.name for f in full.glob("page-*.parquet"))
        assert names == [f"page-{k:06d}.parquet" for k in range(1, 6, n)]
        assert sorted(f.name for f in full.glob("page-*.json.zst")) == [f"page-{k:06d}.json.zst" for k in range(1, 6)]
        for name in names:  # a file holds its group's pages, and only those
            first = int(name[5:11])
            got = duckdb.sql(f"SELECT DISTINCT page FROM '{full / name}' ORDER BY 1").fetchall()
            assert got == [(k,) for k in range(first, min(first + n, 6))]
        found[n] = duckdb.sql(f"SELECT * FROM read_parquet('{full}/page-*.parquet') ORDER BY page, pos").fetchall()
    assert found[per_file] == found[1] and len(found[1]) == 9


def test_pages_per_file_must_be_positive(tmp_path, world):
    with pytest.raises(ValueError, match="pages_per_file"):
        crawl_repo_type(client_for(world), DataDir(tmp_path), "model", "2024-02-01", page_size=2, pages_per_file=0)


def test_the_build_memory_limit_is_checked_before_it_reaches_duckdb(tmp_path, world, monkeypatch):
    from hubstudy.errors import ConfigError

    dd = DataDir(tmp_path)
    dd.ensure()
    crawl(client_for(world), dd, "2024-02-01", page_size=4)
    monkeypatch.setenv("HUBSTUDY_BUILD_MEMORY", "1GB'; DROP TABLE models; --")
    with pytest.raises(ConfigError, match="HUBSTUDY_BUILD_MEMORY"):
        build(dd, "2024-02-01", analysis_dir=None)
    assert not dd.db.exists()
    monkeypatch.setenv("HUBSTUDY_BUILD_MEMORY", "512MB")
    con = duckdb.connect(str(build(dd, "2024-02-01", analysis_dir=None).db_path), read_only=True)
    assert con.execute("SELECT count(*) FROM models").fetchone()[0] == 9


@pytest.mark.parametrize("ram, expected", [(2e9, "1.0GB"), (8e9, "2.0GB"), (24 * 2**30, "4.0GB"), (512e9, "4.0GB")])
def test_the_default_build_memory_is_a_quarter_of_ram_within_bounds(monkeypatch, ram, expected):
    from hubstudy import build as build_module

    monkeypatch.setattr(build_module.os, "sysconf", lambda name: {"SC_PAGE_SIZE": 4096, "SC_PHYS_PAGES": int(ram // 4096)}[name])
    monkeypatch.delenv("HUBSTUDY_BUILD_MEMORY", raising=False)
    assert build_module.default_memory_limit() == expected
    assert build_module.build_memory_limit() == expected


def test_the_build_computes_each_analysis_into_a_table_and_keeps_a_failing_one_a_view(tmp_path, world):
    dd = DataDir(tmp_path / "data")
    dd.ensure()
    crawl(client_for(world), dd, "2024-02-01", page_size=4)
    analyses = tmp_path / "analysis"
    analyses.mkdir()
    (analyses / "per_relation.sql").write_text("-- Lineage edges per relation.\nSELECT relation, count(*) AS n FROM lineage GROUP BY ALL")
    (analyses / "total.sql").write_text("-- All edges, from per_relation.\nSELECT sum(n)::BIGINT AS n FROM per_relation")
    (analyses / "broken.sql").write_text("-- Fails when evaluated, not when defined.\nSELECT error('no such figure') AS x FROM models")
    said: list[str] = []
    res = build(dd, "2024-02-01", analysis_dir=analyses, emit=said.append)
    con = duckdb.connect(str(res.db_path), read_only=True)
    kinds = dict(con.execute("SELECT table_name, table_type FROM information_schema.tables WHERE table_name IN "
                             "('per_relation', 'total', 'broken')").fetchall())
    assert kinds == {"per_relation": "BASE TABLE", "total": "BASE TABLE", "broken": "VIEW"}
    assert dict(con.execute("SELECT relation, n FROM per_relation").fetchall()) == {"finetune": 5, "quantized": 1, "merge": 2}
    assert con.execute("SELECT n FROM total").fetchall() == [(8,)]
    comment = con.execute("SELECT comment FROM duckdb_tables() WHERE table_name = 'per_relation'").fetchone()[0]
    assert comment.startswith("Lineage edges per relation.") and "analysis/per_relation.sql" in comment
    assert any("broken stays a view" in s and "no such figure" in s for s in said)
    with pytest.raises(duckdb.Error, match="no such figure"):
        con.execute("SELECT * FROM broken").fetchall()


def _compression(con, table: str) -> dict[str, set[str]]:
    rows = con.execute(f"SELECT column_name, compression FROM pragma_storage_info('{table}') WHERE segment_type = 'VARCHAR'").fetchall()
    out: dict[str, set[str]] = {}
    for column, compression in rows:
        out.setdefault(column, set()).add(compression)
    return out


def test_ids_are_stored_with_zstd_and_short_labels_keep_the_default(tmp_path, world):
    """Storage only (the values are the same): unique ids, written by the million each night, are
    cheaper to write with zstd; the low-cardinality labels keep DuckDB's own choice."""
    dd = DataDir(tmp_path)
    dd.ensure()
    c = client_for(world)
    crawl(c, dd, "2024-02-01", page_size=4, lookback_s=0)
    build(dd, "2024-02-01", analysis_dir=None)
    crawl(c, dd, "2024-02-02", page_size=4, lookback_s=0)
    res = build(dd, "2024-02-02", analysis_dir=None)
    assert res.base == "2024-02-01"  # the incremental path: rows written into the night-one tables
    con = duckdb.connect(str(res.db_path), read_only=True)
    for table, column in (("models", "id"), ("models", "sha"), ("datasets", "id"), ("spaces", "id"), ("model_snapshots", "id"),
                          ("lineage", "child_id"), ("lineage", "parent_id"), ("model_family", "root_id"),
                          ("eval_scores", "model_id"), ("study_edges", "child_id"), ("study_root_edges", "parent_id")):
        if con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]:
            assert _compression(con, table)[column] == {"ZSTD"}, (table, column)
    assert "ZSTD" not in _compression(con, "models")["pipeline_tag"]
    assert "ZSTD" not in _compression(con, "lineage")["relation"]


def test_a_first_build_with_little_memory_reads_the_cards_from_the_pages_and_gives_the_same_models(tmp_path, world, monkeypatch):
    """Under CARDS_IN_MEMORY_GB of build memory the first night's cards stay in the pages (read by
    the insert); above it they are copied into memory with the rest. Same rows either way."""
    dd = DataDir(tmp_path)
    dd.ensure()
    crawl(client_for(world), dd, "2024-02-01", page_size=4)
    rows = {}
    for memory in ("1GB", "4GB"):
        monkeypatch.setenv("HUBSTUDY_BUILD_MEMORY", memory)
        res = build(dd, "2024-02-01", analysis_dir=None, full=True)
        con = duckdb.connect(str(res.db_path), read_only=True)
        rows[memory] = con.execute("SELECT * EXCLUDE (card_data, model_index, eval_results), CAST(card_data AS VARCHAR), "
                                   "CAST(model_index AS VARCHAR) FROM models ORDER BY id").fetchall()
        con.close()
    assert rows["1GB"] == rows["4GB"]
    assert any(r[-2] is not None for r in rows["1GB"])  # cards were read
