"""In-memory index of a replay world, built for fast paged, projected JSON answers.

Each record is kept as one ``bytes`` blob holding the pre-serialised ``"key":value``
fragments of the known fields, plus an offset table (one ``array('I')`` for the whole store),
so a page is assembled by slicing and joining bytes: no JSON encoding per request.
Sort orders are computed lazily per sort key (permutation + rank arrays); filtered listings
cache their sorted rank lists in a small LRU.
"""

from __future__ import annotations

import base64
import hashlib
import os
import threading
from array import array
from bisect import bisect_left, bisect_right
from collections import OrderedDict
from itertools import accumulate
from typing import Any

import orjson

from ._util import iso_ms

RELATIONS = ("finetune", "adapter", "quantized", "merge")

# --- the Hub's field lists ----------------------------------------------------------------
MODEL_EXPAND = ["author", "baseModels", "cardData", "childrenModelCount", "config", "createdAt", "disabled",
                "downloads", "downloadsAllTime", "evalResults", "gated", "gguf", "inference",
                "inferenceProviderMapping", "lastModified", "library_name", "likes", "mask_token", "model-index",
                "pipeline_tag", "private", "resourceGroup", "safetensors", "sha", "siblings", "spaces", "tags",
                "transformersInfo", "trendingScore", "usedStorage", "widgetData"]
DATASET_EXPAND = ["author", "cardData", "citation", "createdAt", "description", "disabled", "downloads",
                  "downloadsAllTime", "gated", "lastModified", "likes", "mainSize", "paperswithcode_id", "private",
                  "resourceGroup", "sha", "siblings", "tags", "trendingScore", "usedStorage"]
SPACE_EXPAND = ["author", "cardData", "createdAt", "datasets", "disabled", "lastModified", "likes", "models",
                "private", "region", "resourceGroup", "runtime", "sdk", "sha", "siblings", "subdomain", "tags",
                "trendingScore", "usedStorage"]
EXPAND = {"model": MODEL_EXPAND, "dataset": DATASET_EXPAND, "space": SPACE_EXPAND}
NOT_ON_LISTING = {"baseModels", "childrenModelCount", "usedStorage"}
COMPUTED = {"baseModels", "childrenModelCount"}

LIST_DEFAULT = {
    "model": ["_id", "id", "likes", "trendingScore", "private", "downloads", "tags", "pipeline_tag", "library_name",
              "createdAt", "modelId"],
    "dataset": ["_id", "id", "author", "sha", "lastModified", "private", "gated", "disabled", "downloads", "likes",
                "tags", "createdAt", "trendingScore"],
    "space": ["_id", "id", "author", "likes", "trendingScore", "private", "sdk", "tags", "createdAt"],
}
LIST_FULL_EXTRA = ["author", "sha", "lastModified", "gated", "disabled", "siblings"]
DETAIL_DEFAULT = {
    "model": ["_id", "id", "private", "pipeline_tag", "library_name", "tags", "downloads", "likes", "modelId",
              "author", "sha", "lastModified", "gated", "inference", "disabled", "mask_token", "widgetData",
              "model-index", "config", "cardData", "transformersInfo", "siblings", "spaces", "createdAt",
              "safetensors", "gguf", "usedStorage"],
    "dataset": ["_id", "id", "author", "sha", "lastModified", "private", "gated", "disabled", "tags", "downloads",
                "likes", "description", "citation", "paperswithcode_id", "cardData", "siblings", "createdAt",
                "usedStorage"],
    "space": ["_id", "id", "author", "sha", "lastModified", "private", "gated", "disabled", "tags", "likes", "sdk",
              "runtime", "cardData", "siblings", "createdAt", "models", "datasets", "subdomain", "usedStorage"],
}
SORT_KEYS = {
    "createdAt": "createdAt", "created_at": "createdAt", "lastModified": "lastModified",
    "last_modified": "lastModified", "downloads": "downloads", "likes": "likes", "trendingScore": "trendingScore",
    "trending_score": "trendingScore", "id": "id", "downloadsAllTime": "downloadsAllTime", "_id": "_id",
}


def _fields(kind: str) -> list[str]:
    seen: dict[str, None] = {}
    for f in ["_id", "id", "modelId"] + DETAIL_DEFAULT[kind] + LIST_DEFAULT[kind] + EXPAND[kind]:
        if f not in COMPUTED:
            seen[f] = None
    return list(seen)


def b64e(obj: Any) -> str:
    return base64.urlsafe_b64encode(orjson.dumps(obj)).decode().rstrip("=")


def b64d(s: str) -> Any:
    s = s.strip()
    return orjson.loads(base64.urlsafe_b64decode(s + "=" * (-len(s) % 4)))


class ApiError(Exception):
    def __init__(self, status: int, message: str, code: str | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code


def base_models_of(store: Any, i: int) -> dict | None:
    """``baseModels`` of record ``i`` as the Hub computes it from the lineage tags (any store)."""
    tags = store.value(i, "tags") or []
    rel = None
    models = []
    seen = set()
    for t in tags:
        if not isinstance(t, str) or not t.startswith("base_model:"):
            continue
        r, sep, pid = t[11:].partition(":")
        if not sep or r not in RELATIONS:
            continue
        rel = rel or r
        p = store.find(pid)
        if p is None or p in seen:
            continue
        seen.add(p)
        models.append({"_id": store.oids[p], "id": store.ids[p]})
    if rel is None or not models:
        return None
    return {"relation": rel, "models": models}


class RepoStore:
    """All records of one repo type."""

    def __init__(self, kind: str, path: str):
        self.kind = kind
        self.fields = _fields(kind)
        self.slot = {f: j for j, f in enumerate(self.fields)}
        self.keyb = [orjson.dumps(f) + b":" for f in self.fields]
        self.stride = len(self.fields) + 1
        self.blobs: list[bytes] = []
        self.offs = array("I")
        self.extras: dict[int, dict[str, bytes]] = {}
        self.ids: list[str] = []
        self.oids: list[str] = []
        self.shas: list[str] = []
        self.by_id: dict[str, int] = {}
        self.by_lower: dict[str, int] = {}
        self.tag_index: dict[str, array] = {}
        self.author_index: dict[str, array] = {}
        self.pipe_index: dict[str, array] = {}
        self.gated = array("b")
        self.nparams = array("q")
        self.sortvals: dict[str, list] = {"createdAt": [], "lastModified": [], "downloads": [], "likes": [],
                                          "trendingScore": [], "downloadsAllTime": []}
        self.edges: list[tuple[int, str, str]] = []  # (child, relation, declared parent) from tags
        self.children: dict[int, int] = {}
        self._orders: dict[str, tuple[list[int], array]] = {}
        self._sorted_ids: list[str] | None = None
        self._lock = threading.Lock()
        self._cache: OrderedDict = OrderedDict()
        self.redirects: dict[str, str] = {}
        self._redirects_lower: dict[str, str] = {}
        if os.path.exists(path):
            self._load(path)

    # -- loading -----------------------------------------------------------------------
    def _load(self, path: str) -> None:
        slot = self.slot
        keyb = self.keyb
        nf = len(self.fields)
        dumps = orjson.dumps
        offs = self.offs
        sv = self.sortvals
        kind = self.kind
        with open(path, "rb") as fh:
            for line in fh:
                if not line.strip():
                    continue
                rec = orjson.loads(line)
                rid = rec.get("id")
                if not isinstance(rid, str) or rid in self.by_id:
                    continue
                i = len(self.ids)
                if kind == "model" and "modelId" not in rec:
                    rec["modelId"] = rid
                parts = [b""] * nf
                for k, v in rec.items():
                    j = slot.get(k)
                    if j is None:
                        self.extras.setdefault(i, {})[k] = dumps(k) + b":" + dumps(v)
                    else:
                        parts[j] = keyb[j] + dumps(v)
                offs.append(0)
                offs.extend(accumulate(map(len, parts)))
                self.blobs.append(b"".join(parts))
                self.ids.append(rid)
                self.oids.append(str(rec.get("_id") or ""))
                self.shas.append(str(rec.get("sha") or ""))
                self.by_id[rid] = i
                self.by_lower.setdefault(rid.lower(), i)
                author = rec.get("author") or rid.partition("/")[0]
                self.author_index.setdefault(str(author).lower(), array("i")).append(i)
                tags = rec.get("tags")
                if isinstance(tags, list):
                    for t in tags:
                        if isinstance(t, str):
                            arr = self.tag_index.get(t)
                            if arr is None:
                                arr = self.tag_index[t] = array("i")
                            arr.append(i)
                            if kind == "model" and t.startswith("base_model:"):
                                rest = t[11:]
                                rel, sep, pid = rest.partition(":")
                                if sep and rel in RELATIONS:
                                    self.edges.append((i, rel, pid))
                pipe = rec.get("pipeline_tag")
                if isinstance(pipe, str):
                    self.pipe_index.setdefault(pipe, array("i")).append(i)
                g = rec.get("gated")
                self.gated.append(0 if g in (False, None, "false") else 1)
                n = 0
                for key in ("safetensors", "gguf"):
                    v = rec.get(key)
                    if isinstance(v, dict) and isinstance(v.get("total"), int):
                        n = v["total"]
                        break
                self.nparams.append(n)
                sv["createdAt"].append(iso_ms(rec.get("createdAt")))
                sv["lastModified"].append(iso_ms(rec.get("lastModified")))
                for key in ("downloads", "likes", "trendingScore", "downloadsAllTime"):
                    v = rec.get(key)
                    sv[key].append(v if isinstance(v, (int, float)) and not isinstance(v, bool) else None)
        self.stride = nf + 1

    def find(self, rid: str) -> int | None:
        """Index of a repo declared as ``rid`` (exact, renamed, or in another letter case)."""
        i = self.by_id.get(rid)
        if i is None:
            new = self.redirects.get(rid) or self._redirects_lower.get(rid.lower())
            if new is not None:
                i = self.by_id.get(new)
        if i is None:
            i = self.by_lower.get(rid.lower())
        return i

    def resolve_id(self, rid: str) -> tuple[int | None, str | None]:
        """(index, id) for an exact id; (None, current id) for a renamed id or another letter case;
        (None, None) when unknown."""
        i = self.by_id.get(rid)
        if i is not None:
            return i, rid
        new = self.redirects.get(rid) or self._redirects_lower.get(rid.lower())
        if new is not None:
            return None, new
        i = self.by_lower.get(rid.lower())
        if i is not None:
            return None, self.ids[i]
        return None, None

    def link(self, redirects: dict[str, str]) -> None:
        """Resolve lineage edges (exact id, renamed id, other letter case) and count children."""
        self.redirects = dict(redirects)
        self._redirects_lower = {k.lower(): v for k, v in redirects.items()}
        seen: set[tuple[int, int]] = set()
        for child, _rel, pid in self.edges:
            p = self.find(pid)
            if p is None or (child, p) in seen:
                continue
            seen.add((child, p))
            self.children[p] = self.children.get(p, 0) + 1

    def __len__(self) -> int:
        return len(self.ids)

    def warm(self) -> None:
        """Compute every sort order now (called in a background thread after loading)."""
        for key in ("_id", "createdAt", "lastModified", "downloads", "likes", "trendingScore", "id"):
            if self.kind == "space" and key == "downloads":
                continue
            self.order(key)

    # -- fragments ---------------------------------------------------------------------
    def frag(self, i: int, field: str) -> bytes | None:
        j = self.slot.get(field)
        if j is None:
            ex = self.extras.get(i)
            return ex.get(field) if ex else None
        base = i * self.stride + j
        a = self.offs[base]
        b = self.offs[base + 1]
        if a == b:
            return None
        return self.blobs[i][a:b]

    def value(self, i: int, field: str) -> Any:
        """The decoded value of one field (None when absent)."""
        f = self.frag(i, field)
        if f is None:
            return None
        return orjson.loads(f[len(orjson.dumps(field)) + 1:])

    def render(self, i: int, fields: list[str], computed: dict[str, Any] | None = None) -> bytes:
        stride = self.stride
        offs = self.offs
        blob = self.blobs[i]
        slot = self.slot
        out = []
        for f in fields:
            if computed and f in computed:
                v = computed[f]
                if v is not None:
                    out.append(orjson.dumps(f) + b":" + orjson.dumps(v))
                continue
            j = slot.get(f)
            if j is None:
                ex = self.extras.get(i)
                if ex and f in ex:
                    out.append(ex[f])
                continue
            base = i * stride + j
            a = offs[base]
            b = offs[base + 1]
            if a != b:
                out.append(blob[a:b])
        return b"{" + b",".join(out) + b"}"

    # -- lineage (models) --------------------------------------------------------------
    def base_models(self, i: int) -> dict | None:
        return base_models_of(self, i)

    # -- ordering ----------------------------------------------------------------------
    def order(self, sort: str) -> tuple[list[int], array]:
        got = self._orders.get(sort)
        if got is not None:
            return got
        with self._lock:
            got = self._orders.get(sort)
            if got is not None:
                return got
            n = len(self.ids)
            oids = self.oids
            if sort == "_id":
                perm = sorted(range(n), key=oids.__getitem__)
            elif sort == "id":
                perm = sorted(range(n), key=self.ids.__getitem__, reverse=True)
            else:
                vals = self.sortvals[sort]
                perm = sorted(range(n), key=lambda i: (vals[i] is None, -(vals[i] or 0), oids[i]))
            rank = array("i", bytes(4 * n))
            for pos, i in enumerate(perm):
                rank[i] = pos
            got = (perm, rank)
            self._orders[sort] = got
            return got

    def sort_value(self, sort: str, i: int) -> Any:
        if sort == "_id":
            return None
        if sort == "id":
            return self.ids[i]
        return self.sortvals[sort][i]

    def _key_of(self, sort: str, i: int) -> tuple:
        if sort == "_id":
            return (False, 0, self.oids[i])
        v = self.sortvals[sort][i]
        return (v is None, -(v or 0), self.oids[i])

    def start_pos(self, sort: str, cursor: dict | None) -> int:
        """Global position of the first record after the cursor's keyset position."""
        perm, _rank = self.order(sort)
        if not cursor:
            return 0
        oid = str(cursor.get("i", ""))
        v = cursor.get("v")
        if sort == "id":
            # descending by id (ids are unique): skip every id >= the cursor's id
            if self._sorted_ids is None:
                self._sorted_ids = sorted(self.ids)
            asc = self._sorted_ids
            return len(asc) - bisect_left(asc, str(v))
        if sort == "_id":
            key = (False, 0, oid)
        else:
            key = (v is None, -(v or 0), oid)
        return bisect_right(perm, key, key=lambda i: self._key_of(sort, i))

    def cursor_for(self, sort: str, i: int) -> str:
        return b64e({"s": sort, "v": self.sort_value(sort, i), "i": self.oids[i]})

    # -- filtering ---------------------------------------------------------------------
    def matching(self, sort: str, filters: tuple, searches: tuple, author: str | None, pipeline: str | None,
                 gated: str | None, nparams: str | None) -> array | None:
        """Sorted global ranks of the records that match, or None when nothing filters."""
        if not (filters or searches or author or pipeline or gated or nparams):
            return None
        key = (sort, filters, searches, author, pipeline, gated, nparams)
        with self._lock:
            hit = self._cache.get(key)
            if hit is not None:
                self._cache.move_to_end(key)
                return hit
        sets: list[Any] = []
        for f in filters:
            arr = self.tag_index.get(f)
            if arr is None:
                sets = [array("i")]
                break
            sets.append(arr)
        if author is not None:
            sets.append(self.author_index.get(author.lower(), array("i")))
        if pipeline is not None:
            sets.append(self.pipe_index.get(pipeline, array("i")))
        sets.sort(key=len)
        cand: Any
        if sets:
            cand = set(sets[0])
            for s in sets[1:]:
                if not cand:
                    break
                cand.intersection_update(s)
        else:
            cand = range(len(self.ids))
        if searches:
            needles = [s.lower() for s in searches]
            ids = self.ids
            cand = [i for i in cand if all(n in ids[i].lower() for n in needles)]
        if gated is not None:
            want = 1 if gated.lower() in ("true", "1") else 0
            g = self.gated
            cand = [i for i in cand if g[i] == want]
        if nparams:
            lo, hi = _param_bounds(nparams)
            npar = self.nparams
            cand = [i for i in cand if npar[i] and lo <= npar[i] <= hi]
        _perm, rank = self.order(sort)
        ranks = array("i", sorted(rank[i] for i in cand))
        with self._lock:
            self._cache[key] = ranks
            while len(self._cache) > 64:
                self._cache.popitem(last=False)
        return ranks


def _param_bounds(spec: str) -> tuple[float, float]:
    lo, hi = 0.0, float("inf")
    for part in spec.split(","):
        k, _, v = part.partition(":")
        v = v.strip().upper()
        mult = {"K": 1e3, "M": 1e6, "B": 1e9, "T": 1e12}.get(v[-1:], 1.0)
        num = float(v[:-1]) if v[-1:] in "KMBT" else float(v)
        if k.strip() == "min":
            lo = num * mult
        elif k.strip() == "max":
            hi = num * mult
    return lo, hi


# --- repository files -------------------------------------------------------------------
LFS_SUFFIXES = (".parquet", ".safetensors", ".gguf", ".bin", ".pt", ".onnx", ".zip", ".png", ".mp4", ".pb",
                ".msgpack", ".h5")


class FileEntry:
    __slots__ = ("path", "size", "oid", "sha256", "lfs", "disk", "data")

    def __init__(self, path: str, data: bytes | None = None, disk: str | None = None):
        self.path = path
        self.disk = disk
        self.data = data
        content = data if data is not None else _read(disk)
        self.size = len(content)
        self.oid = hashlib.sha1(b"blob %d\0" % len(content) + content).hexdigest()
        self.sha256 = hashlib.sha256(content).hexdigest()
        self.lfs = path.endswith(LFS_SUFFIXES)

    def content(self) -> bytes:
        return self.data if self.data is not None else _read(self.disk)

    def tree_item(self) -> dict:
        item: dict[str, Any] = {"type": "file", "oid": self.oid, "size": self.size, "path": self.path}
        if self.lfs:
            item["lfs"] = {"oid": self.sha256, "size": self.size, "pointerSize": 134}
        return item

    @property
    def etag(self) -> str:
        return self.sha256 if self.lfs else self.oid


def _read(path: str | None) -> bytes:
    with open(path, "rb") as f:  # type: ignore[arg-type]
        return f.read()
