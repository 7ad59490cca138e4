"""The Hub HTTP client: one place for pacing, retries, pagination and the token.

Everything hubstudy sends to the Hub goes through :class:`HubClient.request`, which is the
single retry layer (Prefect task retries are for whole-task failures only, so attempts never
multiply). It

* paces itself from the ``RateLimit`` / ``RateLimit-Policy`` headers the Hub sends on every
  ``/api`` answer: when the window's remaining quota reaches the reserve it sleeps until the
  window resets, so a long crawl stays under quota instead of collecting 429s;
* on a 429 waits as the headers say (``RateLimit`` reset time, else ``Retry-After``);
* retries 408/5xx, timeouts and dropped connections with capped exponential backoff;
* sends the token only to the configured endpoint's origin, never to a host named by a
  redirect or a ``Link`` header.

``paginate`` is a lazy generator over ``Link: <...>; rel="next"`` that can start from a saved
next-URL, which is how an interrupted crawl resumes.

The transport is injectable (``httpx.MockTransport`` in tests, the real network otherwise).
"""

from __future__ import annotations

import os
import random
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx
import msgspec
import orjson

from . import __version__
from .errors import HubHTTPError, HubNetworkError, HubResponseError

DEFAULT_ENDPOINT = "https://huggingface.co"
RETRY_STATUS = frozenset({408, 500, 502, 503, 504})


def resolve_endpoint(flag: str | None = None) -> str:
    """The Hub base URL: the flag, else ``HF_ENDPOINT``, else the real Hub."""
    value = flag or os.environ.get("HF_ENDPOINT") or DEFAULT_ENDPOINT
    value = value.strip().rstrip("/")
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        from .errors import ConfigError

        raise ConfigError(f"endpoint must be an http(s) URL such as {DEFAULT_ENDPOINT}, got {value!r}")
    return value


def resolve_token() -> str | None:
    """The token the usual huggingface_hub way (``HF_TOKEN``, then a saved login)."""
    try:
        from huggingface_hub import get_token

        return get_token()
    except Exception:  # a broken token file must not stop an anonymous crawl
        return os.environ.get("HF_TOKEN") or None


def _origin(url: str) -> tuple[str, str]:
    p = urlsplit(url)
    port = p.port or (443 if p.scheme == "https" else 80)
    return (p.scheme, f"{(p.hostname or '').lower()}:{port}")


def parse_rate_limit(headers: httpx.Headers) -> tuple[int | None, float | None, int | None, int | None]:
    """(remaining, seconds to reset, quota, window) from IETF draft RateLimit headers.

    >>> h = httpx.Headers({"RateLimit": '"api";r=12;t=40', "RateLimit-Policy": '"fixed window";"api";q=500;w=300'})
    >>> parse_rate_limit(h)
    (12, 40.0, 500, 300)
    """
    def param(header: str, key: str) -> float | None:
        m = re.search(rf"(?:^|;)\s*{key}\s*=\s*(\d+(?:\.\d+)?)", headers.get(header) or "")
        return float(m.group(1)) if m else None

    r, t = param("ratelimit", "r"), param("ratelimit", "t")
    q, w = param("ratelimit-policy", "q"), param("ratelimit-policy", "w")
    as_int = lambda v: None if v is None else int(v)  # noqa: E731
    return as_int(r), t, as_int(q), as_int(w)


def _retry_after(headers: httpx.Headers) -> float | None:
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:  # the HTTP-date form is not used by the Hub
        return None


@dataclass
class ClientStats:
    """Counters a crawl run records in ``crawl_runs``."""

    requests: int = 0
    retries: int = 0
    http_429: int = 0
    rate_limit_waits: int = 0
    rate_limit_wait_s: float = 0.0
    bytes_in: int = 0
    quota: int | None = None
    window: int | None = None
    remaining: int | None = None

    def snapshot(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class Page:
    """One listing page: its records, the URL that produced it and the next URL (None at the end)."""

    records: list[Any]  # decoded records; with paginate(decode=False) one msgspec.Raw per record
    url: str
    next_url: str | None
    number: int = 0
    raw: bytes = b""  # the response body exactly as received (kept beside the parsed columns)


class HubClient:
    """A small client for the Hub's HTTP API.

    ``sleep`` and ``clock`` are injectable so tests can check pacing without waiting.
    """

    def __init__(
        self,
        endpoint: str | None = None,
        token: str | None = None,
        *,
        transport: httpx.BaseTransport | None = None,
        timeout: float = 30.0,
        max_retries: int = 6,
        max_429: int = 30,
        backoff_base: float = 1.0,
        backoff_cap: float = 16.0,
        reset_margin: float = 1.0,
        reserve: int = 0,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        on_wait: Callable[[str, float], None] | None = None,
    ) -> None:
        self.endpoint = resolve_endpoint(endpoint)
        self._origin = _origin(self.endpoint)
        self._token = token
        self.max_retries = max_retries
        self.max_429 = max_429
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.reset_margin = reset_margin
        self.reserve = reserve
        self._sleep = sleep
        self._clock = clock
        self._on_wait = on_wait
        self._not_before = 0.0
        self.stats = ClientStats()
        self.world: str | None = None  # the replay's X-Hubstudy-World header, if the endpoint is one
        self._http = httpx.Client(
            transport=transport,
            timeout=httpx.Timeout(timeout),
            follow_redirects=False,
            headers={"User-Agent": f"hubstudy/{__version__}", "Accept-Encoding": "gzip"},
        )

    # -- plumbing -------------------------------------------------------------------------
    def __enter__(self) -> HubClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def __repr__(self) -> str:  # never show the token
        return f"HubClient(endpoint={self.endpoint!r}, token={'set' if self._token else 'none'})"

    def url(self, path_or_url: str) -> str:
        if path_or_url.startswith(("http://", "https://")):
            return path_or_url
        return self.endpoint + ("" if path_or_url.startswith("/") else "/") + path_or_url

    def _headers_for(self, url: str) -> dict[str, str]:
        if self._token and _origin(url) == self._origin:
            return {"Authorization": f"Bearer {self._token}"}
        return {}

    def _wait(self, seconds: float, why: str) -> None:
        if seconds <= 0:
            return
        if self._on_wait:
            self._on_wait(why, seconds)
        self._sleep(seconds)

    def _backoff(self, attempt: int) -> float:
        base = min(self.backoff_cap, self.backoff_base * (2 ** attempt))
        return base * (0.5 + random.random() / 2)

    def _pace(self, resp: httpx.Response) -> None:
        r, t, q, w = parse_rate_limit(resp.headers)
        if q is not None:
            self.stats.quota, self.stats.window = q, w
        if r is None:
            return
        self.stats.remaining = r
        if r <= self.reserve and resp.status_code != 429:
            # The window is spent: hold the next request until it resets.
            reset = (t if t is not None else float(w or 1)) + self.reset_margin
            self._not_before = max(self._not_before, self._clock() + reset)

    def _hold(self) -> None:
        delay = self._not_before - self._clock()
        if delay > 0:
            self.stats.rate_limit_waits += 1
            self.stats.rate_limit_wait_s += delay
            self._wait(delay, "rate limit")

    # -- the one retry layer --------------------------------------------------------------
    def request(self, method: str, path_or_url: str, params: Any = None, *,
                parse_json: bool | Callable[[bytes], Any] = False, follow_redirects: bool = True) -> httpx.Response:
        """Send one request with pacing and retries; follow redirects by hand.

        With ``parse_json`` the body is decoded inside the retry loop (a truncated or invalid
        body is retried like a dropped connection) and stored on ``response.data``; a callable
        decodes instead of the default (it raises ``ValueError`` for a body to retry).
        """
        url = self.url(path_or_url)
        attempts = 0
        n429 = 0
        redirects = 0
        while True:
            self._hold()
            self.stats.requests += 1
            try:
                resp = self._http.request(method, url, params=params, headers=self._headers_for(url))
                resp.read()
            except (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError) as exc:
                if attempts >= self.max_retries:
                    raise HubNetworkError(
                        f"{method} {_safe(url)} failed after {attempts + 1} attempts: {type(exc).__name__}: {exc}"
                    ) from None
                attempts += 1
                self.stats.retries += 1
                self._wait(self._backoff(attempts - 1), f"{type(exc).__name__}")
                continue
            self.stats.bytes_in += len(resp.content)
            self._pace(resp)
            if "x-hubstudy-world" in resp.headers:
                self.world = resp.headers["x-hubstudy-world"]
            status = resp.status_code
            if status == 429:
                self.stats.http_429 += 1
                if n429 >= self.max_429:
                    raise HubHTTPError(f"{method} {_safe(url)}: still rate limited after {n429} waits", 429, _safe(url))
                n429 += 1
                r, t, _, _ = parse_rate_limit(resp.headers)
                ra = _retry_after(resp.headers)
                if r == 0 and t is not None:
                    delay = t + self.reset_margin
                elif ra is not None:
                    delay = ra
                else:
                    delay = self._backoff(n429 - 1)
                self.stats.rate_limit_waits += 1
                self.stats.rate_limit_wait_s += delay
                self._wait(delay, "429")
                continue
            if status in RETRY_STATUS:
                if attempts >= self.max_retries:
                    raise HubHTTPError(
                        f"{method} {_safe(url)} answered {status} after {attempts + 1} attempts", status, _safe(url)
                    )
                attempts += 1
                self.stats.retries += 1
                ra = _retry_after(resp.headers)
                self._wait(ra if ra is not None else self._backoff(attempts - 1), f"HTTP {status}")
                continue
            if status in (301, 302, 303, 307, 308) and "location" in resp.headers:
                if not follow_redirects:
                    return resp
                redirects += 1
                if redirects > 5:
                    raise HubHTTPError(f"too many redirects from {_safe(url)}", status, _safe(url))
                url = urljoin(url, resp.headers["location"])
                params = None  # the Location carries its own query string
                continue
            if status >= 400:
                raise HubHTTPError(f"{method} {_safe(url)} answered {status}: {_error_text(resp)}", status, _safe(url))
            if parse_json:
                try:
                    decode = parse_json if callable(parse_json) else _loads
                    resp.data = decode(resp.content)  # type: ignore[attr-defined]
                except ValueError:
                    if attempts >= self.max_retries:
                        raise HubResponseError(f"{method} {_safe(url)}: body is not valid JSON") from None
                    attempts += 1
                    self.stats.retries += 1
                    self._wait(self._backoff(attempts - 1), "invalid JSON")
                    continue
            return resp

    def get_json(self, path: str, params: Any = None) -> Any:
        return self.request("GET", path, params, parse_json=True).data  # type: ignore[attr-defined]

    def paginate(self, path: str, params: Any = None, *, start_url: str | None = None, start_number: int = 0,
                 decode: bool = True) -> Iterator[Page]:
        """Yield listing pages, following ``Link: <...>; rel="next"``.

        With ``decode=False`` a page's body is only checked to be one well-formed JSON array
        (retried like any invalid body if not) and ``Page.records`` holds one undecoded
        ``msgspec.Raw`` per record: for callers that hand ``Page.raw`` to another process.

        ``start_url`` resumes from a next-URL saved by an interrupted crawl (the URL already
        holds every query parameter, so ``params`` is ignored then). A ``Link`` that points back
        to a page already read is a server fault: the page is asked for again, and if the loop
        persists the crawl stops with an error instead of spinning.
        """
        url = start_url or self.url(path)
        send = None if start_url else params
        seen: set[str] = set()
        number = start_number
        while url:
            loops = 0
            while True:
                resp = self.request("GET", url, send, parse_json=True if decode else _json_list)
                data = resp.data  # type: ignore[attr-defined]
                if not isinstance(data, list):
                    raise HubResponseError(f"listing {_safe(url)} did not return a JSON list")
                nxt = resp.links.get("next", {}).get("url")
                if nxt:
                    nxt = urljoin(str(resp.url), nxt)
                key = str(resp.url)
                if nxt and (nxt in seen or nxt == key):
                    loops += 1
                    self.stats.retries += 1
                    if loops > self.max_retries:
                        raise HubResponseError(f"listing {_safe(key)}: the Link header keeps pointing back to a page already read")
                    self._wait(self._backoff(loops - 1), "Link loop")
                    continue
                break
            seen.add(key)
            number += 1
            yield Page(records=data, url=key, next_url=nxt, number=number, raw=resp.content)
            url, send = nxt, None

    def download(self, path: str, dest: Path, *, chunk: int = 1 << 20) -> Path:
        """Stream a file (``/datasets/<id>/resolve/<rev>/<path>``) to ``dest`` atomically."""
        dest = Path(dest)
        dest.parent.mkdir(parents=True, exist_ok=True)
        tmp = dest.with_name(dest.name + f".part-{os.getpid()}")
        url = self.url(path)
        attempts = 0
        while True:
            self._hold()
            self.stats.requests += 1
            try:
                with self._http.stream("GET", url, headers=self._headers_for(url), follow_redirects=False) as resp:
                    self._pace(resp)
                    if resp.status_code in (301, 302, 303, 307, 308) and "location" in resp.headers:
                        url = urljoin(url, resp.headers["location"])
                        continue
                    if resp.status_code == 429 or resp.status_code in RETRY_STATUS:
                        raise _Retryable(resp.status_code, resp.headers)
                    if resp.status_code >= 400:
                        resp.read()
                        raise HubHTTPError(f"GET {_safe(url)} answered {resp.status_code}: {_error_text(resp)}", resp.status_code, _safe(url))
                    with open(tmp, "wb") as fh:
                        for block in resp.iter_bytes(chunk):
                            fh.write(block)
                            self.stats.bytes_in += len(block)
                os.replace(tmp, dest)
                return dest
            except (_Retryable, httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError) as exc:
                tmp.unlink(missing_ok=True)
                if attempts >= self.max_retries:
                    raise HubNetworkError(f"GET {_safe(url)} failed after {attempts + 1} attempts: {exc}") from None
                attempts += 1
                self.stats.retries += 1
                delay = self._backoff(attempts - 1)
                if isinstance(exc, _Retryable):
                    if exc.status == 429:
                        self.stats.http_429 += 1
                    r, t, _, _ = parse_rate_limit(exc.headers)
                    ra = _retry_after(exc.headers)
                    if r == 0 and t is not None:
                        delay = t + self.reset_margin
                    elif ra is not None:
                        delay = ra
                self._wait(delay, "download retry")


class _Retryable(Exception):
    def __init__(self, status: int, headers: httpx.Headers):
        super().__init__(f"HTTP {status}")
        self.status = status
        self.headers = headers


def _safe(url: str) -> str:
    """A URL for messages: without credentials in the netloc, and shortened cursors."""
    p = urlsplit(url)
    netloc = p.hostname or ""
    if p.port:
        netloc += f":{p.port}"
    q = re.sub(r"(cursor=)[^&]{16,}", lambda m: m.group(1) + "…", p.query)
    return f"{p.scheme}://{netloc}{p.path}" + (f"?{q}" if q else "")


def _error_text(resp: httpx.Response) -> str:
    try:
        body = resp.json()
        if isinstance(body, dict) and "error" in body:
            return str(body["error"])[:300]
    except Exception:
        pass
    return resp.text[:300] if resp.content else resp.reason_phrase


_RAW_LIST = msgspec.json.Decoder(list[msgspec.Raw])


def _json_list(content: bytes) -> Any:
    """A listing body checked but not decoded: one ``msgspec.Raw`` per element of its JSON array.

    Malformed or truncated JSON raises ``ValueError`` (so the request is retried); a body that is
    well-formed JSON but not an array is decoded, for the caller's not-a-list error.
    """
    try:
        return _RAW_LIST.decode(content)
    except msgspec.ValidationError:  # valid JSON, not an array
        return _loads(content)
    except msgspec.DecodeError as exc:
        raise ValueError(f"invalid JSON: {exc}") from None


def _loads(content: bytes) -> Any:
    """Decode a JSON body; bytes that are not UTF-8 become U+FFFD instead of failing the page."""
    try:
        return orjson.loads(content)
    except orjson.JSONDecodeError:
        import json

        # orjson refuses invalid UTF-8 and lone surrogates; the stdlib decoder is more forgiving.
        return json.loads(content.decode("utf-8", errors="replace"))
