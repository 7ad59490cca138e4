"""The Hub client over httpx.MockTransport: pagination, resume, pacing, retries, the token."""

from __future__ import annotations

import httpx
import pytest

from hubstudy.client import HubClient, parse_rate_limit
from hubstudy.errors import HubHTTPError, HubNetworkError, HubResponseError

BASE = "http://hub.test"


class FakeTime:
    """A clock that only moves when the client sleeps, so pacing is checked without waiting."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, s: float) -> None:
        self.sleeps.append(s)
        self.now += s


def listing_handler(n_items: int, page: int, *, host: str = BASE, seen: list | None = None):
    items = [{"id": f"org/m{i:04d}"} for i in range(n_items)]

    def handler(req: httpx.Request) -> httpx.Response:
        if seen is not None:
            seen.append(req)
        start = int(req.url.params.get("cursor", "0"))
        body = items[start:start + page]
        headers = {}
        if start + page < n_items:
            headers["Link"] = f'<{host}/api/models?limit={page}&cursor={start + page}>; rel="next"'
        return httpx.Response(200, json=body, headers=headers)

    return handler


def client(handler, **kw) -> HubClient:
    ft = kw.pop("ft", None) or FakeTime()
    return HubClient(BASE, kw.pop("token", None), transport=httpx.MockTransport(handler), sleep=ft.sleep, clock=ft.clock, **kw)


def test_paginate_follows_link_headers_to_the_last_page():
    c = client(listing_handler(25, 10))
    pages = list(c.paginate("/api/models", {"limit": 10}))
    assert [len(p.records) for p in pages] == [10, 10, 5]
    assert [p.number for p in pages] == [1, 2, 3]
    assert pages[-1].next_url is None
    ids = [r["id"] for p in pages for r in p.records]
    assert len(ids) == len(set(ids)) == 25


def test_paginate_resumes_from_a_saved_next_url_without_refetching_earlier_pages():
    seen: list[httpx.Request] = []
    c = client(listing_handler(25, 10, seen=seen))
    first = next(iter(c.paginate("/api/models", {"limit": 10})))
    seen.clear()
    rest = list(c.paginate("/api/models", start_url=first.next_url, start_number=first.number))
    assert [p.number for p in rest] == [2, 3]
    assert [r["id"] for r in rest[0].records][0] == "org/m0010"
    assert len(seen) == 2


def test_pacing_waits_for_the_window_reset_when_the_quota_is_spent_and_never_sees_a_429():
    ft = FakeTime()
    state = {"window_start": 0.0, "used": 0, "got_429": 0}
    quota, window = 3, 10

    def handler(req):
        if ft.now - state["window_start"] >= window:
            state["window_start"], state["used"] = ft.now, 0
        reset = max(0, int(window - (ft.now - state["window_start"]) + 0.999))
        if state["used"] >= quota:
            state["got_429"] += 1
            return httpx.Response(429, headers={"RateLimit": f'"api";r=0;t={reset}'})
        state["used"] += 1
        return httpx.Response(
            200, json=[{"id": "x"}], headers={
                "RateLimit": f'"api";r={quota - state["used"]};t={reset}',
                "RateLimit-Policy": f'"fixed window";"api";q={quota};w={window}',
            })

    c = client(handler, ft=ft, reset_margin=0.5)
    for _ in range(7):
        c.get_json("/api/models")
    assert state["got_429"] == 0
    assert c.stats.http_429 == 0
    assert c.stats.rate_limit_waits == 2  # after requests 3 and 6
    assert c.stats.quota == 3 and c.stats.window == 10
    assert all(9.5 <= s <= 11 for s in ft.sleeps)


def test_a_429_waits_as_the_ratelimit_header_says_then_succeeds():
    ft = FakeTime()
    calls = []

    def handler(req):
        calls.append(ft.now)
        if len(calls) == 1:
            return httpx.Response(429, headers={"RateLimit": '"api";r=0;t=42'})
        return httpx.Response(200, json={"ok": True})

    c = client(handler, ft=ft, reset_margin=1.0)
    assert c.get_json("/api/x") == {"ok": True}
    assert ft.sleeps == [43.0]
    assert c.stats.http_429 == 1


def test_a_429_without_ratelimit_honours_retry_after():
    ft = FakeTime()
    answers = iter([httpx.Response(429, headers={"Retry-After": "7"}), httpx.Response(200, json=[1])])
    c = client(lambda req: next(answers), ft=ft)
    assert c.get_json("/api/x") == [1]
    assert ft.sleeps == [7.0]


@pytest.mark.parametrize("status", [408, 500, 502, 503, 504])
def test_retryable_statuses_are_retried_with_growing_capped_backoff(status):
    ft = FakeTime()
    n = {"i": 0}

    def handler(req):
        n["i"] += 1
        return httpx.Response(status) if n["i"] <= 4 else httpx.Response(200, json={"ok": 1})

    c = client(handler, ft=ft, backoff_base=1.0, backoff_cap=4.0)
    assert c.get_json("/api/x") == {"ok": 1}
    assert c.stats.retries == 4
    assert len(ft.sleeps) == 4
    assert all(s <= 4.0 for s in ft.sleeps)
    assert ft.sleeps[2] >= ft.sleeps[0]  # 4*[0.5,1] >= 1*[0.5,1]


def test_a_fault_that_outlasts_the_retries_raises_a_clear_error():
    c = client(lambda req: httpx.Response(503), max_retries=2)
    with pytest.raises(HubHTTPError) as e:
        c.get_json("/api/models")
    assert e.value.status == 503
    assert "after 3 attempts" in str(e.value)


@pytest.mark.parametrize("exc", [httpx.ReadTimeout("slow"), httpx.ConnectError("refused"), httpx.RemoteProtocolError("dropped")])
def test_timeouts_and_dropped_connections_are_retried(exc):
    n = {"i": 0}

    def handler(req):
        n["i"] += 1
        if n["i"] == 1:
            raise exc
        return httpx.Response(200, json=[])

    c = client(handler)
    assert c.get_json("/api/x") == []
    assert c.stats.retries == 1


def test_network_errors_beyond_the_retries_raise_hub_network_error():
    def handler(req):
        raise httpx.ReadTimeout("slow")

    with pytest.raises(HubNetworkError, match="ReadTimeout"):
        client(handler, max_retries=1).get_json("/api/x")


def test_invalid_json_is_retried_then_reported():
    answers = iter([httpx.Response(200, content=b"[{\"id\": "), httpx.Response(200, json=[{"id": "a"}])])
    c = client(lambda req: next(answers))
    assert c.get_json("/api/x") == [{"id": "a"}]
    c2 = client(lambda req: httpx.Response(200, content=b"<html>oops"), max_retries=1)
    with pytest.raises(HubResponseError, match="not valid JSON"):
        c2.get_json("/api/x")


def test_undecoded_pages_are_still_checked_retried_and_counted():
    """paginate(decode=False): the body is validated, not decoded; bad JSON is retried, a non-list refused."""
    good = b'[{"id": "a", "x": [1, {"y": "\\u00e9"}]}, {"id": "b"}, 3]'
    answers = iter([httpx.Response(200, content=b'[{"id": "a"}, {"id": '), httpx.Response(200, content=good)])
    c = client(lambda req: next(answers))
    pages = list(c.paginate("/api/models", decode=False))
    assert len(pages) == 1 and len(pages[0].records) == 3 and pages[0].raw == good
    assert c.stats.retries == 1
    c2 = client(lambda req: httpx.Response(200, json={"error": "not a list"}))
    with pytest.raises(HubResponseError, match="did not return a JSON list"):
        list(c2.paginate("/api/models", decode=False))


def test_a_link_that_points_back_to_a_read_page_is_asked_again_not_followed():
    state = {"n": 0}

    def handler(req):
        cursor = req.url.params.get("cursor")
        if cursor is None:
            return httpx.Response(200, json=[{"id": "a"}], headers={"Link": f'<{BASE}/api/models?cursor=1>; rel="next"'})
        state["n"] += 1
        if state["n"] == 1:  # faulty: points at itself
            return httpx.Response(200, json=[{"id": "b"}], headers={"Link": f'<{BASE}/api/models?cursor=1>; rel="next"'})
        return httpx.Response(200, json=[{"id": "b"}])

    pages = list(client(handler).paginate("/api/models"))
    assert [r["id"] for p in pages for r in p.records] == ["a", "b"]


def test_a_link_loop_that_persists_stops_with_an_error():
    def handler(req):
        return httpx.Response(200, json=[{"id": "a"}], headers={"Link": f'<{BASE}/api/models>; rel="next"'})

    with pytest.raises(HubResponseError, match="Link header keeps pointing back"):
        list(client(handler, max_retries=2).paginate("/api/models"))


def test_the_token_goes_only_to_the_configured_endpoint():
    seen: list[httpx.Request] = []

    def handler(req):
        seen.append(req)
        if req.url.host == "hub.test" and "cursor" not in req.url.params:
            return httpx.Response(200, json=[{"id": "a"}], headers={"Link": '<http://elsewhere.test/api/models?cursor=1>; rel="next"'})
        if req.url.host == "hub.test":
            return httpx.Response(307, headers={"Location": "http://evil.test/steal"})
        return httpx.Response(200, json=[{"id": "b"}])

    c = client(handler, token="hf_canary_token_value")
    list(c.paginate("/api/models"))
    c.get_json("/api/models/redirected")
    by_host = {(r.url.host, r.headers.get("authorization")) for r in seen}
    assert ("hub.test", "Bearer hf_canary_token_value") in by_host
    assert all(auth is None for host, auth in by_host if host != "hub.test")
    assert "hf_canary" not in repr(c)


def test_a_404_is_not_retried_and_says_what_the_hub_said():
    n = {"i": 0}

    def handler(req):
        n["i"] += 1
        return httpx.Response(404, json={"error": "Repository not found"})

    with pytest.raises(HubHTTPError, match="Repository not found") as e:
        client(handler).get_json("/api/models/nobody/nothing")
    assert e.value.status == 404 and n["i"] == 1


def test_rate_limit_headers_parse_in_the_ietf_draft_form():
    h = httpx.Headers({"RateLimit": '"api";r=0;t=17', "RateLimit-Policy": '"fixed window";"api";q=1000;w=300'})
    assert parse_rate_limit(h) == (0, 17.0, 1000, 300)
    assert parse_rate_limit(httpx.Headers({})) == (None, None, None, None)


def test_download_streams_to_the_destination_atomically(tmp_path):
    payload = b"PAR1" + bytes(range(256)) * 100
    n = {"i": 0}

    def handler(req):
        n["i"] += 1
        if n["i"] == 1:
            return httpx.Response(502)
        return httpx.Response(200, content=payload)

    dest = tmp_path / "x" / "f.parquet"
    client(handler).download("/datasets/a/b/resolve/main/f.parquet", dest)
    assert dest.read_bytes() == payload
    assert [p.name for p in dest.parent.iterdir()] == ["f.parquet"]


def test_a_body_with_bytes_that_are_not_utf8_is_decoded_with_replacement_not_dropped():
    body = b'[{"id": "org/caf' + bytes([0xE9]) + b'"}, {"id": "org/ok", "x": "\\ud800"}]'
    c = client(lambda req: httpx.Response(200, content=body))
    data = c.get_json("/api/models")
    assert [r["id"] for r in data] == ["org/caf\ufffd", "org/ok"]
    assert c.stats.retries == 0
