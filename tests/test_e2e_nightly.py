"""End to end: the nightly flow over real HTTP against the local Hub replay.

Expected figures are computed here, independently, from the world files the generator wrote
(not from hubstudy's own code), and compared with what lands in DuckDB and what the replay saw.
"""

from __future__ import annotations

import json
import logging
import math
import re
from collections import Counter
from pathlib import Path

import duckdb
import pytest

from hubstudy import replay
from hubstudy.pipeline import Settings, nightly as plain_nightly

pytestmark = pytest.mark.e2e

N_MODELS, SEED = 2500, 11
DAY1, DAY2 = "2026-09-01", "2026-09-02"
# a fake token, assembled here so no token-shaped literal sits in the repository
CANARY = "hf_" + "E2Ecanary" + "0" * 28 + "1"
REL = re.compile(r"^base_model:(finetune|adapter|quantized|merge):(.+)$")


def read_world(world: Path, kind: str) -> list[dict]:
    with open(world / f"{kind}.jsonl", "rb") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def expected_edges(models: list[dict]) -> Counter:
    """Edges by relation, by the rule in study.md / hub-api.md: one per (child, parent) from the
    Hub's `base_model:<relation>:<parent>` tags; the card only where tags give none."""
    out: Counter = Counter()
    for m in models:
        mid = m["id"].lower()
        tag_rel = {}
        plain = set()
        for t in m.get("tags") or []:
            if not isinstance(t, str) or not t.startswith("base_model:"):
                continue
            hit = REL.match(t)
            if hit:
                tag_rel.setdefault(hit.group(2), hit.group(1))
            elif t.count(":") == 1:
                plain.add(t.split(":", 1)[1])
        parents = {p: tag_rel.get(p, "unknown") for p in plain | set(tag_rel)}
        parents = {p: r for p, r in parents.items() if p.lower() != mid}
        if not parents:
            card = m.get("cardData") if isinstance(m.get("cardData"), dict) else {}
            bm = card.get("base_model")
            vals = [bm] if isinstance(bm, str) else bm if isinstance(bm, list) else []
            rel = card.get("base_model_relation")
            rel = rel if rel in ("finetune", "adapter", "quantized", "merge") else "unknown"
            parents = {v.strip(): rel for v in vals if isinstance(v, str) and v.strip() and v.strip().lower() != mid}
        out.update(parents.values())
    return out


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    w = tmp_path_factory.mktemp("e2e") / "world"
    replay.generate(w, models=N_MODELS, datasets=1200, spaces=900, seed=SEED)
    return w


@pytest.fixture(scope="module")
def server(world):
    with replay.ReplayServer(world) as srv:
        yield srv


@pytest.fixture(scope="module")
def night1(world, server, tmp_path_factory, prefect_harness, monkeypatch_module):
    from hubstudy.flows import nightly

    data = tmp_path_factory.mktemp("data")
    reports = tmp_path_factory.mktemp("reports")
    monkeypatch_module.setenv("HF_TOKEN", CANARY)
    server.stats.reset()
    # page worker processes, as a user's machine with 2+ cores runs the crawl
    out = nightly(endpoint=server.url, data_dir=str(data), reports_dir=str(reports), date=DAY1, page_workers=2)
    return {"out": out, "data": data, "reports": reports, "stats": server.stats_snapshot()}


@pytest.fixture(scope="module")
def monkeypatch_module():
    mp = pytest.MonkeyPatch()
    yield mp
    mp.undo()


def db(data: Path):
    return duckdb.connect(str(data / "hub.duckdb"), read_only=True)


def test_tables_hold_exactly_the_served_world(world, night1):
    con = db(night1["data"])
    for kind in ("models", "datasets", "spaces"):
        served = {r["id"] for r in read_world(world, kind)}
        got = {r[0] for r in con.execute(f"SELECT id FROM {kind}").fetchall()}
        assert got == served, kind
    assert con.execute("SELECT count(*) FROM model_snapshots").fetchone()[0] == N_MODELS


def test_lineage_counts_by_relation_match_the_world(world, night1):
    con = db(night1["data"])
    got = Counter(dict(con.execute("SELECT relation, count(*) FROM lineage GROUP BY ALL").fetchall()))
    assert got == expected_edges(read_world(world, "models"))
    for rel in ("finetune", "adapter", "quantized", "merge"):
        assert got[rel] > 0
    merges = con.execute("SELECT count(*) FROM models WHERE relation = 'merge' AND n_parents >= 2").fetchone()[0]
    assert merges > 0


def test_renamed_parents_resolve_to_their_new_ids(world, night1):
    redirects = json.loads((world / "redirects.json").read_text())["model"]
    con = db(night1["data"])
    rows = con.execute("SELECT parent_declared, parent_id, parent_exists FROM lineage WHERE parent_declared <> parent_id").fetchall()
    renamed = [(d, p, e) for d, p, e in rows if d in redirects]
    assert renamed, "the world declares some parents by an old name"
    for declared, parent, exists in renamed:
        assert parent == redirects[declared] and exists


def test_the_first_crawl_costs_one_listing_request_per_1000_repos(world, night1):
    stats = night1["stats"]["listing_by_type"]
    for kind, rtype in (("models", "model"), ("datasets", "dataset"), ("spaces", "space")):
        n = len(read_world(world, kind))
        assert stats[rtype] == math.ceil(n / 1000), (kind, stats)


def test_crawl_runs_record_the_run(night1):
    con = db(night1["data"])
    rows = con.execute("SELECT repo_type, mode, status, listing_requests, requests FROM crawl_runs ORDER BY repo_type").fetchall()
    assert [(r[0], r[1], r[2]) for r in rows] == [("dataset", "full", "complete"), ("model", "full", "complete"),
                                                  ("space", "full", "complete")]
    assert all(r[3] >= 1 and r[4] >= r[3] for r in rows)
    assert con.execute("SELECT generated FROM world_info").fetchone()[0] is True


def test_the_token_never_lands_in_any_file_the_night_wrote(night1, caplog):
    hits = []
    for root in (night1["data"], night1["reports"]):
        for p in Path(root).rglob("*"):
            if p.is_file() and CANARY.encode() in p.read_bytes():
                hits.append(p)
    assert hits == []
    assert CANARY not in repr(night1["out"])


def test_the_study_views_are_built_from_the_served_eval_files(night1):
    con = db(night1["data"])
    sources = dict(con.execute("SELECT source, count(*) FROM eval_scores GROUP BY ALL").fetchall())
    assert sources.get("open_llm_leaderboard", 0) > 0 and sources.get("mteb", 0) > 0
    assert con.execute("SELECT count(*) FROM pair_outcomes").fetchone()[0] > 0


# study_edges and study_root_edges as first written, grouping the rows they join: the same rows
# as the views when, as the build guarantees, lineage has one row per (child, parent) and
# model_family and models one per id.
GROUPED_EDGES = """
SELECT l.child_id, l.parent_id,
       coalesce(arg_min(l.relation, CASE l.source WHEN 'tags' THEN 0 ELSE 1 END), 'unknown') AS relation,
       any_value(f.depth) AS depth
FROM lineage l LEFT JOIN model_family f ON f.id = l.child_id
WHERE l.child_id IS NOT NULL AND l.parent_id IS NOT NULL AND l.child_id <> l.parent_id
GROUP BY l.child_id, l.parent_id"""
GROUPED_ROOT_EDGES = """
SELECT f.id AS child_id, f.root_id AS parent_id,
       coalesce(any_value(m.relation), min(e.relation), 'unknown') AS relation, f.depth
FROM model_family f LEFT JOIN models m ON m.id = f.id LEFT JOIN study_edges e ON e.child_id = f.id
WHERE f.root_id IS NOT NULL AND f.id <> f.root_id AND coalesce(f.depth, 0) >= 1
GROUP BY f.id, f.root_id, f.depth"""


def test_the_study_edge_tables_hold_their_grouped_definitions_rows(night1):
    con = db(night1["data"])
    for table, key in (("lineage", "child_id, parent_id"), ("model_family", "id"), ("models", "id")):
        assert con.execute(f"SELECT count(*) FROM (SELECT {key} FROM {table} GROUP BY ALL HAVING count(*) > 1)").fetchone()[0] == 0
    # a world with what the grouping covered: several parents, edges from cards, models without lineage
    sources, most_parents = con.execute("SELECT count(DISTINCT source), max(n_parents) FROM lineage JOIN models ON id = child_id").fetchone()
    assert sources == 2 and most_parents >= 2
    assert con.execute("SELECT count(*) FROM models WHERE n_parents = 0").fetchone()[0] > 0
    for table, grouped in (("study_edges", GROUPED_EDGES), ("study_root_edges", GROUPED_ROOT_EDGES)):
        got = sorted(con.execute(f"SELECT * FROM {table}").fetchall(), key=repr)
        assert got and got == sorted(con.execute(grouped).fetchall(), key=repr), table


BENCHMARKS = ("IFEval", "BBH", "MATH Lvl 5", "GPQA", "MUSR", "MMLU-PRO")


def world_edges(world: Path) -> set[tuple[str, str]]:
    """(child, parent) pairs from the world files: tags first, else the card; renamed and
    differently-cased parents mapped to the crawled id; self-loops left out."""
    models = read_world(world, "models")
    ids = {m["id"] for m in models}
    lower = {}
    for i in sorted(ids):
        lower.setdefault(i.lower(), i)
    redirects = json.loads((world / "redirects.json").read_text())["model"]

    def norm(p: str) -> str:
        if p in ids:
            return p
        if p in redirects:
            return lower.get(redirects[p].lower(), redirects[p])
        return lower.get(p.lower(), p)

    edges = set()
    for m in models:
        parents = [t.split(":", 1)[1] for t in m.get("tags") or [] if isinstance(t, str)
                   and t.startswith("base_model:") and t.count(":") == 1]
        parents += [REL.match(t).group(2) for t in m.get("tags") or [] if isinstance(t, str) and REL.match(t)]
        parents = [p for p in parents if p.lower() != m["id"].lower()]
        if not parents:
            card = m.get("cardData") if isinstance(m.get("cardData"), dict) else {}
            bm = card.get("base_model")
            vals = [bm] if isinstance(bm, str) else bm if isinstance(bm, list) else []
            parents = [v.strip() for v in vals if isinstance(v, str) and v.strip() and v.strip().lower() != m["id"].lower()]
        for p in parents:
            q = norm(p)
            if q.lower() != m["id"].lower():
                edges.add((m["id"], q))
    return edges


def expected_outcomes(world: Path) -> dict[str, tuple[int, int]]:
    """(pairs compared, pairs where the child is below) per uniform source, by study.md's definitions."""
    import pyarrow.parquet as pq

    ids = {m["id"].lower(): m["id"] for m in read_world(world, "models")}
    files = world / "files" / "datasets"
    oll = pq.read_table(next((files / "open-llm-leaderboard" / "contents").rglob("*.parquet"))).to_pylist()
    lb: dict[str, dict[str, list[float]]] = {}
    for row in oll:
        mid = ids.get(str(row["fullname"]).lower())
        if mid is None:
            continue
        for b in BENCHMARKS:
            v = row.get(f"{b} Raw")
            if v is not None and v == v:
                lb.setdefault(mid, {}).setdefault(b, []).append(v)
    lb_mean = {m: {b: sum(v) / len(v) for b, v in d.items()} for m, d in lb.items()}

    per_rev: dict[tuple[str, str, tuple], list[float]] = {}
    for shard in sorted((files / "mteb" / "results").rglob("*.parquet")):
        for row in pq.read_table(shard).to_pylist():
            mid = ids.get(str(row["model_name"]).lower())
            if mid is None or row["model_revision"] == "external" or row["score"] is None:
                continue
            per_rev.setdefault((mid, row["model_revision"], (row["task_name"], row["split"], row["subset"])), []).append(row["score"])
    by_key: dict[str, dict[tuple, list[float]]] = {}
    for (mid, _, key), vals in per_rev.items():
        by_key.setdefault(mid, {}).setdefault(key, []).append(sum(vals) / len(vals))
    mteb_mean = {m: {k: sum(v) / len(v) for k, v in d.items()} for m, d in by_key.items()}

    out = {}
    for source, scores, need in (("open_llm_leaderboard", lb_mean, 1), ("mteb", mteb_mean, 5)):
        n = k = 0
        for child, parent in world_edges(world):
            c, p = scores.get(child), scores.get(parent)
            if not c or not p:
                continue
            shared = set(c) & set(p)
            if len(shared) < need:
                continue
            n += 1
            k += (sum(c[x] for x in shared) / len(shared)) < (sum(p[x] for x in shared) / len(shared))
        out[source] = (n, k)
    return out


def test_pair_outcomes_equal_an_independent_computation_from_the_world(world, night1):
    expected = expected_outcomes(world)
    con = db(night1["data"])
    got = {s: (n, k) for s, n, k in con.execute(
        "SELECT source, count(*), count(*) FILTER (WHERE child_below) FROM pair_outcomes "
        "WHERE source IN ('open_llm_leaderboard', 'mteb') GROUP BY source").fetchall()}
    assert expected["open_llm_leaderboard"][0] > 0 and expected["mteb"][0] > 0
    assert got == expected


def test_a_second_night_costs_a_light_pass_plus_the_changed_models(world, server, night1):
    changed, new = 300, 40
    replay.mutate(world, changed=changed, new=new, seed=5)
    server.reload()
    server.stats.reset()
    s = Settings.from_args(endpoint=server.url, data_dir=str(night1["data"]), reports_dir=str(night1["reports"]),
                           date=DAY2, anonymous=True)
    logging.getLogger("hubstudy").setLevel(logging.WARNING)
    plain_nightly(s)
    stats = server.stats_snapshot()["listing_by_type"]
    n_models = len(read_world(world, "models"))
    light = math.ceil(n_models / 1000)
    heavy_floor = math.ceil((changed + new) / 1000)
    assert light + heavy_floor <= stats["model"] <= light + heavy_floor + 1, stats
    con = db(night1["data"])
    assert con.execute("SELECT count(*) FROM models").fetchone()[0] == n_models
    assert con.execute("SELECT count(DISTINCT snapshot_date) FROM model_snapshots").fetchone()[0] == 2
    served = {m["id"]: m for m in read_world(world, "models")}
    # every model the Hub now shows as changed carries today's heavy fields
    stale = con.execute(
        "SELECT id, sha FROM models WHERE heavy_fetched_at IS NULL").fetchall()
    assert stale == []
    runs = dict(con.execute("SELECT repo_type, mode FROM crawl_runs WHERE snapshot_date = ?", [DAY2]).fetchall())
    assert runs["model"] == "incremental"
    assert set(served) == {r[0] for r in con.execute("SELECT id FROM models").fetchall()}
