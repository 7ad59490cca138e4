"""Local Hub replay server: a real HTTP server on 127.0.0.1 that speaks the Hub API over a world dir.

Usage::

    from hubstudy.replay import ReplayServer
    with ReplayServer("data/world", quota=1000, window=300, faults="503:0.02,drop:0.01") as srv:
        HfApi(endpoint=srv.url).list_models(expand=["downloads", "tags"])

Endpoints (GET unless noted; every ``/api/*`` answer carries the rate-limit headers):

* ``/api/models``, ``/api/datasets``, ``/api/spaces``: listings with ``search`` (substring of id,
  repeatable), ``author``, ``filter`` (repeated and/or comma-separated tags; all must match),
  ``pipeline_tag``, ``gated``, ``num_parameters`` (``min:6B,max:70B``), ``sort`` (createdAt,
  lastModified, downloads, likes, trendingScore, id; always descending; keyset on (key desc, _id
  asc), nulls last; no sort = _id ascending), ``limit`` (<= 1000, default 1000), ``expand`` /
  ``expand[]`` (only those properties plus id/_id; baseModels, childrenModelCount and usedStorage
  -> 400), ``full``, ``cardData``, ``config``, ``cursor`` (opaque). ``Link: <...>; rel="next"``
  is built from the request's Host header.
* ``/api/{models,datasets,spaces}/{repo_id}[/revision/{rev}]``: one record (default fields like the
  Hub, or ``expand``; models also accept baseModels and childrenModelCount). Unknown ids -> 404
  ``{"error": "Repository not found"}`` with ``X-Error-Code: RepoNotFound``; renamed ids (and ids
  in the wrong letter case) -> 307 to the current id, query string kept.
* ``/api/{type}s/{repo_id}/tree/{rev}[/{path}]`` (``recursive``): file and directory entries, paged
  by 1000 with ``Link``.
* ``GET|HEAD /[datasets/|spaces/]{repo_id}/resolve/{rev}/{path}``: file bytes with ETag,
  X-Repo-Commit, Content-Length, Range and If-None-Match support. Files come from
  ``files/<type>s/<id>/`` in the world dir; repos without such a directory serve a README.md made
  from their cardData and placeholder bytes for the other ``siblings``.
* ``/api/agent-harnesses`` -> ``[]``.
* Control (never rate limited, never faulted, not counted): ``GET /_replay/stats``,
  ``POST /_replay/reset-stats``, ``GET /_replay/world`` (the manifest), ``POST /_replay/reload``
  (re-read the world dir, e.g. after :func:`hubstudy.replay.mutate`), ``POST /_replay/faults``
  (body: a fault spec string or JSON; empty body clears).

Storage: each ``<kind>s.jsonl`` is compiled once into ``<world>/.cache/<kind>s.store`` (record
bytes pre-serialised per field, id tables, every sort order, tag/author/pipeline postings) and
served from that file (``pread`` for records, ``mmap`` for the tables), so the server's own memory
stays small whatever the world's size. The cache is rebuilt when its JSONL changes (``mutate``;
``reload`` then recompiles only what changed, while the old world keeps serving). Big worlds are
compiled in child processes, one per kind, as many at once as there are cores. See
:mod:`hubstudy.replay._diskstore` for the format and the ``HUBSTUDY_REPLAY_CACHE`` /
``HUBSTUDY_REPLAY_BUILD`` settings; ``HUBSTUDY_REPLAY_STORE=memory`` selects the old all-in-memory
store (the reference the tests compare against).

Every answer carries ``X-Hubstudy-World: generated; seed=<s>; now=<iso>; generation=<g>`` (the
word ``generated`` only when world.json says so), so clients can tell a replay from the Hub.

Rate limits: ``RateLimit: "api";r=<remaining>;t=<seconds to window end>`` and
``RateLimit-Policy: "fixed window";"api";q=<quota>;w=<window>`` on every /api/* answer. Windows
are fixed (aligned on multiples of ``window`` seconds since the epoch) and counted per client
(Authorization header, else client address). Over quota -> 429 with those headers and
``Retry-After``. Without a quota the headers still come, with q=1000000.

Faults: see :mod:`hubstudy.replay.faults` for the spec syntax.

``/_replay/stats`` returns::

    {"requests_total", "by_kind": {"listing", "detail", "tree", "resolve", "agent_harnesses", "other"},
     "listing_by_type": {"model", "dataset", "space"}, "detail_by_type": {...},
     "listing_items": {"model", ...}, "status": {"200": n, ...}, "http_429": n (all 429 sent),
     "http_429_quota": n, "faults": {"503": n, "drop": n, ...}, "faults_total": n,
     "eligible_requests": n, "fault_spec": "...", "rate_limit": {"quota", "window"},
     "world": {"dir", "now", "models", "datasets", "spaces"}, "since": iso, "uptime_s": s}
"""

from __future__ import annotations

import gc
import hashlib
import math
import os
import re
import socket
import threading
import time
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit

import orjson

from ._store import (
    DETAIL_DEFAULT,
    EXPAND,
    LIST_DEFAULT,
    LIST_FULL_EXTRA,
    NOT_ON_LISTING,
    SORT_KEYS,
    ApiError,
    FileEntry,
    RepoStore,
    b64d,
    b64e,
)
from ._diskstore import load_redirects, open_stores
from ._util import iso
from .faults import FaultInjector, FaultRule

TYPES = {"models": "model", "datasets": "dataset", "spaces": "space"}
PAGE_MAX = 1000
TREE_PAGE = 1000
NO_QUOTA = 1_000_000
_HEX40 = re.compile(r"^[0-9a-f]{40}$")


def _truthy(v: str | None) -> bool:
    return v is not None and v.strip().lower() in ("1", "true", "yes", "on")


# ----------------------------------------------------------------------------------------
class World:
    """A loaded world directory (immutable once built; swap a new one in to reload)."""

    def __init__(self, world_dir: str):
        self.dir = os.path.abspath(world_dir)
        if not os.path.isdir(self.dir):
            raise FileNotFoundError(f"world directory not found: {self.dir}")
        mpath = os.path.join(self.dir, "world.json")
        self.manifest: dict = {}
        if os.path.exists(mpath):
            with open(mpath, "rb") as f:
                self.manifest = orjson.loads(f.read())
        self.redirects = load_redirects(self.dir)
        self.stores: dict[str, Any]
        if os.environ.get("HUBSTUDY_REPLAY_STORE", "disk") == "memory":
            gc_was = gc.isenabled()
            gc.disable()  # loading allocates millions of short-lived objects and keeps no cycles
            try:
                self.stores = {kind: RepoStore(kind, os.path.join(self.dir, f"{kind}s.jsonl"))
                               for kind in TYPES.values()}
            finally:
                if gc_was:
                    gc.enable()
            for kind, store in self.stores.items():
                store.link(self.redirects[kind])
            threading.Thread(target=self._warm, name="replay-warm", daemon=True).start()
        else:
            self.stores = open_stores(self.dir, TYPES.values(), self.redirects)
        m = self.manifest
        self.describe = (f"{'generated' if m.get('generated') else 'replay'}; seed={m.get('seed')}; now={m.get('now')}; "
                         f"generation={m.get('generation', 0)}")
        self._files: dict[tuple[str, str], dict[str, FileEntry]] = {}
        self._files_lock = threading.Lock()

    def _warm(self) -> None:
        for store in self.stores.values():
            store.warm()

    def files(self, kind: str, repo_id: str, idx: int) -> dict[str, FileEntry]:
        key = (kind, repo_id)
        got = self._files.get(key)
        if got is not None:
            return got
        root = os.path.join(self.dir, "files", kind + "s", *repo_id.split("/"))
        entries: dict[str, FileEntry] = {}
        if os.path.isdir(root):
            for dirpath, _dirs, names in os.walk(root):
                for n in names:
                    full = os.path.join(dirpath, n)
                    rel = os.path.relpath(full, root).replace(os.sep, "/")
                    entries[rel] = FileEntry(rel, disk=full)
        else:
            store = self.stores[kind]
            siblings = store.value(idx, "siblings") or []
            for sib in siblings:
                name = sib.get("rfilename") if isinstance(sib, dict) else None
                if not isinstance(name, str):
                    continue
                entries[name] = FileEntry(name, data=self._synthetic(kind, repo_id, idx, name))
        with self._files_lock:
            if len(self._files) > 512:
                self._files.clear()
            self._files[key] = entries
        return entries

    def _synthetic(self, kind: str, repo_id: str, idx: int, name: str) -> bytes:
        store = self.stores[kind]
        if name == "README.md":
            card = store.value(idx, "cardData")
            head = ""
            if isinstance(card, dict) and card:
                import yaml

                head = "---\n" + yaml.safe_dump(card, sort_keys=False, allow_unicode=True) + "---\n"
            return (head + f"\n# {repo_id.split('/')[-1]}\n\nSynthetic replay repository `{repo_id}`.\n").encode()
        if name == ".gitattributes":
            return b"*.safetensors filter=lfs diff=lfs merge=lfs -text\n*.gguf filter=lfs diff=lfs merge=lfs -text\n"
        if name.endswith(".json"):
            return orjson.dumps({"_replay": True, "repo": repo_id, "file": name})
        return f"synthetic replay file {name} of {kind} {repo_id}\n".encode()


# ----------------------------------------------------------------------------------------
class RateLimiter:
    def __init__(self, quota: int | None, window: float):
        self.quota = int(quota) if quota else None
        self.window = max(1.0, float(window))
        self.lock = threading.Lock()
        self.state: dict[str, tuple[float, int]] = {}

    def hit(self, key: str) -> tuple[bool, int, int, int]:
        """Count one request; (allowed, remaining, seconds to reset, quota)."""
        now = time.time()
        start = math.floor(now / self.window) * self.window
        q = self.quota or NO_QUOTA
        with self.lock:
            ws, n = self.state.get(key, (start, 0))
            if ws != start:
                ws, n = start, 0
            n += 1
            self.state[key] = (ws, n)
        reset = max(1, math.ceil(ws + self.window - now))
        return n <= q, max(0, q - n), reset, q

    def headers(self, remaining: int, reset: int, q: int) -> list[tuple[str, str]]:
        return [("RateLimit", f'"api";r={remaining};t={reset}'),
                ("RateLimit-Policy", f'"fixed window";"api";q={q};w={int(self.window)}')]


class Stats:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with getattr(self, "lock", threading.Lock()):
            self.since = time.time()
            self.data: dict[str, Any] = {
                "requests_total": 0,
                "by_kind": {k: 0 for k in ("listing", "detail", "tree", "resolve", "agent_harnesses", "other")},
                "listing_by_type": {"model": 0, "dataset": 0, "space": 0},
                "detail_by_type": {"model": 0, "dataset": 0, "space": 0},
                "listing_items": {"model": 0, "dataset": 0, "space": 0},
                "status": {},
                "http_429": 0,
                "http_429_quota": 0,
                "faults": {},
                "faults_total": 0,
            }

    def request(self, kind: str, rtype: str | None) -> None:
        with self.lock:
            d = self.data
            d["requests_total"] += 1
            d["by_kind"][kind] = d["by_kind"].get(kind, 0) + 1
            if rtype and kind in ("listing", "detail"):
                d[f"{kind}_by_type"][rtype] += 1

    def status(self, code: int) -> None:
        with self.lock:
            s = self.data["status"]
            s[str(code)] = s.get(str(code), 0) + 1
            if code == 429:
                self.data["http_429"] += 1

    def add(self, key: str, n: int = 1, sub: str | None = None) -> None:
        with self.lock:
            if sub is None:
                self.data[key] += n
            else:
                self.data[key][sub] = self.data[key].get(sub, 0) + n

    def snapshot(self) -> dict:
        with self.lock:
            out = orjson.loads(orjson.dumps(self.data))
        out["since"] = iso(self.since)
        out["uptime_s"] = round(time.time() - self.since, 3)
        return out


# ----------------------------------------------------------------------------------------
class _Response:
    __slots__ = ("status", "headers", "body", "fault", "items")

    def __init__(self, status: int = 200, body: bytes = b"", headers: list | None = None):
        self.status = status
        self.body = body
        self.headers = headers or []
        self.fault: str | None = None
        self.items = 0


def _json(status: int, obj: Any, headers: list | None = None) -> _Response:
    h = [("Content-Type", "application/json; charset=utf-8")] + (headers or [])
    return _Response(status, orjson.dumps(obj), h)


def _error(status: int, message: str, code: str | None = None) -> _Response:
    h = [("X-Error-Message", message)]
    if code:
        h.append(("X-Error-Code", code))
    return _json(status, {"error": message}, h)


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256
    block_on_close = False
    replay: "ReplayServer"

    def handle_error(self, request, client_address):  # noqa: D401 - quiet on client disconnects
        import sys

        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, TimeoutError, OSError)):
            return
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "hubstudy-replay"
    sys_version = ""
    server: _HTTPServer

    def setup(self) -> None:
        super().setup()
        try:
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        if self.server.replay.verbose:
            super().log_message(format, *args)

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_HEAD(self) -> None:
        self._dispatch("HEAD")

    def do_POST(self) -> None:
        self._dispatch("POST")

    # ------------------------------------------------------------------------------
    def _dispatch(self, method: str) -> None:
        srv = self.server.replay
        try:
            body = b""
            length = int(self.headers.get("Content-Length") or 0)
            if length:
                body = self.rfile.read(length)
            url = urlsplit(self.path)
            path = url.path
            if path.startswith("/_replay/"):
                self._send(srv.control(method, path, body), method)
                return
            kind, rtype = _classify(path)
            srv.stats.request(kind, rtype)
            pre: list[tuple[str, str]] = []
            if path.startswith("/api/"):
                allowed, remaining, reset, q = srv.limiter.hit(self._client_key())
                pre = srv.limiter.headers(remaining, reset, q)
                if not allowed:
                    srv.stats.add("http_429_quota")
                    resp = _error(429, f"Rate limit reached for the 'api' bucket ({q} requests per "
                                       f"{int(srv.limiter.window)} s). Retry after {reset} s.", "RateLimited")
                    resp.headers += pre + [("Retry-After", str(reset))]
                    self._send(resp, method)
                    return
            _n, fault = srv.injector.decide(kind)
            if fault is not None and fault.kind not in ("repeat", "badjson", "truncate"):
                if self._pre_fault(fault, pre, method):
                    return
            repeat = fault is not None and fault.kind == "repeat"
            resp = srv.route(method, url, self.headers, repeat=repeat, body=body)
            if repeat:
                if resp.fault == "repeat":
                    srv.stats.add("faults", sub="repeat")
                    srv.stats.add("faults_total")
            elif fault is not None and fault.kind in ("badjson", "truncate"):
                srv.stats.add("faults", sub=fault.kind)
                srv.stats.add("faults_total")
                if fault.kind == "badjson":
                    resp.body = resp.body[: max(1, len(resp.body) // 2)] + b"\n<!-- upstream error -->"
                else:
                    resp.headers = [h for h in resp.headers] + pre
                    self._send(resp, method, truncate=True)
                    return
            resp.headers += pre
            if kind == "listing" and rtype and resp.status == 200:
                srv.stats.add("listing_items", resp.items, sub=rtype)
            self._send(resp, method)
        except (ConnectionError, BrokenPipeError, socket.timeout):
            self.close_connection = True
        except Exception as exc:  # pragma: no cover - defensive
            try:
                self._send(_error(500, f"replay internal error: {type(exc).__name__}: {exc}"), method)
            except Exception:
                self.close_connection = True

    def _client_key(self) -> str:
        auth = self.headers.get("Authorization")
        return auth if auth else self.client_address[0]

    def _pre_fault(self, fault: FaultRule, pre: list, method: str) -> bool:
        """Apply faults that replace the answer. True when the request is done."""
        srv = self.server.replay
        k = fault.kind
        srv.stats.add("faults", sub=k)
        srv.stats.add("faults_total")
        if k in ("500", "502", "503", "504"):
            msgs = {"500": "Internal Error", "502": "Bad Gateway", "503": "Service Unavailable",
                    "504": "Gateway Time-out"}
            resp = _error(int(k), msgs[k] + " (injected by replay)")
            resp.headers += pre
            self._send(resp, method)
            return True
        if k == "429":
            t = srv.injector.spec.retry
            resp = _error(429, "Too Many Requests (injected by replay)", "RateLimited")
            resp.headers += [("RateLimit", f'"api";r=0;t={t}'),
                             ("RateLimit-Policy", f'"fixed window";"api";q={srv.limiter.quota or NO_QUOTA};'
                                                  f'w={int(srv.limiter.window)}'),
                             ("Retry-After", str(t))]
            self._send(resp, method)
            return True
        if k == "drop":
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return True
        if k == "slow":
            time.sleep(fault.seconds)
            return False
        return False

    def _send(self, resp: _Response, method: str, truncate: bool = False) -> None:
        self.server.replay.stats.status(resp.status)
        body = resp.body
        self.send_response(resp.status)
        names = set()
        for k, v in resp.headers:
            self.send_header(k, v)
            names.add(k.lower())
        if "content-length" not in names:
            self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Powered-By", "huggingface-moon (hubstudy replay)")
        self.send_header("X-Hubstudy-World", self.server.replay.world.describe)
        self.send_header("Access-Control-Expose-Headers",
                         "X-Repo-Commit,X-Request-Id,X-Error-Code,X-Error-Message,X-Total-Count,ETag,Link,"
                         "Accept-Ranges,Content-Range,RateLimit,RateLimit-Policy")
        if truncate:
            self.send_header("Connection", "close")
        # headers and body in one write (two small writes stall on Nagle + delayed ACK)
        self._headers_buffer.append(b"\r\n")
        if method != "HEAD" and body:
            self._headers_buffer.append(body[: max(1, len(body) // 2)] if truncate else body)
        self.flush_headers()
        if truncate:
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def _classify(path: str) -> tuple[str, str | None]:
    if path.startswith("/api/"):
        parts = path[5:].strip("/").split("/")
        if parts[0] == "agent-harnesses":
            return "agent_harnesses", None
        rtype = TYPES.get(parts[0])
        if rtype is None:
            return "other", None
        if len(parts) == 1:
            return "listing", rtype
        if "tree" in parts[2:4] or "paths-info" in parts[2:4]:
            return "tree", rtype
        return "detail", rtype
    if "/resolve/" in path:
        return "resolve", None
    return "other", None


# ----------------------------------------------------------------------------------------
class ReplayServer:
    """A Hub API server over a world directory. Bound at construction; ``start()`` serves in a thread."""

    def __init__(self, world_dir: str | os.PathLike, host: str = "127.0.0.1", port: int = 0,
                 quota: int | None = None, window: float = 300, faults: Any = None, verbose: bool = False):
        self.world_dir = os.fspath(world_dir)
        self.world = World(self.world_dir)
        self.limiter = RateLimiter(quota, window)
        self.injector = FaultInjector(faults)
        self.stats = Stats()
        self.verbose = verbose
        self.host = host
        self.httpd = _HTTPServer((host, port), _Handler)
        self.httpd.replay = self
        self.port = self.httpd.server_address[1]
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host = "127.0.0.1" if self.host in ("", "0.0.0.0") else self.host
        return f"http://{host}:{self.port}"

    def start(self) -> "ReplayServer":
        if self._thread is None:
            self._thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.1},
                                            name="replay-server", daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread is not None:
            self.httpd.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self.httpd.server_close()

    def serve_forever(self) -> None:
        """Serve in the current thread until interrupted (for the CLI)."""
        try:
            self.httpd.serve_forever(poll_interval=0.5)
        except KeyboardInterrupt:
            pass
        finally:
            self.httpd.server_close()

    def __enter__(self) -> "ReplayServer":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def reload(self) -> None:
        """Re-read the world directory (after ``mutate``); pages already handed out may shift.

        The old world serves until the new one is ready (only the stores whose JSONL changed are
        recompiled, in child processes for big worlds, so this process does not hold two worlds'
        records); it is released as soon as the requests still using it finish."""
        new = World(self.world_dir)
        old, self.world = self.world, new
        del old

    def set_faults(self, faults: Any) -> None:
        self.injector.configure(faults)

    def stats_snapshot(self) -> dict:
        out = self.stats.snapshot()
        out["eligible_requests"] = self.injector.count
        out["fault_spec"] = self.injector.spec.describe() if self.injector.spec else ""
        out["rate_limit"] = {"quota": self.limiter.quota, "window": self.limiter.window}
        w = self.world
        out["world"] = {"dir": w.dir, "now": w.manifest.get("now"),
                        **{k + "s": len(s) for k, s in w.stores.items()}}
        return out

    # -- control -----------------------------------------------------------------------
    def control(self, method: str, path: str, body: bytes) -> _Response:
        if path == "/_replay/stats":
            return _json(200, self.stats_snapshot())
        if path == "/_replay/world":
            return _json(200, self.world.manifest)
        if method != "POST":
            return _error(405, "use POST")
        if path == "/_replay/reset-stats":
            self.stats.reset()
            return _json(200, {"ok": True})
        if path == "/_replay/reload":
            self.reload()
            return _json(200, {"ok": True, "now": self.world.manifest.get("now")})
        if path == "/_replay/faults":
            text = body.decode().strip()
            try:
                spec: Any = orjson.loads(text) if text.startswith("{") else text
                self.set_faults(spec)
            except (ValueError, TypeError) as exc:
                return _error(400, f"bad fault spec: {exc}")
            return _json(200, {"ok": True, "faults": self.injector.spec.describe()})
        return _error(404, "unknown control endpoint")

    # -- routing -----------------------------------------------------------------------
    def route(self, method: str, url: Any, headers: Any, repeat: bool = False, body: bytes = b"") -> _Response:
        path = url.path
        try:
            if path.startswith("/api/"):
                raw = path[5:].strip("/").split("/")
                if raw == ["agent-harnesses"]:
                    return _json(200, [])
                rtype = TYPES.get(raw[0])
                if rtype is None:
                    return _error(404, "Sorry, we can't find the page you are looking for.")
                params = parse_qsl(url.query, keep_blank_values=True)
                if len(raw) == 1:
                    return self._listing(rtype, path, url.query, params, headers, repeat)
                return self._repo_api(rtype, raw[1:], url.query, params, headers, body)
            if "/resolve/" in path:
                return self._resolve(method, path, url.query, headers)
            return _error(404, "Sorry, we can't find the page you are looking for.")
        except ApiError as e:
            return _error(e.status, e.message, e.code)

    # -- listing -----------------------------------------------------------------------
    def _listing(self, rtype: str, path: str, query: str, params: list, headers: Any, repeat: bool) -> _Response:
        store = self.world.stores[rtype]
        get = {}
        for k, v in params:
            get.setdefault(k, v)
        expand: list[str] = []
        filters: set[str] = set()
        searches: list[str] = []
        for k, v in params:
            if k in ("expand", "expand[]"):
                expand += [x for x in v.split(",") if x]
            elif k in ("filter", "filter[]"):
                filters.update(x for x in v.split(",") if x)
            elif k == "search" and v:
                searches.append(v)
        sort_param = get.get("sort")
        if sort_param:
            sort = SORT_KEYS.get(sort_param)
            if sort is None or (rtype == "space" and sort in ("downloads", "downloadsAllTime")):
                raise ApiError(400, f"Invalid sort parameter: {sort_param!r}")
        else:
            sort = "_id"
        try:
            limit = int(get.get("limit") or PAGE_MAX)
        except ValueError:
            raise ApiError(400, f"Invalid limit: {get.get('limit')!r}") from None
        limit = max(1, min(PAGE_MAX, limit))
        if expand:
            allowed = EXPAND[rtype]
            bad = [e for e in expand if e not in allowed]
            if bad:
                raise ApiError(400, f"Invalid expand value(s): {', '.join(bad)}. Allowed: {', '.join(allowed)}")
            banned = [e for e in expand if e in NOT_ON_LISTING]
            if banned:
                raise ApiError(400, f"\"expand\" values {', '.join(banned)} are not supported when listing "
                                    f"{rtype}s; request them from /api/{rtype}s/{{repo_id}}")
            fields = ["_id", "id"] + [e for e in dict.fromkeys(expand) if e not in ("_id", "id")]
        else:
            fields = list(LIST_DEFAULT[rtype])
            if _truthy(get.get("full")):
                fields += [f for f in LIST_FULL_EXTRA if f not in fields]
            if _truthy(get.get("cardData")):
                fields.append("cardData")
            if _truthy(get.get("config")) and rtype == "model":
                fields.append("config")
        cursor_txt = get.get("cursor")
        cursor = None
        if cursor_txt:
            try:
                cursor = b64d(cursor_txt)
                if not isinstance(cursor, dict) or cursor.get("s") != sort:
                    raise ValueError
            except Exception:
                raise ApiError(400, "Invalid cursor") from None
        gated = get.get("gated")
        ranks = store.matching(sort, tuple(sorted(filters)), tuple(searches), get.get("author") or None,
                               get.get("pipeline_tag") or None, gated if gated in ("true", "false", "True", "False")
                               else None, get.get("num_parameters") or None)
        perm, _rank = store.order(sort)
        r0 = store.start_pos(sort, cursor)
        if ranks is None:
            page = perm[r0:r0 + limit]
            more = r0 + limit < len(perm)
        else:
            from bisect import bisect_left

            s = bisect_left(ranks, r0)
            page = [perm[r] for r in ranks[s:s + limit]]
            more = s + limit < len(ranks)
        if hasattr(store, "render_page"):
            body = store.render_page(page, fields)
        else:
            body = b"[" + b",".join(store.render(i, fields) for i in page) + b"]"
        resp = _json(200, None)
        resp.body = body
        resp.items = len(page)
        if more and page:
            nxt = cursor_txt if repeat else store.cursor_for(sort, page[-1])
            if repeat:
                resp.fault = "repeat"
            resp.headers.append(("Link", f'<{self._abs_url(headers, path, query, nxt)}>; rel="next"'))
        resp.headers.append(("ETag", 'W/"%x-%08x"' % (len(body), zlib.crc32(body))))
        return resp

    def _abs_url(self, headers: Any, path: str, query: str, cursor: str | None) -> str:
        host = headers.get("Host") or f"{self.url.split('://', 1)[1]}"
        scheme = headers.get("X-Forwarded-Proto") or "http"
        pairs = [(k, v) for k, v in parse_qsl(query, keep_blank_values=True) if k != "cursor"]
        if cursor:
            pairs.append(("cursor", cursor))
        qs = urlencode(pairs, quote_via=quote, safe="[]:,")
        return f"{scheme}://{host}{path}" + (f"?{qs}" if qs else "")

    # -- one repository ----------------------------------------------------------------
    @staticmethod
    def _split_repo(rtype: str, parts: list[str]) -> tuple[str, list[str]]:
        """Split path parts into (repo id, rest). Legacy ids (``gpt2``) have no org part."""
        parts = [unquote(p) for p in parts]
        sub = ("revision", "tree", "paths-info")
        if len(parts) >= 3 and parts[2] in sub:
            return f"{parts[0]}/{parts[1]}", parts[2:]
        if len(parts) >= 3 and parts[1] in sub:
            return parts[0], parts[1:]
        if len(parts) >= 2:
            return f"{parts[0]}/{parts[1]}", parts[2:]
        return parts[0], []

    def _lookup(self, rtype: str, repo_id: str) -> tuple[int | None, str | None]:
        return self.world.stores[rtype].resolve_id(repo_id)

    def _redirect(self, rtype: str, new_id: str, rest: list[str], query: str) -> _Response:
        loc = f"/api/{rtype}s/{new_id}" + ("/" + "/".join(quote(p, safe="") for p in rest) if rest else "")
        if query:
            loc += "?" + query
        return _Response(307, f"Temporary Redirect. Redirecting to {loc}".encode(),
                         [("Location", loc), ("Content-Type", "text/plain; charset=utf-8")])

    def _repo_api(self, rtype: str, raw: list[str], query: str, params: list, headers: Any,
                  body: bytes = b"") -> _Response:
        repo_id, rest = self._split_repo(rtype, raw)
        idx, canonical = self._lookup(rtype, repo_id)
        if idx is None:
            if canonical is not None:
                return self._redirect(rtype, canonical, rest, query)
            raise ApiError(404, "Repository not found", "RepoNotFound")
        store = self.world.stores[rtype]
        if not rest:
            return self._detail(rtype, idx, params)
        if rest[0] == "revision" and len(rest) >= 2:
            self._check_rev(store, idx, "/".join(rest[1:]))
            return self._detail(rtype, idx, params)
        if rest[0] == "tree" and len(rest) >= 2:
            rev = rest[1]
            self._check_rev(store, idx, rev)
            return self._tree(rtype, idx, "/".join(rest[2:]).strip("/"), params, headers,
                              f"/api/{rtype}s/{store.ids[idx]}/tree/" + "/".join(quote(p, safe="") for p in rest[1:]),
                              query)
        if rest[0] == "paths-info" and len(rest) >= 2:
            self._check_rev(store, idx, "/".join(rest[1:]))
            form = parse_qsl(body.decode(errors="replace"), keep_blank_values=True) + params
            wanted = [v.strip("/") for k, v in form if k in ("paths", "paths[]")]
            files = self.world.files(rtype, store.ids[idx], idx)
            out = []
            for p in wanted:
                if p in files:
                    out.append(files[p].tree_item())
                elif any(f.startswith(p + "/") for f in files):
                    out.append({"type": "directory", "oid": _dir_oid(rtype, store.ids[idx], p), "size": 0,
                                "path": p})
            return _json(200, out)
        raise ApiError(404, "Sorry, we can't find the page you are looking for.")

    @staticmethod
    def _check_rev(store: RepoStore, idx: int, rev: str) -> None:
        if rev in ("main", store.shas[idx]) or _HEX40.match(rev):
            return
        raise ApiError(404, f"Invalid rev id: {rev}", "RevisionNotFound")

    def _detail(self, rtype: str, idx: int, params: list) -> _Response:
        store = self.world.stores[rtype]
        expand: list[str] = []
        for k, v in params:
            if k in ("expand", "expand[]"):
                expand += [x for x in v.split(",") if x]
        computed: dict[str, Any] = {}
        if expand:
            allowed = EXPAND[rtype]
            bad = [e for e in expand if e not in allowed]
            if bad:
                raise ApiError(400, f"Invalid expand value(s): {', '.join(bad)}. Allowed: {', '.join(allowed)}")
            fields = ["_id", "id"] + [e for e in dict.fromkeys(expand) if e not in ("_id", "id")]
            if rtype == "model":
                if "baseModels" in fields:
                    computed["baseModels"] = store.base_models(idx)
                if "childrenModelCount" in fields:
                    computed["childrenModelCount"] = store.children.get(idx, 0)
        else:
            fields = DETAIL_DEFAULT[rtype]
        body = store.render(idx, fields, computed)
        resp = _json(200, None)
        resp.body = body
        resp.headers.append(("X-Repo-Commit", store.shas[idx]))
        resp.headers.append(("ETag", 'W/"%x-%08x"' % (len(body), zlib.crc32(body))))
        return resp

    # -- files -------------------------------------------------------------------------
    def _tree(self, rtype: str, idx: int, sub: str, params: list, headers: Any, path: str, query: str) -> _Response:
        store = self.world.stores[rtype]
        files = self.world.files(rtype, store.ids[idx], idx)
        get = dict(params)
        recursive = _truthy(get.get("recursive"))
        prefix = sub + "/" if sub else ""
        if sub and sub in files:
            items = [files[sub].tree_item()]
        else:
            dirs: dict[str, None] = {}
            out_files = []
            for p in sorted(files):
                if not p.startswith(prefix):
                    continue
                rel = p[len(prefix):]
                segs = rel.split("/")
                for k in range(1, len(segs)):
                    d = prefix + "/".join(segs[:k])
                    if recursive or k == 1:
                        dirs.setdefault(d, None)
                if recursive or len(segs) == 1:
                    out_files.append(files[p])
            if sub and not dirs and not out_files:
                raise ApiError(404, f"Entry not found: {sub}", "EntryNotFound")
            items = [{"type": "directory", "oid": _dir_oid(rtype, store.ids[idx], d), "size": 0, "path": d}
                     for d in dirs]
            items += [f.tree_item() for f in out_files]
            items.sort(key=lambda it: it["path"])
        start = 0
        cur = get.get("cursor")
        if cur:
            try:
                start = int(b64d(cur)["o"])
            except Exception:
                raise ApiError(400, "Invalid cursor") from None
        page = items[start:start + TREE_PAGE]
        resp = _json(200, page)
        if start + TREE_PAGE < len(items):
            resp.headers.append(("Link", f'<{self._abs_url(headers, path, query, b64e({"o": start + TREE_PAGE}))}>; '
                                         f'rel="next"'))
        return resp

    def _resolve(self, method: str, path: str, query: str, headers: Any) -> _Response:
        parts = path.strip("/").split("/")
        rtype = "model"
        prefix = ""
        if parts and parts[0] in ("datasets", "spaces"):
            rtype = TYPES[parts[0]]
            prefix = "/" + parts[0]
            parts = parts[1:]
        if len(parts) >= 4 and parts[2] == "resolve":
            repo_id, rev, fparts = f"{unquote(parts[0])}/{unquote(parts[1])}", parts[3], parts[4:]
        elif len(parts) >= 3 and parts[1] == "resolve":
            repo_id, rev, fparts = unquote(parts[0]), parts[2], parts[3:]
        else:
            raise ApiError(404, "Sorry, we can't find the page you are looking for.")
        rev = unquote(rev)
        fpath = "/".join(unquote(p) for p in fparts)
        idx, canonical = self._lookup(rtype, repo_id)
        if idx is None:
            if canonical is not None:
                loc = f"{prefix}/{canonical}/resolve/{quote(rev, safe='')}/{quote(fpath)}" + (f"?{query}" if query
                                                                                              else "")
                return _Response(307, f"Temporary Redirect. Redirecting to {loc}".encode(),
                                 [("Location", loc), ("Content-Type", "text/plain; charset=utf-8")])
            raise ApiError(404, "Repository not found", "RepoNotFound")
        store = self.world.stores[rtype]
        self._check_rev(store, idx, rev)
        entry = self.world.files(rtype, store.ids[idx], idx).get(fpath)
        if entry is None:
            raise ApiError(404, "Entry not found", "EntryNotFound")
        etag = f'"{entry.etag}"'
        common = [("ETag", etag), ("X-Repo-Commit", store.shas[idx]), ("Accept-Ranges", "bytes"),
                  ("Content-Type", "application/octet-stream"),
                  ("Content-Disposition", f'inline; filename="{fpath.rsplit("/", 1)[-1]}"')]
        inm = headers.get("If-None-Match")
        if inm and etag in [x.strip() for x in inm.split(",")] + ["*"] and not headers.get("Range"):
            return _Response(304, b"", common + [("Content-Length", "0")])
        data = entry.content() if method != "HEAD" else b""
        size = entry.size
        rng = headers.get("Range")
        if rng:
            m = re.match(r"^bytes=(\d*)-(\d*)$", rng.strip())
            if not m or (not m.group(1) and not m.group(2)):
                return _Response(416, b"", common + [("Content-Range", f"bytes */{size}")])
            if m.group(1):
                a = int(m.group(1))
                b = int(m.group(2)) if m.group(2) else size - 1
            else:
                a = max(0, size - int(m.group(2)))
                b = size - 1
            b = min(b, size - 1)
            if a > b or a >= size:
                return _Response(416, b"", common + [("Content-Range", f"bytes */{size}")])
            part = data[a:b + 1] if method != "HEAD" else b""
            return _Response(206, part, common + [("Content-Range", f"bytes {a}-{b}/{size}"),
                                                  ("Content-Length", str(b - a + 1))])
        return _Response(200, data, common + [("Content-Length", str(size))])


def _dir_oid(rtype: str, repo_id: str, d: str) -> str:
    return hashlib.sha1(f"tree:{rtype}:{repo_id}:{d}".encode()).hexdigest()


def serve(world_dir: str | os.PathLike, host: str = "127.0.0.1", port: int = 8080, quota: int | None = None,
          window: float = 300, faults: Any = None, verbose: bool = False) -> None:
    """Serve a world in the foreground until interrupted (what ``hubstudy replay serve`` runs)."""
    srv = ReplayServer(world_dir, host=host, port=port, quota=quota, window=window, faults=faults, verbose=verbose)
    spec = srv.injector.spec.describe() if srv.injector.spec else "none"
    counts = {k + "s": len(v) for k, v in srv.world.stores.items()}
    print(f"hubstudy replay serving {srv.world.dir} ({counts}) at {srv.url}  quota={quota or 'none'}/"
          f"{int(window)}s faults={spec}", flush=True)
    srv.serve_forever()
