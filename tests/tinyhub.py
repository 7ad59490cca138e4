"""A tiny Hub for library tests, served through httpx.MockTransport (not a replacement for the replay)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from hubstudy.client import HubClient

T0 = datetime(2024, 1, 1, tzinfo=timezone.utc)


def iso(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _ts(value) -> float:
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
    except (AttributeError, ValueError):
        return float("-inf")  # nulls and garbage sort last


class TinyHub:
    """Keyset pagination (sort key desc, _id asc), expand projection, request log."""

    def __init__(self, models, datasets=(), spaces=()):
        self.repos = {"models": list(models), "datasets": list(datasets), "spaces": list(spaces)}
        self.log: list[tuple[str, dict]] = []
        self.fail_after: int | None = None

    def __call__(self, req: httpx.Request) -> httpx.Response:
        kind = req.url.path.rsplit("/", 1)[-1]
        q = parse_qs(urlsplit(str(req.url)).query)
        self.log.append((kind, q))
        if self.fail_after is not None and len(self.log) > self.fail_after:
            return httpx.Response(503)
        sort = q.get("sort", ["createdAt"])[0]
        limit = int(q.get("limit", ["1000"])[0])
        start = int(q.get("cursor", ["0"])[0])
        rows = sorted(self.repos[kind], key=lambda r: (-_ts(r.get(sort)), r["_id"]))
        expand = q.get("expand")
        page = rows[start:start + limit]
        if expand:
            page = [{k: v for k, v in r.items() if k in expand or k in ("id", "_id")} for r in page]
        headers = {}
        if start + limit < len(rows):
            nq = {k: v for k, v in q.items() if k != "cursor"}
            qs = "&".join(f"{k}={x}" for k, vs in nq.items() for x in vs)
            headers["Link"] = f'<http://hub.test{req.url.path}?{qs}&cursor={start + limit}>; rel="next"'
        return httpx.Response(200, json=page, headers=headers)


def model(i: int, parent: str | None = None, relation: str = "finetune", modified_days: int = 0, **extra):
    created = T0 + timedelta(days=i)
    tags = ["transformers", "license:mit"]
    card = {"license": "mit"}
    if parent:
        tags += [f"base_model:{parent}", f"base_model:{relation}:{parent}"]
        card["base_model"] = parent
    r = {
        "_id": f"{i:024x}", "id": f"org/m{i}", "author": "org", "createdAt": iso(created),
        "lastModified": iso(created + timedelta(days=modified_days)), "downloads": 10 * i, "downloadsAllTime": 100 * i,
        "likes": i, "trendingScore": 0, "pipeline_tag": "text-generation", "library_name": "transformers",
        "tags": tags, "gated": False, "private": False, "disabled": False, "sha": f"{i:040x}",
        "safetensors": {"total": 1000 + i}, "cardData": card,
    }
    r.update(extra)
    return r


def simple(i: int, kind: str):
    created = T0 + timedelta(days=i)
    return {"_id": f"{i:024x}", "id": f"u/{kind}{i}", "author": "u", "createdAt": iso(created), "lastModified": iso(created),
            "likes": i, "downloads": i, "tags": ["license:cc-by-4.0"], "sdk": "gradio", "sha": "0" * 40}


@pytest.fixture
def world():
    models = [model(0)] + [model(i, parent="org/m0") for i in range(1, 6)]
    models.append(model(6, parent="org/m1", relation="quantized"))
    m7 = model(7)
    m7["tags"] += ["base_model:org/m1", "base_model:merge:org/m1", "base_model:org/m2", "base_model:merge:org/m2"]
    models.append(m7)
    models.append(model(8, cardData={"base_model": 12345}))  # bad card: quarantined, not fatal
    return TinyHub(models, [simple(i, "d") for i in range(4)], [simple(i, "s") for i in range(3)])


def client_for(hub, token: str | None = None) -> HubClient:
    return HubClient("http://hub.test", token, transport=httpx.MockTransport(hub), sleep=lambda s: None)


