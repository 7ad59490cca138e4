"""hubstudy benchmarks: one command, figures in bench/results.md (+ bench/results.json).

    python bench/run.py                       # scales 0.1, 0.3, 1.0 of the full Hub (2.5M/1.5M/1.5M)
    python bench/run.py --scales 0.04         # one scale (100k models)
    python bench/run.py --quick               # smoke run: tiny scales, tiny quota world, short window

Every measured step runs as its own subprocess, so its wall time and peak RSS are its own:
``os.wait4`` returns the child's rusage (``ru_maxrss`` in KiB on Linux, user and system CPU).
The replay server (``hubstudy replay serve``) runs in another subprocess, started once per world;
its load time, peak RSS (``VmHWM``) and CPU seconds (``/proc/<pid>/stat``) are read from outside,
its request counters from ``GET /_replay/stats`` (reset with ``POST /_replay/reset-stats``
between steps).

Per scale: generate -> serve -> page-serve latency probe -> [first crawl, baseline] x repeat ->
build -> all analyses -> all reports -> mutate (1% of models changed) + reload -> nightly crawl
-> nightly build. Then a quota-bound crawl of a small world served with ``--quota/--window``,
started on a window boundary, against the floor ``(ceil(requests/q) - 1) * w``.

results.md is rewritten after every step group, so a run that is stopped still leaves figures.
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import json
import math
import os
import platform
import re
import shlex
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import traceback
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
PY = sys.executable
_SCRIPT = Path(PY).parent / "hubstudy"
HUBSTUDY = [str(_SCRIPT)] if _SCRIPT.exists() else [PY, "-m", "hubstudy.cli"]
DATE1, DATE2 = "2026-09-01", "2026-09-02"
TYPES = ("model", "dataset", "space")
PLURAL = {"model": "models", "dataset": "datasets", "space": "spaces"}
PAGE = 1000
GB = 1024.0  # MiB per GiB


def _build_memory_mib() -> float:
    """The build's DuckDB memory limit (``HUBSTUDY_BUILD_MEMORY`` or its default), in MiB."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    from hubstudy.build import build_memory_limit

    value = build_memory_limit()
    num, unit = re.fullmatch(r"([\d.]+)\s*([A-Za-z]+)", value).groups()
    scale = {"b": 1, "kb": 1e3, "mb": 1e6, "gb": 1e9, "tb": 1e12, "kib": 2**10, "mib": 2**20, "gib": 2**30, "tib": 2**40}
    return float(num) * scale[unit.lower()] / 2**20
CLK_TCK = os.sysconf("SC_CLK_TCK")
MAX_EXTRAPOLATION = 10.0  # project figures to the full world only from a scale >= 1/10 of it


class StepFailed(RuntimeError):
    pass


# ----------------------------------------------------------------------------------------
# measuring one subprocess
# ----------------------------------------------------------------------------------------
def _kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def host_busy_s() -> float:
    """CPU seconds all processes of this host have used since boot (``/proc/stat``), 0 if unknown."""
    try:
        with open("/proc/stat") as f:
            v = [int(x) for x in f.readline().split()[1:9]]
        return (v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) / CLK_TCK  # user nice system irq softirq steal
    except (OSError, ValueError, IndexError):
        return 0.0


SETTLE = {"max_s": 0.0}  # set from --settle


def settle(limit: float, busy_below: float = 0.15) -> float:
    """Wait (at most ``limit`` s) until the host is idle: under ``busy_below`` cores busy over one second."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < limit:
        b0 = host_busy_s()
        time.sleep(1.0)
        if host_busy_s() - b0 < busy_below:
            break
    return round(time.monotonic() - t0, 1)


def run_step(name: str, argv: list[str], logs: Path, timeout: float | None = None, wait_idle: bool = True) -> dict[str, Any]:
    """Run ``argv`` to completion; wall time, peak RSS and CPU of that process alone."""
    logs.mkdir(parents=True, exist_ok=True)
    waited = settle(SETTLE["max_s"]) if SETTLE["max_s"] and wait_idle else None
    log = logs / f"{name}.log"
    print(f"  [{time.strftime('%H:%M:%S')}] {name}: {' '.join(shlex.quote(a) for a in _pretty(argv))}", flush=True)
    timer = None
    with open(log, "wb") as fh:
        busy0 = host_busy_s()
        load0 = os.getloadavg()[0]
        t0 = time.monotonic()
        p = subprocess.Popen(argv, stdout=fh, stderr=subprocess.STDOUT, cwd=ROOT, start_new_session=True,
                             env=_env())
        if timeout:
            timer = threading.Timer(timeout, _kill_group, (p.pid,))
            timer.daemon = True
            timer.start()
        try:
            _, status, ru = os.wait4(p.pid, 0)
        except BaseException:
            _kill_group(p.pid)
            p.wait()
            raise
        finally:
            if timer:
                timer.cancel()
        wall = time.monotonic() - t0
        busy = host_busy_s() - busy0
    rc = os.waitstatus_to_exitcode(status)
    p.returncode = rc
    rec = {
        "argv": argv,
        "wall_s": round(wall, 3),
        "peak_rss_mb": round(ru.ru_maxrss / 1024.0, 1),
        "cpu_s": round(ru.ru_utime + ru.ru_stime, 2),
        "user_s": round(ru.ru_utime, 2),
        "sys_s": round(ru.ru_stime, 2),
        "rc": rc,
        "log": str(log),
        # noise: CPU the rest of the host used meanwhile (the replay server included), and the load before
        "others_cpu_s": round(max(0.0, busy - (ru.ru_utime + ru.ru_stime)), 2) if busy else None,
        "load1_before": round(load0, 2),
        "settle_s": waited,
    }
    print(f"      wall {wall:.1f}s  peak RSS {rec['peak_rss_mb']:.0f} MiB  cpu {rec['cpu_s']:.1f}s  rc {rc}", flush=True)
    if rc != 0:
        tail = log.read_text(errors="replace")[-3000:]
        raise StepFailed(f"{name} exited with {rc} (log {log}):\n{tail}")
    return rec


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
    env.setdefault("DO_NOT_TRACK", "1")
    env.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    env.pop("HF_ENDPOINT", None)  # every command names its endpoint
    for k in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        env.pop(k, None)  # loopback only
    return env


def _pretty(argv: list[str]) -> list[str]:
    """argv for display: the interpreter and console script by their short names, paths relative to the repo."""
    out = []
    for a in argv:
        if a == PY:
            a = "python"
        elif a == str(_SCRIPT):
            a = "hubstudy"
        else:
            try:
                p = Path(a)
                if p.is_absolute() and ROOT in p.parents:
                    a = str(p.relative_to(ROOT))
            except (ValueError, OSError):
                pass
        out.append(a)
    return out


def cmdline(argv: list[str]) -> str:
    return " ".join(shlex.quote(a) for a in _pretty(argv))


def summarize(recs: list[dict[str, Any]]) -> dict[str, Any]:
    """Median wall/CPU over repeats, the largest peak RSS, every sample kept."""
    out = dict(recs[-1])
    out["wall_s"] = round(statistics.median(r["wall_s"] for r in recs), 3)
    out["cpu_s"] = round(statistics.median(r["cpu_s"] for r in recs), 2)
    out["peak_rss_mb"] = max(r["peak_rss_mb"] for r in recs)
    out["samples_wall_s"] = [r["wall_s"] for r in recs]
    out["repeats"] = len(recs)
    return out


# ----------------------------------------------------------------------------------------
# the replay server, in its own process
# ----------------------------------------------------------------------------------------
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Replay:
    """``hubstudy replay serve`` in a subprocess, measured from outside."""

    def __init__(self, world: Path, logs: Path, name: str, quota: int | None = None, window: int | None = None):
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.argv = HUBSTUDY + ["replay", "serve", "--world", str(world), "--port", str(self.port)]
        if quota:
            self.argv += ["--quota", str(quota), "--window", str(window)]
        logs.mkdir(parents=True, exist_ok=True)
        self._log = open(logs / f"{name}.log", "wb")
        print(f"  [{time.strftime('%H:%M:%S')}] {name}: {cmdline(self.argv)}", flush=True)
        t0 = time.monotonic()
        self.proc = subprocess.Popen(self.argv, stdout=self._log, stderr=subprocess.STDOUT, cwd=ROOT,
                                     start_new_session=True, env=_env())
        try:
            self._wait_ready(t0)
            self.load_s = round(time.monotonic() - t0, 3)
            self.wait_idle()
            self.warm_s = round(time.monotonic() - t0, 3)
        except BaseException:
            self.stop()
            raise
        mem = self.mem()
        print(f"      ready in {self.load_s:.1f}s (sort orders warm at {self.warm_s:.1f}s), RSS {mem['rss_mb']:.0f} MiB",
              flush=True)

    # -- HTTP ---------------------------------------------------------------------------
    def request(self, method: str, path: str, body: bytes | None = None, timeout: float = 600) -> tuple[int, Any, bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            conn.request(method, path, body=body, headers={"Content-Length": str(len(body or b""))})
            resp = conn.getresponse()
            return resp.status, resp.headers, resp.read()
        finally:
            conn.close()

    def _wait_ready(self, t0: float, limit: float = 3600) -> None:
        while True:
            if self.proc.poll() is not None:
                raise StepFailed(f"replay server exited with {self.proc.returncode} before answering (see {self._log.name})")
            try:
                status, _, _ = self.request("GET", "/_replay/stats", timeout=5)
                if status == 200:
                    return
            except OSError:
                pass
            if time.monotonic() - t0 > limit:
                raise StepFailed("replay server did not answer")
            time.sleep(0.05)

    def stats(self) -> dict[str, Any]:
        status, _, body = self.request("GET", "/_replay/stats")
        if status != 200:
            raise StepFailed(f"/_replay/stats answered {status}")
        return json.loads(body)

    def reset(self) -> None:
        self.request("POST", "/_replay/reset-stats", b"")

    def reload(self) -> float:
        t0 = time.monotonic()
        status, _, body = self.request("POST", "/_replay/reload", b"")
        if status != 200:
            raise StepFailed(f"/_replay/reload answered {status}: {body[:300]!r}")
        return round(time.monotonic() - t0, 3)

    # -- the process from outside ----------------------------------------------------------
    def cpu_s(self) -> float:
        with open(f"/proc/{self.proc.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime, stime

    def mem(self) -> dict[str, float]:
        out = {"rss_mb": 0.0, "hwm_mb": 0.0}
        try:
            with open(f"/proc/{self.proc.pid}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        out["rss_mb"] = round(int(line.split()[1]) / 1024.0, 1)
                    elif line.startswith("VmHWM:"):
                        out["hwm_mb"] = round(int(line.split()[1]) / 1024.0, 1)
        except OSError:
            pass
        return out

    def wait_idle(self, quiet: float = 0.05, every: float = 0.5, limit: float = 3600) -> float:
        """Wait until the server's CPU stays near zero (its background sort-order warm-up is done)."""
        t0 = time.monotonic()
        last = self.cpu_s()
        calm = 0
        while calm < 2 and time.monotonic() - t0 < limit:
            time.sleep(every)
            now = self.cpu_s()
            calm = calm + 1 if now - last < quiet else 0
            last = now
        return round(time.monotonic() - t0, 3)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                _kill_group(self.proc.pid)
                self.proc.wait()
        self._log.close()

    def __enter__(self) -> "Replay":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()


def probe_latency(srv: Replay, fields: list[str], n: int) -> dict[str, Any]:
    """``n`` sequential GETs of 1000-model pages with the crawl's expand fields, following Link next."""
    first = "/api/models?" + urlencode([("sort", "createdAt"), ("limit", str(PAGE))] + [("expand", f) for f in fields])
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=120)
    times: list[float] = []
    sizes: list[int] = []
    items: list[int] = []
    path = first
    items_full = False
    try:
        while len(times) < n:
            t0 = time.perf_counter()
            conn.request("GET", path, headers={"Accept-Encoding": "gzip", "Accept": "application/json"})
            resp = conn.getresponse()
            body = resp.read()
            times.append(time.perf_counter() - t0)
            if resp.status != 200:
                raise StepFailed(f"latency probe: {path[:80]} answered {resp.status}")
            k = body.count(b'"_id":')
            if k < PAGE and items_full:
                times.pop()  # the listing's last, partial page: not a page of 1000
            else:
                sizes.append(len(body))
                items.append(k)
            items_full = items_full or k == PAGE
            m = re.search(r'<([^>]+)>;\s*rel="next"', resp.headers.get("Link", ""))
            if m:
                u = urlsplit(m.group(1))
                path = u.path + (f"?{u.query}" if u.query else "")
            else:
                path = first
    finally:
        conn.close()
    ms = sorted(t * 1000 for t in times)
    med = statistics.median(ms)
    return {
        "requests": n,
        "median_ms": round(med, 1),
        "p90_ms": round(ms[min(len(ms) - 1, math.ceil(0.9 * len(ms)) - 1)], 1),
        "min_ms": round(ms[0], 1),
        "max_ms": round(ms[-1], 1),
        "mean_kb": round(statistics.mean(sizes) / 1024, 1),
        "items_per_page": round(statistics.mean(items), 1),
        "bound_repos_s": round(statistics.mean(items) / (med / 1000), 0) if med else None,
    }


# ----------------------------------------------------------------------------------------
# worlds
# ----------------------------------------------------------------------------------------
def sizes(scale: float, a: argparse.Namespace) -> dict[str, int]:
    return {
        "models": max(100, round(a.full_models * scale)),
        "datasets": max(60, round(a.full_datasets * scale)),
        "spaces": max(60, round(a.full_spaces * scale)),
    }


def world_dir(a: argparse.Namespace, tag: str, n: dict[str, int]) -> Path:
    return Path(a.work) / "worlds" / f"{tag}-m{n['models']}-d{n['datasets']}-s{n['spaces']}-seed{a.seed}"


def ensure_world(a: argparse.Namespace, tag: str, n: dict[str, int], logs: Path) -> tuple[Path, dict[str, Any]]:
    """Generate (measured) the base world, or reuse it with --reuse-worlds."""
    base = world_dir(a, tag, n) / "base"
    man = base / "world.json"
    if a.reuse_worlds and man.exists():
        m = json.loads(man.read_text())
        c = m.get("counts", {})
        if m.get("generation", 0) == 0 and all(c.get(k) == v for k, v in n.items()):
            print(f"  reusing world {base}", flush=True)
            return base, {"reused": True, "argv": [], "wall_s": None, "peak_rss_mb": None}
    if base.exists():
        shutil.rmtree(base)
    base.parent.mkdir(parents=True, exist_ok=True)
    rec = run_step(f"generate-{tag}", HUBSTUDY + ["replay", "generate", "--out", str(base), "--models", str(n["models"]),
                                                   "--datasets", str(n["datasets"]), "--spaces", str(n["spaces"]),
                                                   "--seed", str(a.seed)], logs)
    rec["world_mb"] = round(_du(base) / 2**20, 1)
    return base, rec


def _du(path: Path) -> int:
    total = 0
    for dirpath, _dirs, names in os.walk(path):
        for nm in names:
            try:
                total += os.lstat(os.path.join(dirpath, nm)).st_size
            except OSError:
                pass
    return total


def served_copy(base: Path) -> Path:
    """A hard-linked copy the nightly mutates (mutate replaces files, so the base stays pristine)."""
    served = base.parent / "served"
    if served.exists():
        shutil.rmtree(served)
    shutil.copytree(base, served, copy_function=os.link)
    return served


def world_counts(world: Path) -> dict[str, int]:
    c = json.loads((world / "world.json").read_text())["counts"]
    return {t: int(c[PLURAL[t]]) for t in TYPES}


# ----------------------------------------------------------------------------------------
# crawl figures
# ----------------------------------------------------------------------------------------
def crawl_argv(url: str, data: Path, date: str) -> list[str]:
    return HUBSTUDY + ["crawl", "--endpoint", url, "--data-dir", str(data), "--date", date, "--anonymous"]


def _api_requests(st: dict[str, Any]) -> int:
    k = st["by_kind"]
    return int(k.get("listing", 0) + k.get("detail", 0) + k.get("tree", 0) + k.get("agent_harnesses", 0))


def crawl_figures(rec: dict[str, Any], st: dict[str, Any], data: Path, date: str, expected: dict[str, int],
                  server_cpu: float, counts: dict[str, int]) -> dict[str, Any]:
    """Figures of one crawl; ``repos`` = repos in the world (a nightly lists changed models twice)."""
    listing = {t: int(st["listing_by_type"][t]) for t in TYPES}
    items = {t: int(st["listing_items"][t]) for t in TYPES}
    repos = sum(counts.values())
    state = json.loads((data / "state" / "crawl_state.json").read_text())
    listing_s = {t: (state.get(t, {}).get(date) or {}).get("duration_s") for t in TYPES}
    lsum = sum(v for v in listing_s.values() if v)
    log = Path(rec["log"]).read_text(errors="replace")
    m = re.search(r"parents: (\d+) declared parents not crawled; asked (\d+)", log)
    out = {
        **rec,
        "repos": repos,
        "repos_per_s": round(repos / rec["wall_s"], 1),
        "listing_requests": listing,
        "listing_expected": expected,
        "listing_items": items,
        "listing_s": listing_s,
        "listing_phase_s": round(lsum, 2),
        "listing_repos_per_s": round(repos / lsum, 1) if lsum else None,
        "other_s": round(rec["wall_s"] - lsum, 2),
        "requests_total": int(st["requests_total"]),
        "api_requests": _api_requests(st),
        "by_kind": st["by_kind"],
        "http_429": int(st["http_429"]),
        "status": st["status"],
        "parents_asked": int(m.group(2)) if m else None,
        "cpu_util": round(rec["cpu_s"] / rec["wall_s"], 2),
        "server_cpu_s": round(server_cpu, 2),
        "server_cpu_util": round(server_cpu / rec["wall_s"], 2),
        "others_cpu_s": round(max(0.0, rec["others_cpu_s"] - server_cpu), 2) if rec.get("others_cpu_s") is not None else None,
        "data_mb": round(_du(data) / 2**20, 1),
    }
    out["listing_ok"] = {t: expected[t] <= listing[t] <= expected[t] * 1.01 for t in TYPES}
    out["listing_exact"] = all(listing[t] == expected[t] for t in TYPES)
    return out


def measured(srv: Replay, fn):
    """Reset the server counters, run ``fn``, return (its result, server stats, server CPU seconds)."""
    srv.reset()
    c0 = srv.cpu_s()
    res = fn()
    c1 = srv.cpu_s()
    return res, srv.stats(), c1 - c0


def _nightly_phases(log_path: str) -> dict[str, float]:
    """Seconds of each phase of a `hubstudy nightly` log.

    Each step logs as it finishes (the build's and the reports' summaries come last), so a phase
    runs from the previous phase's last log line to its own last one; the Prefect temporary server
    from its "Starting" line to the flow's "Beginning". A phase that logs nothing counts in the next.
    """
    words = {"models": "crawl", "datasets": "crawl", "spaces": "crawl", "parents": "parents", "evals": "evals",
             "build": "build", "reports": "reports"}
    last: dict[str, int] = {}
    start = begin = None
    for line in Path(log_path).read_text(errors="replace").splitlines():
        m = re.match(r"(\d\d):(\d\d):(\d\d) (\w+)", line)
        if not m:
            continue
        t = int(m.group(1)) * 3600 + int(m.group(2)) * 60 + int(m.group(3))
        word = m.group(4)
        if word == "Starting" and start is None:
            start = t
        elif word == "Beginning" and begin is None:
            begin = t
        elif word in words:
            last[words[word]] = t  # dicts keep first-insertion order: the phases' order
    out: dict[str, float] = {}
    if start is not None and begin is not None:
        out["prefect_start"] = float((begin - start) % 86400)
    prev = begin if begin is not None else start
    for phase, t in last.items():
        if prev is not None:
            out[phase] = float((t - prev) % 86400)
        prev = t
    return out


def _build_steps(log_path: str) -> dict[str, float]:
    return {m.group(1): float(m.group(2)) for m in re.finditer(r"build: (\w+) \(([\d.]+)s\)", Path(log_path).read_text(errors="replace"))}


def _last_json(log_path: str) -> dict[str, Any]:
    for line in reversed(Path(log_path).read_text(errors="replace").splitlines()):
        line = line.strip()
        if line.startswith("{") and line.endswith("}"):
            try:
                return json.loads(line)
            except ValueError:
                continue
    return {}


# ----------------------------------------------------------------------------------------
# one scale
# ----------------------------------------------------------------------------------------
def run_scale(a: argparse.Namespace, scale: float, res: dict[str, Any], save) -> None:
    from hubstudy.crawl import HEAVY_FIELDS, LIGHT_FIELDS

    tag = f"s{scale:g}"
    n = sizes(scale, a)
    out: dict[str, Any] = {"scale": scale, "sizes": n, "steps": {}, "status": "running"}
    res["scales"].append(out)
    steps = out["steps"]
    run = Path(a.work) / "runs" / tag
    if run.exists():
        shutil.rmtree(run)
    logs = run / "logs"
    print(f"\n== scale {scale:g}: {n['models']:,} models, {n['datasets']:,} datasets, {n['spaces']:,} spaces", flush=True)
    try:
        base, steps["generate"] = ensure_world(a, tag, n, logs)
        save()
        world = served_copy(base)
        counts = world_counts(world)
        out["counts"] = counts
        out["repos"] = sum(counts.values())
        srv = Replay(world, logs, "serve")
        try:
            mem = srv.mem()
            steps["server"] = {"argv": srv.argv, "load_s": srv.load_s, "warm_s": srv.warm_s, "rss_after_load_mb": mem["rss_mb"]}
            fields = list(LIGHT_FIELDS["model"]) + list(HEAVY_FIELDS["model"])
            steps["latency"] = probe_latency(srv, fields, a.latency_requests)
            print(f"      page latency median {steps['latency']['median_ms']} ms, p90 {steps['latency']['p90_ms']} ms "
                  f"({steps['latency']['mean_kb']} KiB/page)", flush=True)
            save()

            expected1 = {t: math.ceil(counts[t] / PAGE) for t in TYPES}
            crawls, bases = [], []
            data = None
            for r in range(a.repeat):
                sfx = f"-r{r + 1}" if a.repeat > 1 else ""
                d = run / f"data{sfx}"
                if data is not None and data != d and data.exists():
                    shutil.rmtree(data)  # keep the last repeat's data for the build
                data = d
                rec, st, scpu = measured(srv, lambda: run_step(f"crawl1{sfx}", crawl_argv(srv.url, d, DATE1), logs))
                crawls.append(crawl_figures(rec, st, d, DATE1, expected1, scpu, counts))
                save_partial(steps, "crawl1", crawls)
                save()
                if not a.skip_baseline:
                    skip = baseline_guard(a, res, out)
                    if skip:
                        steps["baseline"] = {"skipped": skip}
                    else:
                        bdb = run / "baseline.duckdb"
                        argv = [PY, str(BENCH / "baseline.py"), "--endpoint", srv.url, "--db", str(bdb),
                                "--model-expand", ",".join(fields),
                                "--dataset-expand", ",".join(LIGHT_FIELDS["dataset"] + HEAVY_FIELDS["dataset"]),
                                "--space-expand", ",".join(LIGHT_FIELDS["space"] + HEAVY_FIELDS["space"])]
                        rec, st, scpu = measured(srv, lambda: run_step(f"baseline{sfx}", argv, logs))
                        inner = _last_json(rec["log"])
                        repos = sum(int(st["listing_items"][t]) for t in TYPES)
                        bases.append({**rec, "repos": repos, "repos_per_s": round(repos / rec["wall_s"], 1),
                                      "listing_requests": st["listing_by_type"], "requests_total": st["requests_total"],
                                      "http_429": st["http_429"], "inner": inner,
                                      "list_s": round(sum(inner.get("list_s", {}).values()), 2) if inner else None,
                                      "duckdb_s": round(sum(inner.get("duckdb_s", {}).values()), 2) if inner else None,
                                      "server_cpu_s": round(scpu, 2), "cpu_util": round(rec["cpu_s"] / rec["wall_s"], 2),
                                      "others_cpu_s": round(max(0.0, (rec.get("others_cpu_s") or 0) - scpu), 2),
                                      "db_mb": round(bdb.stat().st_size / 2**20, 1) if bdb.exists() else None})
                        save_partial(steps, "baseline", bases)
                        if bdb.exists():
                            bdb.unlink()
                        save()
            c1 = steps["crawl1"]
            if bases:
                b = steps["baseline"]
                out["baseline_ratio"] = {
                    "throughput": round(c1["repos_per_s"] / b["repos_per_s"], 2),
                    "wall": round(b["wall_s"] / c1["wall_s"], 2),
                    "listing_only": round(b["list_s"] / c1["listing_phase_s"], 2) if b.get("list_s") and c1["listing_phase_s"] else None,
                    "peak_rss": round(c1["peak_rss_mb"] / b["peak_rss_mb"], 2),
                    "requests": round(c1["api_requests"] / max(1, b["requests_total"]), 2),
                }
                print(f"      hubstudy/baseline throughput ratio {out['baseline_ratio']['throughput']}x", flush=True)
            if a.whole_nightly and (a.reports_at == "all" or scale == max(a.scale_list)):
                # what a user runs and times from outside: `hubstudy nightly` as one process (Prefect flow:
                # crawl, parents, evals, build, reports), on a data directory of its own
                wd, wr = run / "data-nightly", run / "reports-nightly"
                argv = HUBSTUDY + ["nightly", "--endpoint", srv.url, "--data-dir", str(wd), "--reports-dir", str(wr),
                                   "--date", DATE1, "--anonymous"]
                rec, st, scpu = measured(srv, lambda: run_step("nightly1", argv, logs))
                repos = sum(int(st["listing_items"][t]) for t in TYPES)
                steps["nightly1"] = {**rec, "repos": repos, "listing_requests": st["listing_by_type"],
                                     "requests_total": st["requests_total"], "server_cpu_s": round(scpu, 2),
                                     "phases": _nightly_phases(rec["log"])}
                if out.get("baseline_ratio"):
                    out["baseline_ratio"]["whole_nightly_wall"] = round(steps["baseline"]["wall_s"] / rec["wall_s"], 2)
                for x in (wd, wr):
                    shutil.rmtree(x, ignore_errors=True)
                save()
            steps["server"]["rss_after_crawls_mb"] = srv.mem()["rss_mb"]
            mode = a.nightly_server
            if mode == "auto":
                # a reload holds the old and the new world at once: restart instead when that may not fit
                avail = _meminfo().get("MemAvailable", 0) / 1024.0
                mode = "reload" if avail > srv.mem()["rss_mb"] * 1.2 + 4096 else "restart"
            first_peak = None
            if mode == "restart":
                # the build does not need the server: give its memory back to the build, start it again for the night
                first_peak = srv.mem()["hwm_mb"]
                srv.stop()

            db = data / "hub.duckdb"
            reports = run / "reports"
            builds, analyses, reps = [], [], []
            for r in range(a.repeat):
                sfx = f"-r{r + 1}" if a.repeat > 1 else ""
                rec = run_step(f"build1{sfx}", HUBSTUDY + ["build", "--data-dir", str(data), "--date", DATE1], logs)
                builds.append({**rec, "steps": _build_steps(rec["log"]), "db_mb": round(db.stat().st_size / 2**20, 1)})
                save_partial(steps, "build1", builds)
                rec = run_step(f"analyses{sfx}", [PY, str(BENCH / "analyses.py"), "--db", str(db)], logs)
                inner = _last_json(rec["log"])
                slow = sorted(((v["s"], k) for k, v in inner.get("views", {}).items()), reverse=True)[:5]
                analyses.append({**rec, "n_views": inner.get("n_views"), "slowest": [[k, s] for s, k in slow],
                                 "failed": inner.get("failed", {})})
                save_partial(steps, "analyses", analyses)
                if a.reports_at == "all" or scale == max(a.scale_list):
                    rec = run_step(f"reports{sfx}", HUBSTUDY + ["reports", "--data-dir", str(data), "--reports-dir",
                                                                str(reports)], logs)
                    m = re.search(r"(\d+) files; open", Path(rec["log"]).read_text(errors="replace"))
                    reps.append({**rec, "files": int(m.group(1)) if m else None})
                    save_partial(steps, "reports", reps)
                else:
                    steps["reports"] = {"skipped": "--reports-at largest"}
                save()
            if steps["reports"].get("wall_s") is not None:
                out["build_analyses_reports_s"] = round(steps["build1"]["wall_s"] + steps["analyses"]["wall_s"]
                                                        + steps["reports"]["wall_s"], 2)

            # the next night: 1% of models changed
            changed = max(1, round(counts["model"] * a.changed_fraction))
            steps["mutate"] = run_step("mutate", HUBSTUDY + ["replay", "mutate", "--world", str(world), "--changed",
                                                             str(changed), "--new", "0"], logs)
            steps["mutate"]["changed"] = changed
            if mode == "reload":
                c_before = srv.cpu_s()
                reload_s = srv.reload()
                idle = srv.wait_idle()
                mem = srv.mem()
                steps["reload"] = {"mode": "reload", "reload_s": reload_s, "warm_s": round(reload_s + idle, 2),
                                   "rss_after_mb": mem["rss_mb"], "server_cpu_s": round(srv.cpu_s() - c_before, 2)}
            else:
                srv = Replay(world, logs, "serve-night2")
                steps["reload"] = {"mode": "restart", "reload_s": srv.load_s, "warm_s": srv.warm_s,
                                   "rss_after_mb": srv.mem()["rss_mb"], "server_cpu_s": round(srv.cpu_s(), 2),
                                   "first_server_peak_mb": first_peak}
            save()
            counts2 = world_counts(world)
            expected2 = {"model": math.ceil(counts2["model"] / PAGE) + math.ceil(changed / PAGE),
                         "dataset": math.ceil(counts2["dataset"] / PAGE), "space": math.ceil(counts2["space"] / PAGE)}
            rec, st, scpu = measured(srv, lambda: run_step("crawl2", crawl_argv(srv.url, data, DATE2), logs))
            steps["crawl2"] = crawl_figures(rec, st, data, DATE2, expected2, scpu, counts2)
            steps["crawl2"]["changed"] = changed
            mem = srv.mem()
            steps["server"]["peak_rss_mb"] = max(mem["hwm_mb"], first_peak or 0)
            steps["server"]["rss_end_mb"] = mem["rss_mb"]
            srv.stop()  # the nightly build does not need it
            save()
            rec = run_step("build2", HUBSTUDY + ["build", "--data-dir", str(data), "--date", DATE2], logs)
            steps["build2"] = {**rec, "steps": _build_steps(rec["log"]), "db_mb": round(db.stat().st_size / 2**20, 1),
                               "incremental": "build: incremental" in Path(rec["log"]).read_text(errors="replace")}
            if out.get("build_analyses_reports_s") is not None and rec.get("wall_s") is not None:
                # the recurring case: a nightly (incremental) build, then the same analyses and reports
                out["nightly_build_analyses_reports_s"] = round(rec["wall_s"] + steps["analyses"]["wall_s"]
                                                                + steps["reports"]["wall_s"], 2)
        finally:
            srv.stop()
        out["status"] = "complete"
    except StepFailed as exc:
        out["status"] = "failed"
        out["error"] = str(exc)[-3000:]
        print(f"  FAILED: {str(exc)[:2000]}", flush=True)
    finally:
        served = world_dir(a, tag, n) / "served"
        if served.exists():
            shutil.rmtree(served)
        if not a.reuse_worlds and (world_dir(a, tag, n)).exists():
            shutil.rmtree(world_dir(a, tag, n))
        save()


def save_partial(steps: dict[str, Any], name: str, recs: list[dict[str, Any]]) -> None:
    steps[name] = summarize(recs) if len(recs) > 1 else dict(recs[0], samples_wall_s=[recs[0]["wall_s"]], repeats=1)
    if len(recs) > 1:
        for k in ("repos_per_s",):
            if k in recs[0]:
                steps[name][k] = round(steps[name]["repos"] / steps[name]["wall_s"], 1)


def baseline_guard(a: argparse.Namespace, res: dict[str, Any], out: dict[str, Any]) -> str | None:
    """Skip the baseline when its projected peak RSS would not fit in memory (it holds every repo in a list)."""
    done = [(s["repos"], s["steps"]["baseline"]["peak_rss_mb"]) for s in res["scales"]
            if s is not out and isinstance(s.get("steps", {}).get("baseline"), dict) and "peak_rss_mb" in s["steps"]["baseline"]]
    if not done:
        return None
    repos, rss = max(done)
    projected = rss * out["repos"] / repos
    avail = _meminfo().get("MemAvailable", 0) / 1024.0
    if avail and projected > 0.8 * avail:
        return f"projected peak RSS {projected / GB:.1f} GiB (linear from {repos:,} repos) > 80% of available {avail / GB:.1f} GiB"
    return None


# ----------------------------------------------------------------------------------------
# the quota-bound crawl
# ----------------------------------------------------------------------------------------
def run_quota(a: argparse.Namespace, res: dict[str, Any], save) -> None:
    n = sizes(a.quota_scale, a)
    q, w = a.quota, a.quota_window
    out: dict[str, Any] = {"scale": a.quota_scale, "sizes": n, "quota": q, "window_s": w, "status": "running"}
    res["quota"] = out
    tag = f"q{a.quota_scale:g}"
    run = Path(a.work) / "runs" / tag
    if run.exists():
        shutil.rmtree(run)
    logs = run / "logs"
    print(f"\n== quota-bound crawl: {n['models']:,} models, {n['datasets']:,} datasets, {n['spaces']:,} spaces; "
          f"quota {q} per {w}s", flush=True)
    try:
        base, out["generate"] = ensure_world(a, tag, n, logs)
        counts = world_counts(base)
        out["counts"] = counts
        with Replay(base, logs, "serve", quota=q, window=w) as srv:
            out["server"] = {"argv": srv.argv, "load_s": srv.load_s}
            srv.reset()
            waited = settle(SETTLE["max_s"]) if SETTLE["max_s"] else None
            # start on a window boundary: the floor (ceil(requests/q) - 1) * w counts whole windows
            now = time.time()
            time.sleep((math.floor(now / w) + 1) * w - now + 0.01)
            data = run / "data"
            rec, st, scpu = measured(srv, lambda: run_step("crawl-quota", crawl_argv(srv.url, data, DATE1), logs,
                                                               wait_idle=False))
            expected = {t: math.ceil(counts[t] / PAGE) for t in TYPES}
            fig = crawl_figures(rec, st, data, DATE1, expected, scpu, counts)
            fig["settle_s"] = waited
            reqs = fig["api_requests"]
            windows = math.ceil(reqs / q)
            floor = (windows - 1) * w
            log = Path(rec["log"]).read_text(errors="replace")
            waits = re.findall(r"rate-limit waits (\d+)", log)
            out.update({
                "crawl": fig,
                "api_requests": reqs,
                "windows": windows,
                "floor_s": floor,
                "wall_s": rec["wall_s"],
                "ratio": round(rec["wall_s"] / floor, 4) if floor else None,
                "over_floor_s": round(rec["wall_s"] - floor, 2),
                "http_429": int(st["http_429"]),
                "rate_limit_waits_logged": int(waits[-1]) if waits else None,
            })
            if floor:
                print(f"      {reqs} requests, floor {floor}s, wall {rec['wall_s']:.1f}s, ratio {out['ratio']:.3f}, "
                      f"429s {out['http_429']}", flush=True)
        out["status"] = "complete"
    except StepFailed as exc:
        out["status"] = "failed"
        out["error"] = str(exc)[-3000:]
        print(f"  FAILED: {str(exc)[:2000]}", flush=True)
    finally:
        if not a.reuse_worlds and world_dir(a, tag, n).exists():
            shutil.rmtree(world_dir(a, tag, n))
        save()


# ----------------------------------------------------------------------------------------
# machine
# ----------------------------------------------------------------------------------------
def _meminfo() -> dict[str, int]:
    out = {}
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                k, v = line.split(":", 1)
                out[k] = int(v.split()[0])
    except OSError:
        pass
    return out


# A fixed workload timed at the start and the end of a run: the host's speed, which the noise
# gauge (other processes' CPU) cannot see when the slowdown comes from outside this machine (a
# shared hypervisor). Unchanged code once ran 1.3-1.7x slower between two runs of one day with the
# gauge reading "quiet"; the workload's time tells such runs apart. DuckDB on every core (as the
# build runs) and a pure-Python loop (as the crawl's parsing runs), each the best of three.
_CALIBRATION = """
import sys, time, duckdb
con = duckdb.connect()
def best(f):
    out = []
    for _ in range(3):
        t = time.perf_counter(); f(); out.append(time.perf_counter() - t)
    return min(out)
def py():
    x = 0
    for i in range(3_000_000):
        x += i * i
db = best(lambda: con.execute("SELECT sum(hash(i) % 1000) FROM range(60000000) t(i)").fetchall())
print(round(db, 3), round(best(py), 3))
"""


def host_speed() -> dict[str, Any] | None:
    """Seconds the calibration workload took here now: {"duckdb_s", "python_s"} (None if it failed)."""
    try:
        p = subprocess.run([sys.executable, "-c", _CALIBRATION], capture_output=True, text=True, timeout=300)
        db, py = (float(x) for x in p.stdout.split())
        return {"duckdb_s": db, "python_s": py}
    except (OSError, ValueError, subprocess.SubprocessError):
        return None


def machine() -> dict[str, Any]:
    cpu = platform.processor() or ""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    versions = {}
    from importlib.metadata import PackageNotFoundError, version

    for pkg in ("hubstudy", "huggingface_hub", "httpx", "duckdb", "pyarrow", "orjson", "altair", "vl-convert-python", "prefect"):
        try:
            versions[pkg] = version(pkg)
        except PackageNotFoundError:
            versions[pkg] = None
    git = {}
    try:
        git["commit"] = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                                       text=True).stdout.strip()
        dirty = [line for line in subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT,
                                                 capture_output=True, text=True).stdout.splitlines() if line.strip()]
        git["dirty_files"] = len(dirty)
        git["modified"] = [line[3:] for line in dirty]
        diff = subprocess.run(["git", "diff", "HEAD"], cwd=ROOT, capture_output=True).stdout
        git["diff_sha1"] = hashlib.sha1(diff).hexdigest()[:12] if diff else None
    except OSError:
        pass
    mi = _meminfo()
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "cores_usable": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "ram_gib": round(mi.get("MemTotal", 0) / 2**20, 1),
        "ram_available_gib": round(mi.get("MemAvailable", 0) / 2**20, 1),
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "packages": versions,
        "git": git,
        "loadavg_at_start": [round(x, 2) for x in os.getloadavg()] if hasattr(os, "getloadavg") else None,
        # settings that change what is measured (a whitelist: never a token)
        "env": {k: os.environ[k] for k in ("HUBSTUDY_REPLAY_STORE", "PYTHONHASHSEED") if k in os.environ},
    }


# ----------------------------------------------------------------------------------------
# targets, linearity, report
# ----------------------------------------------------------------------------------------
LIN_STEPS = [("generate", "generate"), ("server", "replay server (load / peak RSS)"), ("crawl1", "first crawl"), ("baseline", "baseline"),
             ("build1", "build"), ("analyses", "all analyses"), ("reports", "all reports"), ("mutate", "mutate"),
             ("crawl2", "nightly crawl"), ("build2", "nightly build")]


def _wall(step: dict[str, Any] | None) -> float | None:
    if not isinstance(step, dict):
        return None
    return step.get("wall_s") if step.get("wall_s") is not None else step.get("load_s")


def _rss(step: dict[str, Any] | None) -> float | None:
    if not isinstance(step, dict):
        return None
    return step.get("peak_rss_mb") if step.get("peak_rss_mb") is not None else step.get("rss_after_load_mb")


def _fit(points: list[tuple[float, float]]) -> tuple[float, float] | None:
    """Least squares y = a + b*x."""
    if len(points) < 2:
        return None
    xs, ys = zip(*points)
    mx, my = statistics.mean(xs), statistics.mean(ys)
    sxx = sum((x - mx) ** 2 for x in xs)
    if not sxx:
        return None
    b = sum((x - mx) * (y - my) for x, y in points) / sxx
    return my - b * mx, b


def project(res: dict[str, Any], getter, at: float = 1.0) -> tuple[float | None, float | None, str]:
    """(value measured at full size, or projected to it; the largest scale measured; how)."""
    pts = []
    for s in res["scales"]:
        v = getter(s)
        if v is not None:
            pts.append((s["scale"], v))
    if not pts:
        return None, None, "not measured"
    for sc, v in pts:
        if abs(sc - at) < 1e-9:
            return v, sc, "measured"
    largest = max(pts)[0]
    if at / largest > MAX_EXTRAPOLATION:
        return None, largest, f"largest scale {largest:g} is too small to project to {at:g}"
    f = _fit(pts)
    if f is not None:
        a0, b = f
        return max(a0 + b * at, max(pts)[1]), largest, f"projected (linear fit over {len(pts)} scales)"
    sc, v = pts[0]
    return v * at / sc, sc, "projected (proportional)"


def linearity(res: dict[str, Any]) -> dict[str, Any]:
    done = [s for s in res["scales"] if s.get("steps")]
    out: dict[str, Any] = {}
    if len(done) < 2:
        return out
    lo, hi = min(done, key=lambda s: s["scale"]), max(done, key=lambda s: s["scale"])
    for key, _label in LIN_STEPS:
        w0, w1 = _wall(lo["steps"].get(key)), _wall(hi["steps"].get(key))
        r0, r1 = _rss(lo["steps"].get(key)), _rss(hi["steps"].get(key))
        k = math.log(hi["scale"] / lo["scale"])
        out[key] = {
            "wall_exponent": round(math.log(w1 / w0) / k, 2) if w0 and w1 else None,
            "rss_exponent": round(math.log(r1 / r0) / k, 2) if r0 and r1 else None,
            "from": lo["scale"], "to": hi["scale"],
        }
    return out


def targets(res: dict[str, Any], a: argparse.Namespace) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    scales = [s for s in res["scales"] if s.get("steps")]

    def row(name, threshold, measured, at, status, note=""):
        rows.append({"target": name, "threshold": threshold, "measured": measured, "at": at, "status": status, "note": note})

    # 1. throughput vs baseline
    rat = [(s["scale"], s["baseline_ratio"]["throughput"]) for s in scales if s.get("baseline_ratio")]
    if rat:
        sc, r = max(rat)
        row("crawl throughput vs baseline", ">= 3x", f"{r:.2f}x", f"{sc:g}", "PASS" if r >= 3 else "MISS",
            "all scales: " + ", ".join(f"{s:g}: {x:.2f}x" for s, x in rat))
    else:
        row("crawl throughput vs baseline", ">= 3x", "-", "-", "n/a", "baseline not run")

    # 2. peak RSS, full world
    def full(name: str, threshold: str, getter, ok, fmt) -> None:
        v, sc, how = project(res, getter)
        if v is not None:
            row(name, threshold, fmt(v), f"{sc:g}", ("PASS" if ok(v) else "MISS") + ("" if how == "measured" else " (proj.)"), how)
        elif sc is not None:
            at = max((s for s in scales if getter(s) is not None), key=lambda s: s["scale"])
            row(name, threshold, f"{fmt(getter(at))} at {sc:g}", f"{sc:g}", "n/a", how)

    gib = lambda v: f"{v / GB:.2f} GiB"  # noqa: E731
    for key, label in (("crawl1", "first crawl"), ("crawl2", "nightly crawl")):
        full(f"peak RSS, {label}, full world", "< 1.5 GiB", lambda s, k=key: _rss(s["steps"].get(k)),
             lambda v: v < 1.5 * GB, gib)
    # The build's memory is what HUBSTUDY_BUILD_MEMORY (DuckDB's limit) allows, plus Python and buffers.
    limit = _build_memory_mib()
    full("peak RSS, build / analyses / reports, full world", f"< build memory limit + 1 GiB ({limit / GB:.1f} + 1 GiB)",
         lambda s: max([_rss(s["steps"].get(k)) or 0 for k in ("build1", "analyses", "reports", "build2")]) or None,
         lambda v: v < limit + 1 * GB, gib)

    # 3-4. listing requests of the first crawl and of the nightly
    for step, label, threshold in (
        ("crawl1", "first crawl listing requests (model/dataset/space)", "within 1% of ceil(n/1000)"),
        ("crawl2", "nightly listing requests (model/dataset/space)", "ceil(models/1000)+ceil(changed/1000), +1%"),
    ):
        bad, detail = [], []
        for s in scales:
            c = s["steps"].get(step)
            if c:
                detail.append(f"{s['scale']:g}: " + "/".join(f"{c['listing_requests'][t]}" for t in TYPES)
                              + " vs " + "/".join(f"{c['listing_expected'][t]}" for t in TYPES))
                bad += [f"{s['scale']:g} {t}" for t in TYPES if not c["listing_ok"][t]]
        if detail:
            row(label, threshold, "; ".join(detail), "all", "PASS" if not bad else "MISS",
                ("off: " + ", ".join(bad)) if bad else "")
    # 5/6. quota
    q = res.get("quota") or {}
    if q.get("status") == "complete":
        if q.get("ratio") is not None:
            row("quota-bound crawl vs floor", "<= 1.05 x floor", f"{q['wall_s']:.1f}s / {q['floor_s']}s = {q['ratio']:.3f}",
                f"{q['scale']:g}", "PASS" if q["ratio"] <= 1.05 else "MISS",
                f"q={q['quota']}/w={q['window_s']}s, {q['api_requests']} requests, {q['windows']} windows")
        else:
            row("quota-bound crawl vs floor", "<= 1.05 x floor", "floor 0 (quota not binding)", f"{q['scale']:g}", "n/a")
        row("429 answers in the quota-bound crawl", "0", str(q["http_429"]), f"{q['scale']:g}",
            "PASS" if q["http_429"] == 0 else "MISS")
    n429 = sum(int((s["steps"].get(k) or {}).get("http_429", 0) or 0) for s in scales for k in ("crawl1", "crawl2"))
    if scales:
        row("429 answers in the unthrottled crawls", "0", str(n429), "all", "PASS" if n429 == 0 else "MISS")
    # 7. build + analyses + reports
    full("build + all analyses + all reports, full world", "< 60 s", lambda s: s.get("build_analyses_reports_s"),
         lambda v: v < 60, lambda v: f"{v:.1f} s")
    full("nightly build + all analyses + all reports, full world", "< 60 s",
         lambda s: s.get("nightly_build_analyses_reports_s"), lambda v: v < 60, lambda v: f"{v:.1f} s")
    # info: the replay server is not what limits the crawl
    for s in scales:
        c, lat = s["steps"].get("crawl1"), s["steps"].get("latency")
        if c and lat and lat.get("bound_repos_s") and c.get("listing_repos_per_s"):
            head = lat["bound_repos_s"] / c["listing_repos_per_s"]
            row("replay server is not the bottleneck (info)", "server CPU < 0.5 core, page bound >= 2x crawl",
                f"server CPU util {c['server_cpu_util']}, bound {lat['bound_repos_s']:,.0f} vs crawl listing "
                f"{c['listing_repos_per_s']:,.0f} repos/s ({head:.1f}x)", f"{s['scale']:g}",
                "OK" if c["server_cpu_util"] < 0.5 and head >= 2 else "CHECK",
                f"crawl client CPU util {c['cpu_util']}")
    # 8. linear growth
    lin = res.get("linearity") or {}
    if lin:
        keys = ["crawl1", "crawl2", "build1", "analyses", "reports", "build2"]
        exps = {k: lin[k]["wall_exponent"] for k in keys if lin.get(k) and lin[k]["wall_exponent"] is not None}
        worst = max(exps.values()) if exps else None
        row("cost grows linearly (wall ~ scale^k)", "k <= 1.1", ", ".join(f"{k} {v:.2f}" for k, v in exps.items()),
            f"{lin[keys[0]]['from']:g}->{lin[keys[0]]['to']:g}", "PASS" if worst is not None and worst <= 1.1 else "MISS",
            "k = log(wall ratio)/log(scale ratio); fixed start-up costs make k < 1 at small scales")
    return rows


def _f(v: Any, fmt: str = "{:,.1f}") -> str:
    if v is None:
        return "-"
    if isinstance(v, (int, float)):
        return fmt.format(v)
    return str(v)


def render(res: dict[str, Any], a: argparse.Namespace) -> str:
    m = res["machine"]
    L: list[str] = []
    L.append("# hubstudy benchmarks\n")
    L.append(f"Run {res['started']} -> {res.get('finished') or '(running / stopped)'}; "
             f"status: **{res.get('status', 'running')}**. Written by `bench/run.py` (raw figures: `{Path(a.out).with_suffix('.json').name}`).\n")
    L.append("Worlds are GENERATED by `hubstudy replay generate` and served over loopback by `hubstudy replay serve`: "
             "the figures measure hubstudy, not the real Hub. Each step is its own process (wall = spawn to exit, "
             "peak RSS = `ru_maxrss` of that process from `os.wait4`).\n")
    L.append("## Machine\n")
    L.append(f"* CPU: {m['cpu']}, {m['cores']} cores ({m['cores_usable']} usable); RAM {m['ram_gib']} GiB "
             f"({m['ram_available_gib']} GiB available at start); {m['os']}; load average at start {m['loadavg_at_start']}")
    L.append(f"* Python {m['python']}; " + ", ".join(f"{k} {v}" for k, v in m["packages"].items() if v))
    g = m["git"]
    L.append(f"* git {g.get('commit')}" + (f" + uncommitted changes (diff sha1 {g.get('diff_sha1')}) in "
                                           + ", ".join(g.get("modified", [])) if g.get("dirty_files") else " (clean tree)"))
    ow = [(x["others_cpu_s"], x["wall_s"]) for sc in res["scales"] for x in sc.get("steps", {}).values()
          if isinstance(x, dict) and x.get("others_cpu_s") is not None and x.get("wall_s")]
    if ow:
        busy = sum(o for o, _ in ow) / sum(w for _, w in ow)
        L.append(f"* **host noise**: during the measured steps other processes kept {busy:.2f} of {m['cores']} cores busy "
                 "on average" + (" -- figures are disturbed; rerun on an idle machine" if busy > 0.25 else " (quiet)"))
    hs = [(when, res.get(key)) for when, key in (("start", "host_speed_start"), ("end", "host_speed_end")) if res.get(key)]
    if hs:
        L.append("* **host speed**: a fixed workload (DuckDB: a hash sum over 60M rows on every core; Python: a loop of 3M "
                 "iterations; best of 3) took " + "; ".join(f"{h['duckdb_s']} s / {h['python_s']} s at the {when}" for when, h in hs)
                 + ". Smaller is faster: compare these with another run's before comparing its figures.")
    if m.get("env"):
        L.append("* environment: " + ", ".join(f"`{k}={v}`" for k, v in m["env"].items()))
    L.append(f"* full size: {a.full_models:,} models, {a.full_datasets:,} datasets, {a.full_spaces:,} spaces; "
             f"scales {', '.join(f'{s:g}' for s in a.scale_list)}; repeat {a.repeat}; seed {a.seed}\n")

    L.append("## Targets\n")
    L.append("| target | threshold | measured | at scale | status | note |")
    L.append("|---|---|---|---|---|---|")
    for t in res.get("targets", []):
        L.append(f"| {t['target']} | {t['threshold']} | {t['measured']} | {t['at']} | **{t['status']}** | {t['note']} |")
    L.append("\n`(proj.)`: the full world was not run; the value is a least-squares line through the measured scales, "
             "evaluated at scale 1.0 (never below the largest measured value).\n")

    scales = [s for s in res["scales"] if s.get("steps")]
    if scales:
        L.append("## Linearity (wall seconds and peak RSS MiB per step and scale)\n")
        hdr = "| step | " + " | ".join(f"{s['scale']:g} ({s.get('repos', 0):,} repos)" for s in scales) + " | exponent k (wall, RSS) |"
        L.append(hdr)
        L.append("|---|" + "---|" * len(scales) + "---|")
        lin = res.get("linearity") or {}
        for key, label in LIN_STEPS:
            cells = []
            for s in scales:
                st = s["steps"].get(key)
                if isinstance(st, dict) and st.get("skipped"):
                    cells.append("skipped")
                    continue
                w, r = _wall(st), _rss(st)
                cells.append("-" if w is None else f"{w:,.1f} s / {_f(r, '{:,.0f}')} MiB")
            lk = lin.get(key) or {}
            L.append(f"| {label} | " + " | ".join(cells) + f" | {_f(lk.get('wall_exponent'), '{:.2f}')}, {_f(lk.get('rss_exponent'), '{:.2f}')} |")
        L.append("| first crawl repos/s | " + " | ".join(_f((s["steps"].get("crawl1") or {}).get("repos_per_s"), "{:,.0f}") for s in scales) + " | |")
        L.append("| baseline repos/s | " + " | ".join(_f((s["steps"].get("baseline") or {}).get("repos_per_s"), "{:,.0f}") for s in scales) + " | |")
        L.append("| hubstudy / baseline throughput | " + " | ".join(_f((s.get("baseline_ratio") or {}).get("throughput"), "{:.2f}x") for s in scales) + " | |")
        L.append("| `hubstudy nightly` whole process | " + " | ".join(_f(_wall(s["steps"].get("nightly1")), "{:,.1f} s") for s in scales) + " | |")
        L.append("| baseline wall / whole nightly wall | " + " | ".join(_f((s.get("baseline_ratio") or {}).get("whole_nightly_wall"), "{:.2f}x") for s in scales) + " | |")
        L.append("| build + analyses + reports | " + " | ".join(_f(s.get("build_analyses_reports_s"), "{:,.1f} s") for s in scales) + " | |")
        L.append("| nightly build + analyses + reports | " + " | ".join(_f(s.get("nightly_build_analyses_reports_s"), "{:,.1f} s") for s in scales) + " | |")
        L.append("\nk = log(wall or RSS ratio) / log(scale ratio) between the smallest and the largest scale: 1 is linear.\n")

    for s in res["scales"]:
        L += render_scale(s)
    q = res.get("quota")
    if q:
        L += render_quota(q)

    L.append("## Commands\n")
    L.append(f"This run: `{res['command']}` (from the repository root).\n")
    L.append("Steps, as run for each scale (`<...>` are per-run paths under the work directory, `URL` the replay's address):\n")
    L.append("```")
    for c in res.get("commands", []):
        L.append(c)
    L.append("```\n")
    L.append("## How each figure is taken\n")
    L.append(HOW)
    return "\n".join(L) + "\n"


HOW = """* **wall / peak RSS / CPU** of a step: `subprocess.Popen` + `os.wait4(pid, 0)`; wall from spawn to exit
  (`time.monotonic`), peak RSS = `ru_maxrss` (KiB on Linux) of that process, CPU = `ru_utime + ru_stime`.
  With `--repeat N` the wall is the median of N runs and the RSS the largest.
* **noise**: before each measured step the harness waits (up to `--settle` s) for the host to go idle; each
  step records the CPU seconds the rest of the host used meanwhile (`other CPU s`, from `/proc/stat`) and the
  load average before it. Figures taken while `other CPU s` is large were disturbed by other work.
* **requests**: the replay server's own counters (`GET /_replay/stats`: `listing_by_type`, `listing_items`,
  `by_kind`, `http_429`), reset (`POST /_replay/reset-stats`) just before each step. `api requests` = listing +
  detail + tree (what the rate limiter counts); resolve (file download) requests are not rate limited.
* **repos/s** = repos in the world / wall of the whole process (start-up, parents, eval
  files and Parquet writes included). "listing phase" = the crawl's own per-type durations
  (`state/crawl_state.json`), i.e. without start-up, parent look-ups and eval downloads.
* **baseline** (`bench/baseline.py`): `list(HfApi(endpoint=URL, token=False).list_models(sort="created_at",
  expand=<the crawl's LIGHT_FIELDS + HEAVY_FIELDS>))`, same for datasets and spaces, then each list ->
  one dict per repo (nested values as JSON text) -> `pyarrow.Table.from_pylist` -> `CREATE TABLE .. AS SELECT *`
  in a DuckDB file. Ratio = hubstudy first-crawl repos/s / baseline repos/s, same world, same server, same run.
* **server**: `hubstudy replay serve` in its own process; load = spawn until `/_replay/stats` answers; warm =
  until its CPU stays idle (sort orders are built in a background thread); peak RSS = `VmHWM`, CPU from
  `/proc/<pid>/stat`. `server CPU util` = server CPU seconds during a crawl / crawl wall (1.0 = one core busy).
  Page latency: sequential keep-alive GETs of `/api/models?sort=createdAt&limit=1000&expand=<crawl fields>`
  following `Link: rel="next"`; `bound` = items per page / median latency, the most a sequential client could get.
* **analyses**: `bench/analyses.py` reads every analysis of the published `hub.duckdb` completely (the
  build computes them into tables, in its `analysis_tables` step), one process; not the raw listing views `*_raw` (every repo's JSON as sent, not an
  analysis; `--raw` reads them too).
* **nightly**: `hubstudy replay mutate --changed <1% of models> --new 0` on a hard-linked copy of the world,
  `POST /_replay/reload` (or, when holding two worlds at once may not fit in memory, the server is stopped
  before the build and started again on the mutated world: `--nightly-server`), then
  `hubstudy crawl --date 2026-09-02`; expected listing requests
  ceil(models/1000) + ceil(changed/1000) for models, ceil(n/1000) for datasets and spaces.
* **quota-bound crawl**: a separate world served with `--quota q --window w`; the crawl is started just after
  a window boundary (windows are fixed, aligned on multiples of w), so its floor is
  `(ceil(api requests / q) - 1) * w`.
"""


def render_scale(s: dict[str, Any]) -> list[str]:
    L = [f"## Scale {s['scale']:g}: {s['sizes']['models']:,} models, {s['sizes']['datasets']:,} datasets, "
         f"{s['sizes']['spaces']:,} spaces ({s.get('status')})\n"]
    if s.get("error"):
        L.append("```\n" + s["error"][-1500:] + "\n```\n")
    st = s["steps"]
    L.append("| step | wall s | peak RSS MiB | CPU s | other CPU s | figures |")
    L.append("|---|---|---|---|---|---|")

    def row(label: str, x: dict[str, Any] | None, fig: str, wall: Any = None) -> None:
        x = x or {}
        L.append(f"| {label} | {_f(wall if wall is not None else x.get('wall_s'))} | {_f(x.get('peak_rss_mb'), '{:,.0f}')} | "
                 f"{_f(x.get('cpu_s'))} | {_f(x.get('others_cpu_s'))} | {fig} |")

    def crawl_fig(c: dict[str, Any]) -> str:
        return (f"{c['repos']:,} repos, **{c['repos_per_s']:,.0f} repos/s** (listing phase {c['listing_phase_s']} s, "
                f"{_f(c.get('listing_repos_per_s'), '{:,.0f}')} repos/s); listing requests "
                + ", ".join(f"{t} {c['listing_requests'][t]} (expected {c['listing_expected'][t]})" for t in TYPES)
                + f"; {c['api_requests']} API requests ({c['by_kind'].get('detail', 0)} detail), 429s {c['http_429']}; "
                f"client CPU util {c['cpu_util']}, server CPU util {c['server_cpu_util']}; data dir {c['data_mb']:,.0f} MiB"
                + (f"; samples {c['samples_wall_s']}" if c.get("repeats", 1) > 1 else ""))

    def build_fig(x: dict[str, Any]) -> str:
        return f"hub.duckdb {x['db_mb']:,.0f} MiB; steps " + ", ".join(f"{k} {v:g}" for k, v in x["steps"].items())

    g = st.get("generate")
    if g:
        row("generate world", g, "reused" if g.get("reused") else f"world {_f(g.get('world_mb'), '{:,.0f}')} MiB on disk")
    sv = st.get("server")
    if sv:
        row("replay server load", {"peak_rss_mb": sv.get("peak_rss_mb") or sv.get("rss_after_load_mb")},
            f"warm (sort orders built) at {_f(sv.get('warm_s'))} s; RSS after load {_f(sv.get('rss_after_load_mb'), '{:,.0f}')} MiB, "
            f"peak (VmHWM over the whole scale) {_f(sv.get('peak_rss_mb'), '{:,.0f}')} MiB", wall=sv.get("load_s"))
    lat = st.get("latency")
    if lat:
        row(f"page-serve latency ({lat['requests']} GETs of 1000 models)", None,
            f"median {lat['median_ms']} ms, p90 {lat['p90_ms']} ms, {lat['mean_kb']} KiB/page; "
            f"bound {_f(lat.get('bound_repos_s'), '{:,.0f}')} repos/s")
    c = st.get("crawl1")
    if c:
        row("**first crawl**", c, crawl_fig(c))
    b = st.get("baseline")
    if b and b.get("skipped"):
        row("baseline", None, f"skipped: {b['skipped']}")
    elif b:
        row("baseline (huggingface_hub list -> DuckDB)", b,
            f"{b['repos']:,} repos, **{b['repos_per_s']:,.0f} repos/s** (listing {b.get('list_s')} s, to DuckDB "
            f"{b.get('duckdb_s')} s); listing requests " + ", ".join(f"{t} {b['listing_requests'][t]}" for t in TYPES)
            + f"; client CPU util {b['cpu_util']}" + (f"; samples {b['samples_wall_s']}" if b.get("repeats", 1) > 1 else ""))
    r = s.get("baseline_ratio")
    if r:
        row("**hubstudy / baseline**", None, f"throughput **{r['throughput']}x**, listing phase only "
            f"{_f(r.get('listing_only'), '{:.2f}x')}, peak RSS ratio {r['peak_rss']}, API request ratio {r['requests']}")
    nw = st.get("nightly1")
    if nw:
        ph = ", ".join(f"{k} ~{v:.0f} s" for k, v in (nw.get("phases") or {}).items())
        row("**`hubstudy nightly`, whole process** (first night, Prefect)", nw,
            f"{nw['repos']:,} repos; phases from its log: {ph}"
            + (f"; **baseline / nightly wall {r['whole_nightly_wall']}x**" if r and r.get("whole_nightly_wall") else ""))
    for k2, lab in (("build1", "build (2026-09-01)"), ("analyses", "all analyses"), ("reports", "all reports")):
        x = st.get(k2)
        if not x:
            continue
        if x.get("skipped"):
            row(lab, None, f"skipped ({x['skipped']})")
        elif k2 == "build1":
            row(lab, x, build_fig(x))
        elif k2 == "analyses":
            fig = f"{x['n_views']} views; slowest " + ", ".join(f"{k} {v:.2f}s" for k, v in x["slowest"])
            row(lab, x, fig + (f"; FAILED {list(x['failed'])}" if x.get("failed") else ""))
        else:
            row(lab, x, f"{x['files']} files")
    if s.get("build_analyses_reports_s") is not None:
        L.append(f"| **build + analyses + reports** | **{s['build_analyses_reports_s']:.1f}** | | | | |")
    mu = st.get("mutate")
    if mu:
        row(f"mutate ({mu['changed']:,} models changed)", mu, "")
    rl = st.get("reload")
    if rl:
        row(f"server {rl.get('mode', 'reload')} (mutated world)", {"cpu_s": rl.get("server_cpu_s")},
            f"warm at {rl['warm_s']} s; RSS after {rl['rss_after_mb']:,.0f} MiB", wall=rl.get("reload_s"))
    c = st.get("crawl2")
    if c:
        row(f"**nightly crawl** ({c.get('changed', 0):,} models changed)", c, crawl_fig(c))
    b2 = st.get("build2")
    if b2:
        kind = {True: "incremental", False: "full"}.get(b2.get("incremental"), "")
        row(f"nightly build (2026-09-02{', ' + kind if kind else ''})", b2, build_fig(b2))
    L.append("\n`other CPU s`: CPU seconds the rest of the host used during the step (`/proc/stat`), the replay "
             "server's own share excluded for crawls and the baseline: a noise gauge (0 on an idle machine).\n")
    return L


def render_quota(q: dict[str, Any]) -> list[str]:
    L = [f"## Quota-bound crawl ({q.get('status')})\n"]
    if q.get("error"):
        L.append("```\n" + q["error"][-1500:] + "\n```\n")
    n = q["sizes"]
    L.append(f"World at scale {q['scale']:g}: {n['models']:,} models, {n['datasets']:,} datasets, {n['spaces']:,} spaces; "
             f"server quota **{q['quota']} requests per {q['window_s']} s** (the free account's 1,000 per 300 s, scaled).\n")
    if q.get("crawl"):
        c = q["crawl"]
        L.append("| figure | value |")
        L.append("|---|---|")
        L.append(f"| API requests (listing {sum(c['listing_requests'].values())}, detail {c['by_kind'].get('detail', 0)}, "
                 f"tree {c['by_kind'].get('tree', 0)}) | {q['api_requests']} |")
        L.append(f"| windows needed | {q['windows']} |")
        L.append(f"| floor = (ceil(requests/q) - 1) * w | {q['floor_s']} s |")
        L.append(f"| wall | {q['wall_s']:.1f} s |")
        L.append(f"| wall / floor | **{_f(q.get('ratio'), '{:.3f}')}** (+{q['over_floor_s']} s) |")
        L.append(f"| 429 answers | **{q['http_429']}** |")
        L.append(f"| peak RSS | {c['peak_rss_mb']:,.0f} MiB |")
    L.append("")
    return L


def commands_list(a: argparse.Namespace) -> list[str]:
    s = a.scale_list[0]
    n = sizes(s, a)
    w, d = "<world>", "<data>"
    return [
        f"hubstudy replay generate --out {w} --models {n['models']} --datasets {n['datasets']} --spaces {n['spaces']} --seed {a.seed}"
        f"   # counts for scale {s:g}",
        f"hubstudy replay serve --world {w} --port <free port>",
        f"hubstudy crawl --endpoint URL --data-dir {d} --date {DATE1} --anonymous",
        "python bench/baseline.py --endpoint URL --db <baseline.duckdb> --model-expand <LIGHT+HEAVY model fields> "
        "--dataset-expand <...> --space-expand <...>",
        f"hubstudy build --data-dir {d} --date {DATE1}",
        f"python bench/analyses.py --db {d}/hub.duckdb",
        f"hubstudy reports --data-dir {d} --reports-dir <reports>",
        f"hubstudy replay mutate --world {w} --changed <1% of models> --new 0   # then POST URL/_replay/reload",
        f"hubstudy crawl --endpoint URL --data-dir {d} --date {DATE2} --anonymous",
        f"hubstudy build --data-dir {d} --date {DATE2}",
        f"hubstudy replay serve --world <quota world> --port <free port> --quota {a.quota} --window {a.quota_window}"
        f"   # quota-bound crawl, scale {a.quota_scale:g}",
        f"hubstudy crawl --endpoint URL --data-dir <quota data> --date {DATE1} --anonymous   # started on a window boundary",
    ]


# ----------------------------------------------------------------------------------------
def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--scales", default=None, help="comma-separated fractions of the full size (default 0.1,0.3,1.0)")
    ap.add_argument("--full-models", type=int, default=2_500_000, help="models at scale 1.0 (default 2,500,000)")
    ap.add_argument("--full-datasets", type=int, default=1_500_000, help="datasets at scale 1.0 (default 1,500,000)")
    ap.add_argument("--full-spaces", type=int, default=1_500_000, help="spaces at scale 1.0 (default 1,500,000)")
    ap.add_argument("--work", default=str(BENCH / "work"), help="worlds, data dirs and logs (default bench/work, git-ignored)")
    ap.add_argument("--out", default=str(BENCH / "results.md"), help="results file, the .json beside it (default bench/results.md)")
    ap.add_argument("--quick", action="store_true", help="smoke run: scales 0.001,0.002, quota world 0.0004 with q=10/w=1 s, reports at the largest scale only")
    ap.add_argument("--skip-baseline", action="store_true", help="do not run the huggingface_hub baseline")
    ap.add_argument("--skip-quota", action="store_true", help="do not run the quota-bound crawl")
    ap.add_argument("--no-whole-nightly", dest="whole_nightly", action="store_false",
                    help="do not time `hubstudy nightly` as one process (crawl + build + reports, Prefect)")
    ap.add_argument("--quota-scale", type=float, default=None, help="world size of the quota-bound crawl (default 0.02)")
    ap.add_argument("--quota", type=int, default=None, help="requests per window for the quota-bound crawl (default 100)")
    ap.add_argument("--quota-window", type=int, default=None, help="window seconds (default 30)")
    ap.add_argument("--reuse-worlds", action="store_true", help="keep generated worlds under --work and reuse them")
    ap.add_argument("--repeat", type=int, default=1, help="runs of crawl/baseline/build/analyses/reports per scale; walls are medians (default 1)")
    ap.add_argument("--changed-fraction", type=float, default=0.01, help="share of models changed for the nightly (default 0.01)")
    ap.add_argument("--latency-requests", type=int, default=None, help="GETs in the page-latency probe (default 30)")
    ap.add_argument("--reports-at", choices=("all", "largest"), default=None,
                    help="write the reports at every scale, or only at the largest (default: all; --quick: largest, "
                         "they cost ~20 s whatever the size)")
    ap.add_argument("--nightly-server", choices=("auto", "reload", "restart"), default="auto",
                    help="after mutate: POST /_replay/reload, or restart the server (auto: reload when twice the "
                         "server's memory fits)")
    ap.add_argument("--settle", type=float, default=None,
                    help="before each measured step, wait up to this many seconds for the host to go idle "
                         "(default 30; --quick: 0)")
    ap.add_argument("--render-only", action="store_true",
                    help="rewrite --out from the .json beside it (after changing how results are shown); runs nothing")
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args(argv)
    if a.quick:
        a.scales = a.scales or "0.001,0.002"
        a.quota_scale = a.quota_scale if a.quota_scale is not None else 0.0004
        a.quota = a.quota or 10
        a.quota_window = a.quota_window or 1
        a.latency_requests = a.latency_requests or 10
        a.reports_at = a.reports_at or "largest"
        a.settle = a.settle if a.settle is not None else 0.0
    a.scales = a.scales or "0.1,0.3,1.0"
    a.quota_scale = a.quota_scale if a.quota_scale is not None else 0.02
    a.quota = a.quota or 100
    a.quota_window = a.quota_window or 30
    a.latency_requests = a.latency_requests or 30
    a.reports_at = a.reports_at or "all"
    a.settle = a.settle if a.settle is not None else 30.0
    a.scale_list = sorted(float(x) for x in a.scales.split(",") if x.strip())
    if not a.scale_list or any(s <= 0 for s in a.scale_list):
        ap.error("--scales takes positive fractions, e.g. 0.1,0.3,1.0")
    if a.repeat < 1:
        ap.error("--repeat must be >= 1")
    a.work = str(Path(a.work).resolve())
    a.out = str(Path(a.out).resolve())
    return a


def main(argv: list[str] | None = None) -> int:
    a = parse_args(argv)
    if a.render_only:
        out_md = Path(a.out)
        res = json.loads(out_md.with_suffix(".json").read_text())
        ra = argparse.Namespace(**{**vars(a), **res["args"]})
        res["linearity"] = linearity(res)
        res["targets"] = targets(res, ra)
        out_md.with_suffix(".json").write_text(json.dumps(res, indent=1, default=str))
        out_md.write_text(render(res, ra))
        print(f"rewrote {out_md}")
        return 0
    SETTLE["max_s"] = a.settle
    Path(a.work).mkdir(parents=True, exist_ok=True)
    out_md = Path(a.out)
    out_json = out_md.with_suffix(".json")
    res: dict[str, Any] = {
        "started": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "finished": None,
        "status": "running",
        "command": "python bench/run.py " + " ".join(shlex.quote(x) for x in (argv if argv is not None else sys.argv[1:])),
        "args": {k: v for k, v in vars(a).items()},
        "machine": machine(),
        "host_speed_start": host_speed(),
        "host_speed_end": None,
        "commands": commands_list(a),
        "scales": [],
        "quota": None,
    }

    def save() -> None:
        res["linearity"] = linearity(res)
        res["targets"] = targets(res, a)
        out_md.parent.mkdir(parents=True, exist_ok=True)
        tmp = out_json.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(res, indent=1, default=str))
        os.replace(tmp, out_json)
        tmp = out_md.with_suffix(".md.tmp")
        tmp.write_text(render(res, a))
        os.replace(tmp, out_md)

    print(f"hubstudy bench: scales {a.scale_list}, work {a.work}, results {out_md}", flush=True)
    save()
    try:
        if not a.skip_quota:
            run_quota(a, res, save)
        for scale in a.scale_list:
            run_scale(a, scale, res, save)
        failed = [s["scale"] for s in res["scales"] if s.get("status") != "complete"]
        if res.get("quota") and res["quota"].get("status") != "complete":
            failed.append("quota")
        res["status"] = "complete" if not failed else f"failed: {failed}"
    except KeyboardInterrupt:
        res["status"] = "interrupted"
        print("\ninterrupted: figures so far are in " + str(out_md), flush=True)
    except Exception:
        res["status"] = "error: " + traceback.format_exc()[-1500:]
        raise
    finally:
        res["host_speed_end"] = host_speed()
        res["finished"] = datetime.now(timezone.utc).isoformat(timespec="seconds")
        save()
        print(f"\nresults: {out_md} and {out_json}", flush=True)
        for t in res.get("targets", []):
            print(f"  {t['status']:<14} {t['target']}: {t['measured']} ({t['threshold']})", flush=True)
    return 0 if res["status"] == "complete" else 1


if __name__ == "__main__":
    sys.exit(main())
