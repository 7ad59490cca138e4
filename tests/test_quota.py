"""With a quota enforced by the server, the crawl paces itself and never receives a 429."""

from __future__ import annotations

import math

import pytest

from hubstudy import replay
from hubstudy.pipeline import Settings, resolve_parents, run_crawl

pytestmark = pytest.mark.e2e


def test_a_quota_bound_crawl_finishes_without_a_single_429(tmp_path):
    world = tmp_path / "world"
    replay.generate(world, models=2500, datasets=900, spaces=600, seed=21)
    quota, window = 6, 1
    with replay.ReplayServer(world, quota=quota, window=window) as srv:
        s = Settings.from_args(endpoint=srv.url, data_dir=str(tmp_path / "data"), date="2026-09-01", anonymous=True,
                               page_size=250, reset_margin=0.2)
        with s.client() as client:
            results = run_crawl(s, client)
            resolve_parents(s, client)
            stats = client.stats.snapshot()
        served = srv.stats_snapshot()
    assert served["http_429"] == 0 and stats["http_429"] == 0
    listing = sum(r["listing_requests"] for r in results)
    assert listing == math.ceil(2500 / 250) + math.ceil(900 / 250) + math.ceil(600 / 250)
    # the quota forced pauses, and the client learned it from the headers
    assert stats["rate_limit_waits"] >= listing // quota - 1
    assert stats["quota"] == quota and stats["window"] == window
    assert all(r["status"] == "complete" for r in results)
