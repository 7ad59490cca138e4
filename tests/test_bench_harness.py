"""The benchmark harness (bench/run.py) end to end at tiny sizes: every figure is there and sane."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TYPES = ("model", "dataset", "space")

pytestmark = pytest.mark.e2e


def test_quick_bench_run_writes_every_figure(tmp_path):
    out = tmp_path / "results.md"
    p = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "run.py"), "--quick", "--work", str(tmp_path / "work"), "--out", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=240,
    )
    assert p.returncode == 0, p.stdout[-4000:] + p.stderr[-4000:]
    res = json.loads(out.with_suffix(".json").read_text())
    assert res["status"] == "complete"

    m = res["machine"]
    assert m["cores"] >= 1 and m["ram_gib"] > 0 and m["cpu"] and m["python"]
    for when in ("start", "end"):  # the host's speed, timed on a fixed workload
        speed = res[f"host_speed_{when}"]
        assert speed["duckdb_s"] > 0 and speed["python_s"] > 0
        assert f"{speed['duckdb_s']} s / {speed['python_s']} s at the {when}" in out.read_text()
    assert m["packages"]["huggingface_hub"] and m["packages"]["duckdb"]

    assert [s["scale"] for s in res["scales"]] == [0.001, 0.002]
    for s in res["scales"]:
        assert s["status"] == "complete", s.get("error")
        st, counts = s["steps"], s["counts"]
        largest = s["scale"] == 0.002
        steps = ["generate", "crawl1", "baseline", "build1", "analyses", "mutate", "crawl2", "build2"]
        # --quick writes the reports (a fixed ~20 s) at the largest scale only
        steps += ["reports"] if largest else []
        assert largest or st["reports"] == {"skipped": "--reports-at largest"}
        for step in steps:
            assert st[step]["wall_s"] > 0, step
            assert 10 < st[step]["peak_rss_mb"] < 4096, step
            assert st[step]["rc"] == 0, step
        srv = st["server"]
        assert srv["load_s"] > 0 and srv["warm_s"] >= srv["load_s"] and srv["peak_rss_mb"] > 10
        lat = st["latency"]
        assert 0 < lat["median_ms"] <= lat["p90_ms"] and lat["items_per_page"] == 1000

        # first crawl: one listing request per 1000 repos and type, every repo listed, no 429
        c1 = st["crawl1"]
        assert c1["listing_requests"] == {t: math.ceil(counts[t] / 1000) for t in TYPES}
        assert c1["repos"] == sum(counts.values()) and c1["listing_items"] == counts
        assert c1["repos_per_s"] == pytest.approx(c1["repos"] / c1["wall_s"], rel=0.01)
        assert c1["http_429"] == 0 and c1["listing_phase_s"] > 0 and c1["server_cpu_util"] >= 0

        # the baseline listed the same repos with the same number of listing requests
        b = st["baseline"]
        assert b["repos"] == c1["repos"] and b["listing_requests"] == c1["listing_requests"]
        assert b["list_s"] > 0 and b["duckdb_s"] > 0 and b["http_429"] == 0
        r = s["baseline_ratio"]
        assert r["throughput"] == pytest.approx(c1["repos_per_s"] / b["repos_per_s"], rel=0.02)
        assert r["throughput"] > 0 and r["peak_rss"] > 0

        # build, analyses, reports
        assert set(st["build1"]["steps"]) >= {"models", "lineage", "analysis"}
        assert st["analyses"]["n_views"] >= 30 and not st["analyses"]["failed"]
        if largest:
            assert st["reports"]["files"] >= 1
            # `hubstudy nightly` timed as one process: every repo, every phase, compared with the baseline
            nw = st["nightly1"]
            assert nw["rc"] == 0 and nw["repos"] == sum(counts.values()) and nw["wall_s"] > 0
            assert nw["listing_requests"] == {t: math.ceil(counts[t] / 1000) for t in TYPES}
            assert {"crawl", "build", "reports"} <= set(nw["phases"])
            assert r["whole_nightly_wall"] == pytest.approx(b["wall_s"] / nw["wall_s"], rel=0.02, abs=0.006)
            assert s["build_analyses_reports_s"] == pytest.approx(
                st["build1"]["wall_s"] + st["analyses"]["wall_s"] + st["reports"]["wall_s"], abs=0.05)
        else:
            assert "nightly1" not in st

        # the nightly after 1% of models changed: ceil(models/1000) + ceil(changed/1000)
        changed = st["mutate"]["changed"]
        assert changed == round(counts["model"] * 0.01)
        c2 = st["crawl2"]
        assert c2["listing_requests"] == {"model": math.ceil(counts["model"] / 1000) + math.ceil(changed / 1000),
                                          "dataset": math.ceil(counts["dataset"] / 1000),
                                          "space": math.ceil(counts["space"] / 1000)}
        assert c2["http_429"] == 0 and all(c2["listing_ok"].values())
        assert st["reload"]["reload_s"] > 0 and st["reload"]["mode"] == "reload"
        assert st["crawl1"]["others_cpu_s"] is not None and st["crawl1"]["load1_before"] >= 0

    # the quota-bound crawl: paced by the headers, never a 429, never faster than the quota allows
    q = res["quota"]
    assert q["status"] == "complete", q.get("error")
    assert q["http_429"] == 0 and q["crawl"]["http_429"] == 0
    assert q["windows"] == math.ceil(q["api_requests"] / q["quota"]) >= 2
    assert q["floor_s"] == (q["windows"] - 1) * q["window_s"]
    assert q["wall_s"] >= q["floor_s"] - 0.1 and q["ratio"] == pytest.approx(q["wall_s"] / q["floor_s"], rel=1e-3)

    lin = res["linearity"]
    for step in ("crawl1", "baseline", "build1", "analyses", "crawl2", "build2"):
        assert lin[step]["wall_exponent"] is not None

    names = {t["target"] for t in res["targets"]}
    assert {"crawl throughput vs baseline", "first crawl listing requests (model/dataset/space)",
            "nightly listing requests (model/dataset/space)", "quota-bound crawl vs floor",
            "429 answers in the quota-bound crawl", "build + all analyses + all reports, full world",
            "cost grows linearly (wall ~ scale^k)"} <= names
    status = {t["target"]: t["status"] for t in res["targets"]}
    assert status["first crawl listing requests (model/dataset/space)"] == "PASS"
    assert status["nightly listing requests (model/dataset/space)"] == "PASS"
    assert status["429 answers in the quota-bound crawl"] == "PASS"

    md = out.read_text()
    for heading in ("## Machine", "## Targets", "## Linearity", "## Scale 0.001", "## Scale 0.002",
                    "## Quota-bound crawl", "## Commands"):
        assert heading in md
    assert "hubstudy crawl --endpoint URL" in md


def test_nightly_phases_run_from_one_phase_s_last_log_line_to_the_next(tmp_path):
    """Steps log as they finish (the reports' summary is their last line): a phase's time is up to
    its own last line, so the reports are not counted in the build."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("bench_run", ROOT / "bench" / "run.py")
    run = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(run)
    log = tmp_path / "nightly.log"
    log.write_text("\n".join([
        "23:59:50 Starting temporary server on http://127.0.0.1:1",
        "23:59:58 Beginning flow run 'x' for flow 'nightly'",
        "00:00:02 models [full]: page 1, 1,000 repos",
        "00:00:30 spaces [full]: page 9, 9,000 repos",
        "00:00:33 parents: 3 declared parents not crawled",
        "00:00:40 build: history (0.0s)",
        "00:00:52 build: published /x/hub.duckdb",
        "00:01:05 reports: 6 pages, 30 charts",
        "00:01:06 Stopping temporary server on http://127.0.0.1:1",
    ]))
    assert run._nightly_phases(str(log)) == {"prefect_start": 8.0, "crawl": 32.0, "parents": 3.0, "build": 19.0, "reports": 13.0}
