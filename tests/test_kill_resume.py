"""SIGKILL at random points, resume, compare: a short run of bench/kill_resume.py (the bench runs 24 kills)."""

from __future__ import annotations

import importlib.util
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[1]


def test_a_crawl_killed_at_random_points_ends_identical_to_an_uninterrupted_one(tmp_path):
    spec = importlib.util.spec_from_file_location("kill_resume", ROOT / "bench" / "kill_resume.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)  # type: ignore[union-attr]
    result = mod.main(["--kills", "3", "--models", "2000", "--page-size", "50", "--seed", "9",
                       "--out", str(tmp_path / "kill.json")])
    assert result["total_kills"] >= 3
    assert result["identical"], result["kills"]


def _children(pid: int) -> list[int]:
    out = []
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                fields = (d / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                out.append(int(d.name))
    return out


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_no_page_worker_outlives_a_killed_crawl(tmp_path):
    from hubstudy import replay

    world = tmp_path / "world"
    replay.generate(world, models=6000, datasets=100, spaces=100, seed=2)
    with replay.ReplayServer(world) as srv:
        crawl = subprocess.Popen([sys.executable, "-m", "hubstudy.cli", "crawl", "--endpoint", srv.url, "--data-dir",
                                  str(tmp_path / "data"), "--date", "2026-09-01", "--anonymous", "--no-evals",
                                  "--page-size", "20", "--page-workers", "2"],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            workers: list[int] = []
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and crawl.poll() is None:
                workers = [c for c in _children(crawl.pid) if "spawn_main" in Path(f"/proc/{c}/cmdline").read_text(errors="replace")
                           and "resource_tracker" not in Path(f"/proc/{c}/cmdline").read_text(errors="replace")]
                if len(workers) >= 2 and any((tmp_path / "data").rglob("page-*.parquet")):
                    break
                time.sleep(0.05)
            assert crawl.poll() is None and len(workers) >= 2, "the crawl ended before its page workers were seen"
        finally:
            crawl.send_signal(signal.SIGKILL)
            crawl.wait()
    deadline = time.monotonic() + 15
    while any(_running(p) for p in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(_running(p) for p in workers)
