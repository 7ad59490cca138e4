"""The replay HTTP server: real HTTP on 127.0.0.1, no mocks."""

from __future__ import annotations

import os
import time

import httpx
import orjson
import pytest

os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
os.environ.pop("HF_HUB_OFFLINE", None)

from hubstudy.replay import FaultSpec, ReplayServer, generate, mutate, parse_faults  # noqa: E402

NOW = "2026-09-01T00:00:00.000Z"
SORTS = ["createdAt", "lastModified", "downloads", "likes", "trendingScore", "id"]


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    out = tmp_path_factory.mktemp("srvworld")
    generate(out, models=900, datasets=90, spaces=60, seed=4, now=NOW)
    return out


@pytest.fixture(scope="module")
def records(world):
    with open(world / "models.jsonl", "rb") as f:
        return [orjson.loads(line) for line in f]


@pytest.fixture(scope="module")
def server(world):
    with ReplayServer(world) as srv:
        yield srv


@pytest.fixture()
def client(server):
    server.set_faults(None)
    with httpx.Client(base_url=server.url, timeout=10) as c:
        yield c


def _walk(client: httpx.Client, path: str, params) -> tuple[list[dict], int]:
    r = client.get(path, params=params)
    assert r.status_code == 200, r.text
    items = list(r.json())
    pages = 1
    while "next" in r.links:
        r = client.get(r.links["next"]["url"])
        assert r.status_code == 200, r.text
        items += r.json()
        pages += 1
    return items, pages


def _key(rec: dict, sort: str):
    return rec.get(sort)


# --- listings -----------------------------------------------------------------------------
@pytest.mark.parametrize("sort", SORTS + [None])
def test_pagination_visits_every_model_once(client, records, sort):
    params = {"limit": 97, "expand": ["createdAt", "lastModified", "downloads", "likes", "trendingScore"]}
    if sort:
        params["sort"] = sort
    items, pages = _walk(client, "/api/models", params)
    ids = [x["id"] for x in items]
    assert pages == -(-len(records) // 97)
    assert len(ids) == len(set(ids)) == len(records)
    assert set(ids) == {r["id"] for r in records}
    if sort and sort != "id":
        for a, b in zip(items, items[1:]):
            ka, kb = a[sort], b[sort]
            assert ka > kb or (ka == kb and a["_id"] < b["_id"])
    elif sort == "id":
        assert ids == sorted(ids, reverse=True)
    else:
        assert [x["_id"] for x in items] == sorted(x["_id"] for x in items)


def test_filtered_pagination_and_search(client, records):
    want = {r["id"] for r in records if "text-generation" in r["tags"] and "safetensors" in r["tags"]}
    items, _ = _walk(client, "/api/models", [("filter", "text-generation,safetensors"), ("sort", "likes"),
                                             ("limit", "50")])
    assert [x["id"] for x in items if x["id"] in want] == [x["id"] for x in items]
    assert {x["id"] for x in items} == want
    items2, _ = _walk(client, "/api/models", [("filter", "text-generation"), ("filter", "safetensors"),
                                              ("limit", "1000")])
    assert {x["id"] for x in items2} == want
    parent = "sentence-transformers/all-MiniLM-L6-v2"
    kids = {r["id"] for r in records if f"base_model:finetune:{parent}" in r["tags"]}
    got, _ = _walk(client, "/api/models", {"filter": f"base_model:finetune:{parent}"})
    assert kids and {x["id"] for x in got} == kids
    got, _ = _walk(client, "/api/models", {"search": "minilm"})
    assert {x["id"] for x in got} == {r["id"] for r in records if "minilm" in r["id"].lower()}
    author = records[5]["author"]
    got, _ = _walk(client, "/api/models", {"author": author, "sort": "downloads"})
    assert {x["id"] for x in got} == {r["id"] for r in records if r["author"] == author}
    got, _ = _walk(client, "/api/models", {"pipeline_tag": "text-to-image"})
    assert {x["id"] for x in got} == {r["id"] for r in records if r.get("pipeline_tag") == "text-to-image"}


def test_default_listing_and_expand_projection(client):
    r = client.get("/api/models", params={"limit": 200})
    default = {"_id", "id", "likes", "trendingScore", "private", "downloads", "tags", "pipeline_tag", "library_name",
               "createdAt", "modelId"}
    assert all(default - {"pipeline_tag", "library_name"} <= set(x) <= default for x in r.json())
    assert any(set(x) == default for x in r.json())
    r = client.get("/api/models", params={"limit": 5, "expand": ["downloads", "cardData"]})
    assert all(set(x) <= {"_id", "id", "downloads", "cardData"} and {"_id", "id", "downloads"} <= set(x)
               for x in r.json())
    r = client.get("/api/models?limit=5&expand[]=sha&expand[]=gated")
    assert all(set(x) == {"_id", "id", "sha", "gated"} for x in r.json())
    r = client.get("/api/models", params={"limit": 5, "full": "true", "cardData": "true"})
    assert all({"sha", "lastModified", "siblings"} <= set(x) for x in r.json())
    for bad in ("baseModels", "childrenModelCount", "usedStorage"):
        r = client.get("/api/models", params={"expand": ["downloads", bad]})
        assert r.status_code == 400 and "error" in r.json()
    assert client.get("/api/models", params={"expand": "nonsense"}).status_code == 400
    assert client.get("/api/models", params={"sort": "bogus"}).status_code == 400
    assert client.get("/api/models", params={"cursor": "!!!"}).status_code == 400


def test_limit_cap_and_link_uses_host_header(client):
    r = client.get("/api/models", params={"limit": 5000})
    assert len(r.json()) == 900 and "next" not in r.links
    r = client.get("/api/models", params={"limit": 10, "sort": "likes", "filter": "text-generation"},
                   headers={"Host": "hub.example:8443"})
    link = r.links["next"]["url"]
    assert link.startswith("http://hub.example:8443/api/models?")
    assert "sort=likes" in link and "filter=text-generation" in link and "cursor=" in link


def test_datasets_and_spaces_listings(client, world):
    items, _ = _walk(client, "/api/datasets", {"limit": 40, "sort": "downloads", "expand": ["downloads", "tags"]})
    assert len(items) == 90 and len({x["id"] for x in items}) == 90
    items, _ = _walk(client, "/api/spaces", {"limit": 25, "sort": "likes"})
    assert len({x["id"] for x in items}) == 60 and all("sdk" in x for x in items)
    items, _ = _walk(client, "/api/datasets", {"filter": "benchmark:official"})
    assert items and all("benchmark:official" in x["tags"] for x in items)


# --- one repository -------------------------------------------------------------------------
def test_model_detail_default_and_expand(client, records):
    rec = next(r for r in records if r.get("safetensors") and r.get("cardData"))
    r = client.get(f"/api/models/{rec['id']}")
    body = r.json()
    assert r.status_code == 200 and body["id"] == rec["id"] and body["sha"] == rec["sha"]
    for k in ("_id", "id", "private", "tags", "downloads", "likes", "modelId", "author", "sha", "lastModified",
              "cardData", "siblings", "createdAt", "safetensors", "usedStorage"):
        assert k in body, k
    for k in ("baseModels", "childrenModelCount", "evalResults", "downloadsAllTime"):
        assert k not in body
    assert client.get(f"/api/models/{rec['id']}/revision/main").json()["id"] == rec["id"]
    assert client.get(f"/api/models/{rec['id']}/revision/{rec['sha']}").status_code == 200
    assert client.get(f"/api/models/{rec['id']}/revision/no-such-branch").status_code == 404
    parent = "sentence-transformers/all-MiniLM-L6-v2"
    r = client.get(f"/api/models/{parent}", params={"expand": ["childrenModelCount", "downloads"]})
    kids = [x for x in records if f"base_model:{parent}" in x["tags"]]
    assert set(r.json()) == {"_id", "id", "childrenModelCount", "downloads"}
    assert r.json()["childrenModelCount"] == len(kids) > 0
    kid = next(x for x in kids if f"base_model:finetune:{parent}" in x["tags"])
    r = client.get(f"/api/models/{kid['id']}?expand[]=baseModels")
    bm = r.json()["baseModels"]
    assert bm["relation"] == "finetune" and bm["models"][0]["id"] == parent and bm["models"][0]["_id"]
    merge = next(x for x in records if any(t.startswith("base_model:merge:") for t in x["tags"])
                 and all(p in {y["id"] for y in records} for p in x["cardData"]["base_model"]))
    bm = client.get(f"/api/models/{merge['id']}", params={"expand": "baseModels"}).json()["baseModels"]
    assert bm["relation"] == "merge" and [m["id"] for m in bm["models"]] == merge["cardData"]["base_model"]


def test_404_and_307(client, world, records):
    r = client.get("/api/models/nobody/nothing-here")
    assert r.status_code == 404 and r.json() == {"error": "Repository not found"}
    assert r.headers["X-Error-Code"] == "RepoNotFound"
    redirects = orjson.loads((world / "redirects.json").read_bytes())
    old, new = next(iter(redirects["model"].items()))
    r = client.get(f"/api/models/{old}", params={"expand": "downloads"})
    assert r.status_code == 307
    assert r.headers["Location"] == f"/api/models/{new}?expand=downloads"
    r = client.get(f"/api/models/{old}", params={"expand": "downloads"}, follow_redirects=True)
    assert r.status_code == 200 and r.json()["id"] == new
    rid = records[10]["id"]
    r = client.get(f"/api/models/{rid.upper()}")
    assert r.status_code == 307 and r.headers["Location"] == f"/api/models/{rid}"
    for kind in ("dataset", "space"):
        old, new = next(iter(redirects[kind].items()))
        r = client.get(f"/api/{kind}s/{old}")
        assert r.status_code == 307 and r.headers["Location"] == f"/api/{kind}s/{new}"
    assert client.get("/api/datasets/nobody/nothing").status_code == 404
    assert client.get("/api/agent-harnesses").json() == []


def test_tree_and_resolve(client):
    r = client.get("/api/datasets/mteb/results/tree/main")
    top = {x["path"]: x for x in r.json()}
    assert {"README.md", ".gitattributes", "data"} <= set(top) and top["data"]["type"] == "directory"
    r = client.get("/api/datasets/mteb/results/tree/main", params={"recursive": "true"})
    files = [x for x in r.json() if x["type"] == "file"]
    assert all({"type", "oid", "size", "path"} <= set(x) for x in r.json())
    shards = [x for x in files if x["path"].startswith("data/")]
    assert len(shards) >= 2 and all("lfs" in x for x in shards)
    r = client.get("/api/datasets/mteb/results/tree/main/data")
    assert {x["path"] for x in r.json()} == {x["path"] for x in shards}
    path = shards[0]["path"]
    h = client.head(f"/datasets/mteb/results/resolve/main/{path}")
    assert h.status_code == 200 and int(h.headers["Content-Length"]) == shards[0]["size"]
    assert h.headers["ETag"].strip('"') == shards[0]["lfs"]["oid"] and len(h.headers["X-Repo-Commit"]) == 40
    g = client.get(f"/datasets/mteb/results/resolve/main/{path}")
    assert g.content[:4] == b"PAR1" and len(g.content) == shards[0]["size"]
    part = client.get(f"/datasets/mteb/results/resolve/main/{path}", headers={"Range": "bytes=0-3"})
    assert part.status_code == 206 and part.content == b"PAR1"
    again = client.get(f"/datasets/mteb/results/resolve/main/{path}", headers={"If-None-Match": h.headers["ETag"]})
    assert again.status_code == 304
    assert client.get("/datasets/mteb/results/resolve/main/nope.txt").status_code == 404
    readme = client.get("/sentence-transformers/all-MiniLM-L6-v2/resolve/main/README.md")
    assert readme.status_code == 200 and readme.text.startswith("---\n")


# --- rate limits --------------------------------------------------------------------------
def test_ratelimit_headers_everywhere(client):
    for path in ("/api/models?limit=1", "/api/models/none/none", "/api/datasets?limit=1", "/api/agent-harnesses"):
        r = client.get(path)
        assert r.headers["RateLimit"].startswith('"api";r=')
        assert r.headers["RateLimit-Policy"] == '"fixed window";"api";q=1000000;w=300'


def test_quota_429(world):
    with ReplayServer(world, quota=4, window=1) as srv, httpx.Client(base_url=srv.url) as c:
        # start at a fresh window so the test does not straddle a boundary
        time.sleep(1 - time.time() % 1 + 0.02)
        got = [c.get("/api/models", params={"limit": 1}) for _ in range(6)]
        assert [r.status_code for r in got] == [200, 200, 200, 200, 429, 429]
        assert got[0].headers["RateLimit"].startswith('"api";r=3;t=')
        r = got[4]
        assert r.headers["RateLimit"].startswith('"api";r=0;t=')
        assert r.headers["RateLimit-Policy"] == '"fixed window";"api";q=4;w=1'
        assert int(r.headers["Retry-After"]) >= 1
        assert c.get("/datasets/mteb/results/resolve/main/README.md").status_code == 200  # not an /api/ call
        time.sleep(int(r.headers["Retry-After"]) + 0.05)
        assert c.get("/api/models", params={"limit": 1}).status_code == 200
        stats = c.get("/_replay/stats").json()
        assert stats["http_429_quota"] == 2 and stats["http_429"] == 2


# --- faults -------------------------------------------------------------------------------
def test_parse_faults():
    spec = parse_faults("500:0.02,drop:0.01,slow:0.01@5s,at:17=503,503:0.05@3x,seed:7,at:20-21=429")
    assert isinstance(spec, FaultSpec) and spec.seed == 7 and spec.scope == "api"
    kinds = {r.kind: (r, rate) for r, rate in spec.random}
    assert kinds["slow"][0].seconds == 5 and kinds["503"][0].burst == 3 and kinds["500"][1] == 0.02
    assert spec.at[17].kind == "503" and spec.at[20].kind == spec.at[21].kind == "429"
    assert parse_faults("at:3=503@3x").at[3].burst == 3
    same = parse_faults({"500": 0.02, "slow": {"rate": 0.01, "seconds": 5}, "at": {"17": "503"}})
    assert same.at[17].kind == "503" and {r.kind for r, _ in same.random} == {"500", "slow"}
    for bad in ("explode:0.1", "500:2", "at:3", "scope:everything"):
        with pytest.raises(ValueError):
            parse_faults(bad)
    assert not parse_faults(None) and not parse_faults("")


def test_each_fault_kind(server, client):
    server.set_faults("at:1=503,at:2=5xx,at:3=429,at:4=drop,at:5=badjson,at:6=truncate,at:7=slow@1.5s,"
                      "at:8=502@2x,retry:1")
    client.post("/_replay/reset-stats")
    assert client.get("/api/models", params={"limit": 3}).status_code == 503
    assert client.get("/api/models", params={"limit": 3}).status_code in (500, 502, 503, 504)
    r = client.get("/api/models", params={"limit": 3})
    assert r.status_code == 429 and r.headers["RateLimit"] == '"api";r=0;t=1' and r.headers["Retry-After"] == "1"
    with pytest.raises(httpx.TransportError):
        client.get("/api/models", params={"limit": 3})
    r = client.get("/api/models", params={"limit": 3})
    assert r.status_code == 200
    with pytest.raises(ValueError):
        orjson.loads(r.content)
    with pytest.raises(httpx.TransportError):
        client.get("/api/models", params={"limit": 3})
    with pytest.raises(httpx.TimeoutException):
        client.get("/api/models", params={"limit": 3}, timeout=0.4)
    assert [client.get("/api/models/x/y").status_code for _ in range(2)] == [502, 502]
    r = client.get("/api/models", params={"limit": 3})
    assert r.status_code == 200 and len(r.json()) == 3  # back to normal
    stats = client.get("/_replay/stats").json()
    assert stats["faults_total"] == 9
    for k in ("503", "429", "drop", "badjson", "truncate", "slow", "502"):
        assert stats["faults"].get(k, 0) >= 1, k
    assert stats["eligible_requests"] == 10


def test_repeat_link_fault(server, client):
    server.set_faults("at:2=repeat")
    r1 = client.get("/api/models", params={"limit": 50, "sort": "likes"})
    r2 = client.get(r1.links["next"]["url"])  # request 2: its Link points at itself
    assert r2.links["next"]["url"] == r1.links["next"]["url"]
    r3 = client.get(r2.links["next"]["url"])
    assert [x["id"] for x in r3.json()] == [x["id"] for x in r2.json()]
    assert server.stats_snapshot()["faults"].get("repeat") == 1


def test_random_faults_are_seeded(server, client):
    def run() -> list[int]:
        server.set_faults("500:0.3,503:0.2@2x,seed:42,scope:listing")
        codes = [client.get("/api/models", params={"limit": 1}).status_code for _ in range(40)]
        assert client.get("/api/models/x/y").status_code == 404  # detail is out of scope
        return codes

    a, b = run(), run()
    assert a == b
    assert 5 < sum(c != 200 for c in a) < 35
    client.post("/_replay/faults", content=b"at:1=504")
    assert client.get("/api/models", params={"limit": 1}).status_code == 504
    client.post("/_replay/faults", content=b"")


# --- huggingface_hub against the replay -----------------------------------------------------
def test_huggingface_hub_fidelity(server, records, tmp_path, monkeypatch):
    from huggingface_hub import HfApi, hf_hub_download
    from huggingface_hub import constants as hf_constants

    # a private HF home: huggingface_hub read its env at import time, so patch the constants
    home = tmp_path / "hf_home"
    monkeypatch.setenv("HF_HOME", str(home))
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setattr(hf_constants, "HF_HOME", str(home))
    monkeypatch.setattr(hf_constants, "HF_HUB_CACHE", str(home / "hub"))
    monkeypatch.setattr(hf_constants, "HF_HUB_OFFLINE", False)
    if hasattr(hf_constants, "AGENT_HARNESSES_PATH"):
        monkeypatch.setattr(hf_constants, "AGENT_HARNESSES_PATH", str(home / ".agent_harnesses.json"))
    api = HfApi(endpoint=server.url)
    got = list(api.list_models(expand=["downloads", "tags", "createdAt", "likes", "cardData"], sort="downloads"))
    assert len(got) == len(records) and len({m.id for m in got}) == len(records)
    assert got[0].downloads >= got[-1].downloads and got[0].created_at is not None
    info = api.model_info("sentence-transformers/all-MiniLM-L6-v2", expand=["childrenModelCount", "downloads"])
    assert info.id == "sentence-transformers/all-MiniLM-L6-v2" and info.downloads > 0
    assert api.model_info("openai-community/gpt2").sha
    tree = list(api.list_repo_tree("open-llm-leaderboard/contents", repo_type="dataset", recursive=True))
    paths = {x.path for x in tree}
    assert "data/train-00000-of-00001.parquet" in paths and "data" in paths
    path = hf_hub_download("open-llm-leaderboard/contents", "data/train-00000-of-00001.parquet",
                           repo_type="dataset", endpoint=server.url, cache_dir=home / "hub")
    import pyarrow.parquet as pq

    assert "Base Model" in pq.read_table(path).column_names
    assert len(list(api.list_datasets(expand=["downloads"]))) == 90
    assert len(list(api.list_spaces())) == 60


def test_stats_and_reset(server, client):
    client.post("/_replay/reset-stats")
    client.get("/api/models", params={"limit": 2})
    client.get("/api/datasets", params={"limit": 2})
    client.get("/api/models/nobody/none")
    client.get("/datasets/mteb/results/resolve/main/README.md")
    s = client.get("/_replay/stats").json()
    assert s["requests_total"] == 4
    assert s["by_kind"]["listing"] == 2 and s["by_kind"]["detail"] == 1 and s["by_kind"]["resolve"] == 1
    assert s["listing_by_type"] == {"model": 1, "dataset": 1, "space": 0}
    assert s["listing_items"]["model"] == 2 and s["status"]["404"] == 1
    assert s["world"]["models"] == 900


def test_page_speed(server, client):
    fields = ["author", "createdAt", "lastModified", "downloads", "likes", "tags", "pipeline_tag", "sha",
              "safetensors", "cardData"]
    client.get("/api/models", params={"limit": 1000, "expand": fields, "sort": "downloads"})
    t = time.perf_counter()
    for _ in range(3):
        r = client.get("/api/models", params={"limit": 1000, "expand": fields, "sort": "downloads"})
        assert r.status_code == 200
    assert (time.perf_counter() - t) / 3 < 0.5  # generous: shared CI machines


def test_reload_after_mutate(tmp_path):
    w = tmp_path / "w"
    generate(w, models=200, datasets=20, spaces=10, seed=8, now=NOW)
    with ReplayServer(w) as srv, httpx.Client(base_url=srv.url) as c:
        assert len(c.get("/api/models").json()) == 200
        mutate(w, changed=10, new=7)
        c.post("/_replay/reload")
        items = c.get("/api/models", params={"sort": "lastModified", "limit": 17, "expand": "lastModified"}).json()
        assert len(c.get("/api/models").json()) == 207
        assert all(x["lastModified"] > NOW for x in items)
        assert c.get("/_replay/world").json()["now"] == "2026-09-02T00:00:00.000Z"
