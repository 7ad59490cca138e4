"""fetch_all over the Hub HTTP API (an httpx.MockTransport route table standing in for the Hub)."""

from __future__ import annotations

import json
from urllib.parse import unquote

import httpx
import pytest

from hubstudy import evals
from hubstudy.client import HubClient

DAY = "2026-09-01"
LB_PATH = "data/train-00000-of-00001.parquet"


class FakeHub:
    """Tree and resolve routes for the two eval datasets; counts what was asked."""

    def __init__(self):
        self.files = {
            "open-llm-leaderboard/contents": {LB_PATH: b"leaderboard v1"},
            "mteb/results": {"data/train-00000-of-00002.parquet": b"mteb shard 0", "data/train-00001-of-00002.parquet": b"mteb shard 1"},
        }
        self.oids = {repo: {path: f"oid-{path}-1" for path in files} for repo, files in self.files.items()}
        self.fail_tree: set[str] = set()
        self.page_size = 1000
        self.requests: list[str] = []

    def set_file(self, repo, path, content, version):
        self.files[repo][path] = content
        self.oids[repo][path] = f"oid-{path}-{version}"

    def handler(self, request: httpx.Request) -> httpx.Response:
        path = unquote(request.url.path)
        self.requests.append(f"{request.url.host} {path}")
        for repo, files in self.files.items():
            tree = f"/api/datasets/{repo}/tree/main/data"
            if path == tree:
                if repo in self.fail_tree:
                    return httpx.Response(500, json={"error": "boom"})
                assert request.url.params.get("recursive") == "true"
                entries = [{"type": "directory", "oid": "d0", "size": 0, "path": "data/sub"}]
                entries += [{"type": "file", "oid": self.oids[repo][p], "size": len(c), "path": p} for p, c in sorted(files.items())]
                entries.append({"type": "file", "oid": "x", "size": 3, "path": "data/README.md"})
                start = int(request.url.params.get("cursor", 0))
                page = entries[start:start + self.page_size]
                headers = {}
                if start + self.page_size < len(entries):
                    headers["Link"] = f'<{request.url.copy_set_param("cursor", str(start + self.page_size))}>; rel="next"'
                return httpx.Response(200, json=page, headers=headers)
            prefix = f"/datasets/{repo}/resolve/main/"
            if path.startswith(prefix) and path[len(prefix):] in files:
                return httpx.Response(200, content=files[path[len(prefix):]])
        return httpx.Response(404, json={"error": "not found"})

    def downloads(self) -> list[str]:
        return [r for r in self.requests if "/resolve/" in r]


@pytest.fixture()
def hub():
    return FakeHub()


def client_for(hub: FakeHub, endpoint="http://hub.test") -> HubClient:
    return HubClient(endpoint, transport=httpx.MockTransport(hub.handler), max_retries=0, sleep=lambda s: None)


def test_the_first_run_downloads_every_parquet_file_listed_by_the_tree(hub, tmp_path):
    summary = evals.fetch_all(client_for(hub), tmp_path, DAY, log=lambda m: None)
    assert summary["sources"]["open_llm_leaderboard"]["downloaded"] == 1
    assert summary["sources"]["mteb"] == {"status": "ok", "files": 2, "downloaded": 2, "unchanged": 0, "removed": 0,
                                          "bytes": 24, "bad_entries": 0}
    assert (tmp_path / "evals/open_llm_leaderboard" / LB_PATH).read_bytes() == b"leaderboard v1"
    assert (tmp_path / "evals/mteb/data/train-00001-of-00002.parquet").read_bytes() == b"mteb shard 1"
    state = json.loads((tmp_path / "evals/state.json").read_text())
    assert state["mteb"]["files"]["data/train-00000-of-00002.parquet"] == {"oid": "oid-data/train-00000-of-00002.parquet-1", "size": 12}
    assert state["mteb"]["checked"] == state["mteb"]["changed"] == DAY


def test_an_unchanged_tree_downloads_nothing(hub, tmp_path):
    evals.fetch_all(client_for(hub), tmp_path, DAY, log=lambda m: None)
    hub.requests.clear()
    summary = evals.fetch_all(client_for(hub), tmp_path, "2026-09-02", log=lambda m: None)
    assert hub.downloads() == []
    assert summary["sources"]["mteb"]["unchanged"] == 2
    state = json.loads((tmp_path / "evals/state.json").read_text())
    assert (state["mteb"]["checked"], state["mteb"]["changed"]) == ("2026-09-02", DAY)


def test_only_changed_shards_are_downloaded_and_vanished_ones_removed(hub, tmp_path):
    evals.fetch_all(client_for(hub), tmp_path, DAY, log=lambda m: None)
    hub.requests.clear()
    hub.set_file("mteb/results", "data/train-00000-of-00002.parquet", b"mteb shard 0, new", 2)
    del hub.files["mteb/results"]["data/train-00001-of-00002.parquet"]
    summary = evals.fetch_all(client_for(hub), tmp_path, "2026-09-02", log=lambda m: None)
    assert hub.downloads() == ["hub.test /datasets/mteb/results/resolve/main/data/train-00000-of-00002.parquet"]
    assert summary["sources"]["mteb"]["removed"] == 1
    assert sorted(p.name for p in (tmp_path / "evals/mteb/data").iterdir()) == ["train-00000-of-00002.parquet"]
    assert (tmp_path / "evals/mteb/data/train-00000-of-00002.parquet").read_bytes() == b"mteb shard 0, new"


def test_a_local_file_that_went_missing_is_downloaded_again(hub, tmp_path):
    evals.fetch_all(client_for(hub), tmp_path, DAY, log=lambda m: None)
    (tmp_path / "evals/open_llm_leaderboard" / LB_PATH).unlink()
    hub.requests.clear()
    evals.fetch_all(client_for(hub), tmp_path, DAY, log=lambda m: None)
    assert hub.downloads() == [f"hub.test /datasets/open-llm-leaderboard/contents/resolve/main/{LB_PATH}"]


def test_shards_are_discovered_across_tree_pages(hub, tmp_path):
    hub.page_size = 2  # directory, shard 0 | shard 1, README
    evals.fetch_all(client_for(hub), tmp_path, DAY, log=lambda m: None)
    assert len(list((tmp_path / "evals/mteb/data").glob("*.parquet"))) == 2


def test_a_failing_source_keeps_its_last_files_and_does_not_stop_the_other(hub, tmp_path):
    evals.fetch_all(client_for(hub), tmp_path, DAY, log=lambda m: None)
    hub.fail_tree.add("mteb/results")
    hub.set_file("open-llm-leaderboard/contents", LB_PATH, b"leaderboard v2", 2)
    messages: list[str] = []
    summary = evals.fetch_all(client_for(hub), tmp_path, "2026-09-02", log=messages.append)
    assert summary["sources"]["mteb"]["status"] == "failed" and "500" in summary["sources"]["mteb"]["error"]
    assert summary["sources"]["open_llm_leaderboard"]["downloaded"] == 1
    assert len(list((tmp_path / "evals/mteb/data").glob("*.parquet"))) == 2
    assert any("keeping the files of the last run" in m for m in messages)
    state = json.loads((tmp_path / "evals/state.json").read_text())
    assert state["mteb"]["checked"] == DAY  # not advanced by the failed run


def test_an_empty_tree_is_treated_as_a_failure_not_as_an_empty_dataset(hub, tmp_path):
    evals.fetch_all(client_for(hub), tmp_path, DAY, log=lambda m: None)
    hub.files["mteb/results"].clear()
    summary = evals.fetch_all(client_for(hub), tmp_path, DAY, log=lambda m: None)
    assert summary["sources"]["mteb"]["status"] == "failed"
    assert len(list((tmp_path / "evals/mteb/data").glob("*.parquet"))) == 2


def test_a_download_of_the_wrong_size_is_an_error_and_leaves_no_file(hub, tmp_path):
    real = hub.handler

    def short(request):
        response = real(request)
        if "/resolve/" in request.url.path and "mteb" in request.url.path:
            return httpx.Response(200, content=b"cut")
        return response

    hub.handler = short
    summary = evals.fetch_all(client_for(hub), tmp_path, DAY, log=lambda m: None)
    assert summary["sources"]["mteb"]["status"] == "failed" and "the tree said" in summary["sources"]["mteb"]["error"]
    assert not list((tmp_path / "evals/mteb").rglob("*.parquet"))


def test_hf_endpoint_decides_where_requests_go(hub, tmp_path, monkeypatch):
    monkeypatch.setenv("HF_ENDPOINT", "http://replay.local:8080")
    client = HubClient(transport=httpx.MockTransport(hub.handler), max_retries=0, sleep=lambda s: None)
    evals.fetch_all(client, tmp_path, DAY, log=lambda m: None)
    assert hub.requests and all(r.startswith("replay.local ") for r in hub.requests)


def test_a_corrupt_state_file_means_checking_everything_again(hub, tmp_path):
    (tmp_path / "evals").mkdir()
    (tmp_path / "evals/state.json").write_text("{not json")
    messages: list[str] = []
    summary = evals.fetch_all(client_for(hub), tmp_path, DAY, log=messages.append)
    assert summary["sources"]["mteb"]["downloaded"] == 2
    assert any("not valid JSON" in m for m in messages)


def test_a_client_with_only_get_json_and_download_is_enough(hub, tmp_path):
    class Minimal:
        """The interface the brief promises: get_json and download, nothing else."""

        def __init__(self, inner):
            self.get_json, self.download = inner.get_json, inner.download

    summary = evals.fetch_all(Minimal(client_for(hub)), tmp_path, DAY, log=lambda m: None)
    assert summary["sources"]["mteb"]["downloaded"] == 2
