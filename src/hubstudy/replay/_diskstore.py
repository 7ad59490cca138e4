"""Disk-backed index of a replay world: record bytes, lookups and sort orders live in an mmapped file.

A full-size Hub world (millions of repos, gigabytes of JSONL) does not fit in Python objects, so
each ``<kind>s.jsonl`` is compiled once into ``<world>/.cache/<kind>s.store`` and served from that
file: records are read with ``pread`` (a listing page in creation order is one read) and the
compact tables (offsets, ids, sort orders, postings) are used in place through a read-only
``mmap``. Steady-state Python memory is a few small dicts (redirects, the filter LRU) whatever the
world size; record bytes live in the page cache, shared and reclaimable, and not in this
process's RSS.

File layout (little endian; every section 8-byte aligned)::

    magic "HSRSTORE" | u32 header length | header JSON (toc, source key, fields) | padding to HEAD
    frag     per record: (nfields + 1) x u32 offsets relative to the record start, then the
             pre-serialised ``"key":value`` fragments of the known fields back to back
    recoff   u64 x (n + 1)  start of each record in the file
    ids_off / ids      u64 x (n + 1) + the UTF-8 repo ids back to back (``lids``: ``id.lower()``;
                       ``oids``: ``str(_id or "")``)
    gated    u8 x n;  nparams  i64 x n;  children  u32 x n (lineage children, models only)
    ord_<sort> / rank_<sort>   u32 x n permutation (listing order) and its inverse
    lower    u32 x n   records ordered by (id.lower(), index): case-insensitive lookup
    pkeys_off / pkeys / post_off / post   inverted index: sorted keys ("t:<tag>",
             "a:<author lower>", "p:<pipeline>") -> ascending record indices

The cache is keyed by the JSONL's size, mtime and head/tail digest (models also by
redirects.json, which lineage resolution depends on), so :func:`hubstudy.replay.mutate`
invalidates it. Files are written under a temporary name and renamed into place, under an
``flock``, so concurrent servers never see (or truncate under each other) a half-written file.
Big worlds are compiled in child processes (one per kind, as many at once as there are cores),
which keeps the server's own heap small after the build.

Environment: ``HUBSTUDY_REPLAY_CACHE=off`` compiles into an unlinked temporary file (nothing
is left behind; every load recompiles); any other non-empty value is a directory to keep the
caches in instead of ``<world>/.cache``. ``HUBSTUDY_REPLAY_BUILD=inline|subprocess`` forces
where compilation runs (default: subprocesses when the world's JSONL exceeds 48 MB).
"""

from __future__ import annotations

import calendar
import datetime as _dt
import fcntl
import hashlib
import mmap
import os
import re
import struct
import subprocess
import sys
import tempfile
import threading
import time
import weakref
from array import array
from bisect import bisect_left, bisect_right
from collections import OrderedDict
from itertools import accumulate, islice
from operator import itemgetter
from typing import Any, Iterable

import orjson

from ._store import RELATIONS, _fields, _param_bounds, b64e, base_models_of
from ._util import iso_ms

FORMAT = 1
MAGIC = b"HSRSTORE"
HEAD = 1 << 16  # bytes reserved for the header
NUMERIC_SORTS = ("createdAt", "lastModified", "downloads", "likes", "trendingScore", "downloadsAllTime")
TIME_SORTS = ("createdAt", "lastModified")
INLINE_LIMIT = 48 << 20  # total JSONL bytes under which compiling runs in this process
SPLIT_MIN_BYTES = 1 << 20  # a JSONL is read in parallel byte ranges only when each gets this much
FILTER_CACHE_ENTRIES = 64
FILTER_CACHE_ITEMS = 16_000_000  # ranks kept by the filter LRU at most (4 bytes each)


def sorts_for(kind: str) -> tuple[str, ...]:
    keys = ("_id", "id") + NUMERIC_SORTS
    if kind == "space":
        keys = tuple(k for k in keys if k not in ("downloads", "downloadsAllTime"))
    return keys


def _enc(s: str) -> bytes:
    return s.encode("utf-8", "surrogatepass")


def _dec(b: bytes) -> str:
    return b.decode("utf-8", "surrogatepass")


_ISO_MS = re.compile(r"([0-9]{4}-[0-9]{2}-[0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})\.([0-9]{3})Z\Z")
_DAY_MS: dict[str, int | None] = {}


def fast_ms(s: Any) -> int | None:
    """:func:`iso_ms` with a fast path for the Hub's own ``YYYY-MM-DDTHH:MM:SS.mmmZ`` form."""
    if s.__class__ is str:
        m = _ISO_MS.match(s)
        if m is not None:
            day, hh, mi, ss, ms = m.groups()
            d = _DAY_MS.get(day, False)
            if d is False:
                try:
                    d = calendar.timegm(_dt.date.fromisoformat(day).timetuple()) * 1000
                except ValueError:
                    d = None
                if len(_DAY_MS) < 100_000:
                    _DAY_MS[day] = d
            h, mn, sc = int(hh), int(mi), int(ss)
            if d is not None and h < 24 and mn < 60 and sc < 60:
                return d + h * 3_600_000 + mn * 60_000 + sc * 1000 + int(ms)
    return iso_ms(s)


def _num(v: Any) -> Any:
    return v if isinstance(v, (int, float)) and not isinstance(v, bool) else None


# ==========================================================================================
# cache keys
# ==========================================================================================
def _file_sig(path: str) -> dict | None:
    """Identity of a source file: size, mtime and a digest of its first and last 64 KiB."""
    try:
        with open(path, "rb") as f:
            return _fh_sig(f)
    except FileNotFoundError:
        return None


def _fh_sig(f) -> dict:
    st = os.fstat(f.fileno())
    h = hashlib.sha1()
    f.seek(0)
    h.update(f.read(1 << 16))
    if st.st_size > 1 << 17:
        f.seek(st.st_size - (1 << 16))
        h.update(f.read(1 << 16))
    f.seek(0)
    return {"size": st.st_size, "mtime_ns": st.st_mtime_ns, "digest": h.hexdigest()}


def source_key(world_dir: str, kind: str) -> dict:
    key: dict[str, Any] = {"format": FORMAT, "kind": kind, "fields": _fields(kind),
                           "jsonl": _file_sig(os.path.join(world_dir, f"{kind}s.jsonl"))}
    if kind == "model":
        key["redirects"] = _file_sig(os.path.join(world_dir, "redirects.json"))
    return key


def load_redirects(world_dir: str) -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {"model": {}, "dataset": {}, "space": {}}
    rpath = os.path.join(world_dir, "redirects.json")
    if os.path.exists(rpath):
        with open(rpath, "rb") as f:
            data = orjson.loads(f.read())
        for k in out:
            if isinstance(data.get(k), dict):
                out[k] = {str(a): str(b) for a, b in data[k].items()}
    return out


# ==========================================================================================
# compiling a JSONL file
# ==========================================================================================
class _NumCol:
    """A numeric sort column with nulls: int64 while every value is an int that fits, else float64."""

    __slots__ = ("vals", "nulls")

    def __init__(self) -> None:
        self.vals = array("q")
        self.nulls = bytearray()

    @property
    def is_float(self) -> bool:
        return self.vals.typecode == "d"


class _Writer:
    def __init__(self, fh) -> None:
        self.fh = fh
        self.pos = HEAD
        self.toc: dict[str, list[int]] = {}
        fh.write(b"\0" * HEAD)

    def align(self) -> None:
        pad = -self.pos % 8
        if pad:
            self.fh.write(b"\0" * pad)
            self.pos += pad

    def section(self, name: str, data: Any) -> None:
        self.align()
        mv = memoryview(data).cast("B")
        self.fh.write(mv)
        self.toc[name] = [self.pos, len(mv)]
        self.pos += len(mv)


def _u32(a: Any) -> bytes:
    """A pyarrow integer array (sort indices) as packed uint32 bytes."""
    import pyarrow as pa

    a = a.cast(pa.uint32())
    buf = a.buffers()[1]
    return buf.to_pybytes()[a.offset * 4:(a.offset + len(a)) * 4]


def _bin_array(blob: bytes | bytearray, offs: array) -> Any:
    import pyarrow as pa

    return pa.Array.from_buffers(pa.large_binary(), len(offs) - 1, [None, pa.py_buffer(offs), pa.py_buffer(blob)])


def compile_jsonl(src: str, kind: str, out_path: str, redirects: dict[str, str], key: dict,
                  parts: int = 1) -> None:
    """Compile ``src`` (one record per line) into the store file ``out_path`` (written in place).

    ``parts`` > 1 reads that many byte ranges of ``src`` at once in forked processes and merges
    them (the same bytes as a single pass; a world whose duplicate ids straddle two ranges is
    compiled in one pass instead)."""
    import gc

    gc_was = gc.isenabled()
    gc.disable()  # millions of short-lived objects, no cycles
    try:
        sig = None
        try:
            with open(src, "rb") as f:
                sig = _fh_sig(f)
                size = sig["size"]
        except FileNotFoundError:
            size = 0
        key = dict(key, jsonl=sig)
        with open(out_path, "wb") as fh:
            w = _Writer(fh)
            part = None
            if parts > 1 and size > parts * SPLIT_MIN_BYTES:
                part = _scan_split(src, kind, parts, out_path, w)
            if part is None:
                with open(src, "rb") if sig is not None else open(os.devnull, "rb") as fin:
                    part = _scan(fin, kind, 0, None, fh, w.pos)
            _finish(w, part, kind, redirects, key)
    finally:
        if gc_was:
            gc.enable()


class _Part:
    """What one pass over (a byte range of) a JSONL file gathered; indices are part-local."""

    def __init__(self) -> None:
        self.recoff = array("q")  # record starts, relative to where this part's frag bytes begin
        self.frag_len = 0
        self.ids_blob, self.lids_blob, self.oids_blob = bytearray(), bytearray(), bytearray()
        self.ids_off, self.lids_off, self.oids_off = array("q", [0]), array("q", [0]), array("q", [0])
        self.by_id: dict[str, int] | None = {}
        self.tag_post: dict[str, array] = {}
        self.author_post: dict[str, array] = {}
        self.pipe_post: dict[str, array] = {}
        self.gated = bytearray()
        self.nparams = array("q")
        self.nparams_big: dict[str, int] = {}  # parameter counts beyond int64 (orjson reads up to 2**64 - 1)
        self.cols = {k: _NumCol() for k in NUMERIC_SORTS}
        self.e_child, self.e_parent = array("I"), array("I")  # edges resolved by exact id while reading
        self.deferred: list[tuple[int, str]] = []  # edges whose parent id was not (yet) known

    @property
    def n(self) -> int:
        return len(self.recoff)


def _line_start(f, pos: int) -> int:
    """The first line start at or after ``pos``."""
    if pos <= 0:
        return 0
    f.seek(pos - 1)
    f.readline()
    return f.tell()


def _scan_split(src: str, kind: str, parts: int, out_path: str, w: "_Writer") -> "_Part | None":
    """Scan ``parts`` byte ranges at once (this process takes the first, forked children the
    others) and merge them into one part whose frag bytes are already in ``w``; None when ids are
    duplicated across ranges (the caller then scans in one pass)."""
    import multiprocessing
    import pickle
    import shutil

    size = os.path.getsize(src)
    with open(src, "rb") as f:
        cuts = sorted({_line_start(f, size * k // parts) for k in range(parts)} | {size})
    work = tempfile.mkdtemp(prefix=os.path.basename(out_path) + ".parts.", dir=os.path.dirname(out_path) or ".")
    try:
        ctx = multiprocessing.get_context("fork")
        procs = []
        for k in range(1, len(cuts) - 1):
            pr = ctx.Process(target=_scan_part_to, args=(src, kind, cuts[k], cuts[k + 1], os.path.join(work, str(k))))
            pr.start()
            procs.append(pr)
        try:
            with open(src, "rb") as fin:
                first = _scan(fin, kind, cuts[0], cuts[1], w.fh, w.pos)
        finally:
            for pr in procs:
                pr.join()
        if any(pr.exitcode != 0 for pr in procs):
            raise RuntimeError(f"compiling a part of {src} failed")
        merged = first
        base = w.pos + first.frag_len
        for k in range(1, len(cuts) - 1):
            with open(os.path.join(work, str(k)) + ".meta", "rb") as f:
                part = pickle.load(f)
            if not _merge(merged, part, base):
                w.fh.seek(w.pos)
                w.fh.truncate()
                return None
            with open(os.path.join(work, str(k)) + ".frag", "rb") as f:
                shutil.copyfileobj(f, w.fh, 1 << 22)
            base += part.frag_len
        return merged
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _scan_part_to(src: str, kind: str, start: int, end: int, out: str) -> None:  # pragma: no cover - child
    import pickle

    if sys.platform.startswith("linux"):
        _die_with_parent()

    with open(src, "rb") as fin, open(out + ".frag", "wb") as fh:
        part = _scan(fin, kind, start, end, fh, 0)
    with open(out + ".meta", "wb") as f:
        pickle.dump(part, f, protocol=pickle.HIGHEST_PROTOCOL)


def _merge(a: "_Part", b: "_Part", base: int) -> bool:
    """Append part ``b`` (its frag bytes start at ``base`` in the file) to ``a``. False when an id
    of ``b`` already occurs in ``a`` (first occurrence wins: indices would shift)."""
    if a.by_id is None:
        return False
    n0 = a.n
    by_id = a.by_id
    for rid, i in b.by_id.items():
        if rid in by_id:
            return False
        by_id[rid] = i + n0
    a.recoff.extend([x + base for x in b.recoff])
    a.frag_len += b.frag_len
    for blob, offs, bblob, boffs in ((a.ids_blob, a.ids_off, b.ids_blob, b.ids_off),
                                     (a.lids_blob, a.lids_off, b.lids_blob, b.lids_off),
                                     (a.oids_blob, a.oids_off, b.oids_blob, b.oids_off)):
        shift = len(blob)
        blob += bblob
        offs.extend([x + shift for x in islice(boffs, 1, None)])
    for mine, theirs in ((a.tag_post, b.tag_post), (a.author_post, b.author_post), (a.pipe_post, b.pipe_post)):
        for k, arr in theirs.items():
            moved = array("I", [x + n0 for x in arr])
            got = mine.get(k)
            if got is None:
                mine[k] = moved
            else:
                got.extend(moved)
    a.gated += b.gated
    a.nparams.extend(b.nparams)
    for k, v in b.nparams_big.items():
        a.nparams_big[str(int(k) + n0)] = v
    for k, col in a.cols.items():
        other = b.cols[k]
        if col.is_float != other.is_float:
            if not col.is_float:
                col.vals = array("d", col.vals)
            else:
                other.vals = array("d", other.vals)
        col.vals.extend(other.vals)
        col.nulls += other.nulls
    # lineage edges resolved inside ``b`` point inside ``b`` (no id of ``b`` occurs in ``a``)
    a.e_child.extend([x + n0 for x in b.e_child])
    a.e_parent.extend([x + n0 for x in b.e_parent])
    a.deferred.extend((c + n0, pid) for c, pid in b.deferred)
    return True


def _scan(fin, kind: str, start: int, end: int | None, fh, pos0: int) -> "_Part":
    """One pass over the lines of ``fin`` from byte ``start`` to ``end`` (None: to the end), writing
    the records' frag bytes to ``fh``; the first goes at file position ``pos0``."""
    fields = _fields(kind)
    nf = len(fields)
    slot = {f: j for j, f in enumerate(fields)}
    keyb = [orjson.dumps(f) + b":" for f in fields]
    hsize = 4 * (nf + 1)
    hpack = struct.Struct("<%dI" % (nf + 1)).pack
    loads, dumps = orjson.loads, orjson.dumps
    is_model = kind == "model"

    part = _Part()
    recoff = part.recoff
    ids_blob, lids_blob, oids_blob = part.ids_blob, part.lids_blob, part.oids_blob
    ids_off, lids_off, oids_off = part.ids_off, part.lids_off, part.oids_off
    by_id = part.by_id
    tag_post, author_post, pipe_post = part.tag_post, part.author_post, part.pipe_post
    gated = part.gated
    nparams = part.nparams
    nparams_big = part.nparams_big
    cols = part.cols
    ca_vals, ca_nulls = cols["createdAt"].vals, cols["createdAt"].nulls
    lm_vals, lm_nulls = cols["lastModified"].vals, cols["lastModified"].nulls
    c_other = [(k, cols[k]) for k in NUMERIC_SORTS if k not in TIME_SORTS]
    numt = (int, float)
    e_child, e_parent = part.e_child, part.e_parent
    deferred = part.deferred
    # A "plan" per key order (records of one world share a handful): the key prefixes of the
    # record's fields in its own order, and a getter that picks the fragments in slot order
    # (position ``len(rec)`` is an empty sentinel for absent fields); None when a key is unknown.
    plans: dict[tuple, Any] = {}
    keyb_tail = keyb + [b""]
    buf: list[bytes] = []
    buf_len = 0
    pos = pos0

    def num_append(col: _NumCol, v: Any) -> None:
        if v.__class__ in numt:
            try:
                col.vals.append(v)
            except (TypeError, OverflowError):
                col.vals = array("d", col.vals)
                col.vals.append(float(v))
            col.nulls.append(0)
        else:
            col.vals.append(0)
            col.nulls.append(1)

    fin.seek(start)
    limited = end is not None
    left = end - start if limited else 0
    for line in fin:
        if limited:
            if left <= 0:
                break
            left -= len(line)
        if not line.strip():
            continue
        rec = loads(line)
        get = rec.get
        rid = get("id")
        if not isinstance(rid, str) or rid in by_id:
            continue
        i = len(by_id)
        by_id[rid] = i
        if is_model and "modelId" not in rec:
            rec["modelId"] = rid
        ks = tuple(rec)
        plan = plans.get(ks, False)
        if plan is False:
            if all(k in slot for k in ks):
                # picks (key, value) per slot from [values..., keys..., b""]
                m = len(ks)
                where = {k: p for p, k in enumerate(ks)}
                picks = []
                for j, f in enumerate(fields):
                    p = where.get(f)
                    picks += [m + j, p] if p is not None else [m + nf, m + nf]
                plan = itemgetter(*picks)
            else:
                plan = None
            plans[ks] = plan
        if plan is not None:
            vals = list(map(dumps, rec.values()))
            vals += keyb_tail
            items = plan(vals)
        else:
            lp = [b""] * (2 * nf)
            for k, v in rec.items():
                j = slot.get(k)
                if j is not None:
                    lp[2 * j] = keyb[j]
                    lp[2 * j + 1] = dumps(v)
            items = lp
        body = b"".join(items)
        buf.append(hpack(*islice(accumulate(map(len, items), initial=hsize), 0, None, 2)))
        buf.append(body)
        recoff.append(pos)
        pos += hsize + len(body)
        buf_len += len(body)
        if buf_len > 1 << 22:
            fh.write(b"".join(buf))
            buf.clear()
            buf_len = 0
        ids_blob += rid.encode("utf-8", "surrogatepass")
        ids_off.append(len(ids_blob))
        lids_blob += rid.lower().encode("utf-8", "surrogatepass")
        lids_off.append(len(lids_blob))
        oids_blob += str(get("_id") or "").encode("utf-8", "surrogatepass")
        oids_off.append(len(oids_blob))
        author = str(get("author") or rid.partition("/")[0]).lower()
        arr = author_post.get(author)
        if arr is None:
            arr = author_post[author] = array("I")
        arr.append(i)
        tags = get("tags")
        if isinstance(tags, list):
            for t in tags:
                if isinstance(t, str):
                    arr = tag_post.get(t)
                    if arr is None:
                        arr = tag_post[t] = array("I")
                    arr.append(i)
                    if is_model and t.startswith("base_model:"):
                        rel, sep, pid = t[11:].partition(":")
                        if sep and rel in RELATIONS:
                            p = by_id.get(pid)
                            if p is None:
                                deferred.append((i, pid))
                            else:
                                e_child.append(i)
                                e_parent.append(p)
        pipe = get("pipeline_tag")
        if isinstance(pipe, str):
            arr = pipe_post.get(pipe)
            if arr is None:
                arr = pipe_post[pipe] = array("I")
            arr.append(i)
        g = get("gated")
        gated.append(0 if g in (False, None, "false") else 1)
        npar = 0
        for k in ("safetensors", "gguf"):
            v = get(k)
            if isinstance(v, dict) and isinstance(v.get("total"), int):
                npar = v["total"]
                break
        if -(1 << 63) <= npar < (1 << 63):
            nparams.append(npar)
        else:
            nparams.append(0)
            nparams_big[str(i)] = npar
        v = fast_ms(get("createdAt"))
        if v is None:
            ca_vals.append(0)
            ca_nulls.append(1)
        else:
            ca_vals.append(v)
            ca_nulls.append(0)
        v = fast_ms(get("lastModified"))
        if v is None:
            lm_vals.append(0)
            lm_nulls.append(1)
        else:
            lm_vals.append(v)
            lm_nulls.append(0)
        for k, col in c_other:
            v = get(k)
            if v.__class__ in numt:
                try:
                    col.vals.append(v)
                    col.nulls.append(0)
                except (TypeError, OverflowError):
                    num_append(col, v)  # a float (or a huge int) in an int64 column
            else:
                col.vals.append(0)
                col.nulls.append(1)
    if buf:
        fh.write(b"".join(buf))
    part.frag_len = pos - pos0
    return part


def _finish(w: "_Writer", part: "_Part", kind: str, redirects: dict[str, str], key: dict) -> None:
    """Write every section after the frag bytes (already in ``w``), then the header."""
    import pyarrow as pa
    import pyarrow.compute as pc

    fh = w.fh
    is_model = kind == "model"
    by_id = part.by_id
    n = part.n
    recoff = part.recoff
    w.pos += part.frag_len
    recoff.append(w.pos)
    w.section("recoff", recoff)
    del recoff
    ids_blob, lids_blob, oids_blob = part.ids_blob, part.lids_blob, part.oids_blob
    ids_off, lids_off, oids_off = part.ids_off, part.lids_off, part.oids_off
    tag_post, author_post, pipe_post = part.tag_post, part.author_post, part.pipe_post
    gated, nparams, nparams_big, cols = part.gated, part.nparams, part.nparams_big, part.cols
    e_child, e_parent, deferred = part.e_child, part.e_parent, part.deferred
    part.by_id = None

    # -- lineage: children per parent (exact id, renamed id, other letter case) ------------------
    children = array("I")
    if is_model:
        red_lower = {k.lower(): v for k, v in redirects.items()}
        lower_first: dict[str, int] = {}
        if deferred:
            want = set()
            for _c, pid in deferred:
                if pid in by_id:
                    continue
                new = redirects.get(pid) or red_lower.get(pid.lower())
                if new is None or new not in by_id:
                    want.add(pid.lower())
            if want:
                for rid, i in by_id.items():
                    low = rid.lower()
                    if low in want and low not in lower_first:
                        lower_first[low] = i

        def find(pid: str) -> int | None:
            i = by_id.get(pid)
            if i is None:
                new = redirects.get(pid) or red_lower.get(pid.lower())
                if new is not None:
                    i = by_id.get(new)
            if i is None:
                i = lower_first.get(pid.lower())
            return i

        pairs = set(zip(e_child, e_parent))
        for c, pid in deferred:
            p = find(pid)
            if p is not None:
                pairs.add((c, p))
        children = array("I", bytes(4 * n))
        for _c, p in pairs:
            children[p] += 1
        del pairs, deferred, e_child, e_parent
    del by_id

    w.section("ids_off", ids_off)
    w.section("ids", ids_blob)
    w.section("lids_off", lids_off)
    w.section("lids", lids_blob)
    w.section("oids_off", oids_off)
    w.section("oids", oids_blob)
    w.section("gated", gated)
    w.section("nparams", nparams)
    if is_model:
        w.section("children", children)

    # -- sort orders ------------------------------------------------------------------------------
    idx = pa.array(range(n), pa.int64()) if n else pa.array([], pa.int64())
    oid_col = _bin_array(oids_blob, oids_off)
    id_col = _bin_array(ids_blob, ids_off)
    lid_col = _bin_array(lids_blob, lids_off)

    def emit(name: str, table: Any, keys: list[tuple[str, str]]) -> None:
        perm = pc.sort_indices(table, sort_keys=keys) if n else pa.array([], pa.uint64())
        w.section("ord_" + name, _u32(perm))
        w.section("rank_" + name, _u32(pc.sort_indices(perm) if n else perm))

    for name in sorts_for(kind):
        if name == "_id":
            t = pa.table({"oid": oid_col, "i": idx})
            emit(name, t, [("oid", "ascending"), ("i", "ascending")])
        elif name == "id":
            t = pa.table({"id": id_col, "i": idx})
            emit(name, t, [("id", "descending"), ("i", "ascending")])
        else:
            col = cols[name]
            typ = pa.float64() if col.is_float else pa.int64()
            vals = pa.Array.from_buffers(typ, n, [None, pa.py_buffer(col.vals)])
            nulls = pa.Array.from_buffers(pa.uint8(), n, [None, pa.py_buffer(col.nulls)])
            t = pa.table({"null": nulls, "v": vals, "oid": oid_col, "i": idx})
            emit(name, t, [("null", "ascending"), ("v", "descending"), ("oid", "ascending"), ("i", "ascending")])
    t = pa.table({"lid": lid_col, "i": idx})
    w.section("lower", _u32(pc.sort_indices(t, sort_keys=[("lid", "ascending"), ("i", "ascending")])
                            if n else pa.array([], pa.uint64())))
    del cols, t, oid_col, id_col, lid_col

    # -- inverted index ---------------------------------------------------------------------------
    postings: dict[str, array] = {}
    for prefix, d in (("t:", tag_post), ("a:", author_post), ("p:", pipe_post)):
        for k in list(d):
            postings[prefix + k] = d.pop(k)
    keys = sorted(postings, key=_enc)
    pkeys_off = array("q", [0])
    pkeys = bytearray()
    post_off = array("q", [0])
    total = 0
    for k in keys:
        pkeys += _enc(k)
        pkeys_off.append(len(pkeys))
        total += len(postings[k])
        post_off.append(total)
    w.section("pkeys_off", pkeys_off)
    w.section("pkeys", pkeys)
    w.section("post_off", post_off)
    w.align()
    start = w.pos
    for k in keys:
        a = postings.pop(k)
        fh.write(a.tobytes())
        w.pos += 4 * len(a)
    w.toc["post"] = [start, w.pos - start]

    if nparams_big:
        w.section("nparams_big", orjson.dumps(nparams_big))
    header = orjson.dumps({"key": key, "n": n, "size": w.pos, "toc": w.toc})
    if len(header) + 12 > HEAD:
        raise ValueError("replay store header too large")
    fh.seek(0)
    fh.write(MAGIC + struct.pack("<I", len(header)) + header)


# ==========================================================================================
# reading
# ==========================================================================================
def _parse_header(head: bytes, size: int) -> dict | None:
    if len(head) < 12 or head[:8] != MAGIC:
        return None
    (ln,) = struct.unpack_from("<I", head, 8)
    try:
        got = orjson.loads(head[12:12 + ln])
    except orjson.JSONDecodeError:
        return None
    if not isinstance(got, dict) or got.get("size") != size:
        return None
    return got


def _read_header(path: str) -> dict | None:
    """The header of a complete store file (None when missing, foreign, partial or truncated)."""
    try:
        with open(path, "rb") as f:
            return _parse_header(f.read(HEAD), os.fstat(f.fileno()).st_size)
    except OSError:
        return None


def _valid(path: str, key: dict) -> bool:
    head = _read_header(path)
    return head is not None and head.get("key") == key


class StrCol:
    """Read-only sequence of strings stored as offsets + UTF-8 bytes in a mapping."""

    __slots__ = ("off", "buf", "n")

    def __init__(self, off: memoryview, buf: memoryview):
        self.off = off
        self.buf = buf
        self.n = len(off) - 1

    def raw(self, i: int) -> bytes:
        return self.buf[self.off[i]:self.off[i + 1]].tobytes()

    def __getitem__(self, i: int) -> str:
        if i < 0:
            i += self.n
        if not 0 <= i < self.n:
            raise IndexError(i)
        return _dec(self.buf[self.off[i]:self.off[i + 1]].tobytes())

    def __len__(self) -> int:
        return self.n

    def __iter__(self):
        for i in range(self.n):
            yield self[i]


class _Overlay:
    __slots__ = ("base", "extra")

    def __init__(self, base: Any, extra: dict[int, Any]):
        self.base = base
        self.extra = extra

    def __getitem__(self, i: int) -> Any:
        v = self.extra.get(i)
        return self.base[i] if v is None else v


class _ShaView:
    __slots__ = ("store",)

    def __init__(self, store: "DiskStore"):
        self.store = store

    def __getitem__(self, i: int) -> str:
        return str(self.store.value(i, "sha") or "")

    def __len__(self) -> int:
        return len(self.store)


class _Children:
    __slots__ = ("arr",)

    def __init__(self, arr: memoryview | None):
        self.arr = arr

    def get(self, i: int, default: int = 0) -> int:
        if self.arr is None:
            return default
        v = self.arr[i]
        return v if v else default


class DiskStore:
    """All records of one repo type, served from a compiled store file (see the module doc)."""

    def __init__(self, kind: str, path: str, redirects: dict[str, str] | None = None,
                 unlink: bool = False):
        self.kind = kind
        self.path = path
        self.fields = _fields(kind)
        self.slot = {f: j for j, f in enumerate(self.fields)}
        self.keyb = [orjson.dumps(f) + b":" for f in self.fields]
        self.keylen = [len(k) for k in self.keyb]
        nf = len(self.fields)
        self._hdr = struct.Struct("<%dI" % (nf + 1)).unpack_from
        # Record bytes are read with pread (page cache, not this process's RSS); the compact
        # tables (offsets, ids, orders, postings) are used in place through the mapping.
        self.fd = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
        self._fd_closer = weakref.finalize(self, os.close, self.fd)
        self.mm = mmap.mmap(self.fd, 0, access=mmap.ACCESS_READ)
        if unlink:
            os.unlink(path)
        self.head = _parse_header(self.mm[:HEAD], len(self.mm))
        if self.head is None:
            self.mm.close()
            self._fd_closer()
            raise ValueError(f"not a complete replay store: {path}")
        self.mv = memoryview(self.mm)
        toc = self.head["toc"]
        self.n = int(self.head["n"])
        self.frag_end = toc["recoff"][0]

        def sec(name: str, fmt: str = "B") -> memoryview | None:
            got = toc.get(name)
            if got is None:
                return None
            a, ln = got
            return self.mv[a:a + ln].cast(fmt)

        self.recoff = sec("recoff", "q")
        self.ids = StrCol(sec("ids_off", "q"), sec("ids"))
        self.lids = StrCol(sec("lids_off", "q"), sec("lids"))
        self.oids = StrCol(sec("oids_off", "q"), sec("oids"))
        self.lids_start = toc["lids"][0]
        self.gated = sec("gated", "B")
        self.nparams = sec("nparams", "q")
        big = sec("nparams_big")
        self._nparams_big = {int(k): v for k, v in orjson.loads(big).items()} if big is not None else {}
        self.children = _Children(sec("children", "I"))
        self._orders = {k[4:]: (sec(k, "I"), sec("rank_" + k[4:], "I")) for k in toc if k.startswith("ord_")}
        self.lower = sec("lower", "I")
        self.pkeys = StrCol(sec("pkeys_off", "q"), sec("pkeys"))
        self.post_off = sec("post_off", "q")
        self.post = sec("post", "I")
        self.redirects: dict[str, str] = {}
        self._redirects_lower: dict[str, str] = {}
        self._lock = threading.Lock()
        self._cache: OrderedDict = OrderedDict()
        self._cache_items = 0
        if redirects is not None:
            self.link(redirects)

    @property
    def shas(self) -> _ShaView:
        """``shas[i]``: the record's sha (a view built on demand: no reference cycle)."""
        return _ShaView(self)

    def close(self) -> None:
        """Release the mapping (only when no request can still use this store)."""
        for name in ("recoff", "gated", "nparams", "lower", "post_off", "post", "mv"):
            v = getattr(self, name, None)
            if isinstance(v, memoryview):
                v.release()
        try:
            self.mm.close()
        except BufferError:
            pass
        self._fd_closer()

    def __len__(self) -> int:
        return self.n

    def link(self, redirects: dict[str, str]) -> None:
        """Set the rename table (lineage children were counted when compiling)."""
        self.redirects = dict(redirects)
        self._redirects_lower = {k.lower(): v for k, v in redirects.items()}

    def warm(self) -> None:
        """Nothing to do: every sort order was computed when compiling."""

    # -- lookups -----------------------------------------------------------------------
    def _exact(self, rid: str) -> int | None:
        n = self.n
        if not n:
            return None
        perm = self._orders["id"][0]  # descending id order
        ids = self.ids
        want = _enc(rid)
        # ascending position k is perm[n - 1 - k]
        k = bisect_left(range(n), want, key=lambda k: ids.raw(perm[n - 1 - k]))
        if k < n:
            i = perm[n - 1 - k]
            if ids.raw(i) == want:
                return i
        return None

    def _lower_first(self, low: str) -> int | None:
        n = self.n
        if not n:
            return None
        order = self.lower
        lids = self.lids
        want = _enc(low)
        k = bisect_left(range(n), want, key=lambda k: lids.raw(order[k]))
        if k < n and lids.raw(order[k]) == want:
            return order[k]
        return None

    def find(self, rid: str) -> int | None:
        """Index of a repo declared as ``rid`` (exact, renamed, or in another letter case)."""
        i = self._exact(rid)
        if i is None:
            new = self.redirects.get(rid) or self._redirects_lower.get(rid.lower())
            if new is not None:
                i = self._exact(new)
        if i is None:
            i = self._lower_first(rid.lower())
        return i

    def resolve_id(self, rid: str) -> tuple[int | None, str | None]:
        """(index, id) for an exact id; (None, current id) for a renamed id or another letter case;
        (None, None) when unknown."""
        i = self._exact(rid)
        if i is not None:
            return i, rid
        new = self.redirects.get(rid) or self._redirects_lower.get(rid.lower())
        if new is not None:
            return None, new
        i = self._lower_first(rid.lower())
        if i is not None:
            return None, self.ids[i]
        return None, None

    # -- fragments ---------------------------------------------------------------------
    def _rec(self, i: int) -> bytes:
        a = self.recoff[i]
        return os.pread(self.fd, self.recoff[i + 1] - a, a)

    def _recs(self, idxs: Iterable[int]) -> list[bytes]:
        """The bytes of several records: one read when they sit close together in the file
        (a page in creation order is a run of neighbours), else one read each."""
        recoff = self.recoff
        spans = [(recoff[i], recoff[i + 1]) for i in idxs]
        if not spans:
            return []
        lo = min(a for a, _b in spans)
        hi = max(b for _a, b in spans)
        need = sum(b - a for a, b in spans)
        fd = self.fd
        if hi - lo <= 2 * need + (1 << 16):
            blob = os.pread(fd, hi - lo, lo)
            return [blob[a - lo:b - lo] for a, b in spans]
        pread = os.pread
        return [pread(fd, b - a, a) for a, b in spans]

    def frag(self, i: int, field: str) -> bytes | None:
        j = self.slot.get(field)
        if j is None:
            return None
        rec = self._rec(i)
        h = self._hdr(rec)
        a, b = h[j], h[j + 1]
        if a == b:
            return None
        return rec[a:b]

    def value(self, i: int, field: str) -> Any:
        """The decoded value of one field (None when absent)."""
        f = self.frag(i, field)
        if f is None:
            return None
        return orjson.loads(f[self.keylen[self.slot[field]]:])

    def render(self, i: int, fields: list[str], computed: dict[str, Any] | None = None) -> bytes:
        rec = self._rec(i)
        h = self._hdr(rec)
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
                continue
            a, b = h[j], h[j + 1]
            if a != b:
                out.append(rec[a:b])
        return b"{" + b",".join(out) + b"}"

    def render_page(self, idxs: Iterable[int], fields: list[str]) -> bytes:
        """``[record, ...]`` for a listing page (no computed fields)."""
        js = [self.slot[f] for f in fields if f in self.slot]
        unpack = self._hdr
        out = []
        app = out.append
        for rec in self._recs(idxs):
            h = unpack(rec)
            app(b"{" + b",".join([rec[h[j]:h[j + 1]] for j in js if h[j] != h[j + 1]]) + b"}")
        return b"[" + b",".join(out) + b"]"

    # -- lineage (models) --------------------------------------------------------------
    def base_models(self, i: int) -> dict | None:
        return base_models_of(self, i)

    # -- ordering ----------------------------------------------------------------------
    def order(self, sort: str) -> tuple[memoryview, memoryview]:
        return self._orders[sort]

    def sort_value(self, sort: str, i: int) -> Any:
        if sort == "_id":
            return None
        if sort == "id":
            return self.ids[i]
        v = self.value(i, sort)
        return iso_ms(v) if sort in TIME_SORTS else _num(v)

    def _key_of(self, sort: str, i: int) -> tuple:
        if sort == "_id":
            return (False, 0, self.oids.raw(i))
        v = self.sort_value(sort, i)
        return (v is None, -(v or 0), self.oids.raw(i))

    def start_pos(self, sort: str, cursor: dict | None) -> int:
        """Global position of the first record after the cursor's keyset position."""
        perm, _rank = self.order(sort)
        if not cursor:
            return 0
        oid = _enc(str(cursor.get("i", "")))
        v = cursor.get("v")
        n = self.n
        if sort == "id":
            # descending by id (ids are unique): skip every id >= the cursor's id
            want = _enc(str(v))
            ids = self.ids
            return n - bisect_left(range(n), want, key=lambda k: ids.raw(perm[n - 1 - k]))
        if sort == "_id":
            key = (False, 0, oid)
        else:
            key = (v is None, -(v or 0), oid)
        return bisect_right(perm, key, key=lambda i: self._key_of(sort, i))

    def cursor_for(self, sort: str, i: int) -> str:
        return b64e({"s": sort, "v": self.sort_value(sort, i), "i": self.oids[i]})

    # -- filtering ---------------------------------------------------------------------
    def postings(self, key: str) -> memoryview | None:
        k = self.pkeys
        nk = len(k)
        if not nk:
            return None
        want = _enc(key)
        j = bisect_left(range(nk), want, key=k.raw)
        if j < nk and k.raw(j) == want:
            return self.post[self.post_off[j]:self.post_off[j + 1]]
        return None

    def _search(self, needle: str) -> list[int]:
        """Indices of the records whose lower-cased id contains ``needle`` (lower-cased)."""
        want = _enc(needle)
        if not want:
            return list(range(self.n))
        mm = self.mm
        off = self.lids.off
        base = self.lids_start
        end = base + off[self.n]
        out = []
        pos = base
        m = len(want)
        while True:
            p = mm.find(want, pos, end)
            if p < 0:
                break
            k = bisect_right(off, p - base) - 1
            stop = base + off[k + 1]
            if p + m <= stop:
                out.append(k)
                pos = stop
            else:
                pos = p + 1
        return out

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
        empty = memoryview(array("I"))
        sets: list[Any] = []
        for f in filters:
            arr = self.postings("t:" + f)
            if arr is None:
                sets = [empty]
                break
            sets.append(arr)
        if author is not None:
            sets.append(self.postings("a:" + author.lower()) or empty)
        if pipeline is not None:
            sets.append(self.postings("p:" + pipeline) or empty)
        needles = [s.lower() for s in searches]
        if needles and not sets:
            # the id search itself narrows the candidates (a scan of the lower-cased ids)
            sets.append(self._search(needles[0]))
            needles = needles[1:]
        sets.sort(key=len)
        cand: Any
        if sets:
            cand = set(sets[0])
            for s in sets[1:]:
                if not cand:
                    break
                cand.intersection_update(s)
        else:
            cand = range(self.n)
        if needles:
            lids = self.lids
            cand = [i for i in cand if all(nd in lids[i] for nd in needles)]
        if gated is not None:
            want = 1 if gated.lower() in ("true", "1") else 0
            g = self.gated
            cand = [i for i in cand if g[i] == want]
        if nparams:
            lo, hi = _param_bounds(nparams)
            npar: Any = self.nparams
            if self._nparams_big:
                big = self._nparams_big
                npar = _Overlay(npar, big)
            cand = [i for i in cand if npar[i] and lo <= npar[i] <= hi]
        _perm, rank = self.order(sort)
        ranks = array("i", sorted([rank[i] for i in cand]))
        with self._lock:
            if key not in self._cache:
                self._cache[key] = ranks
                self._cache_items += len(ranks)
            while self._cache and (len(self._cache) > FILTER_CACHE_ENTRIES
                                   or self._cache_items > FILTER_CACHE_ITEMS):
                _k, old = self._cache.popitem(last=False)
                self._cache_items -= len(old)
        return ranks


# ==========================================================================================
# opening a world: validate, compile what is stale, map
# ==========================================================================================
def _cache_dir(world_dir: str) -> str | None:
    env = os.environ.get("HUBSTUDY_REPLAY_CACHE", "").strip()
    if env.lower() in ("off", "0", "false", "no", "none"):
        return None
    if env:
        tag = hashlib.sha1(os.path.abspath(world_dir).encode()).hexdigest()[:16]
        return os.path.join(env, tag)
    return os.path.join(world_dir, ".cache")


def _build_mode(total_bytes: int) -> str:
    env = os.environ.get("HUBSTUDY_REPLAY_BUILD", "").strip().lower()
    if env in ("inline", "subprocess"):
        return env
    return "subprocess" if total_bytes > INLINE_LIMIT else "inline"


def _compile_to(world_dir: str, kind: str, dest: str, key: dict, redirects: dict[str, str], mode: str,
                parts: int = 1):
    """Compile one kind to ``dest`` (atomically: temp file + rename). Returns a Popen in subprocess
    mode (the caller waits), else None."""
    src = os.path.join(world_dir, f"{kind}s.jsonl")
    tmp = f"{dest}.tmp.{os.getpid()}.{threading.get_ident()}"
    if mode == "subprocess":
        env = dict(os.environ)
        pkg_root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
        env["PYTHONPATH"] = pkg_root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
        code = "import sys; from hubstudy.replay._diskstore import _main; sys.exit(_main(sys.argv[1:]))"
        proc = subprocess.Popen([sys.executable, "-c", code, world_dir, kind, tmp, dest, str(parts)],
                                env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None)
        return proc
    try:
        compile_jsonl(src, kind, tmp, redirects, key)
        os.replace(tmp, dest)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return None


def _die_with_parent() -> None:  # pragma: no cover - runs in the child before exec
    try:
        import ctypes
        import signal

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except Exception:
        pass


def _clean_tmp(dest: str) -> None:
    """Remove temporary files left by compilations whose process is gone."""
    d, base = os.path.split(dest)
    try:
        names = os.listdir(d)
    except OSError:
        return
    for name in names:
        if not name.startswith(base + ".tmp."):
            continue
        try:
            pid = int(name[len(base) + 5:].split(".")[0])
            os.kill(pid, 0)
            continue  # still compiling
        except ProcessLookupError:
            pass
        except (ValueError, PermissionError):
            continue
        path = os.path.join(d, name)
        try:
            if os.path.isdir(path):  # a parallel compile's parts
                import shutil

                shutil.rmtree(path, ignore_errors=True)
            else:
                os.unlink(path)
        except OSError:
            pass


class _Lock:
    def __init__(self, path: str | None):
        self.path = path
        self.fh = None

    def __enter__(self) -> "_Lock":
        if self.path:
            self.fh = open(self.path, "a+b")
            fcntl.flock(self.fh.fileno(), fcntl.LOCK_EX)
        return self

    def __exit__(self, *exc: Any) -> None:
        if self.fh is not None:
            fcntl.flock(self.fh.fileno(), fcntl.LOCK_UN)
            self.fh.close()


def _writable_dir(d: str) -> bool:
    try:
        os.makedirs(d, exist_ok=True)
        probe = os.path.join(d, ".write-probe.%d.%d" % (os.getpid(), threading.get_ident()))
        with open(probe, "wb"):
            pass
        os.unlink(probe)
        return True
    except OSError:
        return False


def open_stores(world_dir: str, kinds: Iterable[str], redirects: dict[str, dict[str, str]]) -> dict[str, DiskStore]:
    """Map the compiled store of every kind, compiling the missing or stale ones first.

    A valid cache is used even in a read-only directory; what must be compiled where nothing can
    be written goes to temporary files that are unlinked once mapped."""
    kinds = list(kinds)
    cdir = _cache_dir(world_dir)
    keys = {kind: source_key(world_dir, kind) for kind in kinds}
    dests = {kind: os.path.join(cdir, f"{kind}s.store") for kind in kinds} if cdir else {}
    stale = [kind for kind in kinds if not (cdir and _valid(dests[kind], keys[kind]))]
    private = set()
    tmpdir = None
    try:
        if stale:
            if cdir is None or not _writable_dir(cdir):
                tmpdir = tempfile.mkdtemp(prefix="hubstudy-replay-")
                private = set(stale)
                dests.update({kind: os.path.join(tmpdir, f"{kind}s.store") for kind in stale})
            sizes = {k: (keys[k]["jsonl"] or {}).get("size", 0) for k in stale}
            _compile_all(world_dir, None if private else cdir, stale, dests, keys, redirects,
                         _build_mode(sum(sizes.values())), sizes)
        out: dict[str, DiskStore] = {}
        try:
            for kind in kinds:
                out[kind] = DiskStore(kind, dests[kind], redirects.get(kind, {}), unlink=kind in private)
        except BaseException:
            for st in out.values():
                st.close()
            raise
        return out
    finally:
        if tmpdir is not None:
            import shutil

            shutil.rmtree(tmpdir, ignore_errors=True)


def _compile_all(world_dir: str, cdir: str | None, kinds: list[str], dests: dict[str, str], keys: dict,
                 redirects: dict[str, dict[str, str]], mode: str, sizes: dict[str, int]) -> None:
    """Compile ``kinds`` (each under its own lock, re-checked once held); in subprocess mode as
    many at once as there are cores, biggest first."""
    order = sorted(kinds, key=lambda k: -sizes.get(k, 0))
    if mode == "inline":
        for kind in order:
            lock = os.path.join(cdir, f"{kind}s.lock") if cdir else None
            with _Lock(lock):
                if cdir and _valid(dests[kind], keys[kind]):
                    continue
                if cdir:
                    _clean_tmp(dests[kind])
                _compile_to(world_dir, kind, dests[kind], keys[kind], redirects.get(kind, {}), mode)
        return
    width = max(1, min(len(order), os.cpu_count() or 1, 3))
    running: list[tuple[str, Any, _Lock]] = []
    errors = []
    pending = list(order)
    try:
        while pending or running:
            while pending and len(running) < width:
                kind = pending.pop(0)
                lk = _Lock(os.path.join(cdir, f"{kind}s.lock") if cdir else None).__enter__()
                if cdir and _valid(dests[kind], keys[kind]):
                    lk.__exit__()
                    continue
                if cdir:
                    _clean_tmp(dests[kind])
                # cores left idle by the other compilations read byte ranges of this file at once
                parts = max(1, min(4, (os.cpu_count() or 1) // max(1, len(running) + 1 + len(pending))))
                try:
                    proc = _compile_to(world_dir, kind, dests[kind], keys[kind], redirects.get(kind, {}), mode,
                                       parts)
                except BaseException:
                    lk.__exit__()
                    raise
                running.append((kind, proc, lk))
            still = []
            for kind, proc, lk in running:
                if proc.poll() is None:
                    still.append((kind, proc, lk))
                    continue
                err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
                if proc.stderr:
                    proc.stderr.close()
                lk.__exit__()
                if proc.returncode != 0:
                    errors.append(f"{kind}s: exit {proc.returncode}: {err.strip()[-2000:]}")
            running = still
            if running:
                time.sleep(0.05)
    finally:
        for _kind, proc, lk in running:  # interrupted: stop the children
            proc.kill()
            proc.wait()
            if proc.stderr:
                proc.stderr.close()
            lk.__exit__()
    if errors:
        raise RuntimeError("compiling the replay store failed: " + "; ".join(errors))


def compile_world(world_dir: str | os.PathLike) -> dict[str, int]:
    """Compile (or validate) the stores of every kind of a world now, e.g. before copying it with
    hard links (the copies then find a valid cache). Returns the record count per kind."""
    wd = os.path.abspath(os.fspath(world_dir))
    stores = open_stores(wd, ("model", "dataset", "space"), load_redirects(wd))
    counts = {k: len(v) for k, v in stores.items()}
    for st in stores.values():
        st.close()
    return counts


def _main(argv: list[str]) -> int:
    if len(argv) == 1:  # python -c '...' <world_dir>: compile a whole world
        print(orjson.dumps(compile_world(argv[0])).decode())
        return 0
    world_dir, kind, tmp, dest = argv[:4]
    parts = int(argv[4]) if len(argv) > 4 else 1
    key = source_key(world_dir, kind)
    redirects = load_redirects(world_dir).get(kind, {})
    try:
        compile_jsonl(os.path.join(world_dir, f"{kind}s.jsonl"), kind, tmp, redirects, key, parts=parts)
        os.replace(tmp, dest)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
