"""The replay world generator: determinism, Hub-like records, lineage, edge cases, eval files, mutate."""

from __future__ import annotations

import collections
import hashlib
import os
from pathlib import Path

import orjson
import pyarrow.parquet as pq
import pytest

from hubstudy.replay import generate, load_manifest, mutate
from hubstudy.replay import _catalog as K
from hubstudy.replay._util import FLOOR_ISO, gen_name, is_generated_shape

RELS = ("finetune", "adapter", "quantized", "merge")
OLL_COLUMNS = [
    "eval_name", "Precision", "Type", "T", "Weight type", "Architecture", "Model", "fullname", "Model sha",
    "Average ⬆️", "Hub License", "Hub ❤️", "#Params (B)", "Available on the hub", "MoE", "Flagged", "Chat Template",
    "CO₂ cost (kg)", "IFEval Raw", "IFEval", "BBH Raw", "BBH", "MATH Lvl 5 Raw", "MATH Lvl 5", "GPQA Raw", "GPQA",
    "MUSR Raw", "MUSR", "MMLU-PRO Raw", "MMLU-PRO", "Merged", "Official Providers", "Upload To Hub Date",
    "Submission Date", "Generation", "Base Model",
]
MTEB_COLUMNS = ["model_name", "model_revision", "task_name", "split", "subset", "language", "score", "is_public"]
NOW = "2026-09-01T00:00:00.000Z"


def _read(path: Path) -> list[dict]:
    with open(path, "rb") as f:
        return [orjson.loads(line) for line in f]


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("world")
    generate(out, models=1500, datasets=120, spaces=80, seed=11, now=NOW)
    return out


@pytest.fixture(scope="module")
def models(world) -> list[dict]:
    return _read(world / "models.jsonl")


def _lineage_tags(rec: dict) -> list[tuple[str, str]]:
    out = []
    for t in rec["tags"]:
        if t.startswith("base_model:"):
            rel, sep, pid = t[len("base_model:"):].partition(":")
            if sep and rel in RELS:
                out.append((rel, pid))
    return out


def _tree_digest(root: Path) -> dict[str, str]:
    out = {}
    for dirpath, _dirs, names in os.walk(root):
        for n in names:
            p = Path(dirpath) / n
            out[str(p.relative_to(root))] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


def test_deterministic_per_seed(tmp_path):
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    generate(a, models=300, datasets=40, spaces=30, seed=5, now=NOW)
    generate(b, models=300, datasets=40, spaces=30, seed=5, now=NOW)
    generate(c, models=300, datasets=40, spaces=30, seed=6, now=NOW)
    da, db, dc = _tree_digest(a), _tree_digest(b), _tree_digest(c)
    assert da == db
    assert da["models.jsonl"] != dc["models.jsonl"]
    assert "files/datasets/open-llm-leaderboard/contents/data/train-00000-of-00001.parquet" in da


def test_manifest_and_counts(world):
    man = load_manifest(world)
    assert man["generated"] is True
    assert man["seed"] == 11 and man["now"] == NOW
    for kind in ("models", "datasets", "spaces"):
        with open(world / f"{kind}.jsonl", "rb") as f:
            assert man["counts"][kind] == sum(1 for _ in f)
    assert man["counts"]["models"] == 1500
    redirects = orjson.loads((world / "redirects.json").read_bytes())
    assert set(redirects) == {"model", "dataset", "space"}


def test_ids_unique_and_names_safe(models, world):
    ids = [r["id"] for r in models]
    assert len(set(ids)) == len(ids)
    assert len({i.lower() for i in ids}) == len(ids)  # the Hub is case-insensitive
    assert all(i.count("/") == 1 for i in ids)
    oids = [r["_id"] for r in models]
    assert len(set(oids)) == len(oids) and all(len(o) == 24 and int(o, 16) >= 0 for o in oids)
    for org in K.FIXED_ORGS:  # no generated user can shadow a well-known org
        assert not is_generated_shape(org), org
    assert len({gen_name(i).lower() for i in range(5000)}) == 5000
    for kind in ("datasets", "spaces"):
        ids = [r["id"] for r in _read(world / f"{kind}.jsonl")]
        assert len({i.lower() for i in ids}) == len(ids)


def test_dates_floor_and_growth(models):
    floored = [r for r in models if r["createdAt"] == FLOOR_ISO]
    assert floored, "some models predate the floor"
    assert all(r["createdAt"] >= FLOOR_ISO for r in models)
    assert all(r["createdAt"] <= NOW and r["lastModified"] <= NOW for r in models)
    assert all(r["lastModified"] >= r["createdAt"] for r in models)
    assert all(r["_id"].startswith("621ffdc1") for r in floored)
    for r in models:
        if r["createdAt"] != FLOOR_ISO:
            ts = int(r["_id"][:8], 16)
            assert abs(ts - int(__import__("datetime").datetime.fromisoformat(r["createdAt"]).timestamp())) <= 1
    per_year = collections.Counter(r["createdAt"][:4] for r in models)
    assert per_year["2023"] < per_year["2024"] < per_year["2025"]


def test_record_fields(models):
    r = next(m for m in models if m["id"] == "sentence-transformers/all-MiniLM-L6-v2")
    for key in ("_id", "id", "author", "createdAt", "lastModified", "downloads", "downloadsAllTime", "likes",
                "trendingScore", "tags", "pipeline_tag", "library_name", "gated", "private", "disabled", "sha",
                "cardData", "siblings", "modelId", "model-index"):
        assert key in r, key
    assert r["author"] == "sentence-transformers"
    for m in models:
        assert m["author"] == m["id"].split("/")[0]
        assert m["downloadsAllTime"] >= m["downloads"] >= 0
        assert isinstance(m["trendingScore"], int)
        assert m["gated"] in (False, "auto", "manual") and m["private"] is False and m["disabled"] is False
        assert len(m["sha"]) == 40
        lic = [t for t in m["tags"] if t.startswith("license:")]
        assert len(lic) <= 1
    sizes = [m["safetensors"]["total"] for m in models if "safetensors" in m]
    assert len(sizes) > len(models) * 0.3
    assert min(sizes) < 100e6 and max(sizes) > 10e9
    downloads = sorted((m["downloads"] for m in models), reverse=True)
    assert sum(downloads[: len(downloads) // 100]) > 0.5 * sum(downloads)  # heavy tail


def test_lineage_encoded_like_the_hub(models):
    ids = {r["id"] for r in models}
    n_derivs = 0
    for r in models:
        pairs = _lineage_tags(r)
        plain = [t[len("base_model:"):] for t in r["tags"] if t.startswith("base_model:")
                 and t[len("base_model:"):].partition(":")[0] not in RELS]
        assert sorted(p for _, p in pairs) == sorted(plain)  # one plain tag per parent
        if not pairs:
            continue
        n_derivs += 1
        assert len({rel for rel, _ in pairs}) == 1
        bm = r["cardData"]["base_model"]
        assert ([bm] if isinstance(bm, str) else bm) == [p for _, p in pairs]
        rel = r["cardData"].get("base_model_relation")
        assert rel in (None, pairs[0][0])
    assert n_derivs > len(models) * 0.3
    assert ids


def test_all_relations_and_structure(models):
    rel_of = {}
    parents = collections.defaultdict(list)
    for r in models:
        for rel, p in _lineage_tags(r):
            rel_of[r["id"]] = rel
            parents[r["id"]].append(p)
    counts = collections.Counter(rel_of.values())
    assert all(counts[rel] > 5 for rel in RELS), counts
    merges = [len(parents[m]) for m, rel in rel_of.items() if rel == "merge"]
    assert min(merges) >= 2 and max(merges) <= 4 and 3 in merges
    children = collections.Counter(p for ps in parents.values() for p in ps)
    quantized = [m for m, rel in rel_of.items() if rel == "quantized"]
    assert sum(1 for m in quantized if children[m]) <= max(1, 0.05 * len(quantized))  # leaves
    by_id = {r["id"]: r for r in models}
    assert sum(by_id[m].get("library_name") == "gguf" for m in quantized) > 0.3 * len(quantized)
    assert all("gguf" in by_id[m]["tags"] for m in quantized if by_id[m].get("library_name") == "gguf")
    adapters = [by_id[m] for m, rel in rel_of.items() if rel == "adapter"]
    assert all(a.get("library_name") == ("diffusers" if a.get("pipeline_tag") == "text-to-image" else "peft")
               for a in adapters)

    def depth(m: str) -> int:
        d, seen = 0, set()
        while m in parents and m not in seen and d < 50:
            seen.add(m)
            m = parents[m][0]
            d += 1
        return d

    assert max(depth(m) for m in parents) >= 3  # several generations
    minilm_kids = [m for m, ps in parents.items() if "sentence-transformers/all-MiniLM-L6-v2" in ps]
    assert len(minilm_kids) >= 3


def test_edge_cases(world, models):
    man = load_manifest(world)
    edges = man["counts"]["edge_cases"]
    assert all(edges[k] >= 1 for k in ("deleted", "redirect", "case", "cardonly", "badtype", "selfloop", "cycle2"))
    ids = {r["id"] for r in models}
    lower = {i.lower(): i for i in ids}
    redirects = orjson.loads((world / "redirects.json").read_bytes())["model"]
    assert all(old not in ids and new in ids for old, new in redirects.items())
    declared = [(r["id"], p) for r in models for _, p in _lineage_tags(r)]
    missing = [p for _, p in declared if p not in ids]
    assert any(p not in redirects and p.lower() not in lower for p in missing), "deleted parents"
    assert any(p in redirects for p in missing), "renamed parents"
    assert any(p not in redirects and p.lower() in lower for p in missing), "case variants"
    assert any(c == p for c, p in declared), "self-loop"
    pairs = set(declared)
    assert any((p, c) in pairs for c, p in declared if c != p), "2-cycle"
    card_only = [r for r in models if isinstance(r.get("cardData"), dict) and "base_model" in r["cardData"]
                 and not _lineage_tags(r)]
    kinds = collections.Counter(type(r["cardData"]["base_model"]).__name__ for r in card_only)
    assert kinds["str"] + kinds["list"] >= 1 and kinds["int"] + kinds["dict"] >= 1
    assert all("base_model_relation" not in r["cardData"] for r in card_only)


def test_self_reported_evals(models):
    with_mi = [r for r in models if r.get("model-index")]
    assert len(with_mi) > 20
    good = 0
    malformed = 0
    for r in with_mi:
        mi = r["model-index"]
        assert mi == r["cardData"]["model-index"]
        assert "model-index" in r["tags"]
        res = mi[0].get("results")
        ok = isinstance(res, list) and all(
            isinstance(x.get("metrics"), list) and x["metrics"] and "dataset" in x and "task" in x
            and all(isinstance(m.get("value"), (int, float)) and not isinstance(m.get("value"), bool)
                    for m in x["metrics"]) for x in res)
        if ok:
            good += 1
            x = res[0]
            assert {"type"} <= set(x["task"]) and {"name", "type"} <= set(x["dataset"])
            assert {"type", "value"} <= set(x["metrics"][0])
        else:
            malformed += 1
    assert good > malformed > 0
    evr = [item for r in models for item in r.get("evalResults") or []]
    assert evr
    assert all(item["filename"].startswith(".eval_results/") and ("data" in item or "error" in item) for item in evr)
    data = [item["data"] for item in evr if "data" in item]
    assert all({"id", "task_id"} <= set(d["dataset"]) and isinstance(d["value"], float) for d in data)


def test_open_llm_leaderboard_file(world, models):
    path = world / "files/datasets/open-llm-leaderboard/contents/data/train-00000-of-00001.parquet"
    t = pq.read_table(path)
    assert t.column_names == OLL_COLUMNS
    rows = t.to_pylist()
    assert len(rows) > 20
    by_id = {r["id"]: r for r in models}
    names = collections.Counter(r["fullname"] for r in rows)
    assert any(n > 1 for n in names.values())  # several precisions for some models
    parents = {r["id"]: [p for _, p in _lineage_tags(r)] for r in models}
    pairs = [(c, p) for c in names for p in parents.get(c, []) if p in names]
    assert len(pairs) >= 5
    score = collections.defaultdict(list)
    for r in rows:
        score[r["fullname"]].append(sum(r[f"{b} Raw"] for b in ("IFEval", "BBH", "MATH Lvl 5", "GPQA", "MUSR",
                                                                  "MMLU-PRO")) / 6)
    mean = {k: sum(v) / len(v) for k, v in score.items()}
    lower = sum(mean[c] < mean[p] for c, p in pairs) / len(pairs)
    assert 0.2 <= lower <= 0.8
    for r in rows:
        assert 0.0 <= r["IFEval Raw"] <= 1.0 and 0.0 <= r["IFEval"] <= 100.0
        assert r["Precision"] in ("bfloat16", "float16")
        if r["Available on the hub"]:
            rec = by_id[r["fullname"]]
            assert rec["pipeline_tag"] == "text-generation"
            if not parents.get(r["fullname"]):
                assert r["Base Model"] == r["fullname"] and r["Generation"] == 0
            else:
                assert r["Generation"] >= 1 and r["Base Model"] in by_id


def test_mteb_results_shards(world, models):
    root = world / "files/datasets/mteb/results/data"
    shards = sorted(os.listdir(root))
    assert len(shards) >= 2
    n = len(shards)
    assert shards == [f"train-{k:05d}-of-{n:05d}.parquet" for k in range(n)]
    rows = [row for s in shards for row in pq.read_table(root / s).to_pylist()]
    assert list(pq.read_table(root / shards[0]).column_names) == MTEB_COLUMNS
    assert all(0.0 < r["score"] < 1.0 for r in rows)
    minilm = "sentence-transformers/all-MiniLM-L6-v2"
    assert any(r["model_name"] == minilm for r in rows)
    assert any(r["model_revision"] == "external" for r in rows)
    revs = collections.defaultdict(set)
    keys = collections.defaultdict(set)
    for r in rows:
        if r["model_revision"] != "external":
            revs[r["model_name"]].add(r["model_revision"])
            keys[r["model_name"]].add((r["task_name"], r["split"], r["subset"]))
    assert any(len(v) > 1 for v in revs.values())
    parents = {r["id"]: [p for _, p in _lineage_tags(r)] for r in models}
    pairs = [(c, p) for c in keys for p in parents.get(c, []) if p in keys]
    assert len(pairs) >= 3
    assert sum(len(keys[c] & keys[p]) >= 5 for c, p in pairs) >= 0.9 * len(pairs)
    assert sum(1 for c, p in pairs if p == minilm) >= 2


def test_eval_repos_listed_with_siblings(world):
    datasets = {r["id"]: r for r in _read(world / "datasets.jsonl")}
    for did in ("open-llm-leaderboard/contents", "mteb/results"):
        rec = datasets[did]
        files = sorted(str(p.relative_to(world / "files/datasets" / did)) for p in
                       (world / "files/datasets" / did).rglob("*") if p.is_file())
        assert sorted(s["rfilename"] for s in rec["siblings"]) == files
    assert any(t.startswith("task_categories:") for r in datasets.values() for t in r["tags"])
    assert any("benchmark:official" in r["tags"] for r in datasets.values())
    spaces = _read(world / "spaces.jsonl")
    assert {r["sdk"] for r in spaces} <= {"gradio", "streamlit", "docker", "static"}
    assert all(r["createdAt"] >= FLOOR_ISO and r["lastModified"] >= r["createdAt"] for r in spaces)


def test_mutate_next_day(tmp_path):
    w = tmp_path / "w"
    generate(w, models=400, datasets=30, spaces=20, seed=2, now=NOW)
    before = {r["id"]: r for r in _read(w / "models.jsonl")}
    man = mutate(w, changed=25, new=12, seed=9)
    after = {r["id"]: r for r in _read(w / "models.jsonl")}
    assert man["now"] == "2026-09-02T00:00:00.000Z" and man["generation"] == 1
    assert man["counts"]["models"] == len(after) == len(before) + 12
    assert load_manifest(w)["now"] == man["now"]
    changed = [i for i in before if after[i]["sha"] != before[i]["sha"]]
    assert len(changed) == 25
    assert all(NOW < after[i]["lastModified"] <= man["now"] for i in changed)
    unchanged = [i for i in before if i not in changed]
    assert all(after[i]["lastModified"] == before[i]["lastModified"] for i in unchanged)
    drifted = sum(after[i]["downloads"] != before[i]["downloads"] for i in before)
    assert drifted > len(before) * 0.2
    assert all(r["downloadsAllTime"] >= r["downloads"] for r in after.values())
    new = [r for i, r in after.items() if i not in before]
    assert len(new) == 12 and len({r["_id"] for r in after.values()}) == len(after)
    assert all(NOW < r["createdAt"] <= man["now"] for r in new)
    assert any(_lineage_tags(r) for r in new)
    for r in new:
        for _, p in _lineage_tags(r):
            assert p in before
    mutate(w, changed=5, new=5)
    assert load_manifest(w)["generation"] == 2
    assert len({r["id"].lower() for r in _read(w / "models.jsonl")}) == len(before) + 17
