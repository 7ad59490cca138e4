"""The replay server's compiled, mmapped store (``<world>/.cache``): same answers as the in-memory
reference store, invalidated by mutate, safe to build concurrently, hostile records."""

from __future__ import annotations

import os
import random
import threading
from pathlib import Path

import httpx
import orjson
import pytest

from hubstudy.replay import ReplayServer, generate, mutate
from hubstudy.replay import _diskstore

NOW = "2026-09-01T00:00:00.000Z"
HEADERS = ("link", "etag", "location", "x-repo-commit", "x-error-code", "content-type", "content-length")
SORTS = [None, "createdAt", "lastModified", "downloads", "likes", "trendingScore", "id", "downloadsAllTime",
         "_id", "last_modified"]


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("cacheworld")
    generate(out, models=700, datasets=80, spaces=50, seed=21, now=NOW)
    return out


def _serve(world: Path, monkeypatch, store: str = "disk", cache: str | None = None, build: str | None = None):
    monkeypatch.setenv("HUBSTUDY_REPLAY_STORE", store)
    if cache is None:
        monkeypatch.delenv("HUBSTUDY_REPLAY_CACHE", raising=False)
    else:
        monkeypatch.setenv("HUBSTUDY_REPLAY_CACHE", cache)
    if build is None:
        monkeypatch.delenv("HUBSTUDY_REPLAY_BUILD", raising=False)
    else:
        monkeypatch.setenv("HUBSTUDY_REPLAY_BUILD", build)
    return ReplayServer(world).start()


def _records(world: Path, kind: str) -> list[dict]:
    path = world / f"{kind}s.jsonl"
    if not path.exists():
        return []
    out = []
    for line in path.read_bytes().splitlines():
        if line.strip():
            rec = orjson.loads(line)
            if isinstance(rec.get("id"), str):
                out.append(rec)
    return out


def _answers(srv: ReplayServer, world: Path, seed: int = 3, walk_all: bool = True) -> list[tuple]:
    """Answers to a battery of requests, with the server's own address blanked out."""
    rng = random.Random(seed)
    out: list[tuple] = []
    with httpx.Client(base_url=srv.url, timeout=30) as c:
        def get(path: str, params=None) -> httpx.Response:
            r = c.get(path, params=params)
            heads = tuple(r.headers.get(h, "").replace(srv.url, "URL") for h in HEADERS)
            out.append((path, str(params), r.status_code, heads, r.content))
            return r

        def walk(path: str, params, pages: int = 10**6) -> None:
            r = get(path, params)
            while "next" in r.links and pages > 1:
                r = get(r.links["next"]["url"].replace(srv.url, ""))
                pages -= 1

        redirects = {}
        if (world / "redirects.json").exists():
            redirects = orjson.loads((world / "redirects.json").read_bytes())
        for kind in ("model", "dataset", "space"):
            recs = _records(world, kind)
            for sort in SORTS:
                for extra in ({}, {"expand": ["downloads", "likes", "tags", "cardData", "sha", "createdAt",
                                              "trendingScore", "gated", "author"]},
                              {"full": "true", "cardData": "true", "config": "true"}):
                    params = dict(extra, limit=rng.choice([1, 7, 50, 1000]))
                    if sort:
                        params["sort"] = sort
                    walk(f"/api/{kind}s", params, pages=10**6 if walk_all and params["limit"] >= 50 else 4)
            tags: dict[str, int] = {}
            for r in recs:
                for t in r.get("tags") or []:
                    if isinstance(t, str):
                        tags[t] = tags.get(t, 0) + 1
            common = sorted(tags, key=lambda t: (-tags[t], t))
            for t in common[:4] + rng.sample(common, min(8, len(common))) + ["no-such-tag"]:
                walk(f"/api/{kind}s", {"filter": t, "sort": rng.choice(["likes", "createdAt", "id"]), "limit": 20})
            if len(common) > 2:
                walk(f"/api/{kind}s", [("filter", common[0]), ("filter", common[1]), ("limit", "30")])
            for r in rng.sample(recs, min(5, len(recs))):
                au = str(r.get("author") or r["id"].partition("/")[0])
                walk(f"/api/{kind}s", {"author": au.upper(), "sort": "likes", "limit": 10})
            for q in ("a", "LLAMA", "mini", "-v", "zzzz", "/", "ü"):
                walk(f"/api/{kind}s", {"search": q, "limit": 40, "sort": "createdAt"})
            walk(f"/api/{kind}s", [("search", "a"), ("search", "e"), ("limit", "30")])
            if common:
                walk(f"/api/{kind}s", [("search", "e"), ("filter", common[0]), ("limit", "30")])
            for g in ("true", "false"):
                walk(f"/api/{kind}s", {"gated": g, "limit": 50, "sort": "likes"})
            if kind == "model":
                for pipe in ("text-generation", "nope"):
                    walk("/api/models", {"pipeline_tag": pipe, "limit": 50})
                for spec in ("min:6B,max:70B", "max:100M", "min:1B"):
                    walk("/api/models", {"num_parameters": spec, "limit": 50, "sort": "downloads"})
            for r in rng.sample(recs, min(40, len(recs))) + recs[:3]:
                rid = r["id"]
                get(f"/api/{kind}s/{rid}")
                get(f"/api/{kind}s/{rid.upper()}")
                get(f"/api/{kind}s/{rid}", {"expand": ["sha", "downloads", "tags", "cardData"]})
                get(f"/api/{kind}s/{rid}/revision/{r.get('sha')}")
                get(f"/api/{kind}s/{rid}/revision/nope")
                get(f"/api/{kind}s/{rid}/tree/main")
                get(f"/api/{kind}s/{rid}x")
                if kind == "model":
                    get(f"/api/models/{rid}", {"expand": ["baseModels", "childrenModelCount", "likes"]})
            if kind == "model":
                for r in recs:
                    if any(isinstance(t, str) and t.startswith("base_model:") for t in r.get("tags") or []):
                        get(f"/api/models/{r['id']}", {"expand": ["baseModels", "childrenModelCount"]})
            for old in list(redirects.get(kind, {}))[:10]:
                get(f"/api/{kind}s/{old}", {"expand": "likes"})
                get(f"/api/{kind}s/{old.lower()}")
        get("/api/datasets/mteb/results/tree/main", {"recursive": "true"})
        get("/datasets/mteb/results/resolve/main/README.md")
        get("/sentence-transformers/all-MiniLM-L6-v2/resolve/main/README.md")
    return out


def _diff(a: list[tuple], b: list[tuple]) -> list:
    assert len(a) == len(b)
    return [(x[:4], y[:4], x[4][:200], y[4][:200]) for x, y in zip(a, b) if x != y][:5]


# -------------------------------------------------------------------------------------------------
def test_cache_matches_memory_reference_and_is_reused(world, monkeypatch):
    ref_srv = _serve(world, monkeypatch, store="memory")
    try:
        ref = _answers(ref_srv, world)
    finally:
        ref_srv.stop()
    assert not (world / ".cache").exists()  # the reference store writes nothing

    srv = _serve(world, monkeypatch)  # compiles the cache
    try:
        first = _answers(srv, world)
    finally:
        srv.stop()
    stores = {k: world / ".cache" / f"{k}s.store" for k in ("model", "dataset", "space")}
    assert all(p.exists() for p in stores.values())
    stamp = {k: (p.stat().st_ino, p.stat().st_mtime_ns) for k, p in stores.items()}
    assert _diff(ref, first) == []

    srv = _serve(world, monkeypatch)  # maps the existing cache
    try:
        again = _answers(srv, world)
    finally:
        srv.stop()
    assert {k: (p.stat().st_ino, p.stat().st_mtime_ns) for k, p in stores.items()} == stamp
    assert _diff(ref, again) == []
    assert not [n for n in os.listdir(world / ".cache") if ".tmp." in n]


def test_without_persistent_cache_and_in_a_subprocess(world, tmp_path, monkeypatch):
    other = tmp_path / "w"
    generate(other, models=150, datasets=20, spaces=10, seed=5, now=NOW)
    ref_srv = _serve(other, monkeypatch, store="memory")
    try:
        ref = _answers(ref_srv, other, walk_all=False)
    finally:
        ref_srv.stop()
    srv = _serve(other, monkeypatch, cache="off", build="subprocess")
    try:
        assert _diff(ref, _answers(srv, other, walk_all=False)) == []
    finally:
        srv.stop()
    assert not (other / ".cache").exists()  # compiled into unlinked temporary files
    elsewhere = tmp_path / "caches"
    srv = _serve(other, monkeypatch, cache=str(elsewhere))
    try:
        assert _diff(ref, _answers(srv, other, walk_all=False)) == []
    finally:
        srv.stop()
    assert not (other / ".cache").exists()
    assert list(elsewhere.glob("*/models.store"))


def test_mutate_invalidates_and_reload_recompiles(tmp_path, monkeypatch):
    w = tmp_path / "w"
    generate(w, models=300, datasets=30, spaces=20, seed=9, now=NOW)
    srv = _serve(w, monkeypatch)
    try:
        cache = w / ".cache"
        before = {k: (cache / f"{k}s.store").stat().st_ino for k in ("model", "dataset", "space")}
        mutate(w, changed=15, new=9)
        with httpx.Client(base_url=srv.url) as c:
            assert len(c.get("/api/models").json()) == 300  # still the old world until reload
            c.post("/_replay/reload")
            assert len(c.get("/api/models").json()) == 309
            top = c.get("/api/models", params={"sort": "lastModified", "limit": 15, "expand": "lastModified"}).json()
            assert all(x["lastModified"] > NOW for x in top)
        after = {k: (cache / f"{k}s.store").stat().st_ino for k in ("model", "dataset", "space")}
        assert after["model"] != before["model"]  # models.jsonl changed: recompiled
        assert after["dataset"] == before["dataset"] and after["space"] == before["space"]
        got = _answers(srv, w, walk_all=False)
    finally:
        srv.stop()
    ref_srv = _serve(w, monkeypatch, store="memory")
    try:
        assert _diff(_answers(ref_srv, w, walk_all=False), got) == []
    finally:
        ref_srv.stop()


def test_stale_truncated_or_foreign_cache_is_rebuilt(tmp_path, monkeypatch):
    w = tmp_path / "w"
    generate(w, models=120, datasets=10, spaces=10, seed=2, now=NOW)
    srv = _serve(w, monkeypatch)
    srv.stop()
    store = w / ".cache" / "models.store"
    good = store.read_bytes()
    for broken in (good[: len(good) // 2], b"not a store", good[:8] + b"\xff" * 100):
        store.write_bytes(broken)
        srv = _serve(w, monkeypatch)
        try:
            with httpx.Client(base_url=srv.url) as c:
                assert len(c.get("/api/models").json()) == 120
        finally:
            srv.stop()
        assert store.read_bytes()[:12] == good[:12] and len(store.read_bytes()) == len(good)
    # a leftover temporary file of a dead compilation is cleaned up on the next compile
    (w / ".cache" / "models.store.tmp.999999999.1").write_bytes(b"junk")
    os.utime(w / "models.jsonl", ns=(1, 1))  # looks changed
    srv = _serve(w, monkeypatch)
    srv.stop()
    assert not [n for n in os.listdir(w / ".cache") if ".tmp." in n]


def test_concurrent_servers_share_one_compilation(tmp_path, monkeypatch):
    w = tmp_path / "w"
    generate(w, models=400, datasets=40, spaces=20, seed=4, now=NOW)
    monkeypatch.setenv("HUBSTUDY_REPLAY_STORE", "disk")
    monkeypatch.delenv("HUBSTUDY_REPLAY_CACHE", raising=False)
    servers: list = []
    errors: list = []

    def start() -> None:
        try:
            servers.append(ReplayServer(w).start())
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=start) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    try:
        assert not errors and len(servers) == 3
        bodies = set()
        for srv in servers:
            with httpx.Client(base_url=srv.url) as c:
                bodies.add(c.get("/api/models", params={"sort": "likes", "expand": ["likes", "tags"]}).content)
        assert len(bodies) == 1
    finally:
        for srv in servers:
            srv.stop()
    assert sorted(n for n in os.listdir(w / ".cache") if n.endswith(".store")) == [
        "datasets.store", "models.store", "spaces.store"]


def test_hostile_records_match_reference(tmp_path, monkeypatch):
    """Odd records: duplicates, blank lines, non-string ids and tags, nulls, floats mixed with ints,
    booleans, unknown keys, non-ASCII and case-colliding ids, lineage through renames and case."""
    w = tmp_path / "w"
    w.mkdir()
    rng = random.Random(1)
    lines: list[bytes] = []
    ids = []
    for i in range(260):
        org = rng.choice(["Org", "org", "Ünï", "ünï", "x"])
        rid = f"{org}/m-{i % 200}" + rng.choice(["", "-ß", "-É", "-v2"])
        ids.append(rid)
        rec: dict = {"_id": rng.choice([f"{i:024x}", f"{i % 50:024x}", None]), "id": rid}
        for key in ("downloads", "likes", "trendingScore", "downloadsAllTime"):
            rec[key] = rng.choice([None, 0, 1, 7, 2.5, -3, 10**12, True, "12", 1e300, 2**63 + 5])
        if rng.random() < 0.8:
            rec["createdAt"] = rng.choice(["2023-01-02T03:04:05.678Z", "2024-02-29T00:00:00.000Z",
                                           "2023-02-29T00:00:00.000Z", "2023-05-05", "garbage", 5, None])
        rec["lastModified"] = f"2025-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}T00:00:0{rng.randint(0, 9)}.000Z"
        tags = [rng.choice(["a", "b", "c", "region:us", "ß"]) for _ in range(rng.randint(0, 4))]
        tags += [rng.choice([1, None, ["nested"]])] if rng.random() < 0.2 else []
        if i and rng.random() < 0.5:
            parent = rng.choice(ids[:-1] + ["Old/name", "gone/away"])
            if rng.random() < 0.3:
                parent = parent.upper()
            rel = rng.choice(["finetune", "adapter", "quantized", "merge", "bogus"])
            tags += [f"base_model:{parent}", f"base_model:{rel}:{parent}"]
        if rng.random() < 0.1:
            tags = "not-a-list"
        rec["tags"] = tags
        rec["gated"] = rng.choice([False, "manual", "auto", None, "false", True])
        rec["pipeline_tag"] = rng.choice(["text-generation", None, 3])
        if rng.random() < 0.3:
            rec["safetensors"] = {"total": rng.choice([1000, 7_000_000_000, 2**62, "x", 2.5e9])}
        if rng.random() < 0.2:
            rec["somethingUnknown"] = {"k": [1, 2]}
        if rng.random() < 0.2:
            rec["author"] = rng.choice(["Someone", None, 42])
        rec["sha"] = rng.choice([f"{i:040x}", None, 12])
        lines.append(orjson.dumps(rec))
        if rng.random() < 0.05:
            lines.append(b"   ")
    lines.append(orjson.dumps({"id": 17, "_id": "x"}))
    lines.append(orjson.dumps({"_id": "noid"}))
    (w / "models.jsonl").write_bytes(b"\n".join(lines) + b"\n")
    (w / "datasets.jsonl").write_bytes(b"\n".join(lines[:40]) + b"\n")
    # no spaces.jsonl at all
    (w / "redirects.json").write_bytes(orjson.dumps({"model": {"Old/name": ids[3], "OLD/Other": "nobody/here"}}))
    (w / "world.json").write_bytes(orjson.dumps({"now": NOW, "seed": 0}))
    ref_srv = _serve(w, monkeypatch, store="memory")
    try:
        ref = _answers(ref_srv, w)
    finally:
        ref_srv.stop()
    srv = _serve(w, monkeypatch)
    try:
        got = _answers(srv, w)
        with httpx.Client(base_url=srv.url) as c:
            assert c.get("/api/spaces").json() == []
            assert c.get("/_replay/stats").json()["world"]["spaces"] == 0
    finally:
        srv.stop()
    assert _diff(ref, got) == []
    # beyond int64 (the in-memory reference cannot load this): still served and filtered
    extra = [{"_id": "f" * 24, "id": "big/params", "safetensors": {"total": 2**64 - 1}, "downloads": 2**64 - 1}]
    (w / "models.jsonl").write_bytes(b"\n".join(lines + [orjson.dumps(r) for r in extra]) + b"\n")
    srv = _serve(w, monkeypatch)
    try:
        with httpx.Client(base_url=srv.url) as c:
            got = c.get("/api/models", params={"num_parameters": "min:10000000T", "expand": "safetensors"}).json()
            assert [x["id"] for x in got] == ["big/params"]
            items = c.get("/api/models", params={"sort": "downloads", "expand": "downloads"}).json()
            nums = [x.get("downloads") for x in items]
            nums = [v for v in nums if isinstance(v, (int, float)) and not isinstance(v, bool)]
            assert nums == sorted(nums, reverse=True) and 2**64 - 1 in nums
    finally:
        srv.stop()


def test_store_has_no_per_record_python_objects(world, monkeypatch):
    """The steady state is a mapping plus views: ids, orders and postings are not Python lists."""
    srv = _serve(world, monkeypatch)
    try:
        store = srv.world.stores["model"]
        assert isinstance(store, _diskstore.DiskStore)
        perm, rank = store.order("createdAt")
        assert isinstance(perm, memoryview) and isinstance(rank, memoryview) and len(perm) == len(store)
        assert isinstance(store.ids, _diskstore.StrCol) and isinstance(store.recoff, memoryview)
        big = [v for v in vars(store).values() if isinstance(v, (list, dict, set)) and len(v) > 100]
        assert big == []
    finally:
        srv.stop()


def test_hard_linked_copy_reuses_cache_and_mutate_leaves_base_alone(tmp_path, monkeypatch):
    """The benchmark serves a hard-linked copy of a pristine world and mutates the copy."""
    import shutil

    base = tmp_path / "base"
    generate(base, models=200, datasets=20, spaces=10, seed=6, now=NOW)
    counts = _diskstore.compile_world(base)
    assert counts == {"model": 200, "dataset": 20, "space": 10}
    base_store = base / ".cache" / "models.store"
    base_bytes = base_store.read_bytes()
    served = tmp_path / "served"
    shutil.copytree(base, served, copy_function=os.link)
    compiled = []
    real = _diskstore._compile_all
    monkeypatch.setattr(_diskstore, "_compile_all", lambda *a, **k: compiled.append(a[2]) or real(*a, **k))
    srv = _serve(served, monkeypatch)
    try:
        assert compiled == []  # the linked cache is valid for the linked JSONL
        mutate(served, changed=5, new=3)
        with httpx.Client(base_url=srv.url) as c:
            c.post("/_replay/reload")
            assert len(c.get("/api/models").json()) == 203
    finally:
        srv.stop()
    assert compiled == [["model"]]
    assert base_store.read_bytes() == base_bytes and base_store.stat().st_nlink == 1


def test_read_only_cache_dir(tmp_path, monkeypatch):
    w = tmp_path / "w"
    generate(w, models=100, datasets=10, spaces=10, seed=3, now=NOW)
    _diskstore.compile_world(w)
    stamp = {p.name: p.stat().st_mtime_ns for p in (w / ".cache").glob("*.store")}
    monkeypatch.setattr(_diskstore, "_writable_dir", lambda d: False)
    srv = _serve(w, monkeypatch)  # valid: used as it is
    srv.stop()
    mutate(w, changed=3, new=2)
    srv = _serve(w, monkeypatch)  # stale models, nowhere to write: compiled privately
    try:
        with httpx.Client(base_url=srv.url) as c:
            assert len(c.get("/api/models").json()) == 102
    finally:
        srv.stop()
    assert {p.name: p.stat().st_mtime_ns for p in (w / ".cache").glob("*.store")} == stamp


@pytest.mark.parametrize("dup_across", [False, True])
def test_parallel_compile_is_byte_identical(world, tmp_path, monkeypatch, dup_across):
    """Reading byte ranges in forked processes and merging gives the very same file; ids repeated
    across ranges fall back to one pass (first occurrence wins)."""
    src = world / "models.jsonl"
    if dup_across:
        lines = src.read_bytes().splitlines(keepends=True)
        src = tmp_path / "models.jsonl"
        src.write_bytes(b"".join(lines + lines[:50] + [b"\n"] + lines[100:120]))
    monkeypatch.setattr(_diskstore, "SPLIT_MIN_BYTES", 0)
    merges: list[bool] = []
    real_merge = _diskstore._merge
    monkeypatch.setattr(_diskstore, "_merge", lambda *a: merges.append(real_merge(*a)) or merges[-1])
    key = _diskstore.source_key(str(world), "model")
    red = _diskstore.load_redirects(str(world))["model"]
    outs = []
    for parts in (1, 2, 3):
        out = tmp_path / f"p{parts}.store"
        _diskstore.compile_jsonl(str(src), "model", str(out), red, key, parts=parts)
        outs.append(out.read_bytes())
    assert outs[0] == outs[1] == outs[2]
    assert merges and (False in merges if dup_across else all(merges))
    assert not [p for p in tmp_path.iterdir() if ".parts." in p.name]
