"""Crash safety: SIGKILL `hubstudy crawl` at random points, resume, and compare with an uninterrupted crawl.

    python bench/kill_resume.py --kills 24 --models 6000 --seed 3

For each trial a fresh data directory is crawled from the same replay world; the crawl process is
killed with SIGKILL after a random delay (sometimes several times in a row), then run again until
it finishes. The database built from it must equal, table by table, the one built from a crawl
that was never interrupted: no repo lost, none doubled. Results go to bench/results/kill_resume.json.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from hubstudy import replay  # noqa: E402
from hubstudy.build import build  # noqa: E402

DATE = "2026-09-01"
# table -> columns that must be identical (run bookkeeping like crawl_runs legitimately differs)
COMPARE = {
    "models": "id, sha, downloads_30d, likes, created_at, last_modified, n_parents, relation, card_data::VARCHAR, model_index::VARCHAR",
    "datasets": "id, sha, downloads_30d, likes",
    "spaces": "id, sha, likes, sdk",
    "lineage": "child_id, parent_id, relation, source, parent_exists",
    "model_family": "id, root_id, depth, in_cycle",
    "model_snapshots": "snapshot_date, id, downloads_30d, likes",
    "quarantine": "stage, repo_type, id, reason, detail",
}


PAGE_WORKERS = 2  # page worker processes of the killed crawls (--page-workers)


def crawl_cmd(endpoint: str, data: Path, page_size: int) -> list[str]:
    return [sys.executable, "-m", "hubstudy.cli", "crawl", "--endpoint", endpoint, "--data-dir", str(data),
            "--date", DATE, "--anonymous", "--page-size", str(page_size), "--no-evals",
            "--page-workers", str(PAGE_WORKERS)]


def run_to_completion(endpoint: str, data: Path, page_size: int) -> None:
    p = subprocess.run(crawl_cmd(endpoint, data, page_size), capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError(f"crawl failed: {p.stderr[-2000:]}")


def kill_once(endpoint: str, data: Path, page_size: int, delay: float) -> bool:
    """Start a crawl and SIGKILL it after ``delay`` seconds; True if it was still running."""
    p = subprocess.Popen(crawl_cmd(endpoint, data, page_size), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        p.wait(timeout=delay)
        return False
    except subprocess.TimeoutExpired:
        os.kill(p.pid, signal.SIGKILL)
        p.wait()
        return True


def table_diff(a: Path, b: Path) -> dict[str, int]:
    con = duckdb.connect()
    con.execute(f"ATTACH '{a}' AS a (READ_ONLY)")
    con.execute(f"ATTACH '{b}' AS b (READ_ONLY)")
    out = {}
    for table, cols in COMPARE.items():
        n = con.execute(
            f"SELECT (SELECT count(*) FROM (SELECT {cols} FROM a.{table} EXCEPT ALL SELECT {cols} FROM b.{table})) + "
            f"(SELECT count(*) FROM (SELECT {cols} FROM b.{table} EXCEPT ALL SELECT {cols} FROM a.{table}))"
        ).fetchone()[0]
        out[table] = int(n)
    return out


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--kills", type=int, default=24)
    ap.add_argument("--models", type=int, default=6000)
    ap.add_argument("--page-size", type=int, default=100)
    ap.add_argument("--seed", type=int, default=3)
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "kill_resume.json"))
    ap.add_argument("--page-workers", type=int, default=2, help="page worker processes of each crawl (default 2)")
    a = ap.parse_args(argv)
    global PAGE_WORKERS
    PAGE_WORKERS = a.page_workers
    rng = random.Random(a.seed)
    work = Path(tempfile.mkdtemp(prefix="hubstudy-kill-"))
    world = work / "world"
    replay.generate(world, models=a.models, datasets=a.models // 2, spaces=a.models // 3, seed=a.seed)
    result: dict = {"kills": [], "models": a.models, "page_size": a.page_size, "page_workers": a.page_workers}
    with replay.ReplayServer(world) as srv:
        ref = work / "reference"
        t0 = time.monotonic()
        run_to_completion(srv.url, ref, a.page_size)
        full = time.monotonic() - t0
        build(ref, DATE, analysis_dir=None, emit=lambda s: None)
        result["uninterrupted_crawl_s"] = round(full, 2)
        kills_done, trial = 0, 0
        while kills_done < a.kills:
            trial += 1
            data = work / f"trial-{trial}"
            points = []
            for _ in range(rng.choice((1, 1, 2, 3))):
                delay = rng.uniform(0.05, full * 1.1)
                if kill_once(srv.url, data, a.page_size, delay):
                    points.append(round(delay, 3))
            kills_done += len(points)
            run_to_completion(srv.url, data, a.page_size)
            build(data, DATE, analysis_dir=None, emit=lambda s: None)
            diff = table_diff(ref / "hub.duckdb", data / "hub.duckdb")
            result["kills"].append({"trial": trial, "killed_at_s": points, "differences": diff})
            print(f"trial {trial}: killed at {points} s -> differences {sum(diff.values())}", flush=True)
    result["total_kills"] = sum(len(k["killed_at_s"]) for k in result["kills"])
    result["identical"] = all(sum(k["differences"].values()) == 0 for k in result["kills"])
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    Path(a.out).write_text(json.dumps(result, indent=2))
    print(f"{result['total_kills']} kills over {len(result['kills'])} trials: "
          f"{'identical to the uninterrupted crawl' if result['identical'] else 'DIFFERENCES FOUND'}")
    return result


if __name__ == "__main__":
    sys.exit(0 if main()["identical"] else 1)
